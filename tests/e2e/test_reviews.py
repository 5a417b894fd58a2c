"""Reviews on the local stack: from the generic and Judge.me webhooks and a CSV export,
through the reviews function, to ReviewFlagged on the bus and one apology per order
through the contact gate."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from courteous.adapters.signatures import sign_judgeme
from courteous.cli import main
from courteous_local import webhooks as wh
from courteous_local.decisions import read_decisions
from courteous_local.serve import WEBHOOK_SECRET_PARAMETER
from courteous_local.stack import LocalStack
from tests.conftest import FIXTURES_DIR, load_event

pytestmark = pytest.mark.e2e

SHOP = "acme-shop"
# 15:00 UTC: 10:00 in Kentucky, a fine hour for a text.
START = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
SECRETS = {"generic": "generic-s3cret", "judgeme": "judgeme-api-token"}


def help_desk(stack: LocalStack) -> Callable[[], list[dict[str, Any]]]:
    """A help desk's own rule on the bus, reading every ReviewFlagged from a queue."""
    assert stack.clients is not None and stack.resources is not None
    sqs, events = stack.clients("sqs"), stack.clients("events")
    url = sqs.create_queue(QueueName="help-desk")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = stack.resources.ref("OrderBus")
    events.put_rule(
        Name="help-desk",
        EventBusName=bus,
        EventPattern=json.dumps(
            {"source": ["courteous.reviews"], "detail-type": ["ReviewFlagged"]}
        ),
    )
    events.put_targets(Rule="help-desk", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        found = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                found.append(json.loads(message["Body"])["detail"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    return read


def judgeme_webhook(rating: int, text: str) -> wh.Webhook:
    payload = json.loads((FIXTURES_DIR / "judgeme" / "review_created.json").read_text("utf-8"))
    payload["review"].update({"rating": rating, "body": text, "id": 465077999})
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "JUDGEME-HMAC-SHA256": sign_judgeme(SECRETS["judgeme"], body),
    }
    return wh.Webhook("judgeme", SHOP, "review/created", body, headers)


def test_reviews_flow_from_webhooks_and_csv_to_flags_and_one_apology_per_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalStack(START) as stack:
        assert stack.clients is not None and stack.resources is not None
        stack.put_parameter(
            f"/courteous/shops/{SHOP}/settings",
            json.dumps(
                {
                    "shop_name": "Acme",
                    "shop_domain": "acme.example.com",
                    "support_email": "help@acme.example.com",
                }
            ),
            secure=False,
        )
        for platform, secret in SECRETS.items():
            stack.put_parameter(
                WEBHOOK_SECRET_PARAMETER.format(shop_id=SHOP, platform=platform), secret
            )
        flags = help_desk(stack)

        # Given a five-star review posted by the shop's own system: "but the box arrived crushed"
        detail = load_event("orders/ReviewPosted")["detail"]
        hook = wh.generic(SHOP, SECRETS["generic"], "ReviewPosted", detail, START)
        assert stack.request("POST", hook.path, headers=hook.headers, body=hook.body).status == 202
        # And a two-star review from Judge.me, which names no order
        judged = judgeme_webhook(2, "The strap broke after a week.")
        assert (
            stack.request("POST", judged.path, headers=judged.headers, body=judged.body).status
            == 202
        )
        # And a paid order from the shop, then Olist-shaped CSV rows reviewing it, one star
        order = copy.deepcopy(load_event("orders/OrderCreated")["detail"])
        order.update(
            event_id="generic:order:7001",
            order_id="7001",
            order_number="#7001",
            paid=True,
            platform="generic",
        )
        order["customer"].update(
            customer_id="c-7001", phone="+15025550177", email="ann@mail.example.com"
        )
        created = wh.generic(SHOP, SECRETS["generic"], "OrderCreated", order, START)
        assert (
            stack.request("POST", created.path, headers=created.headers, body=created.body).status
            == 202
        )
        export = tmp_path / "reviews.csv"
        header = (
            (FIXTURES_DIR / "reviews" / "olist_reviews_header_and_rows.csv")
            .read_text("utf-8")
            .splitlines()[0]
        )
        export.write_text(
            header + "\n"
            "rv-olist-1,7001,1,Não chegou,Ainda não recebi o produto,2026-11-27 08:00:00,\n"
            "rv-olist-2,7001,5,,Tudo certo,2026-11-27 09:00:00,\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("EVENT_BUS_NAME", stack.resources.ref("OrderBus"))
        status = main(
            [
                "reviews",
                "import",
                str(export),
                "--shop",
                SHOP,
                "--zone",
                "America/Sao_Paulo",
                "--language",
                "pt-BR",
            ]
        )
        assert status == 0
        assert "posted 2 reviews (olist columns)" in capsys.readouterr().out

        # When the stack runs for a while
        stack.advance(timedelta(minutes=10))

        # Then the help desk has one flag per complaint, each with its aspect and order
        found = sorted((f["review_id"], f["aspect"], f["hidden"], f["severity"]) for f in flags())
        assert found == [
            ("judgeme:465077999", "product_quality", False, "high"),
            ("rv-olist-1", "delivery", False, "high"),
            ("rv_5521", "packaging", True, "low"),
        ]
        # And each complaint got one apology through the gate, sent now, once per order
        decisions = read_decisions(stack.clients("dynamodb"), stack.resources.ref("GateTable"))
        care = sorted(
            (d.order_id or "-", d.channel, d.action) for d in decisions if d.kind == "review_care"
        )
        assert care == [
            ("-", "email", "send"),
            ("450789469", "sms", "send"),
            ("7001", "sms", "send"),
        ]
        assert not stack.log.failures

        # And the report shows the week's complaints with examples
        monkeypatch.setenv("REVIEW_TABLE_NAME", stack.resources.ref("ReviewTable"))
        assert main(["reviews", "report", "--shop", SHOP, "--weeks", "2"]) == 0
        report = capsys.readouterr().out
        assert "reviews read" in report and "2026-W48" in report
        assert '"the box arrived crushed"' in report and 'order 7001: "Não chegou"' in report
