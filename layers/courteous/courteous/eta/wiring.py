"""The learned estimator the flows use, on the EtaTable."""

from __future__ import annotations

from typing import Any

from courteous.eta.model import Estimator
from courteous.eta.store import DynamoEtaStore


def build_estimator(client: Any, table: str) -> Estimator:
    return Estimator(DynamoEtaStore(client, table))
