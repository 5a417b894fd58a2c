"""Webhook ingestion: signed deliveries in, canonical events on the bus out."""

from courteous.ingest.http import WebhookRequest, WebhookResponse
from courteous.ingest.service import IngestService

__all__ = ["IngestService", "WebhookRequest", "WebhookResponse"]
