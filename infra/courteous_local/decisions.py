"""Read back what the gate decided in a local run, for timelines, reports and `serve`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from boto3.dynamodb.types import TypeDeserializer

from courteous.gate.store import AUDIT_PREFIX
from courteous.recipients.zones import zones_label

_DESERIALIZER = TypeDeserializer()


@dataclass(frozen=True)
class DecisionRow:
    recipient_key: str
    request_id: str
    shop_id: str
    kind: str
    channel: str
    message_class: str
    order_id: str | None
    action: str
    reason: str
    detail: str
    at: datetime
    zones: tuple[str, ...]
    zone_source: str
    policy_version: str
    not_before: datetime | None

    @property
    def zone(self) -> str:
        return zones_label(self.zones)

    @property
    def local_time(self) -> datetime:
        return self.at.astimezone(ZoneInfo(self.zones[0])) if self.zones else self.at

    def as_json(self, recipient: str | None = None) -> dict[str, Any]:
        return {
            "recipient": recipient,
            "shop_id": self.shop_id,
            "kind": self.kind,
            "channel": self.channel,
            "message_class": self.message_class,
            "order_id": self.order_id,
            "action": self.action,
            "reason": self.reason,
            "detail": self.detail,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "local_time": self.local_time.isoformat(),
            "zone": self.zone,
            "zone_source": self.zone_source,
            "policy_version": self.policy_version,
            "not_before": self.not_before.isoformat().replace("+00:00", "Z")
            if self.not_before
            else None,
            "request_id": self.request_id,
        }


def _row(item: dict[str, Any]) -> DecisionRow:
    plain = {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}
    return DecisionRow(
        recipient_key=plain["pk"],
        request_id=plain["request_id"],
        shop_id=plain["shop_id"],
        kind=plain["kind"],
        channel=plain["channel"],
        message_class=plain["message_class"],
        order_id=plain.get("order_id"),
        action=plain["action"],
        reason=plain["reason"],
        detail=plain.get("detail") or "",
        at=datetime.fromisoformat(plain["decided_at"]),
        zones=tuple(plain.get("zones") or ()),
        zone_source=plain.get("zone_source", ""),
        policy_version=plain.get("policy_version", ""),
        not_before=datetime.fromisoformat(plain["not_before"]) if plain.get("not_before") else None,
    )


def read_decisions(dynamodb: Any, table: str) -> list[DecisionRow]:
    """Every audit record in the gate table, in decision order."""
    rows: list[DecisionRow] = []
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(
        TableName=table,
        FilterExpression="begins_with(sk, :audit)",
        ExpressionAttributeValues={":audit": {"S": AUDIT_PREFIX}},
    ):
        rows.extend(_row(item) for item in page.get("Items", []))
    rows.sort(key=lambda row: (row.at, row.request_id))
    return rows
