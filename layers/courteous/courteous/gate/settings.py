"""What every function that touches the gate's table needs: the table and the contact key."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, SecretStr, model_validator

from courteous.settings import EnvSettings


class GateSettings(EnvSettings):
    gate_table_name: str = Field(min_length=1)
    contact_hash_key: SecretStr | None = None
    contact_hash_key_parameter: str | None = None

    @model_validator(mode="after")
    def _hash_key_source(self) -> Self:
        if self.contact_hash_key is None and not self.contact_hash_key_parameter:
            raise ValueError("set CONTACT_HASH_KEY_PARAMETER (or CONTACT_HASH_KEY locally)")
        return self


def contact_key(settings: GateSettings, ssm: Any) -> bytes:
    """The key contacts are hashed with: from SSM (SecureString, cached for an hour)."""
    if settings.contact_hash_key is not None:
        return settings.contact_hash_key.get_secret_value().encode()
    from aws_lambda_powertools.utilities import parameters

    assert settings.contact_hash_key_parameter is not None
    provider = parameters.SSMProvider(boto3_client=ssm)
    value = provider.get(settings.contact_hash_key_parameter, decrypt=True, max_age=3600)
    return str(value).encode()
