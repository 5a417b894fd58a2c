"""A compact, mergeable histogram of transit days with recency weights.

Transit times are whole days (calendar or business days), so one bucket per day is
exact: a quantile read from the histogram is the exact weighted quantile of what was
added, up to `MAX_DAYS` (longer transits share the last bucket). Recent deliveries
weigh more: an observation at instant t weighs 2^((t - EPOCH) / half-life). Weights
only ever grow with t, so every update is an atomic ADD of a positive number and any
two histograms merge by adding bucket by bucket, in any order; quantiles do not depend
on the scale, so the growing weights never need rescaling in storage.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

MAX_DAYS = 60
EPOCH = datetime(2016, 1, 1, tzinfo=UTC)


def recency_weight(at: datetime, half_life_days: float) -> float:
    if half_life_days <= 0:
        return 1.0
    age_days = (at - EPOCH).total_seconds() / 86400
    return float(math.pow(2.0, age_days / half_life_days))


def bucket(days: int) -> int:
    return max(0, min(int(days), MAX_DAYS))


@dataclass
class Histogram:
    weights: dict[int, float] = field(default_factory=dict)
    count: int = 0

    def add(self, days: int, weight: float = 1.0) -> None:
        key = bucket(days)
        self.weights[key] = self.weights.get(key, 0.0) + weight
        self.count += 1

    def merge(self, other: Histogram) -> Histogram:
        merged = Histogram(dict(self.weights), self.count + other.count)
        for key, weight in other.weights.items():
            merged.weights[key] = merged.weights.get(key, 0.0) + weight
        return merged

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def quantile(self, q: float) -> int:
        """The smallest day d with at least a share q of the weight at or below d."""
        if not self.weights:
            raise ValueError("an empty histogram has no quantile")
        if not 0.0 < q <= 1.0:
            raise ValueError("q must be in (0, 1]")
        target = q * self.total
        running = 0.0
        for day in sorted(self.weights):
            running += self.weights[day]
            if running >= target * (1 - 1e-12):
                return day
        return max(self.weights)

    @classmethod
    def of(cls, days: Iterable[int], weights: Iterable[float] | None = None) -> Histogram:
        histogram = cls()
        values = list(days)
        for value, weight in zip(values, weights or [1.0] * len(values), strict=True):
            histogram.add(value, weight)
        return histogram

    def to_item(self) -> dict[str, float]:
        return {f"b{day}": weight for day, weight in self.weights.items()}

    @classmethod
    def from_item(cls, item: Mapping[str, float], count: int) -> Histogram:
        weights = {int(name[1:]): float(value) for name, value in item.items() if name[0] == "b"}
        return cls(weights, count)
