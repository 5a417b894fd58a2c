"""The operator's side on moto, resources from template.yaml: shop configuration in SSM
and S3, the audit trail by shop and time, and the console function's pages and admin API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from courteous.audit.trail import AuditTrail
from courteous.gate.decide import decide
from courteous.gate.ledger_state import LedgerState
from courteous.gate.policy import PRESETS
from courteous.gate.store import AuditRecord, GateStore
from courteous.messages import Channel, Kind, MessageRequest, Recipient
from courteous.recipients.identity import recipient_key
from courteous.rendering.overrides import S3Templates
from courteous.rendering.renderer import TemplateRenderer
from courteous.shops.config import ShopConfig
from courteous_console.app import handle, parse_event
from courteous_console.backend import Backend
from courteous_console.settings import ConsoleSettings
from courteous_local.provision import Provisioned
from tests.integration.conftest import CONTACT_HASH_KEY

NIGHT_IN_SHANGHAI = datetime(2026, 11, 17, 15, 30, tzinfo=UTC)
PHONE = "+8613700137000"


def config(stack: Provisioned) -> ShopConfig:
    return ShopConfig(boto3.client("ssm"), boto3.client("s3"), stack.ref("TemplateBucket"))


def test_settings_are_validated_written_and_their_difference_shown(stack: Provisioned) -> None:
    shop = config(stack)
    # When a setting that is not a duration is put
    refused = shop.put_settings("lotus-tea", '{"reminder_delay": "soon"}')
    # Then nothing is written and the field is named
    assert refused.problems.by_field().keys() == {"reminder_delay"}
    assert shop.settings_text("lotus-tea") is None
    # When a valid one is put, it is stored, and the change says what moved
    change = shop.put_settings("lotus-tea", '{"reminder_delay": "PT45M", "zone": "Asia/Shanghai"}')
    assert not change.problems and change.changed
    assert '+  "reminder_delay": "PT45M"' in change.diff()
    assert shop.settings("lotus-tea").reminder_delay == timedelta(minutes=45)
    assert not shop.put_settings(
        "lotus-tea", '{"zone": "Asia/Shanghai", "reminder_delay": "PT45M"}'
    ).changed
    assert shop.shops() == ["lotus-tea"]


def test_a_policy_is_refused_whole_with_its_fields(stack: Provisioned) -> None:
    change = config(stack).put_policy("lotus-tea", '{"extends": "cn", "sms_segment_limit": 40}')
    assert dict(change.problems.fields).keys() == {"sms_segment_limit"}
    assert config(stack).policy_text("lotus-tea") is None


def test_a_webhook_secret_is_a_secure_string_apart_from_the_settings(stack: Provisioned) -> None:
    shop = config(stack)
    assert shop.put_secret("lotus-tea", "shopify", "short").problems
    change = shop.put_secret("lotus-tea", "shopify", "shpss_0123456789abcdef")
    assert (
        change.diff(redact=True)
        == "/courteous/webhook-secrets/lotus-tea/shopify: set (value hidden)"
    )
    stored = boto3.client("ssm").get_parameter(Name="/courteous/webhook-secrets/lotus-tea/shopify")
    assert stored["Parameter"]["Type"] == "SecureString"


def test_templates_go_to_the_shops_prefix_and_reach_the_renderer(stack: Provisioned) -> None:
    shop = config(stack)
    refused = shop.put_templates("lotus-tea", {"payment_reminders/en/sms.j2": b"x"})
    assert refused[0].problems
    files = {"payment_reminder/en/sms.j2": b"{{ shop.name }}: please pay {{ order_number }}."}
    (change,) = shop.put_templates("lotus-tea", files)
    assert change.before is None and shop.templates("lotus-tea") == files
    renderer = TemplateRenderer(s3=S3Templates(boto3.client("s3"), stack.ref("TemplateBucket")))
    request = MessageRequest(
        kind=Kind.PAYMENT_REMINDER,
        channel=Channel.SMS,
        recipient=Recipient(shop_id="lotus-tea", phone=PHONE, zone="Asia/Shanghai"),
        data={
            "shop": {"name": "Lotus Tea", "domain": "lotus-tea.example.cn"},
            "order_number": "#1001",
            "amount": {"amount": "168", "currency": "CNY"},
            "tier": "vip",
        },
        created_at=NIGHT_IN_SHANGHAI,
    )
    assert renderer.render(request, PRESETS["cn"]).text.startswith("Lotus Tea: please pay #1001.")
    # Removing a file deletes it
    shop.put_templates("lotus-tea", {})
    assert shop.templates("lotus-tea") == {}


def record(stack: Provisioned, at: datetime, shop: str = "lotus-tea") -> None:
    request = MessageRequest(
        kind=Kind.PAYMENT_REMINDER,
        channel=Channel.SMS,
        recipient=Recipient(shop_id=shop, phone=PHONE, zone="Asia/Shanghai"),
        data={},
        order_id="1001",
        created_at=at,
    )
    decision = decide(PRESETS["cn"], LedgerState(), request, at)
    key = recipient_key(CONTACT_HASH_KEY.encode(), shop, PHONE)
    GateStore(boto3.client("dynamodb"), stack.ref("GateTable")).record(
        AuditRecord(key, request, decision)
    )


def test_the_audit_index_answers_a_shops_decisions_between_two_instants(stack: Provisioned) -> None:
    for hours in (0, 1, 30):
        record(stack, NIGHT_IN_SHANGHAI + timedelta(hours=hours))
    record(stack, NIGHT_IN_SHANGHAI, shop="another-shop")
    trail = AuditTrail(boto3.client("dynamodb"), stack.ref("GateTable"))
    found = trail.between("lotus-tea", NIGHT_IN_SHANGHAI, NIGHT_IN_SHANGHAI + timedelta(hours=2))
    assert [entry.decided_at for entry in found] == [
        NIGHT_IN_SHANGHAI,
        NIGHT_IN_SHANGHAI + timedelta(hours=1),
    ]
    assert {entry.reason for entry in found} == {"quiet_hours"}


def event(
    method: str,
    path: str,
    query: str = "",
    claims: dict[str, Any] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"http": {"method": method, "path": path}}
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    built: dict[str, Any] = {
        "rawPath": path,
        "rawQueryString": query,
        "headers": {},
        "requestContext": context,
    }
    if body is not None:
        built["body"] = body
    return built


@pytest.fixture
def backend(stack: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Backend:
    for name, value in stack.functions["ConsoleFunction"].environment.items():
        monkeypatch.setenv(name, value)
    config(stack).put_settings("lotus-tea", '{"zone": "Asia/Shanghai"}')
    config(stack).put_settings("another-shop", "{}")
    return Backend(ConsoleSettings.from_env(), boto3.client, lambda: NIGHT_IN_SHANGHAI)


OPERATOR = {"cognito:groups": "[operators]"}


def test_the_console_answers_only_signed_in_people_and_only_for_their_shops(
    backend: Backend,
) -> None:
    auth: dict[str, str | None] = {"region": "us-east-1", "client_id": "c"}
    # Without the authoriser's claims: the sign-in page only, and no data anywhere else
    shell = handle(parse_event(event("GET", "/console")), backend, auth)
    assert shell.status == 200 and "lotus-tea" not in str(shell.body)
    assert handle(parse_event(event("GET", "/console/home")), backend, auth).status == 401
    # One shop's staff cannot see another shop
    staff = {"cognito:groups": "[shop-another-shop]"}
    other = handle(
        parse_event(event("GET", "/console/api/report", "shop=lotus-tea", staff)), backend, auth
    )
    assert other.status == 403


def test_the_admin_api_reports_a_day_and_refuses_a_bad_setting_at_its_field(
    stack: Provisioned, backend: Backend
) -> None:
    auth: dict[str, str | None] = {"region": None, "client_id": None}
    record(stack, NIGHT_IN_SHANGHAI)
    answer = handle(
        parse_event(event("GET", "/console/api/report", "shop=lotus-tea&day=2026-11-17", OPERATOR)),
        backend,
        auth,
    )
    report = json.loads(str(answer.body))
    assert answer.status == 200 and report["total"] == 1
    assert report["counts"] == [
        {"kind": "payment_reminder", "action": "defer", "reason": "quiet_hours", "count": 1}
    ]
    refused = handle(
        parse_event(
            event(
                "PUT",
                "/console/api/shops/lotus-tea/settings",
                claims=OPERATOR,
                body='{"max_apologies": 9}',
            )
        ),
        backend,
        auth,
    )
    assert refused.status == 422
    assert json.loads(str(refused.body))["problems"][0]["field"] == "max_apologies"
