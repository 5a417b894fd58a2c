"""RFM scan tasks (SQS) -> each shard's distribution; the last shard writes the model.

Partial batch failures: a task that fails comes back after the queue's visibility
timeout and, after five tries, reaches the scan queue's dead-letter queue.
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

from courteous.audiences.recompute import RfmRuns, ScanTask
from courteous.audiences.settings import AudienceSettings, build_runs
from courteous.errors import RetryableError
from courteous.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


@cache
def runs() -> RfmRuns:
    return build_runs(AudienceSettings.from_env(), boto3.client)


def scan(record: SQSRecord) -> None:
    task = ScanTask.model_validate_json(record.body)
    where = {"shop_id": task.shop_id, "run_id": task.run_id, "task": task.task}
    try:
        model = runs().run_task(task)
    except RetryableError:
        # Said here with the task (the batch's own error names none); SQS retries it.
        logger.exception("rfm scan task failed; it will be retried", extra=where)
        raise
    if model is not None:
        logger.info(
            "rfm model written",
            extra={"shop_id": task.shop_id, "run_id": task.run_id, "buyers": model.buyers},
        )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(
            event=event, record_handler=scan, processor=processor, context=context
        )
    )
