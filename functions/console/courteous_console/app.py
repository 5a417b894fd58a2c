"""Requests in, pages and admin answers out: routing, who may see which shop, languages.

A page is a route, a view function and a template; the navigation is one list
(`NAV`). Adding a page (campaigns, say) is one entry there, one `@route`, one template
and its words in `i18n.py`. Every route under /console/api answers JSON for the same
data the pages show.

Who is asking comes from the JWT authoriser's claims (deployed) or from the local
stack, which plays API Gateway's part: `cognito:groups` holding `operators` sees every
shop, `shop-<id>` that shop. A request without claims reaches only the sign-in shell
and the static files.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from courteous.audit.words import words
from courteous.errors import RetryableError
from courteous.recipients.zones import zones_label
from courteous_console import i18n

PACKAGE = Path(__file__).resolve().parent
STATIC = PACKAGE / "static"
PREFIX = "/console"
_SHOP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# (page name, words key): the pages in the navigation, in order.
NAV: list[tuple[str, str]] = [
    ("customer", "nav.customer"),
    ("today", "nav.today"),
    ("report", "nav.report"),
    ("settings", "nav.settings"),
    ("templates", "nav.templates"),
]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    claims: dict[str, Any] | None
    body: bytes = b""

    @property
    def language(self) -> str:
        return i18n.pick_language(
            self.cookies.get("console_lang"), self.headers.get("accept-language")
        )

    @property
    def wants_json(self) -> bool:
        return self.path.startswith(f"{PREFIX}/api/")

    def json_body(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Response:
    status: int
    body: str | bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def as_http_api(self) -> dict[str, Any]:
        import base64

        headers = {
            "content-type": self.content_type,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "content-security-policy": "default-src 'self'; script-src 'self'; "
            "style-src 'self'; img-src 'self' data:; connect-src 'self' https:; "
            "frame-ancestors 'none'; form-action 'self'",
            **self.headers,
        }
        if isinstance(self.body, bytes):
            return {
                "statusCode": self.status,
                "headers": headers,
                "body": base64.b64encode(self.body).decode(),
                "isBase64Encoded": True,
            }
        return {"statusCode": self.status, "headers": headers, "body": self.body}


class Forbidden(Exception):
    pass


def allowed_shops(claims: dict[str, Any] | None) -> frozenset[str] | None:
    """None: every shop; else the shops the signed-in person's groups name."""
    if claims is None:
        return frozenset()
    groups = claims.get("cognito:groups", "")
    if isinstance(groups, str):
        # HTTP API hands a list claim over as "[a b]".
        names = groups.strip("[]").replace(",", " ").split()
    else:
        names = [str(group) for group in groups]
    if "operators" in names:
        return None
    return frozenset(name[len("shop-") :] for name in names if name.startswith("shop-"))


View = Callable[..., Response]
ROUTES: list[tuple[str, re.Pattern[str], View, bool]] = []


def route(method: str, pattern: str, *, public: bool = False) -> Callable[[View], View]:
    """Register a view for `method` on `pattern` (a regex on the path after /console)."""

    def register(view: View) -> View:
        ROUTES.append((method, re.compile(f"^{PREFIX}{pattern}$"), view, public))
        return view

    return register


_environment: Environment | None = None


def shop_time(instant: datetime, zone: str | None, pattern: str = "%a %d %b %H:%M") -> str:
    """An instant in the shop's zone, as every page shows times."""
    local = instant.astimezone(ZoneInfo(zone)) if zone else instant
    return local.strftime(pattern)


