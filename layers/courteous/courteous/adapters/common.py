"""What every platform adapter shares: results, errors and tolerant field helpers.

An adapter turns one delivery (topic + parsed JSON) into canonical events, or says on
purpose that the topic is ignored. A payload it cannot map raises `AdapterError`
naming the platform's field, which the webhook answers with 400.

Contacts in platform payloads are often typed by hand ("555-625-1199", "(555)
555-5555"); a contact that cannot be normalised is dropped rather than failing the
order, because the order itself is still a fact the flows need.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from courteous.errors import PermanentError
from courteous.events.models import CanonicalEvent, MemberTier, ProductKind
from courteous.recipients.identity import InvalidContactError, normalise_email, normalise_phone


class AdapterError(PermanentError):
    """A payload the adapter cannot map; `field` is the platform's field (dotted path)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class Mapped:
    """The canonical events one delivery became (one or more)."""

    events: tuple[CanonicalEvent, ...]


@dataclass(frozen=True)
class Ignored:
    """A delivery acknowledged on purpose without an event; `reason` says why."""

    reason: str


AdapterResult = Mapped | Ignored


class PlatformModel(BaseModel):
    """A platform payload as far as we read it: unknown fields are the platform's."""

    model_config = ConfigDict(extra="ignore", frozen=True)


ModelT = TypeVar("ModelT", bound=BaseModel)


def validation_to_adapter_error(exc: ValidationError, prefix: str = "") -> AdapterError:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return AdapterError(prefix, "invalid")
    error = errors[0]
    path = ".".join(str(part) for part in error["loc"])
    field = ".".join(part for part in (prefix, path) if part)
    return AdapterError(field, str(error["msg"]).removeprefix("Value error, "))


def parse_payload(model: type[ModelT], payload: Any, prefix: str = "") -> ModelT:
    """`payload` read as `model`; a mismatch is an `AdapterError` naming the field."""
    if not isinstance(payload, dict):
        raise AdapterError(prefix, f"expected a JSON object, got {type(payload).__name__}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise validation_to_adapter_error(exc, prefix) from exc


def build(model: type[ModelT], **fields: Any) -> ModelT:
    """A canonical model from mapped fields; a value that breaks it names its field."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise validation_to_adapter_error(exc) from exc


def text_id(value: int | str | None) -> str | None:
    """Platform ids as text (Shopify ids exceed 2**53: never through a float)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return text or None


def phone_or_none(text: str | None, country: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return normalise_phone(text, country if country and len(country) == 2 else None)
    except InvalidContactError:
        return None


def email_or_none(text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return normalise_email(text)
    except InvalidContactError:
        return None


def first(*values: str | None) -> str | None:
    for value in values:
        if value is not None and value.strip():
            return value.strip()
    return None


def money_amount(value: str | int | float | Decimal | None, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise AdapterError(field, f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise AdapterError(field, f"not an amount: {value!r}")
    return amount


def currency(value: str, field: str) -> str:
    """An ISO 4217 code, checked here so that the error names the platform's field."""
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise AdapterError(field, f"not an ISO 4217 currency code: {value!r}")
    return code


def instant(value: str | None, field: str, *, naive_is_utc: bool = False) -> datetime | None:
    """An ISO 8601 instant; naive ones only where the platform documents them as UTC."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise AdapterError(field, f"not an ISO 8601 instant: {value!r}") from exc
    if parsed.tzinfo is None:
        if not naive_is_utc:
            raise AdapterError(field, f"instant without a UTC offset: {value!r}")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


_TIER_RANK = {tier: rank for rank, tier in enumerate(MemberTier)}


def _token(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def member_tier_from(labels: Iterable[str]) -> MemberTier | None:
    """The highest tier named by labels such as tags "VIP" or "tier:top-vip"."""
    found: list[MemberTier] = []
    for label in labels:
        token = _token(label)
        token = token.removeprefix("tier:").removeprefix("member_tier:")
        if token in MemberTier.__members__.values():
            found.append(MemberTier(token))
    return max(found, key=_TIER_RANK.__getitem__) if found else None


def product_kind_from(value: object) -> ProductKind | None:
    if not isinstance(value, str):
        return None
    token = _token(value)
    return ProductKind(token) if token in ProductKind.__members__.values() else None


PRODUCT_KIND_KEYS = ("product_kind", "_product_kind", "courteous_product_kind")
