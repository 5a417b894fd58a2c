"""The one place the domain gets its logger, tracer and metrics from.

Handlers decorate with these; the domain logs through them. Nothing here touches AWS
at import time. Contacts are never logged in clear: log `recipients.identity` hashes.

The tracer is Powertools' Tracer, built on first use: constructing it imports the X-Ray
SDK (about as long as importing boto3 again), which a function pays only when tracing
is on for it (`POWERTOOLS_TRACE_DISABLED` unset, as in Lambda with active tracing).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

SERVICE = "courteous"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Courteous", service=SERVICE)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def _tracing_disabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true", "yes")


class LazyTracer:
    """`capture_lambda_handler` like Powertools' Tracer, which it builds when first needed."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._tracer: Any = None

    def _real(self) -> Any:
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(service=self._service, auto_patch=False)
        return self._tracer

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        traced: list[Callable[..., Any]] = []

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            if _tracing_disabled():
                return handler(event, context)
            if not traced:
                traced.append(self._real().capture_lambda_handler(handler))
            return traced[0](event, context)

        return wrapper  # type: ignore[return-value]


tracer = LazyTracer(SERVICE)
