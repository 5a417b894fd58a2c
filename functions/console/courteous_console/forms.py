"""The settings and policy forms: fields from the models, values in, problems at fields.

The settings form is built from `ShopSettings` itself, so a field added to the model
appears on the page with nothing else to change. Only what differs from the defaults
(or the policy's preset) is stored, so a shop keeps getting improved defaults.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from courteous.flows.settings import ShopSettings
from courteous.gate.policy import PRESETS, Policy
from courteous.messages import MessageClass

POLICY_SCALARS = ("shop_zone", "min_gap", "defer_spread", "holiday_country", "sms_segment_limit")


@dataclass(frozen=True)
class Field:
    name: str
    widget: str  # "text" | "duration" | "time" | "number" | "json" | "select"
    value: str
    default: str
    error: str | None = None
    options: tuple[str, ...] = ()


def _widget(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
        origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if annotation is str:
        return "text"
    if annotation is timedelta:
        return "duration"
    if annotation is time:
        return "time"
    if annotation is int:
        return "number"
    return "json"


def _shown(value: Any, widget: str) -> str:
    if value is None:
        return ""
    if widget == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if widget == "time" and isinstance(value, str):
        return value[:5]
    return str(value)


def at_field(
    problems: tuple[tuple[str, str], ...], names: list[str]
) -> tuple[dict[str, str], list[str]]:
    """Each problem at the field it names (the longest name its location starts with, or
    the field its message begins with); the rest for the top of the form."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for location, message in problems:
        target = None
        for name in sorted(names, key=len, reverse=True):
            if location == name or location.startswith(f"{name}."):
                target = name
                break
        if target is None:
            for name in names:
                if message.startswith(f"{name} ") or f"Value error, {name} " in message:
                    target = name
                    break
        if target is None:
            general.append(f"{location}: {message}" if location else message)
        else:
            by_field.setdefault(target, message.removeprefix("Value error, "))
    return by_field, general


