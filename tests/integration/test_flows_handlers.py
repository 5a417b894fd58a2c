"""The three flow functions as Lambda runs them, on resources built from template.yaml.

Canonical events go in as the bus delivers them (events/orders), due timers come back
the way EventBridge Scheduler puts them on the timer queue (events/flows), and the
hourly birthday run is invoked with the scheduler's event. What reaches the outbox is
read back: all six kinds come out, and nothing else does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from courteous import clock
from courteous.customers.store import CustomerStore
from courteous.events.models import Birthday, CustomerProfile
from courteous.flows.timers import Timer
from courteous.messages import Kind, MessageClass, MessageRequest
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction
from tests.conftest import load_event

SHOP = "acme-shop"
ORDER = "450789469"
CREATED = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)

Invoke = Callable[[str, Any], Any]


@pytest.fixture
def at() -> Iterator[Callable[[datetime], None]]:
    """Set the instant every handler sees as now."""
    previous = clock.use_clock(lambda: CREATED)

    def move(instant: datetime) -> None:
        clock.use_clock(lambda: instant)

    yield move
    clock.use_clock(previous)


@pytest.fixture
def invoke(stack: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """`invoke(logical_id, event)`: the function's handler with its deployed environment."""
    for name, value in stack.functions["OrderFlowsFunction"].environment.items():
        monkeypatch.setenv(name, value)
    boto3.client("ssm").put_parameter(
        Name=f"/courteous/shops/{SHOP}/settings",
        Value=json.dumps({"shop_name": "Acme", "shop_domain": "acme.example.com"}),
        Type="String",
    )
    loaded: dict[str, InProcessFunction] = {}

    def call(logical_id: str, event: Any) -> Any:
        if logical_id not in loaded:
            loaded[logical_id] = InProcessFunction(
                stack.functions[logical_id], 0, f"arn:{logical_id}"
            )
        return loaded[logical_id].invoke(event)

    yield call
    for function in loaded.values():
        function.unload()


def drain_outbox(stack: Provisioned) -> list[MessageRequest]:
    sqs = boto3.client("sqs")
    found = []
    while messages := sqs.receive_message(
        QueueUrl=stack.ref("OutboxQueue"), MaxNumberOfMessages=10
    ).get("Messages", []):
        for message in messages:
            found.append(MessageRequest.model_validate_json(message["Body"]))
            sqs.delete_message(
                QueueUrl=stack.ref("OutboxQueue"), ReceiptHandle=message["ReceiptHandle"]
            )
    return found


def pending_schedules(stack: Provisioned) -> dict[str, dict[str, Any]]:
    scheduler = boto3.client("scheduler")
    group = stack.ref("ScheduleGroup")
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    return {name: scheduler.get_schedule(Name=name, GroupName=group) for name in names}


def delivered_by_scheduler(schedule: dict[str, Any]) -> dict[str, Any]:
    """The SQS event the timer function receives when this schedule fires."""
    event: dict[str, Any] = copy.deepcopy(load_event("flows/timer_payment_reminder"))
    event["Records"][0]["body"] = schedule["Target"]["Input"]
    return event


def due(schedule: dict[str, Any]) -> datetime:
    return Timer.model_validate_json(schedule["Target"]["Input"]).due_at


def test_an_order_event_sets_a_reminder_that_the_scheduler_path_turns_into_a_request(
    stack: Provisioned, invoke: Invoke, at: Callable[[datetime], None]
) -> None:
    # Given an unpaid VIP order arrives on the bus
    response = invoke("OrderFlowsFunction", load_event("orders/OrderCreated"))
    # Then a reminder and a last call are scheduled onto the timer queue, nothing sent yet
    schedules = pending_schedules(stack)
    assert sorted(s.split("-")[0] for s in schedules) == ["last_call", "payment_reminder"]
    assert sorted(response["timers"]) == sorted(schedules)
    assert {s["Target"]["Arn"] for s in schedules.values()} == {stack.att("FlowTimerQueue", "Arn")}
    assert drain_outbox(stack) == []
    reminder = schedules[f"payment_reminder-{SHOP}-{ORDER}-1"]
    # And the sample timer record is what the scheduler delivers for it
    sample = load_event("flows/timer_payment_reminder")["Records"][0]["body"]
    assert Timer.model_validate_json(sample) == Timer.model_validate_json(
        reminder["Target"]["Input"]
    )
    # When the reminder falls due and the timer function receives it
    at(due(reminder))
    result = invoke("FlowTimersFunction", delivered_by_scheduler(reminder))
    # Then one payment reminder is on the outbox, expiring when the order closes
    assert result == {"batchItemFailures": []}
    (request,) = drain_outbox(stack)
    assert request.kind is Kind.PAYMENT_REMINDER
    assert request.effective_class is MessageClass.SERVICE
    assert request.order_id == ORDER
    assert request.expires_at == CREATED + timedelta(hours=24)
    assert request.data["tier"] == "vip"


