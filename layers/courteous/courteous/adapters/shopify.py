"""Shopify webhooks (REST Admin API payloads) to canonical events.

Topics mapped (`X-Shopify-Topic`):

- `orders/create` -> OrderCreated (`paid` when the order was already paid)
- `orders/paid` -> OrderPaid; `orders/cancelled` -> OrderCancelled
- `fulfillments/create`, `orders/fulfilled` -> OrderShipped, one per fulfillment; both
  carry the same event id for the same fulfillment, so a consumer sees one shipment
- `fulfillments/update` with shipment_status `delivered`, `fulfillment_events/create`
  with status `delivered` -> OrderDelivered
- `refunds/create` -> RefundRequested (return and refund when an item is restocked as a
  return)
- `customers/create`, `customers/update` -> CustomerUpdated, with e-mail and SMS
  marketing consent

Everything else is acknowledged and ignored, as are test orders (`"test": true`):
nobody should be messaged about them. Member tiers come from customer tags ("VIP",
"tier:top-vip"); a line item's product kind from a line item property `product_kind`.

Shopify signs the body only: `X-Shopify-Topic` is not signed, so a captured body could
be re-posted under another topic. An order topic's body must mean what the topic says
(`orders/cancelled` has `cancelled_at`, `orders/paid` a paid `financial_status`,
`orders/fulfilled` a fulfillment), else the delivery is refused.

Money: `total_price` and the line prices are the shop's money (thresholds are in it);
`total_price_set.presentment_money` is what the buyer saw and is what messages quote.
A refund's transactions are in the buyer's currency; when they carry `currency: null`
(Shopify's own refunds/create sample) the currency is read from the body's `*_set`
money.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field

from courteous.adapters.common import (
    PRODUCT_KIND_KEYS,
    AdapterError,
    AdapterResult,
    Amount,
    Ignored,
    Mapped,
    PlatformModel,
    blank_to_none,
    build,
    currency,
    drop,
    email_or_none,
    first,
    fitting_lines,
    instant,
    member_tier_from,
    money_amount,
    parse_payload,
    phone_or_none,
    product_kind_from,
    text_id,
)
from courteous.events.models import (
    CanonicalEvent,
    CustomerProfile,
    CustomerUpdated,
    LineItem,
    OrderCancelled,
    OrderCreated,
    OrderCustomer,
    OrderDelivered,
    OrderPaid,
    OrderShipped,
    Place,
    Platform,
    RefundKind,
    RefundRequested,
)
from courteous.messages import Channel, MessageClass

TOPIC_HEADER = "x-shopify-topic"
DELIVERY_HEADER = "x-shopify-webhook-id"

Id = int | str


class Address(PlatformModel):
    first_name: str | None = None
    phone: str | None = None
    city: str | None = None
    zip: str | None = None
    province: str | None = None
    province_code: str | None = None
    country_code: str | None = None

    @property
    def region(self) -> str | None:
        return first(self.province_code, self.province)

    @property
    def country(self) -> str | None:
        return blank_to_none(self.country_code)

    def place(self) -> Place:
        return build(
            Place,
            country=self.country,
            region=self.region,
            city=blank_to_none(self.city),
            postal_code=blank_to_none(self.zip),
        )


class Consent(PlatformModel):
    state: str | None = None


class Customer(PlatformModel):
    # An order's customer without an id (seen in real deliveries) still has contacts.
    id: Id | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    locale: str | None = None
    tags: str | None = None
    accepts_marketing: bool | None = None
    email_marketing_consent: Consent | None = None
    sms_marketing_consent: Consent | None = None
    default_address: Address | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Property(PlatformModel):
    name: str | None = None
    value: Any = None


class OrderLine(PlatformModel):
    id: Id | None = None
    product_id: Id | None = None
    sku: str | None = None
    title: str | None = None
    name: str | None = None
    quantity: int = Field(ge=1)
    price: Amount
    product_type: str | None = None
    properties: list[Property] | None = None


class MoneyAmount(PlatformModel):
    amount: Amount | None = None
    currency_code: str | None = None


class MoneySet(PlatformModel):
    """Shopify's `*_set`: the same money in the shop's and in the buyer's currency."""

    shop_money: MoneyAmount | None = None
    presentment_money: MoneyAmount | None = None


