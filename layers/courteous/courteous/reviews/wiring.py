"""The review service built from its settings and boto3 clients (no AWS call until used)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from courteous.customers.store import CustomerStore
from courteous.flows.outbox import Outbox
from courteous.flows.settings import ShopSettingsSource
from courteous.flows.state import OrderStateStore
from courteous.ingest.publisher import EventPublisher
from courteous.reviews.service import ReviewService
from courteous.reviews.store import ReviewStore
from courteous.settings import EnvSettings


class ReviewSettings(EnvSettings):
    review_table_name: str = Field(min_length=1)
    order_table_name: str = Field(min_length=1)
    customer_table_name: str = Field(min_length=1)
    outbox_queue_url: str = Field(min_length=1)
    event_bus_name: str = Field(min_length=1)


def build_review_service(settings: ReviewSettings, client: Callable[[str], Any]) -> ReviewService:
    dynamodb = client("dynamodb")
    return ReviewService(
        settings_for=ShopSettingsSource(client("ssm")),
        store=ReviewStore(dynamodb, settings.review_table_name),
        publisher=EventPublisher(client("events"), settings.event_bus_name),
        outbox=Outbox(client("sqs"), settings.outbox_queue_url),
        orders=OrderStateStore(dynamodb, settings.order_table_name),
        profiles=CustomerStore(dynamodb, settings.customer_table_name),
    )
