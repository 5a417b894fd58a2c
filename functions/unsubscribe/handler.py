"""GET and POST /unsubscribe/{token} (HTTP API): the one-click unsubscribe of RFC 8058.

GET shows a small page in the customer's locale (and changes nothing); POST with
`List-Unsubscribe=One-Click` records the opt-out at once. The answers are the
service's (`courteous.unsubscribe.service`); this module only adapts HTTP to it.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.gate.settings import GateSettings
from courteous.observability import logger, metrics, tracer
from courteous.unsubscribe.service import Answer, Unsubscribes
from courteous.unsubscribe.wiring import build_unsubscribes

ROUTE = "/unsubscribe/<token>"
HTML = "text/html; charset=utf-8"

app = APIGatewayHttpResolver()


@cache
def unsubscribes() -> Unsubscribes:
    return build_unsubscribes(GateSettings.from_env(), boto3.client)


def _page(answer: Answer) -> Response[str]:
    # No caching (the page answers for one link) and no referrer (the link is the token).
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return Response(status_code=answer.status, content_type=HTML, body=answer.page, headers=headers)


@app.get(ROUTE)
def confirm(token: str) -> Response[str]:
    return _page(unsubscribes().page(token, app.current_event.raw_path, clock.now()))


@app.post(ROUTE)
def unsubscribe(token: str) -> Response[str]:
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        body = base64.b64decode(body).decode("utf-8", "replace")
    return _page(unsubscribes().post(token, body, clock.now()))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
