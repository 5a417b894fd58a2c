"""Delivery estimates: the histogram, day counting, the fallback levels, the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace as replace_row
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courteous.cli import main
from courteous.eta.calibration import Calibration
from courteous.eta.days import add_days, count_days
from courteous.eta.evaluate import Delivery, replay
from courteous.eta.model import Estimate, Estimator, EtaConfig, MemoryEtaStore, thin_level
from courteous.eta.sketch import MAX_DAYS, Histogram, recency_weight
from courteous.eta.status import shop_status

days = st.integers(min_value=0, max_value=MAX_DAYS)
weights = st.floats(min_value=0.01, max_value=1000, allow_nan=False, allow_infinity=False)


def exact_quantile(values: list[tuple[int, float]], q: float) -> int:
    total = sum(w for _, w in values)
    running = 0.0
    for value, weight in sorted(values):
        running += weight
        if running >= q * total * (1 - 1e-12):
            return value
    return max(v for v, _ in values)


@given(st.lists(st.tuples(days, weights), min_size=1, max_size=200), st.floats(0.01, 1.0))
def test_the_histogram_quantile_is_the_exact_weighted_quantile(
    values: list[tuple[int, float]], q: float
) -> None:
    histogram = Histogram.of([v for v, _ in values], [w for _, w in values])
    assert histogram.quantile(q) == exact_quantile(values, q)


@given(st.lists(days, min_size=1, max_size=100), st.lists(days, min_size=1, max_size=100))
def test_merging_is_adding_in_any_order(left: list[int], right: list[int]) -> None:
    a, b = Histogram.of(left), Histogram.of(right)
    whole = Histogram.of(left + right)
    assert a.merge(b).weights == b.merge(a).weights == whole.weights
    assert a.merge(b).count == len(left) + len(right)
    for q in (0.1, 0.5, 0.9, 1.0):
        assert a.merge(b).quantile(q) == whole.quantile(q)


def test_long_transits_share_the_last_bucket_and_recent_ones_weigh_more() -> None:
    assert Histogram.of([5, 200]).quantile(1.0) == MAX_DAYS
    old = recency_weight(datetime(2017, 1, 1, tzinfo=UTC), 90)
    new = recency_weight(datetime(2017, 4, 1, tzinfo=UTC), 90)
    assert new / old == pytest.approx(2.0, rel=0.01)


# ---------------------------------------------------------------------- day counting
def test_business_days_skip_weekends_and_the_destinations_holidays() -> None:
    # Friday to Monday: one business day
    assert (
        count_days(date(2017, 11, 10), date(2017, 11, 13), business=True, country="BR", region="SP")
        == 1
    )
    # 15 November is a national holiday in Brazil: Tuesday to Thursday is one day
    assert (
        count_days(date(2017, 11, 14), date(2017, 11, 16), business=True, country="BR", region="SP")
        == 1
    )
    assert (
        count_days(
            date(2017, 11, 14), date(2017, 11, 16), business=False, country="BR", region="SP"
        )
        == 2
    )


@given(st.dates(min_value=date(2017, 1, 1), max_value=date(2027, 12, 31)), st.integers(0, 30))
def test_adding_business_days_is_the_inverse_of_counting_them(start: date, n: int) -> None:
    end = add_days(start, n, business=True, country="BR", region="SP")
    assert count_days(start, end, business=True, country="BR", region="SP") == n


# ---------------------------------------------------------------------- fallback
SHIPPED = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a Monday


def _learn(estimator: Estimator, n: int, **where: str | None) -> None:
    place = {"carrier": "UPS", "origin": "NY", "country": "US", "region": "CA", **where}
    for i in range(n):
        estimator.observe(
            "shop",
            place["carrier"],
            place["origin"],
            place["country"],
            place["region"],
            SHIPPED - timedelta(days=30 + i),
            SHIPPED - timedelta(days=26 + i),
        )


def test_the_most_specific_level_with_enough_samples_answers_and_says_so() -> None:
    config = EtaConfig(
        min_samples={
            "lane": 10,
            "carrier_destination": 10,
            "destination": 10,
            "shop": 10,
            "global": 10,
        }
    )
    estimator = Estimator(MemoryEtaStore(), config)
    assert estimator.estimate("shop", "UPS", "NY", "US", "CA", SHIPPED) is None
    _learn(estimator, 9, origin="TX")  # a lane too thin, but the destination is the same
    _learn(estimator, 2, origin="NY")
    found = estimator.estimate("shop", "UPS", "NY", "US", "CA", SHIPPED)
    assert found is not None and found.level == "carrier_destination" and found.samples == 11
    _learn(estimator, 10, origin="NY")
    lane = estimator.estimate("shop", "UPS", "NY", "US", "CA", SHIPPED)
    assert lane is not None and lane.level == "lane"
    other = estimator.estimate("shop", "FedEx", "NY", "US", "WA", SHIPPED)
    assert other is not None and other.level == "shop"
    elsewhere = estimator.estimate("new-shop", "FedEx", None, "US", "WA", SHIPPED)
    assert elsewhere is not None and elsewhere.level == "global"


def test_an_estimate_is_a_median_date_and_a_latest_date_in_business_days() -> None:
    estimator = Estimator(MemoryEtaStore(), EtaConfig(min_samples={"lane": 1}))
    for transit in (2, 2, 3, 3, 3, 4, 4, 5, 6, 9):
        estimator.observe(
            "s",
            "UPS",
            "NY",
            "US",
            "CA",
            SHIPPED - timedelta(days=40),
            SHIPPED - timedelta(days=40) + timedelta(days=transit),
        )
    found = estimator.estimate("s", "UPS", "NY", "US", "CA", SHIPPED)
    assert found is not None
    assert found.earliest <= found.date <= found.latest
    assert found.date.weekday() < 5 and found.latest.weekday() < 5


# ---------------------------------------------------------------------- calibration
@given(st.lists(st.booleans(), max_size=400))
def test_the_level_moves_by_the_outcomes_and_stays_in_bounds(outcomes: list[bool]) -> None:
    calibration = Calibration()
    level: float | None = None
    unclipped = calibration.start
    for late in outcomes:
        level = calibration.after(level, late)
        unclipped += calibration.step * (late - (1 - calibration.target))
        assert calibration.lowest <= level <= calibration.highest
    # Without clipping the level is the count formula the guarantee is read from
    if outcomes and calibration.lowest < min(unclipped, calibration.start):
        late = sum(outcomes)
        expected = calibration.start + calibration.step * (
            late - (1 - calibration.target) * len(outcomes)
        )
        if calibration.lowest < expected < calibration.highest and level == pytest.approx(
            unclipped
        ):
            assert level == pytest.approx(expected)


def test_a_late_promise_raises_the_level_and_a_kept_one_lowers_it() -> None:
    calibration = Calibration(target=0.96, step=0.005, start=0.9)
    assert calibration.after(None, True) == pytest.approx(0.9 + 0.005 * 0.96)
    assert calibration.after(None, False) == pytest.approx(0.9 - 0.005 * 0.04)
    assert calibration.after(0.999, True) == 1.0
    with pytest.raises(ValueError):
        Calibration(target=1.0)


def test_thin_histograms_are_read_higher() -> None:
    # From 9 observations, covering 80 % of new parcels needs the 9th of 9 at worst:
    # ceil(10 x 0.8) / 9 = 8 / 9; with 1,000 the correction nearly vanishes
    assert thin_level(0.8, 9) == pytest.approx(8 / 9)
    assert thin_level(0.96, 10) == 1.0
    assert thin_level(0.9, 1000) == pytest.approx(0.901)


def _stream(days: int, per_day: int, transit: Callable[[int, int], int]) -> list[Delivery]:
    """`per_day` parcels a day on one lane, calendar days, `transit(day, n)` long."""
    rows = []
    for day in range(days):
        for n in range(per_day):
            shipped = datetime(2025, 1, 1, 9, tzinfo=UTC) + timedelta(days=day, minutes=n)
            delivered = shipped + timedelta(days=transit(day, n), hours=1)
            rows.append(Delivery(shipped, delivered, "NY", "XX", "YY", "UPS", None))
    return rows


def test_the_calibrated_promise_holds_its_target_when_the_speed_shifts() -> None:
    # Given a lane that takes 2-5 days, then for 100 days 6-10 (a slow spell), then
    # 2-5 again: what was learned before the spell is wrong during it
    def transit(day: int, n: int) -> int:
        spread = (day * 7 + n * 3) % 10
        return 6 + spread // 2 if 150 <= day < 250 else 2 + spread % 4

    rows = _stream(400, 10, transit)
    config = EtaConfig(business_days=False)
    # When the history is replayed with the calibrated level, and with a fixed one
    calibrated = replay(rows, config)
    fixed = replay(rows, EtaConfig(business_days=False, fixed_level=0.9))

    def on_time(promises: list[Estimate | None], first: int, last: int) -> float:
        kept = [
            promise.latest >= row.delivered_on
            for row, promise in zip(rows[first:last], promises[first:last], strict=True)
            if promise is not None
        ]
        return sum(kept) / len(kept)

    # Then the calibrated promises are on time at the target over the whole stream,
    # where a fixed level falls far short, and the spell is caught up within weeks
    assert on_time(calibrated, 0, len(rows)) >= 0.95
    assert on_time(fixed, 0, len(rows)) < 0.9
    assert on_time(calibrated, 1500, 2500) > on_time(fixed, 1500, 2500) + 0.2
    assert on_time(calibrated, 1800, 2500) >= 0.95
    # And once the spell is over the level comes back down (promises tighten again)
    level_after = [p.confidence for p in calibrated[3800:] if p is not None]
    level_during = [p.confidence for p in calibrated[2300:2500] if p is not None]
    assert max(level_after) < min(level_during)


# ---------------------------------------------------------------------- no look-ahead
def test_a_delivery_after_a_hand_over_never_reaches_its_promise() -> None:
    # Given a history, and the same history with every delivery that happened after
    # one parcel's hand-over made ten days slower
    def transit(day: int, n: int) -> int:
        return 2 + (day * 5 + n) % 6

    rows = _stream(120, 4, transit)
    cut = rows[300].shipped_at
    slower = [
        replace_row(row, delivered_at=row.delivered_at + timedelta(days=10))
        if row.delivered_at > cut
        else row
        for row in rows
    ]
    # When both are replayed
    before = replay(rows, EtaConfig(business_days=False))
    after = replay(slower, EtaConfig(business_days=False))
    # Then every parcel handed over by then got exactly the same promise
    for i, row in enumerate(rows):
        if row.shipped_at <= cut:
            assert before[i] == after[i], f"row {i} saw a delivery from its future"
    # And the later ones did learn from the slower deliveries (the test can tell)
    assert [p.latest for p in before[420:] if p] != [p.latest for p in after[420:] if p]


# ---------------------------------------------------------------------- status
def test_the_status_shows_the_record_by_month_and_the_level() -> None:
    store = MemoryEtaStore()
    estimator = Estimator(store)
    shipped = datetime(2026, 10, 5, 14, tzinfo=UTC)
    for i, (days, late) in enumerate([(2, False), (3, False), (9, True), (30, False)]):
        delivered = shipped + timedelta(days=days + i)
        estimator.observe(
            "shop",
            "UPS",
            "NY",
            "US",
            "CA",
            shipped,
            delivered,
            promised=(delivered - timedelta(days=1 if late else -1)).date(),
        )
    status = shop_status(store, "shop", date(2026, 11, 20), months=2)
    assert (status.promises, status.late, status.on_time_rate) == (4, 1, 0.75)
    calibration = Calibration()
    expected: float | None = None
    for late in (False, False, True, False):
        expected = calibration.after(expected, late)
    assert status.level == pytest.approx(expected, abs=1e-4)
    assert [(m.month, m.promises, m.late) for m in status.months] == [
        ("2026-10", 3, 1),
        ("2026-11", 1, 0),
    ]


# ---------------------------------------------------------------------- the CLI
def test_the_evaluation_cli_on_a_history_with_known_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given three parcels every business day for 20 weeks, each taking exactly three
    # business days, to a place with no public holidays (so only weekends are skipped),
    # a baseline promise two days after each delivery, and four bad rows
    lines = ["shipped_at,delivered_at,origin,destination,carrier,postcode,promised_at"]
    monday = date(2025, 1, 6)
    for day in range(140):
        shipped = monday + timedelta(days=day)
        if shipped.weekday() >= 5:
            continue
        delivered = add_days(shipped, 3, business=True, country="XX", region="YY")
        promised = delivered + timedelta(days=2)
        for hour in (9, 12, 15):
            lines.append(
                f"{shipped}T{hour:02d}:00:00+00:00,{delivered}T16:00:00+00:00,NY,XX-YY,UPS,"
                f"10001,{promised}"
            )
    lines += [
        ",2025-01-01T00:00:00Z,NY,US-CA,UPS,,",
        "2025-01-01T00:00:00Z,,NY,US-CA,UPS,,",
        "2025-01-05T00:00:00Z,2025-01-01T00:00:00Z,NY,US-CA,UPS,,",
        "yesterday,2025-01-01T00:00:00Z,NY,US-CA,UPS,,",
    ]
    history = tmp_path / "history.csv"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # When it is evaluated
    assert main(["eta", "evaluate", "--history", str(history), "--split", "0.5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # Then every scored parcel came on its promised day, from the postcode area's level
    assert result["rows_scored"] == 150 and result["rows_trained"] == 150
    assert result["on_time_rate"] == 1.0
    assert result["median_slack_days"] == 0 and result["p75_slack_days"] == 0
    assert result["worst_month_on_time_rate"] == 1.0
    assert set(result["months"]) == {"2025-04", "2025-05"}
    assert result["mean_abs_error_days"] == 0
    assert result["coverage"]["area"] == 150
    assert result["rows_skipped"] == 4
    assert result["skipped_because"] == {
        "delivered before shipped": 1,
        "missing delivered_at": 1,
        "missing shipped_at": 1,
        "unreadable date": 1,
    }
    baseline = result["promised_at"]
    assert baseline["median_slack_days"] == 2 and baseline["p75_slack_days"] == 2
    assert baseline["on_time_rate"] == 1.0 and baseline["worst_month_on_time_rate"] == 1.0


def test_a_history_without_the_needed_columns_is_one_line_of_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "h.csv"
    history.write_text("shipped_at,delivered_at\n", encoding="utf-8")
    assert main(["eta", "evaluate", "--history", str(history)]) == 2
    assert "missing columns: destination, origin" in capsys.readouterr().err
