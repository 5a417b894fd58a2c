"""A customer's word about being contacted, applied to the gate's ledger at once.

`CustomerUpdated` carries consent per channel and class. Each contact the profile has
is its own recipient in the gate (the phone for SMS, the e-mail address for e-mail), so
the phone's ledger gets the SMS consent and the address's ledger the e-mail consent.
The ledger's version moves with it, so a dispatcher deciding at the same moment decides
again with the new word: a withdrawal is honoured from the next decision on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from courteous.events import CustomerUpdated
from courteous.gate.settings import GateSettings, contact_key
from courteous.gate.store import GateStore
from courteous.messages import Channel, MessageClass
from courteous.recipients.identity import recipient_key


@dataclass(frozen=True)
class AppliedConsent:
    channel: Channel
    recipient_key: str
    consent: dict[MessageClass, bool]


class RecipientPreferences:
    def __init__(self, store: GateStore, contact_key: bytes) -> None:
        self._store = store
        self._key = contact_key

    def apply(self, event: CustomerUpdated) -> list[AppliedConsent]:
        profile = event.customer
        applied = []
        for channel, contact in ((Channel.SMS, profile.phone), (Channel.EMAIL, profile.email)):
            consent = profile.consent.get(channel) or {}
            if contact is None or not consent:
                continue
            key = recipient_key(self._key, event.shop_id, contact)
            self._store.merge_consent(key, consent)
            applied.append(AppliedConsent(channel, key, dict(consent)))
        return applied


def build_preferences(settings: GateSettings, client: Callable[[str], Any]) -> RecipientPreferences:
    return RecipientPreferences(
        GateStore(client("dynamodb"), settings.gate_table_name),
        contact_key(settings, client("ssm")),
    )
