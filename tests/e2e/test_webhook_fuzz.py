"""Schemathesis drives `courteous serve` from the committed OpenAPI document.

The server runs as a person runs it (`courteous serve` in its own process, on the local
stack). Schemathesis generates requests from functions/ingest_webhook/openapi.json;
most are then signed with the shop's secret and sent as from the shop's store, so they
pass the signature and reach the adapters with arbitrary bodies and topics. Every
answer must be a documented one (status, content type, headers, body schema) and none
may be a server error. The run is bounded (`MAX_EXAMPLES`) to stay well under a minute.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NotSet

from courteous.adapters.signatures import (
    sign_generic,
    sign_judgeme,
    sign_shopify,
    sign_woocommerce,
)
from courteous_local.webhooks import shopify_domain, woocommerce_site
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

SHOP = "fuzz-shop"
SECRET = "fuzz-secret"
MAX_EXAMPLES = 50
DOCUMENT = json.loads(
    (REPO_ROOT / "functions" / "ingest_webhook" / "openapi.json").read_text(encoding="utf-8")
)
schema = schemathesis.openapi.from_dict(DOCUMENT)
# The coverage phase's deterministic cases (every enum value and boundary of every
# header, each alone) are several hundred requests, over a minute through the local
# stack; the bounded fuzzing phase explores the same space at random within the budget.
schema.config.phases.coverage.enabled = False
# The statuses answered, for the check that the run reached the adapters.
ANSWERED: list[int] = []
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`courteous serve` on a free port, stopped (by its own pid) when done."""
    work = tmp_path_factory.mktemp("serve")
    command = [
        str(Path(sys.executable).with_name("courteous")),
        "serve",
        "--port",
        "0",
        "--shop",
        SHOP,
        "--secret",
        SECRET,
        "--realtime",
    ]
    # The server prints a line per request: to a file, so that it never blocks on a pipe.
    log = work / "serve.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command,
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    base = None
    deadline = time.monotonic() + 120
    while base is None and time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", log.read_text(encoding="utf-8"))
        base = found.group(1) if found else None
        time.sleep(0.2)
    if base is None:
        process.kill()
        process.wait(timeout=10)
        pytest.fail("courteous serve did not start:\n" + log.read_text(encoding="utf-8"))
    try:
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _raw(case: Any) -> bytes:
    if isinstance(case.body, NotSet):
        return b""  # the generator left the required body out
    if isinstance(case.body, bytes):
        return case.body
    if case.media_type == "application/x-www-form-urlencoded":
        return urlencode(case.body if isinstance(case.body, dict) else {}).encode()
    return json.dumps(case.body, separators=(",", ":")).encode()


def _as_the_shop(platform: str, raw: bytes, headers: dict[str, str]) -> dict[str, str]:
    """Headers signed with the shop's secret, from the shop's own store."""
    signed = dict(headers)
    if platform == "shopify":
        signed["X-Shopify-Hmac-Sha256"] = sign_shopify(SECRET, raw)
        signed["X-Shopify-Shop-Domain"] = shopify_domain(SHOP)
        signed.setdefault("X-Shopify-Topic", "orders/create")
    elif platform == "woocommerce":
        signed["X-WC-Webhook-Signature"] = sign_woocommerce(SECRET, raw)
        signed["X-WC-Webhook-Source"] = woocommerce_site(SHOP)
        signed.setdefault("X-WC-Webhook-Topic", "order.created")
    elif platform == "judgeme":
        signed["JUDGEME-HMAC-SHA256"] = sign_judgeme(SECRET, raw)
    elif platform == "generic":
        signed["X-Courteous-Signature"] = sign_generic(SECRET, raw, int(time.time()))
    return signed


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_answer_is_documented_and_none_is_a_server_error(case: Any, server: str) -> None:
    # Given a generated request; four in five are for the shop, signed as its store would
    raw = _raw(case)
    headers = {str(k): str(v) for k, v in (case.headers or {}).items()}
    headers["Content-Type"] = case.media_type or "application/json"
    parameters = case.path_parameters or {}
    if hashlib.sha256(raw).digest()[0] % 5 and isinstance(parameters.get("platform"), str):
        parameters["shop_id"] = SHOP
        headers = _as_the_shop(parameters["platform"], raw, headers)
    # When it is posted to the running server
    response = requests.post(server + case.formatted_path, data=raw, headers=headers, timeout=30)
    ANSWERED.append(response.status_code)
    # Then the answer is one the document promises
    case.validate_response(response, checks=CHECKS)


def test_the_run_reached_the_adapters() -> None:
    # Runs after the fuzzing above (same module, in order): signed requests got past the
    # signature and the store check, to be mapped (2xx) or refused field by field (400).
    if not ANSWERED:
        pytest.skip("the fuzzing test did not run")
    assert len(ANSWERED) >= MAX_EXAMPLES // 2
    assert {400, 401} <= set(ANSWERED)
    assert not [status for status in ANSWERED if status >= 500]
