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

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from courteous.messages import Kind, MessageClass
from courteous.recipients.zones import UnknownZoneError, check_zone


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the field.

    `fields` holds (dotted field, message) for each problem, for a form to show at the
    field; "extends" and "name" problems name those fields too."""

    def __init__(self, message: str, fields: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


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


def _iso_duration(value: Any) -> Any:
    """Durations are ISO 8601 text ("PT4H", "P7D"): a bare number has no unit."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool | int | float):
        raise ValueError("a duration is ISO 8601 text such as 'PT4H' or 'P7D', not a bare number")
    if isinstance(value, str) and not value.lstrip("-+").upper().startswith("P"):
        raise ValueError(f"not an ISO 8601 duration such as 'PT4H' or 'P7D': {value[:40]!r}")
    return value


Duration = Annotated[timedelta, BeforeValidator(_iso_duration)]
# The longest span any rule may name: a cap over a year, a gap of a month, a dedupe kept
# for ten years. Beyond these the arithmetic on instants would leave the calendar.
CAP_WINDOW_MAX = timedelta(days=366)
MIN_GAP_MAX = timedelta(days=31)
RETENTION_MAX = timedelta(days=3660)
PositiveDuration = Annotated[Duration, Field(gt=timedelta(0))]


class Cap(BaseModel):
    """At most `limit` messages of `classes` to one recipient in any rolling `window`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    classes: frozenset[MessageClass] = Field(min_length=1)
    window: Annotated[PositiveDuration, Field(le=CAP_WINDOW_MAX)]
    limit: int = Field(ge=1, le=10_000)

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

    name: str = Field(default="default", min_length=1, max_length=128)
    version: int = Field(default=1, ge=1, le=1_000_000_000)
    shop_zone: str = Field(default="UTC", description="used when nothing else tells the zone")
    classes: dict[MessageClass, ClassRule] = Field(default_factory=_default_class_rules)
    caps: tuple[Cap, ...] = Field(default_factory=_default_caps)
    min_gap: Duration = Field(
        default=timedelta(hours=4),
        ge=timedelta(0),
        le=MIN_GAP_MAX,
        description="between two non-transactional messages to one recipient",
    )
    dedupe_retention: dict[Kind, Annotated[PositiveDuration, Field(le=RETENTION_MAX)]] = Field(
        default_factory=_default_dedupe_retention
    )
    urgent_kinds: frozenset[Kind] = Field(
        default=frozenset(),
        description="kinds that pass quiet hours, rest days and holidays (never caps or consent)",
    )
    defer_spread: Duration = Field(
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
        """A class a policy built in code does not mention keeps the default rule.

        (A policy read from JSON is laid over its preset first, so it keeps the preset's.)
        """
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


def _everywhere(rule: ClassRule) -> dict[MessageClass, ClassRule]:
    return dict.fromkeys(MessageClass, rule)


def _night(start: int, end: int) -> tuple[Window, ...]:
    return (Window(start=time(start), end=time(end)),)


# Each preset's rules, with the text each one comes from beside it. Every class is held
# to the law's hours even where the law names only sales or marketing messages: a
# payment reminder at 20:30 reads as a sales message to the person woken by it.
PRESETS: dict[str, Policy] = {
    "default": Policy(),
    "cn": Policy(
        name="cn",
        shop_zone="Asia/Shanghai",
        # No statute sets hours in China; SMS vendors accept promotion messages from
        # 08:00 to 21:00 (some to 22:00) and platforms punish late contact: the earlier
        # close is kept for every class. With public_holidays on, the year's official
        # schedule applies: the State Council's notice of rest days and make-up working
        # days (gate/calendar.py, CN_SCHEDULES).
        classes=_everywhere(ClassRule(quiet_hours=_night(21, 8))),
    ),
    "us-tcpa": Policy(
        name="us-tcpa",
        shop_zone="America/New_York",
        # 47 CFR 64.1200(c)(1): no telephone solicitation before 8 a.m. or after 9 p.m.,
        # local time at the called party's location.
        classes=_everywhere(ClassRule(quiet_hours=_night(21, 8))),
    ),
    "us-fl": Policy(
        name="us-fl",
        shop_zone="America/New_York",
        # Fla. Stat. 501.616(6)(a): no telephonic sales call before 8 a.m. or after
        # 8 p.m., local time at the called person's location.
        classes=_everywhere(ClassRule(quiet_hours=_night(20, 8))),
        caps=(
            # Fla. Stat. 501.616(6)(b): at most three calls in a 24-hour period on the
            # same subject matter; counted here across every capped message.
            Cap(
                name="florida_daily",
                classes=frozenset({MessageClass.SERVICE, MessageClass.MARKETING}),
                window=timedelta(hours=24),
                limit=3,
            ),
            *_default_caps()[1:],
        ),
    ),
    "fr": Policy(
        name="fr",
        version=2,
        shop_zone="Europe/Paris",
        classes={
            # Messages the customer's own order asks for: no rule of law; the common
            # courtesy of 22:00-08:00.
            MessageClass.TRANSACTIONAL: ClassRule(quiet_hours=_night(22, 8)),
            MessageClass.SERVICE: ClassRule(quiet_hours=_night(22, 8)),
            # Marketing SMS: Monday to Saturday 08:00-20:00, never on Sundays or public
            # holidays (the French operators' code of practice for commercial SMS; the
            # af2m Business Messaging charter of 2024-09-01 allows working days only and
            # 08:00-22:00, the earlier 20:00 close is kept). Holidays are the recipient's
            # own: an overseas department's where the number or address says so
            # (La Reunion observes 20 December). Consent: CPCE art. L34-5.
            MessageClass.MARKETING: ClassRule(
                quiet_hours=_night(20, 8),
                rest_days=frozenset({Weekday.SUNDAY}),
                public_holidays=True,
            ),
        },
    ),
}


def _error_fields(exc: ValidationError) -> tuple[tuple[str, str], ...]:
    return tuple(
        (".".join(str(item) for item in error["loc"]) or "policy", error["msg"])
        for error in exc.errors()
    )


def _error_text(exc: ValidationError) -> str:
    return "; ".join(f"{field}: {message}" for field, message in _error_fields(exc))


def _deep_merge(base: Any, override: Any) -> Any:
    """`override` laid over `base`: objects merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _deep_merge(base[key], value) if key in base else value
        return merged
    return override


def _content(policy: Policy) -> dict[str, Any]:
    # Python values, not JSON: a frozenset's JSON order varies from process to process.
    return policy.model_dump(exclude={"name", "version"})


def policy_from_dict(data: dict[str, Any], source: str | None = None) -> Policy:
    """A policy from its JSON form, laid over a preset (`"extends"`, default "default").

    Inheritance is deep: whatever the data does not name keeps the preset's value, down
    to one field of one class's rule (a list, such as quiet hours or caps, is replaced
    whole). A policy that differs from its preset is labelled by its own `name`, else by
    `source` (the file's name, the shop's parameter), never by the preset's.
    """
    data = dict(data)
    base_name = data.pop("extends", "default")
    if not isinstance(base_name, str):
        raise PolicyError(
            "extends: the name of one preset, as a string",
            (("extends", "the name of one preset, as a string"),),
        )
    if base_name not in PRESETS:
        known = ", ".join(PRESETS)
        message = f"unknown preset {base_name[:40]!r} (known: {known})"
        raise PolicyError(f"extends: {message}", (("extends", message),))
    base = PRESETS[base_name]
    merged = _deep_merge(base.model_dump(mode="json"), data)
    try:
        policy = Policy.model_validate(merged)
    except ValidationError as exc:
        raise PolicyError(f"invalid policy: {_error_text(exc)}", _error_fields(exc)) from exc
    same = _content(policy) == _content(base)
    if same and "name" not in data and "version" not in data:
        return base
    if "name" not in data:
        policy = policy.model_copy(update={"name": source or f"{base_name}-custom"})
        if "version" not in data:
            policy = policy.model_copy(update={"version": 1})
    if policy.name in PRESETS and not (same and policy.version == PRESETS[policy.name].version):
        raise PolicyError(
            f"name: {policy.name!r} is a preset's; a policy that changes it needs its own name"
        )
    return policy


# A policy file is a few kilobytes; anything much larger is not one.
POLICY_FILE_MAX_BYTES = 1_000_000


def load_policy(source: str | Path) -> Policy:
    """A preset by name, or a policy JSON file (labelled by the file's name by default)."""
    if isinstance(source, str) and source in PRESETS:
        return PRESETS[source]
    path = Path(source)
    if not path.is_file():
        raise PolicyError(
            f"no preset or file named {str(source)!r} (presets: {', '.join(PRESETS)})"
        )
    data = read_json_file(path, POLICY_FILE_MAX_BYTES, PolicyError)
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a policy is a JSON object")
    return policy_from_dict(data, source=path.stem)


def read_json_file(path: Path, max_bytes: int, error: type[Exception]) -> Any:
    """A JSON file's content; any way it cannot be read raises `error` with one line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise error(f"{path}: larger than {max_bytes} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}: not JSON: {exc.msg} (line {exc.lineno})") from exc
    except RecursionError as exc:
        raise error(f"{path}: JSON nested too deeply") from exc
