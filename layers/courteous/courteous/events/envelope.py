"""Canonical events on and off the EventBridge bus.

`to_put_events_entry` builds one PutEvents entry; `parse_event` turns an EventBridge
`detail-type` and `detail` back into the model. Consumers that use Powertools Parser
can equally write `event_parser(model=OrderShipped, envelope=EventBridgeEnvelope)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from courteous.errors import PermanentError
from courteous.events.models import EVENT_TYPES, CanonicalEvent

# EventBridge refuses an entry over 256 KB; we keep a margin for the envelope fields.
MAX_DETAIL_BYTES = 250 * 1024


class InvalidEventError(PermanentError):
    """A detail that is not a valid canonical event; `field` names the first bad field."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.field = field
        self.detail = detail


class UnknownDetailTypeError(InvalidEventError):
    def __init__(self, detail_type: str) -> None:
        super().__init__(
            "detail-type",
            f"unknown detail-type {detail_type!r}; known: {', '.join(sorted(EVENT_TYPES))}",
        )
        self.detail_type = detail_type


def first_error(exc: ValidationError) -> InvalidEventError:
    """The first validation error as one line naming the field (dotted path)."""
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return InvalidEventError("", "invalid")
    error = errors[0]
    field = ".".join(str(part) for part in error["loc"])
    return InvalidEventError(field, str(error["msg"]).removeprefix("Value error, "))


def parse_event(detail_type: str, detail: Mapping[str, Any] | str | bytes) -> CanonicalEvent:
    """The canonical event for an EventBridge detail; raises `InvalidEventError`."""
    model = EVENT_TYPES.get(detail_type)
    if model is None:
        raise UnknownDetailTypeError(detail_type)
    try:
        if isinstance(detail, str | bytes):
            return model.model_validate_json(detail)
        return model.model_validate(detail)
    except ValidationError as exc:
        raise first_error(exc) from exc


def to_put_events_entry(event: CanonicalEvent, bus_name: str) -> dict[str, Any]:
    """One `PutEvents` entry for `event` on the bus `bus_name`."""
    if not event.DETAIL_TYPE:
        raise TypeError(f"{type(event).__name__} is not a concrete canonical event")
    detail = event.model_dump_json(exclude_none=False)
    if len(detail.encode()) > MAX_DETAIL_BYTES:
        raise InvalidEventError("", f"event detail over {MAX_DETAIL_BYTES} bytes")
    return {
        "Source": event.SOURCE,
        "DetailType": event.DETAIL_TYPE,
        "Detail": detail,
        "EventBusName": bus_name,
        "Time": event.occurred_at,
    }


def detail_of(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The decoded `Detail` of a PutEvents entry (for tests and tooling)."""
    value: dict[str, Any] = json.loads(entry["Detail"])
    return value
