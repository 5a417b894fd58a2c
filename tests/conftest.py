"""Shared fixtures. `load_event(name)` reads a real-shaped sample from `events/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = REPO_ROOT / "events"
# Real platform payloads and AWS event shapes, kept with their sources and licences.
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"
# The settings of the shop the samples in events/webhooks are for: the stores they come
# from (X-Shopify-Shop-Domain, X-WC-Webhook-Source; see events/webhooks/README.md).
SAMPLE_SHOP_SETTINGS: dict[str, dict[str, Any]] = {
    "acme-shop": {
        "shop_name": "Acme",
        "shopify_domain": "acme-shop.myshopify.com",
        "woocommerce_site_url": "https://shop.example.com/",
    }
}


def load_event(name: str) -> Any:
    """The JSON sample `events/<name>` (".json" may be omitted)."""
    path = EVENTS_DIR / name
    if path.suffix != ".json":
        path = path.with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _aws_test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach a real AWS account from a test."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
