"""Inline SVG charts drawn on the server: the runs heatmap and the duration bars. Pure.

No network and no JavaScript library: the page and the static report carry the SVG text.
Every piece of text placed in the SVG (tooltips) is escaped here, because templates
insert the result as markup.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from html import escape

from scheduler.ledger import RunRecord
from scheduler.ui.views import HeatCell, fmt_duration, outcome_of

CELL = 2  # px per heatmap cell (one hour): 168 cells fit in 504 px
GAP = 1
BAR_HEIGHT = 60


@functools.lru_cache(maxsize=8192)
def _escaped(text: str) -> str:
    """``escape``, remembered: 100 rows of 168 cells repeat the same few hundred labels."""
    return escape(text)


def heatmap_svg(cells: Sequence[HeatCell], label: str) -> str:
    """A strip of cells, oldest left; each has a <title> tooltip with its counts."""
    width = len(cells) * (CELL + GAP)
    parts = [
        f'<svg class="heat" role="img" aria-label="{escape(label)}" width="{width}" '
        f'height="16" viewBox="0 0 {width} 16">'
    ]
    for i, cell in enumerate(cells):
        parts.append(
            f'<rect class="o-{cell.outcome}" x="{i * (CELL + GAP)}" y="0" width="{CELL}" '
            f'height="16"><title>{_escaped(cell.label)}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def duration_bars_svg(runs: Sequence[RunRecord], width: int = 900) -> str:
    """One bar per run (oldest left), its height the run's duration, coloured by outcome."""
    if not runs:
        return ""
    ordered = list(reversed(runs))  # runs arrive newest first
    longest = max((r.duration_ms or 0) for r in ordered) or 1
    step = max(2.0, width / len(ordered))
    bar = max(1.0, step - 1)
    total = step * len(ordered)
    parts = [
        f'<svg class="bars" role="img" aria-label="durations of {len(ordered)} runs" '
        f'width="{total:.0f}" height="{BAR_HEIGHT}" viewBox="0 0 {total:.0f} {BAR_HEIGHT}">'
    ]
    for i, run in enumerate(ordered):
        ms = run.duration_ms or 0
        height = max(2.0, BAR_HEIGHT * ms / longest)
        tip = f"{run.run_id}: {run.status.value}, {fmt_duration(run.duration_ms)}"
        parts.append(
            f'<rect class="o-{outcome_of(run.status)}" x="{i * step:.1f}" '
            f'y="{BAR_HEIGHT - height:.1f}" width="{bar:.1f}" height="{height:.1f}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
