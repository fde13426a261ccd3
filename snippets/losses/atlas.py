"""The atlas: one description of the course's 18 losses, for every loss page.

Each entry says what a ``torch.nn`` loss expects and when to reach for it.
The pages print their tables from here, the atlas page draws its mind map
from here, and ``tests/test_losses_atlas.py`` checks every entry against
``torch.nn`` itself (``atlas_check.py`` holds each row's formula by hand), so
the table, the map and the library cannot drift apart.

Shapes use PyTorch's letters: ``N`` batch, ``C`` classes, ``D`` embedding
size, ``T`` time steps, ``S`` longest target, ``d1, …`` extra dimensions such
as an image's height and width, ``*`` any number of dimensions.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

# The course's list, in its order (Week 4, tasks 1 and 2): 4 in part I, 14 in
# part II.
COURSE_LOSSES = (
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "L1Loss", "MSELoss", "SmoothL1Loss", "PoissonNLLLoss", "KLDivLoss",
    "MarginRankingLoss", "MultiLabelMarginLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "TripletMarginLoss",
    "HingeEmbeddingLoss", "CosineEmbeddingLoss", "CTCLoss",
)

# Deprecated since PyTorch 0.4 (replaced by `reduction`); still accepted.
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
    # per-element loss before reduction, LaTeX for KaTeX (no "|": it would
    # split table cells)
    formula: str
    task: str  # when to use it
    page: str  # the page that covers it, relative to docs/
    arguments: dict  # every non-deprecated constructor argument -> its default
    mean_divides_by: str  # what reduction="mean" divides the summed loss by
    target_kind: str  # the target in a few words, for the mind map
    penalises: str  # what the loss charges for, in a few words

    @property
    def qualified_name(self) -> str:
        return f"nn.{self.name}"


_MEAN = {"reduction": "mean"}

ATLAS = (
    LossEntry(
        "CrossEntropyLoss", "Probabilistic classification",
        "`(N, C)` or `(N, C, d1, …)` float logits (raw scores, no softmax)",
        "`(N,)` or `(N, d1, …)` int64 class indices in `[0, C)` (or "
        "`ignore_index`), "
        "or float class probabilities of the input's shape",
        r"-w_{y_n} \log \frac{e^{x_{n,y_n}}}{\sum_c e^{x_{n,c}}}",
        "Single-label classification with C classes; applies log-softmax "
        "itself",
        "losses/cross-entropy-loss.md",
        {"weight": None, "ignore_index": -100, **_MEAN, "label_smoothing": 0.0},
        'the number of elements $N d_1\\cdots$ not ignored; with `weight`, '
        'the sum of their $w_{y_n}$ (probability targets: $N d_1\\cdots$)',
        'class index or class probabilities',
        'low softmax probability of the true class',
    ),
    LossEntry(
        "NLLLoss", "Probabilistic classification",
        "`(N, C)` or `(N, C, d1, …)` float log-probabilities (after "
        "`log_softmax`)",
        "`(N,)` or `(N, d1, …)` int64 class indices in `[0, C)`, or "
        "`ignore_index` to skip an element",
        r"-w_{y_n}\, x_{n,y_n}",
        "Classification when the model already ends in `log_softmax`",
        "losses/nll-and-bce.md",
        {"weight": None, "ignore_index": -100, **_MEAN},
        'the number of elements not ignored; with `weight`, the sum of their '
        '$w_{y_n}$',
        'class index',
        'low log-probability of the true class',
    ),
    LossEntry(
        "BCELoss", "Probabilistic classification",
        "`(*)` float probabilities in `[0, 1]` (after `sigmoid`)",
        "`(*)` float, same shape: 0/1 labels (multi-hot for several labels) "
        "or probabilities",
        r"-w_n\big[y_n \log x_n + (1-y_n)\log(1-x_n)\big]",
        "Binary or multi-label targets when the model already ends in "
        "`sigmoid`",
        "losses/nll-and-bce.md",
        {"weight": None, **_MEAN},
        'the number of elements (`weight` does not divide)',
        '0/1 or a probability, per element',
        'probability far from the label',
    ),
    LossEntry(
        "BCEWithLogitsLoss", "Probabilistic classification",
        "`(*)` float logits (no sigmoid)",
        "`(*)` float, same shape: 0/1 labels (multi-hot for several labels) "
        "or probabilities",
        r"-w_n\big[p_c\, y_n \log \sigma(x_n) + "
        r"(1-y_n)\log(1-\sigma(x_n))\big]",
        "Binary or multi-label classification; numerically safer than sigmoid "
        "+ `BCELoss`",
        "losses/nll-and-bce.md",
        {"weight": None, **_MEAN, "pos_weight": None},
        'the number of elements (`weight`, `pos_weight` do not divide)',
        '0/1 or a probability, per element',
        'sigmoid of the logit far from the label',
    ),
    LossEntry(
        "L1Loss", "Regression",
        "`(*)` float predictions",
        "`(*)` float, same shape",
        r"\lvert x_n - y_n \rvert",
        "Regression robust to outliers; predicts the conditional median",
        "losses/regression-losses.md",
        dict(_MEAN),
        'the number of elements',
        'a real number',
        'the absolute residual',
    ),
    LossEntry(
        "MSELoss", "Regression",
        "`(*)` float predictions",
        "`(*)` float, same shape",
        r"(x_n - y_n)^2",
        "Regression with Gaussian-like noise; predicts the conditional mean",
        "losses/regression-losses.md",
        dict(_MEAN),
        'the number of elements',
        'a real number',
        'the squared residual',
    ),
    LossEntry(
        "SmoothL1Loss", "Regression",
        "`(*)` float predictions",
        "`(*)` float, same shape",
        r"\begin{cases} \tfrac{1}{2}(x_n-y_n)^2/\beta & \lvert "
        r"x_n-y_n\rvert<\beta \\"
        r" \lvert x_n-y_n\rvert-\tfrac{1}{2}\beta & \text{otherwise} "
        r"\end{cases}",
        "Regression with outliers that still wants smooth gradients near zero "
        "(box regression)",
        "losses/regression-losses.md",
        {**_MEAN, "beta": 1.0},
        'the number of elements',
        'a real number',
        'squared residual near 0, absolute beyond beta',
    ),
    LossEntry(
        "PoissonNLLLoss", "Likelihood and divergence",
        "`(*)` float log-rate $\\log\\lambda$ (or the rate, if "
        "`log_input=False`)",
        "`(*)` float counts, same shape",
        r"e^{x_n} - y_n x_n \ \ (\text{or } x_n - y_n \log(x_n + \epsilon))",
        "Count data (events per interval): photons, clicks, visits",
        "losses/poisson-and-kl.md",
        {"log_input": True, "full": False, "eps": 1e-08, **_MEAN},
        'the number of elements',
        'a count, 0, 1, 2, …',
        'a rate that makes the count unlikely',
    ),
    LossEntry(
        "KLDivLoss", "Likelihood and divergence",
        "`(*)` float **log**-probabilities (after `log_softmax`)",
        "`(*)` float probabilities, same shape (log-probabilities if "
        "`log_target=True`)",
        r"y_n\,(\log y_n - x_n)",
        "Matching a whole distribution, e.g. knowledge distillation; use "
        "`reduction=\"batchmean\"`",
        "losses/poisson-and-kl.md",
        {**_MEAN, "log_target": False},
        'the number of elements; `"batchmean"` divides by `input.size(0)` '
        'instead',
        'a probability distribution',
        "the model's distribution diverging from the target",
    ),
    LossEntry(
        "MarginRankingLoss", "Ranking and metric learning",
        "`x1`, `x2`: `(N,)` or `()` float scores (all three inputs the same "
        "number of dimensions)",
        "`(N,)` or `()` float, $+1$ if `x1` should rank higher, $-1$ if `x2` "
        "should",
        r"\max\big(0,\ -y_n (x_{1,n} - x_{2,n}) + \text{margin}\big)",
        "Learning to rank pairs: which of two items is better",
        "losses/embedding-losses.md",
        {"margin": 0.0, **_MEAN},
        '$N$, the number of pairs',
        '+1 or −1: which score should be larger',
        'the wrong order, or the right one by less than margin',
    ),
    LossEntry(
        "MultiLabelMarginLoss", "Margin classification",
        "`(N, C)` or `(C)` float scores",
        "`(N, C)` or `(C)` int64 label indices, padded with `-1` after the "
        "last label",
        r"\sum_{j \in Y_n} \sum_{i \notin Y_n} \frac{\max\big(0,\ 1 - "
        r"(x_{n,j} - x_{n,i})\big)}{C}",
        "Multi-label classification with a hinge: every true label above "
        "every false one",
        "losses/margin-losses.md",
        dict(_MEAN),
        "$N$ (each sample's sum is already divided by $C$)",
        'list of true class indices, ended by −1',
        'a false class within 1 of a true class',
    ),
    LossEntry(
        "SoftMarginLoss", "Margin classification",
        "`(*)` float scores",
        "`(*)` float, same shape, $\\pm 1$",
        r"\log\big(1 + e^{-y_n x_n}\big)",
        "Binary classification with $\\pm 1$ labels (logistic loss)",
        "losses/margin-losses.md",
        dict(_MEAN),
        'the number of elements',
        '+1 or −1, per element',
        'a small or wrong-signed margin y·x (logistic)',
    ),
    LossEntry(
        "MultiLabelSoftMarginLoss", "Margin classification",
        "`(N, C)` float logits",
        "`(N, C)` float multi-hot, 0 or 1",
        r"-\frac{1}{C}\sum_c w_c\big[y_{n,c}\log\sigma(x_{n,c}) + "
        r"(1-y_{n,c})\log\sigma(-x_{n,c})\big]",
        "Multi-label classification; the same as `BCEWithLogitsLoss` averaged "
        "over classes",
        "losses/margin-losses.md",
        {"weight": None, **_MEAN},
        '$N$ (each sample is already averaged over $C$)',
        'multi-hot 0/1 per class',
        "each class's logit on the wrong side (logistic)",
    ),
    LossEntry(
        "MultiMarginLoss", "Margin classification",
        "`(N, C)` or `(C)` float scores",
        "`(N,)` or `()` int64 class indices in `[0, C)`",
        r"\frac{w_{y_n}}{C}\sum_{i \neq y_n} \max\big(0,\ \text{margin} - "
        r"x_{n,y_n} + x_{n,i}\big)^p",
        "Single-label classification with a multi-class SVM hinge",
        "losses/margin-losses.md",
        {"p": 1, "margin": 1.0, "weight": None, **_MEAN},
        "$N$ (each sample's sum is already divided by $C$; `weight` does not "
        "divide)",
        'class index',
        'a rival class within margin of the true class',
    ),
    LossEntry(
        "TripletMarginLoss", "Ranking and metric learning",
        "anchor, positive, negative: `(N, D)` or `(D)` float embeddings",
        "none: the positive is the target",
        r"\max\big(d(a_n, p_n) - d(a_n, n_n) + \text{margin},\ 0\big)",
        "Metric learning (face recognition, retrieval): pull positives closer "
        "than negatives",
        "losses/embedding-losses.md",
        {"margin": 1.0, "p": 2.0, "eps": 1e-06, "swap": False, **_MEAN},
        '$N$, the number of triplets',
        'none: the positive and negative inputs',
        'negative not farther than positive by margin',
    ),
    LossEntry(
        "HingeEmbeddingLoss", "Ranking and metric learning",
        "`(*)` float distances (non-negative)",
        "`(*)` float, same shape, $+1$ similar, $-1$ dissimilar",
        r"\begin{cases} x_n & y_n = 1 \\ \max(0,\ \text{margin} - x_n) & y_n "
        r"= -1 \end{cases}",
        "Similar/dissimilar pairs from a precomputed distance",
        "losses/embedding-losses.md",
        {"margin": 1.0, **_MEAN},
        'the number of elements',
        '+1 similar or −1 dissimilar',
        "similar pairs' distance; dissimilar closer than margin",
    ),
    LossEntry(
        "CosineEmbeddingLoss", "Ranking and metric learning",
        "`x1`, `x2`: `(N, D)` or `(D)` float embeddings",
        "`(N,)` or `()` float, $+1$ similar, $-1$ dissimilar",
        r"\begin{cases} 1 - \cos(x_{1,n}, x_{2,n}) & y_n = 1 \\"
        r" \max\big(0,\ \cos(x_{1,n}, x_{2,n}) - \text{margin}\big) & y_n = "
        r"-1 \end{cases}",
        "Similar/dissimilar pairs compared by angle (text or image embeddings)",
        "losses/embedding-losses.md",
        {"margin": 0.0, **_MEAN},
        '$N$, the number of pairs',
        '+1 similar or −1 dissimilar',
        "similar pairs' angle; dissimilar cosine above margin",
    ),
    LossEntry(
        "CTCLoss", "Sequence alignment",
        "`(T, N, C)` or `(T, C)` float log-probabilities (after "
        "`log_softmax`), plus `input_lengths` `(N,)` or `()` int",
        "`(N, S)` padded, or 1-D concatenated, int64 labels without blanks, "
        "plus `target_lengths` `(N,)` or `()` int",
        r"-\log \sum_{\pi \in \mathcal{B}^{-1}(y_n)} \prod_t p_t(\pi_t)",
        "Unaligned sequences: speech or handwriting to text, input longer "
        "than the label",
        "losses/ctc-loss.md",
        {"blank": 0, "reduction": "mean", "zero_infinity": False},
        "$N$, after dividing each sample's loss by its target length $S_n$ "
        "(at least 1)",
        'label sequence, unaligned',
        'low total probability of all alignments',
    ),
)

_BY_NAME = {entry.name: entry for entry in ATLAS}


def entry(name: str) -> LossEntry:
    """The atlas entry of ``name`` (with or without the ``nn.`` prefix)."""
    return _BY_NAME[name.removeprefix("nn.")]


def entries(names=None) -> list[LossEntry]:
    """The entries named (all of them, in course order, if names is None)."""
    return list(ATLAS) if names is None else [entry(name) for name in names]


def page_url(page: str, from_page: str) -> str:
    """The URL of ``page`` relative to ``from_page`` (both under docs/).

    markdown-exec renders printed Markdown after MkDocs has rewritten the
    page's links, so a link to ``x.md`` would reach the reader unrewritten and
    broken; we write the final URL instead (MkDocs' default
    ``use_directory_urls``: ``losses/x.md`` is served at ``losses/x/``).
    """
    def directory(path: str) -> str:
        if path.endswith("index.md"):
            return posixpath.dirname(path)
        return path.removesuffix(".md")

    return posixpath.relpath(directory(page), directory(from_page)) + "/"


def page_link(loss: LossEntry, from_page: str) -> str:
    """A Markdown link to the page that covers ``loss``, or "this page"."""
    if loss.page == from_page:
        return "this page"
    title = loss.page.rsplit("/", 1)[-1].removesuffix(".md")
    return f"[{title}]({page_url(loss.page, from_page)})"


def _arguments_cell(loss: LossEntry) -> str:
    shown = {k: v for k, v in loss.arguments.items() if k != "reduction"}
    return ", ".join(f"`{k}={v!r}`" for k, v in shown.items()) or "—"


def atlas_table(
    names=None, *, from_page: str | None = None, formula: bool = False
) -> str:
    """The chosen losses as a Markdown table: input, target, arguments, use.

    Print it from a block *without* ``result="text"`` so markdown-exec
    renders it as Markdown. With ``from_page`` (the calling page, relative to
    docs/) a column links each loss to its page; with ``formula=True`` a
    column shows the per-element formula.
    """
    header = [
        "Loss in `torch.nn`", "Input", "Target", "Key arguments (default)",
        '`reduction="mean"` divides by', "When to use",
    ]
    if formula:
        header.insert(1, "Per-element loss")
    if from_page is not None:
        header.append("Page")
    rows = []
    for loss in entries(names):
        # Bold, not code: Material breaks long inline code mid-word in narrow
        # table columns.
        cells = [
            f"**{loss.name}**", loss.input, loss.target, _arguments_cell(loss),
            loss.mean_divides_by, loss.task,
        ]
        if formula:
            cells.insert(1, f"${loss.formula}$")
        if from_page is not None:
            cells.append(page_link(loss, from_page))
        rows.append(cells)
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines += [
        "| " + " | ".join(cell.replace("|", r"\|") for cell in row) + " |"
        for row in rows
    ]
    return "\n".join(lines)


def formula_table(names=None) -> str:
    """The losses' family and per-element formula as a Markdown table.

    Print it from a block without result="text".
    """
    lines = [
        "| Loss in `torch.nn` | Family | Per-element loss, before reduction |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| **{loss.name}** | {loss.family} | ${loss.formula}$ |"
        for loss in entries(names)
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class MindMapNode:
    label: str  # the text: a family heading, or a loss and its two notes
    family: str | None  # None for the root
    depth: int  # 0 root, 1 family, 2 loss
    top: float  # inches from the top of the figure
    lines: int  # text lines the node takes


MIND_MAP_WIDTH = 4.2  # inches: on a phone the text shrinks little below 9 pt
WRAP = 42  # characters per note line at 9 pt in the loss column
LINE = 0.2  # inches per 9-10 pt text line


def mind_map_layout() -> list[MindMapNode]:
    """Root, then each family followed by its losses, top to bottom.

    A loss node reads: its class, then "target: ..." and "penalises: ...",
    wrapped to fit the narrow column.
    """
    import textwrap

    root = f"{len(ATLAS)} loss functions in torch.nn"
    nodes = [MindMapNode(root, None, 0, 0.1, 1)]
    top = 0.1 + 2.2 * LINE
    for family in FAMILIES:
        nodes.append(MindMapNode(family, family, 1, top, 1))
        top += 1.5 * LINE
        for loss in (loss for loss in ATLAS if loss.family == family):
            notes = textwrap.wrap(f"target: {loss.target_kind}", WRAP)
            notes += textwrap.wrap(f"penalises: {loss.penalises}", WRAP)
            label = "\n".join([loss.qualified_name, *notes])
            nodes.append(MindMapNode(label, family, 2, top, 1 + len(notes)))
            top += (1 + len(notes)) * LINE + 0.08
        top += 0.12
    return nodes


def draw_mind_map():
    """The mind map as a tall, narrow tree (print it with figure_html).

    Text and lines take the palette ink or a family colour, never a fixed
    black or white, so the map reads in light and dark mode.
    """
    import matplotlib.pyplot as plt

    from snippets.figures import PALETTE

    nodes = mind_map_layout()
    colour = {f: PALETTE[i % len(PALETTE)] for i, f in enumerate(FAMILIES)}
    height = max(node.top + node.lines * LINE for node in nodes) + 0.1
    fig = plt.figure(figsize=(MIND_MAP_WIDTH, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, MIND_MAP_WIDTH), ylim=(height, 0))  # inches, y downwards
    ax.axis("off")
    spine_x, branch_x, leaf_x = 0.25, 0.55, 0.95
    family_tops = [node.top for node in nodes if node.depth == 1]
    ax.plot([spine_x, spine_x], [0.1 + LINE, family_tops[-1] + 0.5 * LINE],
            color="#8a8a8a", linewidth=2)
    for node in nodes:
        middle = node.top + 0.5 * LINE
        if node.depth == 0:
            ax.text(0.1, node.top, node.label, fontsize=11, fontweight="bold",
                    va="top")
            continue
        stroke = colour[node.family]
        if node.depth == 1:
            ax.plot([spine_x, branch_x - 0.05], [middle, middle], color=stroke,
                    linewidth=2)
            ax.text(branch_x, middle, node.label, fontsize=10.5,
                    fontweight="bold", va="center", color=stroke)
            family_top = middle
            continue
        stem_x = branch_x + 0.1
        ax.plot([stem_x, stem_x], [family_top + 0.5 * LINE, middle],
                color=stroke, linewidth=1.5)
        ax.plot([stem_x, leaf_x - 0.08], [middle, middle], color=stroke,
                linewidth=1.5)
        name, *notes = node.label.split("\n")
        ax.text(leaf_x, node.top, name, fontsize=10, family="monospace",
                fontweight="bold", va="top")
        for row, note in enumerate(notes, start=1):
            ax.text(leaf_x + 0.1, node.top + row * LINE, note, fontsize=9,
                    va="top")
    return fig
