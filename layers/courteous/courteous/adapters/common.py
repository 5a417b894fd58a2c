"""What every platform adapter shares: results, errors and tolerant field helpers.

An adapter turns one delivery (topic + parsed JSON) into canonical events, or says on
purpose that the topic is ignored. What can be mapped is mapped: a sub-field that
cannot be read (a `null` in a list of tracking numbers, a line with quantity 0, a
customer without an id, a contact typed by hand that is no real number) is left out of
the event and recorded as `Dropped`, so that the webhook logs and counts it. Refusing
the whole delivery would lose the order: after a few refusals the platform stops
delivering. Only a payload whose event would be meaningless (no order id, no time)
raises `AdapterError` naming the platform's field, which the webhook answers with 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from courteous.errors import PermanentError
from courteous.events.envelope import MAX_DETAIL_BYTES
from courteous.events.models import CanonicalEvent, LineItem, MemberTier, ProductKind
from courteous.recipients.identity import InvalidContactError, normalise_email, normalise_phone


class AdapterError(PermanentError):
    """A payload the adapter cannot map; `field` is the platform's field (dotted path)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class Dropped:
    """A platform field left out of the event because it could not be read.

    `field` is the dotted path in the payload; `reason` a short code (pydantic's error
    type or our own), never the value: values may be contacts."""

    field: str
    reason: str

    @property
    def metric_field(self) -> str:
        """The path with list positions as `*`, so a metric has few distinct names."""
        return re.sub(r"\.\d+(?=\.|$)", ".*", self.field)


@dataclass(frozen=True)
class Mapped:
    """The canonical events one delivery became (one or more)."""

    events: tuple[CanonicalEvent, ...]
    dropped: tuple[Dropped, ...] = ()


@dataclass(frozen=True)
class Ignored:
    """A delivery acknowledged on purpose without an event; `reason` says why."""

    reason: str
    dropped: tuple[Dropped, ...] = ()


AdapterResult = Mapped | Ignored


class PlatformModel(BaseModel):
    """A platform payload as far as we read it: unknown fields are the platform's."""

    model_config = ConfigDict(extra="ignore", frozen=True)


ModelT = TypeVar("ModelT", bound=BaseModel)

# The fields dropped while one delivery is mapped. A context variable rather than an
# argument threaded through every mapping function: `adapters.adapt` opens one
# collection per delivery and the helpers below add to it.
_dropped: ContextVar[list[Dropped] | None] = ContextVar("courteous_dropped", default=None)


@contextmanager
def collecting_drops() -> Iterator[list[Dropped]]:
    """Collects what `drop` records while the block maps one delivery."""
    token = _dropped.set([])
    try:
        collected = _dropped.get()
        assert collected is not None
        yield collected
    finally:
        _dropped.reset(token)


def drop(field: str, reason: str) -> None:
    """Records that `field` was left out of the event (outside a collection: nowhere)."""
    collected = _dropped.get()
    if collected is not None:
        collected.append(Dropped(field, reason))


def _dotted(*parts: object) -> str:
    return ".".join(str(part) for part in parts if part != "")


def validation_to_adapter_error(exc: ValidationError, prefix: str = "") -> AdapterError:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return AdapterError(prefix, "invalid")
    error = errors[0]
    path = ".".join(str(part) for part in error["loc"])
    field = ".".join(part for part in (prefix, path) if part)
    return AdapterError(field, str(error["msg"]).removeprefix("Value error, "))


# A payload broken in more places than this is not worth salvaging.
_MAX_SALVAGE_ROUNDS = 25


