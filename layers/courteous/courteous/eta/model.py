"""Learn transit times per lane and promise a delivery date that keeps itself honest.

Every delivery adds one observation to the histograms of up to six levels, from the
most to the least specific: the destination's postcode area within the lane, the lane
(carrier x origin region x destination region), the carrier to the destination, the
destination, the shop, and all shops. A prediction uses the most specific level with
enough observations and says which one answered; with none, there is no estimate
rather than a bad one.

The estimate is the median transit (`date`) and a calibrated quantile (`latest`),
counted in the destination's calendar (business days by default), starting from the
day of hand-over there. The quantile's level comes from the shop's own record of
promises kept and broken (`calibration`), raised where the answering histogram is thin
by the finite-sample correction of split conformal prediction: from n observations the
q-quantile is read at ceil((n + 1) q) / n, which covers a new parcel at least a share q
of the time when transits are exchangeable, where the plain empirical quantile falls
short by up to 1 / n.

The histograms and the monthly records are counts that only grow, so the store adds
numbers and never reads before writing; the shop's level is the one value that is read
and then moved, with a conditional write per outcome.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from courteous.eta.calibration import Calibration, OnTimeRecord
from courteous.eta.days import add_days, count_days, local_date
from courteous.eta.sketch import Histogram, bucket, recency_weight

LEVELS = ("area", "lane", "carrier_destination", "destination", "shop", "global")


@dataclass(frozen=True)
class EtaConfig:
    calibration: Calibration = field(default_factory=Calibration)
    # A fixed quantile level instead of the calibrated one (for comparison only).
    fixed_level: float | None = None
    # Recency weighting is available (a half-life in days) but off by default: with the
    # level calibrated it traded a little more on time for a day more of slack on the
    # training part of the Olist sample (docs/eta.md).
    half_life_days: float = 0.0
    business_days: bool = True
    # Characters of the destination postcode that name its area (0: no area level):
    # two tell a Brazilian capital from its interior (CEP 01-05 and part of 08 are São
    # Paulo city, the rest of 06-19 its metropolitan area and the interior), and did
    # better than 0, 1 or 3 on the training part of the Olist sample.
    postcode_area: int = 2
    min_samples: Mapping[str, int] = field(
        default_factory=lambda: {
            "area": 30,
            "lane": 30,
            "carrier_destination": 30,
            "destination": 30,
            "shop": 50,
            "global": 50,
        }
    )
    # The finite-sample correction for thin histograms (see the module's docstring).
    thin_correction: bool = True


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
    """Numbers per key: read several keys at once, add to several, and move one level."""

    def items(self, keys: list[str]) -> dict[str, dict[str, float]]: ...

    def add(self, updates: Mapping[str, Mapping[str, float]]) -> None: ...

    def record_outcome(
        self, key: str, late: bool, after: Callable[[float | None, bool], float]
    ) -> None:
        """Count one promise's outcome under `key` and set its level to
        `after(level, late)`, as one atomic step (no two outcomes read the same level)."""
        ...


def _place(country: str | None, region: str | None) -> str:
    return f"{country or '-'}-{region or '-'}"


def postcode_area(postal_code: str | None, length: int) -> str | None:
    """The first `length` letters and digits of a postcode, upper-cased (None if fewer)."""
    if not postal_code or length <= 0:
        return None
    compact = "".join(ch for ch in postal_code.upper() if ch.isalnum())
    return compact[:length] if len(compact) >= length else None


def level_keys(
    shop_id: str,
    carrier: str | None,
    origin_region: str | None,
    destination_country: str | None,
    destination_region: str | None,
    area: str | None = None,
) -> list[tuple[str, str]]:
    """(level, key) from the most to the least specific; levels without the facts
    they need (no origin for a lane, no destination, no postcode for an area) are left
    out."""
    carrier_key = (carrier or "-").strip().lower()
    keys: list[tuple[str, str]] = []
    destination = _place(destination_country, destination_region)
    if destination_country:
        if origin_region:
            lane = f"lane|{shop_id}|{carrier_key}|{origin_region}|{destination}"
            if area:
                keys.append(("area", f"area|{lane[5:]}|{area}"))
            keys.append(("lane", lane))
        keys.append(("carrier_destination", f"cd|{shop_id}|{carrier_key}|{destination}"))
        keys.append(("destination", f"dest|{shop_id}|{destination}"))
    keys.append(("shop", f"shop|{shop_id}"))
    keys.append(("global", "global"))
    return keys


def record_key(shop_id: str) -> str:
    """The shop's record of promises and its calibrated level."""
    return f"cal|{shop_id}"


