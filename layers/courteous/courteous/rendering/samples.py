"""Sample data for every kind, the richest each template can be asked to say.

`courteous templates check` renders every template with these (and with each optional
part left out), so a template that needs a value the model does not give, or that
breaks the content policy or the SMS length limit, fails before a customer sees it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from courteous.messages import Kind

SHOP: dict[str, Any] = {
    "name": "Lotus Tea",
    "domain": "lotus-tea.example.cn",
    "support_email": "care@lotus-tea.example.cn",
    "support_url": "https://lotus-tea.example.cn/help",
}
COUPON: dict[str, Any] = {"code": "THANKS10", "percent_off": 10, "valid_until": "2026-12-31"}

FULL: dict[Kind, dict[str, Any]] = {
    Kind.PAYMENT_REMINDER: {
        "shop": SHOP,
        "order_number": "#1001",
        "amount": {"amount": "1288.00", "currency": "CNY"},
        "close_at": datetime(2026, 11, 19, 4, 0, tzinfo=UTC).isoformat(),
        "tier": "vip",
        "product_kind": "promotion",
        "pay_url": "https://lotus-tea.example.cn/pay/1001",
    },
    Kind.SHIPPING_NOTICE: {
        "shop": SHOP,
        "order_number": "#1001",
        "carrier": "SF Express",
        "tracking_number": "SF1234567890",
        "tracking_url": "https://www.sf-express.com/track?no=SF1234567890",
        "estimated_delivery": date(2026, 11, 20).isoformat(),
        "estimate_latest": date(2026, 11, 21).isoformat(),
    },
    Kind.PARCEL_DELAY: {
        "shop": SHOP,
        "order_number": "#1001",
        "carrier": "SF Express",
        "tracking_number": "SF1234567890",
        "tracking_url": "https://www.sf-express.com/track?no=SF1234567890",
        "apology_number": 1,
        "expected_by": date(2026, 11, 21).isoformat(),
    },
    Kind.DELIVERY_CARE: {
        "shop": SHOP,
        "order_number": "#1001",
        "first_name": "Wei",
        "review_url": "https://lotus-tea.example.cn/review/1001",
        "coupon": COUPON,
    },
    Kind.REFUND_ACK: {
        "shop": SHOP,
        "order_number": "#1001",
        "amount": {"amount": "449.50", "currency": "CNY"},
        "refund_kind": "return_and_refund",
        "handling_days": 3,
    },
    Kind.BIRTHDAY_GREETING: {"shop": SHOP, "first_name": "Wei", "coupon": COUPON},
    Kind.REVIEW_CARE: {
        "shop": SHOP,
        "order_number": "#1001",
        "first_name": "Wei",
        "aspect": "delivery",
    },
}

# The values each kind may leave out; the check renders with each one absent too.
OPTIONAL: dict[Kind, tuple[str, ...]] = {
    Kind.PAYMENT_REMINDER: ("close_at", "pay_url", "product_kind"),
    Kind.SHIPPING_NOTICE: ("carrier", "tracking_url", "estimated_delivery", "estimate_latest"),
    Kind.PARCEL_DELAY: ("carrier", "tracking_url", "expected_by"),
    Kind.DELIVERY_CARE: ("first_name", "review_url", "coupon"),
    Kind.REFUND_ACK: ("amount",),
    Kind.BIRTHDAY_GREETING: ("first_name", "coupon"),
    Kind.REVIEW_CARE: ("order_number", "first_name", "aspect"),
}

# Values that pick a template variant, per kind.
VARIANT_VALUES: dict[Kind, list[dict[str, Any]]] = {
    Kind.PAYMENT_REMINDER: [
        {"tier": tier, "product_kind": kind, "last_call": last_call}
        for tier in ("non_member", "member", "senior", "vip", "top_vip")
        for kind in ("traffic", "profit", "promotion", "exclusive")
        for last_call in (False, True)
    ],
    Kind.PARCEL_DELAY: [{"apology_number": 1}, {"apology_number": 2}],
    Kind.REFUND_ACK: [{"refund_kind": "refund_only"}, {"refund_kind": "return_and_refund"}],
    Kind.REVIEW_CARE: [
        {"aspect": aspect}
        for aspect in (
            "delivery",
            "product_quality",
            "wrong_or_missing_item",
            "packaging",
            "service",
            "price",
            "other",
        )
    ],
}


def sample_data(kind: Kind) -> list[dict[str, Any]]:
    """The full sample, each variant of it, and the sample without each optional part."""
    full = FULL[kind]
    samples = [dict(full)]
    samples.extend({**full, **values} for values in VARIANT_VALUES.get(kind, []))
    samples.extend(
        {key: value for key, value in full.items() if key != optional}
        for optional in OPTIONAL[kind]
    )
    return samples
