"""Webhook signatures, verified over the raw body bytes with a constant-time compare.

- Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app secret, body)).
- WooCommerce: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(secret, body)), where the
  secret is first passed through WordPress's `wp_specialchars_decode(..., ENT_QUOTES)`
  and the body is exactly what WooCommerce sent (PHP escapes "/" as "\\/": re-encoding
  the parsed JSON would not reproduce it).
- Judge.me: `JUDGEME-HMAC-SHA256` = hex(HMAC-SHA256(secret, body)), the secret being the
  OAuth app's secret or the shop's private API token, whichever created the webhook
  (Judge.me help, "Verifying webhooks from Judge.me").
- Generic: `X-Courteous-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`,
  accepted within `GENERIC_TOLERANCE` of now; several `v1` entries may be given (secret
  rotation) and any one matching passes; other schemes in the header are ignored.

Each failure raises `SignatureError` with a reason an operator can act on; the reason
never contains the secret or the expected value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta

from courteous.errors import PermanentError
from courteous.events.models import Platform

SHOPIFY_HEADER = "x-shopify-hmac-sha256"
WOOCOMMERCE_HEADER = "x-wc-webhook-signature"
GENERIC_HEADER = "x-courteous-signature"
JUDGEME_HEADER = "judgeme-hmac-sha256"
GENERIC_TOLERANCE = timedelta(minutes=5)

SIGNATURE_HEADERS: dict[Platform, str] = {
    Platform.SHOPIFY: SHOPIFY_HEADER,
    Platform.WOOCOMMERCE: WOOCOMMERCE_HEADER,
    Platform.GENERIC: GENERIC_HEADER,
    Platform.JUDGEME: JUDGEME_HEADER,
}

# The longest header we read: a handful of v1 entries, never a megabyte of commas.
_MAX_HEADER_CHARS = 2048


class SignatureError(PermanentError):
    """The request is not signed by the shop's secret; `reason` says how it failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _decode_base64(value: str, header: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{header} is not base64") from exc


def _require(value: str | None, header: str) -> str:
    if value is None or not value.strip():
        raise SignatureError(f"missing {header} header")
    if len(value) > _MAX_HEADER_CHARS:
        raise SignatureError(f"{header} header is too long")
    return value


def sign_shopify(secret: str, body: bytes) -> str:
    return base64.b64encode(_hmac_sha256(secret, body)).decode("ascii")


def verify_shopify(secret: str, body: bytes, signature: str | None) -> None:
    given = _decode_base64(_require(signature, SHOPIFY_HEADER), SHOPIFY_HEADER)
    if not hmac.compare_digest(given, _hmac_sha256(secret, body)):
        raise SignatureError(f"{SHOPIFY_HEADER} does not match the body and the shop's secret")


_WP_SPECIALCHARS = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#039;", "'"),
    ("&#x27;", "'"),
    ("&amp;", "&"),
)


def woocommerce_secret(secret: str) -> str:
    """The key WooCommerce really signs with: `wp_specialchars_decode($secret, ENT_QUOTES)`."""
    for entity, char in _WP_SPECIALCHARS:
        secret = secret.replace(entity, char)
    return secret


def sign_woocommerce(secret: str, body: bytes) -> str:
    return base64.b64encode(_hmac_sha256(woocommerce_secret(secret), body)).decode("ascii")


def verify_woocommerce(secret: str, body: bytes, signature: str | None) -> None:
    given = _decode_base64(_require(signature, WOOCOMMERCE_HEADER), WOOCOMMERCE_HEADER)
    if not hmac.compare_digest(given, _hmac_sha256(woocommerce_secret(secret), body)):
        raise SignatureError(f"{WOOCOMMERCE_HEADER} does not match the body and the shop's secret")


def sign_judgeme(secret: str, body: bytes) -> str:
    return _hmac_sha256(secret, body).hex()


def verify_judgeme(secret: str, body: bytes, signature: str | None) -> None:
    given = _require(signature, JUDGEME_HEADER).strip().lower()
    expected = sign_judgeme(secret, body)
    if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
        raise SignatureError(f"{JUDGEME_HEADER} does not match the body and the shop's secret")


def _generic_mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(
        secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256
    ).hexdigest()


def sign_generic(secret: str, body: bytes, timestamp: int) -> str:
    """The full `X-Courteous-Signature` header value for `body` signed at `timestamp`."""
    return f"t={timestamp},v1={_generic_mac(secret, timestamp, body)}"


def parse_generic_header(value: str) -> tuple[int, list[str]]:
    """The timestamp and the `v1` signatures of an `X-Courteous-Signature` header."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not item.isascii() or not item.isdigit():
                raise SignatureError(f"{GENERIC_HEADER}: t is not a unix timestamp")
            timestamp = int(item)
        elif key == "v1":
            signatures.append(item.strip().lower())
    if timestamp is None:
        raise SignatureError(f"{GENERIC_HEADER}: no t=<unix seconds>")
    if not signatures:
        raise SignatureError(f"{GENERIC_HEADER}: no v1=<hex signature>")
    return timestamp, signatures


def verify_generic(
    secret: str,
    body: bytes,
    signature: str | None,
    *,
    now: datetime | None,
    tolerance: timedelta = GENERIC_TOLERANCE,
) -> int:
    """Checks the signature and, unless `now` is None, its age; returns the timestamp."""
    timestamp, signatures = parse_generic_header(_require(signature, GENERIC_HEADER))
    expected = _generic_mac(secret, timestamp, body)
    # Compare against every v1 without stopping early, so timing tells nothing.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), expected.encode())
    if not matched:
        raise SignatureError(f"{GENERIC_HEADER} does not match t, the body and the secret")
    if now is not None:
        age = now.timestamp() - timestamp
        if abs(age) > tolerance.total_seconds():
            raise SignatureError(
                f"{GENERIC_HEADER} timestamp {timestamp} is {int(age)} s from now "
                f"(tolerance {int(tolerance.total_seconds())} s)"
            )
    return timestamp


def verify(
    platform: Platform,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime,
) -> None:
    """Verifies a delivery; `headers` must have lower-case names (as HTTP API gives them)."""
    signature = headers.get(SIGNATURE_HEADERS[platform])
    if platform is Platform.SHOPIFY:
        verify_shopify(secret, body, signature)
    elif platform is Platform.WOOCOMMERCE:
        verify_woocommerce(secret, body, signature)
    elif platform is Platform.JUDGEME:
        verify_judgeme(secret, body, signature)
    else:
        verify_generic(secret, body, signature, now=now)
