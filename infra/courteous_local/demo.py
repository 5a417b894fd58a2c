"""`courteous demo`: a multi-day scenario replayed through the local stack in seconds.

The scenario (`events/scenarios/*.json`) says who the shops and customers are and what
happens when; the driver turns each step into the webhook the shop's platform would
send (signed with the shop's secret, or forged, or delivered twice), posts it to the
local HTTP API, and lets the virtual clock run so that reminders, deferred messages and
late-parcel checks fire when they are due. What the gate decided is read back from its
audit trail: a timeline in each recipient's local time, a summary, an HTML report, or
(`--json`) the decisions as one JSON list.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from courteous.gate.calendar import OpenHours
from courteous.gate.decide import Reason
from courteous.gate.policy import PRESETS, Policy
from courteous.messages import MessageClass, Recipient
from courteous.recipients.identity import recipient_key
from courteous.recipients.zones import resolve_zones
from courteous_local import webhooks as wh
from courteous_local.decisions import DecisionRow, read_decisions
from courteous_local.inprocess import function_logs_to
from courteous_local.report import ZoneStrip, render_report, write_report
from courteous_local.serve import WEBHOOK_SECRET_PARAMETER
from courteous_local.stack import LOCAL_CONTACT_KEY, HttpResponse, LocalStack

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "events" / "scenarios"
POLICY_PARAMETER = "/courteous/shops/{shop_id}/policy"
SETTINGS_PARAMETER = "/courteous/shops/{shop_id}/settings"


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShopSpec(_Spec):
    platform: Literal["shopify", "woocommerce", "generic"]
    policy: str
    name: str
    domain: str
    settings: dict[str, Any] = {}


class PersonSpec(_Spec):
    shop: str
    customer_id: str
    first_name: str
    label: str
    country: str
    region: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None
    locale: str | None = None
    tier: str | None = None
    zone: str | None = None
    birthday: str | None = None
    sms_marketing: str | None = None
    sms_service: str | None = None
    email_marketing: str | None = None
    email_service: str | None = None


class OrderSpec(_Spec):
    person: str
    order_id: str
    number: str
    currency: str
    lines: list[tuple[str, int, str, str | None]]


class StepSpec(_Spec):
    at: AwareDatetime
    do: Literal[
        "import_customers",
        "order_created",
        "order_paid",
        "order_cancelled",
        "order_shipped",
        "order_delivered",
        "refund_requested",
        "customer_consent",
    ]
    note: str | None = None
    shop: str | None = None
    order: str | None = None
    person: str | None = None
    paid: bool = False
    forged: bool = False
    duplicate: bool = False
    carrier: str | None = None
    tracking: str | None = None
    url: str | None = None
    origin: str | None = None
    amount: str | None = None
    returned: bool = False
    sms_marketing: str | None = None
    email_marketing: str | None = None


class Scenario(_Spec):
    name: str
    description: str
    start: AwareDatetime
    end: AwareDatetime
    shops: dict[str, ShopSpec]
    people: dict[str, PersonSpec]
    orders: dict[str, OrderSpec]
    steps: list[StepSpec]

    def policy_of(self, shop_id: str) -> Policy:
        return PRESETS[self.shops[shop_id].policy]


def load_scenario(name_or_path: str) -> Scenario:
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIOS_DIR / f"{name_or_path}.json"
    return Scenario.model_validate_json(path.read_text(encoding="utf-8"))


@dataclass
class Delivery:
    """One webhook the driver posted and what the API answered."""

    at: datetime
    shop: str
    topic: str
    status: int
    note: str
    body: str


@dataclass
class DemoResult:
    scenario: Scenario
    rows: list[DecisionRow]
    deliveries: list[Delivery]
    labels: dict[str, str]
    zones: dict[str, str]
    failures: list[str] = field(default_factory=list)
    report: Path | None = None
    segments: list[dict[str, Any]] = field(default_factory=list)

    def quiet_hour_sends(self) -> list[DecisionRow]:
        """SENDs inside a quiet window of any of the recipient's zones (never urgent)."""
        found = []
        for row in self.rows:
            if row.action != "send" or row.reason == Reason.URGENT.value:
                continue
            shop_policy = self.scenario.policy_of(row.shop_id)
            rule = shop_policy.classes[MessageClass(row.message_class)]
            hours = OpenHours(rule, row.zones, shop_policy.holiday_country)
            if not hours.is_open(row.at):
                found.append(row)
        return found

    def summary(self) -> list[str]:
        actions = Counter(row.action for row in self.rows)
        reasons = Counter(f"{row.action}:{row.reason}" for row in self.rows)
        statuses = Counter(delivery.status for delivery in self.deliveries)
        lines = [
            f"{len(self.rows)} decisions: {actions['send']} sent, {actions['defer']} deferred, "
            f"{actions['suppress']} suppressed",
            "by reason: " + ", ".join(f"{key} {n}" for key, n in sorted(reasons.items())),
            f"{len(self.deliveries)} webhooks: "
            + ", ".join(f"HTTP {status} x{n}" for status, n in sorted(statuses.items())),
            f"sends inside a recipient's quiet hours: {len(self.quiet_hour_sends())}",
        ]
        if self.failures:
            lines.append(f"function failures: {len(self.failures)} (see the log above)")
        return lines


