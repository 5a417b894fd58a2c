"""The console's pages and the admin API beside them (same data, JSON)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from courteous.flows.settings import ShopSettings
from courteous.gate.policy import PolicyError
from courteous.messages import Channel
from courteous.rendering.renderer import LOCALES
from courteous_console import forms
from courteous_console.app import Page, Response, route
from courteous_console.backend import LookupError_


def _need_shop(page: Page) -> str | Response:
    shop = page.shop()
    if shop is None:
        if page.request.wants_json:
            return page.json({"message": "name a shop: ?shop=<id>"}, 400)
        return page.render("home.html.j2", message=page.t("error.shop"))
    return shop


# ---------------------------------------------------------------------- shell, home
@route("GET", r"/?", public=True)
def shell(page: Page) -> Response:
    """Deployed, the browser first gets this page without a token (no data in it); its
    script signs in and loads the pages with the token. Locally it is the home page."""
    if page.request.claims is None:
        return page.render("shell.html.j2", signin=True)
    return page.render("home.html.j2")


@route("GET", r"/home")
def home(page: Page) -> Response:
    return page.render("home.html.j2")


# ---------------------------------------------------------------------- a customer
def _customer(page: Page, shop: str, query: str, notice: str | None = None) -> Response:
    if not query:
        return page.render("customer.html.j2", shop=shop, query="", view=None, notice=notice)
    try:
        view = page.backend.lookup(shop, query)
    except LookupError_ as exc:
        problem = page.t(f"customer.{exc}")
        return page.render(
            "customer.html.j2",
            404 if str(exc) == "no_customer" else 400,
            shop=shop,
            query=query,
            view=None,
            problem=problem,
        )
    return page.render(
        "customer.html.j2",
        shop=shop,
        query=query,
        view=view,
        zone=page.backend.zone(shop),
        notice=notice,
    )


@route("GET", r"/customer")
def customer(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    return _customer(page, shop, page.request.query.get("q", "").strip())


@route("POST", r"/customer/opt-out")
def opt_out(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    query = page.request.form.get("q", "").strip()
    try:
        channel = Channel(page.request.form.get("channel", ""))
    except ValueError:
        return _customer(page, shop, query)
    try:
        page.backend.opt_out(shop, query, channel)
    except LookupError_ as exc:
        return page.render(
            "customer.html.j2",
            400,
            shop=shop,
            query=query,
            view=None,
            problem=page.t(f"customer.{exc}"),
        )
    return _customer(page, shop, query, notice=page.t("customer.opted_out_now"))


@route("GET", r"/api/customer")
def api_customer(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    try:
        view = page.backend.lookup(shop, page.request.query.get("q", ""))
    except LookupError_ as exc:
        return page.json({"message": str(exc)}, 404 if str(exc) == "no_customer" else 400)
    return page.json(
        {
            "shop_id": shop,
            "found_by": view.found_by,
            "customer_id": view.profile.customer_id if view.profile else None,
            "contacts": [
                {
                    "channel": contact.channel.value,
                    "opted_out": sorted(c.value for c in contact.ledger.opted_out),
                    "consent": {k.value: v for k, v in contact.ledger.consent.items()},
                }
                for contact in view.contacts
            ],
            "decisions": [entry.as_json() for entry in view.decisions],
        }
    )


@route("POST", r"/api/customer/opt-out")
def api_opt_out(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    try:
        body = page.request.json_body()
        channel = Channel(str(body.get("channel")))
        view = page.backend.opt_out(shop, str(body.get("q", "")), channel)
    except (ValueError, AttributeError):
        return page.json({"message": "give q and channel (sms or email)"}, 400)
    except LookupError_ as exc:
        return page.json({"message": str(exc)}, 400)
    return page.json(
        {"opted_out": [c.channel.value for c in view.contacts if channel in c.ledger.opted_out]}
    )


# ---------------------------------------------------------------------- today
@route("GET", r"/today")
def today(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    zone, now, hours = page.backend.today(shop)
    return page.render(
        "today.html.j2",
        shop=shop,
        zone=zone,
        now=now,
        hours=hours,
        timers_unreadable=page.backend.timers_unreadable,
    )


@route("GET", r"/api/today")
def api_today(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    zone, now, hours = page.backend.today(shop)
    return page.json(
        {
            "shop_id": shop,
            "zone": zone,
            "now": now.isoformat(),
            "hours": [
                {"hour": hour.isoformat(), "items": [item.as_json() for item in items]}
                for hour, items in hours
            ],
        }
    )


# ---------------------------------------------------------------------- a day
def _day(page: Page, shop: str) -> date | None:
    text = page.request.query.get("day", "").strip()
    if not text:
        today: date = page.backend.shop_today(shop)
        return today
    try:
        day: date = date.fromisoformat(text)
    except ValueError:
        return None
    return day


@route("GET", r"/report")
def report(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    day = _day(page, shop)
    if day is None:
        day = page.backend.shop_today(shop)
    return page.render("report.html.j2", shop=shop, report=page.backend.report(shop, day))


@route("GET", r"/api/report")
def api_report(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    day = _day(page, shop)
    if day is None:
        return page.json({"message": "day: YYYY-MM-DD"}, 400)
    return page.json(page.backend.report(shop, day).as_json())


# ---------------------------------------------------------------------- settings, policy
def _stored_policy(page: Page, shop: str) -> dict[str, Any]:
    text = page.backend.config.policy_text(shop)
    if not text:
        return {"extends": page.backend.settings.default_policy}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return {"extends": data} if isinstance(data, str) else data if isinstance(data, dict) else {}


def _settings_page(page: Page, shop: str, status: int = 200, **context: Any) -> Response:
    current, policy = page.backend.shop(shop)
    stored = _stored_policy(page, shop)
    context.setdefault("settings_fields", forms.settings_fields(shop, current))
    context.setdefault("policy_fields", forms.policy_fields(stored, policy))
    return page.render("settings.html.j2", status, shop=shop, **context)


@route("GET", r"/settings")
def settings(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    return _settings_page(page, shop)


@route("POST", r"/settings")
def save_settings(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    form = page.request.form
    data, unreadable = forms.settings_data(shop, form)
    current, _ = page.backend.shop(shop)
    names = list(ShopSettings.model_fields)
    if unreadable:
        fields = forms.settings_fields(shop, current, form, unreadable)
        return _settings_page(
            page, shop, 422, settings_fields=fields, settings_problems=[page.t("settings.problems")]
        )
    change = page.backend.save_settings(shop, data)
    if change.problems:
        by_field, general = forms.at_field(change.problems.fields, names)
        fields = forms.settings_fields(shop, current, form, by_field)
        return _settings_page(
            page,
            shop,
            422,
            settings_fields=fields,
            settings_problems=[page.t("settings.problems"), *general],
        )
    notice = page.t("settings.saved") if change.changed else page.t("settings.unchanged")
    return _settings_page(page, shop, settings_notice=notice, settings_diff=change.diff())


@route("POST", r"/policy")
def save_policy(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    form = page.request.form
    stored = _stored_policy(page, shop)
    data, unreadable = forms.policy_data(stored, form)
    _, policy = page.backend.shop(shop)
    if unreadable:
        fields = forms.policy_fields(stored, policy, form, unreadable)
        return _settings_page(
            page, shop, 422, policy_fields=fields, policy_problems=[page.t("settings.problems")]
        )
    change = page.backend.save_policy(shop, data)
    if change.problems:
        by_field, general = forms.at_field(change.problems.fields, forms.policy_field_names())
        fields = forms.policy_fields(stored, policy, form, by_field)
        return _settings_page(
            page,
            shop,
            422,
            policy_fields=fields,
            policy_problems=[page.t("settings.problems"), *general],
        )
    notice = page.t("settings.saved") if change.changed else page.t("settings.unchanged")
    return _settings_page(page, shop, policy_notice=notice, policy_diff=change.diff())


@route("GET", r"/api/shops/(?P<shop_id>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})/(?P<what>settings|policy)")
def api_get_config(page: Page, shop_id: str, what: str) -> Response:
    page.request.query["shop"] = shop_id
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    settings_model, policy = page.backend.shop(shop)
    if what == "settings":
        return page.json(settings_model.model_dump(mode="json"))
    return page.json(
        {"stored": _stored_policy(page, shop), "effective": policy.model_dump(mode="json")}
    )


@route("PUT", r"/api/shops/(?P<shop_id>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})/(?P<what>settings|policy)")
def api_put_config(page: Page, shop_id: str, what: str) -> Response:
    page.request.query["shop"] = shop_id
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    try:
        data = page.request.json_body()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return page.json({"message": "the body is not JSON"}, 400)
    if not isinstance(data, dict):
        return page.json({"message": "a JSON object is needed"}, 400)
    try:
        change = (page.backend.save_settings if what == "settings" else page.backend.save_policy)(
            shop, data
        )
    except PolicyError as exc:
        return page.json({"message": str(exc)}, 422)
    if change.problems:
        return page.json(
            {"problems": [{"field": f, "message": m} for f, m in change.problems.fields]}, 422
        )
    return page.json({"changed": change.changed, "diff": change.diff()})


# ---------------------------------------------------------------------- messages
@route("GET", r"/templates")
def templates(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    locale = page.request.query.get("locale") or (
        "zh-CN" if page.language.startswith("zh") else "en"
    )
    if locale not in LOCALES:
        locale = "en"
    previews = page.backend.previews(shop, locale)
    return page.render(
        "templates.html.j2", shop=shop, locale=locale, locales=LOCALES, previews=previews
    )


@route("GET", r"/api/templates")
def api_templates(page: Page) -> Response:
    shop = _need_shop(page)
    if isinstance(shop, Response):
        return shop
    locale = page.request.query.get("locale", "en")
    return page.json([preview.__dict__ for preview in page.backend.previews(shop, locale)])
