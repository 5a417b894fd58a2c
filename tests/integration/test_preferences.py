"""A customer's consent reaches the gate's ledger, and the next decision honours it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from courteous import clock
from courteous.events import CustomerUpdated
from courteous.gate.decide import Action, Reason
from courteous.gate.policy import PRESETS
from courteous.gate.preferences import RecipientPreferences
from courteous.gate.service import ContactGate
from courteous.gate.settings import GateSettings
from courteous.gate.store import GateStore
from courteous.messages import Channel, MessageClass, MessageRequest
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction
from tests.conftest import load_event
from tests.integration.conftest import CONTACT_HASH_KEY

AFTERNOON_IN_LOUISVILLE = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 14:00 EST


def _event(consent: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(load_event("orders/CustomerUpdated"))
    event["detail"]["customer"]["consent"] = consent
    return event


def _gate(store: GateStore) -> ContactGate:
    key = CONTACT_HASH_KEY.encode()
    return ContactGate(store, lambda shop: PRESETS["us-tcpa"], key)


def _birthday_sms(profile_event: dict[str, Any], n: int) -> MessageRequest:
    customer = CustomerUpdated.model_validate(profile_event["detail"]).customer
    # The ledger alone says what the customer gave: the request carries no word of its own.
    recipient = customer.recipient("acme-shop", Channel.SMS).model_copy(
        update={"consent": {}, "channel_consent": {}}
    )
    return MessageRequest(
        kind="birthday_greeting",
        channel="sms",
        recipient=recipient,
        created_at=AFTERNOON_IN_LOUISVILLE,
        dedupe_key=f"birthday#{n}",
    )


@pytest.fixture
def store(stack: Provisioned) -> GateStore:
    return GateStore(boto3.client("dynamodb"), stack.ref("GateTable"))


def test_a_withdrawal_reaches_the_ledger_and_the_next_decision_suppresses(
    stack: Provisioned, store: GateStore
) -> None:
    previous = clock.use_clock(lambda: AFTERNOON_IN_LOUISVILLE)
    try:
        # Given the function wired as deployed, and a customer who said yes to SMS marketing
        function = InProcessFunction(
            stack.functions["RecipientPreferencesFunction"], 0, "arn:local"
        )
        function.invoke(_event({"sms": {"marketing": True}}))
        gate = _gate(store)
        first = gate.admit(_birthday_sms(_event({}), 1))
        assert (first.decision.action, first.decision.reason) == (Action.SEND, Reason.ALLOWED)

        # When the customer withdraws SMS marketing consent (and says nothing of e-mail)
        result = function.invoke(_event({"sms": {"marketing": False}}))

        # Then the very next marketing SMS is suppressed for want of consent
        assert result == {"channels": ["sms"]}
        second = gate.admit(_birthday_sms(_event({}), 2))
        assert (second.decision.action, second.decision.reason) == (
            Action.SUPPRESS,
            Reason.NO_CONSENT,
        )
    finally:
        clock.use_clock(previous)
        function.unload()


def test_a_word_on_one_class_keeps_the_word_on_the_others(
    stack: Provisioned, store: GateStore
) -> None:
    # Given SMS consent to service and marketing
    preferences = RecipientPreferences(store, CONTACT_HASH_KEY.encode())
    (applied,) = preferences.apply(
        CustomerUpdated.model_validate(
            _event({"sms": {"service": True, "marketing": True}})["detail"]
        )
    )
    # When only marketing is withdrawn
    preferences.apply(
        CustomerUpdated.model_validate(_event({"sms": {"marketing": False}})["detail"])
    )
    # Then service is still given and marketing is not; the version moved twice
    ledger = store.load(applied.recipient_key)
    assert ledger.consent == {MessageClass.SERVICE: True, MessageClass.MARKETING: False}
    assert ledger.version == 2


def test_each_contact_gets_its_own_channels_word(stack: Provisioned, store: GateStore) -> None:
    # Given a profile with consent for both channels
    preferences = RecipientPreferences(store, CONTACT_HASH_KEY.encode())
    event = CustomerUpdated.model_validate(load_event("orders/CustomerUpdated")["detail"])
    # When it is applied
    applied = {item.channel: item for item in preferences.apply(event)}
    # Then the phone's ledger holds the SMS word and the address's the e-mail word
    assert store.load(applied[Channel.SMS].recipient_key).consent == {
        MessageClass.MARKETING: False,
        MessageClass.SERVICE: True,
    }
    assert store.load(applied[Channel.EMAIL].recipient_key).consent == {
        MessageClass.MARKETING: True
    }


def test_settings_come_from_the_functions_environment(stack: Provisioned) -> None:
    assert GateSettings.from_env().gate_table_name == stack.ref("GateTable")
