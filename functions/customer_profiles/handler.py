"""CustomerUpdated (EventBridge) -> the shop's customer profile, merged.

A failure raises: EventBridge retries the invocation and, in the end, the event goes
to the function's dead-letter queue, so no profile update is lost silently.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.envelopes import EventBridgeEnvelope
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous.customers.settings import CustomerSettings, build_store
from courteous.customers.store import CustomerStore
from courteous.events import CustomerUpdated
from courteous.observability import logger, metrics, tracer


@cache
def store() -> CustomerStore:
    return build_store(CustomerSettings.from_env())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=CustomerUpdated, envelope=EventBridgeEnvelope)
def handler(event: CustomerUpdated, context: LambdaContext) -> dict[str, Any]:
    store().apply(event)
    metrics.add_metric(name="CustomerProfilesMerged", unit=MetricUnit.Count, value=1)
    logger.info(
        "profile merged",
        extra={"shop_id": event.shop_id, "event_id": event.event_id},
    )
    return {"shop_id": event.shop_id, "customer_id": event.customer.customer_id}
