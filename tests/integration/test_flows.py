"""The message flows in-process against moto, on resources built from template.yaml.

Each rule is driven with canonical events (the bus samples in events/orders) and with
the timers the flows set; what reaches the outbox queue is read back and rendered.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from courteous.customers.store import CustomerStore
from courteous.events.envelope import parse_event
from courteous.events.models import Birthday, CanonicalEvent, CustomerProfile
from courteous.flows.birthday import BirthdayRun, GreetingMarks
from courteous.flows.orders import OrderFlows
from courteous.flows.outbox import Outbox
from courteous.flows.settings import ShopSettings, settings_from_json
from courteous.flows.state import OrderStateStore
from courteous.flows.timers import Timer, Timers
from courteous.flows.wiring import FlowSettings, build_order_flows
from courteous.gate.policy import PRESETS
from courteous.messages import MessageClass, MessageRequest
from courteous.rendering import TemplateRenderer
from courteous.scheduling import OneTimeScheduler, QueueTarget
from courteous_local.provision import Provisioned
from tests.conftest import load_event

SHOP = "acme-shop"
CREATED = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)  # 09:30 in Louisville


@dataclass
class FixedEstimate:
    date: date
    latest: date


class FixedEstimator:
    def __init__(self) -> None:
        self.observed: list[tuple[Any, ...]] = []

    def estimate(self, *args: Any, **facts: Any) -> FixedEstimate:
        return FixedEstimate(date(2026, 11, 24), date(2026, 11, 25))

    def observe(self, *args: Any, **facts: Any) -> None:
        self.observed.append((*args, facts))


@pytest.fixture
def env(stack: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Provisioned:
    for name, value in stack.functions["OrderFlowsFunction"].environment.items():
        monkeypatch.setenv(name, value)
    boto3.client("ssm").put_parameter(
        Name=f"/courteous/shops/{SHOP}/settings",
        Value=json.dumps({"shop_name": "Acme", "shop_domain": "acme.example.com"}),
        Type="String",
    )
    return stack


@pytest.fixture
def flows(env: Provisioned) -> OrderFlows:
    return build_order_flows(FlowSettings.from_env(), boto3.client)


def event(name: str, **changes: Any) -> CanonicalEvent:
    raw = copy.deepcopy(load_event(f"orders/{name}")["detail"])
    for key, value in changes.items():
        target = raw
        *path, last = key.split("__")
        for part in path:
            target = target[part]
        target[last] = value
    return parse_event(name, raw)


def outbox(stack: Provisioned) -> list[MessageRequest]:
    sqs = boto3.client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=stack.ref("OutboxQueue"), MaxNumberOfMessages=10
        ).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(MessageRequest.model_validate_json(message["Body"]))
            sqs.delete_message(
                QueueUrl=stack.ref("OutboxQueue"), ReceiptHandle=message["ReceiptHandle"]
            )


def schedules(stack: Provisioned) -> dict[str, dict[str, Any]]:
    scheduler = boto3.client("scheduler")
    group = stack.ref("ScheduleGroup")
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    return {name: scheduler.get_schedule(Name=name, GroupName=group) for name in names}


def timer_of(schedule: dict[str, Any]) -> Timer:
    return Timer.model_validate_json(schedule["Target"]["Input"])


def text(request: MessageRequest) -> str:
    return TemplateRenderer().render(request, PRESETS["default"]).text


# ---------------------------------------------------------------------- payment
def test_a_tiny_order_is_not_reminded(env: Provisioned, flows: OrderFlows) -> None:
    result = flows.handle(event("OrderCreated", total__amount="1.50", line_items=[]), CREATED)
    assert result.timers == [] and result.skipped is not None and "minimum" in result.skipped
    assert schedules(env) == {}


def test_an_order_paid_at_checkout_is_not_reminded(env: Provisioned, flows: OrderFlows) -> None:
    result = flows.handle(event("OrderCreated", paid=True), CREATED)
    assert result.timers == [] and "paid" in (result.skipped or "")


def test_an_unpaid_vip_order_gets_a_reminder_and_a_last_call_on_the_timer_queue(
    env: Provisioned, flows: OrderFlows
) -> None:
    # Given an unpaid VIP order
    flows.handle(event("OrderCreated"), CREATED)
    # Then two one-time schedules target the flow timer queue: 30 min on, and before close
    made = {timer_of(s).kind: s for s in schedules(env).values()}
    assert set(made) == {"payment_reminder", "last_call"}
    assert made["payment_reminder"]["Target"]["Arn"] == env.att("FlowTimerQueue", "Arn")
    assert timer_of(made["payment_reminder"]).due_at == CREATED + timedelta(minutes=30)
    # 3 h before the close would be 06:30 in Louisville: the evening before, 20:00, instead
    assert timer_of(made["last_call"]).due_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("placed_local", "last_call_local"),
    [
        ("2026-11-20T18:00:00-05:00", datetime(2026, 11, 21, 15, 0)),  # 3 h before close
        ("2026-11-20T23:30:00-05:00", datetime(2026, 11, 21, 20, 0)),  # not 20:30
        ("2026-11-20T02:00:00-05:00", datetime(2026, 11, 20, 20, 0)),  # not 23:00
    ],
)
def test_a_last_call_is_aimed_at_the_buyers_daytime_before_the_close(
    env: Provisioned, flows: OrderFlows, placed_local: str, last_call_local: datetime
) -> None:
    # Given an unpaid VIP order placed at this time in Louisville, closing 24 h later
    placed = datetime.fromisoformat(placed_local)
    flows.handle(event("OrderCreated", occurred_at=placed_local, auto_close_at=None), placed)
    # Then the last call falls before the close, in the buyer's daytime
    (last_call,) = [timer_of(s) for s in schedules(env).values() if timer_of(s).kind == "last_call"]
    local = last_call.due_at.astimezone(ZoneInfo("America/New_York"))
    assert local.replace(tzinfo=None) == last_call_local
    assert last_call.due_at < placed + timedelta(hours=24)


def test_the_reminder_is_worded_for_the_tier_and_expires_when_the_order_closes(
    env: Provisioned, flows: OrderFlows
) -> None:
    flows.handle(event("OrderCreated"), CREATED)
    (reminder,) = [
        timer_of(s) for s in schedules(env).values() if timer_of(s).kind == "payment_reminder"
    ]
    flows.fire(reminder, reminder.due_at)
    (request,) = outbox(env)
    # The flow names the buyer's contacts; the dispatcher chooses the channel.
    assert request.kind.value == "payment_reminder" and request.channel is None
    assert request.recipient.phone and request.recipient.email
    assert request.expires_at == CREATED + timedelta(hours=24)
    assert request.dedupe_key is not None
    assert "Dear VIP" in text(request)


def test_the_reminder_quotes_the_money_the_buyer_saw(env: Provisioned, flows: OrderFlows) -> None:
    # Given a USD shop's order that the buyer saw, and will pay, in euros
    shown = {"amount": "377.15", "currency": "EUR"}
    flows.handle(event("OrderCreated", presentment_total=shown), CREATED)
    (reminder,) = [
        timer_of(s) for s in schedules(env).values() if timer_of(s).kind == "payment_reminder"
    ]
    flows.fire(reminder, reminder.due_at)
    (request,) = outbox(env)
    # Then the reminder names the euros, not the shop's dollars
    assert request.data["amount"] == shown
    assert "409.94" not in text(request)


def test_a_refund_is_acknowledged_in_the_buyers_money(env: Provisioned, flows: OrderFlows) -> None:
    shown = {"amount": "38.60", "currency": "EUR"}
    flows.handle(event("RefundRequested", presentment_amount=shown), CREATED)
    (ack,) = outbox(env)
    assert ack.data["amount"] == shown


def test_the_reminder_follows_the_orders_largest_line_and_links_to_payment(
    env: Provisioned,
) -> None:
    # Given a shop with a payment link, and an order mostly of a promotion item
    boto3.client("ssm").put_parameter(
        Name=f"/courteous/shops/{SHOP}/settings",
        Value=json.dumps(
            {
                "shop_name": "Acme",
                "shop_domain": "acme.example.com",
                "pay_url": "https://pay.acme.example.com/orders/{order_id}",
            }
        ),
        Type="String",
        Overwrite=True,
    )
    flows = build_order_flows(FlowSettings.from_env(), boto3.client)
    raw = copy.deepcopy(load_event("orders/OrderCreated")["detail"])
    raw["line_items"][1]["quantity"] = 3
    raw["line_items"][1]["product_kind"] = "promotion"
    flows.handle(parse_event("OrderCreated", raw), CREATED)
    # When its reminder falls due
    due = Timer(
        kind="payment_reminder",
        shop_id=SHOP,
        order_id="450789469",
        due_at=CREATED + timedelta(minutes=30),
    )
    flows.fire(due, due.due_at)
    # Then it is worded for the promotion and carries the order's payment link
    (request,) = outbox(env)
    assert request.data["product_kind"] == "promotion"
    assert request.data["pay_url"] == "https://pay.acme.example.com/orders/450789469"
    assert "Pay here: https://pay.acme.example.com/orders/450789469" in text(request)


@pytest.mark.parametrize(
    ("tier", "greeting"),
    [
        (None, "Acme: your order #1001"),
        ("member", "Acme: Dear member,"),
        ("senior", "Acme: Dear valued member,"),
        ("vip", "Acme: Dear VIP,"),
        ("top_vip", "Acme: Dear Top VIP,"),
    ],
)
def test_each_member_tier_is_reminded_in_its_own_words(
    env: Provisioned, flows: OrderFlows, tier: str | None, greeting: str
) -> None:
    # Given an unpaid order by a buyer of this tier (none: not a member)
    flows.handle(event("OrderCreated", customer__member_tier=tier), CREATED)
    due = Timer(
        kind="payment_reminder",
        shop_id=SHOP,
        order_id="450789469",
        due_at=CREATED + timedelta(minutes=30),
    )
    # When the reminder falls due
    flows.fire(due, due.due_at)
    # Then its wording is the tier's
    (request,) = outbox(env)
    assert request.data["tier"] == (tier or "non_member")
    assert text(request).startswith(greeting)


def test_payment_cancels_the_timers(env: Provisioned, flows: OrderFlows) -> None:
    flows.handle(event("OrderCreated"), CREATED)
    result = flows.handle(event("OrderPaid"), CREATED + timedelta(minutes=10))
    assert sorted(result.cancelled) == ["last_call", "payment_reminder"]
    assert schedules(env) == {}


def test_a_reminder_that_fires_as_the_order_is_paid_stays_silent(
    env: Provisioned, flows: OrderFlows
) -> None:
    # Given the reminder's schedule fired just before the payment's cancel reached it
    flows.handle(event("OrderCreated"), CREATED)
    due = Timer(
        kind="payment_reminder",
        shop_id=SHOP,
        order_id="450789469",
        due_at=CREATED + timedelta(minutes=30),
    )
    flows.handle(event("OrderPaid"), CREATED + timedelta(minutes=29))
    # When the timer is handled after the payment
    result = flows.fire(due, due.due_at)
    # Then the order is re-read and nothing is asked of the outbox
    assert "paid" in (result.skipped or "")
    assert outbox(env) == []


def test_an_order_whose_payment_overtook_its_creation_is_not_reminded(
    env: Provisioned, flows: OrderFlows
) -> None:
    # Given the payment reaches the flows before the order's creation does
    flows.handle(event("OrderPaid"), CREATED + timedelta(minutes=2))
    # When the creation arrives
    result = flows.handle(event("OrderCreated"), CREATED + timedelta(minutes=3))
    # Then no reminder is scheduled
    assert result.timers == [] and "before its creation" in (result.skipped or "")
    assert schedules(env) == {}


def test_a_buyer_who_paid_another_order_since_is_not_reminded(
    env: Provisioned, flows: OrderFlows
) -> None:
    flows.handle(event("OrderCreated"), CREATED)
    other = event("OrderPaid", order_id="450789999", event_id="paid-other")
    flows.handle(other, CREATED + timedelta(minutes=5))
    due = Timer(
        kind="payment_reminder",
        shop_id=SHOP,
        order_id="450789469",
        due_at=CREATED + timedelta(minutes=30),
    )
    result = flows.fire(due, due.due_at)
    assert "450789999" in (result.skipped or "")
    assert outbox(env) == []


def test_a_buyer_who_paid_another_order_as_a_guest_with_the_same_phone_is_not_reminded(
    env: Provisioned, flows: OrderFlows
) -> None:
    # Given a signed-in buyer's unpaid order
    flows.handle(event("OrderCreated"), CREATED)
    # And a payment, five minutes later, for another order placed as a guest by that phone
    guest = event(
        "OrderPaid",
        order_id="450789999",
        event_id="paid-guest",
        customer__customer_id=None,
        customer__email=None,
    )
    flows.handle(guest, CREATED + timedelta(minutes=5))
    # When the first order's reminder falls due
    due = Timer(
        kind="payment_reminder",
        shop_id=SHOP,
        order_id="450789469",
        due_at=CREATED + timedelta(minutes=30),
    )
    result = flows.fire(due, due.due_at)
    # Then the buyer is known by the phone and is not reminded
    assert "450789999" in (result.skipped or "")
    assert outbox(env) == []


def test_a_reminder_after_the_order_closed_is_not_asked_for(
    env: Provisioned, flows: OrderFlows
) -> None:
    flows.handle(event("OrderCreated"), CREATED)
    late = Timer(
        kind="last_call", shop_id=SHOP, order_id="450789469", due_at=CREATED + timedelta(hours=25)
    )
    assert "closed" in (flows.fire(late, late.due_at).skipped or "")


def test_the_same_event_twice_asks_for_the_same_request(
    env: Provisioned, flows: OrderFlows
) -> None:
    refund = event("RefundRequested")
    flows.handle(refund, CREATED)
    flows.handle(refund, CREATED)
    first, second = outbox(env)
    assert first.request_id == second.request_id


# ---------------------------------------------------------------------- shipping
def _flows_with(env: Provisioned, estimator: Any) -> OrderFlows:
    settings = FlowSettings.from_env()
    sqs, dynamodb = boto3.client("sqs"), boto3.client("dynamodb")
    scheduler = OneTimeScheduler(
        boto3.client("scheduler"),
        settings.schedule_group_name,
        QueueTarget(settings.flow_timer_queue_arn, settings.scheduler_role_arn, None),
    )
    return OrderFlows(
        settings_for=lambda shop: settings_from_json(shop, '{"shop_domain": "acme.example.com"}'),
        state=OrderStateStore(dynamodb, settings.order_table_name),
        outbox=Outbox(sqs, settings.outbox_queue_url),
        timers=Timers(scheduler, sqs, settings.flow_timer_queue_url),
        estimator=estimator,
        profiles=CustomerStore(dynamodb, settings.customer_table_name),
        contact_key=b"k",
    )


def test_a_shipping_notice_without_an_estimate_says_no_date_and_checks_after_transit(
    env: Provisioned, flows: OrderFlows
) -> None:
    shipped = event("OrderShipped")
    result = flows.handle(shipped, shipped.occurred_at)
    (notice,) = outbox(env)
    assert notice.data["estimated_delivery"] is None
    assert "Expected" not in text(notice)
    (check,) = result.timers
    assert check.due_at == shipped.occurred_at + timedelta(days=5, hours=12)


def test_a_learned_estimate_is_in_the_notice_and_sets_the_late_check(env: Provisioned) -> None:
    flows = _flows_with(env, FixedEstimator())
    shipped = event("OrderShipped")
    result = flows.handle(shipped, shipped.occurred_at)
    (notice,) = outbox(env)
    assert "Expected by Nov 24, 2026 (at the latest Nov 25, 2026)" in text(notice)
    (check,) = result.timers
    # end of 25 November in Louisville (EST), plus 12 hours of grace
    assert check.due_at == datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


def test_a_late_parcel_gets_two_apologies_and_no_third(env: Provisioned, flows: OrderFlows) -> None:
    shipped = event("OrderShipped")
    first = flows.handle(shipped, shipped.occurred_at).timers[0]
    one = flows.fire(first, first.due_at)
    (second,) = one.timers
    two = flows.fire(second, second.due_at)
    three = flows.fire(second, second.due_at + timedelta(days=3))
    apologies = [r for r in outbox(env) if r.kind.value == "parcel_delay"]
    assert [r.data["apology_number"] for r in apologies] == [1, 2]
    assert two.timers == []
    assert three.requests == [] and three.skipped is not None


def test_no_apology_once_the_parcel_arrived(env: Provisioned, flows: OrderFlows) -> None:
    shipped = event("OrderShipped")
    check = flows.handle(shipped, shipped.occurred_at).timers[0]
    flows.handle(event("OrderDelivered"), shipped.occurred_at + timedelta(days=1))
    assert "arrived" in (flows.fire(check, check.due_at).skipped or "")


# ---------------------------------------------------------------------- after delivery
def test_delivery_asks_for_care_a_day_later_and_teaches_the_estimator(env: Provisioned) -> None:
    # Given a shipped order
    estimator = FixedEstimator()
    flows = _flows_with(env, estimator)
    shipped = event("OrderShipped")
    flows.handle(shipped, shipped.occurred_at)
    outbox(env)
    # When it is delivered
    delivered = event("OrderDelivered")
    result = flows.handle(delivered, delivered.occurred_at)
    # Then the estimator learns the transit and the date it promised at shipping (for
    # the shop's on-time record), and care is due a day later, not before
    assert len(estimator.observed) == 1
    assert estimator.observed[0][-1]["promised"] == date(2026, 11, 25)
    (care,) = result.timers
    assert care.kind == "delivery_care"
    assert care.due_at == delivered.occurred_at + timedelta(days=1)
    assert outbox(env) == []
    # And the same delivery reported again is not learned, nor its promise counted, twice
    flows.handle(delivered, delivered.occurred_at + timedelta(minutes=5))
    assert len(estimator.observed) == 1
    # And when it falls due, a service message with the review invitation is asked for
    flows.fire(care, care.due_at)
    (request,) = outbox(env)
    assert request.kind.value == "delivery_care"
    assert request.effective_class is MessageClass.SERVICE
    assert request.expires_at == care.due_at + timedelta(days=5)


def test_no_care_message_once_a_refund_was_asked_for(env: Provisioned) -> None:
    # Given a delivered order whose care message is due tomorrow
    flows = _flows_with(env, FixedEstimator())
    delivered = event("OrderDelivered")
    (care,) = flows.handle(delivered, delivered.occurred_at).timers
    # When the buyer asks for a refund in between
    flows.handle(event("RefundRequested"), delivered.occurred_at + timedelta(hours=3))
    result = flows.fire(care, care.due_at)
    # Then only the refund is acknowledged: no care message, no review invitation
    assert [r.kind.value for r in outbox(env)] == ["refund_ack"]
    assert "refund" in (result.skipped or "")


def test_care_with_a_coupon_is_marketing(env: Provisioned) -> None:
    flows = _flows_with(env, FixedEstimator())
    coupon = ShopSettings(
        shop_name="Acme", shop_domain="acme.example.com", care_coupon={"code": "THANKS"}
    )
    flows._settings_for = lambda shop: coupon
    (care,) = flows.handle(event("OrderDelivered"), CREATED).timers
    flows.fire(care, care.due_at)
    (request,) = outbox(env)
    assert request.effective_class is MessageClass.MARKETING
    assert "THANKS" in text(request)


@pytest.mark.parametrize(("kind", "days"), [("refund_only", 3), ("return_and_refund", 7)])
def test_a_refund_is_acknowledged_at_once_with_its_handling_time(
    env: Provisioned, flows: OrderFlows, kind: str, days: int
) -> None:
    flows.handle(event("RefundRequested", kind=kind), CREATED)
    (ack,) = outbox(env)
    assert ack.not_before is None and ack.data["handling_days"] == days
    assert f"within {days} days" in text(ack)


# ---------------------------------------------------------------------- birthdays
@pytest.fixture
def birthdays(env: Provisioned) -> Iterator[tuple[BirthdayRun, CustomerStore]]:
    settings = FlowSettings.from_env()
    dynamodb = boto3.client("dynamodb")
    profiles = CustomerStore(dynamodb, settings.customer_table_name)
    run = BirthdayRun(
        shops=lambda: [SHOP],
        settings_for=lambda shop: settings_from_json(shop, '{"shop_domain": "acme.example.com"}'),
        profiles=profiles,
        marks=GreetingMarks(dynamodb, settings.order_table_name),
        outbox=Outbox(boto3.client("sqs"), settings.outbox_queue_url),
    )
    yield run, profiles


def _profile(customer_id: str, phone: str, zone: str, month: int, day: int) -> CustomerProfile:
    return CustomerProfile(
        customer_id=customer_id,
        phone=phone,
        zone=zone,
        birthday=Birthday(month=month, day=day),
        first_name="Sam",
        consent={"sms": {"marketing": True}},
    )


def _hourly(run: BirthdayRun, start: datetime, hours: int) -> list[MessageRequest]:
    requests = []
    for hour in range(hours):
        requests.extend(run.run(start + timedelta(hours=hour)).requests)
    return requests


def test_birthdays_in_two_zones_on_the_same_utc_day_are_each_greeted_once_in_their_morning(
    birthdays: tuple[BirthdayRun, CustomerStore],
) -> None:
    run, profiles = birthdays
    profiles.put(SHOP, _profile("sh", "+8613800138000", "Asia/Shanghai", 11, 19), CREATED)
    profiles.put(SHOP, _profile("la", "+13105550100", "America/Los_Angeles", 11, 19), CREATED)
    greetings = _hourly(run, datetime(2026, 11, 18, 12, 0, tzinfo=UTC), 48)
    by_customer = {r.recipient.customer_id: r for r in greetings}
    assert sorted(by_customer) == ["la", "sh"] and len(greetings) == 2
    # 10:00 local on the 19th: 02:00 UTC in Shanghai, 18:00 UTC in Los Angeles
    assert by_customer["sh"].created_at == datetime(2026, 11, 19, 2, 0, tzinfo=UTC)
    assert by_customer["la"].created_at == datetime(2026, 11, 19, 18, 0, tzinfo=UTC)
    assert by_customer["sh"].expires_at == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)


def test_a_29_february_birthday_is_greeted_on_28_february_in_other_years(
    birthdays: tuple[BirthdayRun, CustomerStore],
) -> None:
    run, profiles = birthdays
    profiles.put(SHOP, _profile("leap", "+33612345678", "Europe/Paris", 2, 29), CREATED)
    greetings = _hourly(run, datetime(2027, 2, 27, 12, 0, tzinfo=UTC), 72)
    assert [r.created_at for r in greetings] == [datetime(2027, 2, 28, 9, 0, tzinfo=UTC)]
    assert greetings[0].effective_class is MessageClass.MARKETING


def test_a_customer_with_nothing_that_tells_their_zone_is_greeted_in_the_shops_zone(
    env: Provisioned,
) -> None:
    # Given a shop in Shanghai and a customer known only by e-mail, born on 19 November
    settings = FlowSettings.from_env()
    dynamodb = boto3.client("dynamodb")
    profiles = CustomerStore(dynamodb, settings.customer_table_name)
    run = BirthdayRun(
        shops=lambda: [SHOP],
        settings_for=lambda shop: settings_from_json(
            shop, '{"shop_domain": "acme.example.com", "zone": "Asia/Shanghai"}'
        ),
        profiles=profiles,
        marks=GreetingMarks(dynamodb, settings.order_table_name),
        outbox=Outbox(boto3.client("sqs"), settings.outbox_queue_url),
    )
    customer = CustomerProfile(
        customer_id="mail-only",
        email="wei@mail.example.com",
        birthday=Birthday(month=11, day=19),
        consent={"email": {"marketing": True}},
    )
    profiles.put(SHOP, customer, CREATED)
    # When the hourly run goes through the 18th and 19th (UTC)
    (greeting,) = _hourly(run, datetime(2026, 11, 18, 0, 0, tzinfo=UTC), 48)
    # Then it is greeted at 10:00 in Shanghai and expires at Shanghai's midnight
    assert greeting.created_at == datetime(2026, 11, 19, 2, 0, tzinfo=UTC)
    assert greeting.expires_at == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
