"""Unsubscribe tokens: which shop, which recipient, which class, until when; signed.

`v1.<payload>.<signature>`: the payload is compact JSON in base64url (shop id, the
e-mail contact's hash, the message class, the locale of the confirmation page, the
expiry in epoch seconds, and the request the link was sent with, which makes each link
usable once); the signature is HMAC-SHA256 over `v1.<payload>` under a key derived from
the deployment's contact-hash key, so no new secret is needed and a leaked link names
nobody in clear. A token that does not verify, does not parse or has expired is
refused with its reason and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from courteous.errors import PermanentError
from courteous.messages import MessageClass

VERSION = "v1"
# CAN-SPAM (16 CFR 316.5) wants an opt-out mechanism to work for at least 30 days after
# the message is sent; twice that leaves room for a customer reading old mail.
LIFETIME = timedelta(days=60)
_KEY_LABEL = b"courteous unsubscribe link v1"


class TokenProblem(StrEnum):
    MALFORMED = "malformed"
    FORGED = "forged"
    EXPIRED = "expired"


class InvalidToken(PermanentError):
    def __init__(
        self, problem: TokenProblem, detail: str, token: UnsubscribeToken | None = None
    ) -> None:
        super().__init__(f"unsubscribe link {problem.value}: {detail}")
        self.problem = problem
        self.token = token  # an expired token's content (it was signed by us)


class UnsubscribeToken(BaseModel):
    """What a link names. `recipient` is the e-mail contact's keyed hash, never the address."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    shop_id: str = Field(alias="s", min_length=1, max_length=128)
    recipient: str = Field(alias="r", pattern=r"^[0-9a-f]{32}$")
    message_class: MessageClass = Field(alias="c")
    locale: str = Field(alias="l", max_length=35)
    expires: int = Field(alias="e", ge=0, description="epoch seconds")
    token_id: str = Field(alias="n", min_length=1, max_length=128)

    @property
    def recipient_key(self) -> str:
        """The e-mail contact's item in the gate table (see `recipients.identity`)."""
        return f"R#{self.shop_id}#{self.recipient}"

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)


def link_key(contact_key: bytes) -> bytes:
    """The signing key: derived from the contact-hash key, never that key itself."""
    return hmac.new(contact_key, _KEY_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _signature(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def issue(key: bytes, token: UnsubscribeToken) -> str:
    payload = json.dumps(
        token.model_dump(by_alias=True, mode="json"), separators=(",", ":"), sort_keys=True
    )
    signed = f"{VERSION}.{_b64(payload.encode())}"
    return f"{signed}.{_signature(key, signed)}"


def new_token(
    *,
    shop_id: str,
    recipient_key: str,
    message_class: MessageClass,
    locale: str,
    token_id: str,
    sent_at: datetime,
) -> UnsubscribeToken:
    prefix = f"R#{shop_id}#"
    if not recipient_key.startswith(prefix):
        raise ValueError("the recipient key belongs to another shop")
    return UnsubscribeToken(
        shop_id=shop_id,
        recipient=recipient_key[len(prefix) :],
        message_class=message_class,
        locale=locale,
        expires=int((sent_at + LIFETIME).timestamp()),
        token_id=token_id,
    )


def verify(key: bytes, text: str, now: datetime) -> UnsubscribeToken:
    """The token's content, or `InvalidToken` saying why not."""
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != VERSION or len(text) > 1024:
        raise InvalidToken(TokenProblem.MALFORMED, "not an unsubscribe link of ours")
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(key, signed), parts[2]):
        raise InvalidToken(TokenProblem.FORGED, "the signature does not match")
    try:
        token = UnsubscribeToken.model_validate(json.loads(_unb64(parts[1])))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as exc:
        raise InvalidToken(TokenProblem.MALFORMED, "the payload does not parse") from exc
    if token.expires_at <= now:
        raise InvalidToken(
            TokenProblem.EXPIRED, f"expired at {token.expires_at.isoformat()}", token
        )
    return token
