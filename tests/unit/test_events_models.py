"""Canonical event models: validation at the boundary, with the field named."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from courteous.events import (
    Birthday,
    CanonicalEvent,
    CustomerUpdated,
    InvalidEventError,
    OrderCreated,
    OrderShipped,
    UnknownDetailTypeError,
    parse_event,
    to_put_events_entry,
)
from courteous.messages import Channel, MessageClass
from tests.conftest import load_event


def _detail(detail_type: str) -> dict[str, Any]:
    detail: dict[str, Any] = copy.deepcopy(load_event(f"orders/{detail_type}")["detail"])
    return detail


def test_a_naive_instant_is_refused() -> None:
    # Given an order whose occurred_at has no offset
    detail = _detail("OrderCreated") | {"occurred_at": "2026-11-20T09:30:00"}
    # When it is parsed, Then the error names the field
    with pytest.raises(InvalidEventError) as raised:
        parse_event("OrderCreated", detail)
    assert raised.value.field == "occurred_at"


def test_money_is_exact_and_the_currency_is_normalised() -> None:
    # Given a total given as a JSON number and a lower-case currency
    detail = _detail("OrderCreated")
    detail["total"] = {"amount": 0.1, "currency": "usd"}
    detail["line_items"] = []
    # When it is parsed
    event = parse_event("OrderCreated", detail)
    # Then the amount is the decimal 0.1 and the currency ISO upper case
    assert isinstance(event, OrderCreated)
    assert event.total.amount == Decimal("0.1")
    assert event.total.currency == "USD"


@pytest.mark.parametrize(
    ("currency", "amount"), [("US", "1.00"), ("USD", "-1"), ("USD", "NaN"), ("USD", "1e400")]
)
def test_bad_money_is_refused(currency: str, amount: str) -> None:
    detail = _detail("OrderPaid")
    detail["amount"] = {"amount": amount, "currency": currency}
    with pytest.raises(InvalidEventError) as raised:
        parse_event("OrderPaid", detail)
    assert raised.value.field.startswith("amount")


def test_line_items_share_the_order_currency() -> None:
    detail = _detail("OrderCreated")
    detail["line_items"][0]["unit_price"]["currency"] = "EUR"
    with pytest.raises(InvalidEventError, match=r"line_items\.0\.unit_price\.currency"):
        parse_event("OrderCreated", detail)


def test_the_customer_phone_becomes_e164_using_the_shipping_country() -> None:
    # Given a national number and a shipping address in Kentucky
    detail = _detail("OrderPaid")
    detail["customer"] |= {
        "phone": "(502) 625-1199",
        "country": "us",
        "email": " Bob@Mail.Example.COM ",
    }
    # When the event is parsed
    event = parse_event("OrderPaid", detail)
    # Then the contacts are in their normal forms
    assert event.customer.phone == "+15026251199"  # type: ignore[attr-defined]
    assert event.customer.email == "bob@mail.example.com"  # type: ignore[attr-defined]
    assert event.customer.country == "US"  # type: ignore[attr-defined]


def test_an_impossible_phone_is_refused_with_its_field() -> None:
    detail = _detail("OrderPaid")
    detail["customer"]["phone"] = "12"
    with pytest.raises(InvalidEventError) as raised:
        parse_event("OrderPaid", detail)
    assert raised.value.field == "customer"
    assert "phone" in raised.value.detail


def test_unknown_fields_are_refused() -> None:
    detail = _detail("OrderCancelled") | {"cancel_reason": "customer"}
    with pytest.raises(InvalidEventError) as raised:
        parse_event("OrderCancelled", detail)
    assert raised.value.field == "cancel_reason"


def test_an_unknown_detail_type_names_the_known_ones() -> None:
    with pytest.raises(UnknownDetailTypeError, match="OrderCreated"):
        parse_event("OrderLost", {})


def test_a_later_schema_version_is_refused() -> None:
    detail = _detail("OrderPaid") | {"schema_version": 2}
    with pytest.raises(InvalidEventError) as raised:
        parse_event("OrderPaid", detail)
    assert raised.value.field == "schema_version"


@pytest.mark.parametrize(
    ("month", "day", "year", "valid"),
    [(2, 29, None, True), (2, 29, 2000, True), (2, 29, 2001, False), (4, 31, None, False)],
)
def test_a_birthday_is_a_real_day(month: int, day: int, year: int | None, valid: bool) -> None:
    if valid:
        assert Birthday(month=month, day=day, year=year).day == day
    else:
        with pytest.raises(ValueError, match="does not exist"):
            Birthday(month=month, day=day, year=year)


def test_a_profile_gives_the_outbox_recipient_with_consent_per_channel() -> None:
    # Given a profile that allows marketing by e-mail but not by SMS
    event = parse_event("CustomerUpdated", _detail("CustomerUpdated"))
    assert isinstance(event, CustomerUpdated)
    # When the recipient is built for each channel
    by_sms = event.customer.recipient(event.shop_id, Channel.SMS)
    by_email = event.customer.recipient(event.shop_id, Channel.EMAIL)
    either = event.customer.recipient(event.shop_id)
    # Then the consent is the channel's, and without a channel only what all give
    assert by_sms.consent == {MessageClass.MARKETING: False, MessageClass.SERVICE: True}
    assert by_email.consent == {MessageClass.MARKETING: True}
    assert either.consent == {MessageClass.MARKETING: False, MessageClass.SERVICE: True}
    assert by_sms.zone == "America/Kentucky/Louisville"
    assert by_sms.phone == "+15026251199"


def test_an_unknown_zone_is_refused() -> None:
    detail = _detail("CustomerUpdated")
    detail["customer"]["zone"] = "Mars/Olympus"
    with pytest.raises(InvalidEventError) as raised:
        parse_event("CustomerUpdated", detail)
    assert raised.value.field == "customer.zone"


def test_the_put_events_entry_carries_the_occurrence_time() -> None:
    event = parse_event("OrderShipped", _detail("OrderShipped"))
    assert isinstance(event, OrderShipped)
    entry = to_put_events_entry(event, "my-bus")
    assert entry["EventBusName"] == "my-bus"
    assert entry["Time"] == event.occurred_at


def test_the_abstract_base_is_not_put_on_the_bus() -> None:
    base = CanonicalEvent.model_validate(
        {"event_id": "e", "shop_id": "s", "occurred_at": "2026-01-01T00:00:00Z"}
    )
    with pytest.raises(TypeError):
        to_put_events_entry(base, "bus")
