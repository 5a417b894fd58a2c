"""The operator's console: pages and the admin API (HTTP API, behind the JWT authoriser).

Parse the HTTP API event, one call into the console (which calls the domain), return.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from courteous import clock
from courteous.observability import logger
from courteous_console.app import handle, parse_event
from courteous_console.backend import Backend
from courteous_console.settings import ConsoleSettings


@cache
def backend() -> Backend:
    return Backend(ConsoleSettings.from_env(), boto3.client, clock.now)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = backend().settings
    auth = {"region": settings.console_auth_region, "client_id": settings.console_client_id}
    return handle(parse_event(event), backend(), auth).as_http_api()
