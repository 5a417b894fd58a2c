"""`courteous webhook`: debug a shop's webhook set-up.

    courteous webhook verify --platform shopify --secret S --body body.json --signature SIG
    courteous webhook verify --platform generic --secret S --body body.json \\
        --signature 't=1732280000,v1=5f0c...'          # or --signature 5f0c... --timestamp T
    courteous webhook sign --platform generic --secret S --body body.json

`verify` exits 0 and prints `valid`, or exits 1 and prints why. The body file must hold
the exact bytes the platform sent (a re-formatted JSON file will not verify). For the
generic scheme the age is checked against now (`--max-age`, default 300 s; 0 skips it,
for a body captured earlier).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError

PLATFORMS = ("shopify", "woocommerce", "judgeme", "generic")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "webhook",
        help="verify or sign a webhook body as a shop platform would",
        description="Debug webhook signatures (Shopify, WooCommerce, Judge.me, generic).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    verify = actions.add_parser("verify", help="check a signature against a body and secret")
    _common_arguments(verify)
    verify.add_argument(
        "--signature", required=True, help="the signature header's value, exactly as sent"
    )
    verify.add_argument(
        "--timestamp",
        type=int,
        metavar="T",
        help="generic only: unix seconds, when --signature is the bare v1 hex",
    )
    verify.add_argument(
        "--max-age",
        type=int,
        default=300,
        metavar="SECONDS",
        help="generic only: accepted age of the timestamp (default 300; 0 = do not check)",
    )
    verify.set_defaults(run=run_verify)

    sign = actions.add_parser("sign", help="print the signature header value for a body")
    _common_arguments(sign)
    sign.add_argument(
        "--timestamp", type=int, metavar="T", help="generic only: unix seconds (default: now)"
    )
    sign.set_defaults(run=run_sign)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", required=True, choices=PLATFORMS)
    secret = parser.add_mutually_exclusive_group(required=True)
    secret.add_argument("--secret", help="the webhook secret")
    secret.add_argument(
        "--secret-file", type=Path, metavar="FILE", help="read the secret from FILE"
    )
    parser.add_argument(
        "--body", required=True, type=Path, metavar="FILE", help="the raw body, byte for byte"
    )


def _secret(args: argparse.Namespace) -> str:
    if args.secret is not None:
        secret: str = args.secret
    else:
        try:
            secret = args.secret_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CliError(f"--secret-file: {exc.strerror}: {args.secret_file}") from exc
    if not secret:
        raise CliError("the secret is empty")
    return secret


def _body(args: argparse.Namespace) -> bytes:
    try:
        return bytes(args.body.read_bytes())
    except OSError as exc:
        raise CliError(f"--body: {exc.strerror}: {args.body}") from exc


def run_verify(args: argparse.Namespace) -> int:
    from courteous.adapters.signatures import (
        SignatureError,
        verify_generic,
        verify_judgeme,
        verify_shopify,
        verify_woocommerce,
    )

    secret, body, signature = _secret(args), _body(args), args.signature
    try:
        if args.platform == "shopify":
            verify_shopify(secret, body, signature)
        elif args.platform == "woocommerce":
            verify_woocommerce(secret, body, signature)
        elif args.platform == "judgeme":
            verify_judgeme(secret, body, signature)
        else:
            if args.max_age < 0:
                raise CliError("--max-age must be 0 or more")
            if args.timestamp is not None and "=" not in signature:
                signature = f"t={args.timestamp},v1={signature}"
            now = datetime.now(UTC) if args.max_age else None
            verify_generic(
                secret, body, signature, now=now, tolerance=timedelta(seconds=args.max_age)
            )
    except SignatureError as exc:
        print(f"invalid: {exc.reason}")
        return 1
    print("valid")
    return 0


def run_sign(args: argparse.Namespace) -> int:
    from courteous.adapters.signatures import (
        sign_generic,
        sign_judgeme,
        sign_shopify,
        sign_woocommerce,
    )

    secret, body = _secret(args), _body(args)
    if args.platform == "shopify":
        print(sign_shopify(secret, body))
    elif args.platform == "woocommerce":
        print(sign_woocommerce(secret, body))
    elif args.platform == "judgeme":
        print(sign_judgeme(secret, body))
    else:
        timestamp = args.timestamp if args.timestamp is not None else int(time.time())
        print(sign_generic(secret, body, timestamp))
    return 0
