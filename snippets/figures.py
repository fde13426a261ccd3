"""Matplotlib figures as inline SVG: one style for the whole site, readable in light and dark mode.

Importing this module sets the site style. Draw with pyplot as usual, then
``print(figure_html(fig, "caption"))`` in a block with ``html="1"``.

- Text, axes and ticks are drawn in a sentinel colour that becomes ``currentColor``, so they
  take the page's text colour in either palette; data colours are mid-luminance, legible on both.
- The SVG is deterministic: fixed hash salt for ids, no date, glyphs as paths (no font lookup
  in the browser), no XML prolog.
- The figure is closed, so a page with many figures does not accumulate them.
"""

from __future__ import annotations

import html
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from cycler import cycler  # noqa: E402

_INK = "#010203"  # never used as a real colour; rewritten to currentColor

PALETTE = ["#3b82f6", "#f97316", "#10b981", "#ef4444", "#a855f7", "#eab308", "#14b8a6", "#ec4899"]

STYLE = {
    "svg.hashsalt": "pytorch-week4",
    "svg.fonttype": "path",
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "savefig.bbox": "tight",
    "text.color": _INK,
    "axes.labelcolor": _INK,
    "axes.edgecolor": _INK,
    "axes.titlecolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.grid": True,
    "grid.color": "#8a8a8a",
    "grid.alpha": 0.35,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "lines.linewidth": 1.8,
}

plt.rcParams.update(STYLE)


def figure_html(fig: plt.Figure, caption: str) -> str:
    """The figure as an inline ``<figure>`` with its SVG and caption; closes the figure."""
    buffer = io.StringIO()
    try:
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE, invalid inside HTML
    svg = svg.replace(_INK, "currentColor")
    svg = re.sub(r"<svg ", f'<svg role="img" aria-label="{html.escape(caption)}" ', svg, count=1)
    return f'<figure class="mpl-figure">\n{svg}\n<figcaption>{html.escape(caption)}</figcaption>\n</figure>'
