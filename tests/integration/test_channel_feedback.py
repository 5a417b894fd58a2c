"""What the channels say back, from their documented event shapes: SES bounces and
complaints, End User Messaging SMS delivery reports, applied by the functions the
template subscribes to their topics, and what the next message does about it."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from courteous.channels import (
    TAG_CLASS,
    TAG_KIND,
    TAG_RECIPIENT,
    TAG_REQUEST,
    TAG_SHOP,
    tag_value,
)
from courteous.gate.decide import Action, Reason
from courteous.gate.ledger_state import UndeliverableReason, ledger_keys
from courteous.gate.store import GateStore, spend_key, spend_month
from courteous.messages import Channel, Kind, MessageClass, MessageRequest, Recipient
from courteous.recipients.identity import contact_wide_key
from courteous_local.instrument import ClientFactory
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction
from courteous_local.sms_voice import SmsVoiceEmulator
from courteous_local.stack import sns_event
from tests.conftest import FIXTURES_DIR
from tests.integration.channel_helpers import (
    MORNING,
    SHOP,
    ask,
    clock_at,
    emails_sent,
    person,
    real_consumer,
)
from tests.integration.conftest import CONTACT_HASH_KEY

KEY = CONTACT_HASH_KEY.encode()
SES = FIXTURES_DIR / "aws_events" / "ses"
SMS = FIXTURES_DIR / "aws_events" / "sms"
DOCS_ADDRESS = "recipient@example.com"  # the address of the SES documentation's samples
RELAY_ADDRESS = "relayuser@test.com"  # the address of the captured SNS bodies


def _fixture(folder: Any, name: str) -> dict[str, Any]:
    return dict(json.loads((folder / name).read_text(encoding="utf-8")))


def _notification(message: dict[str, Any]) -> dict[str, Any]:
    """The SNS notification a topic delivers, around a published message."""
    return {"Type": "Notification", "MessageId": "n-1", "Message": json.dumps(message)}


@pytest.fixture
def functions(
    stack: Provisioned, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, InProcessFunction]]:
    loaded = {}
    for name in ("EmailEventsFunction", "SmsEventsFunction"):
        spec = stack.functions[name]
        for variable, value in spec.environment.items():
            monkeypatch.setenv(variable, value)
        loaded[name] = InProcessFunction(spec, 0, f"arn:{name}")
    yield loaded
    for function in loaded.values():
        function.unload()


@pytest.fixture
def store(stack: Provisioned) -> GateStore:
    return GateStore(boto3.client("dynamodb"), stack.ref("GateTable"))


def _ses(functions: dict[str, InProcessFunction], notification: dict[str, Any]) -> Any:
    return functions["EmailEventsFunction"].invoke(sns_event(notification, "arn:email-events"))


def _sms(functions: dict[str, InProcessFunction], report: dict[str, Any]) -> Any:
    return functions["SmsEventsFunction"].invoke(sns_event(_notification(report), "arn:sms-events"))


def _tags(request: MessageRequest) -> dict[str, list[str]]:
    """The tags the dispatcher put on the e-mail it sent for `request`."""
    key = ledger_keys(KEY, request).channels[Channel.EMAIL].contact
    values = {
        TAG_RECIPIENT: key,
        TAG_REQUEST: request.request_id,
        TAG_SHOP: request.recipient.shop_id,
        TAG_KIND: request.kind.value,
        TAG_CLASS: request.effective_class.value,
    }
    return {name: [tag_value(value)] for name, value in values.items()}


def _sent_email(clients: ClientFactory, recipient: Recipient, kind: Kind, fact: str) -> Any:
    body = ask(kind, recipient, fact, channel=Channel.EMAIL)
    outcome = real_consumer(clients).handle(body)
    assert outcome is not None and outcome.decision.action is Action.SEND
    return MessageRequest.model_validate_json(body), outcome


def test_a_hard_bounce_makes_the_address_undeliverable_at_every_shop(
    clients: ClientFactory, functions: dict[str, InProcessFunction], store: GateStore
) -> None:
    with clock_at(MORNING) as now:
        # Given a payment reminder e-mailed to the documentation's address
        buyer = person(1, email=DOCS_ADDRESS)
        request, outcome = _sent_email(clients, buyer, Kind.PAYMENT_REMINDER, "1001")
        # When SES reports a permanent bounce for it (event publishing, with our tags)
        event = _fixture(SES, "event_publishing_bounce.json")
        event["mail"]["tags"].update(_tags(request))
        assert _ses(functions, _notification(event)) == {"applied": ["bounced"]}
        # Then the delivery log says so
        delivery = store.delivery(outcome.recipient_key, request.request_id)
        assert delivery is not None and delivery.status == "bounced"
        # And another shop, which prefers e-mail for this buyer, texts instead
        now.at += timedelta(minutes=10)
        elsewhere = buyer.model_copy(
            update={"shop_id": "jade-garden", "preferred_channel": Channel.EMAIL}
        )
        notice = real_consumer(clients).handle(ask(Kind.SHIPPING_NOTICE, elsewhere, "9001"))
    assert notice is not None and notice.channel is Channel.SMS
    assert notice.choice is not None
    (refused,) = notice.choice.refused
    assert (refused.channel, refused.reason) == (Channel.EMAIL, Reason.UNDELIVERABLE)
    assert refused.detail == "bounced: General: smtp; 550 5.1.1 user unknown"


def test_the_account_suppression_list_is_a_suppress_with_its_reason(
    clients: ClientFactory, functions: dict[str, InProcessFunction], store: GateStore
) -> None:
    with clock_at(MORNING) as now:
        # Given an e-mail SES did not send because the address is on the account's list
        buyer = person(2, email=RELAY_ADDRESS, phone=None)
        request, outcome = _sent_email(clients, buyer, Kind.SHIPPING_NOTICE, "2001")
        captured = _fixture(SES, "sns_body_bounce_on_account_suppression_list.json")
        # When the captured SNS body arrives as published (no tags of ours) ...
        assert _ses(functions, captured) == {"applied": ["suppressed"]}
        # ... and again for our message, with our tags
        tagged = copy.deepcopy(captured)
        message = json.loads(tagged["Message"])
        message["mail"]["tags"] = _tags(request)
        tagged["Message"] = json.dumps(message)
        assert _ses(functions, tagged) == {"applied": ["suppressed"]}
        # Then the address is undeliverable, with the reason, at every shop
        mark = store.load(contact_wide_key(KEY, RELAY_ADDRESS)).undeliverable
        assert mark is not None and mark.reason is UndeliverableReason.SUPPRESSION_LIST
        # And our message's trail ends in a SUPPRESS saying why
        trail = store.history(outcome.recipient_key)
        assert [(row["action"], row["reason"]) for row in trail] == [
            ("suppress", "undeliverable"),
            ("send", "allowed"),
        ]
        assert "suppression list" in trail[0]["detail"]
        # And the next e-mail is suppressed, not retried
        now.at += timedelta(minutes=10)
        following = real_consumer(clients).handle(ask(Kind.SHIPPING_NOTICE, buyer, "2002"))
    assert following is not None
    assert (following.decision.action, following.decision.reason) == (
        Action.SUPPRESS,
        Reason.UNDELIVERABLE,
    )
    assert "suppression_list: OnAccountSuppressionList" in following.decision.detail
    assert len(emails_sent()) == 1


def test_a_soft_bounce_is_logged_and_changes_nothing(
    clients: ClientFactory, functions: dict[str, InProcessFunction], store: GateStore
) -> None:
    assert _ses(functions, _fixture(SES, "sns_body_soft_bounce.json")) == {
        "applied": ["soft_bounce"]
    }
    assert store.load(contact_wide_key(KEY, RELAY_ADDRESS)).undeliverable is None
    with clock_at(MORNING):
        _sent_email(clients, person(3, email=RELAY_ADDRESS), Kind.SHIPPING_NOTICE, "3001")


def test_a_complaint_ends_marketing_e_mail_from_that_shop_only(
    clients: ClientFactory, functions: dict[str, InProcessFunction]
) -> None:
    yes = {Channel.EMAIL: {MessageClass.MARKETING: True}}
    with clock_at(MORNING) as now:
        # Given a birthday greeting e-mailed by the shop to the documentation's address
        buyer = person(4, email=DOCS_ADDRESS, phone=None, channel_consent=yes)
        request, _ = _sent_email(clients, buyer, Kind.BIRTHDAY_GREETING, "2026")
        # When the customer marks it as spam (a complaint, with our tags)
        event = _fixture(SES, "event_publishing_complaint.json")
        event["mail"]["tags"].update(_tags(request))
        assert _ses(functions, _notification(event)) == {"applied": ["complained"]}
        now.at += timedelta(days=8)
        consumer = real_consumer(clients)
        # Then the shop sends it no more marketing e-mail, and says why
        greeting = consumer.handle(ask(Kind.BIRTHDAY_GREETING, buyer, "2027"))
        assert greeting is not None and greeting.decision.reason is Reason.NO_CONSENT
        assert "(complained)" in greeting.decision.detail
        # But its service e-mail still goes, and another shop's marketing too
        reminder = consumer.handle(ask(Kind.PAYMENT_REMINDER, buyer, "4002"))
        other = buyer.model_copy(update={"shop_id": "jade-garden"})
        elsewhere = consumer.handle(ask(Kind.BIRTHDAY_GREETING, other, "2027"))
    assert reminder is not None and reminder.channel is Channel.EMAIL
    assert elsewhere is not None and elsewhere.channel is Channel.EMAIL


def test_a_complaint_that_names_no_shop_ends_marketing_e_mail_from_every_shop(
    clients: ClientFactory, functions: dict[str, InProcessFunction]
) -> None:
    # Given an identity notification for mail we did not tag (the documentation's)
    notification = _fixture(SES, "notification_complaint_no_feedback.json")
    address = notification["complaint"]["complainedRecipients"][0]["emailAddress"]
    assert _ses(functions, _notification(notification)) == {"applied": ["complained"]}
    # Then no shop sends that address marketing e-mail
    yes = {Channel.EMAIL: {MessageClass.MARKETING: True}}
    with clock_at(MORNING):
        for shop in (SHOP, "opened-later"):
            buyer = person(5, shop_id=shop, email=address, phone=None, channel_consent=yes)
            outcome = real_consumer(clients).handle(ask(Kind.BIRTHDAY_GREETING, buyer, "2026"))
            assert outcome is not None and outcome.decision.reason is Reason.NO_CONSENT, shop


def test_a_delivery_is_written_in_the_delivery_log(
    clients: ClientFactory, functions: dict[str, InProcessFunction], store: GateStore
) -> None:
    with clock_at(MORNING):
        request, outcome = _sent_email(
            clients, person(6, email=DOCS_ADDRESS), Kind.SHIPPING_NOTICE, "6001"
        )
    event = _fixture(SES, "event_publishing_delivery.json")
    event["mail"]["tags"] = _tags(request)
    assert _ses(functions, _notification(event)) == {"applied": ["delivered"]}
    delivery = store.delivery(outcome.recipient_key, request.request_id)
    assert delivery is not None and delivery.status == "delivered"


def test_sms_reports_without_our_context_change_nothing(
    functions: dict[str, InProcessFunction], store: GateStore
) -> None:
    # The user guide's example (another sender's context) and a recorded final report
    example = _fixture(SMS, "event_destination_sms_example.json")
    assert _sms(functions, example) == {"applied": ["accepted"]}
    recorded = _fixture(SMS, "text_delivered_no_context.json")
    assert _sms(functions, recorded) == {"applied": ["delivered"]}
    assert store.load(contact_wide_key(KEY, example["destinationPhoneNumber"])).version == 0


def _text(
    clients: ClientFactory, sms: SmsVoiceEmulator, buyer: Recipient, fact: str
) -> tuple[Any, Any]:
    outcome = real_consumer(clients).handle(ask(Kind.SHIPPING_NOTICE, buyer, fact))
    assert outcome is not None and outcome.channel is Channel.SMS
    return outcome, sms.texts[-1]


def test_a_delivery_report_updates_the_log_and_counts_the_price_once(
    stack: Provisioned,
    clients: ClientFactory,
    sms: SmsVoiceEmulator,
    functions: dict[str, InProcessFunction],
    store: GateStore,
) -> None:
    with clock_at(MORNING):
        outcome, text = _text(clients, sms, person(7), "7001")
    # Given the report End User Messaging published for the text (TEXT_DELIVERED)
    ((topic, delivered),) = sms.reports
    assert topic == stack.ref("SmsEventsTopic")
    # And, before it, the carrier's acceptance (TEXT_SUCCESSFUL, same price)
    accepted = {**delivered, "eventType": "TEXT_SUCCESSFUL", "messageStatus": "SUCCESSFUL"}
    accepted["eventTimestamp"] = delivered["eventTimestamp"] - 100
    accepted["isFinal"] = False
    # When both arrive, the final one first
    assert _sms(functions, delivered) == {"applied": ["delivered"]}
    assert _sms(functions, accepted) == {"applied": ["accepted"]}
    # Then the log keeps the final status, and the shop's month counts one price
    log = store.delivery(outcome.recipient_key, text.context[TAG_REQUEST])
    assert log is not None and log.status == "delivered"
    spend = boto3.client("dynamodb").get_item(
        TableName=stack.ref("GateTable"),
        Key={"pk": {"S": spend_key(SHOP)}, "sk": {"S": spend_month(MORNING)}},
    )["Item"]
    assert Decimal(spend["usd"]["N"]) == Decimal(str(delivered["totalMessagePrice"]))


def test_an_invalid_number_sends_the_next_message_by_e_mail(
    clients: ClientFactory,
    sms: SmsVoiceEmulator,
    functions: dict[str, InProcessFunction],
    store: GateStore,
) -> None:
    buyer = person(8)
    with clock_at(MORNING) as now:
        outcome, text = _text(clients, sms, buyer, "8001")
        # When the carrier reports the number invalid (the documented record's shape)
        report = _fixture(SMS, "event_destination_sms_example.json")
        report.update(
            eventType="TEXT_INVALID",
            messageStatus="INVALID",
            messageStatusDescription="Destination phone number is invalid",
            destinationPhoneNumber=text.destination,
            messageId=text.message_id,
            context=text.context,
            isFinal=True,
        )
        assert _sms(functions, report) == {"applied": ["failed"]}
        # Then the log says why, and the next message goes by e-mail
        log = store.delivery(outcome.recipient_key, text.context[TAG_REQUEST])
        assert log is not None and log.status == "failed"
        assert log.status_detail is not None and "TEXT_INVALID" in log.status_detail
        now.at += timedelta(minutes=5)
        following = real_consumer(clients).handle(ask(Kind.SHIPPING_NOTICE, buyer, "8002"))
    assert following is not None and following.channel is Channel.EMAIL
    assert following.choice is not None
    assert following.choice.refused[0].detail.startswith("invalid_number")


def test_a_carrier_that_cannot_be_reached_fails_that_text_only(
    clients: ClientFactory,
    sms: SmsVoiceEmulator,
    functions: dict[str, InProcessFunction],
    store: GateStore,
) -> None:
    buyer = person(9)
    with clock_at(MORNING) as now:
        outcome, text = _text(clients, sms, buyer, "9001")
        report = _fixture(SMS, "text_carrier_unreachable.json")
        report.update(
            destinationPhoneNumber=text.destination,
            messageId=text.message_id,
            context=text.context,
        )
        assert _sms(functions, report) == {"applied": ["failed"]}
        log = store.delivery(outcome.recipient_key, text.context[TAG_REQUEST])
        assert log is not None and log.status == "failed"
        assert log.status_detail is not None and "TEXT_CARRIER_UNREACHABLE" in log.status_detail
        now.at += timedelta(minutes=5)
        following = real_consumer(clients).handle(ask(Kind.SHIPPING_NOTICE, buyer, "9002"))
    assert following is not None and following.channel is Channel.SMS
