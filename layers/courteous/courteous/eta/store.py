"""Transit histograms on DynamoDB (EtaTable), updated without a read.

One item per histogram key (`pk`): a number attribute per day bucket (`b<days>`) and
the observation count `n`. A delivery is one `UpdateItem ... ADD b<days> :w, n :one`
per level: ADD is atomic on the server, so any number of concurrent deliveries land
exactly, with no read-modify-write race. A prediction reads the levels it needs with
one `BatchGetItem`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.eta.sketch import Histogram, bucket


class EtaStoreError(RetryableError):
    pass


class DynamoEtaStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def add(self, keys: list[str], days: int, weight: float) -> None:
        name = f"b{bucket(days)}"
        for key in keys:
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"pk": {"S": key}},
                    UpdateExpression="ADD #b :w, n :one",
                    ExpressionAttributeNames={"#b": name},
                    ExpressionAttributeValues={
                        ":w": {"N": str(Decimal(repr(weight)))},
                        ":one": {"N": "1"},
                    },
                )
            except ClientError as exc:
                raise EtaStoreError(f"cannot record a transit time for {key}") from exc

    def histograms(self, keys: list[str]) -> dict[str, Histogram]:
        wanted = list(dict.fromkeys(keys))
        request: dict[str, Any] = {
            self._table: {"Keys": [{"pk": {"S": key}} for key in wanted], "ConsistentRead": False}
        }
        found: dict[str, Histogram] = {}
        for _ in range(5):
            try:
                response = self._client.batch_get_item(RequestItems=request)
            except ClientError as exc:
                raise EtaStoreError("cannot read transit histograms") from exc
            for item in response.get("Responses", {}).get(self._table, []):
                buckets = {k: float(v["N"]) for k, v in item.items() if k.startswith("b")}
                found[item["pk"]["S"]] = Histogram.from_item(buckets, int(item["n"]["N"]))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
        raise EtaStoreError("transit histograms kept coming back unprocessed")
