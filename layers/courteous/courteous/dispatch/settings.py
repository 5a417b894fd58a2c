"""The dispatcher's environment, validated once, when first needed."""

from __future__ import annotations

from pydantic import Field

from courteous.gate.settings import GateSettings


class DispatchSettings(GateSettings):
    outbox_queue_arn: str = Field(min_length=1)
    outbox_dlq_arn: str | None = None
    outbox_dlq_url: str = Field(min_length=1)
    schedule_group_name: str = Field(min_length=1)
    scheduler_role_arn: str = Field(min_length=1)
    sender_email: str = Field(min_length=3)
    sms_sender_id: str | None = None
    shop_policy_parameter: str = "/courteous/shops/{shop_id}/policy"
    default_policy: str = "default"
