"""The dispatcher's environment, validated once, when first needed."""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class DispatchSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    gate_table_name: str = Field(min_length=1)
    outbox_queue_arn: str = Field(min_length=1)
    outbox_dlq_arn: str | None = None
    outbox_dlq_url: str = Field(min_length=1)
    schedule_group_name: str = Field(min_length=1)
    scheduler_role_arn: str = Field(min_length=1)
    sender_email: str = Field(min_length=3)
    sms_sender_id: str | None = None
    contact_hash_key: SecretStr | None = None
    contact_hash_key_parameter: str | None = None
    shop_policy_parameter: str = "/courteous/shops/{shop_id}/policy"
    default_policy: str = "default"

    @model_validator(mode="after")
    def _hash_key_source(self) -> Self:
        if self.contact_hash_key is None and not self.contact_hash_key_parameter:
            raise ValueError("set CONTACT_HASH_KEY_PARAMETER (or CONTACT_HASH_KEY locally)")
        return self

    @classmethod
    def from_env(cls) -> DispatchSettings:
        fields = cls.model_fields
        values = {name: os.environ[name.upper()] for name in fields if name.upper() in os.environ}
        return cls.model_validate(values)
