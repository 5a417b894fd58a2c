"""The only way a flow reaches anyone: a `MessageRequest` on the outbox queue."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from courteous.errors import RetryableError
from courteous.messages import MessageRequest

BATCH = 10


class OutboxError(RetryableError):
    pass


def request_id(*parts: str) -> str:
    """A request id that is the same each time the same fact is processed, so an event
    delivered twice produces the same request and the gate sends it once."""
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


class Outbox:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def put(self, requests: Sequence[MessageRequest]) -> None:
        for start in range(0, len(requests), BATCH):
            chunk = requests[start : start + BATCH]
            entries = [
                {"Id": str(index), "MessageBody": request.model_dump_json()}
                for index, request in enumerate(chunk)
            ]
            try:
                response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise OutboxError(f"the outbox refused {len(chunk)} requests: {exc}") from exc
            failed = response.get("Failed") or []
            if failed:
                codes = ", ".join(sorted({str(f.get("Code")) for f in failed}))
                raise OutboxError(f"the outbox refused {len(failed)} of {len(chunk)}: {codes}")
