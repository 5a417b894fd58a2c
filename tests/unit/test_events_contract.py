"""Contract tests: the canonical events keep the shape their published schemas promise."""

from __future__ import annotations

import json

import jsonschema  # type: ignore[import-untyped]
import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.envelopes import EventBridgeEnvelope

from courteous.events import (
    EVENT_TYPES,
    PUBLISHED_TYPES,
    CanonicalEvent,
    UnknownDetailTypeError,
    parse_event,
    to_put_events_entry,
)
from courteous.events.contracts import SCHEMAS_DIR, contract_of, render, schema_path
from tests.conftest import load_event

DETAIL_TYPES = sorted(PUBLISHED_TYPES)


def sample_of(detail_type: str) -> dict[str, object]:
    """The sample event: inbound canonical events in orders/, what courteous publishes
    in reviews/."""
    folder = "orders" if detail_type in EVENT_TYPES else "reviews"
    event: dict[str, object] = load_event(f"{folder}/{detail_type}")
    return event


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
        "ReviewPosted",
    }
    # Then exactly those are modelled, and each has a published schema, as has what
    # courteous publishes itself (and no webhook may send)
    assert set(EVENT_TYPES) == expected
    assert set(PUBLISHED_TYPES) == expected | {"ReviewFlagged"}
    published = {path.name for path in SCHEMAS_DIR.glob("*.json")}
    assert published == {schema_path(name).name for name in PUBLISHED_TYPES}


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_a_model_matches_its_published_schema(detail_type: str) -> None:
    # Given the schema committed next to the models
    published = schema_path(detail_type).read_text(encoding="utf-8")
    # When the schema is generated from the model as it is now
    current = render(contract_of(PUBLISHED_TYPES[detail_type]))
    # Then it is the same: a change of shape needs a deliberate schema update
    # (`python -m courteous.events.contracts`) and, if breaking, a new schema_version
    assert current == published, (
        f"{detail_type} changed shape; review the diff, then regenerate the schemas"
    )


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_the_sample_event_parses_and_round_trips_through_put_events(detail_type: str) -> None:
    # Given the real-shaped EventBridge sample for the detail-type
    sample = sample_of(detail_type)
    model = PUBLISHED_TYPES[detail_type]
    assert sample["source"] == model.SOURCE
    # When a consumer parses it with the Powertools EventBridge envelope
    event = parse(event=sample, model=model, envelope=EventBridgeEnvelope)
    assert isinstance(event, CanonicalEvent)
    # And the event is put on the bus and read back
    entry = to_put_events_entry(event, "courteous-orders-test")
    again = model.model_validate_json(entry["Detail"])
    # Then nothing is lost and money stays exact
    assert again == event
    assert entry["Source"] == model.SOURCE
    assert entry["DetailType"] == detail_type
    assert json.loads(entry["Detail"]) == sample["detail"]


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_the_published_schemas_accept_the_samples(detail_type: str) -> None:
    # A consumer in another language validates against the published files alone
    published = json.loads(schema_path(detail_type).read_text(encoding="utf-8"))
    detail = sample_of(detail_type)["detail"]
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


def test_a_review_flag_is_never_accepted_as_an_inbound_event() -> None:
    # Given the ReviewFlagged sample, which only courteous itself publishes
    detail = sample_of("ReviewFlagged")["detail"]
    # When it is offered as an inbound canonical event (as the generic webhook would)
    # Then it is refused as an unknown detail-type
    with pytest.raises(UnknownDetailTypeError):
        parse_event("ReviewFlagged", detail)  # type: ignore[arg-type]