class Transaction(PlatformModel):
    kind: str | None = None
    status: str | None = None
    processed_at: str | None = None
    created_at: str | None = None


class Fulfillment(PlatformModel):
    id: Id
    order_id: Id
    status: str | None = None
    shipment_status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_numbers: list[str] | None = None
    tracking_url: str | None = None
    tracking_urls: list[str] | None = None
    email: str | None = None
    destination: Address | None = None
    origin_address: Address | None = None


class Order(PlatformModel):
    id: Id
    name: str | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    created_at: str
    updated_at: str | None = None
    processed_at: str | None = None
    cancelled_at: str | None = None
    cancel_reason: str | None = None
    currency: str
    total_price: Amount
    total_price_set: MoneySet | None = None
    financial_status: str | None = None
    test: bool = False
    customer_locale: str | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    line_items: list[OrderLine] = Field(default_factory=list)
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    # Not in REST order webhooks, but some senders include the order's transactions.
    transactions: list[Transaction] = Field(default_factory=list)


class RefundTransaction(PlatformModel):
    amount: Amount | None = None
    currency: str | None = None
    kind: str | None = None
    status: str | None = None


class RefundedLine(PlatformModel):
    fulfillment_status: str | None = None


class RefundLine(PlatformModel):
    restock_type: str | None = None
    line_item: RefundedLine | None = None
    subtotal_set: MoneySet | None = None
    total_tax_set: MoneySet | None = None


class OrderAdjustment(PlatformModel):
    amount_set: MoneySet | None = None


class Refund(PlatformModel):
    id: Id
    order_id: Id
    created_at: str
    note: str | None = None
    restock: bool | None = None
    refund_line_items: list[RefundLine] = Field(default_factory=list)
    transactions: list[RefundTransaction] = Field(default_factory=list)
    order_adjustments: list[OrderAdjustment] = Field(default_factory=list)
    total_duties_set: MoneySet | None = None
    total_additional_fees_set: MoneySet | None = None

    def money_sets(self) -> list[MoneySet]:
        sets = [self.total_duties_set, self.total_additional_fees_set]
        for line in self.refund_line_items:
            sets.extend((line.subtotal_set, line.total_tax_set))
        sets.extend(adjustment.amount_set for adjustment in self.order_adjustments)
        return [money for money in sets if money is not None]


class FulfillmentEvent(PlatformModel):
    id: Id
    fulfillment_id: Id
    order_id: Id
    status: str
    happened_at: str | None = None
    created_at: str | None = None


# Shopify's financial statuses meaning the money arrived (possibly returned since).
_PAID = frozenset({"paid", "partially_refunded", "refunded"})
# How far ahead of our clock a platform's own timestamp may be and still be believed.
_CLOCK_SKEW = timedelta(minutes=5)
# Fulfillments that put something on its way.
_SHIPPING = frozenset({"pending", "open", "success"})


def _order_customer(order: Order) -> OrderCustomer:
    address = order.shipping_address or order.billing_address
    customer = order.customer
    country = address.country if address else None
    return build(
        OrderCustomer,
        customer_id=text_id(customer.id) if customer else None,
        email=email_or_none(
            first(order.email, order.contact_email, customer.email if customer else None)
        ),
        phone=phone_or_none(
            first(
                order.phone,
                customer.phone if customer else None,
                address.phone if address else None,
            ),
            country,
            "customer.phone",
        ),
        first_name=first(
            customer.first_name if customer else None, address.first_name if address else None
        ),
        locale=blank_to_none(order.customer_locale),
        member_tier=member_tier_from(_tags(customer.tags)) if customer else None,
        country=country,
        region=address.region if address else None,
    )


def _tags(tags: str | None) -> list[str]:
    return [tag for tag in (tags or "").split(",") if tag.strip()]


def _base(order_id: Id, shop_id: str, event_id: str, occurred_at: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "shop_id": shop_id,
        "occurred_at": occurred_at,
        "platform": Platform.SHOPIFY,
        "order_id": text_id(order_id),
    }


