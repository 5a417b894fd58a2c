"""The webhook's HTTP contract: requests as the HTTP API delivers them, typed responses."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from courteous.errors import PermanentError

# The largest body accepted: 4 MiB. A Shopify order with a few hundred line items is
# well over 256 KB, so the cap is set by what carries the request, not by a guess at
# "big enough": API Gateway's HTTP API takes payloads up to 10 MB, but a synchronous
# Lambda invocation carries at most 6 MB of request, and the HTTP API base64-encodes a
# body it does not treat as text (4/3 of its size) inside an event that also holds the
# headers and request context. 4 MiB base64-encoded is 5.59 MB, which leaves room for
# them. What the adapters keep of such a body is only what the canonical event needs.
MAX_BODY_BYTES = 4 * 1024 * 1024


class BodyTooLargeError(PermanentError):
    pass


class UnreadableBodyError(PermanentError):
    pass


@dataclass(frozen=True)
class WebhookRequest:
    """One POST to `/webhooks/{platform}/{shop_id}`; header names in lower case."""

    platform: str
    shop_id: str
    headers: Mapping[str, str]
    body: str | None
    is_base64_encoded: bool = False

    @classmethod
    def from_http(
        cls,
        *,
        platform: str,
        shop_id: str,
        headers: Mapping[str, str] | None,
        body: str | None,
        is_base64_encoded: bool,
    ) -> WebhookRequest:
        lowered = {str(name).lower(): str(value) for name, value in (headers or {}).items()}
        return cls(platform, shop_id, lowered, body, bool(is_base64_encoded))

    def raw_body(self) -> bytes:
        """The exact bytes the platform sent (signatures are computed over these)."""
        text = self.body or ""
        # Base64 is 4/3 of the bytes: refuse early without decoding a huge body.
        limit = MAX_BODY_BYTES * 4 // 3 + 4 if self.is_base64_encoded else MAX_BODY_BYTES * 4
        if len(text) > limit:
            raise BodyTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
        if self.is_base64_encoded:
            try:
                raw = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise UnreadableBodyError("the body is not valid base64") from exc
        else:
            try:
                raw = text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise UnreadableBodyError("the body is not valid UTF-8") from exc
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
        return raw

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class AcceptedBody(BaseModel):
    """202: the delivery became these canonical events, now on the bus."""

    model_config = ConfigDict(extra="forbid")

    accepted: list[str] = Field(description="the event ids emitted")
    duplicate: bool = Field(default=False, description="a repeated delivery: nothing new")


class IgnoredBody(BaseModel):
    """200: acknowledged on purpose without an event (unused topic, ping, test order)."""

    model_config = ConfigDict(extra="forbid")

    ignored: str = Field(description="why nothing was emitted")
    duplicate: bool = False


class ErrorBody(BaseModel):
    """4xx/5xx: what was wrong; `field` names the payload field or header at fault."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="a stable code, e.g. bad_signature")
    message: str
    field: str | None = None


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: AcceptedBody | IgnoredBody | ErrorBody
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> str:
        return self.body.model_dump_json(exclude_none=True)

    @classmethod
    def error(
        cls,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> WebhookResponse:
        return cls(status, ErrorBody(error=code, message=message, field=field), headers or {})


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """The JSON value of a body; raises `UnreadableBodyError` with a one-line reason.

    Numbers with a fraction or exponent are read as exact `Decimal`s (a float would read
    "1e-400" as 0.0 and "0.1" as an approximation); NaN and Infinity are not JSON."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise UnreadableBodyError("the body is not valid UTF-8") from exc
    except RecursionError as exc:
        raise UnreadableBodyError("the JSON is nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise UnreadableBodyError(f"malformed JSON: {exc}") from exc
