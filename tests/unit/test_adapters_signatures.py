"""Webhook signatures: the platforms' schemes verify, a one-byte change fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courteous.adapters.signatures import (
    SignatureError,
    sign_generic,
    sign_shopify,
    sign_woocommerce,
    verify,
    verify_generic,
    verify_shopify,
    verify_woocommerce,
    woocommerce_secret,
)
from courteous.events import Platform
from tests.conftest import FIXTURES_DIR

FIXTURES = FIXTURES_DIR
WC_BODY = FIXTURES / "woocommerce" / "signature_vector" / "order_created_body.json"
STRIPE_VECTOR = FIXTURES / "stripe" / "signature_vector.json"
SHOPIFY_ORDER = FIXTURES / "shopify" / "shopify_python_api_fixtures" / "order.json"


def flip_one_byte(body: bytes, index: int = 0) -> bytes:
    return body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]


def test_shopify_signature_over_the_raw_body_verifies_and_one_changed_byte_fails() -> None:
    # Given a real Shopify order body signed as Shopify does
    body = SHOPIFY_ORDER.read_bytes()
    signature = sign_shopify("shpss_app_secret", body)
    # Then it verifies
    verify_shopify("shpss_app_secret", body, signature)
    # And any one-byte change of the body fails
    with pytest.raises(SignatureError, match="does not match"):
        verify_shopify("shpss_app_secret", flip_one_byte(body, len(body) // 2), signature)
    # And a different secret fails
    with pytest.raises(SignatureError):
        verify_shopify("another_secret", body, signature)


def test_woocommerce_vector_verifies_only_over_the_exact_wire_bytes() -> None:
    # Given the body exactly as WooCommerce serialised it ("/" escaped as "\/")
    body = WC_BODY.read_bytes()
    signature = sign_woocommerce("wc_test_secret", body)
    verify_woocommerce("wc_test_secret", body, signature)
    # When the same JSON is re-encoded by Python, Then it no longer verifies
    reencoded = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert reencoded != body
    with pytest.raises(SignatureError):
        verify_woocommerce("wc_test_secret", reencoded, signature)
    with pytest.raises(SignatureError):
        verify_woocommerce("wc_test_secret", flip_one_byte(body, 10), signature)


def test_woocommerce_secret_is_decoded_as_wordpress_does() -> None:
    # WooCommerce signs with wp_specialchars_decode($secret, ENT_QUOTES)
    assert woocommerce_secret("a&amp;b&lt;c&gt;d&quot;e&#039;f") == "a&b<c>d\"e'f"
    body = b'{"id":1}'
    assert sign_woocommerce("a&amp;b", body) == sign_shopify("a&b", body)


def test_the_generic_scheme_is_the_stripe_construction() -> None:
    # Given Stripe's published vector (t.body, hex HMAC-SHA256, v1)
    vector = json.loads(STRIPE_VECTOR.read_text())
    body = vector["payload"].encode()
    # Then our signer produces the same header, and it verifies when the age is not checked
    assert (
        sign_generic(vector["secret"], body, vector["timestamp"])
        == (vector["stripe_signature_header"])
    )
    assert (
        verify_generic(vector["secret"], body, vector["stripe_signature_header"], now=None)
        == (vector["timestamp"])
    )
    # But it is far outside the 5-minute tolerance today
    with pytest.raises(SignatureError, match="tolerance"):
        verify_generic(
            vector["secret"], body, vector["stripe_signature_header"], now=datetime.now(UTC)
        )


@pytest.mark.parametrize(("skew", "ok"), [(0, True), (299, True), (-299, True), (301, False)])
def test_generic_tolerance_is_five_minutes_either_way(skew: int, ok: bool) -> None:
    signed_at = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    header = sign_generic("s3cret", b"{}", int(signed_at.timestamp()))
    now = signed_at + timedelta(seconds=skew)
    if ok:
        verify_generic("s3cret", b"{}", header, now=now)
    else:
        with pytest.raises(SignatureError, match="tolerance"):
            verify_generic("s3cret", b"{}", header, now=now)


def test_generic_accepts_any_of_several_v1_during_secret_rotation() -> None:
    now = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    t = int(now.timestamp())
    new = sign_generic("new-secret", b"{}", t).split("v1=")[1]
    header = f"t={t},v1={'0' * 64},v0=ignored,v1={new}"
    assert verify_generic("new-secret", b"{}", header, now=now) == t


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("v1=abcd", "no t="),
        ("t=12x,v1=abcd", "not a unix timestamp"),
        ("t=1", "no v1="),
        ("t=1,v1=" + "a" * 5000, "too long"),
    ],
)
def test_a_malformed_generic_header_says_what_is_wrong(header: str | None, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_generic("s", b"{}", header, now=None)


@pytest.mark.parametrize("platform", [Platform.SHOPIFY, Platform.WOOCOMMERCE])
def test_a_missing_or_non_base64_signature_is_refused(platform: Platform) -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    with pytest.raises(SignatureError, match="missing"):
        verify(platform, "s", b"{}", {}, now=now)
    header = "x-shopify-hmac-sha256" if platform is Platform.SHOPIFY else "x-wc-webhook-signature"
    with pytest.raises(SignatureError, match="not base64"):
        verify(platform, "s", b"{}", {header: "***"}, now=now)


@given(body=st.binary(max_size=512), index=st.integers(min_value=0), secret=st.text(min_size=1))
def test_every_scheme_rejects_any_single_byte_change(body: bytes, index: int, secret: str) -> None:
    # Given any body and secret, signed by each scheme
    body = body or b"x"
    changed = flip_one_byte(body, index % len(body))
    now = datetime(2026, 11, 22, tzinfo=UTC)
    t = int(now.timestamp())
    signed = {
        Platform.SHOPIFY: {"x-shopify-hmac-sha256": sign_shopify(secret, body)},
        Platform.WOOCOMMERCE: {"x-wc-webhook-signature": sign_woocommerce(secret, body)},
        Platform.GENERIC: {"x-courteous-signature": sign_generic(secret, body, t)},
    }
    for platform, headers in signed.items():
        # Then the original verifies and the changed body does not
        verify(platform, secret, body, headers, now=now)
        with pytest.raises(SignatureError):
            verify(platform, secret, changed, headers, now=now)
