"""The gate's DynamoDB table: ledger, decision audit and delivery log per recipient.

Partition keys (see `recipients.identity`): `R#<shop>#<contact hash>` (one contact at
one shop), `R#<shop>#c<customer hash>` (the shop's customer), `K#<contact hash>` (one
contact at every shop), `SHOP#<shop>` (the shop's own counters). Sort keys:
- `LEDGER`: the `LedgerState` with an optimistic `version`.
- `AUDIT#<decided_at>#<request_id>`: one decision, kept `audit_retention`.
- `DELIVERY#<request_id>`: the channel's receipt for a sent message, and its status.
- `SMS_SPEND#<YYYY-MM>` (under `SHOP#`): what the shop's texts cost that month.
- `LINK#<id>` (under the recipient): an unsubscribe link already used.

Every ledger item of a request is read with one BatchGetItem. A SEND commits the new
state of each of the person's ledger items, a check that the chosen contact's
every-shop item is unchanged, and the audit record in one transaction, each ledger
write conditional on the version read; a lost race raises `LostRace`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.gate.decide import Decision
from courteous.gate.ledger_state import (
    LedgerKeys,
    LedgerState,
    RecipientLedgers,
    SentEntry,
    Undeliverable,
    UndeliverableReason,
)
from courteous.messages import Channel, MessageClass, MessageRequest

LEDGER_SK = "LEDGER"
AUDIT_PREFIX = "AUDIT#"
DELIVERY_PREFIX = "DELIVERY#"
USED_LINK_PREFIX = "LINK#"
SPEND_PREFIX = "SMS_SPEND#"
_BATCH_ATTEMPTS = 8

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


def _millis(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


@dataclass(frozen=True)
class AuditRecord:
    recipient_key: str
    request: MessageRequest
    decision: Decision
    channel: Channel | None = None
    channel_detail: str | None = None
    follow_up: str | None = None  # a later record about the same request ("channel")

    @property
    def sort_key(self) -> str:
        key = (
            f"{AUDIT_PREFIX}{self.decision.decided_at.astimezone(UTC).isoformat()}#"
            f"{self.request.request_id}"
        )
        # In the same second as the decision it follows, and sorting after it.
        return f"{key}#{self.follow_up}" if self.follow_up else key


@dataclass(frozen=True)
class Delivery:
    request_id: str
    channel: Channel
    provider_message_id: str
    sent_at: datetime
    status: str | None = None
    status_detail: str | None = None


@dataclass(frozen=True)
class ChannelOutcome:
    recipient_key: str
    request_id: str
    shop_id: str
    kind: str
    message_class: str
    channel: Channel
    action: str
    reason: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class DeliveryStatus:
    """What the channel reported later about a sent message."""

    status: str
    at: datetime
    detail: str = ""
    final: bool = True
    price: Decimal | None = None


@dataclass(frozen=True)
class StatusUpdate:
    applied: bool
    priced_first: bool


def spend_key(shop_id: str) -> str:
    return f"SHOP#{shop_id}"


def spend_month(at: datetime) -> str:
    return f"{SPEND_PREFIX}{at.astimezone(UTC):%Y-%m}"


@dataclass(frozen=True)
class GateRead:
    """One BatchGetItem: the person's ledger items and, when asked, the shop's SMS spend."""

    ledgers: RecipientLedgers
    sms_spent: Decimal | None = None


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

    def load_all(self, keys: LedgerKeys, spend: tuple[str, datetime] | None = None) -> GateRead:
        """Every ledger item of `keys` (and the shop's SMS spend for the month of `spend`)
        in one consistent BatchGetItem; keys DynamoDB leaves unprocessed are asked again."""
        wanted = [self._key(pk, LEDGER_SK) for pk in keys.all]
        if spend is not None:
            wanted.append(self._key(spend_key(spend[0]), spend_month(spend[1])))
        found: dict[tuple[str, str], dict[str, Any]] = {}
        pending = wanted
        for attempt in range(_BATCH_ATTEMPTS):
            try:
                response = self._client.batch_get_item(
                    RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}}
                )
            except ClientError as exc:
                raise GateStoreError("cannot read the ledger") from exc
            for item in response.get("Responses", {}).get(self._table, []):
                found[(item["pk"]["S"], item["sk"]["S"])] = item
            pending = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
            if not pending:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))
        else:
            raise GateStoreError("the ledger read kept coming back unprocessed")
        items = {
            pk: _ledger_from_item(_plain(found[(pk, LEDGER_SK)]))
            for pk in keys.all
            if (pk, LEDGER_SK) in found
        }
        spent = None
        if spend is not None:
            counter = found.get((spend_key(spend[0]), spend_month(spend[1])))
            spent = Decimal(counter["usd"]["N"]) if counter and "usd" in counter else Decimal(0)
        return GateRead(ledgers=RecipientLedgers(keys=keys, items=items), sms_spent=spent)

    def commit_send(
        self,
        recipient_key: str,
        read: LedgerState,
        new: LedgerState,
        audit: AuditRecord,
        ttl: datetime | None,
    ) -> None:
        """One ledger item: the new state, conditional on the version read."""
        self.commit_sends({recipient_key: (read, new, ttl)}, audit)

    def commit_sends(
        self,
        writes: Mapping[str, tuple[LedgerState, LedgerState, datetime | None]],
        audit: AuditRecord,
        unchanged: Mapping[str, LedgerState] | None = None,
    ) -> None:
        """The new state of each ledger item (pk -> read, new, TTL) and the audit record,
        in one transaction; every item of `unchanged` must still be as read."""
        transact: list[dict[str, Any]] = []
        for pk, (read, new, ttl) in writes.items():
            item = _ledger_to_item(new, version=read.version + 1)
            item.update(pk=pk, sk=LEDGER_SK)
            if ttl is not None:
                item["expires_at"] = _epoch(ttl)
            put: dict[str, Any] = {"TableName": self._table, "Item": _serialize(item)}
            put.update(_as_read(read))
            transact.append({"Put": put})
        for pk, read in (unchanged or {}).items():
            check = {"TableName": self._table, "Key": self._key(pk, LEDGER_SK), **_as_read(read)}
            transact.append({"ConditionCheck": check})
        transact.append({"Put": self._audit_put(audit)})
        try:
            self._client.transact_write_items(TransactItems=transact)
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

    def set_undeliverable(self, recipient_key: str, mark: Undeliverable | None) -> None:
        """Record that the channel cannot reach this contact (None: it can again)."""
        if mark is None:
            self._update_word(
                recipient_key, "REMOVE undeliverable ADD version :one", {":one": {"N": "1"}}
            )
            return
        value: dict[str, Any] = {
            "reason": mark.reason.value,
            "detail": mark.detail,
            "at": _epoch(mark.at),
        }
        if mark.until is not None:
            value["until"] = _epoch(mark.until)
        self._update_word(
            recipient_key,
            "SET undeliverable = :mark ADD version :one REMOVE expires_at",
            {":mark": _attribute(value), ":one": {"N": "1"}},
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

    def merge_consent(
        self, recipient_key: str, consent: dict[MessageClass, bool], reason: str | None = None
    ) -> None:
        """Set the recipient's word for these classes, keeping the others; atomic.

        One update, no read: into the existing consent map when there is one, else a new
        map (each conditioned so that two writers cannot lose a word). A word given with
        a `reason` (a complaint) keeps it beside; one given without clears it.
        """
        if not consent:
            return
        for _ in range(5):
            for shape in _CONSENT_SHAPES:
                expression, values, names, condition = _consent_update(consent, reason, shape)
                try:
                    self._update_word(recipient_key, expression, values, names, condition)
                except _ConditionFailed:
                    continue
                if shape != "add_reasons":
                    return
        raise GateStoreError("the recipient's consent kept changing; retry")

    def unsubscribe(
        self, recipient_key: str, message_class: MessageClass, token_id: str, until: datetime
    ) -> bool:
        """Record "no more `message_class` e-mail" from an unsubscribe link, once per link.

        The link's use and the word are one transaction: False (and nothing written) when
        this link was used before, so a replayed link cannot undo a later yes.
        """
        used = {
            "Put": {
                "TableName": self._table,
                "Item": _serialize(
                    {
                        "pk": recipient_key,
                        "sk": f"{USED_LINK_PREFIX}{token_id}",
                        "expires_at": _epoch(until),
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        consent = {message_class: False}
        for _ in range(5):
            for shape in _CONSENT_SHAPES:
                expression, values, names, condition = _consent_update(
                    consent, "unsubscribed", shape
                )
                if shape == "add_reasons":
                    with contextlib.suppress(_ConditionFailed):
                        self._update_word(recipient_key, expression, values, names, condition)
                    continue
                update: dict[str, Any] = {
                    "TableName": self._table,
                    "Key": self._key(recipient_key, LEDGER_SK),
                    "UpdateExpression": expression,
                    "ExpressionAttributeValues": values,
                    "ConditionExpression": condition,
                }
                if names:
                    update["ExpressionAttributeNames"] = names
                try:
                    self._client.transact_write_items(TransactItems=[used, {"Update": update}])
                    return True
                except ClientError as exc:
                    failed = _failed_items(exc)
                    if 0 in failed:
                        return False
                    if 1 not in failed:
                        raise GateStoreError("cannot record the unsubscribe") from exc
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

    def record_outcome(self, outcome: ChannelOutcome) -> None:
        """An audit record for what the channel said after the gate's SEND (a message SES
        dropped because the address is on the account's suppression list)."""
        at = outcome.at.astimezone(UTC).replace(microsecond=0)
        item = {
            "pk": outcome.recipient_key,
            "sk": f"{AUDIT_PREFIX}{at.isoformat()}#{outcome.request_id}#report",
            "request_id": outcome.request_id,
            "shop_id": outcome.shop_id,
            "kind": outcome.kind,
            "channel": outcome.channel.value,
            "message_class": outcome.message_class,
            "action": outcome.action,
            "reason": outcome.reason,
            "detail": outcome.detail,
            "decided_at": at.isoformat(),
            "policy_version": "channel report",
            "expires_at": _epoch(at + self._audit_retention),
        }
        try:
            self._client.put_item(TableName=self._table, Item=_serialize(item))
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
        channel = audit.channel or request.channel
        item: dict[str, Any] = {
            "pk": audit.recipient_key,
            "sk": audit.sort_key,
            "request_id": request.request_id,
            "shop_id": request.recipient.shop_id,
            "kind": request.kind.value,
            "channel": channel.value if channel else None,
            "channel_detail": audit.channel_detail,
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
        # An update, not a put: a delivery report may have arrived first, and stays.
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(recipient_key, f"{DELIVERY_PREFIX}{delivery.request_id}"),
                UpdateExpression="SET channel = :channel, provider_message_id = :id, "
                "sent_at = :sent, expires_at = :expires",
                ExpressionAttributeValues={
                    ":channel": {"S": delivery.channel.value},
                    ":id": {"S": delivery.provider_message_id},
                    ":sent": {"S": delivery.sent_at.astimezone(UTC).isoformat()},
                    ":expires": {"N": str(_epoch(delivery.sent_at + self._audit_retention))},
                },
            )
        except ClientError as exc:
            raise GateStoreError("cannot write the delivery log") from exc

    def update_delivery(
        self, recipient_key: str, request_id: str, status: DeliveryStatus
    ) -> StatusUpdate:
        """What the channel reported about a sent message; an older report never
        overwrites a newer one, and nothing overwrites a final one. The price is kept
        from the first report that carries one (`priced_first`: count it now)."""
        values: dict[str, Any] = {
            ":status": {"S": status.status},
            ":at": {"N": str(_millis(status.at))},
            ":detail": {"S": status.detail or "-"},
            ":final": {"BOOL": status.final},
            ":expires": {"N": str(_epoch(status.at + self._audit_retention))},
            ":false": {"BOOL": False},
        }
        expression = (
            "SET delivery_status = :status, status_at = :at, status_detail = :detail, "
            "status_final = :final, expires_at = if_not_exists(expires_at, :expires)"
        )
        if status.price is not None:
            expression += ", price_usd = if_not_exists(price_usd, :price)"
            values[":price"] = {"N": str(status.price)}
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._key(recipient_key, f"{DELIVERY_PREFIX}{request_id}"),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(status_at) OR "
                "(status_at <= :at AND status_final = :false)",
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return StatusUpdate(applied=False, priced_first=False)
            raise GateStoreError("cannot update the delivery log") from exc
        before = response.get("Attributes", {})
        return StatusUpdate(
            applied=True, priced_first=status.price is not None and "price_usd" not in before
        )

    def add_sms_spend(self, shop_id: str, at: datetime, usd: Decimal) -> None:
        """What one text cost, added to the shop's month (atomic, no read)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(spend_key(shop_id), spend_month(at)),
                UpdateExpression="ADD usd :usd SET expires_at = :expires",
                ExpressionAttributeValues={
                    ":usd": {"N": str(usd)},
                    ":expires": {"N": str(_epoch(at + timedelta(days=400)))},
                },
            )
        except ClientError as exc:
            raise GateStoreError("cannot add to the shop's SMS spend") from exc

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
        if "sent_at" not in plain:
            return None  # only a status arrived: the send's own record was not written
        return Delivery(
            request_id=request_id,
            channel=Channel(plain["channel"]),
            provider_message_id=plain["provider_message_id"],
            sent_at=datetime.fromisoformat(plain["sent_at"]),
            status=plain.get("delivery_status"),
            status_detail=plain.get("status_detail"),
        )

    @staticmethod
    def _key(pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}


def _as_read(read: LedgerState) -> dict[str, Any]:
    """The condition that an item is still at the version `read` found."""
    if read.version == 0:
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    return {
        "ConditionExpression": "version = :read",
        "ExpressionAttributeValues": {":read": {"N": str(read.version)}},
    }


# How a word is written: into the maps an item has, as the item's first maps, or (for
# items written before reasons were kept) adding the reasons map and trying again.
_CONSENT_SHAPES = ("into_existing", "first", "add_reasons")


def _consent_update(
    consent: dict[MessageClass, bool], reason: str | None, shape: str
) -> tuple[str, dict[str, Any], dict[str, str], str]:
    """(update expression, values, names, condition) for one shape of the write."""
    if shape == "add_reasons":
        return (
            "SET consent_reasons = :none",
            {":none": {"M": {}}},
            {},
            "attribute_exists(consent) AND attribute_not_exists(consent_reasons)",
        )
    values: dict[str, Any] = {":one": {"N": "1"}}
    if shape == "first":
        values[":consent"] = {"M": {c.value: {"BOOL": v} for c, v in consent.items()}}
        values[":reasons"] = {"M": {c.value: {"S": reason} for c in consent} if reason else {}}
        return (
            "SET consent = :consent, consent_reasons = :reasons ADD version :one REMOVE expires_at",
            values,
            {},
            "attribute_not_exists(consent)",
        )
    names = {f"#c{i}": c.value for i, c in enumerate(consent)}
    sets, removes = [], []
    for i, given in enumerate(consent.values()):
        values[f":v{i}"] = {"BOOL": given}
        sets.append(f"consent.#c{i} = :v{i}")
        if reason is not None:
            values[f":r{i}"] = {"S": reason}
            sets.append(f"consent_reasons.#c{i} = :r{i}")
        else:
            removes.append(f"consent_reasons.#c{i}")
    expression = f"SET {', '.join(sets)} ADD version :one REMOVE expires_at"
    if removes:
        expression += ", " + ", ".join(removes)
    return (
        expression,
        values,
        names,
        "attribute_exists(consent) AND attribute_exists(consent_reasons)",
    )


def _failed_items(exc: ClientError) -> set[int]:
    """The positions of the transaction's items whose condition failed."""
    reasons = exc.response.get("CancellationReasons") or []
    return {
        index
        for index, reason in enumerate(reasons)
        if reason.get("Code") == "ConditionalCheckFailed"
    }


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
        "sends": [_sent_to_item(s) for s in state.sends],
        "dedupe": {key: _epoch(until) for key, until in state.dedupe.items()},
    }
    if state.opted_out:
        item["opted_out"] = {channel.value for channel in state.opted_out}
    if state.consent:
        item["consent"] = {c.value: granted for c, granted in state.consent.items()}
    if state.consent or state.consent_reasons:
        item["consent_reasons"] = {c.value: why for c, why in state.consent_reasons.items()}
    if state.undeliverable is not None:
        mark = state.undeliverable
        item["undeliverable"] = {"reason": mark.reason.value, "detail": mark.detail}
        item["undeliverable"]["at"] = _epoch(mark.at)
        if mark.until is not None:
            item["undeliverable"]["until"] = _epoch(mark.until)
    return item


