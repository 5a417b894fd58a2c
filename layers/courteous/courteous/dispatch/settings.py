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
    sender_email: str = Field(min_length=3, description="the From of shops that name none")
    email_configuration_set: str | None = None
    sms_configuration_set: str | None = None
    sms_origination_identity: str | None = Field(
        default=None, description="the SMS identity of shops that name none"
    )
    unsubscribe_url: str | None = Field(
        default=None, pattern=r"^https://", description="the public API's /unsubscribe"
    )
    unsubscribe_mailbox: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    shop_policy_parameter: str = "/courteous/shops/{shop_id}/policy"
    shop_settings_parameter: str = "/courteous/shops/{shop_id}/settings"
    default_policy: str = "default"
