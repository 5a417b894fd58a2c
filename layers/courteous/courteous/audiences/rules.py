"""How a word on an order or a profile changes a customer's facts: pure planning.

The stored facts of a customer are plain attributes (`state`): counters and money that
only ever move by a delta (DynamoDB `ADD`), instants that only move one way (first order
down, last order up), and registers: an attribute with the instant of the word that set
it (`tier` and `tier_at`), replaced only by a newer word. `plan_order` and
`plan_profile` say what to change given the state that was read; the store turns the
plan into one conditional update whose conditions hold exactly what the plan relied on
(the instants it moves and the registers it replaces), so a concurrent writer makes the
write fail and the plan is made again on fresh state: no read-modify-write race, and a
redelivered word plans nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from courteous.audiences.models import (
    NOTHING,
    Contribution,
    CustomerFacts,
    OrderFact,
    OrderRecord,
    ProfileFact,
)
from courteous.events.models import Birthday, MemberTier
from courteous.messages import Channel, MessageClass

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COUNTERS = ("orders", "purchases", "cancelled", "refunds")
# Attributes a customer block (an order's or a profile's) may carry.
BLOCK_REGISTERS = ("customer_id", "email", "phone", "first_name", "locale", "tier")
PROFILE_REGISTERS = ("zone", "birthday", "tags")


def micros(instant: datetime) -> int:
    """An instant as whole microseconds since the epoch (exact, unlike a float)."""
    return (instant - EPOCH) // timedelta(microseconds=1)


def instant(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + timedelta(microseconds=int(value))


def money_attribute(kind: str, currency: str) -> str:
    return f"{kind}_{currency}"


def consent_attribute(channel: Channel, message_class: MessageClass) -> str:
    return f"consent_{channel.value}_{message_class.value}"


@dataclass
class SummaryUpdate:
    """The change to one customer's facts: deltas, one-way instants, registers."""

    adds: dict[str, Decimal] = field(default_factory=dict)
    raises: dict[str, int] = field(default_factory=dict)
    lowers: dict[str, int] = field(default_factory=dict)
    registers: dict[str, tuple[Any, int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.adds or self.raises or self.lowers or self.registers)


def _delta(old: Contribution, new: Contribution) -> dict[str, Decimal]:
    adds: dict[str, Decimal] = {}
    for name in COUNTERS:
        change = Decimal(getattr(new, name) - getattr(old, name))
        if change:
            adds[name] = change
    for kind in ("spent", "refunded"):
        before, after = getattr(old, kind), getattr(new, kind)
        for currency in set(before) | set(after):
            change = after.get(currency, Decimal(0)) - before.get(currency, Decimal(0))
            if change:
                adds[money_attribute(kind, currency)] = change
    return adds


def _register(
    update: SummaryUpdate, state: Mapping[str, Any], name: str, value: Any, at: int
) -> None:
    """Propose `value` for register `name` as of `at`: kept only if newer than the word
    the state holds (a word at the same instant is the same word, redelivered)."""
    if value is None:
        return
    known = state.get(f"{name}_at")
    if known is None or int(known) < at:
        update.registers[name] = (value, at)


def _block(update: SummaryUpdate, state: Mapping[str, Any], fact_customer: Any, at: int) -> None:
    for name in BLOCK_REGISTERS:
        value = getattr(fact_customer, "member_tier" if name == "tier" else name)
        if isinstance(value, MemberTier):
            value = value.value
        _register(update, state, name, value, at)


def plan_order(
    state: Mapping[str, Any], old: OrderRecord | None, new: OrderRecord, fact: OrderFact
) -> SummaryUpdate:
    """What `fact`, which took the order from `old` to `new`, changes in its customer's
    facts (`state` as read)."""
    before = old.contribution() if old is not None else NOTHING
    after = new.contribution()
    update = SummaryUpdate(adds=_delta(before, after))
    if after.placed_at is not None and before.placed_at != after.placed_at:
        placed = micros(after.placed_at)
        last = state.get("last_order_at")
        if last is None or int(last) < placed:
            update.raises["last_order_at"] = placed
        first = state.get("first_order_at")
        if first is None or int(first) > placed:
            update.lowers["first_order_at"] = placed
        # The address of the newest order: registers timed by the order's creation.
        _register(update, state, "country", new.country, placed)
        _register(update, state, "region", new.region, placed)
    if after.purchased_at is not None and before.purchased_at != after.purchased_at:
        purchased = micros(after.purchased_at)
        last = state.get("last_purchase_at")
        if last is None or int(last) < purchased:
            update.raises["last_purchase_at"] = purchased
    _block(update, state, fact.customer, micros(fact.at))
    return update


def plan_profile(state: Mapping[str, Any], fact: ProfileFact) -> SummaryUpdate:
    update = SummaryUpdate()
    at = micros(fact.at)
    _block(update, state, fact.customer, at)
    # The profile's address competes with the orders': the newest word wins.
    _register(update, state, "country", fact.customer.country, at)
    _register(update, state, "region", fact.customer.region, at)
    _register(update, state, "zone", fact.zone, at)
    if fact.birthday is not None:
        _register(update, state, "birthday", _birthday_text(fact.birthday), at)
    if fact.tags is not None:
        _register(update, state, "tags", sorted(set(fact.tags)), at)
    for channel, classes in fact.consent.items():
        for message_class, given in classes.items():
            _register(update, state, consent_attribute(channel, message_class), given, at)
    return update


def apply(state: Mapping[str, Any], update: SummaryUpdate) -> dict[str, Any]:
    """The state after `update` (what DynamoDB will hold once the write succeeds)."""
    result = dict(state)
    for name, delta in update.adds.items():
        result[name] = Decimal(result.get(name, 0)) + delta
    for name, value in update.raises.items():
        result[name] = max(int(result.get(name, value)), value)
    for name, value in update.lowers.items():
        result[name] = min(int(result.get(name, value)), value)
    for name, (value, at) in update.registers.items():
        result[name] = value
        result[f"{name}_at"] = at
    return result


def record_for(old: OrderRecord | None, key: str, fact: OrderFact) -> OrderRecord:
    """The order's record with `fact` folded in; a new order is filed under `key`."""
    return (old or OrderRecord(customer_key=key)).merged(fact)


def _birthday_text(birthday: Birthday) -> str:
    day = f"{birthday.month:02d}-{birthday.day:02d}"
    return f"{birthday.year:04d}-{day}" if birthday.year else day


def _birthday(text: str | None) -> Birthday | None:
    if not text:
        return None
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 3:
        return Birthday(year=parts[0], month=parts[1], day=parts[2])
    return Birthday(month=parts[0], day=parts[1])


def facts_from_state(shop_id: str, customer: str, state: Mapping[str, Any]) -> CustomerFacts:
    """The facts of one customer from their stored attributes."""
    spent: dict[str, Decimal] = {}
    refunded: dict[str, Decimal] = {}
    consent: dict[Channel, dict[MessageClass, bool]] = {}
    for name, value in state.items():
        if name.startswith("spent_"):
            spent[name.removeprefix("spent_")] = Decimal(value)
        elif name.startswith("refunded_"):
            refunded[name.removeprefix("refunded_")] = Decimal(value)
        elif name.startswith("consent_") and not name.endswith("_at"):
            _, channel, message_class = name.split("_", 2)
            consent.setdefault(Channel(channel), {})[MessageClass(message_class)] = bool(value)
    tier = state.get("tier")
    return CustomerFacts(
        shop_id=shop_id,
        customer_key=customer,
        orders=int(state.get("orders", 0)),
        purchases=int(state.get("purchases", 0)),
        cancelled=int(state.get("cancelled", 0)),
        refunds=int(state.get("refunds", 0)),
        spent={k: v for k, v in spent.items() if v},
        refunded={k: v for k, v in refunded.items() if v},
        first_order_at=instant(state.get("first_order_at")),
        last_order_at=instant(state.get("last_order_at")),
        last_purchase_at=instant(state.get("last_purchase_at")),
        customer_id=state.get("customer_id"),
        email=state.get("email"),
        phone=state.get("phone"),
        first_name=state.get("first_name"),
        locale=state.get("locale"),
        tier=MemberTier(tier) if tier else None,
        country=state.get("country"),
        region=state.get("region"),
        zone=state.get("zone"),
        birthday=_birthday(state.get("birthday")),
        tags=tuple(state.get("tags") or ()),
        consent=consent,
    )
