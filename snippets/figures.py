"""Matplotlib figures as inline SVG: one style for the whole site, readable in light and dark mode.

Importing this module sets the site style. Draw with pyplot as usual, then
``print(figure_html(fig, "caption"))`` in a block with ``html="1"``.

- Text, axes and ticks are drawn in a sentinel colour that becomes ``currentColor``, so they
  take the page's text colour in either palette; data colours are mid-luminance, legible on both.
- The SVG is deterministic: fixed hash salt for ids, no date, glyphs as paths (no font lookup
  in the browser), no XML prolog.
- The figure is closed, so a page with many figures does not accumulate them.
- The ``<svg>`` records its smallest font size (``data-font-pt``), so the browser tests can
  compute the size its text renders at on a phone; a click or tap opens it full size
  (``assets/javascripts/figures.js``).
- ``figure_html(fig, caption, wide=True)`` is for a diagram too detailed to shrink (a mind
  map): on a narrow screen it keeps the width at which its smallest text is ``MIN_TEXT_PX`` CSS
  px, and scrolls sideways inside its frame instead of shrinking.
"""

from __future__ import annotations

import html
import io
import math
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
    # Everything else matplotlib draws in black by default takes the ink too: patch and box
    # edges, arrows (annotate, ax.arrow, FancyArrowPatch), hatches, box plots, plain lines.
    "patch.edgecolor": _INK,
    "hatch.color": _INK,
    "lines.color": _INK,
    "boxplot.boxprops.color": _INK,
    "boxplot.whiskerprops.color": _INK,
    "boxplot.capprops.color": _INK,
    "boxplot.medianprops.color": PALETTE[1],
    "boxplot.flierprops.markeredgecolor": _INK,
    "legend.edgecolor": _INK,
    "legend.labelcolor": _INK,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.grid": True,
    "grid.color": "#8a8a8a",
    "grid.alpha": 0.35,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    # 12 pt: a 6.4 in figure shrunk to a 375 px phone still shows its text at about 9 CSS px
    # (tests/test_browser.py measures every figure there).
    "font.size": 12,
    "axes.titlesize": 13,
    "lines.linewidth": 1.8,
}

plt.rcParams.update(STYLE)

MIN_TEXT_PX = 9  # the smallest figure text a phone reader can read, in CSS px
PHONE_FIGURE_PX = 343  # a 375 px phone shows a figure 343 px wide (Material's 16 px margins)


def smallest_font_pt(fig: plt.Figure) -> float | None:
    """The size in points of the smallest visible, non-empty text of a drawn figure."""
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(matplotlib.text.Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes) if sizes else None


def legible_on_a_phone(fig: plt.Figure) -> None:
    """Raise every text smaller than a phone can show at MIN_TEXT_PX to the size it needs.

    A figure W points wide (after the tight crop) is shown PHONE_FIGURE_PX px wide, so a
    text of f pt renders at f * PHONE_FIGURE_PX / W px. Raising the text widens the crop a
    little, hence a second pass.
    """
    for _ in range(2):
        fig.canvas.draw()
        # the saved SVG is the tight box (in inches) plus the padding on both sides
        width_in = fig.get_tightbbox().width + 2 * plt.rcParams["savefig.pad_inches"]
        width_pt = width_in * 72
        needed = MIN_TEXT_PX * width_pt / PHONE_FIGURE_PX * 1.02
        for text in fig.findobj(matplotlib.text.Text):
            if text.get_text().strip() and text.get_fontsize() < needed:
                text.set_fontsize(needed)


def figure_html(fig: plt.Figure, caption: str, *, wide: bool = False) -> str:
    """The figure as an inline ``<figure>`` with its SVG and caption; closes the figure.

    ``wide=True``: on a narrow screen the figure scrolls sideways at the width where its
    smallest text is ``MIN_TEXT_PX`` CSS px, instead of shrinking below it.
    """
    buffer = io.StringIO()
    try:
        if not wide:
            legible_on_a_phone(fig)
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        font_pt = smallest_font_pt(fig)  # after drawing: tick labels exist only once drawn
    finally:
        plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE, invalid inside HTML
    svg = svg.replace(_INK, "currentColor")
    attributes = f'role="img" aria-label="{html.escape(caption)}"'
    if font_pt is not None:
        attributes += f' data-font-pt="{font_pt:g}"'
    classes = "mpl-figure"
    if wide and font_pt is not None:
        # Rendered width w shows text of f pt at f * w / viewBox-width CSS px.
        view_width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg)[1])
        min_width = math.ceil(MIN_TEXT_PX * view_width / font_pt)
        attributes += f' style="min-width: {min_width}px"'
        classes += " mpl-figure--wide"
    svg = svg.replace("<svg ", f"<svg {attributes} ", 1)
    return (
        f'<figure class="{classes}">\n{svg}\n'
        f"<figcaption>{html.escape(caption)}</figcaption>\n</figure>"
    )
