"""What the gate remembers about one recipient of one shop (pure, no I/O).

The ledger holds the recent non-transactional sends (for caps and the minimum gap),
the dedupe keys still in retention, the request ids already committed as sent (so a
retried request is recognised), and the recipient's own word: opt-out and consent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from courteous.messages import Channel, Kind, MessageClass


class SentEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str
    at: AwareDatetime
    kind: Kind
    message_class: MessageClass


class LedgerState(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int = Field(default=0, ge=0, description="optimistic-lock version; 0 = no item")
    sends: tuple[SentEntry, ...] = ()
    dedupe: dict[str, AwareDatetime] = Field(
        default_factory=dict, description="dedupe key -> end of its retention"
    )
    opted_out: frozenset[Channel] = frozenset()
    consent: dict[MessageClass, bool] = Field(default_factory=dict)

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
        sends = (*(sent for sent in self.sends if sent.at > oldest_needed), entry)
        return self.model_copy(update={"sends": sends, "dedupe": dedupe})

    def expires_at(self, horizon: timedelta) -> datetime | None:
        """When the whole item stops mattering (TTL); None while it holds the recipient's word."""
        if self.opted_out or self.consent:
            return None
        ends = [sent.at + horizon for sent in self.sends] + list(self.dedupe.values())
        return max(ends) if ends else None
