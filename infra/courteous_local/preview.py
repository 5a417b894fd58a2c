"""`courteous preview`: what the flows would send for one canonical event, and when.

The event runs through the real flows against emulated AWS (in-process, resources from
template.yaml); every timer it sets is fired at its due time, and so on, so a created
order shows its reminders and a shipment its late-parcel apologies. Each request goes
through the dispatcher's own channel choice and the pure gate (empty ledgers) at
`--at`, or at the moment the flow would ask, and is rendered for the channel chosen,
with the headers an e-mail would carry (the one-click unsubscribe included).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from courteous.channels import OutgoingMessage, email_message
from courteous.channels.choice import choose
from courteous.channels.settings import ShopChannels
from courteous.errors import ContentViolation, PermanentError
from courteous.events.envelope import parse_event
from courteous.events.models import CanonicalEvent, CustomerUpdated
from courteous.gate.ledger_state import RecipientLedgers, ledger_keys
from courteous.gate.policy import PRESETS, Policy
from courteous.messages import Channel, MessageRequest
from courteous.recipients.zones import resolve_zones
from courteous.rendering import TemplateRenderer, sms_segments
from courteous.rendering.renderer import template_locale
from courteous.unsubscribe.links import UnsubscribeLinks

MAX_TIMERS = 10
PREVIEW_KEY = b"preview-contact-key"
PREVIEW_SENDER = "orders@example.com"
# Where links would point once deployed (the stack's UnsubscribeUrl output).
PREVIEW_LINKS = UnsubscribeLinks(
    "https://api.example.com/unsubscribe", "unsubscribe@example.com", PREVIEW_KEY
)


def read_event(path: Path) -> CanonicalEvent:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "detail-type" not in raw or "detail" not in raw:
        raise ValueError("expected an EventBridge event or a generic body with detail-type")
    return parse_event(str(raw["detail-type"]), raw["detail"])


def _collect(stack_ref: Any) -> list[MessageRequest]:
    import boto3

    sqs = boto3.client("sqs")
    found: list[MessageRequest] = []
    while True:
        messages = sqs.receive_message(QueueUrl=stack_ref, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return found
        for message in messages:
            found.append(MessageRequest.model_validate_json(message["Body"]))
            sqs.delete_message(QueueUrl=stack_ref, ReceiptHandle=message["ReceiptHandle"])


def _requests_for(event: CanonicalEvent, at: datetime) -> list[tuple[datetime, MessageRequest]]:
    import boto3

    from courteous.flows.wiring import FlowSettings, build_order_flows
    from courteous_local.inprocess import emulated_stack

    with emulated_stack(CONTACT_HASH_KEY="preview-contact-key") as created:
        os.environ.update(created.functions["OrderFlowsFunction"].environment)
        settings = FlowSettings.from_env()
        outbox_url = created.ref("OutboxQueue")
        if isinstance(event, CustomerUpdated):
            return _birthday(event, settings, outbox_url)
        flows = build_order_flows(settings, boto3.client)
        found: list[tuple[datetime, MessageRequest]] = []
        result = flows.handle(event, at)
        found.extend((at, r) for r in _collect(outbox_url))
        pending = list(result.timers)
        while pending and len(found) < MAX_TIMERS:
            timer = pending.pop(0)
            fired = flows.fire(timer, timer.due_at)
            found.extend((timer.due_at, r) for r in _collect(outbox_url))
            pending.extend(fired.timers)
        return found


def _birthday(
    event: CustomerUpdated, settings: Any, outbox_url: str
) -> list[tuple[datetime, MessageRequest]]:
    import boto3

    from courteous.customers.store import CustomerStore
    from courteous.flows.birthday import BirthdayRun, GreetingMarks
    from courteous.flows.outbox import Outbox
    from courteous.flows.settings import ShopSettingsSource

    profile = event.customer
    if profile.birthday is None:
        return []
    dynamodb = boto3.client("dynamodb")
    profiles = CustomerStore(dynamodb, settings.customer_table_name)
    profiles.put(event.shop_id, profile, event.occurred_at)
    source = ShopSettingsSource(boto3.client("ssm"))
    run = BirthdayRun(
        shops=lambda: [event.shop_id],
        settings_for=source,
        profiles=profiles,
        marks=GreetingMarks(dynamodb, settings.order_table_name),
        outbox=Outbox(boto3.client("sqs"), outbox_url),
    )
    zone = ZoneInfo(profile.zone or "UTC")
    start = event.occurred_at.astimezone(zone)
    for year in (start.year, start.year + 1):
        day = profile.birthday.day
        try:
            birthday = datetime.combine(
                start.date().replace(year=year, month=profile.birthday.month, day=day),
                time(0),
                zone,
            )
        except ValueError:  # 29 February in a common year: the 28th
            birthday = datetime.combine(
                start.date().replace(year=year, month=2, day=28), time(0), zone
            )
        if birthday.date() < start.date():
            continue
        hour = birthday
        while hour < birthday + timedelta(days=1):
            requests = run.run(hour).requests
            if requests:
                return [(hour, r) for r in _collect(outbox_url)]
            hour += timedelta(hours=1)
    return []


def preview(
    event: CanonicalEvent,
    *,
    at: datetime | None,
    locale: str | None,
    policy: Policy | None = None,
    channels: ShopChannels | None = None,
) -> list[dict[str, Any]]:
    policy = policy or PRESETS["default"]
    shop = channels or ShopChannels()
    renderer = TemplateRenderer()
    out = []
    for asked_at, request in _requests_for(event, event.occurred_at):
        if locale:
            request = request.model_copy(
                update={"recipient": request.recipient.model_copy(update={"locale": locale})}
            )
        out.append(_item(request, asked_at, at, policy, shop, renderer))
    return out


def _item(
    request: MessageRequest,
    asked_at: datetime,
    at: datetime | None,
    policy: Policy,
    shop: ShopChannels,
    renderer: TemplateRenderer,
) -> dict[str, Any]:
    rendered: dict[Channel, OutgoingMessage | str] = {}

    def render(channel: Channel) -> OutgoingMessage | str:
        if channel not in rendered:
            try:
                rendered[channel] = renderer.render(request.on(channel), policy)
            except ContentViolation as exc:
                rendered[channel] = f"content policy {exc.rule}: {exc.detail}"
            except PermanentError as exc:
                rendered[channel] = str(exc)
        return rendered[channel]

    def content(channel: Channel) -> str | None:
        result = render(channel)
        return None if isinstance(result, OutgoingMessage) else result

    decided_at = at or max(asked_at, request.not_before or asked_at)
    keys = ledger_keys(PREVIEW_KEY, request)
    choice = choose(
        policy,
        RecipientLedgers(keys=keys),
        request,
        decided_at,
        shop_order=shop.order,
        sms_budget_left=True,
        content=content,
    )
    decision = choice.decision
    item: dict[str, Any] = {
        "kind": request.kind.value,
        "class": request.effective_class.value,
        "channel": choice.chosen.value if choice.chosen else None,
        "channel_why": choice.summary,
        "refused": [
            {"channel": r.channel.value, "reason": r.reason.value, "detail": r.detail}
            for r in choice.refused
        ],
        "asked_at": asked_at.isoformat(),
        "not_before": request.not_before.isoformat() if request.not_before else None,
        "expires_at": request.expires_at.isoformat() if request.expires_at else None,
    }
    shown = choice.chosen or choice.channel
    message = render(shown)
    if isinstance(message, str):
        item.update(text=None, problem=message)
    else:
        if shown is Channel.EMAIL:
            contact = request.recipient.email or ""
            language = template_locale(request.recipient.locale)
            token = PREVIEW_LINKS.token(
                shop_id=request.recipient.shop_id,
                recipient_key=keys.channels[Channel.EMAIL].contact,
                message_class=message.message_class,
                locale=language,
                request_id=request.request_id,
                sent_at=decided_at,
            )
            message = PREVIEW_LINKS.apply(message, token, language)
            sender = shop.email.from_address if shop.email else PREVIEW_SENDER
            reply_to = shop.email.reply_to if shop.email else None
            mime = email_message(contact, message, sender, reply_to)
            item["headers"] = {name: str(value) for name, value in mime.items()}
        item.update(text=message.text, subject=message.subject)
        if shown is Channel.SMS:
            counted = sms_segments(message.text)
            item["sms"] = {
                "encoding": counted.encoding,
                "units": counted.units,
                "segments": counted.segments,
            }
    zones = resolve_zones(request.recipient, policy.shop_zone)
    item["decision"] = {
        "at": decided_at.isoformat(),
        "action": decision.action.value,
        "reason": decision.reason.value,
        "detail": decision.detail,
        "not_before": decision.not_before.isoformat() if decision.not_before else None,
        "zone": ",".join(zones.zones),
        "zone_source": zones.source.value,
        "policy": decision.policy_version,
    }
    return item
