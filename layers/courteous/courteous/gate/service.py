"""The contact gate with its ledger: read, decide, commit atomically, retry on a lost race."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from courteous import clock
from courteous.errors import RetryableError
from courteous.gate.decide import Action, Decision, Reason, committed_send, decide
from courteous.gate.policy import Policy
from courteous.gate.store import AuditRecord, GateStore, LostRace
from courteous.messages import MessageRequest
from courteous.observability import logger

MAX_ATTEMPTS = 50


class GateContentionError(RetryableError):
    """The ledger kept changing under us; the message is left for a retry."""


@dataclass(frozen=True)
class Admission:
    recipient_key: str
    decision: Decision
    attempts: int


class ContactGate:
    """Admits a request: the decision is committed (SEND) or recorded before it is returned.

    It fails closed: whatever goes wrong before the commit raises, and nothing is sent
    without a committed ledger entry.
    """

    def __init__(
        self,
        store: GateStore,
        policy_for: Callable[[str], Policy],
        recipient_key: Callable[[MessageRequest], str],
    ) -> None:
        self._store = store
        self._policy_for = policy_for
        self._recipient_key = recipient_key

    def admit(self, request: MessageRequest) -> Admission:
        key = self._recipient_key(request)
        policy = self._policy_for(request.recipient.shop_id)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            # Whole seconds: the ledger stores instants to the second.
            now = clock.now().replace(microsecond=0)
            ledger = self._store.load(key)
            decision = decide(policy, ledger, request, now)
            audit = AuditRecord(recipient_key=key, request=request, decision=decision)
            if decision.action is Action.SEND and decision.reason is not Reason.RETRY:
                new = committed_send(policy, ledger, request, now)
                try:
                    self._store.commit_send(
                        key, ledger, new, audit, ttl=new.expires_at(policy.ledger_horizon)
                    )
                except LostRace:
                    logger.debug("ledger changed under us; deciding again", attempt=attempt)
                    continue
            else:
                self._store.record(audit)
            return Admission(recipient_key=key, decision=decision, attempts=attempt)
        raise GateContentionError(f"ledger still contended after {MAX_ATTEMPTS} attempts")

    def record(self, request: MessageRequest, decision: Decision) -> str:
        """Record a decision taken outside `decide` (a content-policy suppression)."""
        key = self._recipient_key(request)
        self._store.record(AuditRecord(recipient_key=key, request=request, decision=decision))
        return key
