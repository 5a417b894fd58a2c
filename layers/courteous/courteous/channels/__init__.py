"""Channels: the only code that reaches a customer, called only by the dispatcher.

One small interface, `Sender.send(to, message, envelope) -> provider message id`:
e-mail goes through SES v2 (a MIME message of our own, so the one-click unsubscribe
headers are exactly what we wrote), SMS through AWS End User Messaging SMS
(`SendTextMessage`, with the shop's origination identity). Both name a configuration
set, whose event destinations bring bounces, complaints and delivery reports back, and
tag the message with what those reports need to find its delivery log.

A failure that may pass raises `ChannelError` (the dispatcher leaves the message for
a retry, then the dead-letter queue); a refusal that names the recipient (an opted-out
number, an address SES rejects) raises `ChannelRefused`, which is never retried.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Protocol

from botocore.exceptions import ClientError

from courteous.errors import PermanentError, RetryableError
from courteous.messages import Channel, MessageClass


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered message, ready for a channel. `headers` are extra e-mail headers."""

    text: str
    message_class: MessageClass
    subject: str | None = None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Envelope:
    """Who sends one message, and what the channel's reports need to find its log."""

    shop_id: str
    request_id: str
    recipient_key: str
    kind: str
    from_address: str | None = None
    reply_to: str | None = None
    origination_identity: str | None = None


class ChannelError(RetryableError):
    pass


class ChannelRefused(PermanentError):
    """The channel refused the message for its recipient: sending again changes nothing."""

    def __init__(self, channel: Channel, reason: str, detail: str) -> None:
        super().__init__(f"{channel.value} refused the message: {reason} ({detail})")
        self.channel = channel
        self.reason = reason
        self.detail = detail


class ChannelMisconfigured(PermanentError):
    """The channel refused the request itself (an identity or a parameter is wrong)."""


class Sender(Protocol):
    channel: Channel

    def send(self, to: str, message: OutgoingMessage, envelope: Envelope) -> str: ...


def tag_value(text: str) -> str:
    """An SES tag value may hold only letters, digits, `_` and `-`: base64url, unpadded."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def untag_value(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode()).decode()


# Tags and context keys that bring a channel's report back to its delivery log.
TAG_RECIPIENT = "courteous-recipient"
TAG_REQUEST = "courteous-request"
TAG_SHOP = "courteous-shop"
TAG_KIND = "courteous-kind"
TAG_CLASS = "courteous-class"
MAX_TAG_VALUE = 256


def email_message(
    to: str, message: OutgoingMessage, from_address: str, reply_to: str | None
) -> EmailMessage:
    """The MIME message: text, the HTML alternative when there is one, and our headers."""
    mime = EmailMessage()
    name, address = parseaddr(from_address)
    mime["From"] = Address(display_name=name, addr_spec=address) if name else address
    mime["To"] = to
    if reply_to:
        mime["Reply-To"] = reply_to
    mime["Subject"] = message.subject or ""
    for header, value in message.headers.items():
        mime[header] = value
    mime.set_content(message.text)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    return mime


class SesEmailSender:
    channel = Channel.EMAIL

    def __init__(
        self, client: Any, from_address: str, configuration_set: str | None = None
    ) -> None:
        self._client = client
        self._from = from_address
        self._configuration_set = configuration_set

    def send(self, to: str, message: OutgoingMessage, envelope: Envelope) -> str:
        from_address = envelope.from_address or self._from
        mime = email_message(to, message, from_address, envelope.reply_to)
        tags = {
            TAG_RECIPIENT: envelope.recipient_key,
            TAG_REQUEST: envelope.request_id,
            TAG_SHOP: envelope.shop_id,
            TAG_KIND: envelope.kind,
            TAG_CLASS: message.message_class.value,
        }
        request: dict[str, Any] = {
            "FromEmailAddress": from_address,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": mime.as_bytes()}},
            # A value over SES's 256 characters is left out rather than failing the
            # send: the reports about that message then name no request.
            "EmailTags": [
                {"Name": name, "Value": tag_value(value)}
                for name, value in tags.items()
                if len(tag_value(value)) <= MAX_TAG_VALUE
            ],
        }
        if envelope.reply_to:
            request["ReplyToAddresses"] = [envelope.reply_to]
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._client.send_email(**request)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            text = exc.response["Error"].get("Message", "")
            if code == "MessageRejected":
                raise ChannelRefused(Channel.EMAIL, "rejected", text or code) from exc
            if code in ("MailFromDomainNotVerifiedException", "NotFoundException"):
                raise ChannelMisconfigured(f"SES: {code}: {text}") from exc
            raise ChannelError(f"SES refused the message: {code}") from exc
        return str(response["MessageId"])


# SendTextMessage refusals that are about the destination, not about us.
_SMS_OPTED_OUT = "DESTINATION_PHONE_NUMBER_OPTED_OUT"
_SMS_MISCONFIGURED = frozenset(
    {"ValidationException", "ResourceNotFoundException", "AccessDeniedException"}
)
_SMS_UNREACHABLE = frozenset(
    {"CANNOT_PARSE", "DESTINATION_COUNTRY_BLOCKED", "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY"}
)


class SmsSender:
    """AWS End User Messaging SMS: the shop's origination identity, our configuration set,
    and a context that comes back in every delivery report."""

    channel = Channel.SMS

    def __init__(
        self,
        client: Any,
        origination_identity: str | None = None,
        configuration_set: str | None = None,
    ) -> None:
        self._client = client
        self._identity = origination_identity
        self._configuration_set = configuration_set

    def send(self, to: str, message: OutgoingMessage, envelope: Envelope) -> str:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": to,
            "MessageBody": message.text,
            "MessageType": "PROMOTIONAL"
            if message.message_class is MessageClass.MARKETING
            else "TRANSACTIONAL",
            "Context": {
                TAG_RECIPIENT: envelope.recipient_key,
                TAG_REQUEST: envelope.request_id,
                TAG_SHOP: envelope.shop_id,
                TAG_KIND: envelope.kind,
                TAG_CLASS: message.message_class.value,
            },
        }
        identity = envelope.origination_identity or self._identity
        if identity:
            request["OriginationIdentity"] = identity
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._client.send_text_message(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, reason = error.get("Code", ""), str(exc.response.get("Reason", ""))
            text = error.get("Message", "")
            if reason == _SMS_OPTED_OUT:
                raise ChannelRefused(Channel.SMS, "opted_out", text or reason) from exc
            if reason in _SMS_UNREACHABLE:
                raise ChannelRefused(Channel.SMS, "undeliverable", f"{reason}: {text}") from exc
            if code in (
                "ValidationException",
                "ResourceNotFoundException",
                "AccessDeniedException",
            ):
                raise ChannelMisconfigured(f"SMS: {code} {reason}: {text}") from exc
            raise ChannelError(f"SMS refused the message: {code}") from exc
        return str(response["MessageId"])
