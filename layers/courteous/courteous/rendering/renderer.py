"""Turn a `MessageRequest` into the text a channel sends.

Templates live in `templates/<kind>/<locale>/` as `sms.j2`, `email_subject.j2` and
`email_text.j2`, with optional variants `sms.<variant>.j2` (member tier, product kind,
last call) tried from the most to the least specific. A shop may override any file by
putting it under `<overrides>/<shop_id>/<kind>/<locale>/` (or the S3 prefix `<shop_id>/`
of the template bucket, deployed). A shop's own files come first at every variant: its
`sms.j2` reaches VIP, member and last-call customers too, unless it also wrote the
more specific one. Jinja runs sandboxed with
`StrictUndefined`: a template cannot reach Python objects, and a missing variable is an
error, never a blank. Money, dates and numbers are formatted for the locale by Babel.

After rendering: the content policy (`content.py`); for SMS, the opt-out line the policy
requires on service and marketing messages, then the segment count against the
policy's limit. Any breach raises `ContentViolation` and the dispatcher suppresses the
message with the rule's name.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from courteous.channels import OutgoingMessage
from courteous.errors import ContentViolation, PermanentError
from courteous.events.models import Money
from courteous.gate.policy import Policy
from courteous.messages import Channel, Kind, MessageClass, MessageRequest
from courteous.recipients.zones import resolve_zones
from courteous.rendering.content import ContentRules, check, host_of
from courteous.rendering.context import message_data
from courteous.rendering.overrides import S3Templates
from courteous.rendering.sms import sms_segments

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LOCALES = ("en", "zh-CN", "fr")
DEFAULT_LOCALE = "en"


class TemplateError(PermanentError):
    """A template is missing or uses a variable the data does not have."""


def template_locale(requested: str | None) -> str:
    """The template locale for a recipient's locale: exact, then by language, then en."""
    if requested:
        wanted = requested.replace("_", "-")
        for locale in LOCALES:
            if locale.lower() == wanted.lower():
                return locale
        language = wanted.split("-")[0].lower()
        for locale in LOCALES:
            if locale.split("-")[0].lower() == language:
                return locale
    return DEFAULT_LOCALE


