"""A customer replies STOP (or 退订) by SMS: the gate stops texting them at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from courteous.gate.decide import Action, Reason
from courteous.gate.policy import PRESETS
from courteous.gate.replies import intent
from courteous.gate.service import ContactGate
from courteous.gate.store import GateStore
from courteous.messages import MessageRequest, Recipient
from courteous_local.stack import LOCAL_CONTACT_KEY, LocalStack

pytestmark = pytest.mark.e2e

NOON_IN_SHANGHAI = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
PHONE = "+8613800138000"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", "stop"),
        (" stop. ", "stop"),
        ("退订", "stop"),
        ("T", "stop"),
        ("Arrêt", "stop"),
        ("START", "start"),
        ("UNSTOP", "start"),
        ("where is my parcel?", None),
        ("stop it now", None),
    ],
)
def test_reply_keywords(body: str, expected: str | None) -> None:
    assert intent(body) == expected


def _notice(shop: str) -> MessageRequest:
    return MessageRequest(
        kind="shipping_notice",
        recipient=Recipient(shop_id=shop, phone=PHONE),
        created_at=NOON_IN_SHANGHAI,
    )


SHARED_NUMBER = "+12125550101"  # the deployment's number: no shop names it
OWN_NUMBER = "+12065550152"  # one shop texts from its own number


def test_stop_to_the_shared_number_holds_for_every_shop_even_later_ones() -> None:
    with LocalStack(NOON_IN_SHANGHAI) as stack:
        assert stack.clients is not None and stack.resources is not None
        # Given a configured shop, a shop on the defaults (no settings at all) and a shop
        # that texts from its own number
        stack.put_parameter("/courteous/shops/lotus-tea/settings", "{}", secure=False)
        own = {"sms": {"origination_identity": OWN_NUMBER}}
        stack.put_parameter("/courteous/shops/own-line/settings", json.dumps(own), secure=False)
        store = GateStore(boto3.client("dynamodb"), stack.resources.ref("GateTable"))
        gate = ContactGate(store, lambda shop: PRESETS["cn"], LOCAL_CONTACT_KEY.encode())
        topic = stack.resources.ref("InboundSmsTopic")

        def reply(body: str, to: str) -> None:
            message = {
                "originationNumber": PHONE,
                "destinationNumber": to,
                "messageKeyword": "KEYWORD_123456789012",
                "messageBody": body,
                "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
            }
            stack.clients("sns").publish(TopicArn=topic, Message=json.dumps(message))  # type: ignore[union-attr]
            stack.drain()

        def decision(shop: str) -> tuple[Action, Reason]:
            made = gate.admit(_notice(shop)).decision
            return made.action, made.reason

        # When the customer replies 退订 to the shared number
        reply("退订", SHARED_NUMBER)
        # Then no shop may text them, not even a shipping notice: configured, on the
        # defaults, with its own number, or opened after the reply
        for shop in ("lotus-tea", "jade-garden", "own-line", "opened-later"):
            assert decision(shop) == (Action.SUPPRESS, Reason.OPTED_OUT), shop
        # And when they reply START there, texts are allowed again
        reply("START", SHARED_NUMBER)
        assert decision("jade-garden")[0] is Action.SEND

        # When they reply STOP to the shop's own number, that shop alone stops
        reply("STOP", OWN_NUMBER)
        assert decision("own-line") == (Action.SUPPRESS, Reason.OPTED_OUT)
        assert decision("lotus-tea")[0] is Action.SEND
        # And START there undoes it
        reply("START", OWN_NUMBER)
        assert decision("own-line")[0] is Action.SEND
        assert stack.log.failures == []
