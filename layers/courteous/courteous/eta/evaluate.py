"""Score the estimator on a shop's delivery history: train on the past, test on the rest.

CSV columns (header row, UTF-8):

| column       | required | example                     |
|--------------|----------|-----------------------------|
| shipped_at   | yes      | 2017-07-11T14:58:04-03:00   |
| delivered_at | yes      | 2017-07-26T10:57:55-03:00   |
| origin       | yes      | SP (the origin region)      |
| destination  | yes      | BR-PR (country-region) or a country code |
| carrier      | no       | Correios                    |
| promised_at  | no       | 2017-08-01 (a baseline promise to compare with) |

Instants without an offset are read as UTC. Rows are ordered by `shipped_at`; the first
`split` share (or those shipped before `split_at`) train the model, the rest are scored.
Bad rows (a missing or unreadable date, delivery before hand-over) are skipped and
counted by reason, never fatal. A row is on time when delivered on or before the
promised (`latest`) date in the destination's calendar; slack is promised minus actual
delivery day.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from courteous.eta.days import local_date
from courteous.eta.model import LEVELS, Estimator, EtaConfig, MemoryEtaStore

SHOP = "history"


@dataclass(frozen=True)
class Delivery:
    shipped_at: datetime
    delivered_at: datetime
    origin: str | None
    country: str | None
    region: str | None
    carrier: str | None
    promised: date | None


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
            )
        )
    rows.sort(key=lambda d: d.shipped_at)
    return rows, skipped


def split_rows(
    rows: list[Delivery], split: float | None, split_at: datetime | None
) -> tuple[list[Delivery], list[Delivery]]:
    if split_at is not None:
        return [r for r in rows if r.shipped_at < split_at], [
            r for r in rows if r.shipped_at >= split_at
        ]
    cut = int(len(rows) * (split if split is not None else 0.7))
    return rows[:cut], rows[cut:]


def _figures(pairs: list[tuple[date, date, date | None]]) -> dict[str, Any]:
    """(promised, delivered, median estimate) triples -> the issue's figures."""
    if not pairs:
        return {"rows": 0, "on_time_rate": None, "median_slack_days": None}
    slack = [(promised - delivered).days for promised, delivered, _ in pairs]
    figures: dict[str, Any] = {
        "rows": len(pairs),
        "on_time_rate": round(sum(1 for s in slack if s >= 0) / len(pairs), 4),
        "median_slack_days": statistics.median(slack),
    }
    errors = [abs((mid - delivered).days) for _, delivered, mid in pairs if mid is not None]
    figures["mean_abs_error_days"] = round(statistics.fmean(errors), 3) if errors else None
    return figures


def evaluate(
    rows: list[Delivery],
    skipped: Counter[str],
    *,
    split: float | None = 0.7,
    split_at: datetime | None = None,
    config: EtaConfig | None = None,
) -> dict[str, Any]:
    train, test = split_rows(rows, split, split_at)
    estimator = Estimator(MemoryEtaStore(), config)
    for row in train:
        estimator.observe(
            SHOP, row.carrier, row.origin, row.country, row.region, row.shipped_at, row.delivered_at
        )
    coverage: Counter[str] = Counter()
    ours: list[tuple[date, date, date | None]] = []
    baseline: list[tuple[date, date, date | None]] = []
    for row in test:
        delivered = local_date(row.delivered_at, row.country, row.region)
        if row.promised is not None:
            baseline.append((row.promised, delivered, None))
        estimate = estimator.estimate(
            SHOP, row.carrier, row.origin, row.country, row.region, row.shipped_at
        )
        if estimate is None:
            coverage["none"] += 1
            continue
        coverage[estimate.level] += 1
        ours.append((estimate.latest, delivered, estimate.date))
    used = len(train) + len(test)
    result: dict[str, Any] = {
        **_figures(ours),
        "rows_used": used,
        "rows_trained": len(train),
        "rows_scored": len(test),
        "rows_skipped": sum(skipped.values()),
        "skipped_because": dict(sorted(skipped.items())),
        "coverage": {level: coverage.get(level, 0) for level in (*LEVELS, "none")},
        "confidence": estimator.config.confidence,
        "business_days": estimator.config.business_days,
        "half_life_days": estimator.config.half_life_days,
    }
    if baseline:
        result["promised_at"] = _figures(baseline)
    return result