def environment() -> Environment:
    global _environment
    if _environment is None:
        _environment = Environment(
            loader=FileSystemLoader(PACKAGE / "templates"),
            autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _environment.globals.update(words=words, zones_label=zones_label, nav=NAV, prefix=PREFIX)
        _environment.filters["shoptime"] = shop_time
    return _environment


@dataclass
class Page:
    """What every view gets: the request, the domain calls, and the page's helpers."""

    request: Request
    backend: Any
    shops: list[str]
    auth: dict[str, str | None]

    @property
    def language(self) -> str:
        return self.request.language

    def t(self, key: str) -> str:
        return i18n.text(self.language, key)

    def url(self, page: str, **params: Any) -> str:
        kept = {key: value for key, value in params.items() if value not in (None, "")}
        return f"{PREFIX}/{page}" + (f"?{urlencode(kept)}" if kept else "")

    def shop(self) -> str | None:
        """The shop the request names, if this person may see it."""
        shop = self.request.query.get("shop") or self.request.form.get("shop")
        if not shop:
            return self.shops[0] if len(self.shops) == 1 else None
        if not _SHOP.match(shop) or shop not in self.shops:
            raise Forbidden(shop)
        return shop

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        page = environment().get_template(template)
        body = page.render(
            t=self.t,
            lang=self.language,
            url=self.url,
            shops=self.shops,
            current_shop=context.pop("shop", None),
            current=template.removesuffix(".html.j2"),
            field_label=lambda name: i18n.field_label(self.language, name),
            auth=self.auth,
            **context,
        )
        return Response(status, body)

    def json(self, value: Any, status: int = 200) -> Response:
        return Response(
            status,
            json.dumps(value, ensure_ascii=False, default=str),
            "application/json; charset=utf-8",
        )


def parse_event(event: dict[str, Any]) -> Request:
    """An API Gateway HTTP API (payload 2.0) event as a `Request`."""
    import base64

    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode()
    form: dict[str, str] = {}
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    cookies: dict[str, str] = {}
    for text in event.get("cookies") or [headers.get("cookie", "")]:
        cookies.update(_cookies(str(text)))
    claims = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get(
        "claims"
    )
    return Request(
        method=str((event.get("requestContext") or {}).get("http", {}).get("method", "GET")),
        path=str(event.get("rawPath") or "/"),
        query=dict(parse_qsl(str(event.get("rawQueryString") or ""), keep_blank_values=True)),
        form=form,
        headers=headers,
        cookies=cookies,
        claims=claims if isinstance(claims, dict) else None,
        body=raw,
    )


def _cookies(text: str) -> dict[str, str]:
    """name=value pairs of a Cookie header; a malformed one is ignored, as browsers do."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(text)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def static(path: str) -> Response:
    name = path.removeprefix(f"{PREFIX}/static/")
    if "/" in name or name.startswith(".") or not (STATIC / name).is_file():
        return Response(404, "not found", "text/plain; charset=utf-8")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith("javascript"):
        return Response(
            200,
            (STATIC / name).read_text("utf-8"),
            f"{kind}; charset=utf-8",
            {"cache-control": "max-age=300"},
        )
    return Response(200, (STATIC / name).read_bytes(), kind)


def handle(request: Request, backend: Any, auth: dict[str, str | None]) -> Response:
    from courteous_console import views  # noqa: F401 - registers the routes

    if request.path.startswith(f"{PREFIX}/static/") and request.method == "GET":
        return static(request.path)
    allowed = allowed_shops(request.claims)
    for method, pattern, view, public in ROUTES:
        match = pattern.match(request.path)
        if not match or method != request.method:
            continue
        if request.claims is None and not public:
            return Response(401, '{"message":"Unauthorized"}', "application/json")
        shops: list[str] = []
        if request.claims is not None:
            try:
                every = backend.shops()
            except RetryableError:
                every = []
            shops = [shop for shop in every if allowed is None or shop in allowed]
        page = Page(request, backend, shops, auth)
        try:
            return view(page, **match.groupdict())
        except Forbidden:
            if request.wants_json:
                return page.json({"message": "forbidden"}, 403)
            return page.render("error.html.j2", 403, message=page.t("error.forbidden"))
        except RetryableError:
            if request.wants_json:
                return page.json({"message": "try again"}, 503)
            return page.render("error.html.j2", 503, message=page.t("error.stale"))
    page = Page(request, backend, [], auth)
    if request.wants_json:
        return page.json({"message": "not found"}, 404)
    return page.render("error.html.j2", 404, message=page.t("error.not_found"))
