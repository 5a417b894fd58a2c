"""The gate's DynamoDB table: ledger, decision audit and delivery log per recipient.

Item layout (pk = `R#<shop>#<contact hash>`):
- `LEDGER`: the `LedgerState` with an optimistic `version`.
- `AUDIT#<decided_at>#<request_id>`: one decision, kept `audit_retention`.
- `DELIVERY#<request_id>`: the channel's receipt for a sent message.
A SEND commits the new ledger and its audit record in one transaction whose ledger put
is conditional on the version read; a lost race raises `LostRace`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.gate.decide import Decision
from courteous.gate.ledger_state import LedgerState, SentEntry
from courteous.messages import Channel, MessageClass, MessageRequest

LEDGER_SK = "LEDGER"
AUDIT_PREFIX = "AUDIT#"
DELIVERY_PREFIX = "DELIVERY#"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class LostRace(Exception):
    """Another dispatcher changed the ledger between our read and our write."""


class _ConditionFailed(Exception):
    pass


class GateStoreError(RetryableError):
    pass


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def _instant(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


@dataclass(frozen=True)
class AuditRecord:
    recipient_key: str
    request: MessageRequest
    decision: Decision

    @property
    def sort_key(self) -> str:
        return (
            f"{AUDIT_PREFIX}{self.decision.decided_at.astimezone(UTC).isoformat()}#"
            f"{self.request.request_id}"
        )


@dataclass(frozen=True)
class Delivery:
    request_id: str
    channel: Channel
    provider_message_id: str
    sent_at: datetime


class GateStore:
    def __init__(
        self, client: Any, table_name: str, audit_retention: timedelta = timedelta(days=400)
    ) -> None:
        self._client = client
        self._table = table_name
        self._audit_retention = audit_retention

    # ------------------------------------------------------------------ ledger
    def load(self, recipient_key: str) -> LedgerState:
        try:
            response = self._client.get_item(
                TableName=self._table,
                Key=self._key(recipient_key, LEDGER_SK),
                ConsistentRead=True,
            )
        except ClientError as exc:
            raise GateStoreError("cannot read the ledger") from exc
        item = response.get("Item")
        return _ledger_from_item(_plain(item)) if item else LedgerState()

    def commit_send(
        self,
        recipient_key: str,
        read: LedgerState,
        new: LedgerState,
        audit: AuditRecord,
        ttl: datetime | None,
    ) -> None:
        item = _ledger_to_item(new, version=read.version + 1)
        item.update(pk=recipient_key, sk=LEDGER_SK)
        if ttl is not None:
            item["expires_at"] = _epoch(ttl)
        put: dict[str, Any] = {"TableName": self._table, "Item": _serialize(item)}
        if read.version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :read"
            put["ExpressionAttributeValues"] = {":read": {"N": str(read.version)}}
        try:
            self._client.transact_write_items(
                TransactItems=[{"Put": put}, {"Put": self._audit_put(audit)}]
            )
        except ClientError as exc:
            if _lost_race(exc):
                raise LostRace from exc
            raise GateStoreError("cannot commit the ledger") from exc

    def set_opt_out(self, recipient_key: str, channel: Channel, opted_out: bool) -> None:
        """Record the recipient's STOP (or its withdrawal); bumps the version at once."""
        # One ADD clause may name several attributes; a second ADD keyword is an error.
        expression = (
            "ADD opted_out :channel, version :one REMOVE expires_at"
            if opted_out
            else "DELETE opted_out :channel ADD version :one REMOVE expires_at"
        )
        self._update_word(
            recipient_key,
            expression,
            {":channel": {"SS": [channel.value]}, ":one": {"N": "1"}},
        )

    def set_consent(self, recipient_key: str, consent: dict[MessageClass, bool]) -> None:
        """Replace the recipient's consent per class; bumps the version at once."""
        self._update_word(
            recipient_key,
            "SET consent = :consent ADD version :one REMOVE expires_at",
            {
                ":consent": {"M": {c.value: {"BOOL": v} for c, v in consent.items()}},
                ":one": {"N": "1"},
            },
        )

    def merge_consent(self, recipient_key: str, consent: dict[MessageClass, bool]) -> None:
        """Set the recipient's word for these classes, keeping the others; atomic.

        One update either way, no read: into the existing consent map when there is one,
        else a new map (each conditioned so that two writers cannot lose a word).
        """
        if not consent:
            return
        names = {f"#c{i}": c.value for i, c in enumerate(consent)}
        values: dict[str, Any] = {
            f":v{i}": {"BOOL": given} for i, given in enumerate(consent.values())
        }
        values[":one"] = {"N": "1"}
        into_existing = ", ".join(f"consent.#c{i} = :v{i}" for i in range(len(consent)))
        for _ in range(5):
            try:
                self._update_word(
                    recipient_key,
                    f"SET {into_existing} ADD version :one REMOVE expires_at",
                    values,
                    names,
                    condition="attribute_exists(consent)",
                )
                return
            except _ConditionFailed:
                pass
            try:
                self._update_word(
                    recipient_key,
                    "SET consent = :consent ADD version :one REMOVE expires_at",
                    {
                        ":consent": {"M": {c.value: {"BOOL": v} for c, v in consent.items()}},
                        ":one": {"N": "1"},
                    },
                    condition="attribute_not_exists(consent)",
                )
                return
            except _ConditionFailed:
                continue
        raise GateStoreError("the recipient's consent kept changing; retry")

    def _update_word(
        self,
        recipient_key: str,
        expression: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
        condition: str | None = None,
    ) -> None:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(recipient_key, LEDGER_SK),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        if condition:
            request["ConditionExpression"] = condition
        try:
            self._client.update_item(**request)
        except ClientError as exc:
            if condition and exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise _ConditionFailed from exc
            raise GateStoreError("cannot update the recipient's word on contact") from exc

    # ------------------------------------------------------------------ audit
    def record(self, audit: AuditRecord) -> None:
        try:
            self._client.put_item(**self._audit_put(audit))
        except ClientError as exc:
            raise GateStoreError("cannot write the audit record") from exc

    def history(self, recipient_key: str, limit: int = 100) -> list[dict[str, Any]]:
        """The recipient's decisions, newest first."""
        try:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :audit)",
                ExpressionAttributeValues={
                    ":pk": {"S": recipient_key},
                    ":audit": {"S": AUDIT_PREFIX},
                },
                ScanIndexForward=False,
                Limit=limit,
            )
        except ClientError as exc:
            raise GateStoreError("cannot read the audit trail") from exc
        return [_plain(item) for item in response.get("Items", [])]

    def _audit_put(self, audit: AuditRecord) -> dict[str, Any]:
        decision, request = audit.decision, audit.request
        item: dict[str, Any] = {
            "pk": audit.recipient_key,
            "sk": audit.sort_key,
            "request_id": request.request_id,
            "shop_id": request.recipient.shop_id,
            "kind": request.kind.value,
            "channel": request.channel.value,
            "message_class": decision.message_class.value,
            "order_id": request.order_id,
            "action": decision.action.value,
            "reason": decision.reason.value,
            "detail": decision.detail,
            "zones": list(decision.zones),
            "zone_source": decision.zone_source.value,
            "policy_version": decision.policy_version,
            "decided_at": decision.decided_at.astimezone(UTC).isoformat(),
            "not_before": decision.not_before.astimezone(UTC).isoformat()
            if decision.not_before
            else None,
            "deferrals": request.deferrals,
            "expires_at": _epoch(decision.decided_at + self._audit_retention),
        }
        return {
            "TableName": self._table,
            "Item": _serialize({k: v for k, v in item.items() if v is not None}),
        }

    # ------------------------------------------------------------------ deliveries
    def record_delivery(self, recipient_key: str, delivery: Delivery) -> None:
        item = {
            "pk": recipient_key,
            "sk": f"{DELIVERY_PREFIX}{delivery.request_id}",
            "channel": delivery.channel.value,
            "provider_message_id": delivery.provider_message_id,
            "sent_at": delivery.sent_at.astimezone(UTC).isoformat(),
            "expires_at": _epoch(delivery.sent_at + self._audit_retention),
        }
        try:
            self._client.put_item(TableName=self._table, Item=_serialize(item))
        except ClientError as exc:
            raise GateStoreError("cannot write the delivery log") from exc

    def delivery(self, recipient_key: str, request_id: str) -> Delivery | None:
        try:
            response = self._client.get_item(
                TableName=self._table,
                Key=self._key(recipient_key, f"{DELIVERY_PREFIX}{request_id}"),
                ConsistentRead=True,
            )
        except ClientError as exc:
            raise GateStoreError("cannot read the delivery log") from exc
        item = response.get("Item")
        if not item:
            return None
        plain = _plain(item)
        return Delivery(
            request_id=request_id,
            channel=Channel(plain["channel"]),
            provider_message_id=plain["provider_message_id"],
            sent_at=datetime.fromisoformat(plain["sent_at"]),
        )

    @staticmethod
    def _key(pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}