def _required_instant(value: str | None, field: str) -> datetime:
    parsed = instant(value, field)
    if parsed is None:
        raise AdapterError(field, "missing")
    return parsed


def _line(index: int, line: OrderLine, currency: str) -> LineItem:
    kind = None
    for prop in line.properties or []:
        if prop.name in PRODUCT_KIND_KEYS:
            kind = product_kind_from(prop.value)
    return build(
        LineItem,
        line_id=text_id(line.id),
        product_id=text_id(line.product_id),
        sku=blank_to_none(line.sku),
        title=(first(line.title, line.name) or "item")[:512],
        quantity=line.quantity,
        unit_price={
            "amount": money_amount(line.price, f"line_items.{index}.price"),
            "currency": currency,
        },
        category=blank_to_none(line.product_type),
        product_kind=kind,
    )


def _lines(order: Order) -> list[LineItem]:
    lines = []
    for index, line in enumerate(order.line_items):
        try:
            lines.append(_line(index, line, order.currency))
        except AdapterError:
            drop(f"line_items.{index}", "unmappable")
    return fitting_lines(lines)


def _money(money: MoneyAmount | None, field: str) -> dict[str, Any] | None:
    """One side of a `*_set`, or None (dropped) when it cannot be read."""
    if money is None or money.amount is None or not money.currency_code:
        return None
    try:
        return {
            "amount": money_amount(money.amount, f"{field}.amount"),
            "currency": currency(money.currency_code, f"{field}.currency_code"),
        }
    except AdapterError as exc:
        drop(exc.field, "unreadable_money")
        return None


def _presented(money_set: MoneySet | None, field: str) -> dict[str, Any] | None:
    """What the buyer saw (`presentment_money`), when the body says."""
    if money_set is None:
        return None
    return _money(money_set.presentment_money, f"{field}.presentment_money")


def _order_created(order: Order, shop_id: str) -> OrderCreated:
    created_at = _required_instant(order.created_at, "created_at")
    return build(
        OrderCreated,
        **_base(order.id, shop_id, f"shopify:order:{order.id}:created", created_at),
        order_number=blank_to_none(order.name),
        customer=_order_customer(order),
        total={
            "amount": money_amount(order.total_price, "total_price"),
            "currency": order.currency,
        },
        presentment_total=_presented(order.total_price_set, "total_price_set"),
        line_items=_lines(order),
        paid=(order.financial_status or "") in _PAID,
    )


def _believable(value: datetime | None, after: datetime, received_at: datetime) -> bool:
    return value is not None and after <= value <= received_at + _CLOCK_SKEW


def _paid_at(order: Order, received_at: datetime, triggered_at: datetime | None) -> datetime:
    """When the payment happened: the last successful sale or capture, else when Shopify
    says the event was triggered, else the order's last update (its creation is not
    the payment: an order paid a day later was not paid when it was placed)."""
    created_at = _required_instant(order.created_at, "created_at")
    paid = []
    for index, transaction in enumerate(order.transactions):
        if transaction.kind in ("sale", "capture") and transaction.status == "success":
            when = first(transaction.processed_at, transaction.created_at)
            try:
                at = instant(when, f"transactions.{index}.processed_at")
            except AdapterError as exc:
                drop(exc.field, "unreadable_instant")
                continue
            if at is not None:
                paid.append(at)
    if paid:
        return max(paid)
    if _believable(triggered_at, created_at, received_at):
        assert triggered_at is not None
        return triggered_at
    return _required_instant(first(order.updated_at, order.created_at), "updated_at")


def _order_paid(
    order: Order, shop_id: str, received_at: datetime, triggered_at: datetime | None
) -> OrderPaid:
    paid_at = _paid_at(order, received_at, triggered_at)
    return build(
        OrderPaid,
        **_base(order.id, shop_id, f"shopify:order:{order.id}:paid", paid_at),
        order_number=blank_to_none(order.name),
        customer=_order_customer(order),
        amount={
            "amount": money_amount(order.total_price, "total_price"),
            "currency": order.currency,
        },
        presentment_amount=_presented(order.total_price_set, "total_price_set"),
    )


