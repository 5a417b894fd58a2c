"""One-click unsubscribe as deployed: a marketing e-mail's link, followed by GET, POST
and mail, against the gate table built from template.yaml.

The token comes from the `List-Unsubscribe` header of an e-mail the dispatcher sent;
the functions run in-process with the environment the template gives them, and their
HTTP events are built the way the local stack builds API Gateway's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest

from courteous.gate.decide import Action, Reason
from courteous.gate.ledger_state import ledger_keys
from courteous.gate.store import GateStore
from courteous.messages import Channel, Kind, MessageClass, MessageRequest
from courteous_local.instrument import ClientFactory
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction
from courteous_local.stack import _Route, http_api_event
from tests.conftest import FIXTURES_DIR
from tests.integration.channel_helpers import (
    MORNING,
    Clock,
    ask,
    clock_at,
    emails_sent,
    person,
    real_consumer,
)
from tests.integration.conftest import CONTACT_HASH_KEY

RECEIPT = FIXTURES_DIR / "aws_events" / "ses" / "receipt_lambda_action.json"
ONE_CLICK = b"List-Unsubscribe=One-Click"
YES_BY_EMAIL = {Channel.EMAIL: {MessageClass.MARKETING: True}}


@dataclass
class Answer:
    status: int
    page: str


@dataclass
class Links:
    function: InProcessFunction
    route_get: _Route
    route_post: _Route
    clock: Clock

    def _call(self, route: _Route, path: str, body: bytes) -> Answer:
        token = path.rsplit("/", 1)[-1]
        headers = {"content-type": "application/x-www-form-urlencoded"} if body else {}
        event = http_api_event(
            route.method,
            path,
            "",
            headers,
            body,
            {"token": token},
            route,
            "198.51.100.7",
            self.clock.at,
        )
        response = self.function.invoke(event)
        assert response["headers"]["Content-Type"].startswith("text/html")
        return Answer(int(response["statusCode"]), str(response["body"]))

    def get(self, path: str) -> Answer:
        return self._call(self.route_get, path, b"")

    def post(self, path: str, body: bytes = ONE_CLICK) -> Answer:
        return self._call(self.route_post, path, body)


@pytest.fixture
def world(stack: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Iterator[Links]:
    spec = stack.functions["UnsubscribeFunction"]
    for name, value in spec.environment.items():
        monkeypatch.setenv(name, value)
    function = InProcessFunction(spec, 0, "arn:unsubscribe")
    with clock_at(MORNING) as clock:
        yield Links(
            function,
            _Route(function, "GET", "/unsubscribe/{token}"),
            _Route(function, "POST", "/unsubscribe/{token}"),
            clock,
        )
    function.unload()


def _greet(clients: ClientFactory, year: int, locale: str = "en") -> tuple[str, str]:
    """Send a birthday greeting by e-mail; its unsubscribe link's path and its mailto."""
    consumer = real_consumer(clients)
    recipient = person(1, channel_consent=YES_BY_EMAIL, locale=locale)
    outcome = consumer.handle(ask(Kind.BIRTHDAY_GREETING, recipient, str(year)))
    assert outcome is not None and outcome.channel is Channel.EMAIL
    header = str(emails_sent()[-1]["List-Unsubscribe"])
    https, mailto = (part.strip(" <>") for part in header.split(","))
    return urlsplit(https).path, mailto


def _word(stack: Provisioned) -> tuple[bool | None, str | None]:
    """The e-mail contact's marketing word at the shop, and why it was recorded."""
    request = MessageRequest.model_validate_json(ask(Kind.BIRTHDAY_GREETING, person(1), "probe"))
    contact = ledger_keys(CONTACT_HASH_KEY.encode(), request).channels[Channel.EMAIL].contact
    state = GateStore(boto3.client("dynamodb"), stack.ref("GateTable")).load(contact)
    return (
        state.consent.get(MessageClass.MARKETING),
        state.consent_reasons.get(MessageClass.MARKETING),
    )


