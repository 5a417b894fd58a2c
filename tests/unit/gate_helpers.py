"""Builders shared by the gate's unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from courteous.messages import MessageRequest, Recipient

T0 = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)  # a Wednesday; 12:00 in Shanghai


def request(kind: str = "payment_reminder", **overrides: Any) -> MessageRequest:
    recipient = overrides.pop("recipient", None) or Recipient(
        shop_id="shop-1",
        phone=overrides.pop("phone", "+8613800138000"),
        zone=overrides.pop("zone", None),
        country=overrides.pop("country", None),
        region=overrides.pop("region", None),
        consent=overrides.pop("consent", {}),
    )
    fields: dict[str, Any] = {
        "kind": kind,
        "channel": "sms",
        "recipient": recipient,
        "created_at": T0,
        "order_id": "1001",
    }
    fields.update(overrides)
    return MessageRequest(**fields)
