"""`courteous serve`: the webhook API on 127.0.0.1, backed by the local stack.

A person posts a real platform webhook with curl and watches what the system does: each
gate decision is printed as it happens. Time follows the wall clock, `--speed N` makes it
run N times faster, and `POST /_local/advance?minutes=N` jumps ahead (due reminders and
deferred messages fire on the way). Ctrl-C stops the server and the stack cleanly.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from courteous_local.decisions import DecisionRow, read_decisions
from courteous_local.inprocess import function_logs_to
from courteous_local.stack import HttpResponse, LocalStack
from courteous_local.webhooks import shopify_domain, woocommerce_site

PLATFORMS = ("shopify", "woocommerce", "judgeme", "generic")
WEBHOOK_SECRET_PARAMETER = "/courteous/webhook-secrets/{shop_id}/{platform}"  # noqa: S105
SETTINGS_PARAMETER = "/courteous/shops/{shop_id}/settings"


def local_shop_settings(shop_id: str, **settings: Any) -> dict[str, Any]:
    """A local shop's settings, naming the stores the local webhooks come from."""
    return {
        "shop_name": shop_id,
        "shopify_domain": shopify_domain(shop_id),
        "woocommerce_site_url": woocommerce_site(shop_id),
        **settings,
    }


def seed_shop(stack: LocalStack, shop_id: str, secret: str, **settings: Any) -> None:
    """The shop's secret for every platform and its settings, in local Parameter Store."""
    for platform in PLATFORMS:
        stack.put_parameter(
            WEBHOOK_SECRET_PARAMETER.format(shop_id=shop_id, platform=platform), secret
        )
    stack.put_parameter(
        SETTINGS_PARAMETER.format(shop_id=shop_id),
        json.dumps(local_shop_settings(shop_id, **settings)),
        secure=False,
    )


def decision_line(row: DecisionRow) -> str:
    local = row.local_time.strftime("%a %H:%M")
    order = f" order {row.order_id}" if row.order_id else ""
    line = (
        f"{row.at:%Y-%m-%d %H:%M}Z  {local:<9} {row.zone:<22} {row.kind:<18} "
        f"{row.channel:<5} {row.action.upper():<8} {row.reason}{order}"
    )
    if row.not_before is not None:
        line += f" -> {row.not_before:%Y-%m-%d %H:%M}Z"
    return line


MAX_ADVANCE = timedelta(days=366)


def advance_by(query: dict[str, list[str]]) -> timedelta:
    """How far `/_local/advance?minutes=M&hours=H` moves the clock: forward only."""
    total = timedelta(0)
    for unit in ("minutes", "hours"):
        for text in query.get(unit, []):
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{unit}: not a number: {text[:20]!r}") from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{unit}: time only moves forward (0 or more), not {text[:20]!r}")
            total += timedelta(**{unit: value})
    if total > MAX_ADVANCE:
        raise ValueError(f"at most {MAX_ADVANCE.days} days at a time")
    return total


