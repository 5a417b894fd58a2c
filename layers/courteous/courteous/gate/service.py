"""The contact gate with its ledger: read, choose the channel and decide, commit atomically,
retry on a lost race.

One request reads every item that names its person (the shop's customer, each contact
at this shop, each contact at every shop, and the shop's SMS spend when it has a limit)
with one BatchGetItem. The channel and the decision come from `channels.choice` (pure).
A SEND writes the send into each of the person's ledger items, checks that the chosen
contact's every-shop item did not change, and writes the audit record, in one
conditional transaction: caps count per person across channels and stay exact under
any number of concurrent dispatchers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from courteous import clock
from courteous.channels.choice import ChannelChoice, ContentCheck, choose
from courteous.channels.settings import ShopChannels
from courteous.errors import RetryableError
from courteous.gate.decide import Action, Decision, Reason
from courteous.gate.ledger_state import (
    LedgerKeys,
    LedgerState,
    RecipientLedgers,
    SentEntry,
    ledger_keys,
)
from courteous.gate.policy import Policy
from courteous.gate.store import AuditRecord, GateStore, LostRace
from courteous.messages import Channel, MessageRequest
from courteous.observability import logger

MAX_ATTEMPTS = 50


class GateContentionError(RetryableError):
    """The ledger kept changing under us; the message is left for a retry."""


@dataclass(frozen=True)
class Admission:
    recipient_key: str  # the chosen contact's item: where the decision was recorded
    decision: Decision
    attempts: int
    choice: ChannelChoice
    keys: LedgerKeys

    @property
    def channel(self) -> Channel | None:
        """The channel that carries the message (None: none could)."""
        return self.choice.chosen


def _default_channels(shop_id: str) -> ShopChannels:
    return ShopChannels()


def send_writes(
    policy: Policy,
    ledgers: RecipientLedgers,
    request: MessageRequest,
    channel: Channel,
    now: datetime,
) -> dict[str, tuple[LedgerState, LedgerState, datetime | None]]:
    """Each of the person's ledger items after `request` is sent by `channel` at `now`."""
    entry = SentEntry(
        request_id=request.request_id,
        at=now,
        kind=request.kind,
        message_class=request.effective_class,
        channel=channel,
    )
    until = now + policy.retention_for(request.kind) if request.dedupe_key else None
    writes = {}
    for name in ledgers.keys.names:
        read = ledgers.item(name)
        new = read.with_send(entry, request.dedupe_key, until, policy.ledger_horizon)
        writes[name] = (read, new, new.expires_at(policy.ledger_horizon))
    return writes


class ContactGate:
    """Admits a request: the decision is committed (SEND) or recorded before it is returned.

    It fails closed: whatever goes wrong before the commit raises, and nothing is sent
    without a committed ledger entry.
    """

    def __init__(
        self,
        store: GateStore,
        policy_for: Callable[[str], Policy],
        contact_key: bytes,
        channels_for: Callable[[str], ShopChannels] = _default_channels,
    ) -> None:
        self._store = store
        self._policy_for = policy_for
        self._key = contact_key
        self._channels_for = channels_for

    def keys(self, request: MessageRequest) -> LedgerKeys:
        return ledger_keys(self._key, request)

    def admit(self, request: MessageRequest, content: ContentCheck | None = None) -> Admission:
        keys = self.keys(request)
        shop_id = request.recipient.shop_id
        policy = self._policy_for(shop_id)
        shop = self._channels_for(shop_id)
        limit = shop.sms_spend_limit
        for attempt in range(1, MAX_ATTEMPTS + 1):
            # Whole seconds: the ledger stores instants to the second.
            now = clock.now().replace(microsecond=0)
            counts_spend = limit is not None and request.recipient.phone is not None
            read = self._store.load_all(keys, (shop_id, now) if counts_spend else None)
            budget_left = limit is None or read.sms_spent is None or read.sms_spent < limit
            choice = choose(
                policy,
                read.ledgers,
                request,
                now,
                shop_order=shop.order,
                sms_budget_left=budget_left,
                content=content,
            )
            decision = choice.decision
            key = keys.primary(choice.channel)
            audit = AuditRecord(
                recipient_key=key,
                request=request,
                decision=decision,
                channel=choice.channel,
                channel_detail=choice.summary,
            )
            if decision.action is Action.SEND and decision.reason is not Reason.RETRY:
                writes = send_writes(policy, read.ledgers, request, choice.channel, now)
                wide = keys.channels[choice.channel].wide
                try:
                    self._store.commit_sends(
                        writes, audit, unchanged={wide: read.ledgers.item(wide)}
                    )
                except LostRace:
                    logger.debug("ledger changed under us; deciding again", attempt=attempt)
                    continue
            else:
                self._store.record(audit)
            return Admission(
                recipient_key=key, decision=decision, attempts=attempt, choice=choice, keys=keys
            )
        raise GateContentionError(f"ledger still contended after {MAX_ATTEMPTS} attempts")

    def record(self, request: MessageRequest, decision: Decision, channel: Channel) -> str:
        """Record a decision taken after the gate's (a channel refusing the message)."""
        key = self.keys(request).primary(channel)
        self._store.record(
            AuditRecord(
                recipient_key=key,
                request=request,
                decision=decision,
                channel=channel,
                follow_up="channel",
            )
        )
        return key
