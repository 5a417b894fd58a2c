"""The gate's decision audit, read back: one recipient's decisions, or a shop's by time.

Every audit record (sk `AUDIT#...` in the gate table) carries `shop_id` and
`decided_at` (UTC, ISO 8601). The sparse `ByShopDecision` index on those two attributes
answers "what did the gate decide for this shop between two instants" with one Query,
without touching the write path: only audit records have both attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

from courteous.errors import RetryableError
from courteous.recipients.zones import zones_label

SHOP_INDEX = "ByShopDecision"
AUDIT_PREFIX = "AUDIT#"

_deserializer = TypeDeserializer()


class AuditReadError(RetryableError):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class AuditEntry:
    """One decision as recorded: what, for whom (by key only), why, where and when."""

    recipient_key: str
    request_id: str
    shop_id: str
    kind: str
    channel: str | None
    message_class: str
    order_id: str | None
    action: str
    reason: str
    detail: str
    decided_at: datetime
    zones: tuple[str, ...]
    zone_source: str | None
    policy_version: str
    not_before: datetime | None = None
    deferrals: int = 0
    channel_detail: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> AuditEntry:
        plain = {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}
        return cls(
            recipient_key=str(plain["pk"]),
            request_id=str(plain.get("request_id", "")),
            shop_id=str(plain.get("shop_id", "")),
            kind=str(plain.get("kind", "")),
            channel=plain.get("channel"),
            message_class=str(plain.get("message_class", "")),
            order_id=plain.get("order_id"),
            action=str(plain.get("action", "")),
            reason=str(plain.get("reason", "")),
            detail=str(plain.get("detail") or ""),
            decided_at=_instant(str(plain["decided_at"])),
            zones=tuple(plain.get("zones") or ()),
            zone_source=plain.get("zone_source"),
            policy_version=str(plain.get("policy_version", "")),
            not_before=_instant(plain["not_before"]) if plain.get("not_before") else None,
            deferrals=int(plain.get("deferrals") or 0),
            channel_detail=plain.get("channel_detail"),
        )

    @property
    def zone_label(self) -> str:
        return zones_label(self.zones)

    def local_times(self) -> list[tuple[str, datetime]]:
        """The decision's instant in each of the recipient's zones."""
        return [(zone, self.decided_at.astimezone(ZoneInfo(zone))) for zone in self.zones]

    def as_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "shop_id": self.shop_id,
            "kind": self.kind,
            "channel": self.channel,
            "message_class": self.message_class,
            "order_id": self.order_id,
            "action": self.action,
            "reason": self.reason,
            "detail": self.detail,
            "decided_at": self.decided_at.isoformat(),
            "zones": list(self.zones),
            "zone": self.zone_label,
            "zone_source": self.zone_source,
            "local_times": {zone: local.isoformat() for zone, local in self.local_times()},
            "policy_version": self.policy_version,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "deferrals": self.deferrals,
            "channel_detail": self.channel_detail,
        }


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


class AuditTrail:
    """Reads the audit records of the gate table. Takes its boto3 DynamoDB client."""

    def __init__(self, client: Any, table_name: str, index_name: str = SHOP_INDEX) -> None:
        self._client = client
        self._table = table_name
        self._index = index_name

    def _pages(self, **query: Any) -> Iterator[dict[str, Any]]:
        request = {"TableName": self._table, **query}
        while True:
            try:
                page = self._client.query(**request)
            except (ClientError, BotoCoreError) as exc:
                raise AuditReadError(f"cannot read the audit trail of {self._table}") from exc
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def between(self, shop_id: str, start: datetime, end: datetime) -> list[AuditEntry]:
        """The shop's decisions in [start, end), in decision order."""
        items = self._pages(
            IndexName=self._index,
            KeyConditionExpression="shop_id = :shop AND decided_at BETWEEN :start AND :end",
            ExpressionAttributeValues={
                ":shop": {"S": shop_id},
                ":start": {"S": _stamp(start)},
                ":end": {"S": _stamp(end)},
            },
        )
        entries = [AuditEntry.from_item(item) for item in items]
        kept = [entry for entry in entries if start <= entry.decided_at < end]
        return sorted(kept, key=lambda entry: (entry.decided_at, entry.request_id))

    def of_recipient(self, recipient_key: str, limit: int = 100) -> list[AuditEntry]:
        """One recipient's most recent `limit` decisions, oldest first."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        try:
            page = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :audit)",
                ExpressionAttributeValues={
                    ":pk": {"S": recipient_key},
                    ":audit": {"S": AUDIT_PREFIX},
                },
                ScanIndexForward=False,
                Limit=limit,
            )
        except (ClientError, BotoCoreError) as exc:
            raise AuditReadError(f"cannot read the audit trail of {self._table}") from exc
        entries = [AuditEntry.from_item(item) for item in page.get("Items", [])]
        return sorted(entries, key=lambda entry: (entry.decided_at, entry.request_id))