def _order_cancelled(order: Order, shop_id: str) -> OrderCancelled:
    cancelled_at = _required_instant(first(order.cancelled_at, order.updated_at), "cancelled_at")
    return build(
        OrderCancelled,
        **_base(order.id, shop_id, f"shopify:order:{order.id}:cancelled", cancelled_at),
        order_number=blank_to_none(order.name),
        customer=_order_customer(order),
        reason=blank_to_none(order.cancel_reason),
    )


def _tracking_url(fulfillment: Fulfillment) -> str | None:
    for url in [fulfillment.tracking_url, *(fulfillment.tracking_urls or [])]:
        if url and url.strip().startswith(("https://", "http://")):
            return url.strip()
    return None


def _shipped(
    fulfillment: Fulfillment, shop_id: str, customer: OrderCustomer, order_number: str | None
) -> OrderShipped:
    shipped_at = _required_instant(
        first(fulfillment.created_at, fulfillment.updated_at), "created_at"
    )
    destination = fulfillment.destination
    return build(
        OrderShipped,
        **_base(
            fulfillment.order_id,
            shop_id,
            f"shopify:fulfillment:{fulfillment.id}:shipped",
            shipped_at,
        ),
        order_number=order_number,
        customer=customer,
        shipment_id=text_id(fulfillment.id),
        carrier=_short(fulfillment.tracking_company, 128, "tracking_company"),
        tracking_number=first(fulfillment.tracking_number, *(fulfillment.tracking_numbers or [])),
        tracking_url=_tracking_url(fulfillment),
        origin=fulfillment.origin_address.place() if fulfillment.origin_address else None,
        destination=destination.place() if destination else None,
        shipped_at=shipped_at,
    )


def _short(value: str | None, limit: int, field: str) -> str | None:
    text = blank_to_none(value)
    if text is not None and len(text) > limit:
        drop(field, "too_long")
        return None
    return text


def _fulfillment_customer(fulfillment: Fulfillment) -> OrderCustomer:
    destination = fulfillment.destination
    country = destination.country if destination else None
    return build(
        OrderCustomer,
        email=email_or_none(fulfillment.email),
        phone=phone_or_none(
            destination.phone if destination else None, country, "destination.phone"
        ),
        first_name=blank_to_none(destination.first_name) if destination else None,
        country=country,
        region=destination.region if destination else None,
    )


def _orders_fulfilled(order: Order, shop_id: str) -> AdapterResult:
    customer = _order_customer(order)
    shipped = []
    for fulfillment in order.fulfillments:
        if (fulfillment.status or "success") not in _SHIPPING:
            continue
        if fulfillment.destination is None and order.shipping_address is not None:
            fulfillment = fulfillment.model_copy(update={"destination": order.shipping_address})
        shipped.append(_shipped(fulfillment, shop_id, customer, blank_to_none(order.name)))
    if not shipped:
        return Ignored("orders/fulfilled without a fulfillment on its way")
    return Mapped(tuple(shipped))


def _fulfillment_created(fulfillment: Fulfillment, shop_id: str) -> AdapterResult:
    if (fulfillment.status or "success") not in _SHIPPING:
        return Ignored(f"fulfillment status {fulfillment.status!r} ships nothing")
    return Mapped((_shipped(fulfillment, shop_id, _fulfillment_customer(fulfillment), None),))


def _fulfillment_updated(fulfillment: Fulfillment, shop_id: str) -> AdapterResult:
    if fulfillment.shipment_status != "delivered":
        return Ignored(f"shipment status {fulfillment.shipment_status!r} is not a delivery")
    delivered_at = _required_instant(
        first(fulfillment.updated_at, fulfillment.created_at), "updated_at"
    )
    event = build(
        OrderDelivered,
        **_base(
            fulfillment.order_id,
            shop_id,
            f"shopify:fulfillment:{fulfillment.id}:delivered",
            delivered_at,
        ),
        customer=_fulfillment_customer(fulfillment),
        shipment_id=text_id(fulfillment.id),
        tracking_number=first(fulfillment.tracking_number, *(fulfillment.tracking_numbers or [])),
        delivered_at=delivered_at,
    )
    return Mapped((event,))


