"""Inbound SMS replies: STOP (退订, T, ARRET ...) opts the number out at once; START undoes it.

Two-way SMS (AWS End User Messaging) publishes each reply to an SNS topic as JSON with
`originationNumber` (the customer), `destinationNumber` (the number they replied to)
and `messageBody`. Whom the word is for follows from the number it was sent to:

- a number one or more shops text from (their settings' own SMS identity): those shops
  only;
- any other number (the deployment's shared one, or one no shop claims): every shop,
  whether it was ever configured or not, and shops created later. The word is kept on
  the contact's every-shop item, which every shop's gate reads, rather than copied
  into a list of shops that would miss the ones not known yet.

Transactional SMS stop too: the gate suppresses every class for an opted-out channel
(`opted_out`), and e-mail is not touched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from courteous.errors import PermanentError
from courteous.gate.store import GateStore
from courteous.messages import Channel
from courteous.recipients.identity import (
    InvalidContactError,
    contact_wide_key,
    normalise_phone,
    recipient_key,
)

# Carrier and regulator keywords (US CTIA, UK, FR, CN SMS practice), matched on the
# whole reply, case- and accent-insensitively, ignoring punctuation around it.
STOP_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        "opt out",
        "revoke",
        "arret",
        "arrêt",
        "退订",
        "t",
        "td",
        "n",
        "取消",
        "退订短信",
    }
)
START_WORDS = frozenset({"start", "unstop", "yes", "subscribe", "订阅"})
_EDGES = re.compile(r"^[\s.!。！]+|[\s.!。！]+$")

Intent = Literal["stop", "start"]


class InboundSms(BaseModel):
    """The fields of a two-way SMS notification the gate needs."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    origination_number: str = Field(alias="originationNumber", min_length=3)
    destination_number: str | None = Field(default=None, alias="destinationNumber")
    message_body: str = Field(alias="messageBody", max_length=1600)


class InvalidReply(PermanentError):
    pass


def parse_reply(text: str) -> InboundSms:
    try:
        return InboundSms.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise InvalidReply(f"not a two-way SMS notification: {exc}") from exc


def intent(body: str) -> Intent | None:
    word = _EDGES.sub("", body).casefold()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


@dataclass(frozen=True)
class AppliedReply:
    intent: Intent
    shops: tuple[str, ...]  # empty: every shop

    @property
    def scope(self) -> str:
        return "every shop" if not self.shops else ", ".join(self.shops)


class Replies:
    """`own_numbers()` -> each number a shop texts from (E.164) and the shops that do."""

    def __init__(
        self,
        store: GateStore,
        contact_key: bytes,
        own_numbers: Callable[[], dict[str, tuple[str, ...]]],
    ) -> None:
        self._store = store
        self._key = contact_key
        self._own_numbers = own_numbers

    def apply(self, reply: InboundSms) -> AppliedReply | None:
        wanted = intent(reply.message_body)
        if wanted is None:
            return None
        try:
            phone = normalise_phone(reply.origination_number)
        except InvalidContactError as exc:
            raise InvalidReply(f"originationNumber: {exc}") from exc
        shops = self._shops_of(reply.destination_number)
        keys = (
            [recipient_key(self._key, shop_id, phone) for shop_id in shops]
            if shops
            else [contact_wide_key(self._key, phone)]
        )
        for key in keys:
            self._store.set_opt_out(key, Channel.SMS, wanted == "stop")
        return AppliedReply(wanted, shops)

    def _shops_of(self, destination: str | None) -> tuple[str, ...]:
        if not destination:
            return ()
        try:
            number = normalise_phone(destination)
        except InvalidContactError:
            return ()  # a short code or a malformed field: the word holds everywhere
        return tuple(sorted(self._own_numbers().get(number, ())))
