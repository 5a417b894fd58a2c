"""Build the flows from the environment and boto3 clients (no AWS call until used)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from pydantic import Field

from courteous.customers.store import CustomerStore
from courteous.flows.birthday import BirthdayRun, GreetingMarks
from courteous.flows.estimates import Estimator, NoEstimates
from courteous.flows.orders import OrderFlows
from courteous.flows.outbox import Outbox
from courteous.flows.settings import ShopSettingsSource
from courteous.flows.state import OrderStateStore
from courteous.flows.timers import Timers
from courteous.gate.settings import GateSettings, contact_key
from courteous.scheduling import OneTimeScheduler, QueueTarget


class FlowSettings(GateSettings):
    order_table_name: str = Field(min_length=1)
    customer_table_name: str = Field(min_length=1)
    outbox_queue_url: str = Field(min_length=1)
    flow_timer_queue_url: str = Field(min_length=1)
    flow_timer_queue_arn: str = Field(min_length=1)
    flow_timer_dlq_arn: str | None = None
    schedule_group_name: str = Field(min_length=1)
    scheduler_role_arn: str = Field(min_length=1)


def build_estimator(client: Callable[[str], Any]) -> Estimator:
    """Learned estimates when the ETA table is deployed, else none (never invented)."""
    table = os.environ.get("ETA_TABLE_NAME")
    if not table:
        return NoEstimates()
    try:
        from courteous.eta.wiring import build_estimator as learned
    except ImportError:
        return NoEstimates()
    return learned(client("dynamodb"), table)


def build_order_flows(settings: FlowSettings, client: Callable[[str], Any]) -> OrderFlows:
    dynamodb, sqs = client("dynamodb"), client("sqs")
    scheduler = OneTimeScheduler(
        client("scheduler"),
        settings.schedule_group_name,
        QueueTarget(
            queue_arn=settings.flow_timer_queue_arn,
            role_arn=settings.scheduler_role_arn,
            dead_letter_arn=settings.flow_timer_dlq_arn,
        ),
    )
    return OrderFlows(
        settings_for=ShopSettingsSource(client("ssm")),
        state=OrderStateStore(dynamodb, settings.order_table_name),
        outbox=Outbox(sqs, settings.outbox_queue_url),
        timers=Timers(scheduler, sqs, settings.flow_timer_queue_url),
        estimator=build_estimator(client),
        profiles=CustomerStore(dynamodb, settings.customer_table_name),
        contact_key=contact_key(settings, client("ssm")),
    )


def build_birthday_run(settings: FlowSettings, client: Callable[[str], Any]) -> BirthdayRun:
    dynamodb = client("dynamodb")
    source = ShopSettingsSource(client("ssm"))
    return BirthdayRun(
        shops=source.shops,
        settings_for=source,
        profiles=CustomerStore(dynamodb, settings.customer_table_name),
        marks=GreetingMarks(dynamodb, settings.order_table_name),
        outbox=Outbox(client("sqs"), settings.outbox_queue_url),
    )