def test_a_reminder_delivered_after_the_payment_cancelled_it_asks_for_nothing(
    stack: Provisioned, invoke: Invoke, at: Callable[[datetime], None]
) -> None:
    # Given an unpaid order with its reminder scheduled
    invoke("OrderFlowsFunction", load_event("orders/OrderCreated"))
    reminder = pending_schedules(stack)[f"payment_reminder-{SHOP}-{ORDER}-1"]
    # When the payment arrives, and the schedule had already fired (the race)
    response = invoke("OrderFlowsFunction", load_event("orders/OrderPaid"))
    at(due(reminder))
    result = invoke("FlowTimersFunction", delivered_by_scheduler(reminder))
    # Then the schedules are gone and the late delivery stays silent without failing
    assert sorted(response["cancelled"]) == ["last_call", "payment_reminder"]
    assert pending_schedules(stack) == {}
    assert result == {"batchItemFailures": []}
    assert drain_outbox(stack) == []


def test_a_malformed_timer_record_is_handed_back_and_the_rest_of_the_batch_runs(
    stack: Provisioned, invoke: Invoke, at: Callable[[datetime], None]
) -> None:
    # Given an unpaid order and a timer batch with one record that is not a timer
    invoke("OrderFlowsFunction", load_event("orders/OrderCreated"))
    event = load_event("flows/timer_batch_with_malformed")
    at(CREATED + timedelta(minutes=30))
    # When the timer function handles the batch
    result = invoke("FlowTimersFunction", event)
    # Then only the malformed record is reported for a retry (and, in the end, the DLQ)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert [r.kind for r in drain_outbox(stack)] == [Kind.PAYMENT_REMINDER]


def test_shipping_late_parcel_delivery_and_refund_each_reach_the_outbox(
    stack: Provisioned, invoke: Invoke, at: Callable[[datetime], None]
) -> None:
    # Given the order is shipped
    shipped = load_event("orders/OrderShipped")
    at(datetime.fromisoformat(shipped["detail"]["occurred_at"]))
    invoke("OrderFlowsFunction", shipped)
    (notice,) = drain_outbox(stack)
    assert notice.kind is Kind.SHIPPING_NOTICE
    assert notice.effective_class is MessageClass.TRANSACTIONAL
    assert notice.data["tracking_number"] == shipped["detail"]["tracking_number"]
    (check,) = pending_schedules(stack).values()
    # When the late-parcel check fires with no delivery reported
    at(due(check))
    assert invoke("FlowTimersFunction", delivered_by_scheduler(check)) == {"batchItemFailures": []}
    (apology,) = drain_outbox(stack)
    assert apology.kind is Kind.PARCEL_DELAY
    assert apology.data["apology_number"] == 1
    # And the parcel then arrives: the further late check goes, care is set a day later
    delivered = load_event("orders/OrderDelivered")
    delivered_at = datetime.fromisoformat(delivered["detail"]["occurred_at"])
    at(delivered_at)
    invoke("OrderFlowsFunction", delivered)
    (care_timer,) = pending_schedules(stack).values()
    assert due(care_timer) == delivered_at + timedelta(days=1)
    at(due(care_timer))
    assert invoke("FlowTimersFunction", delivered_by_scheduler(care_timer)) == {
        "batchItemFailures": []
    }
    (care,) = drain_outbox(stack)
    assert care.kind is Kind.DELIVERY_CARE
    # And a refund asked for later is acknowledged at once
    refund = load_event("orders/RefundRequested")
    at(datetime.fromisoformat(refund["detail"]["occurred_at"]))
    invoke("OrderFlowsFunction", refund)
    (ack,) = drain_outbox(stack)
    assert ack.kind is Kind.REFUND_ACK
    assert ack.not_before is None
    assert ack.data["handling_days"] in (3, 7)


def test_the_hourly_run_greets_a_customer_on_their_birthday_once(
    stack: Provisioned, invoke: Invoke, at: Callable[[datetime], None]
) -> None:
    # Given a Shanghai customer born on 19 November, with marketing consent by SMS
    profiles = CustomerStore(boto3.client("dynamodb"), stack.ref("CustomerTable"))
    profiles.put(
        SHOP,
        CustomerProfile(
            customer_id="c-19",
            phone="+8613800138000",
            zone="Asia/Shanghai",
            birthday=Birthday(month=11, day=19),
            first_name="Li",
            consent={"sms": {"marketing": True}},
        ),
        CREATED,
    )
    run = load_event("flows/birthday_hourly")
    # When the hourly run fires at 10:00 and again at 11:00 in Shanghai
    at(datetime.fromisoformat(run["time"]))
    first = invoke("BirthdayRunFunction", run)
    at(datetime.fromisoformat(run["time"]) + timedelta(hours=1))
    second = invoke("BirthdayRunFunction", run)
    # Then one marketing greeting, expiring at the end of the local birthday
    assert (first, second) == ({"greetings": 1}, {"greetings": 0})
    (greeting,) = drain_outbox(stack)
    assert greeting.kind is Kind.BIRTHDAY_GREETING
    assert greeting.effective_class is MessageClass.MARKETING
    assert greeting.expires_at == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
