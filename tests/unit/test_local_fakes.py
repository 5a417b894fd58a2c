"""The in-memory AWS the benchmark measures against behaves as the gate needs it to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from courteous.gate.decide import committed_send, decide
from courteous.gate.policy import PRESETS
from courteous.gate.store import AuditRecord, GateStore
from courteous.messages import MessageRequest, Recipient
from courteous_local.fakes import MemoryDynamoDB, fake_clients, item_size


def test_item_sizes_follow_the_dynamodb_rules() -> None:
    # name bytes + value bytes; numbers ~ digits/2 + 1; lists and maps 3 + 1 per element
    assert item_size({"pk": {"S": "abc"}}) == 5
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"l": {"L": [{"S": "a"}, {"BOOL": True}]}}) == 1 + 3 + 2 + 2


def test_the_ledger_conditions_hold_in_memory() -> None:
    dynamodb = MemoryDynamoDB()
    first = {
        "TableName": "t",
        "Item": {"pk": {"S": "R"}, "sk": {"S": "L"}, "version": {"N": "1"}},
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    dynamodb.transact_write_items(TransactItems=[{"Put": first}])
    with pytest.raises(ClientError) as lost:
        dynamodb.transact_write_items(TransactItems=[{"Put": first}])
    assert lost.value.response["Error"]["Code"] == "TransactionCanceledException"
    second = {
        **first,
        "ConditionExpression": "version = :read",
        "ExpressionAttributeValues": {":read": {"N": "1"}},
    }
    second["Item"] = {**first["Item"], "version": {"N": "2"}}
    dynamodb.transact_write_items(TransactItems=[{"Put": second}])
    assert dynamodb.capacity["WRU"] == 4  # two transactional writes of one small item


def test_the_gate_store_runs_on_the_fakes_and_counts_capacity() -> None:
    clients = fake_clients({})
    store = GateStore(clients("dynamodb"), "gate")
    now = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
    request = MessageRequest(
        kind="payment_reminder",
        channel="sms",
        recipient=Recipient(shop_id="s", phone="+8613800138000"),
        created_at=now,
    )
    ledger = store.load("R#s#x")
    decision = decide(PRESETS["default"], ledger, request, now)
    new = committed_send(PRESETS["default"], ledger, request, now)
    store.commit_send("R#s#x", ledger, new, AuditRecord("R#s#x", request, decision), ttl=None)
    assert len(store.load("R#s#x").sends) == 1
    assert clients("dynamodb").capacity["RRU"] == 2
