"""The contact policy: data, versioned and validated, with named presets.

A policy says, per message class, when a recipient may be contacted (quiet hours as
local wall-clock windows, rest days, public holidays), how often (rolling caps per
recipient per shop and a minimum gap), what counts as a duplicate, which kinds are
urgent enough to pass quiet hours, and how a night's backlog is spread in the morning.
A policy that does not validate is refused whole, with the offending field named.
"""

from __future__ import annotations

import json
from datetime import time, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from courteous.messages import Kind, MessageClass
from courteous.recipients.zones import UnknownZoneError, check_zone


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the field."""


class Weekday(IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class Window(BaseModel):
    """A local wall-clock window [start, end); it crosses midnight when start > end."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end are equal: an empty or all-day window is ambiguous")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("window times are local wall-clock times, without an offset")
        return self

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class ClassRule(BaseModel):
    """When one class of message may reach a recipient, in the recipient's local time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quiet_hours: tuple[Window, ...] = (Window(start=time(21), end=time(8)),)
    rest_days: frozenset[Weekday] = frozenset()
    public_holidays: bool = Field(
        default=False, description="no contact on the recipient's country's public holidays"
    )

    @field_validator("rest_days", mode="before")
    @classmethod
    def _weekday_names(cls, value: Any) -> Any:
        if isinstance(value, list | tuple | set | frozenset):
            return [Weekday[item.upper()] if isinstance(item, str) else item for item in value]
        return value


PositiveDuration = Annotated[timedelta, Field(gt=timedelta(0))]


class Cap(BaseModel):
    """At most `limit` messages of `classes` to one recipient in any rolling `window`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    classes: frozenset[MessageClass] = Field(min_length=1)
    window: PositiveDuration
    limit: int = Field(ge=1)

    @field_validator("classes")
    @classmethod
    def _never_transactional(cls, value: frozenset[MessageClass]) -> frozenset[MessageClass]:
        if MessageClass.TRANSACTIONAL in value:
            raise ValueError("transactional messages are never capped")
        return value


def _default_class_rules() -> dict[MessageClass, ClassRule]:
    return {message_class: ClassRule() for message_class in MessageClass}


def _default_caps() -> tuple[Cap, ...]:
    capped = frozenset({MessageClass.SERVICE, MessageClass.MARKETING})
    return (
        Cap(name="daily", classes=capped, window=timedelta(hours=24), limit=3),
        Cap(
            name="weekly_marketing",
            classes=frozenset({MessageClass.MARKETING}),
            window=timedelta(days=7),
            limit=2,
        ),
    )


def _default_dedupe_retention() -> dict[Kind, timedelta]:
    retention = dict.fromkeys(Kind, timedelta(days=30))
    retention[Kind.BIRTHDAY_GREETING] = timedelta(days=300)
    return retention


