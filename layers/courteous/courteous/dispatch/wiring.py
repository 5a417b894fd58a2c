"""Build a `Dispatcher` from settings and boto3 clients (no AWS call until used)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from courteous.channels import SesEmailSender, SmsSender
from courteous.channels.settings import ShopChannels
from courteous.dispatch.outbox import DeadLetters, OutboxConsumer
from courteous.dispatch.service import Dispatcher, Renderer
from courteous.dispatch.settings import DispatchSettings
from courteous.flows.settings import ShopSettingsSource
from courteous.gate.policies import ShopPolicies
from courteous.gate.service import ContactGate
from courteous.gate.settings import contact_key
from courteous.gate.store import GateStore
from courteous.messages import Channel
from courteous.scheduling import OneTimeScheduler, QueueTarget
from courteous.unsubscribe.links import UnsubscribeLinks

SMS_SERVICE = "pinpoint-sms-voice-v2"


def build_dispatcher(
    settings: DispatchSettings,
    renderer: Renderer,
    client: Callable[[str], Any] = boto3.client,
) -> Dispatcher:
    ssm = client("ssm")
    key = contact_key(settings, ssm)
    store = GateStore(client("dynamodb"), settings.gate_table_name)
    policies = ShopPolicies(ssm, settings.shop_policy_parameter, settings.default_policy)
    shop_settings = ShopSettingsSource(ssm, settings.shop_settings_parameter)

    def channels_for(shop_id: str) -> ShopChannels:
        return shop_settings(shop_id).channel_settings()

    scheduler = OneTimeScheduler(
        client("scheduler"),
        settings.schedule_group_name,
        QueueTarget(
            queue_arn=settings.outbox_queue_arn,
            role_arn=settings.scheduler_role_arn,
            dead_letter_arn=settings.outbox_dlq_arn,
        ),
    )
    unsubscribe = None
    if settings.unsubscribe_url and settings.unsubscribe_mailbox:
        unsubscribe = UnsubscribeLinks(settings.unsubscribe_url, settings.unsubscribe_mailbox, key)
    return Dispatcher(
        gate=ContactGate(store, policies, key, channels_for),
        store=store,
        renderer=renderer,
        senders={
            Channel.EMAIL: SesEmailSender(
                client("sesv2"), settings.sender_email, settings.email_configuration_set
            ),
            Channel.SMS: SmsSender(
                client(SMS_SERVICE),
                settings.sms_origination_identity,
                settings.sms_configuration_set,
            ),
        },
        scheduler=scheduler,
        policy_for=policies,
        channels_for=channels_for,
        unsubscribe=unsubscribe,
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
