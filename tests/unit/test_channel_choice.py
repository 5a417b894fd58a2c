"""The channel a message goes by: consent x reachability x preference x shop order.

The matrix below names each case and the channel it must take (or the reason nothing
can); the property after it checks, for every combination Hypothesis finds, the rules
the choice must keep whatever the case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courteous.audiences.identity import buyer_names
from courteous.channels.choice import CHANNEL_REASONS, choose
from courteous.events.models import OrderCustomer
from courteous.gate.decide import Action, Reason
from courteous.gate.ledger_state import (
    LedgerState,
    RecipientLedgers,
    Undeliverable,
    UndeliverableReason,
    ledger_keys,
)
from courteous.gate.policy import PRESETS
from courteous.messages import Channel, Kind, MessageClass, MessageRequest, Recipient
from courteous.recipients.identity import customer_key, recipient_key
from tests.unit.gate_helpers import T0

KEY = b"choice-test-key"
SMS, EMAIL = Channel.SMS, Channel.EMAIL
YES, NO, UNKNOWN = True, False, None
KIND = {
    MessageClass.MARKETING: Kind.BIRTHDAY_GREETING,
    MessageClass.SERVICE: Kind.PAYMENT_REMINDER,
    MessageClass.TRANSACTIONAL: Kind.SHIPPING_NOTICE,
}


@dataclass(frozen=True)
class Contact:
    """One channel's side of the person: a contact or none, its word, its state."""

    consent: bool | None = UNKNOWN  # the profile's word for the message's class
    present: bool = True
    opted_out: bool = False  # STOP (this shop)
    undeliverable: bool = False  # hard bounce / invalid number (every shop)


C = Contact
ABSENT = Contact(present=False)
OUT = Contact(opted_out=True)
DEAD = Contact(undeliverable=True)


@dataclass(frozen=True)
class Case:
    message_class: MessageClass
    sms: Contact = field(default_factory=Contact)
    email: Contact = field(default_factory=Contact)
    preferred: Channel | None = None
    order: tuple[Channel, ...] = (SMS, EMAIL)


def _request(case: Case) -> MessageRequest:
    consent = {
        channel: {case.message_class: side.consent}
        for channel, side in ((SMS, case.sms), (EMAIL, case.email))
        if side.consent is not None
    }
    return MessageRequest(
        kind=KIND[case.message_class],
        recipient=Recipient(
            shop_id="shop-1",
            customer_id="c-1",
            phone="+8613800138000" if case.sms.present else None,
            email="wei@example.com" if case.email.present else None,
            zone="Asia/Shanghai",
            channel_consent=consent,
            preferred_channel=case.preferred,
        ),
        created_at=T0,
        order_id="1001",
    )


def _ledgers(case: Case, request: MessageRequest) -> RecipientLedgers:
    keys = ledger_keys(KEY, request)
    items: dict[str, LedgerState] = {}
    for channel, side in ((SMS, case.sms), (EMAIL, case.email)):
        if channel not in keys.channels:
            continue
        if side.opted_out:
            items[keys.channels[channel].contact] = LedgerState(
                version=1, opted_out=frozenset({channel})
            )
        if side.undeliverable:
            mark = Undeliverable(reason=UndeliverableReason.BOUNCED, detail="General", at=T0)
            items[keys.channels[channel].wide] = LedgerState(version=1, undeliverable=mark)
    return RecipientLedgers(keys=keys, items=items)


def _choose(case: Case) -> tuple[Channel | None, Reason]:
    request = _request(case)
    choice = choose(PRESETS["cn"], _ledgers(case, request), request, T0, shop_order=case.order)
    return choice.chosen, choice.decision.reason


M, S, T = MessageClass.MARKETING, MessageClass.SERVICE, MessageClass.TRANSACTIONAL

OK, NO_WORD, STOPPED, GONE = (
    Reason.ALLOWED,
    Reason.NO_CONSENT,
    Reason.OPTED_OUT,
    Reason.UNDELIVERABLE,
)

