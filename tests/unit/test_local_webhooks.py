"""The demo's webhooks are what the platforms send: they verify and map at the edge."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from courteous.adapters import Mapped, adapt
from courteous.adapters.signatures import SignatureError, verify
from courteous.events.models import Platform
from courteous_local import webhooks as wh

AT = datetime(2026, 11, 16, 15, 40, tzinfo=UTC)
SECRET = "shop-secret"
LI = wh.Person(
    customer_id="7001",
    first_name="Wei",
    country="CN",
    region="SH",
    phone="+8613800138000",
    email="li.wei@example.cn",
    locale="zh-CN",
    tier="vip",
)
ORDER = wh.Order(
    order_id="450789469",
    number="#1001",
    person=LI,
    currency="CNY",
    lines=(wh.Line("Longjing tea 250 g", 2, Decimal("449.50"), product_kind="profit"),),
    created_at=AT,
)


def _mapped(hook: wh.Webhook, at: datetime = AT) -> list[object]:
    headers = {name.lower(): value for name, value in hook.headers.items()}
    platform = Platform(hook.platform)
    verify(platform, SECRET, hook.body, headers, now=at)
    result = adapt(
        platform,
        hook.topic if platform is not Platform.GENERIC else "canonical",
        json.loads(hook.body),
        hook.shop_id,
        at,
    )
    assert isinstance(result, Mapped), result
    return list(result.events)


def test_a_shopify_order_maps_with_tier_kind_total_and_contacts() -> None:
    hook = wh.shopify("lotus-tea", SECRET, "orders/create", wh.shopify_order(ORDER), "1001")
    (created,) = _mapped(hook)
    assert type(created).__name__ == "OrderCreated"
    assert created.total.amount == Decimal("899.00")
    assert created.customer.member_tier.value == "vip"
    assert created.customer.phone == "+8613800138000"
    assert created.line_items[0].product_kind.value == "profit"
    assert created.paid is False


def test_shopify_shipping_delivery_refund_and_consent_map() -> None:
    shipped = wh.shopify_fulfillment(
        ORDER,
        fulfillment_id="255858046",
        at=AT + timedelta(days=1),
        carrier="SF Express",
        tracking_number="SF1234567890",
        tracking_url="https://www.sf-express.com/track?no=SF1234567890",
    )
    (event,) = _mapped(wh.shopify("lotus-tea", SECRET, "fulfillments/create", shipped, "s"))
    assert (type(event).__name__, event.carrier, event.destination.region) == (
        "OrderShipped",
        "SF Express",
        "SH",
    )
    delivered = dict(shipped, shipment_status="delivered")
    (event,) = _mapped(wh.shopify("lotus-tea", SECRET, "fulfillments/update", delivered, "d"))
    assert type(event).__name__ == "OrderDelivered"
    refund = wh.shopify_refund(
        ORDER, refund_id="509562969", at=AT, amount=Decimal("449.50"), returned=True, note="size"
    )
    (event,) = _mapped(wh.shopify("lotus-tea", SECRET, "refunds/create", refund, "r"))
    assert (type(event).__name__, event.kind.value) == ("RefundRequested", "return_and_refund")
    consent = wh.shopify_customer_update(
        LI, at=AT, email_marketing="subscribed", sms_marketing="unsubscribed"
    )
    (event,) = _mapped(wh.shopify("lotus-tea", SECRET, "customers/update", consent, "c"))
    assert event.customer.consent["sms"]["marketing"] is False


def test_woocommerce_orders_map_by_status() -> None:
    paris = wh.Person("12", "Claire", "FR", phone="+33612345678", email="claire@example.fr")
    order = wh.Order("5012", "5012", paris, "EUR", (wh.Line("Scarf", 1, Decimal("89.00")),), AT)
    created = wh.woocommerce_order(order, status="pending", modified_at=AT)
    (event,) = _mapped(wh.woocommerce("maison", SECRET, "order.created", created, "1"))
    assert type(event).__name__ == "OrderCreated"
    shipped_at = AT + timedelta(days=1)
    completed = wh.woocommerce_order(
        order,
        status="completed",
        modified_at=shipped_at,
        meta_data=[
            wh.woo_tracking("La Poste", "6A123", "https://www.laposte.fr/6A123", shipped_at)
        ],
    )
    (event,) = _mapped(wh.woocommerce("maison", SECRET, "order.updated", completed, "2"))
    assert (type(event).__name__, event.tracking_number) == ("OrderShipped", "6A123")


def test_generic_canonical_webhooks_verify_with_the_timestamped_scheme() -> None:
    detail = {
        "event_id": "evt-1",
        "shop_id": "globe",
        "occurred_at": "2026-11-16T15:40:00Z",
        "order_id": "9",
        "customer": {"phone": "+61412345678", "country": "AU"},
        "delivered_at": "2026-11-16T15:40:00Z",
    }
    (event,) = _mapped(wh.generic("globe", SECRET, "OrderDelivered", detail, AT))
    assert type(event).__name__ == "OrderDelivered"


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "generic"])
def test_a_forged_delivery_does_not_verify(platform: str) -> None:
    hook = {
        "shopify": lambda: wh.shopify("s", SECRET, "orders/create", wh.shopify_order(ORDER), "k"),
        "woocommerce": lambda: wh.woocommerce(
            "s",
            SECRET,
            "order.created",
            wh.woocommerce_order(ORDER, status="pending", modified_at=AT),
            "k",
        ),
        "generic": lambda: wh.generic("s", SECRET, "OrderPaid", {"shop_id": "s"}, AT),
    }[platform]().forged()
    headers = {name.lower(): value for name, value in hook.headers.items()}
    with pytest.raises(SignatureError):
        verify(Platform(platform), SECRET, hook.body, headers, now=AT)
