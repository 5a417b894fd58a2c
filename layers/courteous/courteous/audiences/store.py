"""Customer facts on DynamoDB (`AudienceTable`), updated atomically and idempotently.

Item layout (docs/decisions.md, "Audience table layout"):

| item | pk | sk |
|---|---|---|
| a customer's facts | `F#<shop>#<shard>` (32 shards per shop) | `<customer key>` |
| an order's record | `O#<shop>#<order id>` | `ORDER` |
| a shop that has facts | `SHOPS` | `<shop>` |
| RFM model and runs | `RFM#<shop>` | `MODEL`, `RUN#<run>`, `RUN#<run>#PART#<shard>` |

A batch of words (events, or rows of an export) is applied in three steps: one
`BatchGetItem` reads the orders' records and their customers' facts; `rules` plans the
change of each customer; one `TransactWriteItems` per group of customers writes every
order's new record (conditional on the version read) together with its customer's
update (`ADD` for counts and money, conditions on the instants and registers it
moves). A lost race cancels the transaction, and the batch is read and planned again.
A word already applied changes no record and plans nothing, so it writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from courteous import clock
from courteous.audiences.identity import customer_key, shard_of
from courteous.audiences.models import CustomerFacts, OrderFact, OrderRecord, ProfileFact
from courteous.audiences.rules import (
    SummaryUpdate,
    apply,
    facts_from_state,
    instant,
    micros,
    plan_order,
    plan_profile,
    record_for,
)
from courteous.errors import RetryableError

ORDER_SK = "ORDER"
SHOPS_PK = "SHOPS"
MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET_KEYS = 100
# Orders per batch: their records and up to as many customers fill one transaction.
BATCH_ORDERS = 50
_ATTEMPTS = 6
# How often one store marks a shop as changed (one write per shop per window).
MARK_EVERY = timedelta(minutes=10)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class FactsStoreError(RetryableError):
    """DynamoDB did not answer as expected, or the facts kept changing under us."""


def facts_pk(shop_id: str, shard: int) -> str:
    return f"F#{shop_id}#{shard:02d}"


def order_pk(shop_id: str, order_id: str) -> str:
    return f"O#{shop_id}#{order_id}"


def dump(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(value))


def load(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


@dataclass
class ApplyResult:
    """What a batch of words did: how many changed something, how many were already
    known (redelivered, re-imported), and which named nobody (with why)."""

    applied: int = 0
    unchanged: int = 0
    unnamed: list[str] = field(default_factory=list)

    def add(self, other: ApplyResult) -> None:
        self.applied += other.applied
        self.unchanged += other.unchanged
        self.unnamed.extend(other.unnamed)


Word = OrderFact | ProfileFact


@dataclass
class _Group:
    """One customer's share of a batch: their update and their orders' new records."""

    shop_id: str
    customer: str
    update: SummaryUpdate = field(default_factory=SummaryUpdate)
    records: dict[str, tuple[OrderRecord, int]] = field(default_factory=dict)
    words: list[Word] = field(default_factory=list)


def _merge(into: SummaryUpdate, update: SummaryUpdate) -> None:
    for name, delta in update.adds.items():
        into.adds[name] = into.adds.get(name, Decimal(0)) + delta
        if not into.adds[name]:
            del into.adds[name]
    for name, value in update.raises.items():
        into.raises[name] = max(value, into.raises.get(name, value))
    for name, value in update.lowers.items():
        into.lowers[name] = min(value, into.lowers.get(name, value))
    for name, (value, at) in update.registers.items():
        if name not in into.registers or into.registers[name][1] < at:
            into.registers[name] = (value, at)


def record_from_item(item: Mapping[str, Any]) -> tuple[OrderRecord, int]:
    plain = load(item)
    return (
        OrderRecord(
            customer_key=str(plain["customer_key"]),
            created_at=instant(plain.get("created_at")),
            total=plain.get("total"),
            currency=plain.get("currency"),
            paid_at=instant(plain.get("paid_at")),
            paid_amount=plain.get("paid_amount"),
            cancelled_at=instant(plain.get("cancelled_at")),
            refunds={k: Decimal(v) for k, v in (plain.get("refunds") or {}).items()},
            country=plain.get("country"),
            region=plain.get("region"),
        ),
        int(plain.get("version", 0)),
    )


def record_item(shop_id: str, order_id: str, record: OrderRecord, version: int) -> dict[str, Any]:
    plain: dict[str, Any] = {
        "pk": order_pk(shop_id, order_id),
        "sk": ORDER_SK,
        "customer_key": record.customer_key,
        "version": version,
    }
    for name in ("created_at", "paid_at", "cancelled_at"):
        value = getattr(record, name)
        if value is not None:
            plain[name] = micros(value)
    for name in ("total", "paid_amount", "currency", "country", "region"):
        value = getattr(record, name)
        if value is not None:
            plain[name] = value
    if record.refunds:
        plain["refunds"] = dict(record.refunds)
    return {name: dump(value) for name, value in plain.items()}


def update_request(
    table: str, shop_id: str, customer: str, update: SummaryUpdate
) -> dict[str, Any]:
    """The `Update` that applies `update` only if what it relied on still holds."""
    names: dict[str, str] = {"#shop": "shop_id", "#key": "customer_key"}
    values: dict[str, Any] = {":shop": dump(shop_id), ":key": dump(customer)}
    sets = ["#shop = :shop", "#key = :key"]
    adds: list[str] = []
    conditions: list[str] = []

    def name_of(attribute: str) -> str:
        alias = f"#n{len(names)}"
        names[alias] = attribute
        return alias

    def value_of(value: Any) -> str:
        alias = f":v{len(values)}"
        values[alias] = dump(value)
        return alias

    for attribute, delta in sorted(update.adds.items()):
        adds.append(f"{name_of(attribute)} {value_of(delta)}")
    for attribute, moment in sorted(update.raises.items()):
        n, v = name_of(attribute), value_of(moment)
        sets.append(f"{n} = {v}")
        conditions.append(f"(attribute_not_exists({n}) OR {n} < {v})")
    for attribute, moment in sorted(update.lowers.items()):
        n, v = name_of(attribute), value_of(moment)
        sets.append(f"{n} = {v}")
        conditions.append(f"(attribute_not_exists({n}) OR {n} > {v})")
    for attribute, (value, at) in sorted(update.registers.items()):
        n, n_at, v, v_at = (
            name_of(attribute),
            name_of(f"{attribute}_at"),
            value_of(value),
            value_of(at),
        )
        sets.extend([f"{n} = {v}", f"{n_at} = {v_at}"])
        conditions.append(f"(attribute_not_exists({n_at}) OR {n_at} < {v_at})")
    expression = "SET " + ", ".join(sets)
    if adds:
        expression += " ADD " + ", ".join(adds)
    request: dict[str, Any] = {
        "TableName": table,
        "Key": {
            "pk": dump(facts_pk(shop_id, shard_of(customer))),
            "sk": dump(customer),
        },
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    if conditions:
        request["ConditionExpression"] = " AND ".join(conditions)
    return request


class FactsStore:
    """Takes its boto3 DynamoDB client as an argument."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        contact_key: bytes,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._client = client
        self._table = table_name
        self._key = contact_key
        self._now = now
        self._marked: dict[str, datetime] = {}

    @property
    def table(self) -> str:
        return self._table

    # ------------------------------------------------------------------ writing
    def apply(self, words: Iterable[Word]) -> ApplyResult:
        """Apply words in batches of `BATCH_ORDERS`; the result counts every word."""
        result = ApplyResult()
        batch: list[Word] = []
        for word in words:
            batch.append(word)
            if len(batch) == BATCH_ORDERS:
                result.add(self._apply_batch(batch))
                batch = []
        if batch:
            result.add(self._apply_batch(batch))
        return result

    def _apply_batch(self, words: Sequence[Word]) -> ApplyResult:
        self._register_shops({word.shop_id for word in words})
        result = ApplyResult()
        pending = list(words)
        for attempt in range(_ATTEMPTS):
            lost, outcome = self._try(pending)
            result.add(outcome)
            if not lost:
                return result
            pending = lost
            time.sleep(min(0.5, 0.02 * 2**attempt))
        raise FactsStoreError(f"{len(pending)} words kept losing races; retry the batch")

    def _try(self, words: Sequence[Word]) -> tuple[list[Word], ApplyResult]:
        """One read, plan and write of `words`; returns the words whose transaction was
        cancelled by a concurrent writer, to be tried again on fresh state."""
        result = ApplyResult()
        order_keys = {(w.shop_id, w.order_id) for w in words if isinstance(w, OrderFact)}
        # One read for the orders' records and the customers their words name; a
        # second only for orders filed under someone else than their word names.
        named = {
            (w.shop_id, name)
            for w in words
            if (name := customer_key(self._key, w.shop_id, w.customer)) is not None
        }
        records, states = self._read(order_keys, named)
        keys: dict[int, tuple[str, str]] = {}
        # An order stays with the customer it was first filed under, whatever a later
        # word's customer block says.
        filed = {order: record.customer_key for order, (record, _) in records.items()}
        for index, word in enumerate(words):
            order = (word.shop_id, word.order_id) if isinstance(word, OrderFact) else None
            name = filed.get(order) if order else None
            if name is None:
                name = customer_key(self._key, word.shop_id, word.customer)
                if order and name:
                    filed[order] = name
            if name is None:
                what = f"order {word.order_id}" if isinstance(word, OrderFact) else "a profile"
                result.unnamed.append(f"{word.shop_id}: {what} names no contact or customer id")
                continue
            keys[index] = (word.shop_id, name)
        missing = set(keys.values()) - named
        if missing:
            states.update(self._states(missing))
        groups: dict[tuple[str, str], _Group] = {}
        versions = {key: version for key, (_, version) in records.items()}
        current = {key: record for key, (record, _) in records.items()}
        for index, word in enumerate(words):
            if index not in keys:
                continue
            shop_id, name = keys[index]
            state = states.setdefault((shop_id, name), {})
            if isinstance(word, OrderFact):
                order = (shop_id, word.order_id)
                old = current.get(order)
                new = record_for(old, name, word)
                update = plan_order(state, old, new, word)
            else:
                old = new = None
                update = plan_profile(state, word)
            changed = isinstance(word, OrderFact) and new != old
            if not update and not changed:
                result.unchanged += 1
                continue
            result.applied += 1
            states[(shop_id, name)] = apply(state, update)
            group = groups.setdefault((shop_id, name), _Group(shop_id, name))
            _merge(group.update, update)
            group.words.append(word)
            if isinstance(word, OrderFact) and new is not None and changed:
                current[(shop_id, word.order_id)] = new
                group.records[word.order_id] = (new, versions.get((shop_id, word.order_id), 0))
        lost: list[Word] = []
        for transaction in self._pack(groups.values()):
            if not self._write(transaction):
                for group in transaction:
                    lost.extend(group.words)
                    result.applied -= len(group.words)
        return lost, result

    def _pack(self, groups: Iterable[_Group]) -> Iterator[list[_Group]]:
        packed: list[_Group] = []
        size = 0
        for group in groups:
            items = len(group.records) + (1 if group.update else 0)
            if packed and size + items > MAX_TRANSACTION_ITEMS:
                yield packed
                packed, size = [], 0
            packed.append(group)
            size += items
        if packed:
            yield packed

    def _write(self, groups: Sequence[_Group]) -> bool:
        operations: list[dict[str, Any]] = []
        for group in groups:
            for order_id, (record, version) in group.records.items():
                put: dict[str, Any] = {
                    "TableName": self._table,
                    "Item": record_item(group.shop_id, order_id, record, version + 1),
                }
                if version:
                    put["ConditionExpression"] = "version = :version"
                    put["ExpressionAttributeValues"] = {":version": dump(version)}
                else:
                    put["ConditionExpression"] = "attribute_not_exists(pk)"
                operations.append({"Put": put})
            if group.update:
                update = update_request(self._table, group.shop_id, group.customer, group.update)
                operations.append({"Update": update})
        if not operations:
            return True
        try:
            if len(operations) == 1 and "Update" in operations[0]:
                self._client.update_item(**operations[0]["Update"])
            else:
                self._client.transact_write_items(TransactItems=operations)
        except ClientError as exc:
            code = _code(exc)
            if code in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                return False
            raise FactsStoreError(f"writing facts failed: {code}") from exc
        return True

    # ------------------------------------------------------------------ reading
    def _batch_get(
        self, keys: list[dict[str, Any]], projection: str | None = None
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), MAX_BATCH_GET_KEYS):
            request: dict[str, Any] = {
                self._table: {
                    "Keys": keys[start : start + MAX_BATCH_GET_KEYS],
                    "ConsistentRead": True,
                }
            }
            if projection:
                request[self._table]["ProjectionExpression"] = projection
            for attempt in range(_ATTEMPTS):
                try:
                    page = self._client.batch_get_item(RequestItems=request)
                except ClientError as exc:
                    raise FactsStoreError(f"reading facts failed: {_code(exc)}") from exc
                found.extend(page.get("Responses", {}).get(self._table, []))
                request = page.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(0.5, 0.02 * 2**attempt))
            else:
                raise FactsStoreError("DynamoDB kept keys unprocessed; retry the batch")
        return found

    def _read(
        self, orders: set[tuple[str, str]], customers: set[tuple[str, str]]
    ) -> tuple[
        dict[tuple[str, str], tuple[OrderRecord, int]], dict[tuple[str, str], dict[str, Any]]
    ]:
        """The records of `orders` and the facts of `customers`, in one batch read."""
        keys = [{"pk": dump(order_pk(s, o)), "sk": dump(ORDER_SK)} for s, o in sorted(orders)]
        keys += [
            {"pk": dump(facts_pk(shop, shard_of(name))), "sk": dump(name)}
            for shop, name in sorted(customers)
        ]
        records: dict[tuple[str, str], tuple[OrderRecord, int]] = {}
        states: dict[tuple[str, str], dict[str, Any]] = {}
        if not keys:
            return records, states
        for item in self._batch_get(keys):
            if item["sk"]["S"] == ORDER_SK and item["pk"]["S"].startswith("O#"):
                _, shop_id, order_id = item["pk"]["S"].split("#", 2)
                records[(shop_id, order_id)] = record_from_item(item)
            else:
                plain = load(item)
                states[(str(plain["shop_id"]), str(plain["sk"]))] = plain
        return records, states

    def _states(self, customers: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        return self._read(set(), customers)[1]

    def customer(self, shop_id: str, customer: str) -> CustomerFacts | None:
        states = self._states({(shop_id, customer)})
        state = states.get((shop_id, customer))
        return facts_from_state(shop_id, customer, state) if state is not None else None

    def shard(
        self,
        shop_id: str,
        shard: int,
        start: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> tuple[list[CustomerFacts], dict[str, Any] | None]:
        """One page of the facts in one of the shop's shards, and where the next starts."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": dump(facts_pk(shop_id, shard))},
        }
        if start:
            request["ExclusiveStartKey"] = dict(start)
        if limit:
            request["Limit"] = limit
        try:
            page = self._client.query(**request)
        except ClientError as exc:
            raise FactsStoreError(f"reading shard {shard} failed: {_code(exc)}") from exc
        facts = [
            facts_from_state(shop_id, str(item["sk"]["S"]), load(item))
            for item in page.get("Items", [])
        ]
        return facts, page.get("LastEvaluatedKey")

    def count_shard(self, shop_id: str, shard: int) -> int:
        """How many customers one shard holds (a COUNT query: no items come back)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": dump(facts_pk(shop_id, shard))},
            "Select": "COUNT",
        }
        total = 0
        while True:
            try:
                page = self._client.query(**request)
            except ClientError as exc:
                raise FactsStoreError(f"counting shard {shard} failed: {_code(exc)}") from exc
            total += int(page.get("Count", 0))
            if "LastEvaluatedKey" not in page:
                return total
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def shard_facts(self, shop_id: str, shard: int) -> Iterator[CustomerFacts]:
        """Every customer in one shard of the shop, page by page."""
        start: dict[str, Any] | None = None
        while True:
            facts, start = self.shard(shop_id, shard, start)
            yield from facts
            if not start:
                return

    # ------------------------------------------------------------------ shops
    def _register_shops(self, shops: set[str]) -> None:
        """Mark each shop as changed until a little after now, at most once per
        `MARK_EVERY` per store: the daily recompute skips a shop whose facts did not
        change since its last scores (they would come out the same)."""
        now = self._now()
        for shop_id in sorted(shops):
            marked = self._marked.get(shop_id)
            if marked is not None and now < marked + MARK_EVERY:
                continue
            until = int((now + 2 * MARK_EVERY).timestamp())
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"pk": dump(SHOPS_PK), "sk": dump(shop_id)},
                    UpdateExpression="SET dirty_until = :until",
                    ConditionExpression="attribute_not_exists(dirty_until) OR dirty_until < :until",
                    ExpressionAttributeValues={":until": dump(until)},
                )
            except ClientError as exc:
                if _code(exc) != "ConditionalCheckFailedException":
                    raise FactsStoreError(f"marking the shop failed: {_code(exc)}") from exc
            self._marked[shop_id] = now

    def shop_entries(self) -> list[ShopEntry]:
        """Every shop that has facts, with when it last changed and was scored."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": dump(SHOPS_PK)},
        }
        found: list[ShopEntry] = []
        while True:
            try:
                page = self._client.query(**request)
            except ClientError as exc:
                raise FactsStoreError(f"listing shops failed: {_code(exc)}") from exc
            for item in page.get("Items", []):
                plain = load(item)
                scored = plain.get("scored_as_of")
                found.append(
                    ShopEntry(
                        shop_id=str(plain["sk"]),
                        dirty_until=int(plain.get("dirty_until", 0)),
                        scored_as_of=datetime.fromisoformat(scored) if scored else None,
                        customers=int(plain["customers"]) if "customers" in plain else None,
                    )
                )
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def shops(self) -> list[str]:
        return [entry.shop_id for entry in self.shop_entries()]

    def scored(self, shop_id: str, as_of: datetime, customers: int) -> None:
        """Remember when the shop's scores were computed and over how many customers."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": dump(SHOPS_PK), "sk": dump(shop_id)},
                UpdateExpression="SET scored_as_of = :at, customers = :n",
                ConditionExpression="attribute_not_exists(scored_as_of) OR scored_as_of <= :at",
                ExpressionAttributeValues={":at": dump(as_of.isoformat()), ":n": dump(customers)},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise FactsStoreError(f"recording the scores failed: {_code(exc)}") from exc


@dataclass(frozen=True)
class ShopEntry:
    shop_id: str
    dirty_until: int
    scored_as_of: datetime | None
    customers: int | None

    def unchanged_since_scored(self) -> bool:
        return self.scored_as_of is not None and self.dirty_until <= self.scored_as_of.timestamp()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))
