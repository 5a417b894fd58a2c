"""How a shop's delivery promises are doing: its record, its calibrated level, by month."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from courteous.eta.calibration import Calibration, OnTimeRecord
from courteous.eta.model import EtaStore, month_key, record_key, record_of


@dataclass(frozen=True)
class MonthRecord:
    month: str
    promises: int
    late: int
    on_time_rate: float | None


@dataclass(frozen=True)
class ShopStatus:
    shop_id: str
    promises: int
    late: int
    on_time_rate: float | None
    target: float
    # The quantile the shop's next promise is read at (before the thin-lane floor).
    level: float
    months: list[MonthRecord]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


def _rate(record: OnTimeRecord) -> float | None:
    rate = record.on_time_rate
    return None if rate is None else round(rate, 4)


def shop_status(
    store: EtaStore,
    shop_id: str,
    today: dt.date,
    *,
    months: int = 6,
    calibration: Calibration | None = None,
) -> ShopStatus:
    """The shop's whole record and the level its next promise is read at, and the
    record of each of the last `months` months (by delivery month), in one read."""
    calibration = calibration or Calibration()
    shop_key = record_key(shop_id)
    month_keys = {month: month_key(shop_id, month) for month in _months_back(today, months)}
    found = store.items([shop_key, *month_keys.values()])
    record = record_of(found.get(shop_key))
    by_month = []
    for month, key in month_keys.items():
        kept = record_of(found.get(key))
        by_month.append(MonthRecord(f"{month:%Y-%m}", kept.promises, kept.late, _rate(kept)))
    return ShopStatus(
        shop_id=shop_id,
        promises=record.promises,
        late=record.late,
        on_time_rate=_rate(record),
        target=calibration.target,
        level=round(calibration.start if record.level is None else record.level, 4),
        months=by_month,
    )
