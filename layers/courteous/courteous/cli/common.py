"""Helpers shared by the sub-commands."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


class CliError(Exception):
    """A problem with the command's input: printed as one line, exit status `exit_code`."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def parse_instant(text: str, *, name: str) -> datetime:
    """An ISO 8601 instant with an offset (or Z)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CliError(f"{name}: not an ISO 8601 instant: {text!r}") from exc
    if value.tzinfo is None:
        raise CliError(f"{name}: needs a UTC offset or Z: {text!r}")
    return value


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))