def _person(spec: PersonSpec) -> wh.Person:
    return wh.Person(
        customer_id=spec.customer_id,
        first_name=spec.first_name,
        country=spec.country,
        region=spec.region,
        city=spec.city,
        phone=spec.phone,
        email=spec.email,
        locale=spec.locale,
        tier=spec.tier,
    )


def _order(scenario: Scenario, key: str, created_at: datetime) -> tuple[wh.Order, str]:
    spec = scenario.orders[key]
    person = scenario.people[spec.person]
    lines = tuple(
        wh.Line(title, quantity, Decimal(price), product_kind=kind)
        for title, quantity, price, kind in spec.lines
    )
    order = wh.Order(spec.order_id, spec.number, _person(person), spec.currency, lines, created_at)
    return order, person.shop


class Driver:
    def __init__(self, scenario: Scenario, stack: LocalStack, say: Callable[[str], None]) -> None:
        self.scenario = scenario
        self.stack = stack
        self.say = say
        self.deliveries: list[Delivery] = []
        self.created_at: dict[str, datetime] = {}
        self.secrets = {shop: f"demo-secret-{shop}" for shop in scenario.shops}

    # ------------------------------------------------------------------ set-up
    def set_up_shops(self) -> None:
        for shop_id, shop in self.scenario.shops.items():
            self.stack.put_parameter(
                WEBHOOK_SECRET_PARAMETER.format(shop_id=shop_id, platform=shop.platform),
                self.secrets[shop_id],
            )
            self.stack.put_parameter(
                POLICY_PARAMETER.format(shop_id=shop_id),
                json.dumps({"extends": shop.policy}),
                secure=False,
            )
            settings = {
                "shop_name": shop.name,
                "shop_domain": shop.domain,
                # the store whose webhooks are this shop's
                "shopify_domain": wh.shopify_domain(shop_id),
                "woocommerce_site_url": wh.woocommerce_site(shop_id),
                **shop.settings,
            }
            self.stack.put_parameter(
                SETTINGS_PARAMETER.format(shop_id=shop_id), json.dumps(settings), secure=False
            )

    # ------------------------------------------------------------------ steps
    def perform(self, step: StepSpec) -> None:
        if step.do == "import_customers":
            assert step.shop is not None
            self._import(step.shop)
            return
        for hook in self._hooks(step):
            sends = [hook.forged()] if step.forged else [hook] * (2 if step.duplicate else 1)
            for attempt, delivery in enumerate(sends):
                response = self.stack.request(
                    "POST", delivery.path, headers=delivery.headers, body=delivery.body
                )
                note = step.note or ""
                if step.forged:
                    note = "forged signature"
                elif attempt:
                    note = "same delivery again"
                self._record(step, delivery, response, note)

    def _record(self, step: StepSpec, hook: wh.Webhook, response: HttpResponse, note: str) -> None:
        self.deliveries.append(
            Delivery(step.at, hook.shop_id, hook.topic, response.status, note, response.body)
        )
        self.say(
            f"{step.at:%a %d %H:%M}Z  webhook {hook.platform}/{hook.shop_id} {hook.topic}"
            f" -> {response.status}" + (f"  ({note})" if note else "")
        )

    def _import(self, shop_id: str) -> None:
        from courteous.cli import main

        rows = []
        for person in self.scenario.people.values():
            if person.shop != shop_id:
                continue
            rows.append(
                {
                    "customer_id": person.customer_id,
                    "email": person.email or "",
                    "phone": person.phone or "",
                    "first_name": person.first_name,
                    "locale": person.locale or "",
                    "zone": person.zone or "",
                    "birthday": person.birthday or "",
                    "member_tier": person.tier or "",
                    "country": person.country,
                    "region": person.region or "",
                    "sms_marketing": person.sms_marketing or "",
                    "sms_service": person.sms_service or "",
                    "email_marketing": person.email_marketing or "",
                    "email_service": person.email_service or "",
                }
            )
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        assert self.stack.resources is not None
        path = self.stack.work_dir / f"customers-{shop_id}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        table = self.stack.resources.ref("CustomerTable")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["customers", "import", str(path), "--shop", shop_id, "--table", table])
        self.say(
            f"{self.stack.clock():%a %d %H:%M}Z  customers import {shop_id}: {len(rows)} rows"
            f" -> exit {code}"
        )
        if code != 0:
            raise RuntimeError(f"customer import failed: {err.getvalue().strip()}")

    def _hooks(self, step: StepSpec) -> list[wh.Webhook]:
        if step.do == "customer_consent":
            assert step.person is not None
            person = self.scenario.people[step.person]
            shop = self.scenario.shops[person.shop]
            if shop.platform != "shopify":
                raise ValueError("consent changes are sent as Shopify customers/update here")
            payload = wh.shopify_customer_update(
                _person(person),
                at=step.at,
                email_marketing=step.email_marketing,
                sms_marketing=step.sms_marketing,
            )
            key = f"consent-{step.at.isoformat()}"
            secret = self.secrets[person.shop]
            return [wh.shopify(person.shop, secret, "customers/update", payload, key)]
        assert step.order is not None
        created_at = self.created_at.setdefault(step.order, step.at)
        order, shop_id = _order(self.scenario, step.order, created_at)
        platform = self.scenario.shops[shop_id].platform
        builder = {"shopify": self._shopify, "woocommerce": self._woo, "generic": self._generic}
        return [builder[platform](step, order, shop_id)]

    def _shopify(self, step: StepSpec, order: wh.Order, shop_id: str) -> wh.Webhook:
        secret, key = self.secrets[shop_id], f"{step.do}-{order.order_id}"
        if step.do == "order_created":
            payload = wh.shopify_order(order, financial_status="paid" if step.paid else "pending")
            return wh.shopify(shop_id, secret, "orders/create", payload, key)
        if step.do == "order_paid":
            payload = wh.shopify_order(order, financial_status="paid")
            payload["processed_at"] = payload["updated_at"] = step.at.isoformat()
            return wh.shopify(shop_id, secret, "orders/paid", payload, key)
        if step.do == "order_cancelled":
            payload = wh.shopify_order(order)
            payload["cancelled_at"] = payload["updated_at"] = step.at.isoformat()
            return wh.shopify(shop_id, secret, "orders/cancelled", payload, key)
        fulfillment_id = str(int(order.order_id) + 900000)
        if step.do in ("order_shipped", "order_delivered"):
            payload = wh.shopify_fulfillment(
                order,
                fulfillment_id=fulfillment_id,
                at=step.at,
                carrier=step.carrier or "",
                tracking_number=step.tracking or "",
                tracking_url=step.url or "",
                origin=self._origin(step, order),
                shipment_status="delivered" if step.do == "order_delivered" else None,
            )
            topic = "fulfillments/create" if step.do == "order_shipped" else "fulfillments/update"
            return wh.shopify(shop_id, secret, topic, payload, key)
        payload = wh.shopify_refund(
            order,
            refund_id=str(int(order.order_id) + 700000),
            at=step.at,
            amount=Decimal(step.amount or str(order.total)),
            returned=step.returned,
            note=step.note or "",
        )
        return wh.shopify(shop_id, secret, "refunds/create", payload, key)

    @staticmethod
    def _origin(step: StepSpec, order: wh.Order) -> wh.Person | None:
        if step.origin is None:
            return None
        return wh.Person("0", "warehouse", order.person.country, region=step.origin)

    def _woo(self, step: StepSpec, order: wh.Order, shop_id: str) -> wh.Webhook:
        secret, key = self.secrets[shop_id], f"{step.do}-{order.order_id}"
        paid = {"date_paid_gmt": step.at.strftime("%Y-%m-%dT%H:%M:%S")}
        if step.do == "order_created":
            status = "processing" if step.paid else "pending"
            payload = wh.woocommerce_order(
                order, status=status, modified_at=step.at, **(paid if step.paid else {})
            )
            return wh.woocommerce(shop_id, secret, "order.created", payload, key)
        fields: dict[str, Any] = {}
        status = {
            "order_paid": "processing",
            "order_cancelled": "cancelled",
            "order_shipped": "completed",
            "order_delivered": "delivered",
            "refund_requested": "refunded",
        }[step.do]
        if step.do == "order_shipped":
            fields["meta_data"] = [
                wh.woo_tracking(step.carrier or "", step.tracking or "", step.url or "", step.at)
            ]
        if step.do == "refund_requested":
            amount = Decimal(step.amount or str(order.total))
            fields["refunds"] = [
                {"id": int(order.order_id) + 700000, "reason": step.note, "total": str(-amount)}
            ]
        if step.do == "order_paid":
            fields.update(paid)
        payload = wh.woocommerce_order(order, status=status, modified_at=step.at, **fields)
        return wh.woocommerce(shop_id, secret, "order.updated", payload, key)

    def _generic(self, step: StepSpec, order: wh.Order, shop_id: str) -> wh.Webhook:
        person = order.person
        customer = {
            "customer_id": person.customer_id,
            "phone": person.phone,
            "email": person.email,
            "first_name": person.first_name,
            "locale": person.locale,
            "country": person.country,
            "region": person.region,
        }
        detail: dict[str, Any] = {
            "event_id": f"{shop_id}:{step.do}:{order.order_id}",
            "shop_id": shop_id,
            "occurred_at": step.at.isoformat(),
            "order_id": order.order_id,
            "order_number": order.number,
            "customer": {k: v for k, v in customer.items() if v is not None},
        }
        money = {"amount": str(order.total), "currency": order.currency}
        detail_type = {
            "order_created": "OrderCreated",
            "order_paid": "OrderPaid",
            "order_cancelled": "OrderCancelled",
            "order_shipped": "OrderShipped",
            "order_delivered": "OrderDelivered",
            "refund_requested": "RefundRequested",
        }[step.do]
        if step.do == "order_created":
            detail.update(total=money, paid=step.paid)
        elif step.do == "order_paid":
            detail.update(amount=money)
        elif step.do == "order_shipped":
            detail.update(
                carrier=step.carrier,
                tracking_number=step.tracking,
                tracking_url=step.url,
                shipped_at=step.at.isoformat(),
                destination={"country": person.country, "region": person.region},
                origin={"country": person.country, "region": step.origin},
            )
        elif step.do == "order_delivered":
            detail.update(tracking_number=step.tracking, delivered_at=step.at.isoformat())
        elif step.do == "refund_requested":
            detail.update(
                refund_id=f"r-{order.order_id}",
                amount={"amount": step.amount or str(order.total), "currency": order.currency},
                kind="return_and_refund" if step.returned else "refund_only",
            )
        detail = {k: v for k, v in detail.items() if v is not None}
        return wh.generic(shop_id, self.secrets[shop_id], detail_type, detail, step.at)


