"""ReviewPosted (EventBridge) -> the review read, ReviewFlagged events, one care request.

A failure raises: EventBridge retries the invocation and, in the end, the event goes to
the function's dead-letter queue. What was already done is recognised on a retry (the
flags published, the care asked for), so a retried event asks for nothing twice.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.envelopes import EventBridgeEnvelope
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.events import ReviewPosted
from courteous.observability import logger, metrics, tracer
from courteous.reviews.service import ReviewService
from courteous.reviews.wiring import ReviewSettings, build_review_service


@cache
def reviews() -> ReviewService:
    return build_review_service(ReviewSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ReviewPosted, envelope=EventBridgeEnvelope)
def handler(event: ReviewPosted, context: LambdaContext) -> dict[str, Any]:
    outcome = reviews().handle(event, clock.now())
    return {
        "language": outcome.reading.language,
        "flagged": [flag.aspect.value for flag in outcome.flagged],
        "care": outcome.care.request_id if outcome.care else None,
        "care_skipped": outcome.care_skipped,
    }
