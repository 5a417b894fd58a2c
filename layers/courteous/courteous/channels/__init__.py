"""Channels: the only code that reaches a customer, called only by the dispatcher.

One small interface, `Sender.send(to, message) -> provider message id`; e-mail goes
through SES v2, SMS through SNS. A failure raises `ChannelError` and the dispatcher
leaves the message for a retry (then the dead-letter queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.messages import Channel, MessageClass


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered message, ready for a channel."""

    text: str
    message_class: MessageClass
    subject: str | None = None
    html: str | None = None


class ChannelError(RetryableError):
    pass


class Sender(Protocol):
    channel: Channel

    def send(self, to: str, message: OutgoingMessage) -> str: ...


class SesEmailSender:
    channel = Channel.EMAIL

    def __init__(self, client: Any, from_address: str) -> None:
        self._client = client
        self._from = from_address

    def send(self, to: str, message: OutgoingMessage) -> str:
        body: dict[str, Any] = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        try:
            response = self._client.send_email(
                FromEmailAddress=self._from,
                Destination={"ToAddresses": [to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": message.subject or "", "Charset": "UTF-8"},
                        "Body": body,
                    }
                },
            )
        except ClientError as exc:
            raise ChannelError(f"SES refused the message: {exc.response['Error']['Code']}") from exc
        return str(response["MessageId"])


class SnsSmsSender:
    channel = Channel.SMS

    def __init__(self, client: Any, sender_id: str | None = None) -> None:
        self._client = client
        self._sender_id = sender_id

    def send(self, to: str, message: OutgoingMessage) -> str:
        sms_type = (
            "Promotional" if message.message_class is MessageClass.MARKETING else "Transactional"
        )
        attributes: dict[str, Any] = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": sms_type}
        }
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": self._sender_id,
            }
        try:
            response = self._client.publish(
                PhoneNumber=to, Message=message.text, MessageAttributes=attributes
            )
        except ClientError as exc:
            raise ChannelError(f"SNS refused the message: {exc.response['Error']['Code']}") from exc
        return str(response["MessageId"])
