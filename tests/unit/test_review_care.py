"""The care message after a complaint in a review: an apology, the shop's contact, no offer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from courteous.errors import ContentViolation
from courteous.gate.policy import PRESETS
from courteous.messages import KIND_CLASSES, Channel, Kind, MessageClass, MessageRequest, Recipient
from courteous.rendering.content import ContentRules, check
from courteous.rendering.context import InvalidMessageData, message_data
from courteous.rendering.renderer import TemplateRenderer
from courteous.rendering.samples import FULL

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
RULES = ContentRules(shop_domain="lotus-tea.example.cn", answers_a_review=True)


def request(locale: str, **data: object) -> MessageRequest:
    return MessageRequest(
        kind=Kind.REVIEW_CARE,
        channel=Channel.SMS,
        recipient=Recipient(shop_id="lotus", phone="+8613800138000", locale=locale),
        data={**FULL[Kind.REVIEW_CARE], **data},
        created_at=NOW,
    )


@pytest.mark.parametrize(
    ("locale", "apology"),
    [("en", "We are sorry"), ("fr", "Nous sommes désolés"), ("zh-CN", "非常抱歉")],
)
def test_the_care_message_apologises_and_says_how_to_reach_the_shop(
    locale: str, apology: str
) -> None:
    # Given a care request about a late delivery
    # When it is rendered in the recipient's language
    message = TemplateRenderer().render(request(locale), PRESETS["default"])
    # Then it apologises and gives the shop's address, and is a service message
    assert apology in message.text
    assert "care@lotus-tea.example.cn" in message.text
    assert message.message_class is MessageClass.SERVICE
    assert KIND_CLASSES[Kind.REVIEW_CARE] is MessageClass.SERVICE


def test_the_care_data_cannot_carry_a_coupon() -> None:
    with pytest.raises(InvalidMessageData, match="coupon"):
        message_data(Kind.REVIEW_CARE, {**FULL[Kind.REVIEW_CARE], "coupon": {"code": "X"}})


@pytest.mark.parametrize(
    "text",
    [
        "Sorry! Here is a 10% off coupon for your next order.",
        "We will send you a gift card if you update your review.",
        "Please change your rating to 5 stars.",
        "Nous vous offrons un code promo.",
        "Pouvez-vous modifier votre avis ?",
        "Desculpe, ganhe um cupom de desconto.",
        "抱歉，送您一张优惠券",
        "麻烦您修改一下评价",
        "好评返现",
    ],
)
def test_an_offer_or_a_request_to_change_the_review_is_refused(text: str) -> None:
    with pytest.raises(ContentViolation) as caught:
        check(text, RULES)
    assert caught.value.rule == "review_inducement"


def test_an_apology_alone_passes_and_other_kinds_keep_their_coupons() -> None:
    check("We are sorry. Feel free to reply to this message.", RULES)
    check("A thank-you: code THANKS10 (10% off).", ContentRules(shop_domain="lotus-tea.example.cn"))


def test_a_shop_override_that_offers_something_is_suppressed(tmp_path: object) -> None:
    # Given a shop whose own template for this kind slips in a coupon
    from pathlib import Path

    root = Path(str(tmp_path))
    folder = root / "lotus" / "review_care" / "en"
    folder.mkdir(parents=True)
    (folder / "sms.j2").write_text("{{ shop.name }}: sorry! Use code SORRY10 for 10% off.")
    # When it is rendered
    # Then the content rules refuse it, naming the rule
    with pytest.raises(ContentViolation) as caught:
        TemplateRenderer(root).render(request("en"), PRESETS["default"])
    assert caught.value.rule == "review_inducement"
