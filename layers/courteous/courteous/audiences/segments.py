"""Segments: a small query language over customer facts, validated before it runs.

    rfm in (at_risk, cant_lose) and tier in (vip, top_vip) and last_order before P90D
      and country = CN and consent marketing/sms

A query is conditions joined by `and`. A condition is

- `FIELD in (V, ...)`, `FIELD not in (V, ...)`, `FIELD = V`, `FIELD != V`;
- `FIELD < N` (also `<=`, `>`, `>=`) for numbers and scores;
- `FIELD before T` / `FIELD after T` for instants, T a duration back from now
  (`P90D`, `P2W`, `PT12H`) or a date (`2026-01-01`, midnight UTC): `last_order before
  P90D` is "the last order is more than 90 days old";
- `consent CLASS/CHANNEL` (e.g. `consent marketing/sms`): the shop recorded a yes.

An unknown field, a value a field cannot take, or an operator a field does not allow is
a `SegmentQueryError` naming it and where it is. Customers without the fact a condition
asks about (no order yet, no RFM score) do not match it, except through `!=`/`not in`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from courteous.audiences.models import CustomerFacts
from courteous.audiences.rfm import Cell, RfmModel, Scores
from courteous.errors import PermanentError
from courteous.events.models import MemberTier
from courteous.messages import Channel, MessageClass


class SegmentQueryError(PermanentError):
    """A query that cannot run; the message names the field or value and its position."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"[^"]*")
      | (?P<op><=|>=|!=|=|<|>|\(|\)|,|/)
      | (?P<word>[A-Za-z0-9_.:+\-]+)
    )""",
    re.VERBOSE,
)
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Token:
    text: str
    kind: str
    at: int


def tokens(text: str) -> list[Token]:
    found: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            column = len(text[position:]) - len(text[position:].lstrip()) + position
            raise SegmentQueryError(f"at {column + 1}: unexpected {text[column]!r}")
        kind = match.lastgroup or "word"
        value = match.group(kind)
        start = match.start(kind)
        found.append(Token(value.strip('"') if kind == "string" else value, kind, start + 1))
        position = match.end()
    return found


@dataclass(frozen=True)
class Context:
    """What conditions are evaluated against: now, and the shop's RFM model."""

    now: datetime
    model: RfmModel | None


Value = Any
Getter = Callable[[CustomerFacts, Context, dict[str, Any]], Value]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "enum", "text", "number", "score", "instant", "tags"
    get: Getter
    choices: tuple[str, ...] = ()
    needs_model: bool = False


def _scores(facts: CustomerFacts, context: Context, memo: dict[str, Any]) -> Scores | None:
    if "scores" not in memo:
        memo["scores"] = context.model.scores(facts) if context.model else None
    result: Scores | None = memo["scores"]
    return result


def _spent(facts: CustomerFacts, context: Context) -> Decimal:
    if context.model is not None and context.model.currency:
        return facts.spent.get(context.model.currency, Decimal(0))
    if len(facts.spent) == 1:
        return next(iter(facts.spent.values()))
    return Decimal(0)


def _cell(facts: CustomerFacts, context: Context, memo: dict[str, Any]) -> Value:
    scores = _scores(facts, context, memo)
    return scores.cell.value if scores else None


def _score(letter: str) -> Getter:
    def get(facts: CustomerFacts, context: Context, memo: dict[str, Any]) -> Value:
        scores = _scores(facts, context, memo)
        return getattr(scores, letter) if scores else None

    return get


