"""What a webhook request looks like, for the endpoint's OpenAPI document.

Powertools generates the document from the route and the response models; the request
is not a pydantic model (the body must stay raw bytes until its signature is checked),
so its description is written here: the platform enum, the shop id's pattern, every
header a platform sends, and the bodies (an order, refund, fulfillment or customer
resource as Shopify and WooCommerce send them, the generic canonical envelope, and
WooCommerce's form-encoded ping). The description is precise enough for a fuzzer to
produce requests that reach the adapters; which combinations are valid (a Shopify
topic with a Shopify body) is the service's to check, and each refusal is documented.
"""

from __future__ import annotations

import copy
from typing import Any

from courteous.adapters import shopify, woocommerce
from courteous.events.models import EVENT_TYPES, Platform
from courteous.ingest.http import MAX_BODY_BYTES

SHOP_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"

_HEADERS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "X-Shopify-Topic",
        "shopify: the event (unsigned: the body must mean it)",
        {"type": "string", "enum": sorted(shopify.TOPICS)},
    ),
    (
        "X-Shopify-Hmac-Sha256",
        "shopify: base64 HMAC-SHA256 of the raw body with the shop's secret",
        {"type": "string", "maxLength": 2048},
    ),
    (
        "X-Shopify-Webhook-Id",
        "shopify: unique per delivery, the same on its retries",
        {"type": "string", "maxLength": 256},
    ),
    (
        "X-Shopify-Shop-Domain",
        "shopify: must be the shop's configured shopify_domain",
        {"type": "string", "maxLength": 256},
    ),
    (
        "X-Shopify-Triggered-At",
        "shopify: when the event happened (dates orders/paid)",
        {"type": "string", "format": "date-time"},
    ),
    (
        "X-WC-Webhook-Topic",
        "woocommerce: the event, e.g. order.updated",
        {"type": "string", "enum": sorted(woocommerce.TOPICS)},
    ),
    (
        "X-WC-Webhook-Signature",
        "woocommerce: base64 HMAC-SHA256 of the raw body with the shop's secret",
        {"type": "string", "maxLength": 2048},
    ),
    (
        "X-WC-Webhook-Delivery-ID",
        "woocommerce: informative only (the same for deliveries in one second)",
        {"type": "string", "maxLength": 256},
    ),
    (
        "X-WC-Webhook-Source",
        "woocommerce: must be the shop's configured woocommerce_site_url",
        {"type": "string", "maxLength": 2048},
    ),
    (
        "JUDGEME-HMAC-SHA256",
        "judgeme: hex HMAC-SHA256 of the raw body with the shop's private token",
        {"type": "string", "maxLength": 2048},
    ),
    (
        "X-Courteous-Signature",
        "generic: t=<unix seconds>,v1=<hex HMAC-SHA256 of 't.' + body>",
        {"type": "string", "maxLength": 2048},
    ),
]

