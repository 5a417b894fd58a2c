"""`courteous serve`: the local stack behind a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from courteous_local import webhooks as wh
from courteous_local.serve import Server, seed_shop
from courteous_local.stack import LocalStack

pytestmark = pytest.mark.e2e

START = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)


def test_serve_answers_moves_time_and_stops_cleanly(tmp_path: Path) -> None:
    lines: list[str] = []
    with LocalStack(START, state_root=tmp_path, shops=("demo-shop",)) as stack:
        server = Server(stack, port=0, speed=1.0, out=lines.append)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            # When the operator jumps two hours ahead
            request = urllib.request.Request(f"{base}/_local/advance?hours=2", method="POST")
            with urllib.request.urlopen(request, timeout=30) as response:
                moved = json.loads(response.read())
            # Then virtual time moved by two hours (and the wall-clock seconds since)
            now = datetime.fromisoformat(moved["now"])
            assert (now - START).total_seconds() >= 7200
            # And the decision list answers (empty: nothing was posted)
            with urllib.request.urlopen(f"{base}/_local/decisions", timeout=30) as response:
                assert json.loads(response.read()) == []
            # And an unknown route is a 404 from the API, not a crash
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"{base}/nowhere", timeout=30)
            assert missing.value.code == 404
        finally:
            server.httpd.shutdown()
            thread.join(timeout=30)
    assert not thread.is_alive()
    assert any("/_local/advance" in line for line in lines)


def test_a_real_webhook_posted_to_serve_becomes_a_reminder_an_hour_later(tmp_path: Path) -> None:
    # Given the server with a shop whose Shopify secret is known
    lines: list[str] = []
    person = wh.Person("7003", "Min", "CN", region="ZJ", phone="+8613700137000", locale="zh-CN")
    order = wh.Order(
        "450789001", "#1001", person, "CNY", (wh.Line("Tea", 1, Decimal("168.00")),), START
    )
    hook = wh.shopify("demo-shop", "s3cret", "orders/create", wh.shopify_order(order), "k1")
    with LocalStack(START, state_root=tmp_path, shops=("demo-shop",)) as stack:
        seed_shop(stack, "demo-shop", "s3cret")
        server = Server(stack, port=0, speed=1.0, out=lines.append)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            # When the webhook is posted as Shopify would post it
            request = urllib.request.Request(
                f"{base}{hook.path}", data=hook.body, headers=hook.headers, method="POST"
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 202
            # And an hour passes
            later = urllib.request.Request(f"{base}/_local/advance?hours=1", method="POST")
            urllib.request.urlopen(later, timeout=60).close()
            with urllib.request.urlopen(f"{base}/_local/decisions", timeout=30) as response:
                decisions = json.loads(response.read())
        finally:
            server.httpd.shutdown()
            thread.join(timeout=30)
    # Then the payment reminder was decided (12:00 in Shanghai: sent) and printed
    assert [(d["kind"], d["action"]) for d in decisions] == [("payment_reminder", "send")]
    assert any("payment_reminder" in line and "SEND" in line for line in lines)