MATRIX: list[tuple[str, Case, Channel | None, Reason]] = [
    # marketing: the first channel (preference, then the shop's order) with a recorded yes
    ("marketing: yes by both, shop order", Case(M, C(YES), C(YES)), SMS, OK),
    ("marketing: the sample customer (no SMS, yes e-mail)", Case(M, C(NO), C(YES)), EMAIL, OK),
    ("marketing: SMS unknown is no", Case(M, C(UNKNOWN), C(YES)), EMAIL, OK),
    ("marketing: no yes anywhere", Case(M, C(UNKNOWN), C(NO)), None, NO_WORD),
    ("marketing: preferred e-mail", Case(M, C(YES), C(YES), preferred=EMAIL), EMAIL, OK),
    ("marketing: preferred, no yes there", Case(M, C(YES), C(NO), preferred=EMAIL), SMS, OK),
    ("marketing: e-mail first", Case(M, C(YES), C(YES), order=(EMAIL, SMS)), EMAIL, OK),
    ("marketing: e-mail only", Case(M, C(YES), C(NO), order=(EMAIL,)), None, NO_WORD),
    ("marketing: yes by SMS but opted out", Case(M, C(YES, opted_out=True), C(YES)), EMAIL, OK),
    ("marketing: yes, bounced", Case(M, C(NO), C(YES, undeliverable=True)), None, NO_WORD),
    ("marketing: no phone at all", Case(M, ABSENT, C(YES)), EMAIL, OK),
    ("marketing: only a phone, no yes", Case(M, C(UNKNOWN), ABSENT), None, NO_WORD),
    # service: preference, else the shop's order; a "no" on a channel passes it on
    ("service: unknown word, shop order", Case(S), SMS, OK),
    ("service: preferred e-mail", Case(S, preferred=EMAIL), EMAIL, OK),
    ("service: preferred SMS, e-mail first", Case(S, preferred=SMS, order=(EMAIL, SMS)), SMS, OK),
    ("service: a no by SMS", Case(S, C(NO)), EMAIL, OK),
    ("service: a no on both", Case(S, C(NO), C(NO)), None, NO_WORD),
    ("service: SMS opted out", Case(S, OUT), EMAIL, OK),
    ("service: number invalid", Case(S, DEAD), EMAIL, OK),
    ("service: preferred e-mail bounced", Case(S, preferred=EMAIL, email=DEAD), SMS, OK),
    ("service: opted out and bounced", Case(S, OUT, DEAD), None, STOPPED),
    ("service: only a bounced address", Case(S, ABSENT, DEAD), None, GONE),
    ("service: preferred has no contact", Case(S, ABSENT, preferred=SMS), EMAIL, OK),
    # transactional: no consent needed, but an opt-out or a dead contact still counts
    ("transactional: a no to marketing is no matter", Case(T, C(NO)), SMS, OK),
    ("transactional: preferred e-mail", Case(T, preferred=EMAIL), EMAIL, OK),
    ("transactional: SMS opted out", Case(T, OUT), EMAIL, OK),
    ("transactional: SMS only, opted out", Case(T, OUT, order=(SMS,)), None, STOPPED),
    ("transactional: number invalid, no address", Case(T, DEAD, ABSENT), None, GONE),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "channel", "reason"),
    [pytest.param(case, channel, reason, id=name) for name, case, channel, reason in MATRIX],
)
def test_the_channel_matrix(case: Case, channel: Channel | None, reason: Reason) -> None:
    assert _choose(case) == (channel, reason)


def test_the_decision_says_which_channel_and_why_the_others_were_refused() -> None:
    # Given the sample customer: no to marketing SMS, yes to marketing e-mail
    case = Case(M, Contact(consent=NO), Contact(consent=YES))
    request = _request(case)
    # When the birthday greeting's channel is chosen
    choice = choose(PRESETS["cn"], _ledgers(case, request), request, T0)
    # Then it goes by e-mail, because of the shop's order after SMS had no consent
    assert choice.chosen is EMAIL
    assert [(r.channel, r.reason) for r in choice.refused] == [(SMS, Reason.NO_CONSENT)]
    assert choice.summary == (
        "email (the shop's channel order; sms refused "
        "(no_consent: no consent to marketing messages))"
    )


