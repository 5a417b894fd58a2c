"""One webhook delivery: check it, verify it, map it, dedupe it, publish it.

The order of checks, and the answer to each failure:

1. platform not shopify / woocommerce / generic, or a shop id that cannot exist -> 404
2. body over 256 KB -> 413; body not decodable -> 400
3. no secret for this shop and platform -> 404 (unknown shop)
4. WooCommerce's unsigned ping (`webhook_id=N`, sent when a webhook is saved) -> 200
5. content type not application/json -> 415
6. signature missing or wrong (over the raw bytes) -> 401
7. malformed JSON, missing topic, or a payload the adapter cannot map -> 400 naming
   the field
8. dedupe on the platform's delivery id (Powertools Idempotency on DynamoDB): a repeated
   delivery returns the first answer and emits nothing new
9. complete customer blocks the platform left out (from the order's earlier events),
   publish -> 202 with the event ids; an ignored topic -> 200

A dependency that fails (Parameter Store, DynamoDB, EventBridge) -> 503 with
Retry-After, so the platform delivers again and nothing is lost. Bad input never
raises out of `handle`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.adapters import AdapterError, Ignored, adapt, delivery_id_of, topic_of
from courteous.adapters.signatures import SignatureError, verify
from courteous.errors import RetryableError
from courteous.events.models import CanonicalEvent, Platform
from courteous.ingest.http import (
    AcceptedBody,
    BodyTooLargeError,
    IgnoredBody,
    UnreadableBodyError,
    WebhookRequest,
    WebhookResponse,
    parse_json,
)
from courteous.observability import logger, metrics

_SHOP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_WOOCOMMERCE_PING = re.compile(rb"^webhook_id=\d{1,20}$")
RETRY_AFTER_SECONDS = "30"


class SecretSource(Protocol):
    def get(self, shop_id: str, platform: Platform) -> str | None: ...


class Publisher(Protocol):
    def publish(self, events: list[CanonicalEvent]) -> None: ...


class Contacts(Protocol):
    def complete(self, events: list[CanonicalEvent], at: datetime) -> list[CanonicalEvent]: ...


def _mark_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    """Powertools calls this when it answers from a stored result."""
    if isinstance(response, dict):
        return {**response, "duplicate": True}
    return response


class IngestService:
    def __init__(
        self,
        secrets: SecretSource,
        publisher: Publisher,
        persistence: BasePersistenceLayer,
        contacts: Contacts,
        *,
        dedupe_seconds: int,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._secrets = secrets
        self._publisher = publisher
        self._contacts = contacts
        self._now = now
        self._config = IdempotencyConfig(
            expires_after_seconds=dedupe_seconds,
            raise_on_no_idempotency_key=True,
            response_hook=_mark_duplicate,
        )
        self._deliver_once = idempotent_function(
            self._deliver,
            data_keyword_argument="delivery",
            persistence_store=persistence,
            config=self._config,
            key_prefix="webhook",
        )

    def register_context(self, context: LambdaContext) -> None:
        """Lets Idempotency expire an in-progress record if the function times out."""
        self._config.register_lambda_context(context)

    def handle(self, request: WebhookRequest) -> WebhookResponse:
        try:
            response = self._handle(request)
        except RetryableError as exc:
            logger.warning("delivery not processed, retry", extra={"reason": str(exc)})
            response = _retry_later(str(exc))
        except (IdempotencyPersistenceLayerError, IdempotencyAlreadyInProgressError) as exc:
            logger.warning("dedupe store unavailable or busy", extra={"reason": type(exc).__name__})
            response = _retry_later("the same delivery is being processed, or dedupe is down")
        metrics.add_metric(name=f"Webhook{response.status}", unit=MetricUnit.Count, value=1)
        logger.info(
            "webhook answered",
            extra={
                "platform": request.platform[:32],
                "shop_id": request.shop_id[:128],
                "status": response.status,
            },
        )
        return response

    def _handle(self, request: WebhookRequest) -> WebhookResponse:
        try:
            platform = Platform(request.platform)
        except ValueError:
            return WebhookResponse.error(404, "unknown_platform", "no such platform")
        if not _SHOP_ID.match(request.shop_id):
            return WebhookResponse.error(404, "unknown_shop", "no such shop")
        try:
            raw = request.raw_body()
        except BodyTooLargeError as exc:
            return WebhookResponse.error(413, "too_large", str(exc))
        except UnreadableBodyError as exc:
            return WebhookResponse.error(400, "bad_request", str(exc))
        secret = self._secrets.get(request.shop_id, platform)
        if secret is None:
            return WebhookResponse.error(404, "unknown_shop", "no such shop for this platform")
        if platform is Platform.WOOCOMMERCE and _WOOCOMMERCE_PING.match(raw.strip()):
            return WebhookResponse(200, IgnoredBody(ignored="ping"))
        if request.media_type != "application/json":
            return WebhookResponse.error(
                415, "unsupported_media_type", "send application/json", field="content-type"
            )
        try:
            verify(platform, secret, raw, request.headers, now=self._now())
        except SignatureError as exc:
            return WebhookResponse.error(401, "bad_signature", exc.reason)
        try:
            payload = parse_json(raw)
            topic = topic_of(platform, request.headers)
            delivery = {
                "platform": platform.value,
                "shop_id": request.shop_id,
                "delivery_id": delivery_id_of(platform, request.headers, payload)
                or hashlib.sha256(raw).hexdigest(),
            }
            result: dict[str, Any] = self._deliver_once(
                delivery=delivery, topic=topic, payload=payload
            )
        except UnreadableBodyError as exc:
            return WebhookResponse.error(400, "bad_request", str(exc))
        except AdapterError as exc:
            return WebhookResponse.error(400, "bad_request", exc.detail, field=exc.field or None)
        if "ignored" in result:
            return WebhookResponse(200, IgnoredBody.model_validate(result))
        return WebhookResponse(202, AcceptedBody.model_validate(result))

    def _deliver(self, *, delivery: dict[str, str], topic: str, payload: Any) -> dict[str, Any]:
        """Map and publish once per delivery id (wrapped by Powertools Idempotency)."""
        platform = Platform(delivery["platform"])
        now = self._now()
        result = adapt(platform, topic, payload, delivery["shop_id"], now)
        if isinstance(result, Ignored):
            return {"ignored": result.reason}
        # Some platforms leave the customer out of shipments and refunds: fill it in.
        events = self._contacts.complete(list(result.events), now)
        self._publisher.publish(events)
        logger.info(
            "events published",
            extra={
                "topic": topic,
                "delivery_id": delivery["delivery_id"],
                "event_ids": [event.event_id for event in events],
            },
        )
        return {"accepted": [event.event_id for event in events]}


def _retry_later(reason: str) -> WebhookResponse:
    return WebhookResponse.error(
        503, "retry_later", reason, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )
