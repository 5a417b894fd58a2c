"""What the estimator learns, on DynamoDB: concurrent deliveries and outcomes land
exactly (on DynamoDB Local, whose writes are atomic as DynamoDB's are; moto's server
can lose an update between two threads), and `eta status` reads a shop's record back."""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from courteous.cli import main
from courteous.clock import use_clock
from courteous.eta.calibration import Calibration
from courteous.eta.model import Estimator, EtaConfig, histogram_of, month_key
from courteous.eta.store import DynamoEtaStore
from courteous_local.provision import provision
from courteous_local.servers import Engine, dynamodb_engine, local_dynamodb_client
from courteous_local.template import default_template_path, load_template

SHIPPED = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(scope="module")
def server() -> Iterator[Engine]:
    with dynamodb_engine() as engine:
        if engine.note:
            warnings.warn(engine.note, stacklevel=1)
        yield engine


def _client(engine: Engine) -> Any:
    return local_dynamodb_client(engine.endpoint)


@pytest.fixture(scope="module")
def table(server: Engine) -> str:
    created = provision(
        load_template(default_template_path()),
        lambda service: _client(server),
        stack_name="eta",
        only=frozenset({"AWS::DynamoDB::Table"}),
    )
    return created.ref("EtaTable")


def test_concurrent_deliveries_and_outcomes_are_all_counted(server: Engine, table: str) -> None:
    # Given 8 workers each learning 25 promised deliveries of the same lane at once,
    # one in 25 of them late (so the level's moves cancel out: 8 late of 200 at 4 %)
    workers, each = 8, 25
    start = threading.Barrier(workers)
    promised = (SHIPPED + timedelta(days=4)).date()

    def learn(worker: int) -> None:
        estimator = Estimator(DynamoEtaStore(_client(server), table))
        start.wait()
        for i in range(each):
            late = (worker * each + i) % 25 == 0
            transit = 5 if late else 2 + (worker + i) % 3  # 2..4 days, or 5 (late)
            estimator.observe(
                "shop",
                "UPS",
                "NY",
                "US",
                "CA",
                SHIPPED,
                SHIPPED + timedelta(days=transit),
                postal_code="94103",
                promised=promised,
            )

    threads = [threading.Thread(target=learn, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every level holds exactly 200 observations, none lost to a race
    store = DynamoEtaStore(_client(server), table)
    keys = ["area|shop|ups|NY|US-CA|94", "lane|shop|ups|NY|US-CA", "global", "shop|shop"]
    items = store.items(keys)
    assert {key: histogram_of(item).count for key, item in items.items()} == dict.fromkeys(
        keys, 200
    )
    assert histogram_of(items["global"]).total == pytest.approx(200)

    # And the shop's record counts every outcome once, and its level moved once per
    # outcome: 8 moves up and 192 down that cancel out, in whatever order they landed
    record = Estimator(store).record("shop")
    assert (record.promises, record.late) == (200, 8)
    assert record.level == pytest.approx(Calibration().start, abs=1e-9)
    month = store.items([month_key("shop", promised)])[month_key("shop", promised)]
    assert (month["promises"], month["late"]) == (200, 8)

    # And a prediction reads them back in one batch and answers from the postcode area
    found = Estimator(store, EtaConfig()).estimate(
        "shop", "UPS", "NY", "US", "CA", SHIPPED, postal_code="94110"
    )
    assert found is not None and found.level == "area" and found.samples == 200


def test_the_status_command_shows_the_shops_record(
    server: Engine, table: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a shop with three promises delivered in October 2026, one of them late
    estimator = Estimator(DynamoEtaStore(_client(server), table))
    for days, promised in ((2, 5), (3, 5), (7, 5)):
        estimator.observe(
            "status-shop",
            "UPS",
            "NY",
            "US",
            "CA",
            SHIPPED,
            SHIPPED + timedelta(days=days),
            promised=(SHIPPED + timedelta(days=promised)).date(),
        )
    for name, value in {
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }.items():
        monkeypatch.setenv(name, value)
    previous = use_clock(lambda: datetime(2026, 11, 3, tzinfo=UTC))
    try:
        # When the operator asks for its status
        code = main(["eta", "status", "--shop", "status-shop", "--table", table, "--json"])
    finally:
        use_clock(previous)
    # Then it shows the record, the level and the months
    assert code == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["promises"], status["late"]) == (3, 1)
    assert status["on_time_rate"] == pytest.approx(0.6667)
    assert status["level"] > Calibration().start
    assert [(m["month"], m["promises"], m["late"]) for m in status["months"][-2:]] == [
        ("2026-10", 3, 1),
        ("2026-11", 0, 0),
    ]


def test_the_status_command_without_a_table_is_one_line_of_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ETA_TABLE_NAME", raising=False)
    assert main(["eta", "status", "--shop", "s"]) == 2
    assert "--table is required" in capsys.readouterr().err