def test_a_pinned_channel_is_the_only_one_tried() -> None:
    case = Case(S, Contact(consent=NO))
    request = _request(case).model_copy(update={"channel": SMS})
    choice = choose(PRESETS["cn"], _ledgers(case, request), request, T0)
    assert (choice.chosen, choice.decision.reason) == (None, Reason.NO_CONSENT)


def test_quiet_hours_are_about_the_person_not_the_channel() -> None:
    # Given a night in Shanghai: SMS would wait until the morning
    night = T0 + timedelta(hours=12)  # 00:00 in Shanghai
    case = Case(S)
    request = _request(case)
    choice = choose(PRESETS["cn"], _ledgers(case, request), request, night)
    # Then the message waits for SMS, it is not moved to e-mail
    assert (choice.chosen, choice.decision.action) == (SMS, Action.DEFER)


def test_a_channel_that_cannot_carry_the_text_passes_it_on() -> None:
    case = Case(S)
    request = _request(case)
    too_long = {SMS: "sms_too_long"}
    choice = choose(PRESETS["cn"], _ledgers(case, request), request, T0, content=too_long.get)
    assert choice.chosen is EMAIL
    assert [(r.channel, r.reason) for r in choice.refused] == [(SMS, Reason.CONTENT_POLICY)]


def test_the_sms_spend_limit_passes_texts_to_e_mail() -> None:
    case = Case(S)
    request = _request(case)
    choice = choose(PRESETS["cn"], _ledgers(case, request), request, T0, sms_budget_left=False)
    assert choice.chosen is EMAIL
    assert choice.refused[0].reason is Reason.SMS_SPEND_LIMIT


contacts = st.builds(
    Contact,
    present=st.booleans(),
    consent=st.sampled_from([YES, NO, UNKNOWN]),
    opted_out=st.booleans(),
    undeliverable=st.booleans(),
)
cases = st.builds(
    Case,
    message_class=st.sampled_from(list(MessageClass)),
    sms=contacts,
    email=contacts,
    preferred=st.sampled_from([None, SMS, EMAIL]),
    order=st.sampled_from([(SMS, EMAIL), (EMAIL, SMS), (SMS,), (EMAIL,)]),
).filter(lambda case: case.sms.present or case.email.present)


def _usable(case: Case, channel: Channel) -> bool:
    side = case.sms if channel is SMS else case.email
    if not side.present or side.opted_out or side.undeliverable:
        return False
    if case.message_class is MessageClass.MARKETING:
        return side.consent is YES
    if case.message_class is MessageClass.SERVICE:
        return side.consent is not NO
    return True


@settings(max_examples=300, deadline=None)
@given(cases)
def test_every_combination_keeps_the_rules(case: Case) -> None:
    chosen, reason = _choose(case)
    order = [case.preferred] if case.preferred in case.order else []
    order += [channel for channel in case.order if channel not in order]
    usable = [channel for channel in order if _usable(case, channel)]
    if usable:
        # The first channel, in the order tried, that can and may carry it.
        assert (chosen, reason) == (usable[0], Reason.ALLOWED)
    else:
        # Nothing is sent, and the reason belongs to a channel.
        assert chosen is None and reason in CHANNEL_REASONS


def test_the_ledger_names_are_the_names_the_flows_know_the_buyer_by() -> None:
    # The gate hashes the customer id too, but names the same buyer the same way as
    # `audiences.identity.buyer_names` (the payment reminders' and the facts' names).
    for customer in (
        OrderCustomer(customer_id="7001", phone="+8613800138000", email="wei@example.com"),
        OrderCustomer(phone="+8613800138000"),
        OrderCustomer(customer_id="7001", email="wei@example.com"),
    ):
        request = MessageRequest(
            kind=Kind.PAYMENT_REMINDER,
            recipient=customer.recipient("shop-1"),
            created_at=T0,
        )
        expected = []
        for name in buyer_names(KEY, "shop-1", customer):
            if name.startswith("C"):
                expected.append(customer_key(KEY, "shop-1", name[1:]))
            else:
                contact = next(
                    c
                    for c in (customer.phone, customer.email)
                    if c and recipient_key(KEY, "shop-1", c) == f"R#shop-1#{name[1:]}"
                )
                expected.append(recipient_key(KEY, "shop-1", contact))
        assert sorted(ledger_keys(KEY, request).names) == sorted(expected)
