"""The hourly birthday run (EventBridge Scheduler) -> greetings on the outbox."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.flows.birthday import BirthdayRun
from courteous.flows.wiring import FlowSettings, build_birthday_run
from courteous.observability import logger, metrics, tracer


@cache
def run() -> BirthdayRun:
    return build_birthday_run(FlowSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = run().run(clock.now())
    return {"greetings": len(result.requests)}
