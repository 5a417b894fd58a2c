"""In-memory stand-ins for the AWS side, for measuring the dispatcher's own speed.

They answer the calls the dispatcher makes with the shapes boto3 returns, keep the
items they are given, honour the two conditions the gate writes with
(`attribute_not_exists(pk)` and `version = :read`, on puts and condition checks), apply
the one plain `SET` update the delivery log uses, and count DynamoDB capacity units by
the published sizing rules, so the benchmark can price a message. They are not a
general DynamoDB: anything else they are asked raises, loudly.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError


def item_size(item: dict[str, Any]) -> int:
    """Bytes an item counts for, by DynamoDB's sizing rules (names + values)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "B":
        return len(inner)
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(element).encode()) for element in inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown attribute type {kind}")


def _error(code: str, message: str, operation: str, **extra: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, **extra}, operation)


class MemoryDynamoDB:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.capacity: dict[str, float] = {"RRU": 0.0, "WRU": 0.0}
        self._lock = threading.Lock()

    @staticmethod
    def _key(table: str, key: dict[str, Any]) -> tuple[str, str, str]:
        return table, key["pk"]["S"], key["sk"]["S"]

    def get_item(self, TableName: str, Key: dict[str, Any], **options: Any) -> dict[str, Any]:
        with self._lock:
            item = self.items.get(self._key(TableName, Key))
            units = max(1, math.ceil(item_size(item) / 4096)) if item else 1
            self.capacity["RRU"] += units if options.get("ConsistentRead") else units / 2
            return {"Item": dict(item)} if item else {}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        responses: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for table, request in RequestItems.items():
                found = responses.setdefault(table, [])
                units = 0
                for key in request["Keys"]:
                    item = self.items.get(self._key(table, key))
                    units += max(1, math.ceil(item_size(item) / 4096)) if item else 1
                    if item:
                        found.append(dict(item))
                self.capacity["RRU"] += units if request.get("ConsistentRead") else units / 2
        return {"Responses": responses, "UnprocessedKeys": {}}

    def update_item(
        self,
        TableName: str,
        Key: dict[str, Any],
        UpdateExpression: str,
        ExpressionAttributeValues: dict[str, Any],
        **options: Any,
    ) -> dict[str, Any]:
        if not UpdateExpression.startswith("SET ") or options:
            raise NotImplementedError(f"update {UpdateExpression!r} {options}")
        with self._lock:
            item = dict(self.items.get(self._key(TableName, Key)) or Key)
            for assignment in UpdateExpression[4:].split(","):
                name, _, value = (part.strip() for part in assignment.partition("="))
                if not value.startswith(":") or " " in value:
                    raise NotImplementedError(f"update {assignment!r}")
                item[name] = ExpressionAttributeValues[value]
            self.items[self._key(TableName, Key)] = item
            self.capacity["WRU"] += self._write_units(item, transactional=False)
        return {}

    def _check(self, put: dict[str, Any]) -> bool:
        key = put["Key"] if "Key" in put else put["Item"]
        current = self.items.get(self._key(put["TableName"], key))
        condition = put.get("ConditionExpression")
        if condition is None:
            return True
        if condition == "attribute_not_exists(pk)":
            return current is None
        if condition == "version = :read":
            expected = put["ExpressionAttributeValues"][":read"]
            return current is not None and current.get("version") == expected
        raise NotImplementedError(f"condition {condition!r}")

    def _write_units(self, item: dict[str, Any], transactional: bool) -> int:
        units = max(1, math.ceil(item_size(item) / 1024))
        return units * 2 if transactional else units

    def put_item(self, TableName: str, Item: dict[str, Any], **options: Any) -> dict[str, Any]:
        put = {"TableName": TableName, "Item": Item, **options}
        with self._lock:
            if not self._check(put):
                raise _error("ConditionalCheckFailedException", "condition failed", "PutItem")
            self.items[self._key(TableName, Item)] = dict(Item)
            self.capacity["WRU"] += self._write_units(Item, transactional=False)
        return {}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        entries = []
        for entry in TransactItems:
            ((kind, request),) = entry.items()
            if kind not in ("Put", "ConditionCheck"):
                raise NotImplementedError(f"transaction item {kind}")
            entries.append((kind, request))
        with self._lock:
            reasons = [
                {"Code": "None" if self._check(request) else "ConditionalCheckFailed"}
                for _, request in entries
            ]
            if any(reason["Code"] != "None" for reason in reasons):
                raise _error(
                    "TransactionCanceledException",
                    "Transaction cancelled",
                    "TransactWriteItems",
                    CancellationReasons=reasons,
                )
            for kind, request in entries:
                if kind == "ConditionCheck":
                    # A condition check costs a write unit (twice, in a transaction).
                    self.capacity["WRU"] += 2
                    continue
                self.items[self._key(request["TableName"], request["Item"])] = dict(request["Item"])
                self.capacity["WRU"] += self._write_units(request["Item"], transactional=True)
        return {}


class _Answering:
    """A service whose every call succeeds with a fresh id, counted per operation."""

    def __init__(self, answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
        self._answers = answers
        self.calls: Counter[str] = Counter()

    def __getattr__(self, operation: str) -> Callable[..., dict[str, Any]]:
        answer = self._answers.get(operation)
        if answer is None:
            raise AttributeError(f"the in-memory fake does not answer {operation}")

        def call(**params: Any) -> dict[str, Any]:
            self.calls[operation] += 1
            return answer(params)

        return call


def fake_clients(parameters: dict[str, str]) -> Callable[[str], Any]:
    """`factory(service)` for the dispatcher: DynamoDB in memory, the rest answering."""
    ids = itertools.count(1)
    dynamodb = MemoryDynamoDB()

    def new_id(_: dict[str, Any]) -> dict[str, Any]:
        return {"MessageId": f"m-{next(ids)}"}

    def parameter(params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        if name not in parameters:
            raise _error("ParameterNotFound", name, "GetParameter")
        return {"Parameter": {"Name": name, "Value": parameters[name], "Type": "SecureString"}}

    services: dict[str, Any] = {
        "dynamodb": dynamodb,
        "sns": _Answering({"publish": new_id}),
        "pinpoint-sms-voice-v2": _Answering({"send_text_message": new_id}),
        "sesv2": _Answering({"send_email": new_id}),
        "sqs": _Answering(
            {
                "send_message": new_id,
                "send_message_batch": lambda p: {
                    "Successful": [
                        {"Id": e["Id"], "MessageId": f"m-{next(ids)}"} for e in p["Entries"]
                    ],
                    "Failed": [],
                },
            }
        ),
        "scheduler": _Answering(
            {"create_schedule": lambda p: {"ScheduleArn": p["Name"]}, "delete_schedule": dict}
        ),
        "ssm": _Answering({"get_parameter": parameter}),
    }
    return lambda service: services[service]
