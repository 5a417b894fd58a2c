"""The ingestion service built from its settings, with real AWS clients (built here,
when first needed, never at import time)."""

from __future__ import annotations

from courteous import clock
from courteous.customers.order_contacts import OrderContacts
from courteous.flows.settings import ShopSettingsSource
from courteous.ingest.publisher import EventPublisher
from courteous.ingest.secrets import ShopSecrets
from courteous.ingest.service import IngestService
from courteous.ingest.settings import IngestSettings


def build_service(settings: IngestSettings) -> IngestService:
    import boto3
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name,
        key_attr="id",
        expiry_attr="expires_at",
        boto3_client=boto3.client("dynamodb"),
    )
    secrets = ShopSecrets(
        SSMProvider(boto3_client=boto3.client("ssm")),
        settings.webhook_secret_parameter,
        max_age=settings.secret_cache_seconds,
        clock=clock.now,
    )
    return IngestService(
        secrets,
        EventPublisher(boto3.client("events"), settings.event_bus_name),
        persistence,
        OrderContacts(boto3.client("dynamodb"), settings.customer_table_name),
        shop_settings=ShopSettingsSource(boto3.client("ssm")),
        dedupe_seconds=settings.dedupe_seconds,
    )
