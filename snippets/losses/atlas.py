"""The atlas: one description of the 18 losses the course lists, read by every loss page.

Each entry says what a ``torch.nn`` loss expects and when to reach for it. The pages print their
tables from here, the atlas page draws its mind map from here, and ``tests/test_losses_atlas.py``
checks every entry against ``torch.nn`` itself, so the table, the map and the library cannot drift
apart.

Shapes use PyTorch's letters: ``N`` batch, ``C`` classes, ``D`` embedding size, ``T`` time steps,
``S`` longest target, ``d1, …`` extra dimensions such as an image's height and width, ``*`` any
number of dimensions.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

# The course's list, in the course's order (Week 4, tasks 1 and 2): 4 in part I, 14 in part II.
COURSE_LOSSES = (
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "L1Loss", "MSELoss", "SmoothL1Loss", "PoissonNLLLoss", "KLDivLoss",
    "MarginRankingLoss", "MultiLabelMarginLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "MultiMarginLoss", "TripletMarginLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "CTCLoss",
)

# Deprecated since PyTorch 0.4 (replaced by `reduction`); every loss still accepts them.
DEPRECATED_ARGUMENTS = ("size_average", "reduce")

FAMILIES = (
    "Probabilistic classification",
    "Regression",
    "Likelihood and divergence",
    "Margin classification",
    "Ranking and metric learning",
    "Sequence alignment",
)


@dataclass(frozen=True)
class LossEntry:
    name: str  # the class in torch.nn
    family: str  # one of FAMILIES
    input: str  # shape, dtype and meaning of what the model produces
    target: str  # shape, dtype and meaning of what the data provides
    formula: str  # per-element loss before reduction, LaTeX for KaTeX (no "|", it splits table cells)
    task: str  # when to use it
    page: str  # the page that covers it, relative to docs/
    arguments: dict  # every non-deprecated constructor argument -> its default

    @property
    def qualified_name(self) -> str:
        return f"nn.{self.name}"


_MEAN = {"reduction": "mean"}

ATLAS = (
    LossEntry(
        "CrossEntropyLoss", "Probabilistic classification",
        "`(N, C)` or `(N, C, d1, …)` float logits (raw scores, no softmax)",
        "`(N,)` or `(N, d1, …)` int64 class indices in `[0, C)` (or `ignore_index`), "
        "or float class probabilities of the input's shape",
        r"-\log \frac{e^{x_{n,y_n}}}{\sum_c e^{x_{n,c}}}",
        "Single-label classification with C classes; applies log-softmax itself",
        "losses/cross-entropy-loss.md",
        {"weight": None, "ignore_index": -100, **_MEAN, "label_smoothing": 0.0},
    ),
    LossEntry(
        "NLLLoss", "Probabilistic classification",
        "`(N, C)` or `(N, C, d1, …)` float log-probabilities (after `log_softmax`)",
        "`(N,)` or `(N, d1, …)` int64 class indices in `[0, C)`, or `ignore_index` to skip an element",
        r"-w_{y_n}\, x_{n,y_n}",
        "Classification when the model already ends in `log_softmax`",
        "losses/nll-and-bce.md",
        {"weight": None, "ignore_index": -100, **_MEAN},
    ),
    LossEntry(
        "BCELoss", "Probabilistic classification",
        "`(*)` float probabilities in `[0, 1]` (after `sigmoid`)",
        "`(*)` float, same shape: 0/1 labels (multi-hot for several labels) or probabilities",
        r"-\big[y_n \log x_n + (1-y_n)\log(1-x_n)\big]",
        "Binary or multi-label targets when the model already ends in `sigmoid`",
        "losses/nll-and-bce.md",
        {"weight": None, **_MEAN},
    ),
    LossEntry(
        "BCEWithLogitsLoss", "Probabilistic classification",
        "`(*)` float logits (no sigmoid)",
        "`(*)` float, same shape: 0/1 labels (multi-hot for several labels) or probabilities",
        r"-\big[y_n \log \sigma(x_n) + (1-y_n)\log(1-\sigma(x_n))\big]",
        "Binary or multi-label classification; numerically safer than sigmoid + `BCELoss`",
        "losses/nll-and-bce.md",
        {"weight": None, **_MEAN, "pos_weight": None},
    ),
    LossEntry(
        "L1Loss", "Regression",
        "`(*)` float predictions",
        "`(*)` float, same shape",
        r"\lvert x_n - y_n \rvert",
        "Regression robust to outliers; predicts the conditional median",
        "losses/regression-losses.md",
        dict(_MEAN),
    ),
    LossEntry(
        "MSELoss", "Regression",
        "`(*)` float predictions",
        "`(*)` float, same shape",
        r"(x_n - y_n)^2",
        "Regression with Gaussian-like noise; predicts the conditional mean",
        "losses/regression-losses.md",
        dict(_MEAN),
    ),
    LossEntry(
        "SmoothL1Loss", "Regression",
        "`(*)` float predictions",
        "`(*)` float, same shape",
        r"\begin{cases} \tfrac{1}{2}(x_n-y_n)^2/\beta & \lvert x_n-y_n\rvert<\beta \\"
        r" \lvert x_n-y_n\rvert-\tfrac{1}{2}\beta & \text{otherwise} \end{cases}",
        "Regression with outliers that still wants smooth gradients near zero (box regression)",
        "losses/regression-losses.md",
        {**_MEAN, "beta": 1.0},
    ),
    LossEntry(
        "PoissonNLLLoss", "Likelihood and divergence",
        "`(*)` float log-rate $\\log\\lambda$ (or the rate, if `log_input=False`)",
        "`(*)` float counts, same shape",
        r"e^{x_n} - y_n x_n",
        "Count data (events per interval): photons, clicks, visits",
        "losses/poisson-and-kl.md",
        {"log_input": True, "full": False, "eps": 1e-08, **_MEAN},
    ),
    LossEntry(
        "KLDivLoss", "Likelihood and divergence",
        "`(N, *)` float **log**-probabilities (after `log_softmax`)",
        "`(N, *)` float probabilities, same shape (log-probabilities if `log_target=True`)",
        r"y_n\,(\log y_n - x_n)",
        "Matching a whole distribution: distillation, VAEs; use `reduction=\"batchmean\"`",
        "losses/poisson-and-kl.md",
        {**_MEAN, "log_target": False},
    ),
    LossEntry(
        "MarginRankingLoss", "Ranking and metric learning",
        "`x1`, `x2`: `(N,)` float scores",
        "`(N,)` float, $+1$ if `x1` should rank higher, $-1$ if `x2` should",
        r"\max\big(0,\ -y_n (x_{1,n} - x_{2,n}) + \text{margin}\big)",
        "Learning to rank pairs: which of two items is better",
        "losses/embedding-losses.md",
        {"margin": 0.0, **_MEAN},
    ),
    LossEntry(
        "MultiLabelMarginLoss", "Margin classification",
        "`(N, C)` float scores",
        "`(N, C)` int64 label indices, padded with `-1` after the last label",
        r"\sum_{j \in Y_n} \sum_{i \notin Y_n} \frac{\max\big(0,\ 1 - (x_{n,j} - x_{n,i})\big)}{C}",
        "Multi-label classification with a hinge: every true label above every false one",
        "losses/margin-losses.md",
        dict(_MEAN),
    ),
    LossEntry(
        "SoftMarginLoss", "Margin classification",
        "`(*)` float scores",
        "`(*)` float, same shape, $\\pm 1$",
        r"\log\big(1 + e^{-y_n x_n}\big)",
        "Binary classification with $\\pm 1$ labels (logistic loss)",
        "losses/margin-losses.md",
        dict(_MEAN),
    ),
    LossEntry(
        "MultiLabelSoftMarginLoss", "Margin classification",
        "`(N, C)` float logits",
        "`(N, C)` float multi-hot, 0 or 1",
        r"-\frac{1}{C}\sum_c \big[y_{n,c}\log\sigma(x_{n,c}) + (1-y_{n,c})\log\sigma(-x_{n,c})\big]",
        "Multi-label classification; the same as `BCEWithLogitsLoss` averaged over classes",
        "losses/margin-losses.md",
        {"weight": None, **_MEAN},
    ),
    LossEntry(
        "MultiMarginLoss", "Margin classification",
        "`(N, C)` float scores",
        "`(N,)` int64 class indices in `[0, C)`",
        r"\frac{1}{C}\sum_{i \neq y_n} \max\big(0,\ \text{margin} - x_{n,y_n} + x_{n,i}\big)^p",
        "Single-label classification with a multi-class SVM hinge",
        "losses/margin-losses.md",
        {"p": 1, "margin": 1.0, "weight": None, **_MEAN},
    ),
    LossEntry(
        "TripletMarginLoss", "Ranking and metric learning",
        "anchor, positive, negative: `(N, D)` float embeddings",
        "none: the positive is the target",
        r"\max\big(d(a_n, p_n) - d(a_n, n_n) + \text{margin},\ 0\big)",
        "Metric learning (face recognition, retrieval): pull positives closer than negatives",
        "losses/embedding-losses.md",
        {"margin": 1.0, "p": 2.0, "eps": 1e-06, "swap": False, **_MEAN},
    ),
    LossEntry(
        "HingeEmbeddingLoss", "Ranking and metric learning",
        "`(*)` float distances (non-negative)",
        "`(*)` float, same shape, $+1$ similar, $-1$ dissimilar",
        r"\begin{cases} x_n & y_n = 1 \\ \max(0,\ \text{margin} - x_n) & y_n = -1 \end{cases}",
        "Similar/dissimilar pairs from a precomputed distance",
        "losses/embedding-losses.md",
        {"margin": 1.0, **_MEAN},
    ),
    LossEntry(
        "CosineEmbeddingLoss", "Ranking and metric learning",
        "`x1`, `x2`: `(N, D)` float embeddings",
        "`(N,)` float, $+1$ similar, $-1$ dissimilar",
        r"\begin{cases} 1 - \cos(x_{1,n}, x_{2,n}) & y_n = 1 \\"
        r" \max\big(0,\ \cos(x_{1,n}, x_{2,n}) - \text{margin}\big) & y_n = -1 \end{cases}",
        "Similar/dissimilar pairs compared by angle (text or image embeddings)",
        "losses/embedding-losses.md",
        {"margin": 0.0, **_MEAN},
    ),
    LossEntry(
        "CTCLoss", "Sequence alignment",
        "`(T, N, C)` float log-probabilities (after `log_softmax`), plus `input_lengths` `(N,)` int",
        "`(N, S)` padded, or 1-D concatenated, int64 labels without blanks, plus `target_lengths` `(N,)` int",
        r"-\log \sum_{\pi \in \mathcal{B}^{-1}(y_n)} \prod_t p_t(\pi_t)",
        "Unaligned sequences: speech or handwriting to text, input longer than the label",
        "losses/ctc-loss.md",
        {"blank": 0, "reduction": "mean", "zero_infinity": False},
    ),
)

_BY_NAME = {entry.name: entry for entry in ATLAS}


def entry(name: str) -> LossEntry:
    """The atlas entry of ``name`` (with or without the ``nn.`` prefix)."""
    return _BY_NAME[name.removeprefix("nn.")]


def entries(names=None) -> list[LossEntry]:
    """The entries named (all of them, in course order, if ``names`` is None)."""
    return list(ATLAS) if names is None else [entry(name) for name in names]


def page_url(page: str, from_page: str) -> str:
    """The URL of ``page`` relative to ``from_page`` (both paths under docs/), as the built site has it.

    markdown-exec renders printed Markdown after MkDocs has rewritten the page's links, so a link
    to ``x.md`` would reach the reader unrewritten and broken; we write the final URL instead
    (MkDocs' default ``use_directory_urls``: ``losses/x.md`` is served at ``losses/x/``).
    """
    def directory(path: str) -> str:
        return posixpath.dirname(path) if path.endswith("index.md") else path.removesuffix(".md")

    return posixpath.relpath(directory(page), directory(from_page)) + "/"


def page_link(loss: LossEntry, from_page: str) -> str:
    """A Markdown link to the page that covers ``loss``, or "this page"."""
    if loss.page == from_page:
        return "this page"
    return f"[{loss.page.rsplit('/', 1)[-1].removesuffix('.md')}]({page_url(loss.page, from_page)})"


def _arguments_cell(loss: LossEntry) -> str:
    shown = {k: v for k, v in loss.arguments.items() if k != "reduction"}
    return ", ".join(f"`{k}={v!r}`" for k, v in shown.items()) or "—"


def atlas_table(names=None, *, from_page: str | None = None, formula: bool = False) -> str:
    """The chosen losses as a Markdown table: input, target, key arguments, when to use.

    Print it from a block *without* ``result="text"`` so markdown-exec renders it as Markdown.
    With ``from_page`` (the calling page, relative to docs/) a column links each loss to its page;
    with ``formula=True`` a column shows the per-element formula.
    """
    header = ["Loss in `torch.nn`", "Input", "Target", "Key arguments (default)", "When to use"]
    if formula:
        header.insert(1, "Per-element loss")
    if from_page is not None:
        header.append("Page")
    rows = []
    for loss in entries(names):
        # Bold, not code: Material breaks long inline code mid-word in narrow table columns.
        cells = [f"**{loss.name}**", loss.input, loss.target, _arguments_cell(loss), loss.task]
        if formula:
            cells.insert(1, f"${loss.formula}$")
        if from_page is not None:
            cells.append(page_link(loss, from_page))
        rows.append(cells)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(cell.replace("|", r"\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def formula_table(names=None) -> str:
    """The chosen losses as a Markdown table of family and per-element formula (print without result="text")."""
    lines = ["| Loss in `torch.nn` | Family | Per-element loss, before `reduction` |", "| --- | --- | --- |"]
    lines += [f"| **{loss.name}** | {loss.family} | ${loss.formula}$ |" for loss in entries(names)]
    return "\n".join(lines)


@dataclass(frozen=True)
class MindMapNode:
    label: str
    radius: float
    angle: float  # degrees, direction from the centre
    family: str | None  # None for the centre

    def point(self, radius: float | None = None) -> tuple[float, float]:
        """(x, y) on this node's ray, at its own radius or at another."""
        import math

        r = self.radius if radius is None else radius
        return r * math.cos(math.radians(self.angle)), r * math.sin(math.radians(self.angle))


FAMILY_RADIUS, HUB_RADIUS, LOSS_RADIUS = 2.0, 2.75, 3.3


def mind_map_layout() -> tuple[MindMapNode, list[MindMapNode], list[MindMapNode]]:
    """Centre, family nodes and loss nodes of a radial mind map, all placed from ATLAS.

    Each loss gets an equal slice of the circle, clockwise from the top in course order within
    its family; a family sits at the mean angle of its losses.
    """
    slice_degrees = 360 / len(ATLAS)
    ordered = [loss for family in FAMILIES for loss in ATLAS if loss.family == family]
    leaves = [MindMapNode(loss.qualified_name, LOSS_RADIUS, 90 - (index + 0.5) * slice_degrees, loss.family)
              for index, loss in enumerate(ordered)]
    families = []
    for family in FAMILIES:
        angles = [leaf.angle for leaf in leaves if leaf.family == family]
        families.append(MindMapNode(family, FAMILY_RADIUS, sum(angles) / len(angles), family))
    centre = MindMapNode(f"{len(ATLAS)} loss functions\nin torch.nn", 0.0, 0.0, None)
    return centre, families, leaves


def _box_edge(angle: float, half_width: float, half_height: float) -> float:
    """Distance from a box's centre to its edge in direction `angle`: lines stop there, not under the text."""
    import math

    cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    return min(half_width / cos if cos > 1e-9 else math.inf, half_height / sin if sin > 1e-9 else math.inf)


def draw_mind_map():
    """The mind map as a matplotlib figure, in the site style (print it with figure_html).

    Boxes are transparent so the page background shows through in light and dark mode; lines
    therefore stop at the box edges instead of running underneath.
    """
    import textwrap

    import matplotlib.pyplot as plt

    from snippets.figures import PALETTE

    centre, families, leaves = mind_map_layout()
    colour = {family: PALETTE[i % len(PALETTE)] for i, family in enumerate(FAMILIES)}
    fig, ax = plt.subplots(figsize=(9, 9))
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set(xlim=(-5.5, 5.5), ylim=(-5.5, 5.5))
    for family in families:
        stroke = colour[family.family]
        start = _box_edge(family.angle, 0.85, 0.32) + 0.05
        end = FAMILY_RADIUS - _box_edge(family.angle, 0.62, 0.25)
        ax.plot(*zip(family.point(start), family.point(end)), color=stroke, linewidth=2.5)
        hub = family.point(HUB_RADIUS)
        ax.plot(*zip(family.point(FAMILY_RADIUS + _box_edge(family.angle, 0.62, 0.25)), hub), color=stroke, linewidth=2)
        for leaf in (leaf for leaf in leaves if leaf.family == family.family):
            ax.plot(*zip(hub, leaf.point()), color=stroke, linewidth=1.5)
            ax.plot(*leaf.point(), "o", color=stroke, markersize=5)
            on_left = 90 < leaf.angle % 360 < 270  # flip text there so it never reads upside down
            ax.text(*leaf.point(LOSS_RADIUS + 0.12), leaf.label, fontsize=10, family="monospace",
                    rotation=leaf.angle + 180 if on_left else leaf.angle, rotation_mode="anchor",
                    ha="right" if on_left else "left", va="center")
        ax.text(*family.point(), textwrap.fill(family.label, 15), ha="center", va="center", fontsize=10,
                fontweight="bold", bbox={"boxstyle": "round,pad=0.35", "facecolor": "none", "edgecolor": stroke,
                                         "linewidth": 2})
    ax.text(0, 0, centre.label, ha="center", va="center", fontsize=12, fontweight="bold",
            bbox={"boxstyle": "round,pad=0.5", "facecolor": "none", "edgecolor": "#8a8a8a", "linewidth": 2})
    return fig
