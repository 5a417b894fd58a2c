"""SMS delivery reports (SNS, from the End User Messaging configuration set's event
destination) -> the delivery log; an invalid or unreachable number is marked
undeliverable, so the next message tries e-mail.

A failure raises: SNS retries the invocation, then the function's dead-letter queue
keeps the report.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous.feedback.sms import SmsEvent, SmsFeedback
from courteous.feedback.wiring import build_sms_feedback
from courteous.gate.settings import GateSettings
from courteous.observability import logger, metrics, tracer


@cache
def feedback() -> SmsFeedback:
    return build_sms_feedback(GateSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    applied = []
    for record in SNSEvent(event).records:
        report = SmsEvent.model_validate_json(record.sns.message)
        status = feedback().apply(report)
        applied.append(status)
        logger.info("sms report", extra={"type": report.event_type, "status": status})
    metrics.add_metric(name="SmsEvents", unit="Count", value=len(applied))
    return {"applied": applied}
