"""What the estimator learns, on DynamoDB (EtaTable), updated without a read.

One item per key (`pk`). A transit histogram has one number per day bucket (`b<days>`)
and its observation count `n`, a month's record `promises` and `late`; those only grow,
so a delivery is one `UpdateItem ... ADD` per key: ADD is atomic on the server, so any
number of concurrent deliveries land exactly, with no read-modify-write race. The
shop's record also holds its calibrated `level`, which moves up or down and stays in
bounds, so an outcome reads it and writes the next one conditionally on the `version`
it read (a lost race reads again). A prediction reads every key it needs with one
`BatchGetItem`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from courteous.errors import RetryableError


class EtaStoreError(RetryableError):
    pass


# Concurrent outcomes of one shop race for its level; each round one of them wins.
LEVEL_ATTEMPTS = 50


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(Decimal(repr(float(value))))


class DynamoEtaStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def add(self, updates: Mapping[str, Mapping[str, float]]) -> None:
        for key, numbers in updates.items():
            names = {f"#a{i}": name for i, name in enumerate(numbers)}
            values = {f":v{i}": {"N": _number(value)} for i, value in enumerate(numbers.values())}
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"pk": {"S": key}},
                    UpdateExpression="ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(names))),
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
            except ClientError as exc:
                raise EtaStoreError(f"cannot add to {key}") from exc

    def items(self, keys: list[str]) -> dict[str, dict[str, float]]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, float]] = {}
        # BatchGetItem takes at most 100 keys per call.
        for first in range(0, len(wanted), 100):
            found.update(self._batch(wanted[first : first + 100]))
        return found

    def _batch(self, keys: list[str]) -> dict[str, dict[str, float]]:
        request: dict[str, Any] = {
            self._table: {"Keys": [{"pk": {"S": key}} for key in keys], "ConsistentRead": False}
        }
        found: dict[str, dict[str, float]] = {}
        for _ in range(5):
            try:
                response = self._client.batch_get_item(RequestItems=request)
            except ClientError as exc:
                raise EtaStoreError("cannot read what the estimator learned") from exc
            for item in response.get("Responses", {}).get(self._table, []):
                found[item["pk"]["S"]] = {
                    name: float(value["N"]) for name, value in item.items() if "N" in value
                }
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
        raise EtaStoreError("the estimator's items kept coming back unprocessed")

    def record_outcome(
        self, key: str, late: bool, after: Callable[[float | None, bool], float]
    ) -> None:
        for attempt in range(LEVEL_ATTEMPTS):
            try:
                item = self._client.get_item(
                    TableName=self._table, Key={"pk": {"S": key}}, ConsistentRead=True
                ).get("Item", {})
            except ClientError as exc:
                raise EtaStoreError(f"cannot read the level of {key}") from exc
            level = float(item["level"]["N"]) if "level" in item else None
            version = item.get("version", {}).get("N")
            values: dict[str, Any] = {
                ":level": {"N": _number(after(level, late))},
                ":next": {"N": str(int(version or 0) + 1)},
                ":one": {"N": "1"},
                ":late": {"N": str(int(late))},
            }
            if version is None:
                condition = "attribute_not_exists(#version)"
            else:
                condition = "#version = :version"
                values[":version"] = {"N": version}
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"pk": {"S": key}},
                    UpdateExpression=(
                        "SET #level = :level, #version = :next ADD #promises :one, #late :late"
                    ),
                    ConditionExpression=condition,
                    ExpressionAttributeNames={
                        "#level": "level",
                        "#version": "version",
                        "#promises": "promises",
                        "#late": "late",
                    },
                    ExpressionAttributeValues=values,
                )
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise EtaStoreError(f"cannot move the level of {key}") from exc
            time.sleep(0.001 * min(attempt, 10))
        raise EtaStoreError(f"the level of {key} kept moving under {LEVEL_ATTEMPTS} attempts")
