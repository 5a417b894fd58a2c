"""Builders for the channel tests: a person, requests with real template data, the clock,
and what SES and End User Messaging were given."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import boto3
from moto.backends import get_backend

from courteous import clock
from courteous.dispatch.outbox import OutboxConsumer
from courteous.dispatch.settings import DispatchSettings
from courteous.dispatch.wiring import build_consumer
from courteous.messages import Channel, Kind, MessageClass, MessageRequest, Recipient
from courteous.rendering import default_renderer
from courteous.rendering.samples import FULL
from courteous_local.instrument import ClientFactory

SHOP = "lotus-tea"
# 10:00 in Shanghai, a Wednesday.
MORNING = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@contextmanager
def clock_at(at: datetime) -> Iterator[Clock]:
    moved = Clock(at)
    previous = clock.use_clock(moved)
    try:
        yield moved
    finally:
        clock.use_clock(previous)


def person(n: int = 1, **overrides: Any) -> Recipient:
    """A Shanghai customer of the shop, with a phone and an e-mail address."""
    fields: dict[str, Any] = {
        "shop_id": SHOP,
        "customer_id": f"70{n:02d}",
        "phone": f"+86138001380{n:02d}",
        "email": f"wei{n}@mail.example.com",
        "zone": "Asia/Shanghai",
        "locale": "en",
    }
    fields.update(overrides)
    return Recipient(**fields)


def ask(
    kind: Kind,
    recipient: Recipient,
    fact: str,
    *,
    channel: Channel | None = None,
    message_class: MessageClass | None = None,
) -> str:
    """The outbox body of one request, with the kind's full sample data."""
    request = MessageRequest(
        request_id=f"{kind.value}-{recipient.customer_id}-{fact}",
        kind=kind,
        message_class=message_class,
        channel=channel,
        recipient=recipient,
        order_id=fact,
        data=FULL[kind],
        created_at=clock.now(),
        dedupe_key=f"{kind.value}#{fact}",
    )
    return request.model_dump_json()


def real_consumer(clients: ClientFactory) -> OutboxConsumer:
    """The deployed wiring with the packaged templates."""
    return build_consumer(DispatchSettings.from_env(), default_renderer(), clients)


def emails_sent() -> list[EmailMessage]:
    """Every e-mail SES was given, parsed from the raw MIME the dispatcher built."""
    backend = get_backend("ses")["123456789012"]["us-east-1"]
    return [
        email.message_from_string(message.raw_data, policy=email.policy.default)  # type: ignore[misc]
        for message in backend.sent_messages
        if hasattr(message, "raw_data")
    ]


def put_settings(settings: str) -> None:
    boto3.client("ssm").put_parameter(
        Name=f"/courteous/shops/{SHOP}/settings", Value=settings, Type="String", Overwrite=True
    )


def put_policy(policy: str) -> None:
    boto3.client("ssm").put_parameter(
        Name=f"/courteous/shops/{SHOP}/policy", Value=policy, Type="String", Overwrite=True
    )
