"""Where the audiences live and how contacts are hashed, validated once when needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from pydantic import Field, SecretStr, model_validator

from courteous.audiences.recompute import RfmRuns
from courteous.audiences.store import FactsStore
from courteous.settings import EnvSettings


class AudienceSettings(EnvSettings):
    audience_table_name: str = Field(min_length=3, max_length=255)
    contact_hash_key: SecretStr | None = None
    contact_hash_key_parameter: str | None = None
    rfm_scan_queue_url: str | None = None

    @model_validator(mode="after")
    def _hash_key_source(self) -> Self:
        if self.contact_hash_key is None and not self.contact_hash_key_parameter:
            raise ValueError("set CONTACT_HASH_KEY_PARAMETER (or CONTACT_HASH_KEY locally)")
        return self


def contact_key(settings: AudienceSettings, ssm: Any) -> bytes:
    """The key contacts are hashed with: from SSM (SecureString, cached for an hour)."""
    if settings.contact_hash_key is not None:
        return settings.contact_hash_key.get_secret_value().encode()
    from aws_lambda_powertools.utilities import parameters

    assert settings.contact_hash_key_parameter is not None
    provider = parameters.SSMProvider(boto3_client=ssm)
    value = provider.get(settings.contact_hash_key_parameter, decrypt=True, max_age=3600)
    return str(value).encode()


def build_facts(settings: AudienceSettings, client: Callable[[str], Any]) -> FactsStore:
    return FactsStore(
        client("dynamodb"), settings.audience_table_name, contact_key(settings, client("ssm"))
    )


def build_runs(settings: AudienceSettings, client: Callable[[str], Any]) -> RfmRuns:
    """The recompute's store; the scan queue only when the settings name one."""
    dynamodb = client("dynamodb")
    # The recompute hashes no contact: its facts store needs no key.
    facts = FactsStore(dynamodb, settings.audience_table_name, b"")
    queue = client("sqs") if settings.rfm_scan_queue_url else None
    return RfmRuns(dynamodb, facts, queue, settings.rfm_scan_queue_url)
