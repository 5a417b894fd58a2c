"""Count and break AWS calls, through botocore's own event hooks.

`ClientFactory` builds boto3 clients (optionally against local endpoints) and registers
on each one:
- a counter of API calls per service and operation (`before-call`), used by the
  benchmarks to report AWS calls per message;
- a fault injector (`before-call` returning an error response) that makes chosen
  operations fail with a real botocore `ClientError`, used by the fault harness.
Nothing here patches boto3 globally.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config


@dataclass
class Fault:
    """Fail `service.operation` with `code`, `times` times (None: always), or per `when`."""

    service: str
    operation: str
    code: str
    message: str = "injected fault"
    status: int = 400
    times: int | None = 1
    when: Callable[[dict[str, Any]], bool] | None = None
    fired: int = 0


@dataclass
class CallLog:
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, service: str, operation: str) -> None:
        with self.lock:
            self.counts[(service, operation)] += 1

    def total(self, service: str | None = None) -> int:
        with self.lock:
            return sum(n for (s, _), n in self.counts.items() if service in (None, s))

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()


class ClientFactory:
    """`factory("dynamodb")` → a client that is counted and may be broken on purpose."""

    def __init__(
        self,
        endpoints: dict[str, str] | None = None,
        region: str = "us-east-1",
        max_attempts: int = 1,
    ) -> None:
        self.calls = CallLog()
        self.faults: list[Fault] = []
        self._endpoints = endpoints or {}
        self._region = region
        self._config = Config(retries={"max_attempts": max_attempts, "mode": "standard"})
        self._lock = threading.Lock()
        # Held from construction, so the factory may itself stand in for boto3.client.
        self._make = boto3.client

    def __call__(self, service: str) -> Any:
        client = self._make(
            service,
            region_name=self._region,
            endpoint_url=self._endpoints.get(service),
            config=self._config,
        )
        client.meta.events.register("before-call", self._before_call)
        return client

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        service = model.service_model.endpoint_prefix
        operation = model.name
        self.calls.add(service, operation)
        with self._lock:
            for fault in self.faults:
                if (fault.service, fault.operation) != (service, operation):
                    continue
                if fault.times is not None and fault.fired >= fault.times:
                    continue
                if fault.when is not None and not fault.when(params):
                    continue
                fault.fired += 1
                error = {"Error": {"Code": fault.code, "Message": fault.message}}
                # Returning (http, parsed) from before-call short-circuits the request.
                return _FakeHttpResponse(fault.status), {
                    **error,
                    "ResponseMetadata": {"HTTPStatusCode": fault.status},
                }
        return None


@dataclass(frozen=True)
class _FakeHttpResponse:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