def recipient_labels(scenario: Scenario) -> tuple[dict[str, str], dict[str, str]]:
    """Recipient key -> "who (channel)", and -> the person's zone when known."""
    labels, zones = {}, {}
    key = LOCAL_CONTACT_KEY.encode()
    for person in scenario.people.values():
        for channel, contact in (("sms", person.phone), ("email", person.email)):
            if contact:
                pk = recipient_key(key, person.shop, contact)
                labels[pk] = f"{person.label} [{channel}]"
                if person.zone:
                    zones[pk] = person.zone
    return labels, zones


def run_demo(
    scenario: Scenario,
    *,
    state_root: Path,
    report_path: Path | None,
    say: Callable[[str], None],
    progress: Callable[[str], None],
    log_path: Path | None = None,
) -> DemoResult:
    """Run the scenario; the functions' own log lines (JSON) go to `log_path` if given."""
    if log_path is None:
        return _run_demo(scenario, state_root, report_path, say, progress)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log, function_logs_to(log):
        return _run_demo(scenario, state_root, report_path, say, progress)


def _run_demo(
    scenario: Scenario,
    state_root: Path,
    report_path: Path | None,
    say: Callable[[str], None],
    progress: Callable[[str], None],
) -> DemoResult:
    labels, zones = recipient_labels(scenario)
    shops = tuple(scenario.shops)
    with LocalStack(scenario.start, state_root=state_root, shops=shops) as stack:
        progress(f"local stack up: DynamoDB on {stack.dynamodb.name if stack.dynamodb else '?'}")
        driver = Driver(scenario, stack, say)
        driver.set_up_shops()
        day = scenario.start.date()
        for step in sorted(scenario.steps, key=lambda s: s.at):
            stack.advance_to(step.at)
            if stack.clock().date() != day:
                day = stack.clock().date()
                progress(f"  {day:%a %d %b}")
            driver.perform(step)
        stack.advance_to(scenario.end)
        progress(f"  ran to {scenario.end:%a %d %b %H:%M}Z")
        assert stack.clients is not None and stack.resources is not None
        rows = read_decisions(stack.clients("dynamodb"), stack.resources.ref("GateTable"))
        failures = [f"{f.function} ({f.trigger}): {f.error}" for f in stack.log.failures]
        segments = customer_segments(scenario, stack)
    result = DemoResult(scenario, rows, driver.deliveries, labels, zones, failures)
    result.segments = segments
    if report_path is not None:
        strips = _strips(scenario)
        content = render_report(
            scenario.name,
            rows,
            strips,
            scenario.start,
            scenario.end,
            labels,
            result.summary(),
        )
        result.report = write_report(report_path, content)
    return result


