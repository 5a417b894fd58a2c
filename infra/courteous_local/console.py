"""`courteous console`: the operator's console on 127.0.0.1, over the local stack.

The console is the deployed `ConsoleFunction`, reached through the local stack's HTTP
API emulation exactly as API Gateway would pass requests on; this server plays the
JWT authoriser's part for the one person at this machine (an operator who sees every
shop). It answers only on loopback, refuses other Host names (a page elsewhere cannot
rebind a name to 127.0.0.1 and read it) and cross-site form posts. The webhook API
and `/_local/*` are served beside it, as `courteous serve` does, and `--scenario`
replays a scenario first so there is something to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from courteous_local.serve import Server, run_server
from courteous_local.stack import HttpResponse, LocalStack

PREFIX = "/console"
# What the local stand-in for the authoriser says about the person at this machine.
LOCAL_OPERATOR: dict[str, Any] = {
    "sub": "local-operator",
    "email": "operator@localhost",
    "cognito:groups": "[operators]",
}


class ConsoleServer(Server):
    def _hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def announce(self) -> None:
        self._out(f"  console: http://127.0.0.1:{self.port}{PREFIX}/home")

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> HttpResponse:
        parts = urlsplit(path)
        if parts.path in ("", "/", PREFIX, f"{PREFIX}/"):
            return HttpResponse(302, {"location": f"{PREFIX}/home"}, "")
        if not parts.path.startswith(f"{PREFIX}/"):
            return super().forward(method, path, headers, body, source_ip)
        lowered = {name.lower(): value for name, value in headers.items()}
        if lowered.get("host") not in self._hosts():
            return HttpResponse(421, {"content-type": "text/plain"}, "wrong host")
        origin = lowered.get("origin")
        if method != "GET" and origin is not None and urlsplit(origin).netloc not in self._hosts():
            return HttpResponse(403, {"content-type": "text/plain"}, "cross-site request")
        return self.stack.request(
            method, path, headers=headers, body=body, source_ip=source_ip, claims=LOCAL_OPERATOR
        )


def replayer(
    name: str, say: Callable[[str], None]
) -> tuple[datetime, Callable[[LocalStack], None]]:
    """Where the clock starts, and what fills the stack: the scenario's webhooks and
    timers run as `courteous demo` runs them."""
    from courteous_local.demo import Driver, load_scenario

    scenario = load_scenario(name)

    def replay(stack: LocalStack) -> None:
        driver = Driver(scenario, stack, lambda line: None)
        driver.set_up_shops()
        for shop in scenario.shops:
            stack.add_shop(shop)
        for step in sorted(scenario.steps, key=lambda s: s.at):
            stack.advance_to(step.at)
            driver.perform(step)
        stack.advance_to(scenario.end)
        say(
            f"  replayed {scenario.name}: {len(driver.deliveries)} webhooks,"
            f" clock at {scenario.end:%a %d %b %H:%M}Z"
        )

    return scenario.start, replay


def run_console(
    port: int,
    shops: tuple[str, ...],
    secret: str,
    speed: float,
    scenario: str | None,
    say: Callable[[str], None],
) -> None:
    start, prepare = (None, None) if scenario is None else replayer(scenario, say)
    run_server(
        port,
        shops,
        secret,
        speed,
        start,
        out=say,
        server_class=ConsoleServer,
        prepare=prepare,
    )
