"""Where customer profiles live, validated once when first needed."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field

from courteous.customers.store import CustomerStore


class CustomerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    customer_table_name: str = Field(min_length=3, max_length=255)

    @classmethod
    def from_env(cls) -> CustomerSettings:
        values = {
            name: os.environ[name.upper()]
            for name in cls.model_fields
            if name.upper() in os.environ
        }
        return cls.model_validate(values)


def build_store(settings: CustomerSettings) -> CustomerStore:
    import boto3  # here, not at import time: no client is built before it is needed

    return CustomerStore(boto3.client("dynamodb"), settings.customer_table_name)
