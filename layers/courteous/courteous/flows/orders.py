"""The order flows: what each canonical event and each timer asks the outbox to send.

Nothing here calls a channel. Each rule produces `MessageRequest`s (deterministic ids,
so a redelivered event asks for the same messages) or sets / cancels timers, and says
why when it produces nothing. The gate decides when, and whether, each request goes.

- OrderCreated: remember the order; unless it is paid or below the shop's minimum,
  set the payment reminder timer (and, for top tiers or large orders, a last call
  before the order closes).
- OrderPaid / OrderCancelled: remember it, cancel the reminder timers. The timer may
  already be firing: the reminder re-reads the order and stays silent if it is paid.
- Reminder timer: remind if the order is still open, not closed, and the buyer has not
  paid another order since this one was placed.
- OrderShipped: a shipping notice (with the learned date only when there is one) and a
  late-parcel check at the end of the estimate's range (or the shop's default transit).
- Late check: an apology if the parcel has not arrived, at most two per order.
- OrderDelivered: learn the transit time and whether the promised date was kept (once
  per order), cancel the late checks, set the care timer.
- Care timer (a day after delivery): a care message with a review invitation (marketing
  if it carries a coupon), unless a refund was asked for meanwhile.
- RefundRequested: acknowledge at once, with the handling time for its kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from courteous.audiences.identity import buyer_names
from courteous.customers.store import CustomerStore
from courteous.events.models import (
    CanonicalEvent,
    CustomerProfile,
    MemberTier,
    Money,
    OrderCancelled,
    OrderCreated,
    OrderCustomer,
    OrderDelivered,
    OrderPaid,
    OrderShipped,
    RefundRequested,
)
from courteous.flows.estimates import Estimator
from courteous.flows.outbox import Outbox, request_id
from courteous.flows.settings import ShopSettings
from courteous.flows.state import OrderState, OrderStateStore
from courteous.flows.timers import Timer, Timers
from courteous.messages import Kind, MessageClass, MessageRequest, Recipient
from courteous.observability import logger, metrics
from courteous.recipients.zones import resolve_zones
from courteous.rendering.context import (
    DeliveryCareData,
    ParcelDelayData,
    PaymentReminderData,
    RefundAckData,
    ShippingNoticeData,
)


@dataclass
class FlowResult:
    """What one event or timer led to (for logs, tests and `courteous preview`)."""

    requests: list[MessageRequest] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    skipped: str | None = None


def recipient_for(
    shop_id: str, customer: OrderCustomer, profiles: CustomerStore | None
) -> Recipient | None:
    """The outbox recipient with every contact the shop knows, enriched with the stored
    profile (zone, locale, consent per channel, preferred channel). The channel is not
    chosen here: the dispatcher chooses it, in one place, with the gate's ledger."""
    profile = customer if isinstance(customer, CustomerProfile) else None
    if profile is None and profiles is not None and customer.customer_id:
        profile = profiles.get(shop_id, customer.customer_id)
    phone = customer.phone or (profile.phone if profile else None)
    email = customer.email or (profile.email if profile else None)
    if phone is None and email is None:
        return None
    return Recipient(
        shop_id=shop_id,
        customer_id=customer.customer_id,
        phone=phone,
        email=email,
        zone=profile.zone if profile else None,
        country=customer.country or (profile.country if profile else None),
        region=customer.region or (profile.region if profile else None),
        locale=customer.locale or (profile.locale if profile else None),
        channel_consent={c: dict(k) for c, k in profile.consent.items()} if profile else {},
        preferred_channel=profile.preferred_channel if profile else None,
    )


def reachable(given: OrderCustomer, state: OrderState) -> OrderCustomer:
    """The event's customer when it says how to reach them, else the order's."""
    if given.phone or given.email:
        return given
    return state.customer or given


def ask(
    kind: Kind,
    shop_id: str,
    order_id: str,
    fact: str,
    recipient: Recipient,
    data: BaseModel,
    now: datetime,
    **timing: Any,
) -> MessageRequest:
    """The request for `kind` about one fact of an order: its id and dedupe key come from
    the fact, so the same fact asked twice is the same request."""
    return MessageRequest(
        request_id=request_id(kind.value, shop_id, order_id, fact),
        kind=kind,
        recipient=recipient,
        order_id=order_id,
        data=data.model_dump(mode="json"),
        created_at=now,
        dedupe_key=f"{kind.value}#{order_id}#{fact}",
        **timing,
    )


