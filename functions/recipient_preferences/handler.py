"""CustomerUpdated (EventBridge) -> the customer's consent in the contact gate's ledger.

A failure raises: EventBridge retries the invocation and, in the end, the event goes to
the function's dead-letter queue, so no withdrawal of consent is lost silently.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.envelopes import EventBridgeEnvelope
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous.events import CustomerUpdated
from courteous.gate.preferences import RecipientPreferences, build_preferences
from courteous.gate.settings import GateSettings
from courteous.observability import logger, metrics, tracer


@cache
def preferences() -> RecipientPreferences:
    return build_preferences(GateSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=CustomerUpdated, envelope=EventBridgeEnvelope)
def handler(event: CustomerUpdated, context: LambdaContext) -> dict[str, Any]:
    applied = preferences().apply(event)
    metrics.add_metric(name="ConsentApplied", unit=MetricUnit.Count, value=len(applied))
    logger.info(
        "consent applied to the gate",
        extra={
            "shop_id": event.shop_id,
            "event_id": event.event_id,
            "channels": [item.channel.value for item in applied],
        },
    )
    return {"channels": [item.channel.value for item in applied]}
