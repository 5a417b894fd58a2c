"""Webhooks as the platforms send them, for the demo and the end-to-end tests.

Each builder writes the platform's own payload (Shopify REST Admin resources,
WooCommerce REST v3 resources, or the generic canonical envelope), serialises it once
and signs those exact bytes the way the platform does, with the headers it sends. What
the demo posts is therefore what a real shop would post; nothing is canonical until the
adapter at the edge makes it so.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from courteous.adapters.signatures import sign_generic, sign_shopify, sign_woocommerce


@dataclass(frozen=True)
class Webhook:
    platform: str
    shop_id: str
    topic: str
    body: bytes
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return f"/webhooks/{self.platform}/{self.shop_id}"

    def forged(self) -> Webhook:
        """The same delivery with its signature made by someone without the secret."""
        headers = dict(self.headers)
        for name in headers:
            if name.lower() in ("x-shopify-hmac-sha256", "x-wc-webhook-signature"):
                headers[name] = sign_shopify("not-the-shop-secret", self.body)
            elif name.lower() == "x-courteous-signature":
                stamp = int(headers[name].split(",")[0].removeprefix("t="))
                headers[name] = sign_generic("not-the-shop-secret", self.body, stamp)
        return Webhook(self.platform, self.shop_id, self.topic, self.body, headers)


@dataclass(frozen=True)
class Person:
    """A customer as the shop's platform knows them."""

    customer_id: str
    first_name: str
    country: str
    region: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None
    locale: str | None = None
    tier: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    title: str
    quantity: int
    price: Decimal
    product_kind: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Order:
    order_id: str
    number: str
    person: Person
    currency: str
    lines: tuple[Line, ...]
    created_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal("0"))


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _gmt(instant: datetime) -> str:
    """WooCommerce's `*_gmt` fields: UTC without an offset."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _delivery_id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def shopify_domain(shop_id: str) -> str:
    """The local Shopify store of a shop (its `X-Shopify-Shop-Domain`)."""
    return f"{shop_id.lower()}.myshopify.com"


def woocommerce_site(shop_id: str) -> str:
    """The local WooCommerce site of a shop (its `X-WC-Webhook-Source`, `home_url('/')`)."""
    return f"https://{shop_id.lower()}.example/"


# ---------------------------------------------------------------------- Shopify
def _shopify_address(person: Person) -> dict[str, Any]:
    return {
        "first_name": person.first_name,
        "phone": person.phone,
        "city": person.city,
        "province_code": person.region,
        "country_code": person.country,
        "zip": None,
    }


def _shopify_customer(person: Person) -> dict[str, Any]:
    tags = list(person.tags) + ([person.tier.upper().replace("_", "-")] if person.tier else [])
    return {
        "id": int(person.customer_id),
        "email": person.email,
        "phone": person.phone,
        "first_name": person.first_name,
        "tags": ", ".join(tags),
        "default_address": _shopify_address(person),
    }


def shopify_order(order: Order, *, financial_status: str = "pending") -> dict[str, Any]:
    return {
        "id": int(order.order_id),
        "name": order.number,
        "email": order.person.email,
        "phone": order.person.phone,
        "created_at": _iso(order.created_at),
        "updated_at": _iso(order.created_at),
        "currency": order.currency,
        "total_price": str(order.total),
        "financial_status": financial_status,
        "test": False,
        "customer_locale": order.person.locale,
        "customer": _shopify_customer(order.person),
        "shipping_address": _shopify_address(order.person),
        "line_items": [
            {
                "id": int(order.order_id) * 10 + index,
                "title": line.title,
                "quantity": line.quantity,
                "price": str(line.price),
                "product_type": line.category,
                "properties": (
                    [{"name": "product_kind", "value": line.product_kind}]
                    if line.product_kind
                    else []
                ),
            }
            for index, line in enumerate(order.lines)
        ],
        "fulfillments": [],
        **order.extra,
    }


def shopify(shop_id: str, secret: str, topic: str, payload: dict[str, Any], key: str) -> Webhook:
    body = _body(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign_shopify(secret, body),
        "X-Shopify-Shop-Domain": shopify_domain(shop_id),
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Webhook-Id": _delivery_id("shopify", shop_id, topic, key),
    }
    return Webhook("shopify", shop_id, topic, body, headers)


def shopify_fulfillment(
    order: Order,
    *,
    fulfillment_id: str,
    at: datetime,
    carrier: str,
    tracking_number: str,
    tracking_url: str,
    origin: Person | None = None,
    shipment_status: str | None = None,
) -> dict[str, Any]:
    return {
        "id": int(fulfillment_id),
        "order_id": int(order.order_id),
        "status": "success",
        "shipment_status": shipment_status,
        "created_at": _iso(order.created_at if shipment_status else at),
        "updated_at": _iso(at),
        "tracking_company": carrier,
        "tracking_number": tracking_number,
        "tracking_url": tracking_url,
        "email": order.person.email,
        "destination": _shopify_address(order.person),
        "origin_address": _shopify_address(origin) if origin else None,
    }


def shopify_refund(
    order: Order, *, refund_id: str, at: datetime, amount: Decimal, returned: bool, note: str
) -> dict[str, Any]:
    return {
        "id": int(refund_id),
        "order_id": int(order.order_id),
        "created_at": _iso(at),
        "note": note,
        "restock": returned,
        "refund_line_items": [{"restock_type": "return" if returned else "no_restock"}],
        "transactions": [
            {
                "amount": str(amount),
                "currency": order.currency,
                "kind": "refund",
                "status": "success",
            }
        ],
    }


def shopify_customer_update(
    person: Person, *, at: datetime, email_marketing: str | None, sms_marketing: str | None
) -> dict[str, Any]:
    payload = _shopify_customer(person)
    payload["updated_at"] = _iso(at)
    payload["locale"] = person.locale
    if email_marketing is not None:
        payload["email_marketing_consent"] = {"state": email_marketing}
    if sms_marketing is not None:
        payload["sms_marketing_consent"] = {"state": sms_marketing}
    return payload


# ---------------------------------------------------------------------- WooCommerce
def _woo_address(person: Person) -> dict[str, Any]:
    return {
        "first_name": person.first_name,
        "city": person.city,
        "state": person.region,
        "postcode": "",
        "country": person.country,
        "email": person.email,
        "phone": person.phone,
    }


def woocommerce_order(
    order: Order, *, status: str, modified_at: datetime, **fields: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": int(order.order_id),
        "number": order.number,
        "status": status,
        "currency": order.currency,
        "total": str(order.total),
        "customer_id": int(order.person.customer_id),
        "date_created_gmt": _gmt(order.created_at),
        "date_modified_gmt": _gmt(modified_at),
        "date_paid_gmt": None,
        "date_completed_gmt": None,
        "billing": _woo_address(order.person),
        "shipping": _woo_address(order.person),
        "line_items": [
            {
                "id": int(order.order_id) * 10 + index,
                "name": line.title,
                "quantity": line.quantity,
                "price": str(line.price),
                "subtotal": str(line.price * line.quantity),
                "meta_data": (
                    [{"key": "product_kind", "value": line.product_kind}]
                    if line.product_kind
                    else []
                ),
            }
            for index, line in enumerate(order.lines)
        ],
        "refunds": [],
        "meta_data": [],
    }
    payload.update(fields)
    return payload


def woo_tracking(carrier: str, number: str, link: str, shipped: datetime) -> dict[str, Any]:
    return {
        "key": "_wc_shipment_tracking_items",
        "value": [
            {
                "tracking_provider": "",
                "custom_tracking_provider": carrier,
                "tracking_number": number,
                "custom_tracking_link": link,
                "date_shipped": str(int(shipped.timestamp())),
            }
        ],
    }


def woocommerce(
    shop_id: str, secret: str, topic: str, payload: dict[str, Any], key: str
) -> Webhook:
    body = _body(payload)
    resource, _, event = topic.partition(".")
    headers = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": woocommerce_site(shop_id),
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign_woocommerce(secret, body),
        "X-WC-Webhook-ID": "7",
        "X-WC-Webhook-Delivery-ID": _delivery_id("woocommerce", shop_id, topic, key),
    }
    return Webhook("woocommerce", shop_id, topic, body, headers)


# ---------------------------------------------------------------------- generic
def generic(
    shop_id: str, secret: str, detail_type: str, detail: dict[str, Any], sent_at: datetime
) -> Webhook:
    body = _body({"detail-type": detail_type, "detail": detail})
    headers = {
        "Content-Type": "application/json",
        "X-Courteous-Signature": sign_generic(secret, body, int(sent_at.timestamp())),
    }
    return Webhook("generic", shop_id, detail_type, body, headers)
