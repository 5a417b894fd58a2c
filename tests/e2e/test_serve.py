"""`courteous serve`: the local stack behind a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from courteous_local.serve import Server
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
