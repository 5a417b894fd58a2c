"""One webhook delivery: check it, verify it, map it, dedupe it, publish it.

The order of checks, and the answer to each failure:

1. platform not shopify / woocommerce / generic, or a shop id that cannot exist -> 404
2. body over `MAX_BODY_BYTES` (4 MiB) -> 413; body not decodable -> 400
3. WooCommerce's unsigned ping (`webhook_id=N`, sent when a webhook is saved) -> 200,
   whether or not the shop exists (it carries nothing, and the answer tells nothing)
4. content type not application/json -> 415
5. signature missing or wrong (over the raw bytes) -> 401. A shop without a secret for
   the platform is checked against a random secret and answered exactly as a wrong
   signature, so the answers do not tell which shops exist
6. the delivery is not from the shop's own store (`ingest.binding`) -> 401
7. malformed JSON, missing topic, or a payload whose event would be meaningless (no
   order id, no time; a body that does not mean its topic) -> 400 naming the field.
   Fields that cannot be read are left out of the event, logged (without contacts)
   and counted in the `WebhookFieldDropped` metric, per field
8. dedupe (Powertools Idempotency on DynamoDB) on what makes a delivery the same
   (`adapters.delivery_id_of`): a repeated delivery returns the first answer and
   emits nothing new
9. complete customer blocks the platform left out (from the order's earlier events),
   publish -> 202 with the event ids; an ignored topic -> 200

A dependency that fails (Parameter Store, DynamoDB, EventBridge), or shop settings
that do not validate, -> 503 with Retry-After, so the platform delivers again and
nothing is lost. Bad input never raises out of `handle`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from secrets import token_urlsafe
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit, single_metric
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
from courteous.adapters import (
    AdapterError,
    Dropped,
    Ignored,
    Mapped,
    adapt,
    delivery_id_of,
    topic_of,
)
from courteous.adapters.common import instant
from courteous.adapters.signatures import SignatureError, verify
from courteous.errors import RetryableError
from courteous.events.models import CanonicalEvent, Platform
from courteous.flows.settings import ShopSettings, ShopSettingsError
from courteous.ingest.binding import WrongShopError, check_source
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

# Matched with fullmatch: `$` would also match before a trailing newline ("acme\n").
_SHOP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_WOOCOMMERCE_PING = re.compile(rb"webhook_id=\d{1,20}")
TRIGGERED_AT_HEADER = "x-shopify-triggered-at"
RETRY_AFTER_SECONDS = "30"


class SecretSource(Protocol):
    def get(self, shop_id: str, platform: Platform) -> str | None: ...


class SettingsSource(Protocol):
    def __call__(self, shop_id: str) -> ShopSettings: ...


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
        shop_settings: SettingsSource,
        dedupe_seconds: int,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._secrets = secrets
        self._shop_settings = shop_settings
        # What an unknown shop's deliveries are checked against: nobody can sign with it.
        self._decoy = token_urlsafe(32)
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
        if not _SHOP_ID.fullmatch(request.shop_id):
            return WebhookResponse.error(404, "unknown_shop", "no such shop")
        try:
            raw = request.raw_body()
        except BodyTooLargeError as exc:
            return WebhookResponse.error(413, "too_large", str(exc))
        except UnreadableBodyError as exc:
            return WebhookResponse.error(400, "bad_request", str(exc))
        if platform is Platform.WOOCOMMERCE and _WOOCOMMERCE_PING.fullmatch(raw.strip()):
            return WebhookResponse(200, IgnoredBody(ignored="ping"))
        secret = self._secrets.get(request.shop_id, platform)
        if request.media_type != "application/json":
            return WebhookResponse.error(
                415, "unsupported_media_type", "send application/json", field="content-type"
            )
        try:
            verify(platform, secret or self._decoy, raw, request.headers, now=self._now())
        except SignatureError as exc:
            return WebhookResponse.error(401, "bad_signature", exc.reason)
        if secret is None:  # only a guess of the random decoy gets here
            return WebhookResponse.error(401, "bad_signature", "signature does not match")
        try:
            check_source(self._shop_settings(request.shop_id), platform, request.headers)
        except WrongShopError as exc:
            return WebhookResponse.error(401, "wrong_shop", exc.reason, field=exc.field)
        except ShopSettingsError as exc:
            logger.warning("shop settings invalid", extra={"reason": str(exc)})
            return _retry_later("the shop's settings are invalid; fix them and it is retried")
        try:
            payload = parse_json(raw)
            topic = topic_of(platform, request.headers)
            delivery = {
                "platform": platform.value,
                "shop_id": request.shop_id,
                "delivery_id": delivery_id_of(platform, request.headers, payload, raw)
                or hashlib.sha256(raw).hexdigest(),
            }
            result: dict[str, Any] = self._deliver_once(
                delivery=delivery,
                topic=topic,
                payload=payload,
                triggered_at=_triggered_at(request.headers),
            )
        except UnreadableBodyError as exc:
            return WebhookResponse.error(400, "bad_request", str(exc))
        except AdapterError as exc:
            return WebhookResponse.error(400, "bad_request", exc.detail, field=exc.field or None)
        if "ignored" in result:
            return WebhookResponse(200, IgnoredBody.model_validate(result))
        return WebhookResponse(202, AcceptedBody.model_validate(result))

    def _deliver(
        self,
        *,
        delivery: dict[str, str],
        topic: str,
        payload: Any,
        triggered_at: datetime | None,
    ) -> dict[str, Any]:
        """Map and publish once per delivery (wrapped by Powertools Idempotency)."""
        platform = Platform(delivery["platform"])
        now = self._now()
        result = adapt(
            platform, topic, payload, delivery["shop_id"], now, triggered_at=triggered_at
        )
        _report_dropped(platform, topic, result.dropped)
        if isinstance(result, Ignored):
            return {"ignored": result.reason}
        assert isinstance(result, Mapped)
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


def _triggered_at(headers: Mapping[str, str]) -> datetime | None:
    """When Shopify says the event happened (nanosecond digits are cut to micro)."""
    value = (headers.get(TRIGGERED_AT_HEADER) or "").strip()
    if not value:
        return None
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)
    try:
        return instant(value, TRIGGERED_AT_HEADER)
    except AdapterError:
        return None


def _report_dropped(platform: Platform, topic: str, dropped: tuple[Dropped, ...]) -> None:
    """Logs each field left out (its path and why, never its value) and counts it."""
    for item in dropped:
        logger.warning(
            "webhook field dropped",
            extra={
                "platform": platform.value,
                "topic": topic[:64],
                "field": item.field[:256],
                "reason": item.reason,
            },
        )
        with single_metric(
            name="WebhookFieldDropped",
            unit=MetricUnit.Count,
            value=1,
            namespace=metrics.namespace,
        ) as metric:
            metric.add_dimension(name="platform", value=platform.value)
            metric.add_dimension(name="field", value=item.metric_field[:200])


def _retry_later(reason: str) -> WebhookResponse:
    return WebhookResponse.error(
        503, "retry_later", reason, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )
