"""Channels as deployed: caps per person across channels, each shop's own sender, the
one-click unsubscribe headers, and what a channel's refusal does to the next message.

Resources are built from template.yaml on moto; End User Messaging SMS (which moto
lacks) is our emulator. The templates are the packaged ones.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import boto3
import pytest

from courteous.gate.decide import Action, Reason
from courteous.gate.ledger_state import ledger_keys
from courteous.gate.store import GateStore
from courteous.messages import Channel, Kind, MessageClass, MessageRequest
from courteous_local.instrument import ClientFactory, Fault
from courteous_local.provision import Provisioned
from courteous_local.sms_voice import SmsVoiceEmulator
from tests.integration.channel_helpers import (
    MORNING,
    ask,
    clock_at,
    emails_sent,
    person,
    put_policy,
    put_settings,
    real_consumer,
)
from tests.integration.conftest import CONTACT_HASH_KEY

KEY = CONTACT_HASH_KEY.encode()


def test_three_texts_and_an_e_mail_to_one_person_in_a_day_defer_the_e_mail(
    stack: Provisioned, clients: ClientFactory, sms: SmsVoiceEmulator
) -> None:
    # Given the default caps (3 service + marketing messages a day) and no minimum gap
    put_policy(json.dumps({"extends": "default", "min_gap": "PT0S"}))
    consumer = real_consumer(clients)
    buyer = person()
    with clock_at(MORNING) as now:
        # When three payment reminders go to the buyer, by SMS (the shop's first channel)
        for order in ("1001", "1002", "1003"):
            outcome = consumer.handle(ask(Kind.PAYMENT_REMINDER, buyer, order))
            assert outcome is not None and outcome.channel is Channel.SMS
            now.at += timedelta(minutes=30)
        # And a fourth, which the buyer prefers by e-mail
        by_email = buyer.model_copy(update={"preferred_channel": Channel.EMAIL})
        fourth = consumer.handle(ask(Kind.PAYMENT_REMINDER, by_email, "1004"))
        # And a fifth, at a guest checkout that knows only the e-mail address
        guest = buyer.model_copy(update={"customer_id": None, "phone": None})
        fifth = consumer.handle(ask(Kind.PAYMENT_REMINDER, guest, "1005"))
    # Then the e-mails wait for the cap to free up: three texts are the day's three
    for deferred in (fourth, fifth):
        assert deferred is not None and deferred.choice is not None
        assert (deferred.decision.action, deferred.decision.reason) == (
            Action.DEFER,
            Reason.FREQUENCY_CAP,
        )
        assert deferred.choice.channel is Channel.EMAIL
        assert deferred.decision.not_before is not None
        assert deferred.decision.not_before >= MORNING + timedelta(hours=24)
    assert len(sms.texts) == 3 and emails_sent() == []
    # And the customer's ledger and each contact's count the same three sends
    store = GateStore(boto3.client("dynamodb"), stack.ref("GateTable"))
    keys = ledger_keys(
        KEY, MessageRequest.model_validate_json(ask(Kind.PAYMENT_REMINDER, buyer, "x"))
    )
    assert [len(store.load(name).sends) for name in keys.names] == [3, 3, 3]


def test_each_shop_sends_from_its_own_identities(
    stack: Provisioned, clients: ClientFactory, sms: SmsVoiceEmulator
) -> None:
    # Given a shop with its own verified sender, reply-to and SMS number
    boto3.client("sesv2").create_email_identity(EmailIdentity="lotus-tea.example.cn")
    put_settings(
        json.dumps(
            {
                "shop_name": "Lotus Tea",
                "shop_domain": "lotus-tea.example.cn",
                "email": {
                    "from": "Lotus Tea <orders@lotus-tea.example.cn>",
                    "reply_to": "care@lotus-tea.example.cn",
                },
                "sms": {"origination_identity": "+12065550152"},
            }
        )
    )
    consumer = real_consumer(clients)
    with clock_at(MORNING):
        text = consumer.handle(ask(Kind.SHIPPING_NOTICE, person(1), "2001"))
        mail = consumer.handle(ask(Kind.SHIPPING_NOTICE, person(2), "2002", channel=Channel.EMAIL))
    assert text is not None and mail is not None
    # Then the text goes from the shop's number, through the stack's configuration set,
    # with what its delivery reports need to find their log
    (sent_text,) = sms.texts
    assert sent_text.origination_identity == "+12065550152"
    assert sent_text.configuration_set == stack.ref("SmsConfigurationSet")
    assert sent_text.context["courteous-request"] == "shipping_notice-7001-2001"
    # And the e-mail from the shop's identity, with its Reply-To
    (message,) = emails_sent()
    assert message["From"] == "Lotus Tea <orders@lotus-tea.example.cn>"
    assert message["Reply-To"] == "care@lotus-tea.example.cn"


def test_the_template_sender_is_only_the_default(
    stack: Provisioned, clients: ClientFactory
) -> None:
    consumer = real_consumer(clients)
    with clock_at(MORNING):
        consumer.handle(ask(Kind.SHIPPING_NOTICE, person(3), "2003", channel=Channel.EMAIL))
    (message,) = emails_sent()
    assert message["From"] == stack.functions["DispatchFunction"].environment["SENDER_EMAIL"]


LISTED = [
    (Kind.PAYMENT_REMINDER, None),
    (Kind.DELIVERY_CARE, None),
    (Kind.DELIVERY_CARE, MessageClass.MARKETING),
    (Kind.BIRTHDAY_GREETING, None),
]
TRANSACTIONAL = [Kind.SHIPPING_NOTICE, Kind.PARCEL_DELAY, Kind.REFUND_ACK]


def test_rfc_8058_headers_on_every_marketing_and_service_e_mail_and_none_on_transactional(
    stack: Provisioned, clients: ClientFactory
) -> None:
    # Given one e-mail of every kind (and delivery care as marketing, with its coupon),
    # each to a customer who said yes to marketing e-mail
    consumer = real_consumer(clients)
    consent = {Channel.EMAIL: {MessageClass.MARKETING: True}}
    asked: list[tuple[Kind, MessageClass]] = []
    with clock_at(MORNING):
        for n, (kind, message_class) in enumerate(LISTED, start=1):
            recipient = person(n, channel_consent=consent)
            body = ask(
                kind, recipient, f"30{n}", channel=Channel.EMAIL, message_class=message_class
            )
            outcome = consumer.handle(body)
            assert outcome is not None and outcome.decision.action is Action.SEND, kind
            asked.append((kind, MessageRequest.model_validate_json(body).effective_class))
        for n, kind in enumerate(TRANSACTIONAL, start=20):
            outcome = consumer.handle(ask(kind, person(n), f"40{n}", channel=Channel.EMAIL))
            assert outcome is not None and outcome.decision.action is Action.SEND, kind
            asked.append((kind, MessageClass.TRANSACTIONAL))
    # Then each marketing and service e-mail carries the one-click unsubscribe: an https
    # link on the public API and a mailto, the one-click POST header, and the link in
    # the text and the HTML
    unsubscribe_url = stack.functions["DispatchFunction"].environment["UNSUBSCRIBE_URL"]
    mailbox = stack.functions["DispatchFunction"].environment["UNSUBSCRIBE_MAILBOX"]
    messages = emails_sent()
    assert len(messages) == len(asked)
    for message, (kind, message_class) in zip(messages, asked, strict=True):
        header = message["List-Unsubscribe"]
        if message_class is MessageClass.TRANSACTIONAL:
            assert header is None and message["List-Unsubscribe-Post"] is None, kind
            assert unsubscribe_url not in message.as_string(), kind
            continue
        https, mailto = (part.strip(" <>") for part in str(header).split(","))
        assert https.startswith(unsubscribe_url + "/v1."), kind
        assert mailto.startswith(f"mailto:{mailbox}?subject=unsubscribe%20v1."), kind
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", kind
        text = message.get_body(preferencelist=("plain",))
        page = message.get_body(preferencelist=("html",))
        assert text is not None and https in text.get_content(), kind
        assert page is not None and f'href="{https}"' in page.get_content(), kind


def test_an_invalid_number_or_an_opted_out_one_refused_by_the_service_is_not_retried(
    stack: Provisioned, clients: ClientFactory, sms: SmsVoiceEmulator
) -> None:
    # Given a number on the service's own opt-out list
    buyer = person(5)
    assert buyer.phone is not None
    sms.opted_out.add(buyer.phone)
    consumer = real_consumer(clients)
    with clock_at(MORNING) as now:
        # When a shipping notice is sent to it
        refused = consumer.handle(ask(Kind.SHIPPING_NOTICE, buyer, "5001"))
        # Then it is suppressed as opted out, not left for a retry
        assert refused is not None
        assert (refused.decision.action, refused.decision.reason) == (
            Action.SUPPRESS,
            Reason.OPTED_OUT,
        )
        assert "sms refused it" in refused.decision.detail
        # And the next message to the buyer goes by e-mail
        now.at += timedelta(minutes=5)
        following = consumer.handle(ask(Kind.SHIPPING_NOTICE, buyer, "5002"))
    assert following is not None and following.channel is Channel.EMAIL
    assert following.choice is not None
    assert following.choice.refused[0].reason is Reason.OPTED_OUT
    assert len(emails_sent()) == 1


def test_the_shops_monthly_sms_spend_limit_sends_e_mail_instead(
    stack: Provisioned, clients: ClientFactory, sms: SmsVoiceEmulator
) -> None:
    # Given a shop whose texts may cost 5 cents a month and have cost 6
    put_settings(json.dumps({"sms": {"monthly_spend_limit": "0.05"}}))
    store = GateStore(boto3.client("dynamodb"), stack.ref("GateTable"))
    store.add_sms_spend("lotus-tea", MORNING, Decimal("0.06"))
    consumer = real_consumer(clients)
    with clock_at(MORNING):
        outcome = consumer.handle(ask(Kind.SHIPPING_NOTICE, person(6), "6001"))
    # Then the notice goes by e-mail, and says why
    assert outcome is not None and outcome.channel is Channel.EMAIL
    assert outcome.choice is not None
    assert outcome.choice.refused[0].reason is Reason.SMS_SPEND_LIMIT
    assert sms.texts == []


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL])
def test_a_retry_after_a_crash_goes_by_the_channel_committed(
    stack: Provisioned, clients: ClientFactory, channel: Channel
) -> None:
    # Given a request committed for one channel, and the customer's preference changed
    consumer = real_consumer(clients)
    buyer = person(7, preferred_channel=channel)
    with clock_at(MORNING):
        body = ask(Kind.SHIPPING_NOTICE, buyer, "7001")
        first = consumer.handle(body)
        other = Channel.EMAIL if channel is Channel.SMS else Channel.SMS
        changed = json.loads(body)
        changed["recipient"]["preferred_channel"] = other.value
        again = consumer.handle(json.dumps(changed))
    # Then the redelivery is the same send, on the same channel
    assert first is not None and again is not None
    assert again.decision.reason is Reason.RETRY
    assert (first.channel, again.channel) == (channel, channel)


def test_a_message_ses_rejects_is_suppressed_with_the_reason_not_retried(
    stack: Provisioned, clients: ClientFactory
) -> None:
    # Given SES refuses the message itself
    clients.inject(Fault("email", "SendEmail", "MessageRejected", "Email address is not verified."))
    consumer = real_consumer(clients)
    with clock_at(MORNING):
        outcome = consumer.handle(
            ask(Kind.SHIPPING_NOTICE, person(8), "8001", channel=Channel.EMAIL)
        )
    # Then the notice is suppressed with what SES said, and nothing asks for a retry
    assert outcome is not None
    assert (outcome.decision.action, outcome.decision.reason) == (
        Action.SUPPRESS,
        Reason.UNDELIVERABLE,
    )
    assert "Email address is not verified." in outcome.decision.detail
    trail = GateStore(boto3.client("dynamodb"), stack.ref("GateTable")).history(
        outcome.recipient_key
    )
    assert [row["action"] for row in trail] == ["suppress", "send"]
