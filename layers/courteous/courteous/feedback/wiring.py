"""Build the feedback appliers from settings and boto3 clients (no AWS call until used)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from courteous.feedback.ses import EmailFeedback
from courteous.feedback.sms import SmsFeedback
from courteous.gate.settings import GateSettings, contact_key
from courteous.gate.store import GateStore


def build_email_feedback(settings: GateSettings, client: Callable[[str], Any]) -> EmailFeedback:
    return EmailFeedback(
        GateStore(client("dynamodb"), settings.gate_table_name),
        contact_key(settings, client("ssm")),
    )


def build_sms_feedback(settings: GateSettings, client: Callable[[str], Any]) -> SmsFeedback:
    return SmsFeedback(
        GateStore(client("dynamodb"), settings.gate_table_name),
        contact_key(settings, client("ssm")),
    )