class Policy(BaseModel):
    """One shop's contact policy. `version` changes whenever its content does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="default", min_length=1)
    version: int = Field(default=1, ge=1)
    shop_zone: str = Field(default="UTC", description="used when nothing else tells the zone")
    classes: dict[MessageClass, ClassRule] = Field(default_factory=_default_class_rules)
    caps: tuple[Cap, ...] = Field(default_factory=_default_caps)
    min_gap: timedelta = Field(
        default=timedelta(hours=4),
        ge=timedelta(0),
        description="between two non-transactional messages to one recipient",
    )
    dedupe_retention: dict[Kind, PositiveDuration] = Field(
        default_factory=_default_dedupe_retention
    )
    urgent_kinds: frozenset[Kind] = Field(
        default=frozenset(), description="kinds that may be sent inside quiet hours"
    )
    defer_spread: timedelta = Field(
        default=timedelta(minutes=30),
        ge=timedelta(0),
        le=timedelta(hours=6),
        description="a deferred message goes at a stable point this long after the window opens",
    )
    holiday_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="the country whose holidays count; default: the recipient's",
    )
    sms_opt_out_text: dict[str, str] = Field(
        default_factory=lambda: {
            "zh": "回T退订",
            "en": "Reply STOP to opt out",
            "fr": "STOP SMS: repondez STOP",
        },
        description="per language, appended to service and marketing SMS",
    )
    sms_segment_limit: int = Field(default=3, ge=1, le=10)

    @field_validator("shop_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            return check_zone(value)
        except UnknownZoneError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("classes")
    @classmethod
    def _every_class(cls, value: dict[MessageClass, ClassRule]) -> dict[MessageClass, ClassRule]:
        """A class the policy does not mention keeps the default rule."""
        return {**_default_class_rules(), **value}

    @property
    def label(self) -> str:
        """What a decision records: "fr@1"."""
        return f"{self.name}@{self.version}"

    def rule_for(self, message_class: MessageClass) -> ClassRule:
        return self.classes[message_class]

    def retention_for(self, kind: Kind) -> timedelta:
        return self.dedupe_retention.get(kind, timedelta(days=30))

    @property
    def ledger_horizon(self) -> timedelta:
        """How far back the ledger must remember sends for the caps and the gap."""
        return max([cap.window for cap in self.caps] + [self.min_gap, timedelta(hours=1)])


def _rules(**by_class: ClassRule) -> dict[MessageClass, ClassRule]:
    rules = _default_class_rules()
    rules.update({MessageClass(name): rule for name, rule in by_class.items()})
    return rules


def _everywhere(rule: ClassRule) -> dict[MessageClass, ClassRule]:
    return dict.fromkeys(MessageClass, rule)


_NIGHT_20_08 = ClassRule(quiet_hours=(Window(start=time(20), end=time(8)),))
_NIGHT_21_08 = ClassRule(quiet_hours=(Window(start=time(21), end=time(8)),))
_NIGHT_22_08 = ClassRule(quiet_hours=(Window(start=time(22), end=time(8)),))

PRESETS: dict[str, Policy] = {
    "default": Policy(),
    # Chinese SMS vendors accept promotions 08:00–21:00; platforms punish late contact.
    "cn": Policy(name="cn", shop_zone="Asia/Shanghai", classes=_everywhere(_NIGHT_21_08)),
    # US TCPA: 08:00–21:00 in the recipient's local time.
    "us-tcpa": Policy(
        name="us-tcpa", shop_zone="America/New_York", classes=_everywhere(_NIGHT_21_08)
    ),
    # Florida Telephone Solicitation Act: 08:00–20:00, at most 3 per 24 h.
    "us-fl": Policy(
        name="us-fl",
        shop_zone="America/New_York",
        classes=_everywhere(_NIGHT_20_08),
        caps=(
            Cap(
                name="florida_daily",
                classes=frozenset({MessageClass.SERVICE, MessageClass.MARKETING}),
                window=timedelta(hours=24),
                limit=3,
            ),
            *_default_caps()[1:],
        ),
    ),
    # France: no marketing 22:00–08:00, on Sundays or on public holidays.
    "fr": Policy(
        name="fr",
        shop_zone="Europe/Paris",
        holiday_country="FR",
        classes=_rules(
            transactional=_NIGHT_22_08,
            service=_NIGHT_22_08,
            marketing=ClassRule(
                quiet_hours=(Window(start=time(22), end=time(8)),),
                rest_days=frozenset({Weekday.SUNDAY}),
                public_holidays=True,
            ),
        ),
    ),
}


def _error_text(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(item) for item in error["loc"]) or "policy"
        parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)


def policy_from_dict(data: dict[str, Any]) -> Policy:
    """A policy from its JSON form. `"extends": "<preset>"` starts from a preset."""
    data = dict(data)
    base = data.pop("extends", None)
    if base is not None:
        if base not in PRESETS:
            raise PolicyError(f"extends: unknown preset {base!r} (known: {', '.join(PRESETS)})")
        merged = PRESETS[base].model_dump(mode="json")
        merged.update(data)
        data = merged
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(f"invalid policy: {_error_text(exc)}") from exc


def load_policy(source: str | Path) -> Policy:
    """A preset by name, or a policy JSON file."""
    if isinstance(source, str) and source in PRESETS:
        return PRESETS[source]
    path = Path(source)
    if not path.is_file():
        raise PolicyError(
            f"no preset or file named {str(source)!r} (presets: {', '.join(PRESETS)})"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PolicyError(f"{path}: not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a policy is a JSON object")
    return policy_from_dict(data)
