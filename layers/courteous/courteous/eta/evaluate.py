"""Score the estimator on a shop's delivery history, replayed as it would have run live.

CSV columns (header row, UTF-8):

| column       | required | example                     |
|--------------|----------|-----------------------------|
| shipped_at   | yes      | 2017-07-11T14:58:04-03:00   |
| delivered_at | yes      | 2017-07-26T10:57:55-03:00   |
| origin       | yes      | SP (the origin region)      |
| destination  | yes      | BR-PR (country-region) or a country code |
| carrier      | no       | Correios                    |
| postcode     | no       | 80250 (the destination's postcode or its prefix) |
| promised_at  | no       | 2017-08-01 (a baseline promise to compare with) |

Instants without an offset are read as UTC. The history is replayed in time order as
the deployed system sees it: at each parcel's hand-over (`shipped_at`) it gets a promise
from what was delivered by then, and at each delivery (`delivered_at`) the transit is
learned and the promise's outcome is counted towards the shop's calibrated level. Rows
are ordered by `shipped_at`; those in the first `split` share (or shipped before
`split_at`) only warm the estimator up, the rest are scored, so every parameter is
fixed before the scored period begins. Bad rows (a missing or unreadable date, delivery
before hand-over) are skipped and counted by reason, never fatal. A row is on time when
delivered on or before the promised (`latest`) date in the destination's calendar;
slack is promised minus actual delivery day.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from courteous.eta.days import local_date
from courteous.eta.model import LEVELS, Estimate, Estimator, EtaConfig, MemoryEtaStore

SHOP = "history"
# A month's on-time rate counts towards the worst month only with this many scored rows.
MONTH_MIN_ROWS = 50


@dataclass(frozen=True)
class Delivery:
    shipped_at: datetime
    delivered_at: datetime
    origin: str | None
    country: str | None
    region: str | None
    carrier: str | None
    promised: date | None
    postcode: str | None = None

    @property
    def delivered_on(self) -> date:
        return local_date(self.delivered_at, self.country, self.region)

    @property
    def shipped_on(self) -> date:
        return local_date(self.shipped_at, self.country, self.region)


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _place(text: str) -> tuple[str | None, str | None]:
    text = text.strip().upper()
    if not text:
        return None, None
    if "-" in text:
        country, region = text.split("-", 1)
        return country or None, region or None
    return (text, None) if len(text) == 2 else (None, text)


def read_history(lines: Iterable[str]) -> tuple[list[Delivery], Counter[str]]:
    reader = csv.DictReader(lines)
    missing = {"shipped_at", "delivered_at", "origin", "destination"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"missing columns: {', '.join(sorted(missing))}")
    rows: list[Delivery] = []
    skipped: Counter[str] = Counter()
    for row in reader:
        if not (row.get("shipped_at") or "").strip():
            skipped["missing shipped_at"] += 1
            continue
        if not (row.get("delivered_at") or "").strip():
            skipped["missing delivered_at"] += 1
            continue
        try:
            shipped, delivered = _instant(row["shipped_at"]), _instant(row["delivered_at"])
        except ValueError:
            skipped["unreadable date"] += 1
            continue
        if delivered < shipped:
            skipped["delivered before shipped"] += 1
            continue
        country, region = _place(row.get("destination") or "")
        if country is None and region is None:
            skipped["missing destination"] += 1
            continue
        promised_text = (row.get("promised_at") or "").strip()
        promised = None
        if promised_text:
            try:
                promised = local_date(_instant(promised_text), country, region)
            except ValueError:
                promised = None
        rows.append(
            Delivery(
                shipped_at=shipped,
                delivered_at=delivered,
                origin=(row.get("origin") or "").strip().upper() or None,
                country=country,
                region=region,
                carrier=(row.get("carrier") or "").strip() or None,
                promised=promised,
                postcode=(row.get("postcode") or "").strip() or None,
            )
        )
    rows.sort(key=lambda d: d.shipped_at)
    return rows, skipped


def scored_from(rows: list[Delivery], split: float | None, split_at: datetime | None) -> int:
    """The index of the first scored row (rows are ordered by `shipped_at`)."""
    if split_at is not None:
        return next((i for i, r in enumerate(rows) if r.shipped_at >= split_at), len(rows))
    return int(len(rows) * (split if split is not None else 0.7))


def replay(rows: list[Delivery], config: EtaConfig | None = None) -> list[Estimate | None]:
    """Each row's promise, made at its hand-over from the deliveries known by then.

    Events are taken in time order; a delivery at the very instant of another parcel's
    hand-over counts as known then. The estimator's store only ever sees a delivery
    when its instant has come, so nothing later can reach an earlier promise."""
    estimator = Estimator(MemoryEtaStore(), config)
    # (instant, 0 = delivery / 1 = hand-over, row); a parcel delivered at its own
    # hand-over instant is still promised before it is learned (2 sorts after 1).
    events = [(row.shipped_at, 1, i) for i, row in enumerate(rows)]
    events += [
        (row.delivered_at, 0 if row.delivered_at > row.shipped_at else 2, i)
        for i, row in enumerate(rows)
    ]
    events.sort(key=lambda event: (event[0], event[1], event[2]))
    promises: list[Estimate | None] = [None] * len(rows)
    for _, kind, i in events:
        row = rows[i]
        if kind == 1:
            promises[i] = estimator.estimate(
                SHOP,
                row.carrier,
                row.origin,
                row.country,
                row.region,
                row.shipped_at,
                postal_code=row.postcode,
            )
            continue
        promise = promises[i]
        estimator.observe(
            SHOP,
            row.carrier,
            row.origin,
            row.country,
            row.region,
            row.shipped_at,
            row.delivered_at,
            postal_code=row.postcode,
            promised=promise.latest if promise else None,
        )
    return promises


def _percentile(values: list[int], share: float) -> float:
    """The `share` percentile with linear interpolation (as `statistics.quantiles`)."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def figures(scored: list[tuple[date, Delivery, date | None]]) -> dict[str, Any]:
    """(promised latest date, the delivery, median estimate) -> the scorer's figures."""
    if not scored:
        return {
            "rows": 0,
            "on_time_rate": None,
            "median_slack_days": None,
            "p75_slack_days": None,
            "worst_month_on_time_rate": None,
        }
    slack = [(promised - row.delivered_on).days for promised, row, _ in scored]
    months: dict[str, list[bool]] = defaultdict(list)
    for (_, row, _), days in zip(scored, slack, strict=True):
        months[f"{row.shipped_on:%Y-%m}"].append(days >= 0)
    by_month = {
        month: round(sum(kept) / len(kept), 4)
        for month, kept in sorted(months.items())
        if len(kept) >= MONTH_MIN_ROWS
    }
    errors = [abs((mid - row.delivered_on).days) for _, row, mid in scored if mid is not None]
    return {
        "rows": len(scored),
        "on_time_rate": round(sum(1 for s in slack if s >= 0) / len(scored), 4),
        "median_slack_days": statistics.median(slack),
        "p75_slack_days": _percentile(slack, 0.75),
        "worst_month_on_time_rate": min(by_month.values()) if by_month else None,
        "months": by_month,
        "mean_abs_error_days": round(statistics.fmean(errors), 3) if errors else None,
    }


