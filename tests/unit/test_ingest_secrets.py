"""Per-shop secrets: found, unknown (remembered briefly), or unavailable (retry)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from courteous.events import Platform
from courteous.ingest.secrets import SecretsUnavailableError, ShopSecrets
from courteous.ingest.settings import DEFAULT_PARAMETER_PATTERN, IngestSettings

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


class FakeSsmClient:
    """The one SSM call SSMProvider makes for `get`, over a dict."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[str] = []
        self.error: str | None = None

    def get_parameter(self, Name: str, WithDecryption: bool = False) -> dict[str, Any]:
        self.calls.append(Name)
        if self.error:
            raise ClientError({"Error": {"Code": self.error}}, "GetParameter")
        if Name not in self.values:
            raise ClientError({"Error": {"Code": "ParameterNotFound"}}, "GetParameter")
        return {"Parameter": {"Name": Name, "Value": self.values[Name]}}


def secrets_over(client: FakeSsmClient, now: list[datetime]) -> ShopSecrets:
    provider = SSMProvider(boto3_client=client)
    return ShopSecrets(provider, DEFAULT_PARAMETER_PATTERN, max_age=300, clock=lambda: now[0])


def test_a_secret_is_read_once_then_cached() -> None:
    client = FakeSsmClient({"/courteous/webhook-secrets/acme/shopify": "s3cret"})
    secrets = secrets_over(client, [T0])
    assert secrets.get("acme", Platform.SHOPIFY) == "s3cret"
    assert secrets.get("acme", Platform.SHOPIFY) == "s3cret"
    assert client.calls == ["/courteous/webhook-secrets/acme/shopify"]


def test_an_unknown_shop_is_none_and_remembered_for_a_minute() -> None:
    client = FakeSsmClient({})
    now = [T0]
    secrets = secrets_over(client, now)
    assert secrets.get("nobody", Platform.GENERIC) is None
    assert secrets.get("nobody", Platform.GENERIC) is None
    assert len(client.calls) == 1
    now[0] = T0 + timedelta(seconds=61)
    assert secrets.get("nobody", Platform.GENERIC) is None
    assert len(client.calls) == 2


def test_secrets_live_apart_from_the_shop_settings() -> None:
    # Functions that read /courteous/shops/* (settings) must not reach a secret.
    assert DEFAULT_PARAMETER_PATTERN.startswith("/courteous/webhook-secrets/")
    assert not DEFAULT_PARAMETER_PATTERN.startswith("/courteous/shops/")


def test_unknown_shops_are_remembered_in_a_bounded_cache() -> None:
    # Given a flood of requests for made-up shops
    client = FakeSsmClient({})
    now = [T0]
    provider = SSMProvider(boto3_client=client)
    secrets = ShopSecrets(
        provider, DEFAULT_PARAMETER_PATTERN, max_age=300, clock=lambda: now[0], max_unknown=100
    )
    for index in range(1000):
        assert secrets.get(f"made-up-{index}", Platform.SHOPIFY) is None
    # Then memory stays bounded: only the most recent absences are remembered
    assert secrets.remembered_unknown == 100
    calls = len(client.calls)
    assert secrets.get("made-up-999", Platform.SHOPIFY) is None
    assert len(client.calls) == calls  # remembered: no SSM call
    assert secrets.get("made-up-0", Platform.SHOPIFY) is None
    assert len(client.calls) == calls + 1  # forgotten first: asked again


def test_a_failing_parameter_store_is_retryable() -> None:
    client = FakeSsmClient({})
    client.error = "ThrottlingException"
    with pytest.raises(SecretsUnavailableError) as raised:
        secrets_over(client, [T0]).get("acme", Platform.SHOPIFY)
    assert isinstance(raised.value.__cause__, GetParameterError)


def test_settings_refuse_a_parameter_pattern_without_the_shop() -> None:
    with pytest.raises(ValueError, match="shop_id"):
        IngestSettings(
            event_bus_name="bus",
            idempotency_table_name="table",
            customer_table_name="customers",
            webhook_secret_parameter="/courteous/webhook-secret",
        )
