"""The demo's picture: what was sent, held and why, hour by hour, with quiet hours shaded.

One self-contained HTML file (inline SVG, no script, nothing fetched): a stacked bar
per hour of sent / deferred / suppressed decisions, one strip per recipient zone with
the hours its policy keeps quiet shaded, and the full timeline of decisions below.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from courteous.gate.calendar import OpenHours
from courteous.gate.policy import Policy
from courteous.messages import MessageClass
from courteous_local.decisions import DecisionRow

HOUR = timedelta(hours=1)
COLOURS = {"send": "#2e7d32", "defer": "#f9a825", "suppress": "#c62828"}
BAR_WIDTH = 9
CHART_HEIGHT = 140
STRIP_HEIGHT = 14


@dataclass(frozen=True)
class ZoneStrip:
    """A recipient zone and the policy whose quiet hours are shaded for it."""

    label: str
    zone: str
    policy: Policy
    message_class: MessageClass = MessageClass.SERVICE


def _hours(start: datetime, end: datetime) -> list[datetime]:
    first = start.replace(minute=0, second=0, microsecond=0)
    hours, at = [], first
    while at < end:
        hours.append(at)
        at += HOUR
    return hours


def _quiet(strip: ZoneStrip, hour: datetime) -> bool:
    rule = strip.policy.classes[strip.message_class]
    hours = OpenHours(rule, (strip.zone,), strip.policy.holiday_country)
    middle = hour + timedelta(minutes=30)
    return not hours.is_open(middle)


def render_report(
    title: str,
    rows: list[DecisionRow],
    strips: list[ZoneStrip],
    start: datetime,
    end: datetime,
    labels: dict[str, str],
    summary: list[str],
) -> str:
    hours = _hours(start, end)
    counts: dict[datetime, Counter[str]] = {hour: Counter() for hour in hours}
    for row in rows:
        hour = row.at.replace(minute=0, second=0, microsecond=0)
        if hour in counts:
            counts[hour][row.action] += 1
    peak = max((sum(c.values()) for c in counts.values()), default=1) or 1
    width = len(hours) * (BAR_WIDTH + 1) + 160
    parts: list[str] = []
    x0 = 150
    bottom = CHART_HEIGHT + len(strips) * STRIP_HEIGHT + 8
    # bars
    for index, hour in enumerate(hours):
        x, base = x0 + index * (BAR_WIDTH + 1), float(CHART_HEIGHT)
        for action in ("send", "defer", "suppress"):
            n = counts[hour][action]
            if not n:
                continue
            height = n / peak * (CHART_HEIGHT - 10)
            base -= height
            parts.append(
                f'<rect x="{x}" y="{base:.1f}" width="{BAR_WIDTH}" height="{height:.1f}" '
                f'fill="{COLOURS[action]}"><title>{hour:%a %d %H}:00Z {action} {n}</title></rect>'
            )
        if hour.hour == 0:
            parts.append(
                f'<line x1="{x}" y1="0" x2="{x}" y2="{bottom}"'
                ' stroke="#999" stroke-dasharray="2,2"/>'
                f'<text x="{x + 2}" y="12" font-size="10">{hour:%a %d %b} UTC</text>'
            )
    # quiet-hours strips
    for row_index, strip in enumerate(strips):
        y = CHART_HEIGHT + 8 + row_index * STRIP_HEIGHT
        parts.append(f'<text x="4" y="{y + 11}" font-size="10">{html.escape(strip.label)}</text>')
        for index, hour in enumerate(hours):
            if _quiet(strip, hour):
                x = x0 + index * (BAR_WIDTH + 1)
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{BAR_WIDTH + 1}" height="{STRIP_HEIGHT - 2}" '
                    f'fill="#37474f" opacity="0.35"><title>{html.escape(strip.zone)} quiet '
                    f"{hour:%a %H}:00Z</title></rect>"
                )
    height = CHART_HEIGHT + len(strips) * STRIP_HEIGHT + 20
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif">{"".join(parts)}</svg>'
    )
    legend = " ".join(
        f'<span style="color:{colour}">&#9632; {action}</span>'
        for action, colour in COLOURS.items()
    )
    table_rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(value))}</td>"
            for value in (
                f"{row.at:%a %d %H:%M}Z",
                f"{row.local_time:%a %H:%M}",
                row.zone,
                labels.get(row.recipient_key, "?"),
                row.kind,
                row.channel,
                row.order_id or "",
                row.action,
                row.reason,
                row.detail,
            )
        )
        + "</tr>"
        for row in rows
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; font-size: 12px; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }}
.chart {{ overflow-x: auto; border: 1px solid #eee; padding: 6px; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<ul>{"".join(f"<li>{html.escape(line)}</li>" for line in summary)}</ul>
<p>Decisions per hour (UTC): {legend}. Grey strips: the hours each recipient's zone is
quiet for service messages under its shop's policy.</p>
<div class="chart">{svg}</div>
<h2>Every decision</h2>
<table><tr><th>UTC</th><th>local</th><th>zone</th><th>recipient</th><th>kind</th>
<th>channel</th><th>order</th><th>action</th><th>reason</th><th>detail</th></tr>
{table_rows}
</table>
</body></html>
"""


def write_report(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path