def evaluate(
    rows: list[Delivery],
    skipped: Counter[str],
    *,
    split: float | None = 0.7,
    split_at: datetime | None = None,
    config: EtaConfig | None = None,
) -> dict[str, Any]:
    config = config or EtaConfig()
    first = scored_from(rows, split, split_at)
    promises = replay(rows, config)
    coverage: Counter[str] = Counter()
    ours: list[tuple[date, Delivery, date | None]] = []
    baseline: list[tuple[date, Delivery, date | None]] = []
    levels: list[float] = []
    for row, promise in zip(rows[first:], promises[first:], strict=True):
        if row.promised is not None:
            baseline.append((row.promised, row, None))
        if promise is None:
            coverage["none"] += 1
            continue
        coverage[promise.level] += 1
        levels.append(promise.confidence)
        ours.append((promise.latest, row, promise.date))
    calibration = config.calibration
    result: dict[str, Any] = {
        **figures(ours),
        "rows_used": len(rows),
        "rows_trained": first,
        "rows_scored": len(rows) - first,
        "rows_skipped": sum(skipped.values()),
        "skipped_because": dict(sorted(skipped.items())),
        "coverage": {level: coverage.get(level, 0) for level in (*LEVELS, "none")},
        "level": (
            {"fixed": config.fixed_level}
            if config.fixed_level is not None
            else {
                "target": calibration.target,
                "step": calibration.step,
                "start": calibration.start,
            }
        ),
        "median_level_read": statistics.median(levels) if levels else None,
        "business_days": config.business_days,
        "half_life_days": config.half_life_days,
        "postcode_area": config.postcode_area,
    }
    if baseline:
        result["promised_at"] = figures(baseline)
    return result
