"""Outbox (SQS) -> contact gate -> channel -> delivery log, with partial batch failures.

Each record is one `MessageRequest`. A record that fails with a retryable error is
reported back to SQS (`ReportBatchItemFailures`) and redelivered; the others are done.
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

from courteous.dispatch.outbox import OutboxConsumer
from courteous.dispatch.settings import DispatchSettings
from courteous.dispatch.wiring import build_consumer
from courteous.observability import logger, metrics, tracer
from courteous.rendering import default_renderer

processor = BatchProcessor(event_type=EventType.SQS)


@cache
def consumer() -> OutboxConsumer:
    return build_consumer(DispatchSettings.from_env(), default_renderer(), boto3.client)


def record_handler(record: SQSRecord) -> None:
    consumer().handle(record.body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
