"""What the gate remembers about one recipient of one shop (pure, no I/O).

The ledger holds the recent non-transactional sends (for caps and the minimum gap),
the dedupe keys still in retention, the request ids already committed as sent (so a
retried request is recognised, on the channel it was committed for), and the
recipient's own word: opt-out and consent, with the reason when the word was not theirs
in so many words (a complaint). An item kept for one contact across every shop may
also say that the contact cannot be reached (a hard bounce, an invalid number).

One person is several items (`LedgerKeys`): the shop's customer and each contact the
message carries count the same sends, so caps hold across channels; opt-outs and
consent stay with the contact they were given for. `RecipientLedgers` is what one read
of all of them returned, and the views the decision needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from courteous.messages import Channel, Kind, MessageClass, MessageRequest
from courteous.recipients.identity import contact_wide_key, customer_key, recipient_key


class SentEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str
    at: AwareDatetime
    kind: Kind
    message_class: MessageClass
    channel: Channel | None = Field(
        default=None, description="the channel it was committed for (None: before channels)"
    )


class UndeliverableReason(StrEnum):
    BOUNCED = "bounced"
    SUPPRESSION_LIST = "suppression_list"
    INVALID_NUMBER = "invalid_number"
    UNREACHABLE = "unreachable"


class Undeliverable(BaseModel):
    """The channel's own report that this contact cannot be reached."""

    model_config = ConfigDict(frozen=True)

    reason: UndeliverableReason
    detail: str = ""
    at: AwareDatetime
    until: AwareDatetime | None = Field(default=None, description="None: until said otherwise")

    def holds(self, now: datetime) -> bool:
        return self.until is None or self.until > now

    @property
    def text(self) -> str:
        return f"{self.reason.value}: {self.detail}" if self.detail else self.reason.value


