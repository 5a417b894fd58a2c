"""RFM scores and named cells on small known sets."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from courteous.audiences.models import CustomerFacts
from courteous.audiences.rfm import (
    Cell,
    Partial,
    RfmModel,
    Scores,
    cell_of,
    model_from,
    score,
    thresholds,
)

AS_OF = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)

# The widely published R x F grid, as its regular expressions over "<R><F>"; the
# eleventh name, "lost", is its corner 11.
PUBLISHED_GRID = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_risk",
    r"[1-2]5": "cant_lose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal",
    r"41": "promising",
    r"51": "new",
    r"[4-5][2-3]": "potential_loyalists",
    r"5[4-5]": "champions",
}


@pytest.mark.parametrize("r", range(1, 6))
@pytest.mark.parametrize("f", range(1, 6))
def test_every_cell_is_the_published_grid(r: int, f: int) -> None:
    score = f"{r}{f}"
    (name,) = [name for pattern, name in PUBLISHED_GRID.items() if re.fullmatch(pattern, score)]
    expected = "lost" if score == "11" else name
    assert cell_of(r, f).value == expected


def buyer(n: int, days_ago: int, purchases: int, spent: str) -> CustomerFacts:
    return CustomerFacts(
        shop_id="known",
        customer_key=f"C{n}",
        orders=purchases,
        purchases=purchases,
        spent={"EUR": Decimal(spent)},
        last_purchase_at=AS_OF - timedelta(days=days_ago, hours=1),
    )


def model_of(customers: list[CustomerFacts]) -> RfmModel:
    partial = Partial()
    for customer in customers:
        partial.add(customer, AS_OF)
    model = model_from([partial], "known", "run", AS_OF)
    assert model is not None
    return model


def scores(model: RfmModel, customer: CustomerFacts) -> Scores:
    found = model.scores(customer)
    assert found is not None
    return found


def test_ten_buyers_fall_in_the_cells_worked_out_by_hand() -> None:
    # Given ten buyers: the n-th bought last 10*n days ago, n times, for 100*n EUR
    customers = [buyer(n, 10 * n, n, str(100 * n)) for n in range(1, 11)]
    model = model_of(customers)
    # Then scores step up every two buyers: recency at -80, -60, -40, -20 days,
    # frequency at 3, 5, 7, 9 purchases
    assert model.recency == (-80, -60, -40, -20)
    assert model.frequency == (3, 5, 7, 9)
    assert not model.degenerate_frequency
    # And each buyer's cell is the grid's at their (R, F)
    cells = [scores(model, c).cell.value for c in customers]
    assert cells == [
        "new",  # R5 F1
        "new",  # R5 F1
        "potential_loyalists",  # R4 F2
        "potential_loyalists",  # R4 F2
        "need_attention",  # R3 F3
        "need_attention",  # R3 F3
        "at_risk",  # R2 F4
        "at_risk",  # R2 F4
        "cant_lose",  # R1 F5
        "cant_lose",  # R1 F5
    ]
    # And someone who never bought has no scores
    assert model.scores(CustomerFacts(shop_id="known", customer_key="C0")) is None


def test_the_same_buyers_in_any_shards_give_the_same_model() -> None:
    customers = [buyer(n, 3 * n, 1 + n % 4, f"{7 * n}.5") for n in range(1, 60)]
    whole = model_of(customers)
    shards = [Partial() for _ in range(7)]
    for n, customer in enumerate(customers):
        shards[n % 7].add(customer, AS_OF)
    assert model_from(shards, "known", "run", AS_OF) == whole


def test_when_almost_nobody_buys_twice_cells_are_read_on_recency_and_money() -> None:
    # Given 200 buyers of whom 1 bought twice (the Olist case)
    customers = [buyer(n, n, 2 if n == 7 else 1, str(10 + n)) for n in range(1, 201)]
    model = model_of(customers)
    # Then frequency is said to be degenerate (everyone who bought once scores 3) and
    # the grid uses the money score
    assert model.degenerate_frequency
    assert model.repeat_share == 0.005
    recent_big = scores(model, buyer(0, 0, 1, "1000"))
    old_small = scores(model, buyer(0, 400, 1, "1"))
    assert (recent_big.r, recent_big.m, recent_big.cell) == (5, 5, Cell.CHAMPIONS)
    assert (old_small.r, old_small.m, old_small.cell) == (1, 1, Cell.LOST)


def pandas_scores(values: list[int]) -> list[int]:
    """ceil(5 * percentile rank), ties at their average rank, in exact integers."""
    ranks = pd.Series(values).rank(method="average")
    n = len(values)
    return [int(-(-(10 * rank) // (2 * n))) for rank in ranks]


def test_scores_are_five_times_the_percentile_rank_ties_averaged() -> None:
    rng = random.Random(5)
    for _ in range(50):
        values = [rng.randrange(-30, 30) for _ in range(rng.randrange(1, 300))]
        levels = thresholds(Counter(values))
        assert [score(v, levels) for v in values] == pandas_scores(values)


def test_a_shops_only_buyer_scores_five_and_equal_buyers_score_alike() -> None:
    assert thresholds(Counter({7: 1})) == (7, 7, 7, 7)
    levels = thresholds(Counter({1: 6, 2: 3, 9: 1}))
    # six equal buyers share ranks 1-6 (average 3.5 of 10): score 2
    assert [score(v, levels) for v in (1, 2, 9)] == [2, 4, 5]


def test_money_in_the_currency_most_buyers_paid_in() -> None:
    customers = [buyer(n, n, 1, "10") for n in range(1, 6)]
    customers.append(
        CustomerFacts(
            shop_id="known",
            customer_key="Cusd",
            orders=1,
            purchases=1,
            spent={"USD": Decimal(500)},
            last_purchase_at=AS_OF,
        )
    )
    model = model_of(customers)
    assert model.currency == "EUR"
    # the USD buyer spent nothing in EUR: the lowest money score
    assert scores(model, customers[-1]).m == 1
