"""Faults, one at a time: every message is sent exactly once eventually, or ends in the
DLQ with its reason; the gate fails closed. (The table is in docs/faults.md.)

Each fault is a real botocore error injected through the client's own event hooks; the
"retry" is what SQS does with a record the batch reported as failed: deliver it again.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from courteous.channels import ChannelError, Envelope, OutgoingMessage
from courteous.dispatch.outbox import OutboxConsumer
from courteous.dispatch.settings import DispatchSettings
from courteous.errors import RetryableError
from courteous.gate.decide import Action, Reason
from courteous.gate.service import MAX_ATTEMPTS, GateContentionError
from courteous.gate.store import GateStore
from courteous.messages import Channel
from courteous.scheduling import SchedulingError
from courteous_local.instrument import ClientFactory, Fault
from courteous_local.provision import Provisioned
from tests.integration.conftest import bodies, sent

pytestmark = pytest.mark.usefixtures("at_morning_in_shanghai")

REMINDER = bodies("dispatch/outbox_batch")[0]  # Shanghai, allowed at this hour
NIGHT_NOTICE = bodies("dispatch/outbox_batch")[1]  # New York, deferred at this hour


def until_done(consumer: OutboxConsumer, body: str, attempts: int = 6) -> Any:
    """Deliver the record again after every retryable failure, as SQS does."""
    failures = 0
    for _ in range(attempts):
        try:
            return consumer.handle(body), failures
        except RetryableError:
            failures += 1
    raise AssertionError(f"still failing after {attempts} deliveries")


def ledger_sends(outcome: Any) -> int:
    store = GateStore(boto3.client("dynamodb"), DispatchSettings.from_env().gate_table_name)
    return len(store.load(outcome.recipient_key).sends)


def _cancelled(code: str = "ConditionalCheckFailed") -> Fault:
    return Fault(
        "dynamodb",
        "TransactWriteItems",
        "TransactionCanceledException",
        message=f"Transaction cancelled, please refer cancellation reasons for specific "
        f"reasons [{code}, None]",
        times=None,
    )


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("BatchGetItem", "ProvisionedThroughputExceededException"),
        ("TransactWriteItems", "ThrottlingException"),
        ("TransactWriteItems", "InternalServerError"),
    ],
)
def test_dynamodb_throttling_and_errors_leave_the_record_for_a_retry(
    consumer: OutboxConsumer, clients: ClientFactory, operation: str, code: str
) -> None:
    # Given DynamoDB fails the first attempt
    clients.inject(Fault("dynamodb", operation, code, status=400, times=1))
    # When the record is delivered until it is done
    ((outcome, failures),) = [until_done(consumer, REMINDER)]
    # Then the first delivery failed without sending, the retry sent it once
    assert failures == 1
    assert outcome.decision.action is Action.SEND
    assert sent(clients) == 1
    assert ledger_sends(outcome) == 1


def test_a_storm_of_lost_races_is_decided_again_and_sends_once(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given the ledger commit loses its race five times in a row
    storm = clients.inject(_cancelled())
    storm.times = 5
    # When the record is dispatched
    outcome = consumer.handle(REMINDER)
    # Then the gate re-read and decided again until its commit won, and sent once
    assert outcome is not None and outcome.decision.action is Action.SEND
    assert storm.fired == 5
    assert sent(clients) == 1


def test_a_ledger_that_never_settles_fails_closed_and_a_later_retry_sends(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given every commit loses its race
    storm = clients.inject(_cancelled())
    # When the record is dispatched, the gate gives up with a retryable error, sending nothing
    with pytest.raises(GateContentionError):
        consumer.handle(REMINDER)
    assert storm.fired == MAX_ATTEMPTS
    assert sent(clients) == 0
    # And when the storm is over, the redelivery sends it once
    clients.clear_faults()
    outcome = consumer.handle(REMINDER)
    assert outcome is not None and outcome.decision.action is Action.SEND
    assert sent(clients) == 1


@pytest.mark.parametrize(
    ("status", "code"), [(400, "Throttling"), (500, "InternalError"), (503, "ServiceUnavailable")]
)
def test_sms_throttling_and_5xx_send_once_on_retry(
    consumer: OutboxConsumer, clients: ClientFactory, status: int, code: str
) -> None:
    clients.inject(Fault("sms-voice", "SendTextMessage", code, status=status, times=2))
    outcome, failures = until_done(consumer, REMINDER)
    assert failures == 2
    assert outcome.decision.reason is Reason.RETRY  # committed once, counted once
    assert ledger_sends(outcome) == 1
    assert clients.calls.counts[("sms-voice", "SendTextMessage")] == 3


def test_email_throttling_sends_once_on_retry(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given a shipping notice by e-mail at an hour it may go, and SES throttling once
    notice = json.loads(NIGHT_NOTICE)
    notice["recipient"].update(country="CN", region=None)
    notice["recipient"]["zone"] = "Asia/Shanghai"
    clients.inject(Fault("email", "SendEmail", "TooManyRequestsException", status=429))
    outcome, failures = until_done(consumer, json.dumps(notice))
    assert failures == 1
    assert outcome.decision.action is Action.SEND
    assert clients.calls.counts[("email", "SendEmail")] == 2
    assert ledger_sends(outcome) == 1


def test_a_scheduler_failure_on_defer_is_retried_and_makes_one_schedule(
    stack: Provisioned, consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given Scheduler refuses the first CreateSchedule
    clients.inject(Fault("scheduler", "CreateSchedule", "InternalServerException", status=500))
    # When a night-time notice is deferred and the record redelivered
    with pytest.raises(SchedulingError):
        consumer.handle(NIGHT_NOTICE)
    outcome = consumer.handle(NIGHT_NOTICE)
    # Then exactly one schedule brings it back in the morning; nothing was sent
    assert outcome is not None and outcome.decision.action is Action.DEFER
    scheduler = boto3.client("scheduler")
    listed = scheduler.list_schedules(GroupName=stack.ref("ScheduleGroup"))["Schedules"]
    assert len(listed) == 1
    assert sent(clients) == 0


def test_a_redelivered_deferral_does_not_make_a_second_schedule(
    stack: Provisioned, consumer: OutboxConsumer
) -> None:
    consumer.handle(NIGHT_NOTICE)
    consumer.handle(NIGHT_NOTICE)
    listed = boto3.client("scheduler").list_schedules(GroupName=stack.ref("ScheduleGroup"))
    assert len(listed["Schedules"]) == 1


class CrashingOnce:
    """A channel whose process dies (an exception that is no channel error) once."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.channel, self.crashed = inner, inner.channel, False

    def send(self, to: str, message: OutgoingMessage, envelope: Envelope) -> str:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("the dispatcher died after the ledger commit")
        return str(self.inner.send(to, message, envelope))


