"""Per-shop webhook secrets from SSM Parameter Store, through Powertools Parameters.

The parameter `/courteous/shops/<shop_id>/webhook-secret/<platform>` (a SecureString)
holds the shop's secret for that platform; its absence means the shop is unknown for
that platform (404). Found secrets are cached by Powertools for `max_age` seconds;
absences are remembered for a short while too, so that a stream of requests for an
unknown shop does not become a stream of SSM calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.events.models import Platform

_UNKNOWN_FOR = timedelta(seconds=60)


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
    ) -> None:
        self._provider = provider
        self._pattern = name_pattern
        self._max_age = max_age
        self._clock = clock
        self._unknown: dict[str, datetime] = {}

    def parameter_name(self, shop_id: str, platform: Platform) -> str:
        return self._pattern.format(shop_id=shop_id, platform=platform.value)

    def get(self, shop_id: str, platform: Platform) -> str | None:
        """The shop's secret for `platform`, or None when the shop has none."""
        name = self.parameter_name(shop_id, platform)
        now = self._clock()
        remembered = self._unknown.get(name)
        if remembered is not None and now - remembered < _UNKNOWN_FOR:
            return None
        try:
            value: Any = self._provider.get(name, max_age=self._max_age, decrypt=True)
        except GetParameterError as exc:
            # Powertools wraps the SDK error; the original is its context.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError) and _code(cause) == "ParameterNotFound":
                self._unknown[name] = now
                return None
            raise SecretsUnavailableError("the shop's webhook secret could not be read") from exc
        self._unknown.pop(name, None)
        if not isinstance(value, str) or not value:
            return None
        return value


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