def _existing_path(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The longest prefix of `loc` that names a value in `data` (pydantic's locations
    also name union members, e.g. `price.str`, which are no keys of the payload)."""
    path: list[int | str] = []
    value = data
    for part in loc:
        in_dict = isinstance(value, dict) and isinstance(part, str) and part in value
        in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        if not (in_dict or in_list):
            break
        value = value[part]
        path.append(part)
    return tuple(path)


def _without(value: Any, paths: set[tuple[int | str, ...]]) -> Any:
    """A copy of `value` without the values at `paths` (list items are removed)."""
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if (key,) in paths:
                continue
            below = {path[1:] for path in paths if len(path) > 1 and path[0] == key}
            result[key] = _without(item, below) if below else item
        return result
    if isinstance(value, list):
        items: list[Any] = []
        for index, item in enumerate(value):
            if (index,) in paths:
                continue
            below = {path[1:] for path in paths if len(path) > 1 and path[0] == index}
            items.append(_without(item, below) if below else item)
        return items
    return value


def parse_payload(model: type[ModelT], payload: Any, prefix: str = "") -> ModelT:
    """`payload` read as `model`, leaving out what cannot be read.

    A value the model refuses is removed (a list item with it); when it was required,
    what holds it is removed instead, up to the payload itself, which is an
    `AdapterError` naming the first field at fault. Each removal is `drop`ped."""
    if not isinstance(payload, dict):
        raise AdapterError(prefix, f"expected a JSON object, got {type(payload).__name__}")
    data: Any = payload
    removed: set[tuple[int | str, ...]] = set()
    for _ in range(_MAX_SALVAGE_ROUNDS):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            paths: set[tuple[int | str, ...]] = set()
            for error in errors:
                loc = tuple(error["loc"])
                path = _existing_path(data, loc)
                if not path:
                    raise validation_to_adapter_error(exc, prefix) from exc
                # A required value we removed: its holder goes too, already recorded.
                if not (error["type"] == "missing" and loc in removed):
                    drop(_dotted(prefix, *loc), str(error["type"]))
                paths.add(path)
            removed |= paths
            data = _without(data, paths)
    raise AdapterError(prefix, "too many unreadable fields")


def build(model: type[ModelT], **fields: Any) -> ModelT:
    """A canonical model from mapped fields. An optional field whose value the model
    refuses is left out (and `drop`ped); a required one names its field in an
    `AdapterError`."""
    for _ in range(_MAX_SALVAGE_ROUNDS):
        try:
            return model.model_validate(fields)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            for error in errors:
                loc = tuple(error["loc"])
                name = str(loc[0]) if loc else ""
                info = model.model_fields.get(name)
                if info is None or info.is_required():
                    raise validation_to_adapter_error(exc) from exc
            for error in errors:
                name = str(error["loc"][0])
                if name in fields:
                    drop(_dotted(*error["loc"]), str(error["type"]))
                    fields = {key: value for key, value in fields.items() if key != name}
    raise AdapterError("", "too many unmappable fields")


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


def phone_or_none(text: str | None, country: str | None, field: str = "phone") -> str | None:
    """The E.164 number, or None: a number that is not valid is dropped (the order keeps
    its e-mail and no phone), never kept half-right."""
    if not text or not text.strip():
        return None
    try:
        return normalise_phone(text, country if country and len(country) == 2 else None)
    except InvalidContactError:
        drop(field, "invalid_phone")
        return None


def email_or_none(text: str | None, field: str = "email") -> str | None:
    if not text or not text.strip():
        return None
    try:
        return normalise_email(text)
    except InvalidContactError:
        drop(field, "invalid_email")
        return None


def first(*values: str | None) -> str | None:
    for value in values:
        if value is not None and value.strip():
            return value.strip()
    return None


# Amounts are kept to six decimal places (no currency has more than four) and below
# 10**12 (the canonical Money allows 18 digits in all).
_SIX_PLACES = Decimal("0.000001")
_TOO_LARGE = Decimal(10) ** 12

Amount = str | int | float | Decimal


def money_amount(value: Amount | None, field: str) -> Decimal | None:
    """The exact amount of a platform's money field, or `AdapterError`.

    Bodies are parsed with `Decimal` for every JSON number, so "1e-400" is 1E-400 here,
    not a float that underflowed to 0.0: it has more decimals than any currency and is
    refused, as is anything else that is not an amount. A float (from a caller that
    parsed with floats) is read through its shortest repr."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise AdapterError(field, "not an amount")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation as exc:
        raise AdapterError(field, "not an amount") from exc
    if not amount.is_finite() or abs(amount) >= _TOO_LARGE:
        raise AdapterError(field, "not an amount")
    if amount != amount.quantize(_SIX_PLACES):
        raise AdapterError(field, "more decimal places than any currency has")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        amount = amount.quantize(_SIX_PLACES)  # "10.000000000" is 10.000000
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

# The canonical event carries at most this many line items, and EventBridge at most
# 256 KB per event: an order with hundreds of lines keeps its most valuable ones (the
# flows read the total, and the kind of the largest line), the rest is dropped.
MAX_LINE_ITEMS = 500
_LINES_BUDGET = MAX_DETAIL_BYTES - 16 * 1024


def fitting_lines(lines: list[LineItem], field: str = "line_items") -> list[LineItem]:
    """`lines` as the canonical event can carry them, largest first kept, in order."""
    by_value = sorted(
        range(len(lines)),
        key=lambda index: lines[index].unit_price.amount * lines[index].quantity,
        reverse=True,
    )
    kept: set[int] = set()
    size = 0
    for index in by_value:
        cost = len(lines[index].model_dump_json()) + 1
        if len(kept) >= MAX_LINE_ITEMS or size + cost > _LINES_BUDGET:
            drop(f"{field}.{index}", "over_event_size")
            continue
        kept.add(index)
        size += cost
    return [line for index, line in enumerate(lines) if index in kept]
