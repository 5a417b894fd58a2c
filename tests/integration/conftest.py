"""Integration fixtures: moto in-process, every resource built from `template.yaml`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from courteous import clock
from courteous.channels import OutgoingMessage
from courteous.dispatch.outbox import OutboxConsumer
from courteous.dispatch.settings import DispatchSettings
from courteous.dispatch.wiring import build_consumer
from courteous.errors import ContentViolation, PermanentError
from courteous.gate.policy import Policy
from courteous.messages import MessageRequest
from courteous_local.instrument import ClientFactory
from courteous_local.provision import Provisioned, provision
from courteous_local.sms_voice import ENDPOINT_VARIABLE, SmsVoiceEmulator, sms_voice_emulator
from courteous_local.template import default_template_path, load_template
from tests.conftest import load_event

CONTACT_HASH_KEY = "integration-test-contact-key"


@pytest.fixture
def sms() -> Iterator[SmsVoiceEmulator]:
    """End User Messaging SMS, which moto lacks, on our emulator (texts are kept)."""
    with sms_voice_emulator() as emulator:
        yield emulator


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch, sms: SmsVoiceEmulator) -> Iterator[Provisioned]:
    """The template's resources in moto; the dispatcher's environment as deployed."""
    monkeypatch.setenv(ENDPOINT_VARIABLE, sms.endpoint)
    with mock_aws():
        template = load_template(default_template_path())
        created = provision(template, lambda service: boto3.client(service))
        dispatch = created.functions["DispatchFunction"]
        for name, value in dispatch.environment.items():
            monkeypatch.setenv(name, value)
        boto3.client("ssm").put_parameter(
            Name=dispatch.environment["CONTACT_HASH_KEY_PARAMETER"],
            Value=CONTACT_HASH_KEY,
            Type="SecureString",
        )
        boto3.client("sesv2").create_email_identity(
            EmailIdentity=dispatch.environment["SENDER_EMAIL"]
        )
        yield created


# 2026-11-18 03:55 UTC: 11:55 in Shanghai, 22:55 (the evening before) in New York,
# 04:55 in Paris.
MORNING_IN_SHANGHAI = datetime(2026, 11, 18, 3, 55, tzinfo=UTC)


class PlainRenderer:
    """Text from the request's data (the templates are tested on their own); refuses a
    message whose data asks it to, so the dispatcher's handling of both can be seen."""

    def render(self, request: MessageRequest, policy: Policy) -> OutgoingMessage:
        if request.data.get("forbidden"):
            raise ContentViolation("foreign_link", "https://elsewhere.example")
        if request.data.get("broken"):
            raise PermanentError("data.carrier: Field required")
        fields = ", ".join(f"{key}={value}" for key, value in sorted(request.data.items()))
        if (
            request.data.get("long_sms")
            and request.channel is not None
            and request.channel.value == "sms"
        ):
            raise ContentViolation("sms_too_long", "5 GSM-7 segments, limit 3")
        return OutgoingMessage(
            text=f"{request.kind.value}: {fields}",
            message_class=request.effective_class,
            subject=f"About your order {request.order_id}",
        )


@pytest.fixture
def at_morning_in_shanghai() -> Iterator[None]:
    previous = clock.use_clock(lambda: MORNING_IN_SHANGHAI)
    yield
    clock.use_clock(previous)


@pytest.fixture
def clients(stack: Provisioned) -> ClientFactory:
    return ClientFactory()


@pytest.fixture
def consumer(stack: Provisioned, clients: ClientFactory) -> OutboxConsumer:
    return build_consumer(DispatchSettings.from_env(), PlainRenderer(), clients)


def bodies(event_name: str) -> list[str]:
    return [record["body"] for record in load_event(event_name)["Records"]]


def sent(clients: ClientFactory) -> int:
    return (
        clients.calls.counts[("sms-voice", "SendTextMessage")]
        + clients.calls.counts[("email", "SendEmail")]
    )
