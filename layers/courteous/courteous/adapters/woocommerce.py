"""WooCommerce webhooks (REST API v3 resources) to canonical events.

WooCommerce delivers the resource exactly as its REST API returns it. Topics mapped
(`X-WC-Webhook-Topic`):

- `order.created` -> OrderCreated (`paid` when `date_paid` is set)
- `order.updated`, by status: `processing` -> OrderPaid, `completed` -> OrderShipped
  (tracking from the Shipment Tracking extension's `_wc_shipment_tracking_items`
  when present, its link formatted as the extension does: see `adapters.tracking`),
  `delivered` (a common custom status) -> OrderDelivered, `cancelled` ->
  OrderCancelled; `pending`, `on-hold`, `failed` and other statuses emit nothing.
  Every refund listed in `refunds` -> RefundRequested (WooCommerce has no refund
  topic; refunds arrive as order updates). Event ids are stable per fact (order and
  status, refund id), so an order updated twice in the same status is one fact twice,
  which consumers dedupe on `event_id` as for any at-least-once delivery.
- `customer.created`, `customer.updated` -> CustomerUpdated (`member_tier` from the
  customer's meta data; WooCommerce core has no consent fields).

WooCommerce's `*_gmt` instants carry no offset and are UTC; the fields without `_gmt`
are the site's wall clock. An order whose `date_created_gmt` is null is dated by
`date_created` at the site's offset, read from another pair of fields (e.g.
`date_modified` and `date_modified_gmt`), or else by when the delivery arrived. The
ping WooCommerce sends when a webhook is saved (form body `webhook_id=N`) is answered
by the ingestion edge.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
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
from courteous.adapters.tracking import format_link, predefined
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

TOPIC_HEADER = "x-wc-webhook-topic"
DELIVERY_HEADER = "x-wc-webhook-delivery-id"

Id = int | str


class MetaData(PlatformModel):
    key: str | None = None
    value: Any = None


class Address(PlatformModel):
    first_name: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None

    def place(self) -> Place:
        return build(
            Place,
            country=blank_to_none(self.country),
            region=blank_to_none(self.state),
            city=blank_to_none(self.city),
            postal_code=blank_to_none(self.postcode),
        )


class OrderLine(PlatformModel):
    id: Id | None = None
    name: str | None = None
    product_id: Id | None = None
    sku: str | None = None
    quantity: int = Field(ge=1)
    subtotal: Amount | None = None
    price: Amount | None = None
    meta_data: list[MetaData] = Field(default_factory=list)


class RefundRef(PlatformModel):
    id: Id
    reason: str | None = None
    total: Amount | None = None


class Order(PlatformModel):
    id: Id
    number: str | None = None
    status: str
    currency: str
    total: Amount
    customer_id: Id | None = None
    date_created_gmt: str | None = None
    date_created: str | None = None
    date_modified_gmt: str | None = None
    date_modified: str | None = None
    date_paid_gmt: str | None = None
    date_paid: str | None = None
    date_completed_gmt: str | None = None
    date_completed: str | None = None
    billing: Address | None = None
    shipping: Address | None = None
    line_items: list[OrderLine] = Field(default_factory=list)
    refunds: list[RefundRef] = Field(default_factory=list)
    meta_data: list[MetaData] = Field(default_factory=list)


class Customer(PlatformModel):
    id: Id
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_created_gmt: str | None = None
    date_modified_gmt: str | None = None
    billing: Address | None = None
    shipping: Address | None = None
    meta_data: list[MetaData] = Field(default_factory=list)
    role: str | None = None


class TrackingItem(PlatformModel):
    tracking_provider: str | None = None
    custom_tracking_provider: str | None = None
    tracking_number: str | None = None
    custom_tracking_link: str | None = None
    date_shipped: str | int | None = None


def _utc(value: str | None, field: str) -> datetime | None:
    return instant(value, field, naive_is_utc=True)


def _required(value: str | None, field: str) -> datetime:
    parsed = _utc(value, field)
    if parsed is None:
        raise AdapterError(field, "missing")
    return parsed


def _meta(items: list[MetaData], *keys: str) -> Any:
    for item in items:
        if item.key in keys:
            return item.value
    return None


def _customer_id(value: Id | None) -> str | None:
    # 0 is WooCommerce's guest checkout.
    text = text_id(value)
    return None if text in (None, "0") else text


def _order_customer(order: Order) -> OrderCustomer:
    billing, shipping = order.billing, order.shipping
    place = shipping if shipping and blank_to_none(shipping.country) else billing
    country = blank_to_none(place.country) if place else None
    return build(
        OrderCustomer,
        customer_id=_customer_id(order.customer_id),
        email=email_or_none(billing.email if billing else None, "billing.email"),
        phone=phone_or_none(
            first(shipping.phone if shipping else None, billing.phone if billing else None),
            country,
            "billing.phone",
        ),
        first_name=first(
            billing.first_name if billing else None, shipping.first_name if shipping else None
        ),
        country=country,
        region=blank_to_none(place.state) if place else None,
    )


def _base(order: Order, event_id: str, occurred_at: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": occurred_at,
        "platform": Platform.WOOCOMMERCE,
        "order_id": text_id(order.id),
        "order_number": blank_to_none(order.number),
        "customer": _order_customer(order),
    }


def _line(index: int, line: OrderLine, currency: str) -> LineItem:
    unit = money_amount(line.price, f"line_items.{index}.price")
    if unit is None:
        subtotal = money_amount(line.subtotal, f"line_items.{index}.subtotal")
        unit = subtotal / line.quantity if subtotal is not None else None
    return build(
        LineItem,
        line_id=text_id(line.id),
        product_id=text_id(line.product_id),
        sku=blank_to_none(line.sku),
        # WooCommerce sends names HTML-escaped ("Ship Your Idea &ndash; Color: Black").
        title=html.unescape(blank_to_none(line.name) or "item")[:512],
        quantity=line.quantity,
        unit_price={"amount": unit, "currency": currency},
        product_kind=product_kind_from(_meta(line.meta_data, *PRODUCT_KIND_KEYS)),
    )


def _lines(order: Order) -> list[LineItem]:
    lines = []
    for index, line in enumerate(order.line_items):
        try:
            lines.append(_line(index, line, order.currency))
        except AdapterError:
            drop(f"line_items.{index}", "unmappable")
    return fitting_lines(lines)


def _site_offset(order: Order) -> timedelta | None:
    """The site's UTC offset, from any pair of a local and a `_gmt` instant."""
    pairs = (
        (order.date_modified, order.date_modified_gmt),
        (order.date_paid, order.date_paid_gmt),
        (order.date_completed, order.date_completed_gmt),
    )
    for local, gmt in pairs:
        try:
            local_at, gmt_at = _utc(local, "date"), _utc(gmt, "date_gmt")
        except AdapterError:
            continue
        if local_at is not None and gmt_at is not None:
            return local_at - gmt_at
    return None


