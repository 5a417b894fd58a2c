"""How the estimator's parameters were chosen: on the earliest part of a history only.

    python scripts/eta_development.py history.csv

Keeps only what was known before the first scored row of the 60/40 split (the earliest
of the splits `docs/eta.md` reports): rows delivered before that row's hand-over. It
replays them as deployed and scores three windows that start on 1 July, 1 September
and 1 November 2017 and end 30 days before that instant (so that no parcel shipped in
a window is missing because it was delivered too late to be kept), for the default
configuration and each variant considered. It prints on-time rate / median slack /
75th-percentile slack / worst month per window. Not part of the package.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from courteous.eta.calibration import Calibration
from courteous.eta.evaluate import figures, read_history, replay, scored_from
from courteous.eta.model import EtaConfig

WINDOWS = [datetime(2017, month, 1, tzinfo=UTC) for month in (7, 9, 11)]
EARLIEST_SPLIT = 0.6


def variants() -> list[tuple[str, EtaConfig]]:
    default = EtaConfig()
    return [
        ("default", default),
        *[(f"fixed level {q}", replace(default, fixed_level=q)) for q in (0.88, 0.95, 0.98)],
        *[
            (f"target {t}", replace(default, calibration=Calibration(target=t)))
            for t in (0.95, 0.97)
        ],
        *[
            (f"step {s}", replace(default, calibration=Calibration(step=s)))
            for s in (0.002, 0.01, 0.02)
        ],
        ("no thin-histogram correction", replace(default, thin_correction=False)),
        *[(f"postcode area {n}", replace(default, postcode_area=n)) for n in (0, 1, 3)],
        *[(f"half-life {h} days", replace(default, half_life_days=h)) for h in (14, 30, 60)],
        ("calendar days", replace(default, business_days=False)),
    ]


def main(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows, _ = read_history(handle)
    cut = rows[scored_from(rows, EARLIEST_SPLIT, None)].shipped_at
    known = [row for row in rows if row.delivered_at < cut]
    end = cut - timedelta(days=30)
    print(f"{len(known)} rows delivered before {cut.isoformat()}; windows end {end:%Y-%m-%d}")
    for name, config in variants():
        promises = replay(known, config)
        cells = []
        for start in WINDOWS:
            scored = [
                (promise.latest, row, promise.date)
                for row, promise in zip(known, promises, strict=True)
                if promise is not None and start <= row.shipped_at < end
            ]
            f = figures(scored)
            cells.append(
                f"{f['on_time_rate']:.3f}/{f['median_slack_days']}/{f['p75_slack_days']}"
                f"/{f['worst_month_on_time_rate']}"
            )
        print(f"{name:30s} " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/eta_development.py history.csv")
    sys.exit(main(Path(sys.argv[1])))
