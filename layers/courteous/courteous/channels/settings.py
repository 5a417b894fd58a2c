"""What a shop says about its channels, inside its settings (`/courteous/shops/<id>/settings`):

```json
"channels": ["email", "sms"],
"email": {"from": "Lotus Tea <orders@lotus-tea.example.cn>",
          "reply_to": "care@lotus-tea.example.cn"},
"sms": {"origination_identity": "+12065550152", "monthly_spend_limit": "50.00"}
```

`channels` is the order tried when the customer prefers none (and every channel the
shop sends by: one left out is never used). `email.from` must be an identity verified
in SES for this account (the template's `SenderEmail` is the default for shops that
name none). `sms.origination_identity` is a phone number, a sender ID or a pool (id or
ARN) of AWS End User Messaging SMS; `reply_numbers` are the numbers customers reply to
when it is a pool (a number identity replies to itself). A STOP sent to one of these
opts the customer out of this shop only. `monthly_spend_limit` (USD, from the prices
the delivery reports carry) stops texts for the rest of the month; e-mail goes on.
"""

from __future__ import annotations

import re
from decimal import Decimal
from email.utils import parseaddr
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from courteous.messages import Channel
from courteous.recipients.identity import InvalidContactError, normalise_email, normalise_phone

DEFAULT_CHANNELS: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL)
# A sender ID (3-11 letters and digits), a pool id, or an identity's ARN.
_IDENTITY = re.compile(
    r"^(\+[1-9]\d{6,14}|[A-Za-z0-9]{3,11}|pool-[a-z0-9]{32}|arn:aws[a-z-]*:sms-voice:\S+)$"
)


def _address(value: str, field: str) -> str:
    name, address = parseaddr(value)
    try:
        normalised = normalise_email(address)
    except InvalidContactError as exc:
        raise ValueError(f"{field}: not an e-mail address") from exc
    return f"{name} <{normalised}>" if name else normalised


class EmailSender(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_address: str = Field(alias="from", description="a verified SES identity")
    reply_to: str | None = None

    @field_validator("from_address")
    @classmethod
    def _from_is_an_address(cls, value: str) -> str:
        return _address(value, "from")

    @field_validator("reply_to")
    @classmethod
    def _reply_to_is_an_address(cls, value: str | None) -> str | None:
        return None if value is None else _address(value, "reply_to")


class SmsSender(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    origination_identity: str | None = Field(
        default=None, description="phone number (E.164), sender ID, or pool id / ARN"
    )
    reply_numbers: tuple[str, ...] = Field(
        default=(), description="numbers customers reply to, when the identity is a pool"
    )
    monthly_spend_limit: Decimal | None = Field(
        default=None, ge=0, allow_inf_nan=False, max_digits=12, decimal_places=4
    )

    @field_validator("origination_identity")
    @classmethod
    def _known_identity(cls, value: str | None) -> str | None:
        if value is not None and not _IDENTITY.match(value):
            raise ValueError("a phone number in E.164, a sender ID, or a pool id / ARN")
        return value

    @field_validator("reply_numbers")
    @classmethod
    def _numbers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return tuple(normalise_phone(number) for number in value)
        except InvalidContactError as exc:
            raise ValueError(f"reply_numbers: {exc}") from exc

    @property
    def own_numbers(self) -> frozenset[str]:
        """The numbers a reply to this shop's texts arrives at."""
        numbers = set(self.reply_numbers)
        if self.origination_identity and self.origination_identity.startswith("+"):
            numbers.add(normalise_phone(self.origination_identity))
        return frozenset(numbers)


class ShopChannels(BaseModel):
    """The channel part of a shop's settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: tuple[Channel, ...] = DEFAULT_CHANNELS
    email: EmailSender | None = None
    sms: SmsSender | None = None

    @model_validator(mode="after")
    def _order_is_a_list_of_channels(self) -> Self:
        if not self.order:
            raise ValueError("channels: at least one channel")
        if len(set(self.order)) != len(self.order):
            raise ValueError("channels: each channel once")
        return self

    @property
    def sms_spend_limit(self) -> Decimal | None:
        return self.sms.monthly_spend_limit if self.sms else None