def _created_at(order: Order, received_at: datetime) -> datetime:
    created = _utc(order.date_created_gmt, "date_created_gmt")
    if created is not None:
        return created
    local = _utc(order.date_created, "date_created")
    if local is None:
        raise AdapterError("date_created_gmt", "missing")
    offset = _site_offset(order)
    if offset is None:
        # No way to tell the site's zone: the delivery's arrival is the better guess
        # for when the order was made (order.created is sent as it is made).
        drop("date_created_gmt", "dated_on_arrival")
        return received_at
    drop("date_created_gmt", "dated_by_site_offset")
    return local - offset


def _created(order: Order, shop_id: str, received_at: datetime) -> OrderCreated:
    created_at = _created_at(order, received_at)
    return build(
        OrderCreated,
        shop_id=shop_id,
        **_base(order, f"woocommerce:order:{order.id}:created", created_at),
        total={"amount": money_amount(order.total, "total"), "currency": order.currency},
        line_items=_lines(order),
        paid=bool(first(order.date_paid_gmt, order.date_paid)),
    )


def _modified_at(order: Order) -> datetime:
    modified = _utc(order.date_modified_gmt, "date_modified_gmt")
    if modified is not None:
        return modified
    return _required(order.date_created_gmt, "date_modified_gmt")


def _paid(order: Order, shop_id: str) -> OrderPaid:
    paid_at = _utc(order.date_paid_gmt, "date_paid_gmt") or _modified_at(order)
    return build(
        OrderPaid,
        shop_id=shop_id,
        **_base(order, f"woocommerce:order:{order.id}:paid", paid_at),
        amount={"amount": money_amount(order.total, "total"), "currency": order.currency},
    )


def _tracking(order: Order) -> TrackingItem | None:
    value = _meta(order.meta_data, "_wc_shipment_tracking_items")
    if isinstance(value, list) and value and isinstance(value[-1], dict):
        try:
            return parse_payload(TrackingItem, value[-1], "meta_data._wc_shipment_tracking_items")
        except AdapterError as exc:
            drop(exc.field or "meta_data._wc_shipment_tracking_items", "unreadable")
    return None


def _carrier_and_link(order: Order, tracking: TrackingItem) -> tuple[str | None, str | None]:
    """The carrier's name and the tracking link, as the extension would show them."""
    number = blank_to_none(tracking.tracking_number)
    place = order.shipping if order.shipping and blank_to_none(order.shipping.country) else None
    postcode = first(
        order.shipping.postcode if order.shipping else None,
        order.billing.postcode if order.billing else None,
    )
    country = place.country if place else None
    custom = blank_to_none(tracking.custom_tracking_provider)
    if custom is not None:
        template = blank_to_none(tracking.custom_tracking_link)
        link = (
            format_link(template, number or "", postcode, country, str(order.id))
            if template
            else None
        )
        return custom, link
    provider = blank_to_none(tracking.tracking_provider)
    known = predefined(provider) if provider else None
    if known is None:
        if provider is not None:
            drop("meta_data._wc_shipment_tracking_items.tracking_provider", "unknown_provider")
        return provider, None
    name, template = known
    link = format_link(template, number, postcode, country, str(order.id)) if number else None
    return name, link


