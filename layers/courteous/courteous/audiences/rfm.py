"""RFM: recency, frequency and money scored 1-5 by quintile within a shop, and named.

Who is scored: buyers, customers with a paid order whose creation is known. Values,
each "higher is better": recency = minus the whole days from the newest paid order to
the run's instant; frequency = paid orders not cancelled; money = what those orders
brought net of refunds, in the shop's currency (the one most buyers paid in), on a
logarithmic scale of 1 % steps (`money_bin`), so a shard's distribution is a small
histogram that merges by addition and a million customers need no sort.

Quintiles: a buyer's score is ceil(5 x their percentile rank in the shop), equal values
sharing the average of their ranks (pandas: `ceil(5 * values.rank(pct=True))`). With
distinct values this is exactly the five fifths; equal values always get equal scores
(ties are never split by an arbitrary order), so a fifth can hold more or fewer buyers,
and a shop's only buyer scores 5. The model keeps, per measure, the lowest value that
reaches each score (`thresholds`), so a customer is scored without the distribution.

Named cells: the widely published R x F grid (the `seg_map` of R and F scores used with
pandas `qcut` in many public RFM notebooks) with the eleven names of Putler's RFM
segments, "lost" being the corner R = 1, F = 1 of "hibernating" (docs/decisions.md).
Where at least four buyers in five bought the same (lowest) number of times, the
frequency scores cannot separate them — the Olist sample has under 1 % repeat
buyers — and the grid is read on R x M instead: `degenerate_frequency` says so.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from courteous.audiences.models import CustomerFacts


class Cell(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALISTS = "potential_loyalists"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANT_LOSE = "cant_lose"
    HIBERNATING = "hibernating"
    LOST = "lost"


def cell_of(r: int, x: int) -> Cell:
    """The named cell of a recency score and a frequency (or money) score."""
    if r == 5:
        return Cell.NEW if x == 1 else Cell.POTENTIAL_LOYALISTS if x <= 3 else Cell.CHAMPIONS
    if r == 4:
        return Cell.PROMISING if x == 1 else Cell.POTENTIAL_LOYALISTS if x <= 3 else Cell.LOYAL
    if r == 3:
        return Cell.ABOUT_TO_SLEEP if x <= 2 else Cell.NEED_ATTENTION if x == 3 else Cell.LOYAL
    if x <= 2:
        return Cell.LOST if (r, x) == (1, 1) else Cell.HIBERNATING
    return Cell.AT_RISK if x <= 4 else Cell.CANT_LOSE


def money_bin(amount: Decimal) -> int:
    """Money on a 1 % logarithmic scale: floor(100 * ln(1 + amount))."""
    return math.floor(100 * math.log1p(float(max(amount, Decimal(0)))))


def recency_value(last_purchase_at: datetime, as_of: datetime) -> int:
    """Minus the whole days from the last purchase to `as_of` (higher = more recent)."""
    return -math.floor((as_of - last_purchase_at).total_seconds() / 86400)


Thresholds = tuple[int | None, int | None, int | None, int | None]


def thresholds(histogram: Mapping[int, int]) -> Thresholds:
    """The lowest value scoring at least 2, 3, 4 and 5 (None: no value does)."""
    n = sum(histogram.values())
    if n == 0:
        raise ValueError("no values")
    lowest: list[int | None] = [None, None, None, None]
    below = 0
    for value in sorted(histogram):
        equal = histogram[value]
        # ceil(5 * average rank / n), the average 1-based rank of the equal values
        # being below + (equal + 1) / 2: in integers, so a fifth's edge is exact.
        level = min(5, max(1, -(-5 * (2 * below + equal + 1) // (2 * n))))
        for reached in range(2, level + 1):
            if lowest[reached - 2] is None:
                lowest[reached - 2] = value
        below += equal
    return lowest[0], lowest[1], lowest[2], lowest[3]


def score(value: int, levels: Thresholds) -> int:
    return 1 + sum(1 for lowest in levels if lowest is not None and value >= lowest)


def is_buyer(facts: CustomerFacts) -> bool:
    return facts.purchases > 0 and facts.last_purchase_at is not None


@dataclass
class Partial:
    """The distribution of one shard's buyers: what a scan worker reports."""

    customers: int = 0
    buyers: int = 0
    repeat: int = 0
    currencies: Counter[str] = field(default_factory=Counter)
    recency: Counter[int] = field(default_factory=Counter)
    frequency: Counter[int] = field(default_factory=Counter)
    # money bins per currency; a buyer with nothing in a currency is in its bin 0
    money: dict[str, Counter[int]] = field(default_factory=dict)

    def add(self, facts: CustomerFacts, as_of: datetime) -> None:
        self.customers += 1
        if not is_buyer(facts):
            return
        assert facts.last_purchase_at is not None
        self.buyers += 1
        self.repeat += facts.purchases > 1
        self.recency[recency_value(facts.last_purchase_at, as_of)] += 1
        self.frequency[facts.purchases] += 1
        for currency in facts.spent:
            if currency not in self.money:
                # Buyers counted before this currency appeared spent nothing in it.
                self.money[currency] = (
                    Counter({0: self.buyers - 1}) if self.buyers > 1 else Counter()
                )
            self.currencies[currency] += 1
        for currency, bins in self.money.items():
            bins[money_bin(facts.spent.get(currency, Decimal(0)))] += 1

    def merge(self, other: Partial) -> Partial:
        merged = Partial(
            customers=self.customers + other.customers,
            buyers=self.buyers + other.buyers,
            repeat=self.repeat + other.repeat,
            currencies=self.currencies + other.currencies,
            recency=self.recency + other.recency,
            frequency=self.frequency + other.frequency,
        )
        for currency in set(self.money) | set(other.money):
            mine = self.money.get(currency) or Counter({0: self.buyers})
            theirs = other.money.get(currency) or Counter({0: other.buyers})
            merged.money[currency] = +(mine + theirs)
        return merged

    def to_json(self) -> str:
        return json.dumps(
            {
                "customers": self.customers,
                "buyers": self.buyers,
                "repeat": self.repeat,
                "currencies": dict(self.currencies),
                "recency": {str(k): v for k, v in self.recency.items()},
                "frequency": {str(k): v for k, v in self.frequency.items()},
                "money": {
                    c: {str(k): v for k, v in bins.items()} for c, bins in self.money.items()
                },
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Partial:
        data = json.loads(text)
        return cls(
            customers=int(data.get("customers", 0)),
            buyers=int(data["buyers"]),
            repeat=int(data["repeat"]),
            currencies=Counter(data["currencies"]),
            recency=Counter({int(k): v for k, v in data["recency"].items()}),
            frequency=Counter({int(k): v for k, v in data["frequency"].items()}),
            money={
                c: Counter({int(k): v for k, v in bins.items()})
                for c, bins in data["money"].items()
            },
        )


@dataclass(frozen=True)
class Scores:
    r: int
    f: int
    m: int
    cell: Cell


class RfmModel(BaseModel):
    """One shop's score thresholds as of a run: scores are computed from it."""

    model_config = ConfigDict(frozen=True)

    shop_id: str
    run_id: str
    as_of: AwareDatetime
    customers: int
    buyers: int
    repeat_share: float
    currency: str | None
    recency: Thresholds
    frequency: Thresholds
    money: Thresholds
    degenerate_frequency: bool

    def scores(self, facts: CustomerFacts) -> Scores | None:
        """The customer's scores and cell, or None for someone who never bought."""
        if not is_buyer(facts):
            return None
        assert facts.last_purchase_at is not None
        r = score(recency_value(facts.last_purchase_at, self.as_of), self.recency)
        f = score(facts.purchases, self.frequency)
        spent = facts.spent.get(self.currency, Decimal(0)) if self.currency else Decimal(0)
        m = score(money_bin(spent), self.money)
        return Scores(r, f, m, cell_of(r, m if self.degenerate_frequency else f))

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def model_from(
    partials: Iterable[Partial], shop_id: str, run_id: str, as_of: datetime
) -> RfmModel | None:
    """The shop's model from every shard's distribution; None when nobody bought."""
    total = Partial()
    for partial in partials:
        total = total.merge(partial)
    if total.buyers == 0:
        return None
    currency = None
    if total.currencies:
        currency = sorted(total.currencies.items(), key=lambda item: (-item[1], item[0]))[0][0]
    money = (
        total.money.get(currency, Counter({0: total.buyers}))
        if currency
        else Counter({0: total.buyers})
    )
    return RfmModel(
        shop_id=shop_id,
        run_id=run_id,
        as_of=as_of,
        customers=total.customers,
        buyers=total.buyers,
        repeat_share=round(total.repeat / total.buyers, 6),
        currency=currency,
        recency=thresholds(total.recency),
        frequency=thresholds(total.frequency),
        money=thresholds(money),
        # At least four buyers in five bought the same, lowest, number of times.
        degenerate_frequency=total.frequency[min(total.frequency)] * 5 >= 4 * total.buyers,
    )
