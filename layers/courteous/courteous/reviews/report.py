"""The weekly review report: complaints per aspect and ISO week, with examples.

The cycle the practice asks for: what customers complained about this week and the
weeks before, stated and hidden, so each problem goes to whoever can fix it and a
change shows in the next weeks' counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from courteous.events.models import Aspect
from courteous.reviews.store import ReviewStore, StoredFlag, iso_week

EXAMPLES_PER_ASPECT = 2


@dataclass(frozen=True)
class AspectWeek:
    stated: int = 0
    hidden: int = 0

    @property
    def total(self) -> int:
        return self.stated + self.hidden


@dataclass
class Report:
    shop_id: str
    weeks: list[str]
    reviews: dict[str, int] = field(default_factory=dict)
    counts: dict[Aspect, dict[str, AspectWeek]] = field(default_factory=dict)
    examples: dict[Aspect, list[StoredFlag]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "shop_id": self.shop_id,
            "weeks": self.weeks,
            "reviews": self.reviews,
            "complaints": {
                aspect.value: {
                    week: {"stated": cell.stated, "hidden": cell.hidden}
                    for week, cell in by_week.items()
                }
                for aspect, by_week in self.counts.items()
            },
            "examples": {
                aspect.value: [
                    {
                        "week": iso_week(flag.posted_at),
                        "rating": flag.rating,
                        "hidden": flag.hidden,
                        "severity": flag.severity.value,
                        "order_id": flag.order_id,
                        "excerpt": flag.excerpt,
                    }
                    for flag in flags
                ]
                for aspect, flags in self.examples.items()
            },
        }


def last_weeks(now: datetime, count: int) -> list[str]:
    """The ISO weeks of the last `count` weeks, oldest first, this one last."""
    return [iso_week(now - timedelta(weeks=back)) for back in range(count - 1, -1, -1)]


def build_report(store: ReviewStore, shop_id: str, weeks: list[str]) -> Report:
    report = Report(shop_id, weeks)
    for week in weeks:
        items = store.week(shop_id, week)
        report.reviews[week] = items.reviews
        for flag in items.flags:
            by_week = report.counts.setdefault(flag.aspect, {w: AspectWeek() for w in weeks})
            cell = by_week[week]
            by_week[week] = AspectWeek(cell.stated + (not flag.hidden), cell.hidden + flag.hidden)
            examples = report.examples.setdefault(flag.aspect, [])
            examples.append(flag)
    for aspect, flags in report.examples.items():
        # The most recent first; hidden complaints are the ones a star count never shows.
        flags.sort(key=lambda flag: (flag.posted_at, flag.hidden), reverse=True)
        report.examples[aspect] = flags[:EXAMPLES_PER_ASPECT]
    report.counts = dict(
        sorted(report.counts.items(), key=lambda pair: list(Aspect).index(pair[0]))
    )
    return report


def render_text(report: Report) -> str:
    """The report as a table: one row per aspect, one column per week (stated+hidden)."""
    width = max([len(aspect.value) for aspect in Aspect] + [len("reviews read")])
    header = " ".join(f"{week:>9}" for week in report.weeks)
    lines = [
        f"Review complaints for {report.shop_id}, by ISO week "
        "(each cell: complaints, of which hidden in 4-5 star reviews)",
        f"{'':<{width}} {header}",
        f"{'reviews read':<{width}} "
        + " ".join(f"{report.reviews.get(week, 0):>9}" for week in report.weeks),
    ]
    for aspect, by_week in report.counts.items():
        cells = " ".join(
            f"{(f'{c.total} ({c.hidden})' if c.total else '-'):>9}"
            for c in (by_week[week] for week in report.weeks)
        )
        lines.append(f"{aspect.value:<{width}} {cells}")
    if not report.counts:
        lines.append("no complaints in these weeks")
    for aspect, flags in report.examples.items():
        lines.append("")
        lines.append(f"{aspect.value}:")
        for flag in flags:
            kind = "hidden" if flag.hidden else "stated"
            order = f" order {flag.order_id}" if flag.order_id else ""
            excerpt = flag.excerpt if len(flag.excerpt) <= 160 else flag.excerpt[:157] + "..."
            lines.append(
                f"  {iso_week(flag.posted_at)} {flag.rating}* {kind}, "
                f'{flag.severity.value}{order}: "{excerpt}"'
            )
    return "\n".join(lines)
