"""`courteous templates check [--shop DIR] [--json]`: every template, rendered and checked.

Renders each kind x locale x variant x channel against sample data (full, and with each
optional value left out) and fails on a missing variable, a content-policy violation or
an SMS over the default policy's segment limit. `--shop DIR` checks a shop's overrides
(`DIR/<kind>/<locale>/<part>.j2`) on top of the packaged templates.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "templates",
        help="check every message template",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="render every template against samples")
    check.add_argument("--shop", type=Path, help="a shop's override directory")
    check.add_argument("--json", action="store_true", help="one JSON list of results")
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    from courteous.rendering.check import check_templates
    from courteous.rendering.renderer import TemplateRenderer

    if args.shop is not None:
        from courteous.rendering.overrides import folder_names, layout_problems

        if not args.shop.is_dir():
            raise CliError(f"--shop: not a directory: {args.shop}")
        problems = layout_problems(folder_names(args.shop))
        if problems:
            for problem in problems:
                print(f"FAIL {problem}")
            print(f"{len(problems)} file(s) of {args.shop} would never be used: nothing rendered")
            return 1
        renderer = TemplateRenderer(overrides=args.shop.resolve().parent)
        results = check_templates(renderer, shop_id=args.shop.resolve().name)
    else:
        results = check_templates(TemplateRenderer())
    failed = [result for result in results if not result.ok]
    if args.json:
        print_json([result.__dict__ for result in results])
    else:
        for result in failed:
            print(
                f"FAIL {result.kind}/{result.locale}/{result.channel} ({result.variant}): "
                f"{result.problem}"
            )
        segments = Counter(r.segments for r in results if r.segments is not None)
        print(
            f"{len(results) - len(failed)} of {len(results)} renderings pass; SMS segments: "
            + ", ".join(f"{n} x{count}" for n, count in sorted(segments.items()))
        )
    return 1 if failed else 0
