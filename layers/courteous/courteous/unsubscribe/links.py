"""The one-click unsubscribe a marketing or service e-mail carries (RFC 8058).

Headers: `List-Unsubscribe: <https://…/unsubscribe/TOKEN>, <mailto:…?subject=…>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (what Gmail and Yahoo ask of bulk
senders since 2024), and the same https link visible at the foot of the text and HTML
parts. Transactional e-mail (a shipping notice) carries none: it is not a list the
customer can leave. The link is added after the content policy has judged the text,
because it points at our API rather than at the shop.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import quote

from courteous.channels import OutgoingMessage
from courteous.messages import MessageClass
from courteous.unsubscribe.tokens import issue, link_key, new_token

ONE_CLICK = "List-Unsubscribe=One-Click"
LISTED_CLASSES = frozenset({MessageClass.MARKETING, MessageClass.SERVICE})

_FOOTER = {
    "en": "Unsubscribe from these e-mails: {url}",
    "fr": "Se désabonner de ces e-mails : {url}",
    "zh": "退订此类邮件：{url}",
}
_LINK_TEXT = {"en": "Unsubscribe", "fr": "Se désabonner", "zh": "退订"}


@dataclass(frozen=True)
class UnsubscribeLinks:
    """Where links point: the public API's `/unsubscribe` and the unsubscribe mailbox."""

    base_url: str
    mailbox: str
    contact_key: bytes

    def url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/{token}"

    def headers(self, token: str) -> dict[str, str]:
        mailto = f"mailto:{self.mailbox}?subject={quote('unsubscribe ' + token)}"
        return {
            "List-Unsubscribe": f"<{self.url(token)}>, <{mailto}>",
            "List-Unsubscribe-Post": ONE_CLICK,
        }

    def token(
        self,
        *,
        shop_id: str,
        recipient_key: str,
        message_class: MessageClass,
        locale: str,
        request_id: str,
        sent_at: datetime,
    ) -> str:
        return issue(
            link_key(self.contact_key),
            new_token(
                shop_id=shop_id,
                recipient_key=recipient_key,
                message_class=message_class,
                locale=locale,
                token_id=request_id,
                sent_at=sent_at,
            ),
        )

    def apply(self, message: OutgoingMessage, token: str, locale: str) -> OutgoingMessage:
        """The message with the headers and the visible link (unchanged if transactional)."""
        if message.message_class not in LISTED_CLASSES:
            return message
        url = self.url(token)
        language = locale.split("-")[0].lower()
        footer = _FOOTER.get(language, _FOOTER["en"]).format(url=url)
        text = f"{message.text.rstrip()}\n\n{footer}\n"
        page = message.html
        if page is not None:
            link = (
                f'<p style="color: #666; font-size: 90%;"><a href="{html.escape(url)}">'
                f"{html.escape(_LINK_TEXT.get(language, _LINK_TEXT['en']))}</a></p>\n"
            )
            at = page.rfind("</body>")
            page = page[:at] + link + page[at:] if at >= 0 else page + link
        return replace(
            message, text=text, html=page, headers={**message.headers, **self.headers(token)}
        )