# ---------------------------------------------------------------------- settings
def settings_fields(
    shop_id: str,
    current: ShopSettings,
    submitted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> list[Field]:
    defaults = ShopSettings(shop_name=shop_id).model_dump(mode="json")
    values = current.model_dump(mode="json")
    fields = []
    for name, info in ShopSettings.model_fields.items():
        widget = _widget(info.annotation)
        shown = (
            submitted[name] if submitted and name in submitted else _shown(values.get(name), widget)
        )
        fields.append(
            Field(
                name=name,
                widget=widget,
                value=shown,
                default=_shown(defaults.get(name), widget),
                error=(errors or {}).get(name),
            )
        )
    return fields


def settings_data(shop_id: str, form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings to store from a submitted form, and the fields that could not even
    be read (JSON that is not JSON). Empty fields keep their default."""
    data: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    defaults = ShopSettings(shop_name=shop_id).model_dump(mode="json")
    for name, info in ShopSettings.model_fields.items():
        raw = form.get(name, "").strip()
        if not raw:
            continue
        widget = _widget(info.annotation)
        value: Any = raw
        if widget == "json":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                unreadable[name] = f"not JSON: {exc.msg}"
                continue
        if _shown(defaults.get(name), widget) == _shown(value, widget) and name != "shop_name":
            continue
        data[name] = value
    data.setdefault("shop_name", shop_id)
    return data, unreadable


# ---------------------------------------------------------------------- policy
def _quiet_names(message_class: MessageClass) -> tuple[str, str]:
    base = f"classes.{message_class.value}.quiet_hours.0"
    return f"{base}.start", f"{base}.end"


def policy_field_names() -> list[str]:
    names = ["extends", *POLICY_SCALARS, "caps", "classes"]
    for message_class in MessageClass:
        names.extend(_quiet_names(message_class))
    return names


def policy_fields(
    stored: dict[str, Any],
    effective: Policy,
    submitted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> list[Field]:
    values = effective.model_dump(mode="json")
    base = PRESETS.get(str(stored.get("extends", "default")), PRESETS["default"])
    preset = base.model_dump(mode="json")
    errors = errors or {}

    def pick(name: str, shown: str) -> str:
        return submitted[name] if submitted and name in submitted else shown

    fields = [
        Field(
            "extends",
            "select",
            pick("extends", str(stored.get("extends", "default"))),
            "default",
            errors.get("extends"),
            tuple(PRESETS),
        )
    ]
    for name in POLICY_SCALARS:
        widget = (
            "number"
            if name == "sms_segment_limit"
            else "duration"
            if name in ("min_gap", "defer_spread")
            else "text"
        )
        fields.append(
            Field(
                name,
                widget,
                pick(name, _shown(values.get(name), widget)),
                _shown(preset.get(name), widget),
                errors.get(name),
            )
        )
    for message_class in MessageClass:
        windows = values["classes"][message_class.value]["quiet_hours"]
        first = windows[0] if windows else {"start": None, "end": None}
        start_name, end_name = _quiet_names(message_class)
        preset_windows = preset["classes"][message_class.value]["quiet_hours"]
        preset_first = preset_windows[0] if preset_windows else {"start": None, "end": None}
        fields.append(
            Field(
                start_name,
                "time",
                pick(start_name, _shown(first["start"], "time")),
                _shown(preset_first["start"], "time"),
                errors.get(start_name),
            )
        )
        fields.append(
            Field(
                end_name,
                "time",
                pick(end_name, _shown(first["end"], "time")),
                _shown(preset_first["end"], "time"),
                errors.get(end_name),
            )
        )
    fields.append(
        Field(
            "caps",
            "json",
            pick("caps", _shown(values.get("caps"), "json")),
            _shown(preset.get("caps"), "json"),
            errors.get("caps"),
        )
    )
    return fields


def policy_data(
    stored: dict[str, Any], form: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The policy to store from the form: its preset and what differs from it. Parts of
    the stored policy the form does not show (rest days, caps' details ...) are kept."""
    extends = form.get("extends", "").strip() or "default"
    data: dict[str, Any] = {
        key: value
        for key, value in stored.items()
        if key not in ("extends", *POLICY_SCALARS, "caps")
    }
    data["extends"] = extends
    unreadable: dict[str, str] = {}
    preset = PRESETS[extends].model_dump(mode="json") if extends in PRESETS else {}
    for name in POLICY_SCALARS:
        raw = form.get(name, "").strip()
        if not raw:
            continue
        widget = (
            "number"
            if name == "sms_segment_limit"
            else "duration"
            if name in ("min_gap", "defer_spread")
            else "text"
        )
        if _shown(preset.get(name), widget) == raw:
            continue
        data[name] = int(raw) if widget == "number" and raw.lstrip("-").isdigit() else raw
    classes: dict[str, Any] = dict(data.pop("classes", {}) or {})
    for message_class in MessageClass:
        start_name, end_name = _quiet_names(message_class)
        start, end = form.get(start_name, "").strip(), form.get(end_name, "").strip()
        preset_windows = (
            (preset.get("classes") or {}).get(message_class.value, {}).get("quiet_hours", [])
        )
        preset_first = preset_windows[0] if preset_windows else {}
        if not start and not end:
            continue
        if start == _shown(preset_first.get("start"), "time") and end == _shown(
            preset_first.get("end"), "time"
        ):
            rule = dict(classes.get(message_class.value, {}))
            rule.pop("quiet_hours", None)
            if rule:
                classes[message_class.value] = rule
            else:
                classes.pop(message_class.value, None)
            continue
        rule = dict(classes.get(message_class.value, {}))
        rule["quiet_hours"] = [{"start": start, "end": end}]
        classes[message_class.value] = rule
    if classes:
        data["classes"] = classes
    raw_caps = form.get("caps", "").strip()
    if raw_caps:
        try:
            caps = json.loads(raw_caps)
        except json.JSONDecodeError as exc:
            unreadable["caps"] = f"not JSON: {exc.msg}"
        else:
            if caps != preset.get("caps"):
                data["caps"] = caps
    return data, unreadable
