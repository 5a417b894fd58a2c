"""Would a learned model's point estimates pay? Measured on the earliest part of a history.

    python -m venv /tmp/model-check
    /tmp/model-check/bin/pip install scikit-learn pydantic holidays phonenumbers tzdata
    PYTHONPATH=layers/courteous /tmp/model-check/bin/python scripts/eta_model_check.py history.csv

(`history.csv` from `scripts/olist_to_csv.py`, which adds the purchase instant.) Keeps
only what was known before the first scored row of the 60/40 split, like
`eta_development.py`, and compares over the parcels handed over from 1 July 2017 to
30 days before that instant:

- the histogram estimator as deployed (replayed, fixed level 0.9 so both read the same
  quantile): its median and its 0.9 quantile, in business days;
- gradient-boosted trees (scikit-learn's HistGradientBoostingRegressor, absolute and
  0.9-quantile loss), retrained at the start of each month on the deliveries known by
  then, from what is known at hand-over: origin, destination, postcode area (two
  characters), handling time since purchase, weekday and hour of hand-over, day of the
  year, and the lane's median transit over the last 14 and 30 days.

It prints the mean absolute error of the median, the pinball loss and coverage of the
0.9 quantile, and the median slack of that quantile. scikit-learn is not a dependency of
the project; this script is not part of the package.
"""

from __future__ import annotations

import csv
import itertools
import statistics
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from courteous.eta.days import count_days
from courteous.eta.evaluate import Delivery, _instant, read_history, replay, scored_from
from courteous.eta.model import EtaConfig

EARLIEST_SPLIT = 0.6
FIRST = datetime(2017, 7, 1, tzinfo=UTC)
ZONE = ZoneInfo("America/Sao_Paulo")


def transit(row: Delivery) -> int:
    return count_days(
        row.shipped_on, row.delivered_on, business=True, country=row.country, region=row.region
    )


def features(path: Path) -> tuple[list[dict[str, Any]], datetime]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows, _ = read_history(handle)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        ordered = {
            (_instant(r["shipped_at"]), _instant(r["delivered_at"])): _instant(r["ordered_at"])
            for r in csv.DictReader(handle)
            if r["shipped_at"] and r["delivered_at"] and r.get("ordered_at")
        }
    cut = rows[scored_from(rows, EARLIEST_SPLIT, None)].shipped_at
    known = [row for row in rows if row.delivered_at < cut]
    promises = replay(known, EtaConfig(fixed_level=0.9))
    by_lane: dict[tuple[str | None, str | None], list[tuple[datetime, int]]] = defaultdict(list)
    for row in sorted(known, key=lambda r: r.delivered_at):
        by_lane[(row.origin, row.region)].append((row.delivered_at, transit(row)))
    table = []
    for row, promise in zip(known, promises, strict=True):
        lane = by_lane[(row.origin, row.region)]

        def recent(days: int, row: Delivery = row, lane: list[Any] = lane) -> float:
            start = row.shipped_at - timedelta(days=days)
            seen = [t for at, t in lane if start <= at <= row.shipped_at]
            return statistics.median(seen) if seen else float("nan")

        local = row.shipped_at.astimezone(ZONE)
        purchase = ordered.get((row.shipped_at, row.delivered_at))
        table.append(
            {
                "shipped": row.shipped_at,
                "delivered": row.delivered_at,
                "x": [
                    row.origin or "",
                    row.region or "",
                    (row.postcode or "")[:2],
                    (row.shipped_at - purchase).total_seconds() / 86400
                    if purchase
                    else float("nan"),
                    local.weekday(),
                    local.hour,
                    local.timetuple().tm_yday,
                    recent(14),
                    recent(30),
                ],
                "y": transit(row),
                "median": None
                if promise is None
                else count_days(
                    row.shipped_on,
                    promise.date,
                    business=True,
                    country=row.country,
                    region=row.region,
                ),
                "q90": None if promise is None else promise.transit_days,
            }
        )
    return table, cut


def main(path: Path) -> int:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingRegressor

    table, cut = features(path)
    end = cut - timedelta(days=30)
    scored = [r for r in table if FIRST <= r["shipped"] < end and r["median"] is not None]
    print("actual minus the histograms' median (business days): mean, median, parcels")
    groups: dict[str, Any] = {
        "weekday": lambda r: r["x"][4],
        "hour": lambda r: "0-11" if r["x"][5] < 12 else "12-16" if r["x"][5] < 17 else "17-23",
        "handling": lambda r: (
            "unknown"
            if r["x"][3] != r["x"][3]
            else "<2 d"
            if r["x"][3] < 2
            else "2-4 d"
            if r["x"][3] < 4
            else "4-8 d"
            if r["x"][3] < 8
            else "8+ d"
        ),
    }
    for name, key in groups.items():
        split: dict[Any, list[int]] = defaultdict(list)
        for r in scored:
            split[key(r)].append(r["y"] - r["median"])
        cells = [
            f"{group}: {statistics.fmean(v):.2f}, {statistics.median(v):g}, {len(v)}"
            for group, v in sorted(split.items(), key=lambda item: str(item[0]))
        ]
        print(f"  {name}: " + "; ".join(cells))
    codes = [{v: i for i, v in enumerate(sorted({r["x"][k] for r in table}))} for k in range(3)]

    def matrix(rows: list[dict[str, Any]]) -> Any:
        return np.array(
            [[codes[k][r["x"][k]] for k in range(3)] + r["x"][3:] for r in rows], dtype=float
        )

    categorical = [True, True, True] + [False] * 6
    starts = [FIRST]
    while starts[-1] < end:
        month = starts[-1]
        starts.append(
            month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
        )
    truth: list[int] = []
    ours: dict[str, list[float]] = {"median": [], "q90": []}
    model: dict[str, list[float]] = {"median": [], "q90": []}
    for start, stop in itertools.pairwise(starts):
        train = [r for r in table if r["delivered"] < start]
        test = [
            r for r in table if start <= r["shipped"] < min(stop, end) and r["median"] is not None
        ]
        if not test:
            continue
        x, y = matrix(train), np.array([r["y"] for r in train])
        settings = {"categorical_features": categorical, "max_iter": 200, "random_state": 0}
        median = HistGradientBoostingRegressor(loss="absolute_error", **settings).fit(x, y)
        q90 = HistGradientBoostingRegressor(loss="quantile", quantile=0.9, **settings).fit(x, y)
        model["median"] += list(np.round(median.predict(matrix(test))))
        model["q90"] += list(np.ceil(q90.predict(matrix(test))))
        ours["median"] += [r["median"] for r in test]
        ours["q90"] += [r["q90"] for r in test]
        truth += [r["y"] for r in test]
    actual = np.array(truth)
    print(f"{len(actual)} parcels handed over from {FIRST:%Y-%m-%d} to {end:%Y-%m-%d}")
    for name, found in (("histograms", ours), ("boosted trees", model)):
        error = actual - np.array(found["q90"])
        print(
            f"{name:14s} median MAE {np.mean(np.abs(actual - np.array(found['median']))):.3f}"
            f"  q0.9 pinball {np.mean(np.maximum(0.9 * error, -0.1 * error)):.3f}"
            f"  coverage {np.mean(error <= 0):.3f}  median slack {np.median(-error):.1f}"
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/eta_model_check.py history.csv")
    sys.exit(main(Path(sys.argv[1])))
