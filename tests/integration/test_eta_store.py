"""Transit histograms on DynamoDB: concurrent deliveries land exactly (moto's server)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from courteous.eta.model import Estimator, EtaConfig
from courteous.eta.store import DynamoEtaStore
from courteous_local.provision import provision
from courteous_local.servers import Engine, local_dynamodb_client, moto_server
from courteous_local.template import default_template_path, load_template

SHIPPED = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(scope="module")
def server() -> Iterator[Engine]:
    with moto_server() as engine:
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


def test_concurrent_deliveries_are_all_counted(server: Engine, table: str) -> None:
    # Given 16 workers each learning 25 deliveries of the same lane at the same time
    workers, each = 16, 25
    start = threading.Barrier(workers)

    def learn(worker: int) -> None:
        estimator = Estimator(DynamoEtaStore(_client(server), table))
        start.wait()
        for i in range(each):
            transit = 2 + (worker + i) % 4  # 2..5 days
            estimator.observe(
                "shop", "UPS", "NY", "US", "CA", SHIPPED, SHIPPED + timedelta(days=transit)
            )

    threads = [threading.Thread(target=learn, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every level holds exactly 400 observations, none lost to a race
    store = DynamoEtaStore(_client(server), table)
    histograms = store.histograms(["lane|shop|ups|NY|US-CA", "global", "shop|shop"])
    assert {key: h.count for key, h in histograms.items()} == {
        "lane|shop|ups|NY|US-CA": 400,
        "global": 400,
        "shop|shop": 400,
    }
    assert sum(histograms["global"].weights.values()) == pytest.approx(400)

    # And a prediction reads them back in one batch and answers from the lane
    found = Estimator(store, EtaConfig()).estimate("shop", "UPS", "NY", "US", "CA", SHIPPED)
    assert found is not None and found.level == "lane" and found.samples == 400
