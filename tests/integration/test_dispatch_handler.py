"""The dispatch function as Lambda runs it: an SQS batch in, partial failures out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from courteous_local.instrument import ClientFactory, Fault
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction
from courteous_local.sms_voice import SmsVoiceEmulator
from tests.conftest import load_event

pytestmark = pytest.mark.usefixtures("at_morning_in_shanghai")


@pytest.fixture
def dispatch(stack: Provisioned) -> Iterator[InProcessFunction]:
    function = InProcessFunction(stack.functions["DispatchFunction"], 0, "arn:dispatch")
    yield function
    function.unload()


def sms_sent(sms: SmsVoiceEmulator) -> list[dict[str, Any]]:
    return [{"to": text.destination, "text": text.body} for text in sms.texts]


def test_a_batch_sends_defers_and_dead_letters_with_no_retry_asked(
    stack: Provisioned, dispatch: InProcessFunction, sms: SmsVoiceEmulator
) -> None:
    # Given the outbox sample with a malformed record
    event = load_event("dispatch/outbox_batch_with_malformed")
    # When the function handles the batch
    response = dispatch.invoke(event)
    # Then nothing is handed back for a retry: one SMS went out, rendered from the templates
    assert response == {"batchItemFailures": []}
    (text,) = sms_sent(sms)
    assert text["to"] == "+8613800138000"
    assert text["text"].startswith("【Lotus Tea】尊敬的会员，您的订单#1001（¥128.00）还未付款")
    assert text["text"].endswith("回T退订")
    # And the malformed record is in the DLQ with its reason
    dlq = boto3.client("sqs").receive_message(
        QueueUrl=stack.ref("OutboxDeadLetterQueue"), MessageAttributeNames=["All"]
    )["Messages"]
    assert [m["MessageAttributes"]["reason"]["StringValue"] for m in dlq] == ["malformed_request"]


def test_a_retryable_failure_is_reported_for_that_record_only(
    stack: Provisioned, dispatch: InProcessFunction, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given SNS refuses every SMS for now
    factory = ClientFactory()
    factory.inject(Fault("sms-voice", "SendTextMessage", "ThrottlingException", times=None))
    monkeypatch.setattr(boto3, "client", factory)
    event = load_event("dispatch/outbox_batch")
    # When the batch (an SMS by day, an e-mail and an SMS deferred by night) is handled
    response = dispatch.invoke(event)
    # Then only the SMS that was due is handed back to SQS
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    deferred = boto3.client("scheduler").list_schedules(GroupName=stack.ref("ScheduleGroup"))
    assert len(deferred["Schedules"]) == 2
    assert json.loads(event["Records"][1]["body"])["kind"] == "shipping_notice"
