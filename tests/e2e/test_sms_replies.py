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
from courteous.recipients.identity import recipient_key
from courteous_local.stack import LOCAL_CONTACT_KEY, LocalStack

pytestmark = pytest.mark.e2e

NOON_IN_SHANGHAI = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
PHONE = "+8613800138000"
SHOPS = ("lotus-tea", "jade-garden")


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
        channel="sms",
        recipient=Recipient(shop_id=shop, phone=PHONE),
        created_at=NOON_IN_SHANGHAI,
    )


def test_stop_by_sms_silences_every_shop_and_start_undoes_it() -> None:
    with LocalStack(NOON_IN_SHANGHAI) as stack:
        assert stack.clients is not None and stack.resources is not None
        for shop in SHOPS:
            stack.put_parameter(f"/courteous/shops/{shop}/settings", json.dumps({}), secure=False)
        store = GateStore(boto3.client("dynamodb"), stack.resources.ref("GateTable"))
        key = LOCAL_CONTACT_KEY.encode()
        gate = ContactGate(
            store,
            lambda shop: PRESETS["cn"],
            lambda request: recipient_key(key, request.recipient.shop_id, request.contact),
        )
        topic = stack.resources.ref("InboundSmsTopic")

        def reply(body: str) -> None:
            message = {
                "originationNumber": PHONE,
                "destinationNumber": "+12125550101",
                "messageBody": body,
                "inboundMessageId": "m-1",
            }
            stack.clients("sns").publish(TopicArn=topic, Message=json.dumps(message))  # type: ignore[union-attr]
            stack.drain()

        # When the customer replies 退订 to any of the shops' texts
        reply("退订")
        # Then no shop may text them, not even a shipping notice
        for shop in SHOPS:
            decision = gate.admit(_notice(shop)).decision
            assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.OPTED_OUT)
        # And when they reply START, texts are allowed again
        reply("START")
        decision = gate.admit(_notice(SHOPS[0])).decision
        assert decision.action is Action.SEND
        assert stack.log.failures == []
