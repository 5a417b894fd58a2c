"""What following an unsubscribe link does: a page for a GET, the opt-out for a POST.

- GET `/unsubscribe/{token}` (the visible link, or a mail scanner fetching it): a small
  page in the customer's locale saying what the link does, with one button. A GET
  changes nothing, so no scanner can unsubscribe anyone.
- POST `/unsubscribe/{token}` with `List-Unsubscribe=One-Click` (the mail client's
  one-click, or the page's button): the e-mail contact's consent for the token's class
  at that shop becomes "no", at once, without a login. A second POST of the same link
  is answered the same way and writes nothing, so a replayed link cannot undo a yes
  given since.
- A mail to the unsubscribe mailbox whose subject carries a token (the mailto in
  `List-Unsubscribe`) is a POST by mail.
Forged, malformed and expired links change nothing and say so.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import parse_qs

from courteous.gate.store import GateStore
from courteous.messages import MessageClass
from courteous.observability import logger, metrics
from courteous.unsubscribe.links import ONE_CLICK
from courteous.unsubscribe.tokens import (
    InvalidToken,
    TokenProblem,
    UnsubscribeToken,
    link_key,
    verify,
)

_TOKEN_IN_TEXT = re.compile(r"v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class Outcome(StrEnum):
    ASKED = "asked"  # the GET page
    UNSUBSCRIBED = "unsubscribed"
    ALREADY = "already_unsubscribed"
    NOT_ONE_CLICK = "not_one_click"
    INVALID = "invalid"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    status: int
    page: str
    token: UnsubscribeToken | None = None


_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Unsubscribe",
        "marketing": "offers and news",
        "service": "reminders about your orders",
        "ask": "Stop {what} by e-mail from {shop}?",
        "button": "Unsubscribe",
        "done": "You are unsubscribed: {shop} will send you no more {what} by e-mail.",
        "already": "This link has already unsubscribed you from {what} by e-mail from {shop}.",
        "invalid": "This unsubscribe link is not valid.",
        "expired": "This unsubscribe link has expired. Reply to any e-mail from {shop} and "
        "ask to be unsubscribed.",
        "one_click": "Use the button on the page to unsubscribe.",
        "shipping": "Messages about orders already on their way still reach you.",
    },
    "fr": {
        "title": "Se désabonner",
        "marketing": "les offres et nouveautés",
        "service": "les rappels concernant vos commandes",
        "ask": "Ne plus recevoir {what} de {shop} par e-mail ?",
        "button": "Se désabonner",
        "done": "C'est fait : {shop} ne vous enverra plus {what} par e-mail.",
        "already": "Ce lien vous a déjà désabonné(e) de {what} de {shop} par e-mail.",
        "invalid": "Ce lien de désabonnement n'est pas valide.",
        "expired": "Ce lien de désabonnement a expiré. Répondez à un e-mail de {shop} pour "
        "demander à être désabonné(e).",
        "one_click": "Utilisez le bouton de la page pour vous désabonner.",
        "shipping": "Les messages sur les commandes en cours vous parviendront toujours.",
    },
    "zh": {
        "title": "退订",
        "marketing": "优惠和新品信息",
        "service": "订单提醒",
        "ask": "不再通过电子邮件接收{shop}的{what}？",
        "button": "退订",
        "done": "已退订：{shop}将不再通过电子邮件向您发送{what}。",
        "already": "您已通过此链接退订{shop}的{what}邮件。",
        "invalid": "此退订链接无效。",
        "expired": "此退订链接已过期。请回复{shop}的任意一封邮件申请退订。",
        "one_click": "请使用页面上的按钮退订。",
        "shipping": "已发货订单的物流通知仍会发送给您。",
    },
}


def _language(locale: str | None) -> str:
    language = (locale or "en").split("-")[0].lower()
    return language if language in _TEXT else "en"


def _page(locale: str | None, body: str, *, form: str | None = None) -> str:
    language = _language(locale)
    text = _TEXT[language]
    button = ""
    if form is not None:
        button = (
            f'<form method="post" action="{html.escape(form)}">'
            f'<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{html.escape(text["button"])}</button></form>'
        )
    return (
        f'<!doctype html>\n<html lang="{html.escape(locale or "en")}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(text['title'])}</title></head>\n"
        '<body style="font-family: sans-serif; line-height: 1.5; max-width: 30em; '
        'margin: 2em auto;">\n'
        f"<p>{html.escape(body)}</p>{button}\n</body></html>\n"
    )


class Unsubscribes:
    def __init__(
        self, store: GateStore, contact_key: bytes, shop_name: Callable[[str], str]
    ) -> None:
        self._store = store
        self._key = link_key(contact_key)
        self._shop_name = shop_name

    def _words(self, token: UnsubscribeToken) -> dict[str, str]:
        text = _TEXT[_language(token.locale)]
        what = text["marketing" if token.message_class is MessageClass.MARKETING else "service"]
        return {"what": what, "shop": self._shop_name(token.shop_id)}

    def _refused(self, problem: InvalidToken) -> Answer:
        metrics.add_metric(
            name=f"Unsubscribe{problem.problem.value.title()}", unit="Count", value=1
        )
        logger.info("unsubscribe link refused", extra={"problem": problem.problem.value})
        if problem.problem is TokenProblem.EXPIRED and problem.token is not None:
            words = self._words(problem.token)
            body = _TEXT[_language(problem.token.locale)]["expired"].format(**words)
            return Answer(Outcome.EXPIRED, 410, _page(problem.token.locale, body))
        return Answer(Outcome.INVALID, 400, _page(None, _TEXT["en"]["invalid"]))

    def page(self, token_text: str, path: str, now: datetime) -> Answer:
        """GET: what the link would do, and the button that does it. Writes nothing."""
        try:
            token = verify(self._key, token_text, now)
        except InvalidToken as problem:
            return self._refused(problem)
        text = _TEXT[_language(token.locale)]
        body = text["ask"].format(**self._words(token))
        return Answer(Outcome.ASKED, 200, _page(token.locale, body, form=path), token)

    def post(self, token_text: str, body: str, now: datetime) -> Answer:
        """POST: the one-click opt-out (RFC 8058 asks for `List-Unsubscribe=One-Click`)."""
        try:
            token = verify(self._key, token_text, now)
        except InvalidToken as problem:
            return self._refused(problem)
        fields = parse_qs(body or "", keep_blank_values=True)
        if fields.get("List-Unsubscribe") != ["One-Click"] and body.strip() != ONE_CLICK:
            text = _TEXT[_language(token.locale)]["one_click"]
            return Answer(Outcome.NOT_ONE_CLICK, 400, _page(token.locale, text), token)
        return self._apply(token)

    def by_mail(self, subject: str, now: datetime) -> Answer:
        """A mail to the unsubscribe mailbox: its subject carries the token."""
        found = _TOKEN_IN_TEXT.search(subject or "")
        if found is None:
            return self._refused(InvalidToken(TokenProblem.MALFORMED, "no token in the subject"))
        try:
            token = verify(self._key, found.group(0), now)
        except InvalidToken as problem:
            return self._refused(problem)
        return self._apply(token)

    def _apply(self, token: UnsubscribeToken) -> Answer:
        fresh = self._store.unsubscribe(
            token.recipient_key, token.message_class, token.token_id, token.expires_at
        )
        text = _TEXT[_language(token.locale)]
        words = self._words(token)
        if not fresh:
            metrics.add_metric(name="UnsubscribeReplayed", unit="Count", value=1)
            return Answer(
                Outcome.ALREADY, 200, _page(token.locale, text["already"].format(**words)), token
            )
        metrics.add_metric(name="Unsubscribed", unit="Count", value=1)
        logger.info(
            "unsubscribed", extra={"shop_id": token.shop_id, "class": token.message_class.value}
        )
        body = text["done"].format(**words)
        if token.message_class is MessageClass.MARKETING:
            body = f"{body} {text['shipping']}"
        return Answer(Outcome.UNSUBSCRIBED, 200, _page(token.locale, body), token)