class LedgerState(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int = Field(default=0, ge=0, description="optimistic-lock version; 0 = no item")
    sends: tuple[SentEntry, ...] = ()
    dedupe: dict[str, AwareDatetime] = Field(
        default_factory=dict, description="dedupe key -> end of its retention"
    )
    opted_out: frozenset[Channel] = frozenset()
    consent: dict[MessageClass, bool] = Field(default_factory=dict)
    consent_reasons: dict[MessageClass, str] = Field(
        default_factory=dict, description="why a word was recorded, when it was not said"
    )
    undeliverable: Undeliverable | None = None

    def sent_request(self, request_id: str) -> SentEntry | None:
        return next((entry for entry in self.sends if entry.request_id == request_id), None)

    def is_duplicate(self, dedupe_key: str, now: datetime) -> bool:
        until = self.dedupe.get(dedupe_key)
        return until is not None and until > now

    def with_send(
        self,
        entry: SentEntry,
        dedupe_key: str | None,
        dedupe_until: datetime | None,
        horizon: timedelta,
    ) -> LedgerState:
        """The state after `entry` is sent, pruned of what no rule can need any more."""
        dedupe = {key: until for key, until in self.dedupe.items() if until > entry.at}
        if dedupe_key is not None and dedupe_until is not None:
            dedupe[dedupe_key] = dedupe_until
        oldest_needed = entry.at - horizon
        sends = (
            *(
                sent
                for sent in self.sends
                if sent.at > oldest_needed and sent.request_id != entry.request_id
            ),
            entry,
        )
        return self.model_copy(update={"sends": sends, "dedupe": dedupe})

    @property
    def holds_word(self) -> bool:
        return bool(self.opted_out or self.consent or self.undeliverable)

    def expires_at(self, horizon: timedelta) -> datetime | None:
        """When the whole item stops mattering (TTL); None while it holds the recipient's word."""
        if self.holds_word:
            return None
        ends = [sent.at + horizon for sent in self.sends] + list(self.dedupe.values())
        return max(ends) if ends else None


EMPTY = LedgerState()


@dataclass(frozen=True)
class ChannelKeys:
    contact: str  # the contact at this shop: its word, and one of the person's names
    wide: str  # the contact at every shop


@dataclass(frozen=True)
class LedgerKeys:
    """Every item the gate reads for one request: one read, one conditional commit."""

    names: tuple[str, ...]
    channels: dict[Channel, ChannelKeys] = field(default_factory=dict)

    @property
    def all(self) -> tuple[str, ...]:
        wide = tuple(keys.wide for keys in self.channels.values())
        return tuple(dict.fromkeys((*self.names, *wide)))

    def primary(self, channel: Channel | None) -> str:
        """Where a decision about `channel` is recorded (the contact's own item)."""
        if channel is not None and channel in self.channels:
            return self.channels[channel].contact
        return next(iter(self.channels.values())).contact


def ledger_keys(key: bytes, request: MessageRequest) -> LedgerKeys:
    """The person's names (the shop's customer, each contact) and each contact's keys."""
    shop = request.recipient.shop_id
    names: list[str] = []
    channels: dict[Channel, ChannelKeys] = {}
    if request.recipient.customer_id:
        names.append(customer_key(key, shop, request.recipient.customer_id))
    for channel, contact in request.contacts.items():
        keys = ChannelKeys(
            contact=recipient_key(key, shop, contact), wide=contact_wide_key(key, contact)
        )
        channels[channel] = keys
        names.append(keys.contact)
    return LedgerKeys(names=tuple(dict.fromkeys(names)), channels=channels)


@dataclass(frozen=True)
class RecipientLedgers:
    """What one read of a request's items returned (absent items are empty, version 0)."""

    keys: LedgerKeys
    items: dict[str, LedgerState] = field(default_factory=dict)
    _person: LedgerState = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Asked for once per channel tried: merged once.
        object.__setattr__(self, "_person", self._merge_names())

    def item(self, pk: str) -> LedgerState:
        return self.items.get(pk) or EMPTY

    def person(self) -> LedgerState:
        """Every send and dedupe key counted under any of the person's names."""
        return self._person

    def _merge_names(self) -> LedgerState:
        names = [self.items[name] for name in self.keys.names if name in self.items]
        if not names:
            return EMPTY
        if len(names) == 1:
            only = names[0]
            return LedgerState(sends=only.sends, dedupe=only.dedupe)
        sends: dict[str, SentEntry] = {}
        dedupe: dict[str, datetime] = {}
        for state in names:
            for sent in state.sends:
                sends.setdefault(sent.request_id, sent)
            for dedupe_key, until in state.dedupe.items():
                if dedupe_key not in dedupe or until > dedupe[dedupe_key]:
                    dedupe[dedupe_key] = until
        ordered = tuple(sorted(sends.values(), key=lambda sent: (sent.at, sent.request_id)))
        return LedgerState(sends=ordered, dedupe=dedupe)

    def for_channel(self, channel: Channel) -> LedgerState:
        """The person's sends with the word of this channel's contact, here and everywhere:
        a "no" recorded for the contact at every shop outweighs a "yes" at this one."""
        person = self.person()
        keys = self.keys.channels.get(channel)
        if keys is None:
            return person
        own, wide = self.item(keys.contact), self.item(keys.wide)
        consent = dict(own.consent)
        reasons = dict(own.consent_reasons)
        for message_class, given in wide.consent.items():
            if not given:
                consent[message_class] = False
                if message_class in wide.consent_reasons:
                    reasons[message_class] = wide.consent_reasons[message_class]
        return person.model_copy(
            update={
                "opted_out": own.opted_out | wide.opted_out,
                "consent": consent,
                "consent_reasons": reasons,
            }
        )

    def undeliverable(self, channel: Channel, now: datetime) -> Undeliverable | None:
        keys = self.keys.channels.get(channel)
        if keys is None:
            return None
        mark = self.item(keys.wide).undeliverable
        return mark if mark is not None and mark.holds(now) else None

    def committed(self, request_id: str) -> SentEntry | None:
        return self.person().sent_request(request_id)
