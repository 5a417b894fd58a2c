"""Canonical order and customer events (EventBridge) -> the customer's facts.

A redelivered event changes nothing (its order's record already holds it). A failure
raises: EventBridge retries the invocation and, in the end, the event goes to the
function's dead-letter queue, so no order is left out of the facts silently.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous.audiences.from_events import fact_of
from courteous.audiences.settings import AudienceSettings, build_facts
from courteous.audiences.store import FactsStore
from courteous.events import parse_event
from courteous.observability import logger, metrics, tracer


@cache
def facts() -> FactsStore:
    return build_facts(AudienceSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    canonical = parse_event(event["detail-type"], event["detail"])
    word = fact_of(canonical)
    if word is None:
        return {"event_id": canonical.event_id, "applied": 0}
    result = facts().apply([word])
    for reason in result.unnamed:
        logger.warning("event left out of the facts", extra={"why": reason})
    metrics.add_metric(name="CustomerFactsApplied", unit=MetricUnit.Count, value=result.applied)
    return {
        "event_id": canonical.event_id,
        "applied": result.applied,
        "unchanged": result.unchanged,
    }