FIELDS: dict[str, Field] = {
    field.name: field
    for field in (
        Field(
            "rfm",
            "enum",
            _cell,
            tuple(cell.value for cell in Cell),
            needs_model=True,
        ),
        Field("r", "score", _score("r"), needs_model=True),
        Field("f", "score", _score("f"), needs_model=True),
        Field("m", "score", _score("m"), needs_model=True),
        Field(
            "tier",
            "enum",
            lambda f, c, m: f.tier.value if f.tier else None,
            tuple(t.value for t in MemberTier),
        ),
        Field("country", "country", lambda f, c, m: f.country),
        Field("region", "text", lambda f, c, m: f.region),
        Field("locale", "locale", lambda f, c, m: f.locale),
        Field("zone", "text", lambda f, c, m: f.zone),
        Field("tag", "tags", lambda f, c, m: f.tags),
        Field("orders", "number", lambda f, c, m: f.orders),
        Field("purchases", "number", lambda f, c, m: f.purchases),
        Field("cancelled", "number", lambda f, c, m: f.cancelled),
        Field("spent", "number", lambda f, c, m: _spent(f, c)),
        Field("birthday_month", "month", lambda f, c, m: f.birthday.month if f.birthday else None),
        Field("first_order", "instant", lambda f, c, m: f.first_order_at),
        Field("last_order", "instant", lambda f, c, m: f.last_order_at),
        Field("last_purchase", "instant", lambda f, c, m: f.last_purchase_at),
    )
}
OPERATORS = {
    "enum": ("in", "not in", "=", "!="),
    "text": ("in", "not in", "=", "!="),
    "country": ("in", "not in", "=", "!="),
    "locale": ("in", "not in", "=", "!="),
    "tags": ("in", "not in", "=", "!="),
    "month": ("in", "not in", "=", "!=", "<", "<=", ">", ">="),
    "score": ("in", "not in", "=", "!=", "<", "<=", ">", ">="),
    "number": ("=", "!=", "<", "<=", ">", ">="),
    "instant": ("before", "after"),
}


@dataclass(frozen=True)
class Condition:
    field: Field | None
    operator: str
    values: tuple[Any, ...]
    text: str

    def matches(self, facts: CustomerFacts, context: Context, memo: dict[str, Any]) -> bool:
        if self.field is None:  # consent CLASS/CHANNEL
            channel, message_class = self.values
            return facts.consent.get(channel, {}).get(message_class) is True
        value = self.field.get(facts, context, memo)
        op = self.operator
        if self.field.kind == "tags":
            have = {tag.lower() for tag in value}
            hit = any(v in have for v in self.values)
            return not hit if op in ("!=", "not in") else hit
        if op in ("=", "in"):
            return value is not None and _match_any(self.field, value, self.values)
        if op in ("!=", "not in"):
            return value is None or not _match_any(self.field, value, self.values)
        if value is None:
            return False
        if op in ("before", "after"):
            (bound,) = self.values
            threshold = context.now - bound if isinstance(bound, timedelta) else bound
            return bool(value < threshold) if op == "before" else bool(value >= threshold)
        (number,) = self.values
        compared: bool = {
            "<": value < number,
            "<=": value <= number,
            ">": value > number,
            ">=": value >= number,
        }[op]
        return compared


def _match_any(field: Field, value: Any, wanted: Sequence[Any]) -> bool:
    if field.kind == "locale":
        # "fr" is every French: fr, fr-FR, fr-CA.
        text = str(value).lower()
        return any(text == w or text.startswith(f"{w}-") for w in wanted)
    if field.kind == "text":
        return str(value).lower() in wanted
    return value in wanted


