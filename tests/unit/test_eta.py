"""Delivery estimates: the histogram, day counting, the fallback levels, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courteous.cli import main
from courteous.eta.days import add_days, count_days
from courteous.eta.model import Estimator, EtaConfig, MemoryEtaStore
from courteous.eta.sketch import MAX_DAYS, Histogram, recency_weight

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


# ---------------------------------------------------------------------- the CLI
def test_the_evaluation_cli_on_a_history_with_known_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given 100 deliveries that each took exactly three business days (Mon -> Thu) to a
    # place with no public holidays (so only weekends are skipped), a
    # baseline promise two days late each time, and four bad rows
    lines = ["shipped_at,delivered_at,origin,destination,carrier,promised_at"]
    for week in range(100):
        monday = date(2025, 1, 6) + timedelta(weeks=week)
        thursday = monday + timedelta(days=3)
        promised = monday + timedelta(days=5)
        lines.append(f"{monday}T10:00:00+00:00,{thursday}T15:00:00+00:00,NY,XX-YY,UPS,{promised}")
    lines += [
        ",2025-01-01T00:00:00Z,NY,US-CA,UPS,",
        "2025-01-01T00:00:00Z,,NY,US-CA,UPS,",
        "2025-01-05T00:00:00Z,2025-01-01T00:00:00Z,NY,US-CA,UPS,",
        "yesterday,2025-01-01T00:00:00Z,NY,US-CA,UPS,",
    ]
    history = tmp_path / "history.csv"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # When it is evaluated
    assert main(["eta", "evaluate", "--history", str(history), "--split", "0.7", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # Then every scored parcel came on its promised day, from the lane level
    assert result["rows_scored"] == 30 and result["rows_trained"] == 70
    assert result["on_time_rate"] == 1.0
    assert result["median_slack_days"] == 0
    assert result["mean_abs_error_days"] == 0
    assert result["coverage"]["lane"] == 30
    assert result["rows_skipped"] == 4
    assert result["skipped_because"] == {
        "delivered before shipped": 1,
        "missing delivered_at": 1,
        "missing shipped_at": 1,
        "unreadable date": 1,
    }
    assert result["promised_at"]["median_slack_days"] == 2


def test_a_history_without_the_needed_columns_is_one_line_of_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "h.csv"
    history.write_text("shipped_at,delivered_at\n", encoding="utf-8")
    assert main(["eta", "evaluate", "--history", str(history)]) == 2
    assert "missing columns: destination, origin" in capsys.readouterr().err
