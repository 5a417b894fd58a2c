"""Judge.me review webhooks: the body Judge.me sends, its signature, ReviewPosted out."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from courteous.adapters import AdapterError, Ignored, Mapped, adapt, delivery_id_of, topic_of
from courteous.adapters.signatures import SignatureError, sign_judgeme, verify
from courteous.events import Platform, ReviewPosted
from tests.conftest import FIXTURES_DIR

RECEIVED_AT = datetime(2023, 10, 5, 13, 36, tzinfo=UTC)
SAMPLE = FIXTURES_DIR / "judgeme" / "review_created.json"


def payload() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return copy.deepcopy(value)


def test_judgemes_review_created_body_becomes_a_review_posted() -> None:
    # Given Judge.me's own sample of a review/created delivery
    body = payload()
    # When it is adapted (the event is named in the body, not in a header)
    topic = topic_of(Platform.JUDGEME, {})
    result = adapt(Platform.JUDGEME, topic, body, "snow-shop", RECEIVED_AT)
    # Then it is one ReviewPosted with the review, the product and the reviewer
    assert isinstance(result, Mapped)
    (event,) = result.events
    assert isinstance(event, ReviewPosted)
    assert event.review_id == "judgeme:465077653"
    assert (event.rating, event.title, event.text) == (5, "Nice Product", "Very good product!")
    assert event.product_id == "8302173290794"
    assert event.product_title == "The Collection Snowboard: Oxygen"
    assert event.customer.customer_id == "5083214609"
    assert event.customer.email == "test@test.com"
    assert event.customer.first_name == "John"
    # And a phone that is no number ("0000000000000") is dropped, not the review
    assert event.customer.phone is None
    assert event.order_id is None and event.platform is Platform.JUDGEME
    assert event.posted_at == datetime(2023, 10, 5, 13, 35, 1, tzinfo=UTC)
    # And a retry of the same delivery has the same delivery id
    assert delivery_id_of(Platform.JUDGEME, {}, body, b"") == delivery_id_of(
        Platform.JUDGEME, {}, payload(), b""
    )


def test_other_judgeme_events_are_acknowledged_without_an_event() -> None:
    body = payload() | {"event": "review/curated"}
    result = adapt(Platform.JUDGEME, "judgeme", body, "snow-shop", RECEIVED_AT)
    assert isinstance(result, Ignored)


def test_a_review_without_a_rating_names_the_field() -> None:
    body = payload()
    del body["review"]["rating"]
    with pytest.raises(AdapterError) as caught:
        adapt(Platform.JUDGEME, "judgeme", body, "snow-shop", RECEIVED_AT)
    assert caught.value.field == "review.rating"


def test_the_signature_is_the_hex_hmac_of_the_raw_body() -> None:
    # Given the raw body and the shop's Judge.me secret
    raw = SAMPLE.read_bytes()
    signature = sign_judgeme("private-api-token", raw)
    assert len(signature) == 64 and int(signature, 16) >= 0
    # Then the right signature passes (in either case) and a changed body does not
    verify(
        Platform.JUDGEME,
        "private-api-token",
        raw,
        {"judgeme-hmac-sha256": signature.upper()},
        now=RECEIVED_AT,
    )
    with pytest.raises(SignatureError, match="does not match"):
        verify(
            Platform.JUDGEME,
            "private-api-token",
            raw + b" ",
            {"judgeme-hmac-sha256": signature},
            now=RECEIVED_AT,
        )
    with pytest.raises(SignatureError, match="missing judgeme-hmac-sha256"):
        verify(Platform.JUDGEME, "private-api-token", raw, {}, now=RECEIVED_AT)