def _sent_to_item(sent: SentEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "r": sent.request_id,
        "t": _epoch(sent.at),
        "k": sent.kind.value,
        "c": sent.message_class.value,
    }
    if sent.channel is not None:
        item["ch"] = sent.channel.value
    return item


def _ledger_from_item(item: dict[str, Any]) -> LedgerState:
    return LedgerState(
        version=int(item.get("version", 0)),
        sends=tuple(
            SentEntry(
                request_id=s["r"],
                at=_instant(s["t"]),
                kind=s["k"],
                message_class=s["c"],
                channel=Channel(s["ch"]) if "ch" in s else None,
            )
            for s in item.get("sends", [])
        ),
        dedupe={key: _instant(until) for key, until in item.get("dedupe", {}).items()},
        opted_out=frozenset(Channel(c) for c in item.get("opted_out", set())),
        consent={MessageClass(c): bool(v) for c, v in item.get("consent", {}).items()},
        consent_reasons={
            MessageClass(c): str(v) for c, v in item.get("consent_reasons", {}).items()
        },
        undeliverable=_undeliverable(item.get("undeliverable")),
    )


def _undeliverable(value: dict[str, Any] | None) -> Undeliverable | None:
    if not value:
        return None
    return Undeliverable(
        reason=UndeliverableReason(value["reason"]),
        detail=str(value.get("detail", "")),
        at=_instant(value["at"]),
        until=_instant(value["until"]) if "until" in value else None,
    )
