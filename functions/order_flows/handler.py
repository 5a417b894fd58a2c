"""Canonical order events (EventBridge) -> the flows -> requests on the outbox, timers.

A failure raises: EventBridge retries the invocation and, in the end, the event goes to
the function's dead-letter queue. Request ids are derived from the event, so a retried
event asks for the same messages and the gate sends each once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.events.envelope import parse_event
from courteous.flows.orders import OrderFlows
from courteous.flows.wiring import FlowSettings, build_order_flows
from courteous.observability import logger, metrics, tracer


@cache
def flows() -> OrderFlows:
    return build_order_flows(FlowSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    canonical = parse_event(event["detail-type"], event["detail"])
    result = flows().handle(canonical, clock.now())
    return {
        "requests": [request.request_id for request in result.requests],
        "timers": [timer.name for timer in result.timers],
        "cancelled": result.cancelled,
        "skipped": result.skipped,
    }
