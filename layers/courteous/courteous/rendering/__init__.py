"""Templates, content policy and SMS length: from a `MessageRequest` to the words sent."""

from courteous.rendering.content import ContentRules, check, violations
from courteous.rendering.context import DATA_MODELS, InvalidMessageData, message_data
from courteous.rendering.renderer import (
    LOCALES,
    TemplateError,
    TemplateRenderer,
    default_renderer,
    template_locale,
)
from courteous.rendering.sms import SmsSegments, sms_segments

__all__ = [
    "DATA_MODELS",
    "LOCALES",
    "ContentRules",
    "InvalidMessageData",
    "SmsSegments",
    "TemplateError",
    "TemplateRenderer",
    "check",
    "default_renderer",
    "message_data",
    "sms_segments",
    "template_locale",
    "violations",
]
