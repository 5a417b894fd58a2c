"""Platform adapters: each platform's webhook payloads to canonical events.

Nothing past this package knows a platform's format. `adapt` is the one entry point;
`signatures` verifies deliveries before anything here reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from courteous.adapters import generic, judgeme, shopify, woocommerce
from courteous.adapters.common import (
    AdapterError,
    AdapterResult,
    Ignored,
    Mapped,
    validation_to_adapter_error,
)
from courteous.events.models import Platform

__all__ = [
    "AdapterError",
    "AdapterResult",
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


def delivery_id_of(platform: Platform, headers: Mapping[str, str], payload: Any) -> str | None:
    """The platform's id of this delivery, the same on each retry of it."""
    if platform is Platform.GENERIC:
        return generic.event_id_of(payload)
    if platform is Platform.JUDGEME:
        return judgeme.delivery_id_of(payload)
    value = (headers.get(_DELIVERY_HEADERS[platform]) or "").strip()
    return value or None


def adapt(
    platform: Platform, topic: str, payload: Any, shop_id: str, received_at: datetime
) -> AdapterResult:
    """Canonical events for one verified delivery; `AdapterError` names a bad field."""
    try:
        if platform is Platform.SHOPIFY:
            return shopify.adapt(topic, payload, shop_id, received_at)
        if platform is Platform.WOOCOMMERCE:
            return woocommerce.adapt(topic, payload, shop_id, received_at)
        if platform is Platform.JUDGEME:
            return judgeme.adapt(payload, shop_id)
        return generic.adapt(payload, shop_id)
    except ValidationError as exc:
        # A mapped value the canonical model refuses (e.g. an impossible currency).
        raise validation_to_adapter_error(exc) from exc
