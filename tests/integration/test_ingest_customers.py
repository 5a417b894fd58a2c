"""Customer profiles against moto, on the CustomerTable built from template.yaml."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from courteous.cli import main
from courteous.customers import CustomerStore
from courteous.events import CustomerProfile
from courteous.messages import Channel, MessageClass
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction, new_stack_id
from tests.conftest import load_event

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


@pytest.fixture
def store(stack: Provisioned) -> CustomerStore:
    return CustomerStore(boto3.client("dynamodb"), stack.ref("CustomerTable"))


def profile(customer_id: str, **fields: Any) -> CustomerProfile:
    return CustomerProfile.model_validate({"customer_id": customer_id, **fields})


def test_born_on_finds_the_shops_birthdays_of_that_day_only(store: CustomerStore) -> None:
    # Given customers of two shops with birthdays
    store.put("acme-shop", profile("1", birthday={"month": 5, "day": 17}), T0)
    store.put("acme-shop", profile("2", birthday={"month": 5, "day": 17, "year": 1990}), T0)
    store.put("acme-shop", profile("3", birthday={"month": 5, "day": 18}), T0)
    store.put("acme-shop", profile("4"), T0)
    store.put("other-shop", profile("5", birthday={"month": 5, "day": 17}), T0)
    # When the birthday flow asks for 17 May in acme-shop
    born = sorted(p.customer_id for p in store.born_on("acme-shop", 5, 17))
    # Then exactly that shop's customers born on that day are found
    assert born == ["1", "2"]
    assert list(store.born_on("acme-shop", 1, 1)) == []


def test_a_later_update_merges_and_a_late_retry_cannot_undo_it(store: CustomerStore) -> None:
    # Given a profile imported with a birthday and e-mail marketing consent
    store.put(
        "acme-shop",
        profile("42", birthday={"month": 5, "day": 17}, consent={"email": {"marketing": True}}),
        T0,
    )
    # When the platform later says "unsubscribed" (no birthday in its payload)
    store.put(
        "acme-shop", profile("42", consent={"email": {"marketing": False}}), T0 + timedelta(hours=1)
    )
    # And an older delivery arrives late, still saying "subscribed"
    store.put(
        "acme-shop",
        profile("42", consent={"email": {"marketing": True}}),
        T0 + timedelta(minutes=5),
    )
    # Then the newest word holds and the birthday is still known (and still indexed)
    stored = store.get("acme-shop", "42")
    assert stored is not None
    assert stored.consent == {Channel.EMAIL: {MessageClass.MARKETING: False}}
    assert [p.customer_id for p in store.born_on("acme-shop", 5, 17)] == ["42"]


def test_the_function_merges_customer_updated_events(stack: Provisioned) -> None:
    # Given the CustomerProfiles function as the template declares it
    spec = stack.functions["CustomerProfilesFunction"]
    rule = spec.events["CustomerUpdated"]["Properties"]
    assert rule["Pattern"] == {"source": ["courteous.orders"], "detail-type": ["CustomerUpdated"]}
    function = InProcessFunction(spec, new_stack_id(), "arn:aws:lambda:us-east-1:1:function:x")
    event = copy.deepcopy(load_event("orders/CustomerUpdated"))
    # When the bus delivers a CustomerUpdated event to it
    with pytest.MonkeyPatch.context() as env:
        for name, value in spec.environment.items():
            env.setenv(name, value)
        result = function.invoke(event)
    # Then the profile is stored and the birthday index knows it
    assert result == {"shop_id": "acme-shop", "customer_id": "207119551"}
    store = CustomerStore(boto3.client("dynamodb"), spec.environment["CUSTOMER_TABLE_NAME"])
    stored = store.get("acme-shop", "207119551")
    assert stored is not None
    assert stored.zone == "America/Kentucky/Louisville"
    assert [p.customer_id for p in store.born_on("acme-shop", 5, 17)] == ["207119551"]
    function.unload()


def test_the_csv_import_writes_good_rows_and_reports_bad_ones(
    stack: Provisioned, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a CSV export with one bad row
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,email,birthday,zone,email_marketing\n"
        "1,ann@example.com,1990-05-17,Europe/Paris,yes\n"
        "2,ben@example.com,13-01,,\n"
        "3,cat@example.com,--05-17,,no\n",
        encoding="utf-8",
    )
    # When it is imported into the deployed table
    code = main(
        ["customers", "import", str(path), "--shop", "acme-shop", "--table",
         stack.ref("CustomerTable")]
    )  # fmt: skip
    out, err = capsys.readouterr()
    # Then the good rows are written and the bad one is reported by line
    assert code == 1
    assert out == "imported 2 profiles, rejected 1 rows\n"
    assert err.startswith("line 3: birthday: ")
    store = CustomerStore(boto3.client("dynamodb"), stack.ref("CustomerTable"))
    assert sorted(p.customer_id for p in store.born_on("acme-shop", 5, 17)) == ["1", "3"]
    assert store.get("acme-shop", "2") is None