def month_key(shop_id: str, month: dt.date) -> str:
    """The shop's promises delivered in one month (for `eta status`)."""
    return f"cal|{shop_id}|{month:%Y-%m}"


def histogram_of(item: Mapping[str, float]) -> Histogram:
    return Histogram.from_item(item, int(item.get("n", 0)))


def record_of(item: Mapping[str, float] | None) -> OnTimeRecord:
    if not item:
        return OnTimeRecord()
    return OnTimeRecord(int(item.get("promises", 0)), int(item.get("late", 0)), item.get("level"))


def thin_level(level: float, samples: int) -> float:
    """The level to read an n-sample histogram at for coverage `level` (at most 1)."""
    if samples <= 0:
        return 1.0
    return min(1.0, math.ceil((samples + 1) * level - 1e-9) / samples)


class Estimator:
    def __init__(self, store: EtaStore, config: EtaConfig | None = None) -> None:
        self._store = store
        self.config = config or EtaConfig()

    def _keys(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        postal_code: str | None,
    ) -> list[tuple[str, str]]:
        area = postcode_area(postal_code, self.config.postcode_area)
        return level_keys(
            shop_id, carrier, origin_region, destination_country, destination_region, area
        )

    def _days(self, start: dt.date, end: dt.date, country: str | None, region: str | None) -> int:
        return count_days(
            start, end, business=self.config.business_days, country=country, region=region
        )

    def observe(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: datetime,
        delivered_at: datetime,
        *,
        postal_code: str | None = None,
        promised: dt.date | None = None,
    ) -> int | None:
        """Learn one delivery and, when it was promised for a date, whether the promise
        was kept; returns the transit days counted, or None if nonsense."""
        start = local_date(shipped_at, destination_country, destination_region)
        end = local_date(delivered_at, destination_country, destination_region)
        if end < start:
            return None
        days = self._days(start, end, destination_country, destination_region)
        weight = recency_weight(delivered_at, self.config.half_life_days)
        updates: dict[str, dict[str, float]] = {
            key: {f"b{bucket(days)}": weight, "n": 1}
            for _, key in self._keys(
                shop_id,
                carrier,
                origin_region,
                destination_country,
                destination_region,
                postal_code,
            )
        }
        if promised is not None:
            # The level first: it is the step that may fail under contention, and a
            # retry of a delivery that failed there has not added anything yet.
            self._store.record_outcome(
                record_key(shop_id), end > promised, self.config.calibration.after
            )
            updates[month_key(shop_id, end)] = {"promises": 1, "late": int(end > promised)}
        self._store.add(updates)
        return days

    def record(self, shop_id: str) -> OnTimeRecord:
        """The shop's record of promises kept and broken, and its level."""
        key = record_key(shop_id)
        return record_of(self._store.items([key]).get(key))

    def estimate(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: datetime,
        *,
        postal_code: str | None = None,
    ) -> Estimate | None:
        levels = self._keys(
            shop_id, carrier, origin_region, destination_country, destination_region, postal_code
        )
        calibration_key = record_key(shop_id)
        found = self._store.items([key for _, key in levels] + [calibration_key])
        calibrated = record_of(found.get(calibration_key)).level
        if self.config.fixed_level is not None:
            wanted = self.config.fixed_level
        elif calibrated is None:
            wanted = self.config.calibration.start
        else:
            wanted = calibrated
        for level, key in levels:
            item = found.get(key)
            if item is None:
                continue
            histogram = histogram_of(item)
            if histogram.count < self.config.min_samples.get(level, 1) or not histogram.weights:
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

            read_at = thin_level(wanted, histogram.count) if self.config.thin_correction else wanted
            latest = histogram.quantile(read_at)
            return Estimate(
                date=on(histogram.quantile(0.5)),
                earliest=on(histogram.quantile(0.1)),
                latest=on(latest),
                confidence=round(read_at, 4),
                level=level,
                samples=histogram.count,
                transit_days=latest,
            )
        return None


class MemoryEtaStore:
    """The store's numbers in a dict: for evaluation and tests."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, float]] = {}

    def items(self, keys: list[str]) -> dict[str, dict[str, float]]:
        return {key: dict(self._items[key]) for key in keys if key in self._items}

    def add(self, updates: Mapping[str, Mapping[str, float]]) -> None:
        for key, numbers in updates.items():
            item = self._items.setdefault(key, {})
            for name, value in numbers.items():
                item[name] = item.get(name, 0.0) + value

    def record_outcome(
        self, key: str, late: bool, after: Callable[[float | None, bool], float]
    ) -> None:
        item = self._items.setdefault(key, {})
        item["level"] = after(item.get("level"), late)
        item["promises"] = item.get("promises", 0.0) + 1
        item["late"] = item.get("late", 0.0) + int(late)
