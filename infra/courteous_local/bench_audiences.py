"""Audience benchmarks: imports into the facts, and the RFM recompute, on DynamoDB Local.

- `import`: a synthetic canonical orders CSV (one buyer in three orders again), read
  with `courteous orders import`'s own path (the streaming reader, the facts store in
  batches of 50 orders) against DynamoDB Local in memory: rows per second, AWS calls
  per order, and the peak of Python's allocations (tracemalloc) for two sizes ten
  times apart, which stays flat when memory does not grow with the file.
- `rfm`: the daily recompute over N customers (facts seeded with BatchWriteItem), run
  as the scan function runs it (`RfmRuns.run_task` per task, the tasks the planner
  sizes), for N and 10 N: seconds and AWS calls, and their ratios.
Sizes: quick 1k and 10k orders, 1k and 10k customers; full 10k and 100k of both (the
issue's sizes); not chosen by looking at the results.
"""

from __future__ import annotations

import csv
import os
import random
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from courteous_local.inprocess import EMULATED_ENV
from courteous_local.instrument import CallLog

AS_OF = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)
CONTACT_KEY = b"bench-audience-key"


def write_orders(path: Path, orders: int, seed: int = 1) -> None:
    """`orders` orders of orders // 3 buyers over two years: 80 % paid, 5 % cancelled."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets  # nosec B311
    buyers = max(1, orders // 3)
    start = AS_OF - timedelta(days=730)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "order_id",
                "email",
                "created_at",
                "total",
                "currency",
                "paid_at",
                "cancelled_at",
                "country",
                "region",
            ]
        )
        for n in range(orders):
            created = start + timedelta(minutes=rng.randrange(730 * 24 * 60))
            paid = rng.random() < 0.8
            writer.writerow(
                [
                    f"o{n}",
                    f"buyer{rng.randrange(buyers)}@example.com",
                    created.isoformat(),
                    f"{rng.randrange(500, 90_000) / 100:.2f}",
                    "CNY",
                    (created + timedelta(minutes=5)).isoformat() if paid else "",
                    (created + timedelta(days=1)).isoformat() if rng.random() < 0.05 else "",
                    "CN",
                    rng.choice(["ZJ", "GD", "SH", "BJ"]),
                ]
            )


def _table(engine: Any, name: str) -> tuple[Any, str]:
    from courteous_local.provision import provision
    from courteous_local.servers import local_dynamodb_client
    from courteous_local.template import default_template_path, load_template

    client = local_dynamodb_client(engine.endpoint)
    created = provision(
        load_template(default_template_path()),
        lambda service: client,
        stack_name=name,
        only=frozenset({"AWS::DynamoDB::Table"}),
    )
    return client, created.ref("AudienceTable")


def _counted(engine: Any) -> tuple[CallLog, Any]:
    """A client of the engine (its credentials: DynamoDB Local keeps tables per key)
    whose every call is counted through botocore's own hook."""
    from courteous_local.servers import local_dynamodb_client

    calls = CallLog()
    client = local_dynamodb_client(engine.endpoint)

    def count(model: Any, **_: Any) -> None:
        calls.add("dynamodb", model.name)

    client.meta.events.register("before-call.dynamodb", count)
    return calls, client


def import_run(engine: Any, orders: int, folder: Path) -> dict[str, Any]:
    from courteous.audiences.imports import Imported, read_orders
    from courteous.audiences.store import FactsStore

    path = folder / f"orders-{orders}.csv"
    write_orders(path, orders)
    _, table = _table(engine, f"bench-import-{orders}")
    calls, client = _counted(engine)
    store = FactsStore(client, table, CONTACT_KEY)
    calls.reset()
    tracemalloc.start()
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        words = (
            word
            for item in read_orders(handle, "bench-shop")
            if isinstance(item, Imported)
            for word in item.words
        )
        result = store.apply(words)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = calls.total()
    return {
        "orders": orders,
        "seconds": round(seconds, 2),
        "rows_per_s": round(orders / seconds, 1),
        "aws_calls": total,
        "calls_per_order": round(total / orders, 4),
        "calls_breakdown": {f"{s}.{o}": n for (s, o), n in sorted(calls.counts.items())},
        "peak_python_mb": round(peak / 2**20, 2),
        "applied": result.applied,
    }


