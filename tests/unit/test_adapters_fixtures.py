"""Every Shopify and WooCommerce fixture maps to canonical events, or is ignored on purpose.

The table below is the inventory: a payload file added under `tests/fixtures/shopify`
or `woocommerce` without a row here fails `test_every_fixture_is_accounted_for`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from courteous.adapters import AdapterError, Dropped, Ignored, Mapped, adapt
from courteous.events import (
    CustomerUpdated,
    OrderCreated,
    OrderShipped,
    Platform,
    RefundKind,
    RefundRequested,
    parse_event,
)
from courteous.messages import Channel, MessageClass
from tests.conftest import FIXTURES_DIR

FIXTURES = FIXTURES_DIR
RECEIVED_AT = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    path: str  # under tests/fixtures
    topic: str
    expect: tuple[str, ...] | str  # detail-types, the reason it is ignored, or "refused:<field>"
    key: str | None = None  # REST fixtures wrap the webhook body in {"order": {...}}


SHOPIFY = "shopify/shopify_python_api_fixtures/"
WOO = "woocommerce/rest_api_docs_examples/"
GO = "shopify/shopify_webhooks_go_2025_01/"
SHOPIFY_LIVE = "shopify/public_captures/"
WOO_LIVE = "woocommerce/public_captures/"
CASES = [
    Case(SHOPIFY + "order.json", "orders/create", ("OrderCreated",), "order"),
    # An authorized, open order does not mean "paid" nor "cancelled": posted under those
    # (unsigned) topics it is refused.
    Case(SHOPIFY + "order.json", "orders/paid", "refused:financial_status", "order"),
    Case(SHOPIFY + "order.json", "orders/cancelled", "refused:cancelled_at", "order"),
    # Its only fulfillment has status "failure": nothing is on its way.
    Case(
        SHOPIFY + "order.json",
        "orders/fulfilled",
        "orders/fulfilled without a fulfillment on its way",
        "order",
    ),
    Case(SHOPIFY + "fulfillment.json", "fulfillments/create", ("OrderShipped",), "fulfillment"),
    # A label printed is not news for the customer; "delivered" is (see the test below).
    Case(
        SHOPIFY + "fulfillment_event.json",
        "fulfillment_events/create",
        "fulfillment event status 'label_printed' is not a delivery",
        "fulfillment_event",
    ),
    Case(SHOPIFY + "refund.json", "refunds/create", ("RefundRequested",), "refund"),
    Case(SHOPIFY + "customer.json", "customers/create", ("CustomerUpdated",), "customer"),
    Case(SHOPIFY + "customer.json", "customers/update", ("CustomerUpdated",), "customer"),
    # Payment transactions are not used: payment arrives as orders/paid.
    Case(
        SHOPIFY + "transaction.json",
        "order_transactions/create",
        "topic 'order_transactions/create' is not used",
        "transaction",
    ),
    Case(
        SHOPIFY + "transactions.json",
        "order_transactions/create",
        "topic 'order_transactions/create' is not used",
    ),
    # Shopify's sample order is a test order: nobody is messaged about it.
    Case(
        "shopify/shopify_test_notification_sample/orders_test_notification_2019.json",
        "orders/create",
        "test order",
    ),
    Case(WOO + "orders__create_an_order.json", "order.created", ("OrderCreated",)),
    Case(WOO + "orders__update_an_order.json", "order.updated", ("OrderShipped",)),
    Case(WOO + "customers__create_a_customer.json", "customer.created", ("CustomerUpdated",)),
    Case(WOO + "customers__create_a_customer.json", "customer.updated", ("CustomerUpdated",)),
    Case(
        "woocommerce/signature_vector/order_created_body.json", "order.created", ("OrderCreated",)
    ),
    # Shopify's 2025-01 sample bodies (see test_adapters_real_bodies for what they show)
    Case(GO + "refunds_create.json", "refunds/create", ("RefundRequested",)),
    Case(GO + "fulfillments_create.json", "fulfillments/create", ("OrderShipped",)),
    # Its fulfillment has no shipment_status yet: not a delivery.
    Case(
        GO + "fulfillments_update.json",
        "fulfillments/update",
        "shipment status None is not a delivery",
    ),
    Case(GO + "customers_create.json", "customers/create", ("CustomerUpdated",)),
    Case(GO + "orders_paid.json", "orders/paid", "test order"),
    # Real captures from public apps
    Case(
        SHOPIFY_LIVE + "s01_orders_create_membi_hkd_paid.json", "orders/create", ("OrderCreated",)
    ),
    Case(
        SHOPIFY_LIVE + "s04_orders_fulfilled_erp_pln_two_fulfillments.json",
        "orders/fulfilled",
        ("OrderShipped", "OrderShipped"),
    ),
    Case(SHOPIFY_LIVE + "s05_orders_paid_erp_pln.json", "orders/paid", ("OrderPaid",)),
    Case(
        SHOPIFY_LIVE + "s06_refunds_create_pipedream_vnd_restock_cancel.json",
        "refunds/create",
        ("RefundRequested",),
    ),
    Case(
        WOO_LIVE + "w01_order_updated_docs_723_completed_two_refunds.json",
        "order.updated",
        ("OrderShipped", "RefundRequested", "RefundRequested"),
    ),
    Case(
        WOO_LIVE + "w03_order_created_pipedream_15_completed_vn.json",
        "order.created",
        ("OrderCreated",),
    ),
    Case(
        WOO_LIVE + "w04_order_updated_anchorsoap_897_processing.json",
        "order.updated",
        ("OrderPaid",),
    ),
    Case(
        WOO_LIVE + "w05_order_created_activepieces_17_pending_cod.json",
        "order.created",
        ("OrderCreated",),
    ),
    # No WooCommerce topic delivers a refund resource (refunds arrive inside order.updated,
    # see test_a_woocommerce_refund_arrives_as_an_order_update); a product topic is unused.
    Case(
        WOO + "order-refunds__create_a_refund.json",
        "product.updated",
        "topic 'product.updated' is not used",
    ),
]

# Documentation and provenance, not payloads.
NOT_PAYLOADS = {
    "shopify/shopify_python_api_fixtures/orders.json",  # a REST list: see its own test
    "woocommerce/rest_api_docs_examples/webhooks_doc.md",
}


def load(path: str, key: str | None = None) -> Any:
    payload = json.loads((FIXTURES / path).read_text(encoding="utf-8"))
    return payload[key] if key else payload


def platform_of(path: str) -> Platform:
    return Platform.SHOPIFY if path.startswith("shopify/") else Platform.WOOCOMMERCE


def test_every_fixture_is_accounted_for() -> None:
    found = {
        str(path.relative_to(FIXTURES))
        for folder in ("shopify", "woocommerce")
        for path in (FIXTURES / folder).rglob("*")
        if path.suffix == ".json" or path.name.endswith("_doc.md")
    }
    covered = {case.path for case in CASES} | NOT_PAYLOADS
    assert found - covered == set(), "a fixture has no case: map it or ignore it on purpose"


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.path}:{case.topic}")
def test_the_fixture_maps_or_is_ignored_on_purpose(case: Case) -> None:
    # Given a real payload delivered under its topic
    payload = load(case.path, case.key)
    payloads = payload if isinstance(payload, list) else [payload]
    for body in payloads:
        if isinstance(case.expect, str) and case.expect.startswith("refused:"):
            with pytest.raises(AdapterError) as raised:
                adapt(platform_of(case.path), case.topic, body, "acme-shop", RECEIVED_AT)
            assert raised.value.field == case.expect.removeprefix("refused:")
            continue
        # When the adapter reads it
        result = adapt(platform_of(case.path), case.topic, body, "acme-shop", RECEIVED_AT)
        # Then it becomes the expected canonical events, which survive the bus
        if isinstance(case.expect, str):
            assert isinstance(result, Ignored)
            assert result.reason == case.expect
            continue
        assert isinstance(result, Mapped)
        assert tuple(event.DETAIL_TYPE for event in result.events) == case.expect
        for event in result.events:
            assert event.shop_id == "acme-shop"
            assert event.platform is platform_of(case.path)
            assert parse_event(event.DETAIL_TYPE, event.model_dump_json()) == event


def test_every_order_of_a_shopify_rest_list_maps() -> None:
    orders = load("shopify/shopify_python_api_fixtures/orders.json", "orders")
    assert orders
    for order in orders:
        result = adapt(Platform.SHOPIFY, "orders/create", order, "acme-shop", RECEIVED_AT)
        assert isinstance(result, Mapped)
        assert result.events[0].DETAIL_TYPE == "OrderCreated"


def test_a_shopify_order_carries_the_customer_with_normalised_contacts() -> None:
    order = load("shopify/shopify_python_api_fixtures/order.json", "order")
    result = adapt(Platform.SHOPIFY, "orders/create", order, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    event = result.events[0]
    assert isinstance(event, OrderCreated)
    assert event.order_id == "450789469"
    assert event.order_number == "#1001"
    assert event.total.amount == Decimal("409.94")
    assert event.total.currency == "USD"
    assert event.paid is False  # "authorized" is not paid yet
    assert event.customer.email == "bob.norman@hostmail.com"
    # "555-625-1199" in Kentucky is no assigned number: the order keeps its e-mail only
    assert event.customer.phone is None
    assert Dropped("customer.phone", "invalid_phone") in result.dropped
    assert (event.customer.country, event.customer.region) == ("US", "KY")
    assert event.occurred_at == datetime.fromisoformat("2008-01-10T11:00:00-05:00")
    assert [item.quantity for item in event.line_items] == [1, 1, 1]


def test_shopify_ids_above_two_to_the_53_keep_every_digit() -> None:
    order = load("shopify/shopify_test_notification_sample/orders_test_notification_2019.json") | {
        "test": False
    }
    result = adapt(Platform.SHOPIFY, "orders/create", order, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    event = result.events[0]
    assert isinstance(event, OrderCreated)
    assert event.order_id == "820982911946154508"
    assert event.line_items[0].line_id == "866550311766439020"


def test_a_shopify_fulfillment_and_orders_fulfilled_are_one_shipment() -> None:
    # Given the same fulfillment reported by fulfillments/create and by orders/fulfilled
    fulfillment = load("shopify/shopify_python_api_fixtures/fulfillment.json", "fulfillment")
    order = load("shopify/shopify_python_api_fixtures/order.json", "order")
    order["fulfillments"] = [fulfillment]
    by_fulfillment = adapt(
        Platform.SHOPIFY, "fulfillments/create", fulfillment, "acme-shop", RECEIVED_AT
    )
    by_order = adapt(Platform.SHOPIFY, "orders/fulfilled", order, "acme-shop", RECEIVED_AT)
    assert isinstance(by_fulfillment, Mapped)
    assert isinstance(by_order, Mapped)
    shipped, again = by_fulfillment.events[0], by_order.events[0]
    assert isinstance(shipped, OrderShipped)
    assert isinstance(again, OrderShipped)
    # Then both carry one event id and the tracking details
    assert shipped.event_id == again.event_id == "shopify:fulfillment:255858046:shipped"
    assert shipped.tracking_number == "1Z2345"
    assert shipped.carrier == "null-company"
    assert shipped.tracking_url == "http://www.google.com/search?q=1Z2345"
    # And the order's version knows the customer and where it goes
    assert again.customer.email == "bob.norman@hostmail.com"
    assert again.destination is not None
    assert (again.destination.country, again.destination.region) == ("US", "KY")


def test_a_shopify_delivered_fulfillment_event_is_order_delivered() -> None:
    event = load(
        "shopify/shopify_python_api_fixtures/fulfillment_event.json", "fulfillment_event"
    ) | {"status": "delivered"}
    result = adapt(Platform.SHOPIFY, "fulfillment_events/create", event, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    delivered = result.events[0]
    assert delivered.DETAIL_TYPE == "OrderDelivered"
    assert delivered.event_id == "shopify:fulfillment:2608403447971:delivered"


@pytest.mark.parametrize(
    ("fulfillment_status", "kind"),
    [(None, RefundKind.REFUND_ONLY), ("fulfilled", RefundKind.RETURN_AND_REFUND)],
)
def test_an_old_api_restock_is_a_return_only_for_a_fulfilled_line(
    fulfillment_status: str | None, kind: RefundKind
) -> None:
    # Given the REST fixture's refund: `restock: true`, no restock_type (the API before
    # 2018), its lines unfulfilled; and the same refund of a line that had shipped
    refund = load("shopify/shopify_python_api_fixtures/refund.json", "refund")
    for line in refund["refund_line_items"]:
        line["line_item"]["fulfillment_status"] = fulfillment_status
    result = adapt(Platform.SHOPIFY, "refunds/create", refund, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    event = result.events[0]
    assert isinstance(event, RefundRequested)
    # Then only items that had left are a return to wait for
    assert event.kind is kind
    assert event.amount is not None
    assert (event.amount.amount, event.amount.currency) == (Decimal("209.00"), "USD")
    assert event.reason == "it broke during shipping"


@pytest.mark.parametrize(
    ("email_state", "sms_state", "accepts", "expected"),
    [
        ("subscribed", "unsubscribed", False, {Channel.EMAIL: True, Channel.SMS: False}),
        ("pending", None, True, {Channel.EMAIL: True}),  # legacy field decides
        ("not_subscribed", "subscribed", None, {Channel.EMAIL: False, Channel.SMS: True}),
        (None, "redacted", None, {}),
    ],
)
def test_shopify_marketing_consent_per_channel(
    email_state: str | None,
    sms_state: str | None,
    accepts: bool | None,
    expected: dict[Channel, bool],
) -> None:
    customer = load("shopify/shopify_python_api_fixtures/customer.json", "customer")
    customer |= {
        "accepts_marketing": accepts,
        "email_marketing_consent": {"state": email_state} if email_state else None,
        "sms_marketing_consent": {"state": sms_state} if sms_state else None,
        "tags": "newsletter, VIP",
    }
    result = adapt(Platform.SHOPIFY, "customers/update", customer, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    event = result.events[0]
    assert isinstance(event, CustomerUpdated)
    assert event.customer.consent == {
        channel: {MessageClass.MARKETING: given} for channel, given in expected.items()
    }
    assert event.customer.member_tier == "vip"


def test_a_woocommerce_order_created_paid_by_bank_transfer() -> None:
    order = load("woocommerce/rest_api_docs_examples/orders__create_an_order.json")
    result = adapt(Platform.WOOCOMMERCE, "order.created", order, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    event = result.events[0]
    assert isinstance(event, OrderCreated)
    assert event.paid is True  # date_paid is set
    assert event.occurred_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)  # *_gmt is UTC
    assert event.customer.customer_id is None  # 0 is a guest checkout
    assert event.customer.phone is None  # "(555) 555-5555" is no assigned number
    assert event.customer.email == "john.doe@example.com"
    assert event.line_items[1].title == "Ship Your Idea – Color: Black, Size: M Test"
    assert event.line_items[0].unit_price.amount == Decimal(3)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("processing", ("OrderPaid",)),
        ("completed", ("OrderShipped",)),
        ("delivered", ("OrderDelivered",)),
        ("cancelled", ("OrderCancelled",)),
        ("pending", "order status 'pending' needs no message"),
        ("on-hold", "order status 'on-hold' needs no message"),
        ("failed", "order status 'failed' needs no message"),
    ],
)
def test_a_woocommerce_order_update_maps_by_status(
    status: str, expected: tuple[str, ...] | str
) -> None:
    order = load("woocommerce/rest_api_docs_examples/orders__update_an_order.json")
    result = adapt(
        Platform.WOOCOMMERCE, "order.updated", order | {"status": status}, "acme-shop", RECEIVED_AT
    )
    if isinstance(expected, str):
        assert result == Ignored(expected)
    else:
        assert isinstance(result, Mapped)
        assert tuple(event.DETAIL_TYPE for event in result.events) == expected


def test_a_woocommerce_refund_arrives_as_an_order_update() -> None:
    # Given the refund resource of the docs, as WooCommerce lists it on its order
    refund = load("woocommerce/rest_api_docs_examples/order-refunds__create_a_refund.json")
    order = load("woocommerce/rest_api_docs_examples/orders__update_an_order.json")
    order |= {
        "status": "refunded",
        "refunds": [{"id": refund["id"], "reason": "", "total": f"-{refund['amount']}"}],
    }
    # When the order update arrives
    result = adapt(Platform.WOOCOMMERCE, "order.updated", order, "acme-shop", RECEIVED_AT)
    # Then a refund request is emitted with the positive amount
    assert isinstance(result, Mapped)
    (event,) = result.events
    assert isinstance(event, RefundRequested)
    assert event.event_id == "woocommerce:refund:726"
    assert event.amount is not None
    assert event.amount.amount == Decimal("10.00")


def test_woocommerce_shipment_tracking_is_read_when_present() -> None:
    order = load("woocommerce/rest_api_docs_examples/orders__update_an_order.json")
    order["meta_data"].append(
        {
            "id": 13200,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": "usps",
                    "custom_tracking_provider": "",
                    "custom_tracking_link": "",
                    "tracking_number": "9400111899560000000000",
                    "date_shipped": "1490214600",
                    "tracking_id": "a1b2",
                }
            ],
        }
    )
    result = adapt(Platform.WOOCOMMERCE, "order.updated", order, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    shipped = result.events[0]
    assert isinstance(shipped, OrderShipped)
    assert (shipped.carrier, shipped.tracking_number) == ("USPS", "9400111899560000000000")
    assert shipped.tracking_url == (
        "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=9400111899560000000000"
    )
    assert shipped.shipped_at == datetime.fromtimestamp(1490214600, UTC)


@pytest.mark.parametrize(
    ("platform", "topic", "mutate", "field"),
    [
        (Platform.SHOPIFY, "orders/create", lambda o: o.pop("currency"), "currency"),
        (Platform.SHOPIFY, "orders/create", lambda o: o.update(total_price="lots"), "total_price"),
        (
            Platform.SHOPIFY,
            "orders/create",
            lambda o: o.update(created_at="yesterday"),
            "created_at",
        ),
        (Platform.SHOPIFY, "orders/create", lambda o: o.update(currency="dollars"), "currency"),
        (Platform.SHOPIFY, "orders/create", lambda o: o.pop("id"), "id"),
        (Platform.WOOCOMMERCE, "order.created", lambda o: o.pop("status"), "status"),
        (
            Platform.WOOCOMMERCE,
            "order.created",
            lambda o: o.update(date_created_gmt=None, date_created=None),
            "date_created_gmt",
        ),
    ],
)
def test_an_unmappable_payload_names_the_field(
    platform: Platform, topic: str, mutate: Any, field: str
) -> None:
    path = (
        "shopify/shopify_python_api_fixtures/order.json"
        if platform is Platform.SHOPIFY
        else "woocommerce/rest_api_docs_examples/orders__create_an_order.json"
    )
    order = load(path, "order" if platform is Platform.SHOPIFY else None)
    mutate(order)
    with pytest.raises(AdapterError) as raised:
        adapt(platform, topic, order, "acme-shop", RECEIVED_AT)
    assert raised.value.field == field


@pytest.mark.parametrize("payload", [[], "order", 3, None])
def test_a_body_that_is_not_an_object_is_refused(payload: Any) -> None:
    with pytest.raises(AdapterError, match="expected a JSON object"):
        adapt(Platform.SHOPIFY, "orders/create", payload, "acme-shop", RECEIVED_AT)