@dataclass(frozen=True)
class Segment:
    """A validated query. `matches` is pure: facts, now and the shop's model in."""

    text: str
    conditions: tuple[Condition, ...]

    @property
    def needs_model(self) -> bool:
        return any(c.field is not None and c.field.needs_model for c in self.conditions)

    def matches(self, facts: CustomerFacts, context: Context) -> bool:
        memo: dict[str, Any] = {}
        return all(condition.matches(facts, context, memo) for condition in self.conditions)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> Token:
        token = self.peek()
        if token is None:
            raise SegmentQueryError(
                f"at {len(self.text) + 1}: the query ends early"
                + (f"; expected {expected}" if expected else "")
            )
        self.index += 1
        return token

    def word(self, token: Token, *choices: str) -> bool:
        return token.kind == "word" and token.text.lower() in choices

    def parse(self) -> Segment:
        if not self.tokens:
            raise SegmentQueryError("the query is empty")
        conditions = [self.condition()]
        while (token := self.peek()) is not None:
            if not self.word(token, "and"):
                raise SegmentQueryError(f"at {token.at}: expected 'and', got {token.text!r}")
            self.take()
            conditions.append(self.condition())
        return Segment(self.text, tuple(conditions))

    def condition(self) -> Condition:
        start = self.take("a field")
        name = start.text.lower()
        if start.kind != "word":
            raise SegmentQueryError(f"at {start.at}: expected a field, got {start.text!r}")
        if name == "consent":
            return self.consent(start)
        field = FIELDS.get(name)
        if field is None:
            raise SegmentQueryError(
                f"at {start.at}: unknown field {start.text!r}; fields are: "
                + ", ".join([*FIELDS, "consent"])
            )
        op_token = self.take("an operator")
        op = op_token.text.lower()
        if op == "not":
            nxt = self.take("'in'")
            if not self.word(nxt, "in"):
                raise SegmentQueryError(f"at {nxt.at}: expected 'in' after 'not'")
            op = "not in"
        allowed = OPERATORS[field.kind]
        if op not in allowed:
            raise SegmentQueryError(
                f"at {op_token.at}: {field.name} does not take {op_token.text!r}; "
                f"it takes: {', '.join(allowed)}"
            )
        if op in ("in", "not in"):
            values = self.values_list(field)
        else:
            values = (self.value(field, self.take("a value"), op),)
        end = self.tokens[self.index - 1]
        text = self.text[start.at - 1 : end.at - 1 + len(end.text)]
        return Condition(field, op, values, text)

    def values_list(self, field: Field) -> tuple[Any, ...]:
        opening = self.take("'('")
        if opening.text != "(":
            raise SegmentQueryError(f"at {opening.at}: expected '(' after 'in'")
        values = []
        while True:
            values.append(self.value(field, self.take("a value"), "in"))
            token = self.take("',' or ')'")
            if token.text == ")":
                return tuple(values)
            if token.text != ",":
                raise SegmentQueryError(f"at {token.at}: expected ',' or ')', got {token.text!r}")

    def value(self, field: Field, token: Token, op: str) -> Any:
        text = token.text
        if token.kind == "op":
            raise SegmentQueryError(f"at {token.at}: expected a value for {field.name}")

        def bad(why: str) -> SegmentQueryError:
            return SegmentQueryError(f"at {token.at}: {field.name}: {text!r} {why}")

        kind = field.kind
        if kind == "enum":
            choice = text.lower().replace("-", "_")
            if choice not in field.choices:
                raise bad(f"is not one of {', '.join(field.choices)}")
            return choice
        if kind == "country":
            if not re.fullmatch(r"[A-Za-z]{2}", text):
                raise bad("is not an ISO 3166-1 alpha-2 country code")
            return text.upper()
        if kind in ("text", "tags", "locale"):
            return text.lower()
        if kind in ("score", "month"):
            top = 5 if kind == "score" else 12
            if not text.isdigit() or not 1 <= int(text) <= top:
                raise bad(f"is not a whole number from 1 to {top}")
            return int(text)
        if kind == "number":
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise bad("is not a number") from None
            if not number.is_finite():
                raise bad("is not a number")
            return number
        # instants: a duration back from now, or a date
        match = _DURATION.match(text)
        if match and any(match.groups()):
            weeks, days, hours, minutes = (int(part or 0) for part in match.groups())
            return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
        if _DATE.match(text):
            try:
                return datetime.fromisoformat(text).replace(tzinfo=UTC)
            except ValueError:
                raise bad("is not a date") from None
        raise bad("is not a duration (P90D, P2W, PT12H) or a date (2026-01-01)")

    def consent(self, start: Token) -> Condition:
        cls_token = self.take("a message class")
        slash = self.take("'/'")
        channel_token = self.take("a channel")
        if slash.text != "/":
            raise SegmentQueryError(f"at {slash.at}: expected consent CLASS/CHANNEL")
        try:
            message_class = MessageClass(cls_token.text.lower())
        except ValueError:
            raise SegmentQueryError(
                f"at {cls_token.at}: consent: {cls_token.text!r} is not one of "
                + ", ".join(c.value for c in (MessageClass.MARKETING, MessageClass.SERVICE))
            ) from None
        if message_class is MessageClass.TRANSACTIONAL:
            raise SegmentQueryError(
                f"at {cls_token.at}: consent: transactional messages need no consent"
            )
        try:
            channel = Channel(channel_token.text.lower())
        except ValueError:
            raise SegmentQueryError(
                f"at {channel_token.at}: consent: {channel_token.text!r} is not one of "
                + ", ".join(c.value for c in Channel)
            ) from None
        text = self.text[start.at - 1 : channel_token.at - 1 + len(channel_token.text)]
        return Condition(None, "consent", (channel, message_class), text)


def parse_segment(text: str) -> Segment:
    """The validated segment for `text`; raises `SegmentQueryError`."""
    return _Parser(text.strip()).parse()
