"""The console function's environment, validated once, when first needed."""

from __future__ import annotations

from pydantic import Field

from courteous.gate.settings import GateSettings


class ConsoleSettings(GateSettings):
    customer_table_name: str = Field(min_length=1)
    schedule_group_name: str | None = None
    template_bucket: str | None = None
    default_policy: str = "default"
    # The sign-in the browser does before calling the API (deployed): the region of the
    # Cognito user pool and its app client.
    console_auth_region: str | None = None
    console_client_id: str | None = None
