"""What a merchant message may not say (platform rules), checked on the rendered text.

Rules, each with the name a suppression records:

- `foreign_link`: a link (with or without a scheme) to a host that is neither the
  shop's domain (or a subdomain of it) nor the host of a tracking link in the data.
- `card_number`: a run of 13-19 digits (spaces or dashes allowed) that passes Luhn.
- `bank_account`: an IBAN whose check digits are right.
- `foreign_email`: an e-mail address other than the shop's support address or one on
  the shop's domain.
- `off_platform_contact`: asking to move to another app, add an account or scan a code
  (WeChat / 微信 / 加V, WhatsApp, Telegram, LINE, QQ, 扫码, 二维码, QR code ...).
- `abusive_language`: insults, in English and Chinese.
- `review_inducement` (review care messages only): an offer (coupon, discount, gift,
  cashback, points, refund, compensation, anything free) or a request to change,
  remove or raise a review, in English, French, Portuguese and Chinese. Platforms
  punish merchants who trade favours for reviews; a message answering a review must
  only apologise and say how to reach the shop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from courteous.errors import ContentViolation

_URL = re.compile(
    r"(?i)\b(?:https?://)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:[a-z]{2,24})(?::\d{1,5})?(?:/[^\s<>\"'，。）)]*)?"
)
_EMAIL = re.compile(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
_DIGIT_RUN = re.compile(r"(?<![\dA-Za-z])\d(?:[ -]?\d){12,18}(?![\dA-Za-z])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_OFF_PLATFORM = re.compile(
    r"(?i)(微信|威信|加\s*[vV微]|\bv\s*x\b|\bwechat\b|\bweixin\b|whats\s*app|telegram|"
    r"\btg\b|\bline\s*(?:id)?\s*[:：]|\bqq\b|扫码|扫一扫|二维码|\bqr\s*code|scan\s+(?:the|this|our)"
    r"\s+code|私信|加好友|add\s+me\s+on)"
)
_ABUSIVE = re.compile(
    r"(?i)\b(idiot|stupid|moron|dumb|loser|shut\s+up|damn\s+you|fuck\w*|bitch|bastard)\b|"
    r"(傻[逼比]|白痴|蠢货|滚蛋|去死|混蛋|王八蛋|废物|他妈的|尼玛)"
)
_INDUCEMENT = re.compile(
    r"(?i)\b(coupons?|discounts?|vouchers?|promo\s*codes?|codes?\s+promo|gift\s*cards?|"
    r"gifts?|free(?!\s+to\b)|cash\s*back|cashback|rewards?|points|refunds?|compensat\w*|"
    r"\d+\s*%\s*off|bons?\s+d['’]achat|r[ée]ductions?|remises?|cadeaux?|gratuit\w*|"
    r"rembours\w*|d[ée]dommag\w*|cupo(m|ns)|descontos?|brindes?|gr[aá]tis|reembols\w*|"
    r"compensa[cç][aã]o)\b|"
    r"(优惠券|优惠|红包|返现|返款|折扣|打折|赠品|礼品|礼物|免费|积分|补偿|退款|现金)"
)
_REVIEW_CHANGE = re.compile(
    r"(?i)\b(chang\w*|updat\w*|edit\w*|remov\w*|delet\w*|revis\w*|modif\w*|withdraw\w*|"
    r"retir\w*|supprim\w*|alter\w*|apag\w*|excluir)\b[^.!?]{0,40}\b(reviews?|ratings?|"
    r"stars?|avis|notes?|[ée]toiles?|avalia[cç][aã]o|coment[aá]rio|estrelas?)\b|"
    r"\b(5|five|cinq|cinco)[\s-]*(stars?|[ée]toiles|estrelas)\b|"
    r"(修改|删除|删掉|撤销|撤回|改成|改为|追加)[^。！？]{0,10}(评价|评论|差评|好评|星)|好评|五星|5星"
)
# TLD-looking words that are not links in these messages (abbreviations, amounts).
_NOT_HOSTS = frozenset({"e.g", "i.e", "p.m", "a.m", "u.s"})


@dataclass(frozen=True)
class ContentRules:
    """What this shop's messages may link to and name as an address."""

    shop_domain: str
    allowed_hosts: frozenset[str] = frozenset()
    shop_emails: frozenset[str] = frozenset()
    answers_a_review: bool = False

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for allowed in {self.shop_domain.lower(), *self.allowed_hosts}:
            if host == allowed or host.endswith("." + allowed):
                return True
        return False


def host_of(url: str) -> str | None:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return parts.hostname


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _iban_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return len(compact) >= 15 and int(numeric) % 97 == 1


def violations(text: str, rules: ContentRules) -> Iterable[ContentViolation]:
    emails = list(_EMAIL.finditer(text))
    for match in emails:
        address = match.group(0).lower()
        domain = address.rsplit("@", 1)[1]
        if address not in rules.shop_emails and not rules.host_allowed(domain):
            yield ContentViolation("foreign_email", address)
    without_emails = _EMAIL.sub(" ", text)
    for match in _URL.finditer(without_emails):
        candidate = match.group(0)
        host = host_of(candidate)
        if host is None or host.lower() in _NOT_HOSTS or candidate.replace(".", "").isdigit():
            continue
        if not rules.host_allowed(host):
            yield ContentViolation("foreign_link", candidate)
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group(0))
        if 13 <= len(digits) <= 19 and _luhn(digits):
            yield ContentViolation("card_number", f"{digits[:4]}…{digits[-2:]}")
    for match in _IBAN.finditer(text):
        if _iban_valid(match.group(0)):
            yield ContentViolation("bank_account", match.group(0)[:6] + "…")
    for match in _OFF_PLATFORM.finditer(text):
        yield ContentViolation("off_platform_contact", match.group(0))
    for match in _ABUSIVE.finditer(text):
        yield ContentViolation("abusive_language", match.group(0))
    if rules.answers_a_review:
        for pattern in (_INDUCEMENT, _REVIEW_CHANGE):
            for match in pattern.finditer(text):
                yield ContentViolation("review_inducement", match.group(0))


def check(text: str, rules: ContentRules) -> None:
    """Raise the first violation, if any."""
    for violation in violations(text, rules):
        raise violation