@functools.lru_cache(maxsize=256)
def babel_locale(requested: str | None, template: str) -> Locale:
    """Format for the recipient's own locale when it speaks the template's language."""
    for candidate in (requested, template):
        if not candidate:
            continue
        try:
            locale = Locale.parse(candidate.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
        if locale.language == template.split("-")[0]:
            return locale
    return Locale.parse(template.replace("-", "_"))


def variants(kind: Kind, data: dict[str, Any]) -> list[str]:
    """Template variant names, most specific first ("" is the plain template)."""
    names: list[str] = []
    if kind is Kind.PAYMENT_REMINDER:
        if data.get("last_call"):
            names.append("last_call")
        tier = data.get("tier")
        if tier and tier != "non_member":
            names.append(str(tier))
    if kind in (Kind.DELIVERY_CARE, Kind.BIRTHDAY_GREETING) and data.get("coupon"):
        names.append("coupon")
    if kind is Kind.PARCEL_DELAY and data.get("apology_number", 1) >= 2:
        names.append("second")
    return [*names, ""]


def opt_out_line(policy: Policy, template: str) -> str:
    language = template.split("-")[0]
    return policy.sms_opt_out_text.get(language) or policy.sms_opt_out_text.get("en", "")


class TemplateRenderer:
    """`overrides`: a folder with one folder of templates per shop; `s3`: the shops'
    templates in the template bucket (deployed). Either, both or neither."""

    def __init__(self, overrides: Path | None = None, s3: S3Templates | None = None) -> None:
        self._overrides = overrides
        self._s3 = s3
        self._environments: dict[str, SandboxedEnvironment] = {}
        self._folder_names: dict[str, frozenset[str]] = {}

    def _shop_loaders(self, shop_id: str) -> list[BaseLoader]:
        loaders: list[BaseLoader] = []
        if self._overrides is not None and (self._overrides / shop_id).is_dir():
            loaders.append(FileSystemLoader(self._overrides / shop_id))
        if self._s3 is not None:
            loaders.append(self._s3.loader(shop_id))
        return loaders

    def override_names(self, shop_id: str) -> frozenset[str]:
        """The names the shop's own templates answer to."""
        names: set[str] = set()
        if self._overrides is not None and (self._overrides / shop_id).is_dir():
            cached = self._folder_names.get(shop_id)
            if cached is None:
                cached = frozenset(FileSystemLoader(self._overrides / shop_id).list_templates())
                self._folder_names[shop_id] = cached
            names |= cached
        if self._s3 is not None:
            names |= set(self._s3.names(shop_id))
        return frozenset(names)

    def chosen(self, shop_id: str, names: list[str]) -> list[str]:
        """The names to try, in order: the shop's own wording wins at every variant;
        the packaged variants only when the shop wrote none of the names."""
        own = self.override_names(shop_id)
        return [name for name in names if name in own] or names

    def _environment(self, shop_id: str) -> SandboxedEnvironment:
        environment = self._environments.get(shop_id)
        if environment is None:
            loaders = self._shop_loaders(shop_id)
            loaders.append(FileSystemLoader(TEMPLATES_DIR))
            environment = SandboxedEnvironment(
                loader=ChoiceLoader(loaders),
                undefined=StrictUndefined,
                # Only the HTML e-mail part is escaped; SMS and plain text are not HTML.
                autoescape=select_autoescape(
                    enabled_extensions=("html.j2",), default_for_string=False, default=False
                ),
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=False,
                auto_reload=False,
            )
            self._environments[shop_id] = environment
        return environment

    def template_names(self, kind: Kind, locale: str, part: str, data: dict[str, Any]) -> list[str]:
        names = [
            f"{kind.value}/{locale}/{part}.{variant}.j2"
            if variant
            else f"{kind.value}/{locale}/{part}.j2"
            for variant in variants(kind, data)
        ]
        if part == "email_text":
            names.append(f"_shared/{locale}/email_text.j2")
        return names

    def _render(
        self,
        shop_id: str,
        names: list[str],
        context: dict[str, Any],
        *,
        one_line: bool = True,
    ) -> str:
        environment = self._environment(shop_id)
        try:
            template = environment.select_template(self.chosen(shop_id, names))
        except TemplateNotFound as exc:
            raise TemplateError(f"no template among {', '.join(names)}") from exc
        except TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.name}:{exc.lineno}: {exc.message}") from exc
        try:
            text = template.render(context)
        except UndefinedError as exc:
            raise TemplateError(f"{template.name}: {exc.message}") from exc
        except TemplateNotFound as exc:
            raise TemplateError(f"{template.name}: includes a missing template") from exc
        except TemplateSyntaxError as exc:  # in a template it includes
            raise TemplateError(f"{exc.name}:{exc.lineno}: {exc.message}") from exc
        except JinjaError as exc:  # the sandbox refusing an attribute, and the like
            raise TemplateError(f"{template.name}: {exc.message}") from exc
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise TemplateError(f"{template.name}: {type(exc).__name__}: {exc}") from exc
        if one_line:
            return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
        return text.strip()

    def render(self, request: MessageRequest, policy: Policy) -> OutgoingMessage:
        model = message_data(request.kind, request.data)
        data = model.model_dump(mode="python")
        locale = template_locale(request.recipient.locale)
        zone = resolve_zones(request.recipient, policy.shop_zone).zones[0]
        formats = Formats(babel_locale(request.recipient.locale, locale), zone)
        kind, shop_id = request.kind, request.recipient.shop_id
        context = {**data, **formats.filters(), "locale": locale, "kind": kind.value}
        context["sms_templates"] = self.chosen(
            shop_id, self.template_names(kind, locale, "sms", data)
        )
        rules = content_rules(data, kind)
        message_class = request.effective_class
        if request.channel is Channel.SMS:
            text = self._render(shop_id, self.template_names(kind, locale, "sms", data), context)
            check(text, rules)
            if message_class is not MessageClass.TRANSACTIONAL:
                text = f"{text} {opt_out_line(policy, locale)}".strip()
            counted = sms_segments(text)
            if counted.segments > policy.sms_segment_limit:
                raise ContentViolation(
                    "sms_too_long",
                    f"{counted.segments} {counted.encoding} segments, limit "
                    f"{policy.sms_segment_limit}",
                )
            return OutgoingMessage(text=text, message_class=message_class)
        subject = self._render(
            shop_id, self.template_names(kind, locale, "email_subject", data), context
        )
        body = self._render(
            shop_id,
            self.template_names(kind, locale, "email_text", data),
            context,
            one_line=False,
        )
        check(subject, rules)
        check(body, rules)
        # The HTML part says what the text says: the text's paragraphs, escaped, and the
        # shop's footer. It is never rendered from data directly, so nothing in the data
        # can become markup.
        paragraphs = [part.strip() for part in body.split("\n\n") if part.strip()][:-1] or [body]
        html = self._render(
            shop_id,
            [f"_shared/{locale}/email_html.html.j2"],
            {**context, "subject": subject, "paragraphs": paragraphs},
            one_line=False,
        )
        return OutgoingMessage(text=body, message_class=message_class, subject=subject, html=html)


