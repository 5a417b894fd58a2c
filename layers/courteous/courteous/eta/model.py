"""Learn transit times per lane and predict a delivery date with a range.

Every delivery adds one observation to five histograms, from the most to the least
specific: the lane (carrier x origin region x destination region), the carrier to the
destination, the destination, the shop, and all shops. A prediction uses the most
specific level with enough observations and says which one answered; with none, there
is no estimate rather than a bad one.

The estimate is the median transit (`date`) and the `confidence` quantile (`latest`),
counted in the destination's calendar (business days by default), starting from the
day of hand-over there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from courteous.eta.days import add_days, count_days, local_date
from courteous.eta.sketch import Histogram, recency_weight

LEVELS = ("lane", "carrier_destination", "destination", "shop", "global")


@dataclass(frozen=True)
class EtaConfig:
    confidence: float = 0.88
    # Recency weighting is available (a half-life in days) but off by default: on the
    # Olist sample it made promises later without making them more reliable.
    half_life_days: float = 0.0
    business_days: bool = True
    min_samples: Mapping[str, int] = field(
        default_factory=lambda: {
            "lane": 30,
            "carrier_destination": 30,
            "destination": 30,
            "shop": 50,
            "global": 50,
        }
    )


@dataclass(frozen=True)
class Estimate:
    date: dt.date
    earliest: dt.date
    latest: dt.date
    confidence: float
    level: str
    samples: int
    transit_days: int


class EtaStore(Protocol):
    def histograms(self, keys: list[str]) -> dict[str, Histogram]: ...

    def add(self, keys: list[str], days: int, weight: float) -> None: ...


def _place(country: str | None, region: str | None) -> str:
    return f"{country or '-'}-{region or '-'}"


def level_keys(
    shop_id: str,
    carrier: str | None,
    origin_region: str | None,
    destination_country: str | None,
    destination_region: str | None,
) -> list[tuple[str, str]]:
    """(level, key) from the most to the least specific; levels without the facts
    they need (no origin for a lane, no destination) are left out."""
    carrier_key = (carrier or "-").strip().lower()
    keys: list[tuple[str, str]] = []
    destination = _place(destination_country, destination_region)
    if destination_country:
        if origin_region:
            keys.append(("lane", f"lane|{shop_id}|{carrier_key}|{origin_region}|{destination}"))
        keys.append(("carrier_destination", f"cd|{shop_id}|{carrier_key}|{destination}"))
        keys.append(("destination", f"dest|{shop_id}|{destination}"))
    keys.append(("shop", f"shop|{shop_id}"))
    keys.append(("global", "global"))
    return keys


class Estimator:
    def __init__(self, store: EtaStore, config: EtaConfig | None = None) -> None:
        self._store = store
        self.config = config or EtaConfig()

    def observe(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: datetime,
        delivered_at: datetime,
    ) -> int | None:
        """Learn one delivery; returns the transit days counted, or None if nonsense."""
        start = local_date(shipped_at, destination_country, destination_region)
        end = local_date(delivered_at, destination_country, destination_region)
        if end < start:
            return None
        days = count_days(
            start,
            end,
            business=self.config.business_days,
            country=destination_country,
            region=destination_region,
        )
        keys = [
            key
            for _, key in level_keys(
                shop_id, carrier, origin_region, destination_country, destination_region
            )
        ]
        self._store.add(keys, days, recency_weight(delivered_at, self.config.half_life_days))
        return days

    def estimate(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: datetime,
    ) -> Estimate | None:
        levels = level_keys(
            shop_id, carrier, origin_region, destination_country, destination_region
        )
        found = self._store.histograms([key for _, key in levels])
        for level, key in levels:
            histogram = found.get(key)
            if histogram is None or histogram.count < self.config.min_samples.get(level, 1):
                continue
            start = local_date(shipped_at, destination_country, destination_region)

            def on(days: int, start: dt.date = start) -> dt.date:
                return add_days(
                    start,
                    days,
                    business=self.config.business_days,
                    country=destination_country,
                    region=destination_region,
                )

            median = histogram.quantile(0.5)
            latest = histogram.quantile(self.config.confidence)
            return Estimate(
                date=on(median),
                earliest=on(histogram.quantile(0.1)),
                latest=on(latest),
                confidence=self.config.confidence,
                level=level,
                samples=histogram.count,
                transit_days=latest,
            )
        return None


class MemoryEtaStore:
    """Histograms in a dict: for evaluation and tests."""

    def __init__(self) -> None:
        self._histograms: dict[str, Histogram] = {}

    def histograms(self, keys: list[str]) -> dict[str, Histogram]:
        return {key: self._histograms[key] for key in keys if key in self._histograms}

    def add(self, keys: list[str], days: int, weight: float) -> None:
        for key in keys:
            self._histograms.setdefault(key, Histogram()).add(days, weight)
