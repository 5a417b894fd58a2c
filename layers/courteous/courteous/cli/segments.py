"""`courteous segments count|sample QUERY --shop S`: who a segment holds.

    courteous segments count "rfm in (at_risk, cant_lose) and tier in (vip, top_vip)
        and last_order before P90D and country = CN and consent marketing/sms" --shop S

The query language is described in `courteous.audiences.segments` (fields: rfm, r, f,
m, tier, country, region, locale, zone, tag, orders, purchases, cancelled, spent,
birthday_month, first_order, last_order, last_purchase; `consent CLASS/CHANNEL`). A
query that cannot run is refused before anything is read, naming the field or value.
`segments recompute --shop S` computes the shop's RFM scores now (what the daily run
does). Against the local stack by default, or a deployed stack (`--stack-name`).
"""

from __future__ import annotations

import argparse
from typing import Any

from courteous.cli.audience import add_target_arguments, audience_target, check_shop
from courteous.cli.common import CliError, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "segments",
        help="count and sample customers by a segment query; RFM scores",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    count = actions.add_parser("count", help="how many customers a segment holds")
    count.add_argument("query")
    add_target_arguments(count)
    count.set_defaults(run=run_count)
    sample = actions.add_parser("sample", help="a few of a segment's customers")
    sample.add_argument("query")
    sample.add_argument("-n", type=int, default=10, help="how many (default 10)")
    sample.add_argument("--json", action="store_true", help="one JSON list")
    add_target_arguments(sample)
    sample.set_defaults(run=run_sample)
    recompute = actions.add_parser("recompute", help="compute the shop's RFM scores now")
    recompute.add_argument("--json", action="store_true", help="the model as JSON")
    add_target_arguments(recompute)
    recompute.set_defaults(run=run_recompute)


def _segment(text: str) -> Any:
    from courteous.audiences.segments import SegmentQueryError, parse_segment

    try:
        return parse_segment(text)
    except SegmentQueryError as exc:
        raise CliError(f"query: {exc}") from exc


def _reader(target: Any) -> Any:
    from courteous.audiences.members import SegmentReader
    from courteous.audiences.recompute import RfmRuns
    from courteous.audiences.store import FactsStore

    facts = FactsStore(target.client, target.table, target.contact_key)
    return SegmentReader(facts, RfmRuns(target.client, facts))


def run_count(args: argparse.Namespace) -> int:
    from courteous.audiences.segments import SegmentQueryError
    from courteous.audiences.store import FactsStoreError
    from courteous.clock import now

    shop, segment = check_shop(args.shop), _segment(args.query)
    with audience_target(args) as target:
        try:
            matched, scanned = _reader(target).count(shop, segment, now())
        except (SegmentQueryError, FactsStoreError) as exc:
            raise CliError(str(exc)) from exc
    print(f"{matched} of {scanned} customers of {shop}")
    return 0


def run_sample(args: argparse.Namespace) -> int:
    from courteous.audiences.segments import SegmentQueryError
    from courteous.audiences.store import FactsStoreError
    from courteous.clock import now

    if args.n < 1:
        raise CliError("-n: at least 1")
    shop, segment = check_shop(args.shop), _segment(args.query)
    members = []
    with audience_target(args) as target:
        try:
            for member in _reader(target).members(shop, segment, now()):
                members.append(member)
                if len(members) >= args.n:
                    break
        except (SegmentQueryError, FactsStoreError) as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        print_json([member.as_json() for member in members])
        return 0
    for member in members:
        facts = member.facts
        spent = ", ".join(f"{v} {k}" for k, v in sorted(facts.spent.items())) or "-"
        last = facts.last_order_at.date().isoformat() if facts.last_order_at else "-"
        print(
            f"{member.customer_key[:18]:<18} {member.cell.value if member.cell else '-':<20} "
            f"{facts.tier.value if facts.tier else '-':<10} {facts.country or '-':<3} "
            f"orders {facts.orders:<3} paid {facts.purchases:<3} spent {spent:<16} last {last}"
        )
    if not members:
        print("nobody in this segment")
    return 0


def run_recompute(args: argparse.Namespace) -> int:
    from courteous.audiences.recompute import RecomputeError, RfmRuns
    from courteous.audiences.store import FactsStore, FactsStoreError
    from courteous.clock import now

    shop = check_shop(args.shop)
    with audience_target(args) as target:
        facts = FactsStore(target.client, target.table, target.contact_key)
        try:
            model = RfmRuns(target.client, facts).recompute_here(shop, now())
        except (RecomputeError, FactsStoreError) as exc:
            raise CliError(str(exc)) from exc
    if model is None:
        raise CliError(f"shop {shop} has no buyers yet: nothing to score", exit_code=1)
    if args.json:
        print_json(model.as_json())
        return 0
    basis = "recency x money (frequency degenerate)" if model.degenerate_frequency else "R x F"
    print(
        f"{shop}: {model.buyers} buyers scored as of {model.as_of:%Y-%m-%d %H:%M}Z, "
        f"{model.repeat_share:.1%} bought more than once; cells on {basis}; "
        f"money in {model.currency or '-'}"
    )
    return 0