def test_a_valid_link_shows_a_page_then_unsubscribes_at_once_and_once(
    stack: Provisioned, clients: ClientFactory, world: Links
) -> None:
    # Given a birthday greeting by e-mail, in French
    path, _ = _greet(clients, 2026, locale="fr-FR")
    # When the customer's mail client fetches the link (a GET)
    page = world.get(path)
    # Then a small page in their language asks, with one button, and nothing changes
    assert page.status == 200
    assert '<html lang="fr">' in page.page and "Se désabonner" in page.page
    assert f'action="{path}"' in page.page
    assert _word(stack) == (None, None)
    # When the one-click POST arrives
    done = world.post(path)
    # Then the opt-out is recorded at once, without a login
    assert done.status == 200 and "est fait" in done.page
    assert _word(stack) == (False, "unsubscribed")
    # And the next marketing e-mail is not sent: no consent by e-mail, none by SMS
    world.clock.at += timedelta(days=1)
    consumer = real_consumer(clients)
    recipient = person(1, channel_consent=YES_BY_EMAIL)
    outcome = consumer.handle(ask(Kind.BIRTHDAY_GREETING, recipient, "2027"))
    assert outcome is not None
    assert (outcome.decision.action, outcome.decision.reason) == (
        Action.SUPPRESS,
        Reason.NO_CONSENT,
    )
    assert "email refused (no_consent: no consent to marketing messages (unsubscribed))" in (
        outcome.decision.detail
    )


def test_a_replayed_link_changes_nothing_even_after_a_new_yes(
    stack: Provisioned, clients: ClientFactory, world: Links
) -> None:
    # Given a link that unsubscribed the customer, who later said yes again
    path, _ = _greet(clients, 2026)
    assert world.post(path).status == 200
    store = GateStore(boto3.client("dynamodb"), stack.ref("GateTable"))
    request = MessageRequest.model_validate_json(ask(Kind.BIRTHDAY_GREETING, person(1), "p"))
    contact = ledger_keys(CONTACT_HASH_KEY.encode(), request).channels[Channel.EMAIL].contact
    store.merge_consent(contact, {MessageClass.MARKETING: True})
    # When the same link is posted again
    again = world.post(path)
    # Then it answers as before and the new yes stands
    assert again.status == 200 and "already" in again.page
    assert _word(stack) == (True, None)


def test_a_forged_link_changes_nothing(
    stack: Provisioned, clients: ClientFactory, world: Links
) -> None:
    path, _ = _greet(clients, 2026)
    version, payload, signature = path.rsplit("/", 1)[-1].split(".")
    # A signature that is not ours, and a payload changed under a real signature
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = f"/unsubscribe/{version}.{payload}.{flipped}"
    other = json.loads(_unb64(payload))
    other["s"] = "another-shop"
    swapped = f"/unsubscribe/{version}.{_b64(json.dumps(other))}.{signature}"
    for bad in (forged, swapped, "/unsubscribe/not-a-token"):
        assert world.get(bad).status == 400
        answer = world.post(bad)
        assert answer.status == 400 and "not valid" in answer.page
    assert _word(stack) == (None, None)


def test_an_expired_link_changes_nothing(
    stack: Provisioned, clients: ClientFactory, world: Links
) -> None:
    path, _ = _greet(clients, 2026)
    world.clock.at += timedelta(days=61)
    answer = world.post(path)
    assert answer.status == 410 and "expired" in answer.page
    assert _word(stack) == (None, None)


def test_a_post_that_is_not_one_click_changes_nothing(
    stack: Provisioned, clients: ClientFactory, world: Links
) -> None:
    path, _ = _greet(clients, 2026)
    assert world.post(path, b"").status == 400
    assert world.post(path, b"unsubscribe=yes").status == 400
    assert _word(stack) == (None, None)


def test_the_mailto_unsubscribes_by_mail(
    stack: Provisioned, clients: ClientFactory, world: Links, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the mail function as deployed, and a mail sent by the mailto of the header
    spec = stack.functions["UnsubscribeMailFunction"]
    for name, value in spec.environment.items():
        monkeypatch.setenv(name, value)
    function = InProcessFunction(spec, 0, "arn:unsubscribe-mail")
    _, mailto = _greet(clients, 2026)
    subject = unquote(mailto.split("?subject=", 1)[1])
    received = json.loads(RECEIPT.read_text(encoding="utf-8"))
    # When SES receives a mail without a token (the documented sample), nothing changes
    assert function.invoke(copy.deepcopy(received)) == {"outcomes": ["invalid"]}
    assert _word(stack) == (None, None)
    # And when it receives the customer's mail, whose subject is the mailto's
    received["Records"][0]["ses"]["mail"]["commonHeaders"]["subject"] = subject
    result: Any = function.invoke(received)
    function.unload()
    # Then the customer is unsubscribed
    assert result == {"outcomes": ["unsubscribed"]}
    assert _word(stack) == (False, "unsubscribed")


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
