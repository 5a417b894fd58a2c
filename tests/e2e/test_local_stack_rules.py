"""The local stack routes events by EventBridge pattern semantics, as deployed rules do.

A small template (the local stack reads any SAM template) declares two functions whose
rules use content filters: prefix, numeric, anything-but and exists. Events put on the
emulated bus reach exactly the functions whose patterns match, with a full envelope.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from courteous_local.stack import LocalStack

pytestmark = pytest.mark.e2e

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  ContactHashKeyParameterName:
    Type: String
    Default: /courteous/contact-hash-key
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub rules-${AWS::StackName}
  BigOrders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: big/
      Handler: handler.handler
      Events:
        Big:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern:
              source: [{prefix: "shop."}]
              detail:
                total: [{numeric: [">", 100]}]
  Coupons:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: coupons/
      Handler: handler.handler
      Events:
        WithCoupon:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern:
              detail-type: [{anything-but: ["Test"]}]
              detail:
                coupon: [{exists: true}]
"""

HANDLER = """
import json, pathlib
def handler(event, context):
    with open(pathlib.Path(__file__).with_name("seen.jsonl"), "a") as out:
        out.write(json.dumps(event) + "\\n")
    return {"ok": True}
"""


def seen(folder: Path) -> list[dict[str, object]]:
    path = folder / "seen.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_rules_filter_by_prefix_numeric_anything_but_and_exists(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    for name in ("big", "coupons"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "handler.py").write_text(HANDLER, encoding="utf-8")
    start = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
    with LocalStack(start, template_path=tmp_path / "template.yaml") as stack:
        assert stack.clients is not None and stack.resources is not None
        bus = stack.resources.ref("Bus")

        def put(source: str, detail_type: str, detail: dict[str, object]) -> None:
            assert stack.clients is not None
            stack.clients("events").put_events(
                Entries=[
                    {
                        "Source": source,
                        "DetailType": detail_type,
                        "Detail": json.dumps(detail),
                        "EventBusName": bus,
                    }
                ]
            )

        put("shop.orders", "Order", {"id": 1, "total": 150})  # big
        put("shop.orders", "Order", {"id": 2, "total": 50})  # neither
        put("other.orders", "Order", {"id": 3, "total": 500})  # wrong prefix
        put("shop.orders", "Order", {"id": 4, "total": 20, "coupon": "X"})  # coupon
        put("shop.orders", "Test", {"id": 5, "total": 900, "coupon": "X"})  # big, not coupon
        stack.drain()

    big = seen(tmp_path / "big")
    coupons = seen(tmp_path / "coupons")
    assert sorted(e["detail"]["id"] for e in big) == [1, 5]  # type: ignore[index]
    assert [e["detail"]["id"] for e in coupons] == [4]  # type: ignore[index]
    # Delivered as EventBridge does, with every envelope field Powertools reads
    for event in big + coupons:
        assert {"version", "id", "detail-type", "source", "account", "time", "region"} <= set(event)
