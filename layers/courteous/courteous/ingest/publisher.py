"""Canonical events onto the EventBridge bus: batches of at most 10, every entry checked.

PutEvents can succeed as a call and still refuse some entries (`FailedEntryCount`, an
`ErrorCode` per entry). Refused entries are retried a few times; what is still refused
raises `PublishError`, so the webhook answers 5xx and the platform delivers again.
Entries that did get through may then be published twice; they keep their `event_id`,
which consumers dedupe on, as EventBridge delivery is at-least-once anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from courteous.errors import RetryableError
from courteous.events.envelope import to_put_events_entry
from courteous.events.models import CanonicalEvent

MAX_BATCH = 10
_ATTEMPTS = 3


class PublishError(RetryableError):
    def __init__(self, failed: Sequence[tuple[str, str]]) -> None:
        codes = ", ".join(sorted({code for _, code in failed}))
        super().__init__(f"{len(failed)} event(s) not accepted by EventBridge ({codes})")
        self.failed = list(failed)


class EventPublisher:
    """Takes its boto3 EventBridge client as an argument."""

    def __init__(self, client: Any, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, events: Sequence[CanonicalEvent]) -> None:
        for start in range(0, len(events), MAX_BATCH):
            self._publish_batch(events[start : start + MAX_BATCH])

    def _publish_batch(self, events: Sequence[CanonicalEvent]) -> None:
        pending = [(event.event_id, to_put_events_entry(event, self._bus)) for event in events]
        failed: list[tuple[str, str]] = []
        for _ in range(_ATTEMPTS):
            try:
                response = self._client.put_events(Entries=[entry for _, entry in pending])
            except (ClientError, BotoCoreError) as exc:
                code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else "Error"
                failed = [(event_id, str(code)) for event_id, _ in pending]
                continue
            results = response.get("Entries", [])
            if response.get("FailedEntryCount", 0) == 0 and len(results) == len(pending):
                return
            retry, failed = [], []
            for index, item in enumerate(pending):
                result = results[index] if index < len(results) else {"ErrorCode": "Missing"}
                if result.get("ErrorCode") or not result.get("EventId"):
                    retry.append(item)
                    failed.append((item[0], str(result.get("ErrorCode") or "Missing")))
            if not retry:
                return
            pending = retry
        raise PublishError(failed)
