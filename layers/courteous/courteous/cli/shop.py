"""`courteous shop validate|get|put SHOP settings|policy|secret|templates [SOURCE]`.

    courteous shop validate lotus-tea settings settings.json
    courteous shop put lotus-tea policy policy.json [--dry-run]
    courteous shop put lotus-tea secret --platform shopify --secret-file secret.txt
    courteous shop put lotus-tea templates ./lotus-tea-templates/
    courteous shop get lotus-tea settings [--stack-name courteous]

`validate` checks a file without writing anything. `put` validates first (nothing is
written when anything is wrong: every problem is printed with its field), writes, and
prints the difference from what was stored; `--dry-run` prints it without writing.
Against the running local stack by default, or a deployed stack with `--stack-name`.
Secrets are SecureStrings at /courteous/webhook-secrets/<shop>/<platform>; `get` says
only whether one is set. Templates go to the template bucket under <shop>/ and must
render (every kind x locale x variant, as `courteous templates check`).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError
from courteous.cli.target import add_target_arguments, open_target

WHAT = ("settings", "policy", "secret", "templates")
_SHOP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_FILE_BYTES = 1_000_000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "shop",
        help="validate, read or write a shop's settings, policy, secrets and templates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, helptext in (
        ("validate", "check a file; writes nothing"),
        ("get", "print what is stored"),
        ("put", "validate, write and show the difference"),
    ):
        sub = actions.add_parser(action, help=helptext)
        sub.add_argument("shop", metavar="SHOP")
        sub.add_argument("what", choices=WHAT, metavar="WHAT", help=" | ".join(WHAT))
        sub.add_argument(
            "source",
            nargs="?",
            type=Path,
            metavar="SOURCE",
            help="a JSON file (settings, policy) or a folder (templates); for get "
            "templates, the folder to write them to",
        )
        sub.add_argument("--platform", help="secret: shopify | woocommerce | judgeme | generic")
        secret = sub.add_mutually_exclusive_group()
        secret.add_argument("--secret", help="secret: the value (visible to `ps`)")
        secret.add_argument("--secret-file", type=Path, metavar="FILE", help="secret: from FILE")
        if action == "put":
            sub.add_argument("--dry-run", action="store_true", help="show, do not write")
        if action == "get":
            sub.add_argument("--reveal", action="store_true", help="secret: print the value")
        if action != "validate":
            add_target_arguments(sub)
        sub.set_defaults(run=run)


def _check_shop(shop: str) -> None:
    if not _SHOP.match(shop):
        raise CliError(f"SHOP: not a shop id: {shop[:40]!r} (letters, digits, _ . -)")


def _read_text(path: Path | None, what: str) -> str:
    if path is None:
        raise CliError(f"{what}: give the JSON file to read")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise CliError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def _read_folder(path: Path | None) -> dict[str, bytes]:
    from courteous.rendering.overrides import folder_names

    if path is None or not path.is_dir():
        raise CliError(f"templates: give the folder of the shop's templates ({path} is not one)")
    return {name: (path / name).read_bytes() for name in folder_names(path)}


def _secret(args: argparse.Namespace) -> tuple[str, str]:
    if not args.platform:
        raise CliError("secret: --platform is required")
    if args.secret is not None:
        return args.platform, str(args.secret)
    if args.secret_file is not None:
        try:
            return args.platform, args.secret_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CliError(f"--secret-file: {exc.strerror}: {args.secret_file}") from exc
    raise CliError("secret: give --secret or --secret-file")


def _render_problems(shop: str, files: dict[str, bytes]) -> list[str]:
    """Every rendering of the set that would fail, as `templates check` reports it."""
    from courteous.rendering.check import check_templates
    from courteous.rendering.renderer import TemplateRenderer

    with tempfile.TemporaryDirectory(prefix="courteous-templates-") as root:
        folder = Path(root) / shop
        for name, body in files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        results = check_templates(TemplateRenderer(overrides=Path(root)), shop_id=shop)
    return sorted({f"{r.kind}/{r.locale}/{r.channel}: {r.problem}" for r in results if not r.ok})


def _print_problems(fields: tuple[tuple[str, str], ...]) -> None:
    for name, message in fields:
        print(f"  {name}: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    _check_shop(args.shop)
    if args.action == "validate":
        return _validate(args)
    from courteous.shops.config import ConfigStoreError, ShopConfig

    with open_target(args) as target:
        config = ShopConfig(target.client("ssm"), target.client("s3"), target.template_bucket)
        try:
            if args.action == "get":
                return _get(args, config)
            return _put(args, config)
        except ConfigStoreError as exc:
            raise CliError(f"{exc} ({target.where})") from exc


def _validate(args: argparse.Namespace) -> int:
    import json

    from courteous.shops.config import (
        Problems,
        validate_policy,
        validate_secret,
        validate_settings,
        validate_templates,
    )

    problems: Problems
    if args.what in ("settings", "policy"):
        text = _read_text(args.source, args.what)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CliError(f"{args.source}: not JSON: {exc.msg} (line {exc.lineno})") from exc
        if not isinstance(data, dict):
            raise CliError(f"{args.source}: a JSON object is needed")
        check = validate_settings if args.what == "settings" else validate_policy
        _, problems = check(args.shop, data)
    elif args.what == "secret":
        platform, secret = _secret(args)
        problems = validate_secret(platform, secret)
    else:
        files = _read_folder(args.source)
        problems = validate_templates(files)
        if not problems:
            rendering = _render_problems(args.shop, files)
            problems = Problems(tuple(("rendering", problem) for problem in rendering))
    if problems:
        print(f"{args.shop} {args.what}: {len(problems.fields)} problem(s)", file=sys.stderr)
        _print_problems(problems.fields)
        return 1
    print(f"{args.shop} {args.what}: valid")
    return 0


def _get(args: argparse.Namespace, config: Any) -> int:
    from courteous.shops.config import PLATFORMS, pretty

    if args.what == "settings":
        text = config.settings_text(args.shop)
        print(
            text if text is not None else pretty(config.settings(args.shop).model_dump(mode="json"))
        )
        if text is None:
            print(f"({args.shop} has no settings stored: these are the defaults)", file=sys.stderr)
    elif args.what == "policy":
        text = config.policy_text(args.shop)
        print(text if text is not None else '{"extends": "default"}')
        if text is None:
            print(
                f"({args.shop} has no policy stored: the default preset applies)", file=sys.stderr
            )
    elif args.what == "secret":
        platforms = [args.platform] if args.platform else list(PLATFORMS)
        for platform in platforms:
            if args.reveal:
                value = config.secret(args.shop, platform)
                print(f"{platform}: {value if value is not None else '(not set)'}")
            else:
                state = "set" if config.has_secret(args.shop, platform) else "not set"
                print(f"{platform}: {state}")
    else:
        files = config.templates(args.shop)
        if args.source is not None:
            for name, body in files.items():
                target = args.source / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
            print(f"{len(files)} template(s) of {args.shop} written to {args.source}")
        else:
            for name in sorted(files):
                print(name)
            if not files:
                print(f"({args.shop} uses the packaged templates only)", file=sys.stderr)
    return 0


def _put(args: argparse.Namespace, config: Any) -> int:
    dry = bool(args.dry_run)
    if args.what == "settings":
        changes = [config.put_settings(args.shop, _read_text(args.source, "settings"), dry_run=dry)]
    elif args.what == "policy":
        changes = [config.put_policy(args.shop, _read_text(args.source, "policy"), dry_run=dry)]
    elif args.what == "secret":
        platform, secret = _secret(args)
        changes = [config.put_secret(args.shop, platform, secret, dry_run=dry)]
    else:
        files = _read_folder(args.source)
        changes = config.put_templates(args.shop, files, dry_run=True)
        if changes and not changes[0].problems:
            rendering = _render_problems(args.shop, files)
            if rendering:
                print(f"{args.shop} templates: {len(rendering)} rendering(s) fail", file=sys.stderr)
                for problem in rendering:
                    print(f"  {problem}", file=sys.stderr)
                return 1
        if not dry and not (changes and changes[0].problems):
            changes = config.put_templates(args.shop, files)
    problems = changes[0].problems if changes else None
    if problems:
        print(
            f"{args.shop} {args.what}: nothing written, {len(problems.fields)} problem(s)",
            file=sys.stderr,
        )
        _print_problems(problems.fields)
        return 1
    changed = [change for change in changes if change.changed]
    for change in changed:
        print(change.diff(redact=args.what == "secret"))
    verb = "would change" if dry else "changed"
    if not changed:
        print(f"{args.shop} {args.what}: unchanged")
    else:
        print(f"{args.shop} {args.what}: {verb} {len(changed)} item(s)")
        if not dry:
            print("(the functions read it within five minutes)")
    return 0