def _shipped_at(order: Order, tracking: TrackingItem | None) -> datetime:
    if tracking is not None and tracking.date_shipped not in (None, ""):
        text = str(tracking.date_shipped)
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
    return _utc(order.date_completed_gmt, "date_completed_gmt") or _modified_at(order)


def _shipped(order: Order, shop_id: str) -> OrderShipped:
    tracking = _tracking(order)
    shipped_at = _shipped_at(order, tracking)
    carrier, link = _carrier_and_link(order, tracking) if tracking else (None, None)
    return build(
        OrderShipped,
        shop_id=shop_id,
        **_base(order, f"woocommerce:order:{order.id}:shipped", shipped_at),
        carrier=carrier,
        tracking_number=blank_to_none(tracking.tracking_number) if tracking else None,
        tracking_url=link,
        destination=(order.shipping or order.billing or Address()).place(),
        shipped_at=shipped_at,
    )


def _delivered(order: Order, shop_id: str) -> OrderDelivered:
    delivered_at = _modified_at(order)
    return build(
        OrderDelivered,
        shop_id=shop_id,
        **_base(order, f"woocommerce:order:{order.id}:delivered", delivered_at),
        delivered_at=delivered_at,
    )


def _cancelled(order: Order, shop_id: str) -> OrderCancelled:
    return build(
        OrderCancelled,
        shop_id=shop_id,
        **_base(order, f"woocommerce:order:{order.id}:cancelled", _modified_at(order)),
    )


def _refunds(order: Order, shop_id: str) -> list[RefundRequested]:
    refunds = []
    for index, refund in enumerate(order.refunds):
        try:
            amount = money_amount(refund.total, f"refunds.{index}.total")
        except AdapterError as exc:
            drop(exc.field, "unreadable_money")
            amount = None
        refunds.append(
            build(
                RefundRequested,
                shop_id=shop_id,
                **_base(order, f"woocommerce:refund:{refund.id}", _modified_at(order)),
                refund_id=text_id(refund.id),
                # WooCommerce lists refunds as negative totals.
                amount={"amount": abs(amount), "currency": order.currency}
                if amount is not None
                else None,
                reason=blank_to_none(refund.reason),
                kind=RefundKind.REFUND_ONLY,
            )
        )
    return refunds


def _updated(order: Order, shop_id: str) -> AdapterResult:
    events: list[CanonicalEvent] = []
    if order.status == "processing":
        events.append(_paid(order, shop_id))
    elif order.status == "completed":
        events.append(_shipped(order, shop_id))
    elif order.status == "delivered":
        events.append(_delivered(order, shop_id))
    elif order.status == "cancelled":
        events.append(_cancelled(order, shop_id))
    events.extend(_refunds(order, shop_id))
    if not events:
        return Ignored(f"order status {order.status!r} needs no message")
    return Mapped(tuple(events))


def _customer(customer: Customer, shop_id: str, received_at: datetime) -> CustomerUpdated:
    billing, shipping = customer.billing, customer.shipping
    place = shipping if shipping and blank_to_none(shipping.country) else billing
    country = blank_to_none(place.country) if place else None
    updated_at = (
        _utc(first(customer.date_modified_gmt, customer.date_created_gmt), "date_modified_gmt")
        or received_at
    )
    tier = _meta(customer.meta_data, "member_tier", "_member_tier")
    profile = build(
        CustomerProfile,
        customer_id=text_id(customer.id),
        email=email_or_none(first(customer.email, billing.email if billing else None)),
        phone=phone_or_none(billing.phone if billing else None, country, "billing.phone"),
        first_name=blank_to_none(customer.first_name),
        last_name=blank_to_none(customer.last_name),
        member_tier=member_tier_from([tier]) if isinstance(tier, str) else None,
        country=country,
        region=blank_to_none(place.state) if place else None,
        # The customer's WordPress role ("customer", "subscriber", ...) is the label
        # WooCommerce itself gives them.
        tags=[role] if (role := blank_to_none(customer.role)) else None,
    )
    return build(
        CustomerUpdated,
        event_id=f"woocommerce:customer:{customer.id}:{updated_at.isoformat()}",
        shop_id=shop_id,
        occurred_at=updated_at,
        platform=Platform.WOOCOMMERCE,
        customer=profile,
    )


TOPICS = frozenset({"order.created", "order.updated", "customer.created", "customer.updated"})


def _order(payload: Any) -> Order:
    order = parse_payload(Order, payload)
    return order.model_copy(update={"currency": currency(order.currency, "currency")})


def adapt(topic: str, payload: Any, shop_id: str, received_at: datetime) -> AdapterResult:
    """The canonical events for one WooCommerce delivery of `topic`."""
    if topic == "order.created":
        return Mapped((_created(_order(payload), shop_id, received_at),))
    if topic == "order.updated":
        return _updated(_order(payload), shop_id)
    if topic in ("customer.created", "customer.updated"):
        return Mapped((_customer(parse_payload(Customer, payload), shop_id, received_at),))
    return Ignored(f"topic {topic!r} is not used")