class Server:
    def __init__(
        self,
        stack: LocalStack,
        port: int,
        speed: float,
        out: Callable[[str], None] = print,
    ) -> None:
        self.stack = stack
        self.speed = speed
        self._out = out
        self._seen: set[str] = set()
        self._wall0 = datetime.now(UTC)
        self._virtual0 = stack.clock()
        self._offset = timedelta(0)
        self._stop = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self.port = int(self.httpd.server_address[1])

    # ---------------------------------------------------------------- time
    def _target_time(self) -> datetime:
        elapsed = (datetime.now(UTC) - self._wall0) * self.speed
        return self._virtual0 + elapsed + self._offset

    def tick(self) -> None:
        self.stack.advance_to(self._target_time())
        self.report()

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
        self.tick()
        self.stack.save_clock(self.speed)

    def report(self) -> list[DecisionRow]:
        assert self.stack.resources is not None and self.stack.clients is not None
        rows = read_decisions(self.stack.clients("dynamodb"), self.stack.resources.ref("GateTable"))
        new = [row for row in rows if row.request_id + row.at.isoformat() not in self._seen]
        for row in new:
            self._seen.add(row.request_id + row.at.isoformat())
            self._out(decision_line(row))
        return rows

    def announce(self) -> None:
        """Anything this server adds to the banner."""

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> HttpResponse:
        """One request through the stack's HTTP APIs."""
        return self.stack.request(method, path, headers=headers, body=body, source_ip=source_ip)

    def _ticker(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.tick()
            except Exception as exc:
                self._out(f"local stack error: {exc!r}")

    # ---------------------------------------------------------------- http
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                server._out(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}")

            def _respond(self, status: int, headers: dict[str, str], body: str) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                for name, value in headers.items():
                    if name not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _local(self, parts: Any) -> None:
                if parts.path == "/_local/advance" and self.command == "POST":
                    try:
                        delta = advance_by(parse_qs(parts.query))
                    except ValueError as exc:
                        body = {"message": str(exc)}
                        self._respond(400, {"content-type": "application/json"}, json.dumps(body))
                        return
                    server.advance(delta)
                    body = {"now": server.stack.clock().isoformat()}
                    self._respond(200, {"content-type": "application/json"}, json.dumps(body))
                elif parts.path == "/_local/now" and self.command == "GET":
                    body = {"now": server.stack.clock().isoformat()}
                    self._respond(200, {"content-type": "application/json"}, json.dumps(body))
                elif parts.path == "/_local/decisions" and self.command == "GET":
                    rows = [row.as_json() for row in server.report()]
                    self._respond(200, {"content-type": "application/json"}, json.dumps(rows))
                else:
                    self._respond(404, {"content-type": "application/json"}, '{"message":"no"}')

            def _any(self) -> None:
                parts = urlsplit(self.path)
                if parts.path.startswith("/_local/"):
                    self._local(parts)
                    return
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name: value for name, value in self.headers.items()}
                segments = parts.path.strip("/").split("/")
                if len(segments) == 3 and segments[0] == "webhooks":
                    server.stack.add_shop(segments[2])
                response = server.forward(
                    self.command, self.path, headers, body, self.client_address[0]
                )
                self._respond(response.status, response.headers, response.body)
                server.report()

            do_GET = do_POST = do_PUT = do_DELETE = _any

        return Handler

    def serve_forever(self) -> None:
        ticker = threading.Thread(target=self._ticker, daemon=True)
        ticker.start()
        self.stack.save_clock(self.speed)
        try:
            with stop_on_sigterm():
                self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self._stop.set()
            ticker.join()
            self.httpd.server_close()


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the server as Ctrl-C does, so the stack (and DynamoDB Local with
    it) is shut down on the way out instead of being left running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_server(
    port: int,
    shops: tuple[str, ...],
    secret: str,
    speed: float,
    start: datetime | None = None,
    out: Callable[[str], None] | None = None,
    realtime: bool = False,
    log_path: Path | None = None,
    server_class: type[Server] | None = None,
    prepare: Callable[[LocalStack], None] | None = None,
) -> None:
    """The stack and its server until Ctrl-C or SIGTERM; the functions' own log lines
    (JSON) go to `log_path` (default `.courteous/serve-functions.log`), not the terminal."""
    terminal = sys.stdout
    say = out or (lambda line: print(line, file=terminal, flush=True))
    path = log_path or Path(".courteous") / "serve-functions.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as log, function_logs_to(log):
        _run_server(
            port, shops, secret, speed, start, say, realtime, path, server_class or Server, prepare
        )


def _run_server(
    port: int,
    shops: tuple[str, ...],
    secret: str,
    speed: float,
    start: datetime | None,
    out: Callable[[str], None],
    realtime: bool,
    log_path: Path,
    server_class: type[Server],
    prepare: Callable[[LocalStack], None] | None,
) -> None:
    stack = LocalStack(
        start or datetime.now(UTC), state_root=Path.cwd(), shops=shops, realtime=realtime
    )
    with stack:
        for shop in shops:
            seed_shop(stack, shop, secret)
        if prepare is not None:
            prepare(stack)
        server = server_class(stack, port, speed, out)
        out(f"courteous local stack on http://127.0.0.1:{server.port} (Ctrl-C stops it)")
        out(f"  the functions' own logs: {log_path}")
        server.announce()
        assert stack.dynamodb is not None
        out(f"  DynamoDB: {stack.dynamodb.name}  {stack.dynamodb.note}".rstrip())
        for shop in shops:
            for platform in PLATFORMS:
                out(f"  POST http://127.0.0.1:{server.port}/webhooks/{platform}/{shop}")
            out(
                f"  {shop}: X-Shopify-Shop-Domain: {shopify_domain(shop)}, "
                f"X-WC-Webhook-Source: {woocommerce_site(shop)}"
            )
        out(f"  webhook secret for every shop and platform: {secret}")
        out(f"  jump ahead: curl -X POST 'http://127.0.0.1:{server.port}/_local/advance?hours=1'")
        if realtime:
            out(f"  wall-clock time {stack.clock():%Y-%m-%d %H:%M}Z (--realtime)")
        else:
            out(f"  virtual time {stack.clock():%Y-%m-%d %H:%M}Z, running at {speed:g}x")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            out("stopping")
