"""Generic signed JSON: a shop's own system posts canonical events directly.

The body is one canonical event in the EventBridge manner:

    {"detail-type": "OrderShipped", "detail": {"event_id": "...", "shop_id": "...", ...}}

`detail` must validate as that detail-type's model (see `courteous/events/schemas/`),
and its `shop_id` must be the shop of the URL: a shop's secret signs only its own
events. `platform` defaults to `generic`.
"""

from __future__ import annotations

from typing import Any

from courteous.adapters.common import AdapterError, AdapterResult, Mapped
from courteous.events.envelope import InvalidEventError, parse_event
from courteous.events.models import EVENT_TYPES, Platform


def adapt(payload: Any, shop_id: str) -> AdapterResult:
    if not isinstance(payload, dict):
        raise AdapterError("", f"expected a JSON object, got {type(payload).__name__}")
    detail_type = payload.get("detail-type")
    if not isinstance(detail_type, str):
        raise AdapterError("detail-type", "missing (one of " + ", ".join(sorted(EVENT_TYPES)) + ")")
    detail = payload.get("detail")
    if not isinstance(detail, dict):
        raise AdapterError("detail", "missing or not a JSON object")
    unexpected = sorted(set(payload) - {"detail-type", "detail"})
    if unexpected:
        raise AdapterError(unexpected[0], "unexpected field (only detail-type and detail)")
    if detail.get("shop_id") != shop_id:
        raise AdapterError("detail.shop_id", "must be the shop of the URL")
    detail = {"platform": Platform.GENERIC.value, **detail}
    try:
        event = parse_event(detail_type, detail)
    except InvalidEventError as exc:
        field = "detail-type" if exc.field == "detail-type" else f"detail.{exc.field}"
        raise AdapterError(field.rstrip("."), exc.detail) from exc
    return Mapped((event,))


def event_id_of(payload: Any) -> str | None:
    """The delivery's dedupe key: the canonical event id it carries."""
    if isinstance(payload, dict):
        detail = payload.get("detail")
        if isinstance(detail, dict) and isinstance(detail.get("event_id"), str):
            event_id: str = detail["event_id"]
            return event_id
    return None
