"""The daily RFM recompute, fanned out over the shop's shards on AWS's own engines.

1. The planner (a scheduled function) writes a run header per shop
   (`RFM#<shop>` / `RUN#<run>`: tasks, done = 0) and puts its `ScanTask`s on the scan
   queue: one per shard (32) for a shop of a million customers, fewer for a small shop
   (a task reads at most about `CUSTOMERS_PER_TASK` customers, over contiguous
   shards), never a loop over every customer in one function. The size is the last
   run's count, or for a shop never scored 32 times one shard's (a COUNT query). A shop whose
   facts have not changed since its last scores is skipped: the same facts a day later
   give the same scores (every recency moves by the same day).
2. Each scan worker (the queue's function, many at once) reads its shards with Query,
   builds their buyers' distribution (`rfm.Partial`, a few kilobytes) and, in one
   transaction, stores it (`RUN#<run>#PART#<task>`, written once) and adds 1 to the
   header's `done`. A redelivered task finds its part written and adds nothing.
3. The worker that sees `done` reach the task count merges the parts and writes the
   shop's model (`MODEL`), conditional on its run being newer than the stored one, so a
   late or repeated assembly never replaces a newer model.
Run items expire after a week.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from courteous.audiences.identity import SHARDS
from courteous.audiences.rfm import Partial, RfmModel, model_from
from courteous.audiences.store import FactsStore, FactsStoreError, dump, load
from courteous.errors import RetryableError

RUN_RETENTION = timedelta(days=7)
# A task reads at most about this many customers (a million customers: 32 tasks).
CUSTOMERS_PER_TASK = 31_250


def task_count(customers: int) -> int:
    """Tasks for a shop of about `customers` customers."""
    return min(SHARDS, max(1, math.ceil(customers / CUSTOMERS_PER_TASK)))


class ScanTask(BaseModel):
    """One shard of one shop to scan for one run (the scan queue's message)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shop_id: str = Field(min_length=1, max_length=128)
    run_id: str = Field(min_length=1, max_length=64)
    as_of: AwareDatetime
    task: int = Field(ge=0)
    tasks: int = Field(ge=1, le=SHARDS)
    first_shard: int = Field(ge=0, lt=SHARDS)
    last_shard: int = Field(ge=0, lt=SHARDS)


def rfm_pk(shop_id: str) -> str:
    return f"RFM#{shop_id}"


def run_id_for(as_of: datetime) -> str:
    """Runs are named by their instant, so a retried planner plans the same run."""
    return as_of.strftime("%Y-%m-%dT%H:%M:%SZ")


class RfmRuns:
    """Takes its boto3 DynamoDB client (and, for planning, its SQS client) as arguments."""

    def __init__(
        self,
        client: Any,
        facts: FactsStore,
        queue: Any | None = None,
        queue_url: str | None = None,
    ) -> None:
        self._client = client
        self._facts = facts
        self._table = facts.table
        self._queue = queue
        self._queue_url = queue_url

    # ------------------------------------------------------------------ planning
    def tasks(self, shop_id: str, as_of: datetime, count: int = SHARDS) -> list[ScanTask]:
        run = run_id_for(as_of)
        bounds = [round(n * SHARDS / count) for n in range(count + 1)]
        return [
            ScanTask(
                shop_id=shop_id,
                run_id=run,
                as_of=as_of,
                task=n,
                tasks=count,
                first_shard=bounds[n],
                last_shard=bounds[n + 1] - 1,
            )
            for n in range(count)
        ]

    def start(self, shop_id: str, as_of: datetime, count: int = SHARDS) -> list[ScanTask]:
        """The run header (once) and the run's tasks."""
        tasks = self.tasks(shop_id, as_of, count)
        item = {
            "pk": rfm_pk(shop_id),
            "sk": f"RUN#{tasks[0].run_id}",
            "tasks": count,
            "done": 0,
            "as_of": as_of.isoformat(),
            "expires_at": int((as_of + RUN_RETENTION).timestamp()),
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item={k: dump(v) for k, v in item.items()},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise FactsStoreError(f"starting the run failed: {_code(exc)}") from exc
        return tasks

    def plan(self, as_of: datetime) -> Planned:
        """Start a run for every shop whose facts changed since its last scores."""
        if self._queue is None or self._queue_url is None:
            raise RuntimeError("planning needs the scan queue")
        planned = Planned()
        for entry in self._facts.shop_entries():
            if entry.unchanged_since_scored():
                planned.unchanged.append(entry.shop_id)
                continue
            customers = entry.customers
            if customers is None:
                # Keys spread evenly over the shards: one shard's count tells the size.
                customers = self._facts.count_shard(entry.shop_id, 0) * SHARDS
            tasks = self.start(entry.shop_id, as_of, task_count(customers))
            planned.shops.append(entry.shop_id)
            for start in range(0, len(tasks), 10):
                entries = [
                    {"Id": str(task.task), "MessageBody": task.model_dump_json()}
                    for task in tasks[start : start + 10]
                ]
                try:
                    answer = self._queue.send_message_batch(
                        QueueUrl=self._queue_url, Entries=entries
                    )
                except ClientError as exc:
                    raise RecomputeError(f"queueing scan tasks failed: {_code(exc)}") from exc
                if answer.get("Failed"):
                    raise RecomputeError(f"{len(answer['Failed'])} scan tasks were not queued")
                planned.tasks += len(entries)
        return planned

    # ------------------------------------------------------------------ scanning
    def scan(self, task: ScanTask) -> Partial:
        partial = Partial()
        for shard in range(task.first_shard, task.last_shard + 1):
            for facts in self._facts.shard_facts(task.shop_id, shard):
                partial.add(facts, task.as_of)
        return partial

    def run_task(self, task: ScanTask) -> RfmModel | None:
        """Scan one shard and record it; the last shard of the run writes the model."""
        self._record(task, self.scan(task))
        header = self._header(task)
        if int(header.get("done", 0)) < task.tasks:
            return None
        return self.assemble(task)

    def _record(self, task: ScanTask, partial: Partial) -> None:
        pk = rfm_pk(task.shop_id)
        expires = int((task.as_of + RUN_RETENTION).timestamp())
        part = {
            "pk": pk,
            "sk": f"RUN#{task.run_id}#PART#{task.task:04d}",
            "partial": partial.to_json(),
            "expires_at": expires,
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {k: dump(v) for k, v in part.items()},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"pk": dump(pk), "sk": dump(f"RUN#{task.run_id}")},
                            "UpdateExpression": "ADD done :one",
                            "ConditionExpression": "attribute_exists(pk)",
                            "ExpressionAttributeValues": {":one": dump(1)},
                        }
                    },
                ]
            )
        except ClientError as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return  # this shard was recorded before: a redelivered task
            raise RecomputeError(f"recording task {task.task} failed: {_code(exc)}") from exc

    def _header(self, task: ScanTask) -> dict[str, Any]:
        key = {"pk": dump(rfm_pk(task.shop_id)), "sk": dump(f"RUN#{task.run_id}")}
        try:
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        except ClientError as exc:
            raise RecomputeError(f"reading the run failed: {_code(exc)}") from exc
        if "Item" not in item:
            raise RecomputeError(f"run {task.run_id} of {task.shop_id} was never started")
        return load(item["Item"])

    def _parts(self, task: ScanTask) -> Iterator[Partial]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": dump(rfm_pk(task.shop_id)),
                ":prefix": dump(f"RUN#{task.run_id}#PART#"),
            },
            "ConsistentRead": True,
        }
        while True:
            try:
                page = self._client.query(**request)
            except ClientError as exc:
                raise RecomputeError(f"reading the run's parts failed: {_code(exc)}") from exc
            for item in page.get("Items", []):
                yield Partial.from_json(item["partial"]["S"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def assemble(self, task: ScanTask) -> RfmModel | None:
        model = model_from(self._parts(task), task.shop_id, task.run_id, task.as_of)
        if model is None:
            return None
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": dump(rfm_pk(task.shop_id)),
                    "sk": dump("MODEL"),
                    "run_id": dump(model.run_id),
                    "model": dump(model.model_dump_json()),
                },
                ConditionExpression="attribute_not_exists(run_id) OR run_id <= :run",
                ExpressionAttributeValues={":run": dump(model.run_id)},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise RecomputeError(f"writing the model failed: {_code(exc)}") from exc
        self._facts.scored(task.shop_id, task.as_of, model.customers)
        return model

    # ------------------------------------------------------------------ reading
    def model(self, shop_id: str) -> RfmModel | None:
        key = {"pk": dump(rfm_pk(shop_id)), "sk": dump("MODEL")}
        try:
            item = self._client.get_item(TableName=self._table, Key=key).get("Item")
        except ClientError as exc:
            raise RecomputeError(f"reading the RFM model failed: {_code(exc)}") from exc
        return RfmModel.model_validate(json.loads(item["model"]["S"])) if item else None

    def recompute_here(
        self, shop_id: str, as_of: datetime, workers: int = 8, count: int = SHARDS
    ) -> RfmModel | None:
        """The same run without the queue: its tasks on a pool of threads (for the
        command line and the benchmark)."""
        tasks = self.start(shop_id, as_of, count)
        run: Callable[[ScanTask], RfmModel | None] = self.run_task
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(run, tasks))
        models = [model for model in results if model is not None]
        return models[0] if models else self.model(shop_id)


class RecomputeError(RetryableError):
    pass


@dataclass
class Planned:
    shops: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    tasks: int = 0


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))
