"""The daily RFM run (EventBridge Scheduler) -> one scan task per shard of every shop."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.audiences.recompute import RfmRuns
from courteous.audiences.settings import AudienceSettings, build_runs
from courteous.observability import logger, metrics, tracer


@cache
def runs() -> RfmRuns:
    return build_runs(AudienceSettings.from_env(), boto3.client)


def _as_of(event: dict[str, Any]) -> datetime:
    # The schedule's own instant: a retried invocation plans the same run.
    text = event.get("time")
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else clock.now()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    as_of = _as_of(event)
    planned = runs().plan(as_of)
    logger.info(
        "rfm run planned",
        extra={
            "as_of": as_of.isoformat(),
            "tasks": planned.tasks,
            "shops": planned.shops,
            "unchanged": planned.unchanged,
        },
    )
    return {"as_of": as_of.isoformat(), "tasks": planned.tasks, "shops": len(planned.shops)}
