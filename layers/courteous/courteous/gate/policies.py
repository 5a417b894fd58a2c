"""Where each shop's policy comes from: an SSM parameter holding the policy JSON.

`/courteous/shops/<shop_id>/policy` (pattern configurable). A shop with no parameter
gets the deployment's default preset; a parameter that does not validate is refused
(`PolicyError`): the message waits for a retry rather than being judged by a policy
nobody wrote.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.gate.policy import PRESETS, Policy, PolicyError, policy_from_dict

CACHE_SECONDS = 300.0


class PolicySourceError(RetryableError):
    pass


class ShopPolicies:
    def __init__(
        self,
        ssm_client: Any,
        name_pattern: str,
        default: str = "default",
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        if default not in PRESETS:
            raise PolicyError(f"default policy: unknown preset {default!r}")
        self._ssm = ssm_client
        self._pattern = name_pattern
        self._default = PRESETS[default]
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Policy]] = {}

    def __call__(self, shop_id: str) -> Policy:
        cached = self._cache.get(shop_id)
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        policy = self._load(shop_id)
        self._cache[shop_id] = (time.monotonic(), policy)
        return policy

    def _load(self, shop_id: str) -> Policy:
        name = self._pattern.format(shop_id=shop_id)
        try:
            response = self._ssm.get_parameter(Name=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ParameterNotFound":
                return self._default
            raise PolicySourceError(f"cannot read policy parameter {name}") from exc
        text = response["Parameter"]["Value"]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"{name}: not JSON: {exc}") from exc
        except RecursionError as exc:
            raise PolicyError(f"{name}: JSON nested too deeply") from exc
        if isinstance(data, str):
            data = {"extends": data}
        if not isinstance(data, dict):
            raise PolicyError(f"{name}: a policy is a JSON object or a preset name")
        # A policy that changes its preset is labelled by the shop unless it names itself.
        return policy_from_dict(data, source=shop_id)
