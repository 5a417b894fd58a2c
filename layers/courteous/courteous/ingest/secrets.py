"""Per-shop webhook secrets from SSM Parameter Store, through Powertools Parameters.

The parameter `/courteous/webhook-secrets/<shop_id>/<platform>` (a SecureString, under
a path only the webhook ingestion may read) holds the shop's secret for that
platform; its absence means the shop is unknown for that platform. Found secrets are
cached by Powertools for `max_age` seconds. Absences are remembered for
`UNKNOWN_FOR`, in a cache of at most `MAX_UNKNOWN` names that forgets the oldest, so a
stream of requests for made-up shops costs one SSM call per name and per minute, and
a bounded amount of memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.events.models import Platform

UNKNOWN_FOR = timedelta(seconds=60)
MAX_UNKNOWN = 4096


class SecretsUnavailableError(RetryableError):
    """Parameter Store did not answer: the delivery should be retried."""


class ShopSecrets:
    def __init__(
        self,
        provider: SSMProvider,
        name_pattern: str,
        *,
        max_age: int,
        clock: Callable[[], datetime],
        max_unknown: int = MAX_UNKNOWN,
    ) -> None:
        self._provider = provider
        self._pattern = name_pattern
        self._max_age = max_age
        self._clock = clock
        self._max_unknown = max_unknown
        self._unknown: OrderedDict[str, datetime] = OrderedDict()

    def parameter_name(self, shop_id: str, platform: Platform) -> str:
        return self._pattern.format(shop_id=shop_id, platform=platform.value)

    @property
    def remembered_unknown(self) -> int:
        return len(self._unknown)

    def get(self, shop_id: str, platform: Platform) -> str | None:
        """The shop's secret for `platform`, or None when the shop has none."""
        name = self.parameter_name(shop_id, platform)
        now = self._clock()
        remembered = self._unknown.get(name)
        if remembered is not None:
            if now - remembered < UNKNOWN_FOR:
                return None
            del self._unknown[name]
        try:
            value: Any = self._provider.get(name, max_age=self._max_age, decrypt=True)
        except GetParameterError as exc:
            # Powertools wraps the SDK error; the original is its context.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError) and _code(cause) == "ParameterNotFound":
                self._remember_unknown(name, now)
                return None
            raise SecretsUnavailableError("the shop's webhook secret could not be read") from exc
        if not isinstance(value, str) or not value:
            return None
        return value

    def _remember_unknown(self, name: str, now: datetime) -> None:
        self._unknown[name] = now
        self._unknown.move_to_end(name)
        while len(self._unknown) > self._max_unknown:
            self._unknown.popitem(last=False)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