def content_rules(data: dict[str, Any], kind: Kind | None = None) -> ContentRules:
    shop = data["shop"]
    allowed = {
        host
        for key in ("tracking_url",)
        if data.get(key)
        for host in [host_of(str(data[key]))]
        if host
    }
    emails = {str(shop["support_email"]).lower()} if shop.get("support_email") else set()
    return ContentRules(
        shop_domain=shop["domain"],
        allowed_hosts=frozenset(allowed),
        shop_emails=frozenset(emails),
        answers_a_review=kind is Kind.REVIEW_CARE,
    )


_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})


def _plain_spaces(text: object) -> str:
    """Babel's narrow and no-break spaces would turn a whole SMS into UCS-2."""
    return str(text).translate(_SPACES)


class Formats:
    """Locale-aware filters the templates use: money, date, datetime, number."""

    def __init__(self, locale: Locale, zone: str | None) -> None:
        self._locale = locale
        self._zone = ZoneInfo(zone) if zone else None

    def money(self, value: Money | dict[str, Any]) -> str:
        amount = value.amount if isinstance(value, Money) else Decimal(str(value["amount"]))
        currency = value.currency if isinstance(value, Money) else str(value["currency"])
        return _plain_spaces(format_currency(amount, currency, locale=self._locale))

    def day(self, value: date) -> str:
        return _plain_spaces(format_date(value, format="medium", locale=self._locale))

    def when(self, value: datetime) -> str:
        local = value.astimezone(self._zone) if self._zone else value
        return _plain_spaces(format_datetime(local, format="short", locale=self._locale))

    def number(self, value: int | Decimal) -> str:
        return _plain_spaces(format_decimal(value, locale=self._locale))

    def filters(self) -> dict[str, Any]:
        return {"money": self.money, "day": self.day, "when": self.when, "number": self.number}


def default_renderer() -> TemplateRenderer:
    """The packaged templates, with per-shop overrides from the template bucket when
    TEMPLATE_BUCKET is set (deployed) and from TEMPLATE_OVERRIDES_DIR when set.

    Not cached here: the renderer holds an S3 client for the environment it was built in;
    the function keeps the one it builds for its lifetime (the dispatcher's is cached)."""
    import os

    overrides = os.environ.get("TEMPLATE_OVERRIDES_DIR")
    bucket = os.environ.get("TEMPLATE_BUCKET")
    s3 = None
    if bucket:
        import boto3

        s3 = S3Templates(boto3.client("s3"), bucket)
    return TemplateRenderer(Path(overrides) if overrides else None, s3)