def customer_segments(scenario: Scenario, stack: LocalStack) -> list[dict[str, Any]]:
    """Each person's facts and RFM cell as the stack's audience table holds them after
    the run (the daily recompute ran on the stack's own schedule)."""
    from courteous.audiences.identity import customer_key
    from courteous.audiences.recompute import RfmRuns
    from courteous.audiences.store import FactsStore
    from courteous.events.models import OrderCustomer

    assert stack.clients is not None and stack.resources is not None
    dynamodb = stack.clients("dynamodb")
    key = LOCAL_CONTACT_KEY.encode()
    facts = FactsStore(dynamodb, stack.resources.ref("AudienceTable"), key)
    runs = RfmRuns(dynamodb, facts)
    models = {shop: runs.model(shop) for shop in scenario.shops}
    found = []
    for person in scenario.people.values():
        block = OrderCustomer(
            customer_id=person.customer_id,
            email=person.email,
            phone=person.phone,
            country=person.country,
        )
        name = customer_key(key, person.shop, block)
        customer = facts.customer(person.shop, name) if name else None
        model = models[person.shop]
        scores = model.scores(customer) if model and customer else None
        found.append(
            {
                "who": person.label,
                "shop": person.shop,
                "orders": customer.orders if customer else 0,
                "purchases": customer.purchases if customer else 0,
                "spent": {k: str(v) for k, v in customer.spent.items()} if customer else {},
                "tier": customer.tier.value if customer and customer.tier else None,
                "rfm": scores.cell.value if scores else None,
                "scores": f"R{scores.r} F{scores.f} M{scores.m}" if scores else None,
                "scored_as_of": model.as_of.isoformat() if model else None,
            }
        )
    return found


