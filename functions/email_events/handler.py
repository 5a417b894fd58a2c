"""SES events (SNS, from the configuration set's event destination) -> the contact gate:
hard bounces and the account suppression list make an address undeliverable at every
shop, complaints end marketing e-mail from that shop, deliveries go in the delivery log.

A failure raises: SNS retries the invocation, then the function's dead-letter queue
keeps the event.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.feedback.ses import EmailFeedback, parse_ses_event
from courteous.feedback.wiring import build_email_feedback
from courteous.gate.settings import GateSettings
from courteous.observability import logger, metrics, tracer


@cache
def feedback() -> EmailFeedback:
    return build_email_feedback(GateSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    applied = []
    for record in SNSEvent(event).records:
        ses_event = parse_ses_event(record.sns.message)
        outcome = feedback().apply(ses_event, clock.now())
        applied.append(outcome)
        logger.info("ses event", extra={"type": ses_event.event_type, "outcome": outcome})
    metrics.add_metric(name="EmailEvents", unit="Count", value=len(applied))
    return {"applied": applied}
