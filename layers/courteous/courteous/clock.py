"""The domain's one source of "now".

Pure code takes `now` as an argument; the edges (handlers, services) ask this module.
In Lambda it is the wall clock. The local stack installs a virtual clock with
`use_clock` so that days of schedules pass in seconds and every decision agrees on
what time it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


_current: Clock = wall_clock


def now() -> datetime:
    return _current()


def use_clock(clock: Clock) -> Clock:
    """Install `clock` for every later `now()`; returns the one it replaces."""
    global _current
    previous, _current = _current, clock
    return previous
