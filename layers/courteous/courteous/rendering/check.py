"""Render every template against the samples; report what would fail in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from courteous.errors import ContentViolation, PermanentError
from courteous.gate.policy import PRESETS, Policy
from courteous.messages import Channel, Kind, MessageRequest, Recipient
from courteous.rendering.renderer import LOCALES, TemplateRenderer
from courteous.rendering.samples import sample_data
from courteous.rendering.sms import sms_segments

# A recipient per template locale: a number and a zone of that language's country.
RECIPIENTS = {
    "en": ("+12125550123", "America/New_York", "en-US"),
    "zh-CN": ("+8613800138000", "Asia/Shanghai", "zh-CN"),
    "fr": ("+33612345678", "Europe/Paris", "fr-FR"),
}
CHECKED_AT = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Checked:
    kind: str
    locale: str
    channel: str
    variant: str
    ok: bool
    problem: str = ""
    segments: int | None = None


def check_templates(
    renderer: TemplateRenderer, shop_id: str = "sample-shop", policy: Policy | None = None
) -> list[Checked]:
    policy = policy or PRESETS["default"]
    results = []
    for kind in Kind:
        for locale in LOCALES:
            phone, zone, tag = RECIPIENTS[locale]
            for index, data in enumerate(sample_data(kind)):
                for channel in Channel:
                    request = MessageRequest(
                        kind=kind,
                        channel=channel,
                        recipient=Recipient(
                            shop_id=shop_id,
                            phone=phone,
                            email="customer@example.com",
                            zone=zone,
                            locale=tag,
                        ),
                        data=data,
                        created_at=CHECKED_AT,
                    )
                    variant = f"sample {index}"
                    try:
                        message = renderer.render(request, policy)
                    except ContentViolation as exc:
                        problem = f"content policy {exc.rule}: {exc.detail}"
                        results.append(Checked(kind, locale, channel, variant, False, problem))
                        continue
                    except PermanentError as exc:
                        results.append(Checked(kind, locale, channel, variant, False, str(exc)))
                        continue
                    segments = (
                        sms_segments(message.text).segments if channel is Channel.SMS else None
                    )
                    results.append(Checked(kind, locale, channel, variant, True, "", segments))
    return results