def _lost_race(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    if error.get("Code") == "ConditionalCheckFailedException":
        return True
    if error.get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons) or (
        "ConditionalCheckFailed" in str(error.get("Message", "")) and not reasons
    )


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _attribute(value) for key, value in item.items()}


def _attribute(value: Any) -> dict[str, Any]:
    """A DynamoDB attribute value for the plain types the gate writes (hot path)."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, dict):
        return {"M": {str(k): _attribute(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [_attribute(v) for v in value]}
    return dict(_serializer.serialize(value))


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _unwrap(_deserializer.deserialize(value)) for key, value in item.items()}


def _unwrap(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_unwrap(v) for v in value}
    return value


def _ledger_to_item(state: LedgerState, version: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "version": version,
        "sends": [
            {"r": s.request_id, "t": _epoch(s.at), "k": s.kind.value, "c": s.message_class.value}
            for s in state.sends
        ],
        "dedupe": {key: _epoch(until) for key, until in state.dedupe.items()},
    }
    if state.opted_out:
        item["opted_out"] = {channel.value for channel in state.opted_out}
    if state.consent:
        item["consent"] = {c.value: granted for c, granted in state.consent.items()}
    return item


def _ledger_from_item(item: dict[str, Any]) -> LedgerState:
    return LedgerState(
        version=int(item.get("version", 0)),
        sends=tuple(
            SentEntry(request_id=s["r"], at=_instant(s["t"]), kind=s["k"], message_class=s["c"])
            for s in item.get("sends", [])
        ),
        dedupe={key: _instant(until) for key, until in item.get("dedupe", {}).items()},
        opted_out=frozenset(Channel(c) for c in item.get("opted_out", set())),
        consent={MessageClass(c): bool(v) for c, v in item.get("consent", {}).items()},
    )