class OrderFlows:
    def __init__(
        self,
        settings_for: Callable[[str], ShopSettings],
        state: OrderStateStore,
        outbox: Outbox,
        timers: Timers,
        estimator: Estimator,
        profiles: CustomerStore | None,
        contact_key: bytes,
    ) -> None:
        self._settings_for = settings_for
        self._state = state
        self._outbox = outbox
        self._timers = timers
        self._estimator = estimator
        self._profiles = profiles
        self._key = contact_key

    # ------------------------------------------------------------------ events
    def handle(self, event: CanonicalEvent, now: datetime) -> FlowResult:
        handlers: dict[type[Any], Callable[[Any, datetime], FlowResult]] = {
            OrderCreated: self._created,
            OrderPaid: self._paid,
            OrderCancelled: self._cancelled,
            OrderShipped: self._shipped,
            OrderDelivered: self._delivered,
            RefundRequested: self._refund,
        }
        handler = handlers.get(type(event))
        if handler is None:
            return self._skip(f"no order flow for {type(event).__name__}")
        result = handler(event, now)
        self._finish(event.shop_id, result, now)
        return result

    def fire(self, timer: Timer, now: datetime) -> FlowResult:
        if timer.kind in ("payment_reminder", "last_call"):
            result = self._remind(timer, now)
        elif timer.kind == "delivery_care":
            result = self._care(timer, now)
        else:
            result = self._late(timer, now)
        self._finish(timer.shop_id, result, now)
        return result

    def _finish(self, shop_id: str, result: FlowResult, now: datetime) -> None:
        if result.requests:
            self._outbox.put(result.requests)
        for timer in result.timers:
            self._timers.set(timer, now)
        if result.skipped:
            logger.info("flow produced nothing", extra={"shop_id": shop_id, "why": result.skipped})
            metrics.add_metric(name="FlowSkipped", unit="Count", value=1)
        metrics.add_metric(name="FlowRequests", unit="Count", value=len(result.requests))

    @staticmethod
    def _skip(reason: str) -> FlowResult:
        return FlowResult(skipped=reason)

    def _buyer_keys(self, shop_id: str, *customers: OrderCustomer | None) -> list[str]:
        """Every name the buyer goes by in the shop: the shop's customer id and a keyed
        hash of each contact. A buyer signed in for one order and a guest for the next
        (same phone) is still the same buyer."""
        return buyer_names(self._key, shop_id, *customers)

    # ------------------------------------------------------------------ payment
    def _created(self, event: OrderCreated, now: datetime) -> FlowResult:
        settings = self._settings_for(event.shop_id)
        created_at = event.occurred_at
        close_at = event.auto_close_at or created_at + settings.auto_close_after
        tier = event.customer.member_tier
        # The wording follows what the order is mostly about: its largest line with a kind.
        kinds = [
            item.product_kind
            for item in sorted(
                event.line_items,
                key=lambda item: item.unit_price.amount * item.quantity,
                reverse=True,
            )
            if item.product_kind
        ]
        known = self._state.created(
            event.shop_id,
            event.order_id,
            order_number=event.order_number,
            created_at=created_at,
            close_at=close_at,
            amount=event.total.amount,
            currency=event.total.currency,
            # Thresholds use the shop's money; the reminder quotes what the buyer saw.
            shown=(event.presentment_total.amount, event.presentment_total.currency)
            if event.presentment_total
            else None,
            tier=tier.value if tier else None,
            product_kind=kinds[0].value if kinds else None,
            customer=event.customer,
        )
        if event.paid:
            self._record_payment(event.shop_id, event.order_id, created_at, event.customer)
            return self._skip("paid at checkout: nothing to remind")
        if known.paid_at is not None or known.cancelled_at is not None:
            # Its payment or cancellation overtook the creation on the bus.
            return self._skip("paid or cancelled before its creation arrived")
        if settings.below_minimum(event.total.amount, event.total.currency):
            return self._skip(
                f"{event.total.amount} {event.total.currency} is below the shop's minimum"
            )
        first = created_at + settings.reminder_delay
        timers = [
            Timer(
                kind="payment_reminder",
                shop_id=event.shop_id,
                order_id=event.order_id,
                due_at=first,
            )
        ]
        last = self._last_call_at(event.shop_id, event.customer, settings, close_at)
        if (
            settings.wants_last_call(event.total.amount, event.total.currency, tier)
            and last > first + settings.reminder_delay
        ):
            timers.append(
                Timer(kind="last_call", shop_id=event.shop_id, order_id=event.order_id, due_at=last)
            )
        return FlowResult(timers=timers)

    def _last_call_at(
        self, shop_id: str, customer: OrderCustomer, settings: ShopSettings, close_at: datetime
    ) -> datetime:
        """`last_call_before_close` before the close, pulled back into the buyer's daytime:
        a last call that would fall in the night is sent the evening before instead of
        being deferred past the close and expiring."""
        target = recipient_for(shop_id, customer, None)
        zone_name = resolve_zones(target, settings.zone).zones[0] if target else settings.zone
        zone = ZoneInfo(zone_name)
        local = (close_at - settings.last_call_before_close).astimezone(zone)
        if local.time() >= settings.last_call_until:
            return datetime.combine(local.date(), settings.last_call_until, zone)
        if local.time() < settings.last_call_from:
            return datetime.combine(
                local.date() - timedelta(days=1), settings.last_call_until, zone
            )
        return local

    def _record_payment(
        self, shop_id: str, order_id: str, at: datetime, *customers: OrderCustomer | None
    ) -> None:
        self._state.mark(shop_id, order_id, "paid_at", at)
        for buyer in self._buyer_keys(shop_id, *customers):
            self._state.buyer_paid(shop_id, buyer, order_id, at)

    def _stop_reminders(self, shop_id: str, order_id: str) -> list[str]:
        cancelled = []
        for kind in ("payment_reminder", "last_call"):
            if self._timers.cancel(kind, shop_id, order_id):
                cancelled.append(kind)
        return cancelled

    def _paid(self, event: OrderPaid, now: datetime) -> FlowResult:
        # The payment event may name the buyer less fully than the order did.
        state = self._state.load(event.shop_id, event.order_id)
        self._record_payment(
            event.shop_id, event.order_id, event.occurred_at, event.customer, state.customer
        )
        return FlowResult(
            cancelled=self._stop_reminders(event.shop_id, event.order_id),
            skipped="paid: reminders cancelled",
        )

    def _cancelled(self, event: OrderCancelled, now: datetime) -> FlowResult:
        self._state.mark(event.shop_id, event.order_id, "cancelled_at", event.occurred_at)
        return FlowResult(
            cancelled=self._stop_reminders(event.shop_id, event.order_id),
            skipped="cancelled: reminders cancelled",
        )

    def _remind(self, timer: Timer, now: datetime) -> FlowResult:
        state = self._state.load(timer.shop_id, timer.order_id)
        if state.created_at is None or state.customer is None or state.amount is None:
            return self._skip("reminder for an order never seen")
        if state.paid_at is not None:
            return self._skip("reminder fired after the order was paid")
        if state.cancelled_at is not None:
            return self._skip("reminder fired after the order was cancelled")
        if state.close_at is not None and now >= state.close_at:
            return self._skip("the order has closed")
        for buyer in self._buyer_keys(timer.shop_id, state.customer):
            paid = self._state.buyer_last_paid(timer.shop_id, buyer)
            if paid is not None and paid[1] != timer.order_id and paid[0] > state.created_at:
                return self._skip(f"the buyer paid order {paid[1]} since this one was placed")
        target = recipient_for(timer.shop_id, state.customer, self._profiles)
        if target is None:
            return self._skip("no phone or e-mail for the buyer")
        settings = self._settings_for(timer.shop_id)
        data = PaymentReminderData(
            shop=settings.shop(),
            order_number=state.order_number or state.order_id,
            amount=Money(amount=state.shown_amount, currency=state.shown_currency)
            if state.shown_amount is not None and state.shown_currency
            else Money(amount=state.amount, currency=state.currency or "USD"),
            close_at=state.close_at,
            tier=MemberTier(state.tier) if state.tier else MemberTier.NON_MEMBER,
            product_kind=state.product_kind,
            last_call=timer.kind == "last_call",
            pay_url=settings.order_link(settings.pay_url, timer.order_id),
        )
        request = ask(
            Kind.PAYMENT_REMINDER,
            timer.shop_id,
            timer.order_id,
            timer.kind,
            target,
            data,
            now,
            expires_at=state.close_at,
        )
        return FlowResult(requests=[request])

    # ------------------------------------------------------------------ shipping
    def _shipped(self, event: OrderShipped, now: datetime) -> FlowResult:
        settings = self._settings_for(event.shop_id)
        origin = event.origin.region if event.origin else None
        country = event.destination.country if event.destination else event.customer.country
        region = event.destination.region if event.destination else event.customer.region
        postal_code = event.destination.postal_code if event.destination else None
        estimate = self._estimator.estimate(
            event.shop_id,
            event.carrier,
            origin,
            country,
            region,
            event.shipped_at,
            postal_code=postal_code,
        )
        shipment = {
            "carrier": event.carrier,
            "tracking_number": event.tracking_number,
            "tracking_url": event.tracking_url,
            "origin": origin,
            "country": country,
            "region": region,
            "postal_code": postal_code,
            "expected_by": estimate.latest.isoformat() if estimate else None,
        }
        self._state.mark(
            event.shop_id,
            event.order_id,
            "shipped_at",
            event.shipped_at,
            customer=event.customer,
            shipment=shipment,
            order_number=event.order_number,
        )
        state = self._state.load(event.shop_id, event.order_id)
        customer = reachable(event.customer, state)
        target = recipient_for(event.shop_id, customer, self._profiles)
        if target is None:
            return self._skip("no phone or e-mail for the buyer")
        zone = ZoneInfo(resolve_zones(target, settings.zone).zones[0])
        if estimate is not None:
            end_of_day = datetime.combine(estimate.latest + timedelta(days=1), time(0), zone)
            check_at = end_of_day + settings.late_grace
        else:
            check_at = event.shipped_at + settings.default_transit + settings.late_grace
        data = ShippingNoticeData(
            shop=settings.shop(),
            order_number=event.order_number or state.order_number or event.order_id,
            carrier=event.carrier,
            tracking_number=event.tracking_number,
            tracking_url=event.tracking_url,
            estimated_delivery=estimate.date if estimate else None,
            estimate_latest=estimate.latest if estimate else None,
        )
        shipment_id = event.shipment_id or event.tracking_number or "1"
        request = ask(
            Kind.SHIPPING_NOTICE,
            event.shop_id,
            event.order_id,
            shipment_id,
            target,
            data,
            now,
            expires_at=event.shipped_at + timedelta(days=7),
        )
        check = Timer(
            kind="late_check", shop_id=event.shop_id, order_id=event.order_id, due_at=check_at
        )
        return FlowResult(requests=[request], timers=[check])

    def _late(self, timer: Timer, now: datetime) -> FlowResult:
        settings = self._settings_for(timer.shop_id)
        state = self._state.load(timer.shop_id, timer.order_id)
        if state.delivered_at is not None:
            return self._skip("the parcel has arrived")
        if state.shipped_at is None or state.customer is None:
            return self._skip("late check for an order never shipped")
        target = recipient_for(timer.shop_id, state.customer, self._profiles)
        if target is None:
            return self._skip("no phone or e-mail for the buyer")
        number = self._state.next_apology(
            timer.shop_id, timer.order_id, settings.max_apologies, now
        )
        if number is None:
            return self._skip("apologies already sent, or the parcel arrived")
        shipment = state.shipment or {}
        expected = shipment.get("expected_by")
        data = ParcelDelayData(
            shop=settings.shop(),
            order_number=state.order_number or state.order_id,
            carrier=shipment.get("carrier"),
            tracking_number=shipment.get("tracking_number"),
            tracking_url=shipment.get("tracking_url"),
            apology_number=number,
            expected_by=expected,
        )
        request = ask(
            Kind.PARCEL_DELAY,
            timer.shop_id,
            timer.order_id,
            str(number),
            target,
            data,
            now,
            expires_at=now + timedelta(days=2),
        )
        timers = []
        if number < settings.max_apologies:
            timers.append(
                Timer(
                    kind="late_check",
                    shop_id=timer.shop_id,
                    order_id=timer.order_id,
                    due_at=now + settings.recheck_after,
                    seq=number + 1,
                )
            )
        return FlowResult(requests=[request], timers=timers)

    # ------------------------------------------------------------------ delivery
    def _delivered(self, event: OrderDelivered, now: datetime) -> FlowResult:
        settings = self._settings_for(event.shop_id)
        # Learn before marking the delivery: a delivery reported twice is learned, and
        # its promise counted, only the first time, and one that failed to be learned
        # is not marked, so its retry learns it.
        state = self._state.load(event.shop_id, event.order_id)
        shipment = state.shipment or {}
        if state.shipped_at is not None and state.delivered_at is None:
            expected = shipment.get("expected_by")
            self._estimator.observe(
                event.shop_id,
                shipment.get("carrier"),
                shipment.get("origin"),
                shipment.get("country"),
                shipment.get("region"),
                state.shipped_at,
                event.delivered_at,
                postal_code=shipment.get("postal_code"),
                promised=date.fromisoformat(expected) if expected else None,
            )
        self._state.mark(
            event.shop_id,
            event.order_id,
            "delivered_at",
            event.delivered_at,
            customer=event.customer,
            order_number=event.order_number,
        )
        cancelled = [
            f"late_check {seq}"
            for seq in (1, 2)
            if self._timers.cancel("late_check", event.shop_id, event.order_id, seq)
        ]
        # The care message is decided when it is due: a refund asked for in between
        # makes a review invitation the wrong thing to send.
        care = Timer(
            kind="delivery_care",
            shop_id=event.shop_id,
            order_id=event.order_id,
            due_at=event.delivered_at + settings.care_delay,
        )
        return FlowResult(timers=[care], cancelled=cancelled)

    def _care(self, timer: Timer, now: datetime) -> FlowResult:
        state = self._state.load(timer.shop_id, timer.order_id)
        if state.refund_requested_at is not None:
            return self._skip("a refund was asked for: no care message or review invitation")
        if state.cancelled_at is not None:
            return self._skip("the order was cancelled")
        if state.customer is None:
            return self._skip("care for an order never seen")
        target = recipient_for(timer.shop_id, state.customer, self._profiles)
        if target is None:
            return self._skip("no phone or e-mail for the buyer")
        settings = self._settings_for(timer.shop_id)
        data = DeliveryCareData(
            shop=settings.shop(),
            order_number=state.order_number or timer.order_id,
            first_name=state.customer.first_name,
            review_url=settings.order_link(settings.review_url, timer.order_id),
            coupon=settings.care_coupon,
        )
        request = ask(
            Kind.DELIVERY_CARE,
            timer.shop_id,
            timer.order_id,
            "care",
            target,
            data,
            now,
            message_class=MessageClass.MARKETING if settings.care_coupon else None,
            expires_at=timer.due_at + timedelta(days=5),
        )
        return FlowResult(requests=[request])

    # ------------------------------------------------------------------ refunds
    def _refund(self, event: RefundRequested, now: datetime) -> FlowResult:
        settings = self._settings_for(event.shop_id)
        self._state.mark(event.shop_id, event.order_id, "refund_requested_at", event.occurred_at)
        state = self._state.load(event.shop_id, event.order_id)
        customer = reachable(event.customer, state)
        target = recipient_for(event.shop_id, customer, self._profiles)
        if target is None:
            return self._skip("no phone or e-mail for the buyer")
        data = RefundAckData(
            shop=settings.shop(),
            order_number=event.order_number or state.order_number or event.order_id,
            amount=event.presentment_amount or event.amount,
            refund_kind=event.kind,
            handling_days=settings.refund_handling_days.get(event.kind, 7),
        )
        request = ask(
            Kind.REFUND_ACK,
            event.shop_id,
            event.order_id,
            event.refund_id,
            target,
            data,
            now,
            expires_at=event.occurred_at + timedelta(days=3),
        )
        return FlowResult(requests=[request])


__all__ = ["FlowResult", "OrderFlows", "OrderState", "recipient_for"]
