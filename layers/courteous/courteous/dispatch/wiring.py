"""Build a `Dispatcher` from settings and boto3 clients (no AWS call until used)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from courteous.channels import SesEmailSender, SnsSmsSender
from courteous.dispatch.outbox import DeadLetters, OutboxConsumer
from courteous.dispatch.service import Dispatcher, Renderer
from courteous.dispatch.settings import DispatchSettings
from courteous.gate.policies import ShopPolicies
from courteous.gate.service import ContactGate
from courteous.gate.settings import contact_key
from courteous.gate.store import GateStore
from courteous.messages import Channel, MessageRequest
from courteous.recipients.identity import recipient_key
from courteous.scheduling import OneTimeScheduler, QueueTarget


def build_dispatcher(
    settings: DispatchSettings,
    renderer: Renderer,
    client: Callable[[str], Any] = boto3.client,
) -> Dispatcher:
    ssm = client("ssm")
    key = contact_key(settings, ssm)
    store = GateStore(client("dynamodb"), settings.gate_table_name)
    policies = ShopPolicies(ssm, settings.shop_policy_parameter, settings.default_policy)

    def key_for(request: MessageRequest) -> str:
        return recipient_key(key, request.recipient.shop_id, request.contact)

    scheduler = OneTimeScheduler(
        client("scheduler"),
        settings.schedule_group_name,
        QueueTarget(
            queue_arn=settings.outbox_queue_arn,
            role_arn=settings.scheduler_role_arn,
            dead_letter_arn=settings.outbox_dlq_arn,
        ),
    )
    return Dispatcher(
        gate=ContactGate(store, policies, key_for),
        store=store,
        renderer=renderer,
        senders={
            Channel.EMAIL: SesEmailSender(client("sesv2"), settings.sender_email),
            Channel.SMS: SnsSmsSender(client("sns"), settings.sms_sender_id),
        },
        scheduler=scheduler,
        policy_for=policies,
    )


def build_consumer(
    settings: DispatchSettings,
    renderer: Renderer,
    client: Callable[[str], Any] = boto3.client,
) -> OutboxConsumer:
    return OutboxConsumer(
        build_dispatcher(settings, renderer, client),
        DeadLetters(client("sqs"), settings.outbox_dlq_url),
    )
