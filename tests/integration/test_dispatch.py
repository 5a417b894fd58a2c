"""The dispatcher in-process against moto, on resources built from `template.yaml`.

The renderer here is a plain one (the templates are tested on their own); everything
else is the deployed wiring: settings from the function's environment, the contact key
from SSM, the gate table, the outbox DLQ, the schedule group, SES v2 and SNS.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from courteous.channels import ChannelError
from courteous.dispatch.outbox import OutboxConsumer
from courteous.dispatch.settings import DispatchSettings
from courteous.gate.decide import Action, Reason
from courteous.gate.store import GateStore
from courteous.messages import MessageRequest
from courteous_local.instrument import ClientFactory, Fault
from courteous_local.provision import Provisioned
from tests.integration.conftest import bodies, sent


def schedules(stack: Provisioned) -> list[dict[str, Any]]:
    scheduler = boto3.client("scheduler")
    group = stack.ref("ScheduleGroup")
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    return [scheduler.get_schedule(Name=name, GroupName=group) for name in names]


def dead_letters(stack: Provisioned) -> list[dict[str, Any]]:
    response = boto3.client("sqs").receive_message(
        QueueUrl=stack.ref("OutboxDeadLetterQueue"),
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
    )
    return list(response.get("Messages", []))


@pytest.mark.usefixtures("at_morning_in_shanghai")
def test_the_outbox_sample_sends_by_day_and_defers_by_night(
    stack: Provisioned, consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given the outbox sample: Shanghai (noon), New York (night), Paris (night)
    records = bodies("dispatch/outbox_batch")
    # When each record is dispatched
    outcomes = [consumer.handle(body) for body in records]
    # Then Shanghai's payment reminder is sent, the other two wait for the morning
    decisions = [outcome.decision for outcome in outcomes if outcome is not None]
    assert [(d.action, d.reason) for d in decisions] == [
        (Action.SEND, Reason.ALLOWED),
        (Action.DEFER, Reason.QUIET_HOURS),
        (Action.DEFER, Reason.QUIET_HOURS),
    ]
    assert sent(clients) == 1
    new_york, paris = decisions[1], decisions[2]
    assert new_york.not_before is not None and paris.not_before is not None
    assert new_york.not_before.astimezone(ZoneInfo(new_york.zones[0])).hour == 8
    # And each deferral is a one-time schedule that puts the same request back
    created = {s["Target"]["Input"]: s for s in schedules(stack)}
    assert len(created) == 2
    for schedule in created.values():
        again = MessageRequest.model_validate_json(schedule["Target"]["Input"])
        assert schedule["Target"]["Arn"] == stack.att("OutboxQueue", "Arn")
        assert schedule["Target"]["DeadLetterConfig"]["Arn"] == stack.att(
            "OutboxDeadLetterQueue", "Arn"
        )
        assert again.deferrals == 1
        assert again.not_before in (new_york.not_before, paris.not_before)
        assert schedule["ScheduleExpression"] == (
            f"at({again.not_before.astimezone(UTC):%Y-%m-%dT%H:%M:%S})"
        )


@pytest.mark.usefixtures("at_morning_in_shanghai")
def test_a_redelivered_record_is_sent_once(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given a payment reminder that was sent
    body = bodies("dispatch/outbox_batch")[0]
    first = consumer.handle(body)
    # When SQS delivers the same record again
    again = consumer.handle(body)
    # Then the gate recognises its own committed send and the channel is not called twice
    assert first is not None and again is not None
    assert again.decision.reason is Reason.RETRY
    assert again.provider_message_id == first.provider_message_id
    assert sent(clients) == 1


@pytest.mark.usefixtures("at_morning_in_shanghai")
def test_a_malformed_record_goes_to_the_dlq_with_what_is_wrong(
    stack: Provisioned, consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given a batch whose second body is not a MessageRequest
    malformed = bodies("dispatch/outbox_batch_with_malformed")[1]
    # When it is dispatched
    outcome = consumer.handle(malformed)
    # Then nothing is sent and the DLQ holds the body with the reason and the fields
    assert outcome is None
    assert sent(clients) == 0
    (letter,) = dead_letters(stack)
    assert letter["Body"] == malformed
    attributes = letter["MessageAttributes"]
    assert attributes["reason"]["StringValue"] == "malformed_request"
    assert "recipient: Field required" in attributes["detail"]["StringValue"]


@pytest.mark.usefixtures("at_morning_in_shanghai")
def test_data_that_can_never_render_goes_to_the_dlq(
    stack: Provisioned, consumer: OutboxConsumer
) -> None:
    # Given a request whose data the templates cannot use
    request = json.loads(bodies("dispatch/outbox_batch")[0])
    request["data"]["broken"] = True
    # When it is dispatched
    consumer.handle(json.dumps(request))
    # Then it is dead-lettered with the error, not retried five times
    (letter,) = dead_letters(stack)
    assert letter["MessageAttributes"]["reason"]["StringValue"] == "PermanentError"
    assert "data.carrier" in letter["MessageAttributes"]["detail"]["StringValue"]


@pytest.mark.usefixtures("at_morning_in_shanghai")
def test_a_content_violation_is_suppressed_and_recorded(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given a message whose text breaks the content policy
    request = json.loads(bodies("dispatch/outbox_batch")[0])
    request["data"]["forbidden"] = True
    # When it is dispatched
    outcome = consumer.handle(json.dumps(request))
    # Then it is suppressed with the rule, recorded in the audit trail, and not sent
    assert outcome is not None
    assert (outcome.decision.action, outcome.decision.reason) == (
        Action.SUPPRESS,
        Reason.CONTENT_POLICY,
    )
    store = GateStore(boto3.client("dynamodb"), DispatchSettings.from_env().gate_table_name)
    (audit,) = store.history(outcome.recipient_key)
    assert audit["reason"] == "content_policy"
    assert "foreign_link" in audit["detail"]
    assert sent(clients) == 0


@pytest.mark.usefixtures("at_morning_in_shanghai")
def test_a_channel_failure_leaves_the_record_for_a_retry_that_sends_once(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given End User Messaging refuses the first attempt
    throttled = Fault("sms-voice", "SendTextMessage", "ThrottlingException", status=400, times=1)
    clients.inject(throttled)
    body = bodies("dispatch/outbox_batch")[0]
    # When the record is dispatched, it fails in a retryable way (SQS will redeliver)
    with pytest.raises(ChannelError):
        consumer.handle(body)
    # Then the redelivery sends it, once, without counting it twice against the caps
    outcome = consumer.handle(body)
    assert outcome is not None
    assert outcome.decision.reason is Reason.RETRY
    assert outcome.provider_message_id is not None
    assert clients.calls.counts[("sms-voice", "SendTextMessage")] == 2  # one refused, one delivered
    store = GateStore(boto3.client("dynamodb"), DispatchSettings.from_env().gate_table_name)
    assert len(store.load(outcome.recipient_key).sends) == 1


@pytest.mark.usefixtures("at_morning_in_shanghai")
def test_a_gate_table_failure_sends_nothing(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given DynamoDB refuses the ledger commit
    clients.inject(
        Fault("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException")
    )
    # When a record is dispatched
    with pytest.raises(Exception, match=r"(?i)ledger|commit|throughput"):
        consumer.handle(bodies("dispatch/outbox_batch")[0])
    # Then the gate failed closed: no send without a committed ledger entry
    assert sent(clients) == 0
