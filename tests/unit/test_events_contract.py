"""Contract tests: the canonical events keep the shape their published schemas promise."""

from __future__ import annotations

import json

import jsonschema  # type: ignore[import-untyped]
import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.envelopes import EventBridgeEnvelope

from courteous.events import EVENT_TYPES, SOURCE, CanonicalEvent, parse_event, to_put_events_entry
from courteous.events.contracts import SCHEMAS_DIR, contract_of, render, schema_path
from tests.conftest import load_event

DETAIL_TYPES = sorted(EVENT_TYPES)


def test_the_detail_types_are_the_published_ones() -> None:
    # Given the detail-types flows subscribe to
    expected = {
        "OrderCreated",
        "OrderPaid",
        "OrderCancelled",
        "OrderShipped",
        "OrderDelivered",
        "RefundRequested",
        "CustomerUpdated",
    }
    # Then exactly those are modelled, and each has a published schema
    assert set(EVENT_TYPES) == expected
    published = {path.name for path in SCHEMAS_DIR.glob("*.json")}
    assert published == {schema_path(name).name for name in expected}


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_a_model_matches_its_published_schema(detail_type: str) -> None:
    # Given the schema committed next to the models
    published = schema_path(detail_type).read_text(encoding="utf-8")
    # When the schema is generated from the model as it is now
    current = render(contract_of(EVENT_TYPES[detail_type]))
    # Then it is the same: a change of shape needs a deliberate schema update
    # (`python -m courteous.events.contracts`) and, if breaking, a new schema_version
    assert current == published, (
        f"{detail_type} changed shape; review the diff, then regenerate the schemas"
    )


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_the_sample_event_parses_and_round_trips_through_put_events(detail_type: str) -> None:
    # Given the real-shaped EventBridge sample for the detail-type
    sample = load_event(f"orders/{detail_type}")
    assert sample["source"] == SOURCE
    # When a consumer parses it with the Powertools EventBridge envelope
    event = parse(event=sample, model=EVENT_TYPES[detail_type], envelope=EventBridgeEnvelope)
    assert isinstance(event, CanonicalEvent)
    # And the event is put on the bus and read back
    entry = to_put_events_entry(event, "courteous-orders-test")
    again = parse_event(entry["DetailType"], entry["Detail"])
    # Then nothing is lost and money stays exact
    assert again == event
    assert entry["Source"] == SOURCE
    assert entry["DetailType"] == detail_type
    assert json.loads(entry["Detail"]) == sample["detail"]


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_the_published_schemas_accept_the_samples(detail_type: str) -> None:
    # A consumer in another language validates against the published files alone
    published = json.loads(schema_path(detail_type).read_text(encoding="utf-8"))
    detail = load_event(f"orders/{detail_type}")["detail"]
    for mode in ("validation", "serialization"):
        jsonschema.Draft202012Validator(published[mode]).validate(detail)
    wrong = detail | {"occurred_at": None}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(published["validation"]).validate(wrong)


def test_money_is_a_string_on_the_wire() -> None:
    # Given an order created with a total of 409.94
    event = parse_event("OrderCreated", load_event("orders/OrderCreated")["detail"])
    # When it is serialised for the bus
    detail = json.loads(to_put_events_entry(event, "bus")["Detail"])
    # Then the amount is the exact decimal text, never a float
    assert detail["total"] == {"amount": "409.94", "currency": "USD"}
