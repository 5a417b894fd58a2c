"""Platform adapters: each platform's webhook payloads to canonical events.

Nothing past this package knows a platform's format. `adapt` is the one entry point;
`signatures` verifies deliveries before anything here reads them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from courteous.adapters import generic, judgeme, shopify, woocommerce
from courteous.adapters.common import (
    AdapterError,
    AdapterResult,
    Dropped,
    Ignored,
    Mapped,
    collecting_drops,
    validation_to_adapter_error,
)
from courteous.events.models import Platform

__all__ = [
    "AdapterError",
    "AdapterResult",
    "Dropped",
    "Ignored",
    "Mapped",
    "adapt",
    "delivery_id_of",
    "topic_of",
]

_TOPIC_HEADERS = {
    Platform.SHOPIFY: shopify.TOPIC_HEADER,
    Platform.WOOCOMMERCE: woocommerce.TOPIC_HEADER,
}
_DELIVERY_HEADERS = {
    Platform.SHOPIFY: shopify.DELIVERY_HEADER,
    Platform.WOOCOMMERCE: woocommerce.DELIVERY_HEADER,
}


def topic_of(platform: Platform, headers: Mapping[str, str]) -> str:
    """The delivery's topic (generic deliveries name theirs in the body)."""
    if platform is Platform.GENERIC:
        return "canonical"
    if platform is Platform.JUDGEME:
        return judgeme.TOPIC  # the event is named in the body
    header = _TOPIC_HEADERS[platform]
    topic = (headers.get(header) or "").strip()
    if not topic:
        raise AdapterError(header, "missing header")
    return topic


def delivery_id_of(
    platform: Platform, headers: Mapping[str, str], payload: Any, raw: bytes
) -> str | None:
    """What makes this delivery the same as an earlier one (then it emits nothing).

    Shopify's `X-Shopify-Webhook-Id` is unique per delivery and reused by its retries.
    WooCommerce's `X-WC-Webhook-Delivery-ID` is not: it is `wp_hash(webhook id . time())`
    (`WC_Webhook::get_new_delivery_id`), the same for every delivery of one webhook in
    the same second, so a bulk status change would look like one delivery. WooCommerce
    is deduped on its content instead: the topic and the SHA-256 of the exact body (a
    redelivery of the same resource state is the same bytes). Generic deliveries carry
    their canonical event id."""
    if platform is Platform.GENERIC:
        return generic.event_id_of(payload)
    if platform is Platform.JUDGEME:
        return judgeme.delivery_id_of(payload)
    if platform is Platform.WOOCOMMERCE:
        topic = (headers.get(woocommerce.TOPIC_HEADER) or "").strip()
        return f"{topic}:{hashlib.sha256(raw).hexdigest()}"
    value = (headers.get(_DELIVERY_HEADERS[platform]) or "").strip()
    return value or None


def adapt(
    platform: Platform,
    topic: str,
    payload: Any,
    shop_id: str,
    received_at: datetime,
    *,
    triggered_at: datetime | None = None,
) -> AdapterResult:
    """Canonical events for one verified delivery, with the fields it had to leave out;
    `AdapterError` names the field that makes the event meaningless.

    `triggered_at` is when the platform says the event happened (Shopify's
    `X-Shopify-Triggered-At`), if it said."""
    with collecting_drops() as dropped:
        try:
            if platform is Platform.SHOPIFY:
                result = shopify.adapt(topic, payload, shop_id, received_at, triggered_at)
            elif platform is Platform.WOOCOMMERCE:
                result = woocommerce.adapt(topic, payload, shop_id, received_at)
            elif platform is Platform.JUDGEME:
                result = judgeme.adapt(payload, shop_id)
            else:
                result = generic.adapt(payload, shop_id)
        except ValidationError as exc:
            # A mapped value the canonical model refuses (e.g. an impossible currency).
            raise validation_to_adapter_error(exc) from exc
        return dataclasses.replace(result, dropped=(*result.dropped, *dropped))
