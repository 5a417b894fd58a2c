"""Unsubscribe tokens: what a link names, signed, expiring; anything else is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courteous.messages import MessageClass
from courteous.unsubscribe.tokens import (
    LIFETIME,
    InvalidToken,
    TokenProblem,
    issue,
    link_key,
    new_token,
    verify,
)
from tests.unit.gate_helpers import T0

KEY = link_key(b"deployment-contact-key")
RECIPIENT = "R#lotus-tea#" + "ab" * 16


def _token(**overrides: object) -> str:
    fields: dict[str, object] = {
        "shop_id": "lotus-tea",
        "recipient_key": RECIPIENT,
        "message_class": MessageClass.MARKETING,
        "locale": "fr",
        "token_id": "birthday_greeting-7001-2026",
        "sent_at": T0,
    }
    fields.update(overrides)
    return issue(KEY, new_token(**fields))  # type: ignore[arg-type]


def test_a_valid_token_names_shop_recipient_class_and_expiry() -> None:
    token = verify(KEY, _token(), T0 + timedelta(days=1))
    assert (token.shop_id, token.recipient_key, token.message_class, token.locale) == (
        "lotus-tea",
        RECIPIENT,
        MessageClass.MARKETING,
        "fr",
    )
    assert token.expires_at == T0 + LIFETIME


def test_a_token_names_no_contact_in_clear() -> None:
    assert "@" not in _token() and "+86" not in _token()


def test_a_token_signed_with_another_key_is_forged() -> None:
    other = issue(link_key(b"another-deployment"), verify(KEY, _token(), T0))
    with pytest.raises(InvalidToken) as refused:
        verify(KEY, other, T0)
    assert refused.value.problem is TokenProblem.FORGED


def test_a_changed_payload_is_forged() -> None:
    version, payload, signature = _token().split(".")
    changed = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    with pytest.raises(InvalidToken) as refused:
        verify(KEY, f"{version}.{changed}.{signature}", T0)
    assert refused.value.problem is TokenProblem.FORGED


def test_an_expired_token_is_refused_with_what_it_named() -> None:
    with pytest.raises(InvalidToken) as refused:
        verify(KEY, _token(), T0 + LIFETIME)
    assert refused.value.problem is TokenProblem.EXPIRED
    assert refused.value.token is not None and refused.value.token.locale == "fr"


@pytest.mark.parametrize("text", ["", "v1", "v2.abc.def", "v1.a.b.c", "x" * 2000])
def test_what_is_not_a_token_is_malformed(text: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        verify(KEY, text, T0)
    assert refused.value.problem in (TokenProblem.MALFORMED, TokenProblem.FORGED)


def test_a_recipient_of_another_shop_cannot_be_named() -> None:
    with pytest.raises(ValueError, match="another shop"):
        _token(recipient_key="R#jade-garden#" + "ab" * 16)
