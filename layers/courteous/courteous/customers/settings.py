"""Where customer profiles live, validated once when first needed."""

from __future__ import annotations

from pydantic import Field

from courteous.customers.store import CustomerStore
from courteous.settings import EnvSettings


class CustomerSettings(EnvSettings):
    customer_table_name: str = Field(min_length=3, max_length=255)


def build_store(settings: CustomerSettings) -> CustomerStore:
    import boto3  # here, not at import time: no client is built before it is needed

    return CustomerStore(boto3.client("dynamodb"), settings.customer_table_name)
