"""How confident a promise must be, learned from how the shop's own promises turned out.

A fixed quantile is the wrong tool when lateness comes in spells: the same level that
is on time 99 % of a quiet month is on time 88 % of a slow one. So the level is
calibrated online, by adaptive conformal inference on the quantile level (Gibbs and
Candès, "Adaptive conformal inference under distribution shift", 2021): after each
promise whose outcome becomes known, the level moves by `step` x (late - (1 - target)),
up by `step x target` when late, down by `step x (1 - target)` when on time, and is kept
within [lowest, highest].

The guarantee, over any stream however its speed shifts: summing the updates,

    late / promises = (1 - target) + (level_now - start + clipped) / (step x promises)

where `clipped` is what the bounds cut off. The level is bounded, and the top bound
cuts only when a promise read at the top level (the longest transit the histogram has
seen) was late, so the late share tends to 1 - target at a rate of 1 / (step x
promises), give or take those promises nothing learned could have kept. The bounds are
what stop a slow season from winding the level far above 1, where it would take
thousands of kept promises to come back (a first replay without them promised the
longest transit ever seen for five months after the slow season ended; docs/eta.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    # The on-time share aimed at, above the 0.95 a shop is promised so that the
    # spread of a few thousand outcomes around the target stays above 0.95.
    target: float = 0.96
    # How far one outcome moves the level: the value Gibbs and Candès use.
    step: float = 0.005
    # The level before any outcome is known.
    start: float = 0.9
    # Below the median a promise is a guess, not a promise.
    lowest: float = 0.5
    highest: float = 1.0

    def __post_init__(self) -> None:
        if not 0.5 <= self.target < 1.0:
            raise ValueError("target must be in [0.5, 1)")
        if not 0.0 < self.step <= 0.1:
            raise ValueError("step must be in (0, 0.1]")
        if not 0.5 <= self.lowest <= self.start <= self.highest <= 1.0:
            raise ValueError("need 0.5 <= lowest <= start <= highest <= 1")

    def after(self, level: float | None, late: bool) -> float:
        """The level once one more outcome is known (`None`: none known before)."""
        current = self.start if level is None else level
        moved = current + self.step * (int(late) - (1.0 - self.target))
        return min(self.highest, max(self.lowest, moved))


@dataclass(frozen=True)
class OnTimeRecord:
    """Outcomes of promises: how many are known, how many were late, and the level the
    shop's next promise is read at (None before the first outcome)."""

    promises: int = 0
    late: int = 0
    level: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        return None if self.promises == 0 else 1.0 - self.late / self.promises
