"""The webhook ingestion's environment, validated once, when first needed."""

from __future__ import annotations

from pydantic import Field, field_validator

from courteous.settings import EnvSettings

# Where each shop keeps its webhook secret for each platform (a SecureString), apart
# from the shop settings under /courteous/shops that other functions read.
DEFAULT_PARAMETER_PATTERN = "/courteous/webhook-secrets/{shop_id}/{platform}"


class IngestSettings(EnvSettings):
    event_bus_name: str = Field(min_length=1, max_length=256)
    idempotency_table_name: str = Field(min_length=3, max_length=255)
    customer_table_name: str = Field(min_length=3, max_length=255)
    webhook_secret_parameter: str = DEFAULT_PARAMETER_PATTERN
    # How long a shop's secret is cached (a rotated secret is picked up after this).
    secret_cache_seconds: int = Field(default=300, ge=0, le=3600)
    # Shopify retries a failed delivery for 48 hours; generic senders may retry longer.
    dedupe_seconds: int = Field(default=7 * 24 * 3600, ge=60)

    @field_validator("webhook_secret_parameter")
    @classmethod
    def _names_shop_and_platform(cls, value: str) -> str:
        if "{shop_id}" not in value or "{platform}" not in value or not value.startswith("/"):
            raise ValueError("must start with / and contain {shop_id} and {platform}")
        return value
