"""Due flow timers (SQS, from EventBridge Scheduler) -> the flows -> the outbox.

Each record is one `Timer`. A record that fails is reported back to SQS and retried,
then moved to the timer queue's DLQ by its redrive policy.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.flows.orders import OrderFlows
from courteous.flows.timers import Timer
from courteous.flows.wiring import FlowSettings, build_order_flows
from courteous.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


@cache
def flows() -> OrderFlows:
    return build_order_flows(FlowSettings.from_env(), boto3.client)


def record_handler(record: SQSRecord) -> None:
    flows().fire(Timer.model_validate_json(record.body), clock.now())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
