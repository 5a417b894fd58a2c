"""One-time timers for the flows: EventBridge Scheduler schedules onto the timer queue.

A timer says what to look at again and when (a payment reminder, a last call, a late
parcel check, the care message after delivery). Its schedule name is derived from what
it is for, so setting it twice is one schedule and cancelling needs no lookup. A timer
already due is put on the queue at once. When it fires, the flow re-reads the order:
the cancel can race the fire, and the fire always decides on the state at that moment.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import AwareDatetime, BaseModel, ConfigDict

from courteous.errors import RetryableError
from courteous.scheduling import OneTimeScheduler

TimerKind = Literal["payment_reminder", "last_call", "late_check", "delivery_care"]
_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]")
IMMEDIATE = timedelta(minutes=1)


class Timer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: TimerKind
    shop_id: str
    order_id: str
    due_at: AwareDatetime
    seq: int = 1

    @property
    def name(self) -> str:
        return timer_name(self.kind, self.shop_id, self.order_id, self.seq)


def timer_name(kind: str, shop_id: str, order_id: str, seq: int) -> str:
    readable = _UNSAFE.sub("_", f"{kind}-{shop_id}-{order_id}-{seq}")
    if len(readable) <= 64:
        return readable
    digest = hashlib.sha256(readable.encode()).hexdigest()[:16]
    return f"{readable[:47]}-{digest}"


class TimerError(RetryableError):
    pass


class Timers:
    def __init__(self, scheduler: OneTimeScheduler, sqs: Any, queue_url: str) -> None:
        self._scheduler = scheduler
        self._sqs = sqs
        self._url = queue_url

    def set(self, timer: Timer, now: datetime) -> None:
        if timer.due_at <= now + IMMEDIATE:
            try:
                self._sqs.send_message(QueueUrl=self._url, MessageBody=timer.model_dump_json())
            except (ClientError, BotoCoreError) as exc:
                raise TimerError(f"cannot queue timer {timer.name}") from exc
            return
        self._scheduler.schedule(timer.name, timer.due_at, timer.model_dump_json())

    def cancel(self, kind: TimerKind, shop_id: str, order_id: str, seq: int = 1) -> bool:
        return self._scheduler.delete(timer_name(kind, shop_id, order_id, seq))
