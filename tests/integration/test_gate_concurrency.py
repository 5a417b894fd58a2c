"""Caps hold exactly under concurrency, on AWS's own DynamoDB engine.

32 dispatchers race for one recipient whose policy allows 3 messages a day: exactly 3
are sent, the rest are deferred, in every round. Then the same race for a shop's
customer with a phone and an e-mail address, half the messages by each: the cap counts
the person, so still exactly 3, across both channels. DynamoDB Local honours
conditional writes and transactions as DynamoDB does; when Java or the jar is missing
the test says so and runs against moto's server instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from courteous.gate.decide import Action, Reason
from courteous_local.provision import provision
from courteous_local.race import race_round
from courteous_local.servers import Engine, dynamodb_engine, local_dynamodb_client
from courteous_local.template import default_template_path, load_template

THREADS = 32
ROUNDS = 5
CAP = 3


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with dynamodb_engine() as running:
        if running.note:
            warnings.warn(running.note, stacklevel=1)
        yield running


def _client(engine: Engine) -> Any:
    return local_dynamodb_client(engine.endpoint)


@pytest.fixture(scope="module")
def gate_table(engine: Engine) -> str:
    created = provision(
        load_template(default_template_path()),
        lambda service: _client(engine),
        stack_name="concurrency",
        only=frozenset({"AWS::DynamoDB::Table"}),
    )
    return created.ref("GateTable")


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_32_dispatchers_send_exactly_the_cap(
    engine: Engine, gate_table: str, round_number: int
) -> None:
    # Given one recipient (new each round), a cap of 3 a day and 32 payment reminders
    # When 32 threads dispatch them at once
    result = race_round(
        lambda: _client(engine), gate_table, f"round-{round_number}", threads=THREADS, cap=CAP
    )
    # Then exactly 3 were sent and the other 29 deferred by the cap, none lost
    assert result.errors == ()
    assert result.outcomes[(Action.SEND, Reason.ALLOWED)] == CAP
    assert result.outcomes[(Action.DEFER, Reason.FREQUENCY_CAP)] == THREADS - CAP
    assert result.channel_sends == CAP
    assert result.schedules == THREADS - CAP
    # And the ledger agrees with the channel; every decision is in the audit trail
    assert result.ledger_sends == CAP
    assert result.audit_records == THREADS


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_32_dispatchers_on_two_channels_send_exactly_the_cap_to_the_person(
    engine: Engine, gate_table: str, round_number: int
) -> None:
    # Given one customer with a phone and an e-mail (new each round), a cap of 3 a day,
    # and 32 payment reminders, every other one by e-mail
    # When 32 threads dispatch them at once
    result = race_round(
        lambda: _client(engine),
        gate_table,
        f"mixed-{round_number}",
        threads=THREADS,
        cap=CAP,
        mixed=True,
    )
    # Then exactly 3 went out, by either channel, and the other 29 were deferred
    assert result.errors == ()
    assert result.outcomes[(Action.SEND, Reason.ALLOWED)] == CAP
    assert result.outcomes[(Action.DEFER, Reason.FREQUENCY_CAP)] == THREADS - CAP
    assert result.channel_sends == CAP
    # And the customer's ledger agrees; every decision is in a contact's audit trail
    assert result.ledger_sends == CAP
    assert result.audit_records == THREADS
