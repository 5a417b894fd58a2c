"""A shop's configuration as operators change it: settings, policy, secrets, templates.

Where each lives (shared decisions of the deployment):
- settings: SSM String `/courteous/shops/<shop_id>/settings` (JSON, `ShopSettings`);
- policy: SSM String `/courteous/shops/<shop_id>/policy` (JSON over a preset);
- webhook secret: SSM SecureString `/courteous/webhook-secrets/<shop_id>/<platform>`;
- templates: the template bucket, under `<shop_id>/<kind>/<locale>/<part>.j2`.

Nothing is written that does not validate: `validate_*` returns the problems per field,
`put_*` refuses on any, and every write answers with the difference it made. The
functions that read these (flows, dispatch, ingestion) cache them for five minutes.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from courteous.errors import RetryableError
from courteous.flows.settings import ShopSettings, ShopSettingsError, settings_from_json
from courteous.gate.policy import Policy, PolicyError, policy_from_dict
from courteous.rendering.overrides import MAX_TEMPLATE_BYTES, layout_problems

SETTINGS_PARAMETER = "/courteous/shops/{shop_id}/settings"
POLICY_PARAMETER = "/courteous/shops/{shop_id}/policy"
SECRET_PARAMETER = "/courteous/webhook-secrets/{shop_id}/{platform}"  # noqa: S105  # nosec B105
PLATFORMS = ("shopify", "woocommerce", "judgeme", "generic")
SECRET_MIN_LENGTH = 16
SHOP_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class ConfigStoreError(RetryableError):
    pass


@dataclass(frozen=True)
class Problems:
    """What is wrong with a proposed value: (field, message) pairs; empty when valid."""

    fields: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.fields)

    def by_field(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, message in self.fields:
            found.setdefault(name, message)
        return found

    def text(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.fields)


@dataclass(frozen=True)
class Change:
    """What a write did (or would do): the text before and after, and their difference."""

    name: str
    before: str | None
    after: str
    problems: Problems = field(default_factory=Problems)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self, redact: bool = False) -> str:
        if redact:
            if not self.changed:
                return ""
            return f"{self.name}: {'set' if self.before is None else 'replaced'} (value hidden)"
        lines = difflib.unified_diff(
            (self.before or "").splitlines(),
            self.after.splitlines(),
            fromfile=f"{self.name} (stored)" if self.before is not None else "(none)",
            tofile=f"{self.name} (new)",
            lineterm="",
        )
        return "\n".join(lines)


def pretty(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def _json_object(text: str, what: str) -> tuple[dict[str, Any] | None, Problems]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, Problems(((what, f"not JSON: {exc.msg} (line {exc.lineno})"),))
    except RecursionError:
        return None, Problems(((what, "JSON nested too deeply"),))
    if not isinstance(data, dict):
        return None, Problems(((what, "a JSON object is needed"),))
    return data, Problems()


def validate_settings(
    shop_id: str, data: Mapping[str, Any]
) -> tuple[ShopSettings | None, Problems]:
    try:
        return settings_from_json(shop_id, json.dumps(dict(data))), Problems()
    except ShopSettingsError as exc:
        return None, Problems(exc.fields or (("settings", str(exc)),))


def validate_policy(shop_id: str, data: Mapping[str, Any]) -> tuple[Policy | None, Problems]:
    try:
        return policy_from_dict(dict(data), source=shop_id), Problems()
    except PolicyError as exc:
        return None, Problems(exc.fields or (("policy", str(exc)),))


def validate_secret(platform: str, secret: str) -> Problems:
    if platform not in PLATFORMS:
        return Problems((("platform", f"one of {', '.join(PLATFORMS)}"),))
    if len(secret) < SECRET_MIN_LENGTH:
        return Problems((("secret", f"at least {SECRET_MIN_LENGTH} characters"),))
    if secret != secret.strip():
        return Problems((("secret", "no spaces or line ends around it"),))
    return Problems()


def validate_templates(files: Mapping[str, bytes]) -> Problems:
    """Names and sizes of an override set; rendering is checked by `check_templates`."""
    problems = [("templates", problem) for problem in layout_problems(files)]
    for name, body in sorted(files.items()):
        if len(body) > MAX_TEMPLATE_BYTES:
            problems.append((name, f"larger than {MAX_TEMPLATE_BYTES} bytes"))
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            problems.append((name, "not UTF-8 text"))
    return Problems(tuple(problems))


class ShopConfig:
    """Reads and writes one deployment's shop configuration.

    Takes its boto3 SSM client and, for templates, its S3 client and the bucket."""

    def __init__(self, ssm: Any, s3: Any | None = None, template_bucket: str | None = None) -> None:
        self._ssm = ssm
        self._s3 = s3
        self._bucket = template_bucket

    # ------------------------------------------------------------------ parameters
    def _get(self, name: str, decrypt: bool = False) -> str | None:
        try:
            response = self._ssm.get_parameter(Name=name, WithDecryption=decrypt)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ParameterNotFound":
                return None
            raise ConfigStoreError(f"cannot read {name}") from exc
        except BotoCoreError as exc:
            raise ConfigStoreError(f"cannot read {name}") from exc
        return str(response["Parameter"]["Value"])

    def _put(self, name: str, value: str, secure: bool) -> None:
        try:
            self._ssm.put_parameter(
                Name=name,
                Value=value,
                Type="SecureString" if secure else "String",
                Overwrite=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise ConfigStoreError(f"cannot write {name}") from exc

    def shops(self) -> list[str]:
        """Every shop with settings or a policy."""
        names: set[str] = set()
        request: dict[str, Any] = {"Path": "/courteous/shops", "Recursive": True}
        try:
            while True:
                page = self._ssm.get_parameters_by_path(**request)
                for parameter in page.get("Parameters", []):
                    parts = str(parameter["Name"]).split("/")
                    if len(parts) == 5 and parts[4] in ("settings", "policy"):
                        names.add(parts[3])
                token = page.get("NextToken")
                if not token:
                    break
                request["NextToken"] = token
        except (ClientError, BotoCoreError) as exc:
            raise ConfigStoreError("cannot list the shops") from exc
        return sorted(names)

    def settings_text(self, shop_id: str) -> str | None:
        return self._get(SETTINGS_PARAMETER.format(shop_id=shop_id))

    def settings(self, shop_id: str) -> ShopSettings:
        """The settings the functions would use (the defaults when none are stored)."""
        return settings_from_json(shop_id, self.settings_text(shop_id))

    def policy_text(self, shop_id: str) -> str | None:
        return self._get(POLICY_PARAMETER.format(shop_id=shop_id))

    def policy(self, shop_id: str, default: str = "default") -> Policy:
        text = self.policy_text(shop_id)
        if text is None:
            return policy_from_dict({"extends": default})
        data = json.loads(text)
        if isinstance(data, str):
            data = {"extends": data}
        return policy_from_dict(data, source=shop_id)

    def has_secret(self, shop_id: str, platform: str) -> bool:
        return self.secret(shop_id, platform) is not None

    def secret(self, shop_id: str, platform: str) -> str | None:
        name = SECRET_PARAMETER.format(shop_id=shop_id, platform=platform)
        return self._get(name, decrypt=True)

    def put_settings(self, shop_id: str, text: str, *, dry_run: bool = False) -> Change:
        name = SETTINGS_PARAMETER.format(shop_id=shop_id)
        before = self.settings_text(shop_id)
        data, problems = _json_object(text, "settings")
        if data is not None:
            _, problems = validate_settings(shop_id, data)
        after = pretty(data) if data is not None else text
        change = Change(name, _normal(before), after, problems)
        if not problems and not dry_run and change.changed:
            self._put(name, after, secure=False)
        return change

    def put_policy(self, shop_id: str, text: str, *, dry_run: bool = False) -> Change:
        name = POLICY_PARAMETER.format(shop_id=shop_id)
        before = self.policy_text(shop_id)
        data, problems = _json_object(text, "policy")
        if data is not None:
            _, problems = validate_policy(shop_id, data)
        after = pretty(data) if data is not None else text
        change = Change(name, _normal(before), after, problems)
        if not problems and not dry_run and change.changed:
            self._put(name, after, secure=False)
        return change

    def put_secret(
        self, shop_id: str, platform: str, secret: str, *, dry_run: bool = False
    ) -> Change:
        problems = validate_secret(platform, secret)
        name = SECRET_PARAMETER.format(shop_id=shop_id, platform=platform)
        before = None if problems else self._get(name, decrypt=True)
        change = Change(name, before, secret, problems)
        if not problems and not dry_run and change.changed:
            self._put(name, secret, secure=True)
        return change

    # ------------------------------------------------------------------ templates
    def _require_bucket(self) -> tuple[Any, str]:
        if self._s3 is None or not self._bucket:
            raise ConfigStoreError("no template bucket known for this deployment")
        return self._s3, self._bucket

    def templates(self, shop_id: str) -> dict[str, bytes]:
        s3, bucket = self._require_bucket()
        root = f"{shop_id}/"
        found: dict[str, bytes] = {}
        request: dict[str, Any] = {"Bucket": bucket, "Prefix": root}
        try:
            while True:
                page = s3.list_objects_v2(**request)
                for item in page.get("Contents", []):
                    key = str(item["Key"])
                    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                    found[key[len(root) :]] = bytes(body)
                if not page.get("IsTruncated"):
                    break
                request["ContinuationToken"] = page["NextContinuationToken"]
        except (ClientError, BotoCoreError) as exc:
            raise ConfigStoreError(f"cannot read the templates of {shop_id}") from exc
        return found

    def put_templates(
        self, shop_id: str, files: Mapping[str, bytes], *, dry_run: bool = False
    ) -> list[Change]:
        """Make the shop's override set exactly `files` (removed names are deleted)."""
        problems = validate_templates(files)
        before = self.templates(shop_id)
        changes: list[Change] = []
        for name in sorted(set(before) | set(files)):
            old = before.get(name)
            new = files.get(name)
            if old == new:
                continue
            changes.append(
                Change(
                    f"{shop_id}/{name}",
                    old.decode("utf-8", "replace") if old is not None else None,
                    new.decode("utf-8", "replace") if new is not None else "",
                    problems,
                )
            )
        if problems:
            return changes or [Change(f"{shop_id}/", None, "", problems)]
        if dry_run:
            return changes
        s3, bucket = self._require_bucket()
        try:
            for name in sorted(set(before) | set(files)):
                key = f"{shop_id}/{name}"
                if name in files and files[name] != before.get(name):
                    s3.put_object(
                        Bucket=bucket,
                        Key=key,
                        Body=files[name],
                        ContentType="text/plain; charset=utf-8",
                    )
                elif name not in files:
                    s3.delete_object(Bucket=bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise ConfigStoreError(f"cannot write the templates of {shop_id}") from exc
        return changes


def shop_zone(settings: ShopSettings, policy: Policy) -> str:
    """The shop's own zone: its settings' when set there, else its policy's."""
    if "zone" in settings.model_fields_set:
        return settings.zone
    return policy.shop_zone


def _normal(text: str | None) -> str | None:
    """Stored JSON as `pretty` writes it, so the difference shows content, not layout."""
    if text is None:
        return None
    try:
        return pretty(json.loads(text))
    except (json.JSONDecodeError, RecursionError):
        return text