def _fulfillment_event(event: FulfillmentEvent, shop_id: str) -> AdapterResult:
    if event.status != "delivered":
        return Ignored(f"fulfillment event status {event.status!r} is not a delivery")
    delivered_at = _required_instant(first(event.happened_at, event.created_at), "happened_at")
    delivered = build(
        OrderDelivered,
        # Same id as fulfillments/update reporting the same delivery: one fact, one id.
        **_base(
            event.order_id,
            shop_id,
            f"shopify:fulfillment:{event.fulfillment_id}:delivered",
            delivered_at,
        ),
        customer=OrderCustomer(),
        shipment_id=text_id(event.fulfillment_id),
        delivered_at=delivered_at,
    )
    return Mapped((delivered,))


def _set_currency(refund: Refund, side: str) -> str | None:
    """The currency of the body's `*_set` money on one side (shop or presentment)."""
    for money_set in refund.money_sets():
        money = getattr(money_set, side)
        code = (money.currency_code or "").strip().upper() if money else ""
        # "XXX" is ISO 4217's "no currency", which Shopify writes for empty sets.
        if len(code) == 3 and code.isalpha() and code != "XXX":
            return code
    return None


def _returned(refund: Refund, line: RefundLine) -> bool:
    """Whether this line came back: `return`, or a fulfilled line restocked the legacy
    way. `cancel` puts back unfulfilled items: that parcel never left."""
    if line.restock_type == "return":
        return True
    legacy = line.restock_type == "legacy_restock" or (
        line.restock_type is None and bool(refund.restock)
    )
    fulfilled = line.line_item is not None and line.line_item.fulfillment_status == "fulfilled"
    return legacy and fulfilled


def _refund(refund: Refund, shop_id: str) -> RefundRequested:
    created_at = _required_instant(refund.created_at, "created_at")
    total = Decimal(0)
    paid_in = None
    refunded = False
    for index, transaction in enumerate(refund.transactions):
        if transaction.kind == "refund" and transaction.status in (None, "success", "pending"):
            try:
                amount = money_amount(transaction.amount, f"transactions.{index}.amount")
            except AdapterError as exc:
                drop(exc.field, "unreadable_money")
                continue
            if amount is None:
                continue
            total += amount
            refunded = True
            paid_in = paid_in or blank_to_none(transaction.currency)
    shop_currency = _set_currency(refund, "shop_money")
    buyer_currency = _set_currency(refund, "presentment_money")
    # Refund transactions are in the buyer's currency (the shop's, for most shops).
    paid_in = (paid_in or buyer_currency or shop_currency or "").upper() or None
    money = {"amount": total, "currency": paid_in} if refunded and paid_in else None
    if refunded and paid_in is None:
        drop("transactions.currency", "unknown_currency")
    in_shop_money = money is not None and shop_currency in (None, paid_in)
    returned = any(_returned(refund, line) for line in refund.refund_line_items)
    return build(
        RefundRequested,
        **_base(refund.order_id, shop_id, f"shopify:refund:{refund.id}", created_at),
        customer=OrderCustomer(),
        refund_id=text_id(refund.id),
        amount=money if in_shop_money else None,
        presentment_amount=money if money is not None and buyer_currency == paid_in else None,
        reason=blank_to_none(refund.note),
        kind=RefundKind.RETURN_AND_REFUND if returned else RefundKind.REFUND_ONLY,
    )


def _consent_state(consent: Consent | None) -> bool | None:
    state = (consent.state if consent else None) or ""
    if state == "subscribed":
        return True
    if state in ("not_subscribed", "unsubscribed"):
        return False
    return None  # pending (double opt-in not confirmed), redacted, invalid: unknown