def segment_lines(result: DemoResult) -> list[str]:
    lines = []
    for row in result.segments:
        spent = ", ".join(f"{v} {k}" for k, v in sorted(row["spent"].items())) or "-"
        if row["rfm"]:
            cell = f"{row['rfm']} ({row['scores']})"
        elif row["purchases"]:
            cell = "paid after the last daily scoring"
        elif row["orders"]:
            cell = "not a buyer (no paid order)"
        else:
            cell = "no order yet"
        lines.append(
            f"{row['who']:<34.34} {row['shop']:<14.14} orders {row['orders']:<2} "
            f"paid {row['purchases']:<2} spent {spent:<14} {cell}"
        )
    return lines


def _strips(scenario: Scenario) -> list[ZoneStrip]:
    strips, seen = [], set()
    for person in scenario.people.values():
        policy = scenario.policy_of(person.shop)
        recipient = Recipient(
            shop_id=person.shop,
            phone=person.phone,
            email=person.email,
            zone=person.zone,
            country=person.country,
            region=person.region,
        )
        for zone in resolve_zones(recipient, policy.shop_zone).zones:
            if (zone, policy.label) in seen:
                continue
            seen.add((zone, policy.label))
            strips.append(ZoneStrip(f"{zone} ({policy.name})", zone, policy))
    return strips


def timeline(result: DemoResult) -> list[str]:
    lines = []
    for row in result.rows:
        who = result.labels.get(row.recipient_key, row.recipient_key[:18])
        local = row.local_time
        line = (
            f"{row.at:%a %d %H:%M}Z  {local:%a %H:%M} {row.zone:<28.28} {who:<30.30} "
            f"{row.kind:<18} {row.channel:<5} {row.action.upper():<8} {row.reason}"
        )
        if row.not_before is not None:
            line += f" -> {row.not_before:%a %d %H:%M}Z"
        lines.append(line)
    return lines


def decisions_json(result: DemoResult) -> list[dict[str, Any]]:
    return [row.as_json(result.labels.get(row.recipient_key)) for row in result.rows]
