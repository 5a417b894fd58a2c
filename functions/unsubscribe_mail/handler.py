"""Mail to the unsubscribe mailbox (SES receipt rule, Lambda action) -> the opt-out.

The `mailto:` of `List-Unsubscribe` puts the link's token in the subject; a mail with
a valid token unsubscribes like the one-click POST, anything else changes nothing. A
failure raises: Lambda retries the invocation, then the dead-letter queue keeps it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SESEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.gate.settings import GateSettings
from courteous.observability import logger, metrics, tracer
from courteous.unsubscribe.service import Unsubscribes
from courteous.unsubscribe.wiring import build_unsubscribes


@cache
def unsubscribes() -> Unsubscribes:
    return build_unsubscribes(GateSettings.from_env(), boto3.client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcomes = []
    for record in SESEvent(event).records:
        answer = unsubscribes().by_mail(record.ses.mail.common_headers.subject, clock.now())
        outcomes.append(answer.outcome.value)
        logger.info("unsubscribe by mail", extra={"outcome": answer.outcome.value})
    metrics.add_metric(name="UnsubscribeMails", unit="Count", value=len(outcomes))
    return {"outcomes": outcomes}