def _customer_updated(customer: Customer, shop_id: str, received_at: datetime) -> CustomerUpdated:
    address = customer.default_address
    country = address.country if address else None
    updated_at = (
        instant(first(customer.updated_at, customer.created_at), "updated_at") or received_at
    )
    consent: dict[Channel, dict[MessageClass, bool]] = {}
    email_marketing = _consent_state(customer.email_marketing_consent)
    if email_marketing is None and customer.accepts_marketing is not None:
        email_marketing = customer.accepts_marketing  # the field before 2022
    if email_marketing is not None:
        consent[Channel.EMAIL] = {MessageClass.MARKETING: email_marketing}
    sms_marketing = _consent_state(customer.sms_marketing_consent)
    if sms_marketing is not None:
        consent[Channel.SMS] = {MessageClass.MARKETING: sms_marketing}
    if text_id(customer.id) is None:
        raise AdapterError("id", "a customer without an id")
    profile = build(
        CustomerProfile,
        customer_id=text_id(customer.id),
        email=email_or_none(customer.email),
        phone=phone_or_none(first(customer.phone, address.phone if address else None), country),
        first_name=blank_to_none(customer.first_name),
        last_name=blank_to_none(customer.last_name),
        locale=blank_to_none(customer.locale),
        member_tier=member_tier_from(_tags(customer.tags)),
        country=country,
        region=address.region if address else None,
        consent=consent,
        tags=[tag.strip() for tag in _tags(customer.tags)] if customer.tags is not None else None,
    )
    return build(
        CustomerUpdated,
        event_id=f"shopify:customer:{customer.id}:{updated_at.isoformat()}",
        shop_id=shop_id,
        occurred_at=updated_at,
        platform=Platform.SHOPIFY,
        customer=profile,
    )


def _means_its_topic(topic: str, order: Order) -> None:
    """Refuses an order body that does not mean what the (unsigned) topic says."""
    if topic == "orders/cancelled" and blank_to_none(order.cancelled_at) is None:
        raise AdapterError("cancelled_at", "orders/cancelled body without cancelled_at")
    if topic == "orders/paid" and (order.financial_status or "") not in _PAID:
        raise AdapterError(
            "financial_status", f"orders/paid body with financial_status {order.financial_status!r}"
        )
    if topic == "orders/fulfilled" and not order.fulfillments:
        raise AdapterError("fulfillments", "orders/fulfilled body without a fulfillment")


def _order_topic(
    topic: str, payload: Any, shop_id: str, received_at: datetime, triggered_at: datetime | None
) -> AdapterResult:
    order = parse_payload(Order, payload)
    order = order.model_copy(update={"currency": currency(order.currency, "currency")})
    if order.test:
        return Ignored("test order")
    _means_its_topic(topic, order)
    events: tuple[CanonicalEvent, ...]
    if topic == "orders/create":
        events = (_order_created(order, shop_id),)
    elif topic == "orders/paid":
        events = (_order_paid(order, shop_id, received_at, triggered_at),)
    elif topic == "orders/cancelled":
        events = (_order_cancelled(order, shop_id),)
    else:
        return _orders_fulfilled(order, shop_id)
    return Mapped(events)


ORDER_TOPICS = frozenset({"orders/create", "orders/paid", "orders/cancelled", "orders/fulfilled"})
TOPICS = ORDER_TOPICS | {
    "fulfillments/create",
    "fulfillments/update",
    "fulfillment_events/create",
    "refunds/create",
    "customers/create",
    "customers/update",
}


def adapt(
    topic: str,
    payload: Any,
    shop_id: str,
    received_at: datetime,
    triggered_at: datetime | None = None,
) -> AdapterResult:
    """The canonical events for one Shopify delivery of `topic`."""
    if topic in ORDER_TOPICS:
        return _order_topic(topic, payload, shop_id, received_at, triggered_at)
    if topic == "fulfillments/create":
        return _fulfillment_created(parse_payload(Fulfillment, payload), shop_id)
    if topic == "fulfillments/update":
        return _fulfillment_updated(parse_payload(Fulfillment, payload), shop_id)
    if topic == "fulfillment_events/create":
        return _fulfillment_event(parse_payload(FulfillmentEvent, payload), shop_id)
    if topic == "refunds/create":
        return Mapped((_refund(parse_payload(Refund, payload), shop_id),))
    if topic in ("customers/create", "customers/update"):
        if isinstance(payload, dict) and ("line_items" in payload or "order_id" in payload):
            raise AdapterError("", f"{topic} body is not a customer")
        customer = parse_payload(Customer, payload)
        return Mapped((_customer_updated(customer, shop_id, received_at),))
    return Ignored(f"topic {topic!r} is not used")
