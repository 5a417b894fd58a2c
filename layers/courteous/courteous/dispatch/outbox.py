"""One outbox record in, one outcome out, and nothing lost on the way.

- A body that is not a valid `MessageRequest`, or a request that can never succeed
  (`PermanentError`, e.g. template data missing a field), goes to the dead-letter queue
  at once with its reason as a message attribute: retrying it five times would change
  nothing, and the reason would be lost.
- A `RetryableError` (a channel, DynamoDB or Scheduler failure, a contended ledger) is
  raised again: the batch reports the record as failed, SQS redelivers it after the
  visibility timeout and, after `maxReceiveCount` attempts, moves it to the DLQ itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from courteous.dispatch.service import Dispatcher, Outcome
from courteous.errors import PermanentError, RetryableError
from courteous.messages import MessageRequest
from courteous.observability import logger, metrics

MAX_REASON = 1000


class DeadLetterError(RetryableError):
    """The DLQ itself refused the record; the outbox keeps it for a retry."""


@dataclass(frozen=True)
class DeadLetters:
    """Puts a record that cannot succeed on the DLQ, with why, in one SendMessage."""

    client: Any
    queue_url: str

    def put(self, body: str, reason: str, detail: str) -> None:
        try:
            self.client.send_message(
                QueueUrl=self.queue_url,
                MessageBody=body,
                MessageAttributes={
                    "reason": {"DataType": "String", "StringValue": reason},
                    "detail": {"DataType": "String", "StringValue": detail[:MAX_REASON] or "-"},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise DeadLetterError(f"could not dead-letter the record: {exc}") from exc


def describe_validation_error(error: ValidationError) -> str:
    """`recipient.phone: Field required; kind: Input should be ...` — no input values."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


class OutboxConsumer:
    def __init__(self, dispatcher: Dispatcher, dead_letters: DeadLetters) -> None:
        self._dispatcher = dispatcher
        self._dead_letters = dead_letters

    def handle(self, body: str) -> Outcome | None:
        """Dispatch one record body; None when it was dead-lettered."""
        try:
            request = MessageRequest.model_validate_json(body)
        except ValidationError as exc:
            self._dead_letter(body, "malformed_request", describe_validation_error(exc))
            return None
        try:
            return self._dispatcher.dispatch(request)
        except PermanentError as exc:
            self._dead_letter(body, type(exc).__name__, str(exc), request)
            return None

    def _dead_letter(
        self, body: str, reason: str, detail: str, request: MessageRequest | None = None
    ) -> None:
        logger.error(
            "outbox record dead-lettered",
            reason=reason,
            detail=detail,
            request_id=request.request_id if request else None,
            kind=request.kind.value if request else None,
        )
        metrics.add_metric(name="OutboxDeadLettered", unit="Count", value=1)
        self._dead_letters.put(body, reason, detail)
