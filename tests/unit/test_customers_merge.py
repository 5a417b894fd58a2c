"""Profile merging and birthday dates: pure rules of the customer store."""

from __future__ import annotations

from datetime import date

import pytest

from courteous.customers import UnstorableCustomerIdError, birthday_dates
from courteous.customers.store import merge, profile_key
from courteous.events import CustomerProfile
from courteous.messages import Channel, MessageClass

STORED = CustomerProfile.model_validate(
    {
        "customer_id": "42",
        "email": "old@example.com",
        "zone": "Europe/Paris",
        "birthday": {"month": 5, "day": 17},
        "consent": {"email": {"marketing": True}, "sms": {"service": True}},
    }
)


def test_a_newer_update_wins_but_keeps_what_it_does_not_carry() -> None:
    # Given a platform update with a new e-mail, an SMS opt-out and no birthday
    update = CustomerProfile.model_validate(
        {
            "customer_id": "42",
            "email": "new@example.com",
            "consent": {"sms": {"marketing": False}},
        }
    )
    # When it is merged as the newer word
    merged = merge(STORED, update, update_is_newer=True)
    # Then new values win and the birthday and zone stay
    assert merged.email == "new@example.com"
    assert merged.zone == "Europe/Paris"
    assert merged.birthday == STORED.birthday
    assert merged.consent == {
        Channel.EMAIL: {MessageClass.MARKETING: True},
        Channel.SMS: {MessageClass.SERVICE: True, MessageClass.MARKETING: False},
    }


def test_an_older_update_only_fills_gaps() -> None:
    # Given a late retry of an older update that still said "marketing by e-mail: no"
    update = CustomerProfile.model_validate(
        {
            "customer_id": "42",
            "email": "older@example.com",
            "locale": "fr-FR",
            "consent": {"email": {"marketing": False, "service": True}},
        }
    )
    merged = merge(STORED, update, update_is_newer=False)
    # Then it cannot undo newer words, only add what was unknown
    assert merged.email == "old@example.com"
    assert merged.locale == "fr-FR"
    assert merged.consent[Channel.EMAIL] == {
        MessageClass.MARKETING: True,
        MessageClass.SERVICE: True,
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 2, 28), [(2, 28), (2, 29)]),  # no 29th this year
        (date(2028, 2, 28), [(2, 28)]),
        (date(2028, 2, 29), [(2, 29)]),
        (date(2027, 12, 24), [(12, 24)]),
    ],
)
def test_leap_day_birthdays_are_celebrated_on_the_28th_otherwise(
    day: date, expected: list[tuple[int, int]]
) -> None:
    assert birthday_dates(day) == expected


@pytest.mark.parametrize("customer_id", ["bob@example.com", "+15026251199"])
def test_contacts_never_become_keys(customer_id: str) -> None:
    with pytest.raises(UnstorableCustomerIdError):
        profile_key("acme-shop", customer_id)
    assert profile_key("acme-shop", "207119551") == "acme-shop#207119551"
