"""The Olist extract, turned into the canonical orders CSV and imported with
`courteous orders import` into the local stack's facts, gives the counts, money and RFM
cells that an independent pandas computation over Olist's own tables gives."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from courteous import clock
from courteous.audiences.identity import SHARDS
from courteous.audiences.models import CustomerFacts
from courteous.audiences.recompute import RfmRuns
from courteous.audiences.rfm import RfmModel
from courteous.audiences.store import FactsStore
from courteous.cli import main
from courteous_local.servers import Engine, dynamodb_engine
from courteous_local.state import LocalState
from tests.conftest import FIXTURES_DIR, REPO_ROOT
from tests.integration.audience_helpers import audience_table
from tests.unit.test_audience_rfm import PUBLISHED_GRID

OLIST = FIXTURES_DIR / "olist"
AS_OF = datetime(2018, 11, 1, tzinfo=UTC)


def by_pandas() -> pd.DataFrame:
    """Per person (customer_unique_id): orders, purchases, money, last state, RFM."""
    orders = pd.read_csv(OLIST / "olist_orders_dataset.csv")
    people = pd.read_csv(OLIST / "olist_customers_dataset.csv")
    items = pd.read_csv(OLIST / "olist_order_items_dataset.csv")
    totals = (items["price"] + items["freight_value"]).groupby(items["order_id"]).sum()
    df = orders.merge(people, on="customer_id")
    df["total"] = df["order_id"].map(totals).fillna(0.0)
    df["cancelled"] = df["order_status"].isin(["canceled", "unavailable"])
    df["paid"] = df["order_approved_at"].notna()
    df["purchase"] = df["paid"] & ~df["cancelled"]
    # Brazil's local times; Brasília is UTC-3 all year since 2019 and in this data's use.
    df["placed"] = pd.to_datetime(df["order_purchase_timestamp"]).dt.tz_localize("-03:00")
    df["spent"] = df["total"].where(df["purchase"], 0.0)
    per = df.groupby("customer_unique_id").agg(
        orders=("order_id", "size"),
        purchases=("purchase", "sum"),
        cancelled=("cancelled", "sum"),
        spent=("spent", "sum"),
    )
    newest = df.sort_values("placed").groupby("customer_unique_id").tail(1)
    per["state"] = newest.set_index("customer_unique_id")["customer_state"]
    per["last_paid"] = df[df["paid"]].groupby("customer_unique_id")["placed"].max()
    buyers = per[(per["purchases"] > 0) & per["last_paid"].notna()].copy()
    seconds = (pd.Timestamp(AS_OF) - buyers["last_paid"]).dt.total_seconds()
    recency = -np.floor(seconds / 86400)
    money = np.floor(100 * np.log1p(buyers["spent"].round(2)))

    def scored(values: pd.Series) -> pd.Series:
        # ceil(5 * percentile rank), ties at their average rank, in exact integers
        n = len(values)
        return values.rank(method="average").apply(lambda rank: int(-(-(10 * rank) // (2 * n))))

    purchases = buyers["purchases"]
    degenerate = (purchases == purchases.min()).mean() >= 0.8
    r, f, m = scored(recency), scored(purchases), scored(money)
    x = m if degenerate else f

    def cell(score: str) -> str:
        if score == "11":
            return "lost"
        (name,) = [n for p, n in PUBLISHED_GRID.items() if re.fullmatch(p, score)]
        return name

    per["rfm"] = (r.astype(str) + x.astype(str)).map(cell)
    per.attrs["degenerate"] = bool(degenerate)
    per.attrs["repeat_share"] = float((buyers["purchases"] > 1).mean())
    return per


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with dynamodb_engine() as running:
        if running.note:
            warnings.warn(running.note, stacklevel=1)
        yield running


@dataclass(frozen=True)
class Imported:
    people: dict[str, CustomerFacts]  # by Olist's customer_unique_id
    cells: dict[str, str | None]
    model: RfmModel


@pytest.fixture
def imported(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Imported:
    # Given the extract as the canonical CSV (Olist's tables -> one row per order)
    csv_path = tmp_path / "olist.csv"
    with csv_path.open("w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, str(REPO_ROOT / "scripts" / "olist_orders_to_csv.py"), str(OLIST)],
            stdout=out,
            check=True,
        )
    # And a running local stack (its table on DynamoDB Local, as `courteous serve` leaves)
    client, table = audience_table(engine, "olist")
    LocalState(
        gate_table="unused",
        audience_table=table,
        contact_key="olist-test-key",
        shops=[],
        dynamodb_endpoint=engine.endpoint,
    ).save(tmp_path)
    monkeypatch.chdir(tmp_path)
    # When it is imported into the local stack, twice (a re-import changes nothing)
    args = ["orders", "import", str(csv_path), "--shop", "olist", "--no-progress"]
    assert main(args) == 0
    assert main(args) == 0
    # And the shop's RFM scores are computed as of 1 November 2018
    previous = clock.use_clock(lambda: AS_OF)
    try:
        assert main(["segments", "recompute", "--shop", "olist"]) == 0
    finally:
        clock.use_clock(previous)
    facts = FactsStore(client, table, b"olist-test-key")
    found = [c for shard in range(SHARDS) for c in facts.shard_facts("olist", shard)]
    model = RfmRuns(client, facts).model("olist")
    assert model is not None
    people = {c.customer_key.removeprefix("C"): c for c in found}
    cells = {}
    for key, customer in people.items():
        scores = model.scores(customer)
        cells[key] = scores.cell.value if scores else None
    return Imported(people, cells, model)


def test_olist_imported_gives_the_counts_pandas_gives(imported: Imported) -> None:
    expected = by_pandas()
    people = imported.people
    # Then there is one customer per Olist person, with their orders and purchases
    assert set(people) == set(expected.index)
    assert sum(c.orders for c in people.values()) == int(expected["orders"].sum()) == 1500
    got = {k: (c.orders, c.purchases, c.cancelled) for k, c in people.items()}
    want = {
        str(k): (int(r.orders), int(r.purchases), int(r.cancelled)) for k, r in expected.iterrows()
    }
    assert got == want
    # And the same money, to the cent, and the same state for each
    spent = {k: c.spent.get("BRL", Decimal(0)) for k, c in people.items()}
    assert spent == {k: Decimal(str(round(v, 2))) for k, v in expected["spent"].items()}
    assert Counter(c.region for c in people.values()) == Counter(expected["state"])
    # And frequency is degenerate here, as pandas finds: under 1 % bought twice
    model = imported.model
    assert model.degenerate_frequency is expected.attrs["degenerate"] is True
    assert math.isclose(model.repeat_share, expected.attrs["repeat_share"], abs_tol=1e-6)
    assert model.repeat_share < 0.01
    # And every person is in the RFM cell pandas puts them in (R x M here)
    want_cells = {str(k): (v if isinstance(v, str) else None) for k, v in expected["rfm"].items()}
    assert imported.cells == want_cells