def test_dying_after_the_commit_and_before_the_send_sends_once_on_retry(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given a dispatcher that dies between its ledger commit and the channel call
    dispatcher = consumer._dispatcher
    senders = dispatcher._senders

    crashing = CrashingOnce(senders[Channel.SMS])
    dispatcher._senders = {**senders, Channel.SMS: crashing}
    # When the record is delivered, it crashes; SQS delivers it again
    with pytest.raises(RuntimeError):
        consumer.handle(REMINDER)
    assert sent(clients) == 0
    outcome = consumer.handle(REMINDER)
    # Then the gate knows the request (no second count) and the message goes out once
    assert outcome is not None and outcome.decision.reason is Reason.RETRY
    assert sent(clients) == 1
    assert ledger_sends(outcome) == 1


def test_a_failed_delivery_log_write_after_the_send_does_not_send_again(
    consumer: OutboxConsumer, clients: ClientFactory
) -> None:
    # Given the delivery-log write fails after the SMS went out
    clients.inject(Fault("dynamodb", "UpdateItem", "InternalServerError", status=500, times=None))
    # When the record is dispatched
    outcome = consumer.handle(REMINDER)
    # Then it is reported done (SQS will not redeliver it), and it was sent once
    assert outcome is not None and outcome.provider_message_id is not None
    assert sent(clients) == 1


def test_channel_error_is_retryable_so_sqs_redelivers_it() -> None:
    assert issubclass(ChannelError, RetryableError)
    assert issubclass(GateContentionError, RetryableError)
    assert issubclass(SchedulingError, RetryableError)