_MONEY_TEXT = {"type": "string", "pattern": r"^[0-9]{1,9}(\.[0-9]{1,2})?$"}
_CURRENCY = {"type": "string", "enum": ["USD", "EUR", "CNY", "GBP", "HKD"]}
_LINES = {
    "type": "array",
    "maxItems": 20,
    "items": {
        "type": "object",
        "required": ["quantity", "price"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string", "maxLength": 100},
            "name": {"type": "string", "maxLength": 100},
            "quantity": {"type": "integer", "minimum": 0, "maximum": 1000},
            "price": _MONEY_TEXT,
        },
    },
}
_ADDRESS = {
    "type": "object",
    "properties": {
        "first_name": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "city": {"type": ["string", "null"]},
        "country_code": {"type": ["string", "null"]},
        "country": {"type": ["string", "null"]},
        "province_code": {"type": ["string", "null"]},
        "state": {"type": ["string", "null"]},
        "zip": {"type": ["string", "null"]},
        "postcode": {"type": ["string", "null"]},
    },
}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "ShopifyOrder": {
        "type": "object",
        "title": "ShopifyOrder",
        "description": "shopify orders/*: the order as the REST Admin API renders it",
        "required": ["id", "currency", "created_at", "total_price"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string", "maxLength": 64},
            "email": {"type": ["string", "null"], "format": "email"},
            "phone": {"type": ["string", "null"]},
            "currency": _CURRENCY,
            "total_price": _MONEY_TEXT,
            "financial_status": {
                "type": "string",
                "enum": ["pending", "authorized", "paid", "partially_refunded", "refunded"],
            },
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
            "test": {"type": "boolean"},
            "customer": {
                "type": ["object", "null"],
                "properties": {
                    "id": {"type": ["integer", "null"]},
                    "email": {"type": ["string", "null"]},
                    "phone": {"type": ["string", "null"]},
                    "tags": {"type": "string"},
                },
            },
            "shipping_address": _ADDRESS,
            "line_items": _LINES,
            "fulfillments": {"type": "array", "maxItems": 3, "items": {"type": "object"}},
        },
    },
    "WooCommerceOrder": {
        "type": "object",
        "title": "WooCommerceOrder",
        "description": "woocommerce order.*: the order as the REST API v3 renders it",
        "required": ["id", "status", "currency", "total", "date_created_gmt"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "number": {"type": "string", "maxLength": 64},
            "status": {
                "type": "string",
                "enum": ["pending", "processing", "on-hold", "completed", "cancelled"],
            },
            "currency": _CURRENCY,
            "total": _MONEY_TEXT,
            "customer_id": {"type": "integer", "minimum": 0},
            "date_created_gmt": {
                "type": "string",
                "pattern": r"^20[0-9]{2}-0[1-9]-[0-2][1-9]T[01][0-9]:[0-5][0-9]:[0-5][0-9]$",
            },
            "date_paid_gmt": {"type": ["string", "null"]},
            "billing": _ADDRESS,
            "shipping": _ADDRESS,
            "line_items": _LINES,
            "refunds": {"type": "array", "maxItems": 3, "items": {"type": "object"}},
        },
    },
    "PlatformResource": {
        "type": "object",
        "title": "PlatformResource",
        "description": (
            "Another resource a topic delivers: a refund, a fulfillment or fulfillment "
            "event, a customer (unknown fields are ignored)."
        ),
        "required": ["id"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "order_id": {"type": "integer", "minimum": 1},
            "fulfillment_id": {"type": "integer", "minimum": 1},
            "status": {"type": "string"},
            "shipment_status": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "email": {"type": ["string", "null"]},
            "tracking_number": {"type": ["string", "null"]},
            "tracking_numbers": {"type": "array", "items": {"type": ["string", "null"]}},
            "transactions": {"type": "array", "maxItems": 3, "items": {"type": "object"}},
            "refund_line_items": {"type": "array", "maxItems": 3, "items": {"type": "object"}},
        },
    },
    "CanonicalEnvelope": {
        "type": "object",
        "title": "CanonicalEnvelope",
        "description": (
            "generic: one canonical event, its detail as published in "
            "courteous/events/schemas/ (detail.shop_id must be the shop of the URL)"
        ),
        "required": ["detail-type", "detail"],
        "additionalProperties": False,
        "properties": {
            "detail-type": {"type": "string", "enum": sorted(EVENT_TYPES)},
            "detail": {"type": "object"},
        },
    },
    "WooCommercePing": {
        "type": "object",
        "title": "WooCommercePing",
        "description": "woocommerce: the unsigned ping sent when a webhook is saved",
        "required": ["webhook_id"],
        "properties": {"webhook_id": {"type": "integer", "minimum": 1}},
    },
    "RouteNotFound": {
        "type": "object",
        "title": "RouteNotFound",
        "description": "the API's own answer for a path that is no webhook route",
        "required": ["message"],
        "properties": {"message": {"type": "string"}, "statusCode": {"type": "integer"}},
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def describe_request(document: dict[str, Any], path: str) -> dict[str, Any]:
    """`document` with the webhook operation's request described (a new dict)."""
    described = copy.deepcopy(document)
    operation = described["paths"][path]["post"]
    for parameter in operation["parameters"]:
        if parameter["name"] == "platform":
            parameter["schema"] = {
                "type": "string",
                "title": "Platform",
                "enum": [platform.value for platform in Platform],
            }
        elif parameter["name"] == "shop_id":
            parameter["schema"] = {"type": "string", "title": "Shop Id", "pattern": SHOP_ID_PATTERN}
    operation["parameters"].extend(
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": description,
            "schema": schema,
        }
        for name, description, schema in _HEADERS
    )
    operation["requestBody"] = {
        "required": True,
        "description": (
            f"The platform's JSON body, exactly as signed, at most {MAX_BODY_BYTES} bytes."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        _ref("ShopifyOrder"),
                        _ref("WooCommerceOrder"),
                        _ref("PlatformResource"),
                        _ref("CanonicalEnvelope"),
                    ]
                }
            },
            "application/x-www-form-urlencoded": {"schema": _ref("WooCommercePing")},
        },
    }
    not_found = operation["responses"]["404"]["content"]["application/json"]
    not_found["schema"] = {"anyOf": [not_found["schema"], _ref("RouteNotFound")]}
    operation["responses"]["503"]["headers"] = {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}
    }
    described["components"]["schemas"].update(copy.deepcopy(_SCHEMAS))
    return described