def seed_customers(client: Any, table: str, shop: str, customers: int, seed: int = 2) -> None:
    """`customers` facts written as the store writes them (attributes and keys)."""
    from courteous.audiences.identity import shard_of
    from courteous.audiences.rules import micros
    from courteous.audiences.store import dump, facts_pk

    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets  # nosec B311
    requests = []
    for n in range(customers):
        key = f"Cbench{n}"
        purchases = 1 + int(rng.expovariate(1.2))
        last = AS_OF - timedelta(days=rng.randrange(720), hours=rng.randrange(24))
        item = {
            "pk": facts_pk(shop, shard_of(key)),
            "sk": key,
            "shop_id": shop,
            "customer_key": key,
            "orders": purchases,
            "purchases": purchases,
            "spent_CNY": Decimal(rng.randrange(500, 900_000)) / 100,
            "first_order_at": micros(last - timedelta(days=rng.randrange(400))),
            "last_order_at": micros(last),
            "last_purchase_at": micros(last),
        }
        requests.append({"PutRequest": {"Item": {k: dump(v) for k, v in item.items()}}})
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def rfm_run(engine: Any, customers: int) -> dict[str, Any]:
    from courteous.audiences.recompute import RfmRuns, task_count
    from courteous.audiences.store import FactsStore

    seeding, table = _table(engine, f"bench-rfm-{customers}")
    seed_customers(seeding, table, "bench-shop", customers)
    calls, client = _counted(engine)
    facts = FactsStore(client, table, CONTACT_KEY)
    runs = RfmRuns(client, facts)
    calls.reset()
    started = time.perf_counter()
    # What the planner decides for a shop never scored, then each task as the scan
    # function runs it (here one after another, on one core).
    estimate = facts.count_shard("bench-shop", 0) * 32
    tasks = runs.start("bench-shop", AS_OF, task_count(estimate))
    model = None
    for task in tasks:
        model = runs.run_task(task) or model
    seconds = time.perf_counter() - started
    if model is None or model.customers != customers:
        raise RuntimeError("the recompute did not score every customer")
    return {
        "customers": customers,
        "tasks": len(tasks),
        "seconds": round(seconds, 2),
        "aws_calls": calls.total(),
        "calls_breakdown": {f"{s}.{o}": n for (s, o), n in sorted(calls.counts.items())},
        "degenerate_frequency": model.degenerate_frequency,
    }


def _ratio(a: float, b: float) -> float | None:
    return round(b / a, 2) if a else None


def audiences(quick: bool, progress: Callable[[str], None]) -> dict[str, Any]:
    from courteous_local.servers import dynamodb_engine

    small, large = (1_000, 10_000) if quick else (10_000, 100_000)
    saved = dict(os.environ)
    os.environ.update(EMULATED_ENV)  # the engine takes any key; never a real account
    try:
        with dynamodb_engine() as engine, TemporaryDirectory(prefix="courteous-bench-") as tmp:
            return _audiences(engine, small, large, Path(tmp), progress)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _audiences(
    engine: Any, small: int, large: int, tmp: Path, progress: Callable[[str], None]
) -> dict[str, Any]:
    progress(f"  importing {small:,} and {large:,} orders into the facts ({engine.name}) ...")
    imports = [import_run(engine, n, tmp) for n in (small, large)]
    progress(f"  RFM recompute over {small:,} and {large:,} customers ...")
    rfm = [rfm_run(engine, n) for n in (small, large)]
    a, b = imports
    return {
        "engine": engine.name,
        "import": {
            "runs": imports,
            "rows_per_s": b["rows_per_s"],
            "calls_per_order": b["calls_per_order"],
            "peak_memory_ratio": _ratio(a["peak_python_mb"], b["peak_python_mb"]),
            "size_ratio": large / small,
        },
        "rfm": {
            "runs": rfm,
            "seconds_ratio": _ratio(rfm[0]["seconds"], rfm[1]["seconds"]),
            "calls_ratio": _ratio(rfm[0]["aws_calls"], rfm[1]["aws_calls"]),
            "size_ratio": large / small,
        },
    }


def format_lines(result: dict[str, Any]) -> list[str]:
    imports, rfm = result["import"], result["rfm"]
    a, b = imports["runs"]
    lines = [
        f"orders import ({result['engine']}): "
        + ", ".join(
            f"{r['orders']:,} orders in {r['seconds']} s ({r['rows_per_s']:,} rows/s, "
            f"{r['calls_per_order']} calls/order, peak {r['peak_python_mb']} MB)"
            for r in (a, b)
        )
        + f"; x{imports['size_ratio']:g} rows: peak memory x{imports['peak_memory_ratio']}",
        "RFM recompute: "
        + ", ".join(
            f"{r['customers']:,} customers in {r['seconds']} s / {r['aws_calls']} calls "
            f"({r['tasks']} tasks)"
            for r in rfm["runs"]
        )
        + f" (x{rfm['size_ratio']:g}: x{rfm['seconds_ratio']} time, x{rfm['calls_ratio']} calls)",
    ]
    return lines
