"""A shop's own templates: where they live, what names they may have, how they are read.

An override set mirrors the packaged tree: `<kind>/<locale>/<part>[.<variant>].j2` and
`_shared/<locale>/...`. Deployed, a shop's set lives under the S3 prefix
`<shop_id>/` of the template bucket; locally, in a folder per shop. Every file name is
checked against the kinds, locales, parts and variants that exist, so a misspelt folder
("payment_reminders/") is an error when the set is checked or put, not a silent
fallback to the packaged wording.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from jinja2 import BaseLoader, Environment, TemplateNotFound

from courteous.errors import RetryableError
from courteous.messages import Kind

LOCALE_NAMES = ("en", "zh-CN", "fr")
PARTS = ("sms", "email_subject", "email_text")
SHARED_PARTS = ("email_text", "email_html.html")
VARIANTS = frozenset(
    {"last_call", "member", "senior", "vip", "top_vip", "coupon", "second"}
    | {"traffic", "profit", "promotion", "exclusive"}
)
CACHE_SECONDS = 300.0
MAX_TEMPLATE_BYTES = 64 * 1024
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class OverrideReadError(RetryableError):
    pass


def layout_problems(names: Iterable[str]) -> list[str]:
    """What is wrong with the names of an override set (relative, '/'-separated)."""
    problems = []
    kinds = {kind.value for kind in Kind}
    for name in sorted(names):
        parts = name.split("/")
        if len(parts) != 3 or not all(_NAME.match(part) for part in parts):
            problems.append(f"{name}: expected <kind>/<locale>/<part>.j2")
            continue
        folder, locale, file = parts
        if folder != "_shared" and folder not in kinds:
            problems.append(
                f"{name}: no kind {folder!r} (kinds: {', '.join(sorted(kinds))}, _shared)"
            )
            continue
        if locale not in LOCALE_NAMES:
            problems.append(f"{name}: no locale {locale!r} (locales: {', '.join(LOCALE_NAMES)})")
            continue
        if not file.endswith(".j2"):
            problems.append(f"{name}: a template's name ends in .j2")
            continue
        stem = file[: -len(".j2")]
        if folder == "_shared":
            if stem not in SHARED_PARTS:
                problems.append(f"{name}: shared parts are {', '.join(SHARED_PARTS)}")
            continue
        part, _, variant = stem.partition(".")
        if part not in PARTS:
            problems.append(f"{name}: no part {part!r} (parts: {', '.join(PARTS)})")
        elif variant and variant not in VARIANTS:
            problems.append(
                f"{name}: no variant {variant!r} (variants: {', '.join(sorted(VARIANTS))})"
            )
    return problems


def folder_names(root: Path) -> list[str]:
    """Every file under `root`, as '/'-separated names relative to it."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )


class S3Templates:
    """One shop's overrides under `<prefix><shop_id>/` of a bucket, cached.

    The prefix is listed once per `cache_seconds`; a file is fetched once per change of
    its ETag. Takes its boto3 S3 client as an argument."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._listing: dict[str, tuple[float, dict[str, str]]] = {}
        self._bodies: dict[tuple[str, str], str] = {}

    def names(self, shop_id: str) -> dict[str, str]:
        """Template name -> ETag for the shop's overrides."""
        with self._lock:
            cached = self._listing.get(shop_id)
            if cached is not None and self._clock() - cached[0] < self._cache_seconds:
                return cached[1]
        root = f"{self._prefix}{shop_id}/"
        found: dict[str, str] = {}
        request: dict[str, Any] = {"Bucket": self._bucket, "Prefix": root}
        try:
            while True:
                page = self._client.list_objects_v2(**request)
                for item in page.get("Contents", []):
                    found[str(item["Key"])[len(root) :]] = str(item.get("ETag", ""))
                if not page.get("IsTruncated"):
                    break
                request["ContinuationToken"] = page["NextContinuationToken"]
        except (ClientError, BotoCoreError) as exc:
            raise OverrideReadError(f"cannot list the templates of {shop_id}") from exc
        with self._lock:
            self._listing[shop_id] = (self._clock(), found)
        return found

    def source(self, shop_id: str, name: str) -> str | None:
        etag = self.names(shop_id).get(name)
        if etag is None:
            return None
        with self._lock:
            body = self._bodies.get((f"{shop_id}/{name}", etag))
        if body is not None:
            return body
        try:
            response = self._client.get_object(
                Bucket=self._bucket, Key=f"{self._prefix}{shop_id}/{name}"
            )
            raw = response["Body"].read(MAX_TEMPLATE_BYTES + 1)
        except (ClientError, BotoCoreError) as exc:
            raise OverrideReadError(f"cannot read template {name} of {shop_id}") from exc
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise OverrideReadError(
                f"template {name} of {shop_id} is over {MAX_TEMPLATE_BYTES} bytes"
            )
        body = bytes(raw).decode("utf-8")
        with self._lock:
            self._bodies[(f"{shop_id}/{name}", etag)] = body
        return body

    def loader(self, shop_id: str) -> S3Loader:
        return S3Loader(self, shop_id)


class S3Loader(BaseLoader):
    """A Jinja loader over one shop's S3 overrides."""

    def __init__(self, templates: S3Templates, shop_id: str) -> None:
        self._templates = templates
        self._shop = shop_id

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        body = self._templates.source(self._shop, template)
        if body is None:
            raise TemplateNotFound(template)
        return body, f"s3:{self._shop}/{template}", lambda: False

    def list_templates(self) -> list[str]:
        return sorted(self._templates.names(self._shop))
