"""Server-side chart plots as inline SVG: trial pain scores and the reservoir over refills.

Figures are built with matplotlib's object API (no pyplot global state, so concurrent
requests cannot draw into each other's figure), text stays text (``svg.fonttype: none``)
and ids are salted with a fixed value, so the same input always gives the same SVG. Each
SVG carries a ``<title>`` for screen readers; the page shows the same numbers in a table.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from intrathecal.clinic.records import Refill
from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.core.refill_math import moment_after, time_until
from intrathecal.core.trial_record import TrialRecord

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "intrathecal",
    "font.size": 9,
    "date.epoch": "1970-01-01T00:00:00",
    "timezone": "UTC",
}
_HEADER = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_ALARM = "#b45309"
_EMPTY = "#b91c1c"
_DUE = "#1d4ed8"


def _svg(figure: Figure, title: str) -> str:
    """The figure as an inline ``<svg>`` element with an accessible title."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    body = _HEADER.sub("", buffer.getvalue(), count=1)
    safe = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return body.replace(
        "<svg ", '<svg role="img" aria-label="' + safe.replace('"', "&quot;") + '" ', 1
    ).replace(">", f"><title>{safe}</title>", 1)


def _x(moment: datetime) -> float:
    """A moment as a matplotlib date number (the axis is then formatted as dates)."""
    return (moment - _EPOCH).total_seconds() / 86_400


def _hours(d: Duration) -> float:
    return float(d.to("h"))


def pain_score_svg(record: TrialRecord, threshold_percent: Fraction | None = None) -> str:
    """NRS pain score over hours after the first injection, baseline at 0 h.

    Injections are dotted vertical lines; ``threshold_percent`` (the trial rule's relief
    threshold) draws the score a success must reach.
    """
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(6.4, 3.2), layout="constrained")
        axes = figure.add_subplot()
        xs = [0.0, *(_hours(s.at) for s in record.scores)]
        ys = [float(record.baseline.value), *(float(s.score.value) for s in record.scores)]
        axes.plot(xs, ys, marker="o", color="#0f766e", label="pain score (NRS 0-10)")
        for index, injection in enumerate(record.injections):
            axes.axvline(
                _hours(injection.at),
                color="#6b7280",
                linestyle=":",
                label="injection" if index == 0 else None,
            )
        if threshold_percent is not None:
            target = float(record.baseline.value * (1 - threshold_percent / 100))
            axes.axhline(
                target,
                color=_DUE,
                linestyle="--",
                label=f"success threshold ({float(threshold_percent):g} % relief)",
            )
        axes.set_ylim(0, 10)
        axes.set_xlabel("hours after the first injection")
        axes.set_ylabel("pain score (NRS)")
        axes.legend(loc="upper right", fontsize="small")
        axes.grid(alpha=0.3)
        return _svg(figure, "Trial pain scores over time")


@dataclass(frozen=True)
class ReservoirProjection:
    """Where the last fill is heading at the programmed mean rate."""

    alarm_date: datetime
    empty_at: datetime
    next_due: datetime


def project_last_fill(last: Refill, mean_daily_volume: VolumeRate) -> ReservoirProjection:
    """When the reservoir filled at ``last`` runs empty at ``mean_daily_volume``.

    The alarm and due dates are the ones stored with the refill (computed by the refill
    use case); only the empty moment is projected here, with the core refill arithmetic.
    """
    empty_after = time_until(last.volume_added, Volume.zero(), mean_daily_volume)
    return ReservoirProjection(
        alarm_date=_day(last.alarm_date, last.performed_at),
        empty_at=moment_after(last.performed_at, empty_after),
        next_due=_day(last.next_due, last.performed_at),
    )


def _day(day: date, like: datetime) -> datetime:
    return datetime.combine(day, time(12), tzinfo=like.tzinfo)


def reservoir_svg(refills: Sequence[Refill], mean_daily_volume: VolumeRate | None) -> str:
    """The reservoir volume across refills, and the projection of the last fill.

    Each cycle is drawn from the volume filled down to the residual expected at the next
    refill, with the residual actually measured as a point (a gap is a discrepancy). The
    last fill is projected at ``mean_daily_volume`` to empty, with its alarm, next-due and
    empty dates marked.
    """
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(6.4, 3.2), layout="constrained")
        axes = figure.add_subplot()
        ordered = sorted(refills, key=lambda r: r.performed_at)
        for index, (fill, after) in enumerate(itertools.pairwise(ordered)):
            axes.plot(
                [_x(fill.performed_at), _x(after.performed_at)],
                [float(fill.volume_added.to("mL")), float(after.expected_residual.to("mL"))],
                color="#0f766e",
                label="expected volume" if index == 0 else None,
            )
            axes.plot(
                [_x(after.performed_at)],
                [float(after.measured_residual.to("mL"))],
                marker="x" if after.discrepancy_flag else "o",
                color=_EMPTY if after.discrepancy_flag else "#111827",
                linestyle="none",
                label="residual measured" if index == 0 else None,
            )
        if ordered and mean_daily_volume is not None:
            last = ordered[-1]
            projection = project_last_fill(last, mean_daily_volume)
            axes.plot(
                [_x(last.performed_at), _x(projection.empty_at)],
                [float(last.volume_added.to("mL")), 0.0],
                color="#0f766e",
                linestyle="--",
                label="projection at the programmed mean rate",
            )
            for when, colour, label in (
                (projection.next_due, _DUE, f"next refill due {last.next_due}"),
                (projection.alarm_date, _ALARM, f"low-reservoir alarm {last.alarm_date}"),
                (projection.empty_at, _EMPTY, f"empty {projection.empty_at:%Y-%m-%d}"),
            ):
                axes.axvline(_x(when), color=colour, linestyle=":", label=label)
        axes.xaxis_date()
        axes.set_ylim(bottom=0)
        axes.set_ylabel("reservoir (mL)")
        axes.grid(alpha=0.3)
        if ordered:
            axes.legend(loc="upper right", fontsize="small")
        figure.autofmt_xdate()
        return _svg(figure, "Reservoir volume over refills, with the projection of the last fill")
