"""Two-way SMS replies (SNS) -> STOP / START applied to the contact gate at once.

A reply that is neither is acknowledged and logged without its text. A failure raises:
SNS retries the invocation, then the function's dead-letter queue keeps the reply.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous.flows.settings import ShopSettingsSource
from courteous.gate.replies import Replies, parse_reply
from courteous.gate.settings import GateSettings, contact_key
from courteous.gate.store import GateStore
from courteous.observability import logger, metrics, tracer


@cache
def replies() -> Replies:
    settings = GateSettings.from_env()
    ssm = boto3.client("ssm")
    return Replies(
        GateStore(boto3.client("dynamodb"), settings.gate_table_name),
        contact_key(settings, ssm),
        ShopSettingsSource(ssm).own_sms_numbers,
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    applied = []
    for record in SNSEvent(event).records:
        result = replies().apply(parse_reply(record.sns.message))
        applied.append(result.intent if result else None)
        metrics.add_metric(
            name=f"SmsReply{(result.intent if result else 'other').title()}", unit="Count", value=1
        )
        logger.info(
            "sms reply",
            extra={
                "intent": result.intent if result else None,
                "scope": result.scope if result else None,
            },
        )
    return {"applied": applied}
