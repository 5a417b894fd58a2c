"""POST /webhooks/{platform}/{shop_id} (HTTP API): signed shop webhooks -> canonical
events on the order bus. The answer codes are the ingestion service's (see
`courteous.ingest.service`); this module only adapts HTTP to it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous.ingest import IngestService, WebhookRequest
from courteous.ingest.contract import describe_request
from courteous.ingest.http import AcceptedBody, ErrorBody, IgnoredBody
from courteous.ingest.settings import IngestSettings
from courteous.ingest.wiring import build_service
from courteous.observability import logger, metrics, tracer

ROUTE = "/webhooks/<platform>/<shop_id>"
OPENAPI_PATH = "/webhooks/{platform}/{shop_id}"


def _json(description: str, model: type[Any]) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


RESPONSES: dict[int, OpenAPIResponse] = {
    200: _json("Acknowledged without an event: an unused topic, a ping, a test order", IgnoredBody),
    202: _json("Accepted: the canonical events emitted (or already emitted)", AcceptedBody),
    400: _json(
        "Malformed JSON, or a body whose event would be meaningless (field named)", ErrorBody
    ),
    401: _json(
        "Missing or wrong signature (also for a shop that does not exist), or a delivery "
        "from another store than the shop's",
        ErrorBody,
    ),
    404: _json("Unknown platform, or a shop id that cannot be one", ErrorBody),
    413: _json("Body over 4 MiB", ErrorBody),
    415: _json("Content type is not application/json", ErrorBody),
    503: _json("A dependency failed: deliver again later (Retry-After)", ErrorBody),
}

app = APIGatewayHttpResolver()


@cache
def service() -> IngestService:
    return build_service(IngestSettings.from_env())


@app.post(
    ROUTE,
    summary="Receive a signed webhook delivery from a shop platform",
    description=(
        "platform: shopify (X-Shopify-Hmac-Sha256, X-Shopify-Topic, X-Shopify-Webhook-Id), "
        "woocommerce (X-WC-Webhook-Signature, X-WC-Webhook-Topic, X-WC-Webhook-Delivery-ID), "
        "judgeme (JUDGEME-HMAC-SHA256: hex HMAC-SHA256 of the body; review/created and "
        "review/updated) or generic (X-Courteous-Signature: t=<unix>,v1=<hex HMAC-SHA256 "
        "of 't.body'>; body "
        '{"detail-type": ..., "detail": <canonical event>}). The signature is checked over '
        "the raw body with the shop's secret."
    ),
    operation_id="receiveWebhook",
    tags=["webhooks"],
    responses=RESPONSES,
)
def receive_webhook(platform: str, shop_id: str) -> Response[str]:
    event = app.current_event
    request = WebhookRequest.from_http(
        platform=platform,
        shop_id=shop_id,
        headers=event.headers,
        body=event.body,
        is_base64_encoded=bool(event.is_base64_encoded),
    )
    result = service().handle(request)
    return Response(
        status_code=result.status,
        content_type="application/json",
        body=result.json(),
        headers=result.headers,
    )


def openapi_document() -> str:
    """The endpoint's OpenAPI document (committed as openapi.json beside this module):
    Powertools' route and answers, with the request (headers, bodies) described."""
    generated = app.get_openapi_json_schema(
        title="courteous webhooks",
        version="1",
        description="Signed order webhooks from shop platforms become canonical events.",
    )
    return json.dumps(describe_request(json.loads(generated), OPENAPI_PATH), indent=2)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service().register_context(context)
    return app.resolve(event, context)


if __name__ == "__main__":  # pragma: no cover - regenerate openapi.json
    print(openapi_document())
