"""Each atlas row's formula, written out by hand, against torch.nn.

For every one of the 18 rows: random inputs in each shape the row states, the
row's per-element formula (reduction="none"), what "mean" divides by (the row's
mean_divides_by), the "sum", and the gradient of every float input, all compared
with the torch.nn module in float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from snippets.losses.atlas import COURSE_LOSSES
from snippets.losses.ctc import ctc_negative_log_likelihood


@dataclass(frozen=True)
class Case:
    shape: str  # the shape the row states, e.g. "(N, C, d1, d2)"
    inputs: tuple  # positional arguments of the module call
    options: dict  # constructor arguments beyond the defaults
    per_element: Callable  # the row's formula, reduction="none"
    mean: Callable  # per-element losses -> the "mean" by the row's divisor
    # torch's CTC gradient is right only through log_softmax (pytorch#52241):
    # the CTC case draws logits and feeds log_softmax(logits) to both sides.
    log_softmax_first: bool = False


def _elements(per, *_):
    return per.sum() / per.numel()


def _cases(name: str, g: torch.Generator) -> list[Case]:
    """Inputs in each stated shape for the row `name`, drawn from `g`."""

    def rand(*shape):
        return torch.randn(shape, generator=g, dtype=torch.float64)

    def classes(high, *shape):
        return torch.randint(0, high, shape, generator=g)

    def signs(*shape):
        return classes(2, *shape).double() * 2 - 1

    N, C, D = 5, 4, 3
    if name == "CrossEntropyLoss":
        w = rand(C).abs() + 0.1
        y = classes(C, N, 2, 3)
        y[0, 0, 0] = -100  # ignore_index
        kept = (y != -100).double()
        safe = y.clamp(min=0)

        def ce(x, y, weight=None):
            picked = x.log_softmax(1).gather(1, safe[:, None])[:, 0]
            w_y = (
                weight[safe] if weight is not None else torch.ones_like(picked)
            )
            return -w_y * picked * kept

        probs = rand(N, C).softmax(1)
        return [
            Case(
                "(N, C, d1, …)",
                (rand(N, C, 2, 3), y),
                {},
                ce,
                lambda per, x, y: per.sum() / kept.sum(),
            ),
            Case(
                "(N, C, d1, …)",
                (rand(N, C, 2, 3), y),
                {"weight": w},
                lambda x, y: ce(x, y, w),
                lambda per, x, y: per.sum() / (w[safe] * kept).sum(),
            ),
            Case(
                "(N, C)",
                (rand(N, C), probs),
                {},
                lambda x, p: -(p * x.log_softmax(1)).sum(1),
                _elements,
            ),
        ]
    if name == "NLLLoss":
        w = rand(C).abs() + 0.1
        y = classes(C, N)
        y4 = classes(C, N, 2, 3)

        def nll(x, y):
            return -w[y] * x.gather(1, y.unsqueeze(1)).squeeze(1)

        return [
            Case(
                "(N, C)",
                (rand(N, C).log_softmax(1), y),
                {"weight": w},
                nll,
                lambda per, x, y: per.sum() / w[y].sum(),
            ),
            Case(
                "(N, C, d1, …)",
                (rand(N, C, 2, 3).log_softmax(1), y4),
                {"weight": w},
                nll,
                lambda per, x, y: per.sum() / w[y].sum(),
            ),
        ]
    if name == "BCELoss":

        def bce(x, y):
            return -(y * x.log() + (1 - y) * (1 - x).log())

        return [
            Case(
                "(*)",
                (torch.sigmoid(rand(*dims)), rand(*dims).sigmoid()),
                {},
                bce,
                _elements,
            )
            for dims in ((), (N, C, 2))
        ]
    if name == "BCEWithLogitsLoss":
        pos = rand(C).abs() + 0.5

        def bce_logits(x, y):
            return -(pos * y * F.logsigmoid(x) + (1 - y) * F.logsigmoid(-x))

        return [
            Case(
                "(*)",
                (rand(N, C), rand(N, C).sigmoid()),
                {"pos_weight": pos},
                bce_logits,
                _elements,
            )
        ]
    if name in ("L1Loss", "MSELoss", "SmoothL1Loss"):

        def formula(x, y):
            r = (x - y).abs()
            if name == "L1Loss":
                return r
            if name == "MSELoss":
                return r**2
            return torch.where(r < 1, 0.5 * r**2, r - 0.5)

        return [
            Case("(*)", (2 * rand(*dims), rand(*dims)), {}, formula, _elements)
            for dims in ((), (N, 2, 3))
        ]
    if name == "PoissonNLLLoss":
        counts = torch.poisson(
            torch.full((N, 2), 3.0, dtype=torch.float64), generator=g
        )
        return [
            Case(
                "(*)",
                (rand(N, 2), counts),
                {},
                lambda x, y: x.exp() - y * x,
                _elements,
            ),
            Case(
                "(*)",
                (rand(N, 2).exp(), counts),
                {"log_input": False},
                lambda x, y: x - y * (x + 1e-8).log(),
                _elements,
            ),
        ]
    if name == "KLDivLoss":

        def kl(x, y):
            return torch.special.xlogy(y, y) - y * x

        return [
            Case(
                "(*)",
                (rand(*dims).log_softmax(-1), rand(*dims).softmax(-1)),
                {},
                kl,
                _elements,
            )
            for dims in ((C,), (N, 2, C))
        ]
    if name == "MarginRankingLoss":

        def ranking(x1, x2, y):
            return (-y * (x1 - x2) + 0.0).clamp(min=0)

        return [
            Case(
                shape,
                (rand(*dims), rand(*dims), signs(*dims)),
                {},
                ranking,
                _elements,
            )
            for shape, dims in (("()", ()), ("(N,)", (N,)))
        ]
    if name == "MultiLabelMarginLoss":
        lists = torch.stack([torch.randperm(C, generator=g) for _ in range(N)])
        lists[:, 2:] = -1  # two labels each, then the end marker

        def pairs(x, y):
            true = torch.zeros_like(x, dtype=torch.bool)
            for n in range(x.shape[0]):
                true[n, y[n, :2]] = True
            gaps = x[:, :, None] - x[:, None, :]  # x_j - x_i
            mask = true[:, :, None] & ~true[:, None, :]
            return (torch.relu(1 - gaps) * mask).sum((1, 2)) / C

        return [
            Case(
                "(N, C)",
                (rand(N, C), lists),
                {},
                pairs,
                lambda per, *_: per.sum() / N,
            ),
            Case(
                "(C)",
                (rand(C), lists[0]),
                {},
                lambda x, y: pairs(x[None], y[None])[0],
                lambda per, *_: per,
            ),
        ]
    if name == "SoftMarginLoss":
        return [
            Case(
                "(*)",
                (rand(N, C), signs(N, C)),
                {},
                lambda x, y: torch.log1p(torch.exp(-y * x)),
                _elements,
            )
        ]
    if name == "MultiLabelSoftMarginLoss":
        w = rand(C).abs() + 0.1

        def multilabel(x, y):
            terms = y * F.logsigmoid(x) + (1 - y) * F.logsigmoid(-x)
            return -(w * terms).sum(-1) / C

        return [
            Case(
                "(N, C)",
                (rand(N, C), classes(2, N, C).double()),
                {"weight": w},
                multilabel,
                lambda per, *_: per.sum() / N,
            )
        ]
    if name == "MultiMarginLoss":
        w = rand(C).abs() + 0.1

        def hinge(x, y, p):
            rival = torch.relu(1 - x.gather(1, y[:, None]) + x) ** p
            rival = rival.scatter(1, y[:, None], 0.0)
            return w[y] * rival.sum(1) / C

        cases = [
            Case(
                "(N, C)",
                (rand(N, C), classes(C, N)),
                {"p": p, "weight": w},
                lambda x, y, p=p: hinge(x, y, p),
                lambda per, *_: per.sum() / N,
            )
            for p in (1, 2)
        ]
        one = Case(
            "(C)",
            (rand(C), classes(C)),
            {"weight": w},
            lambda x, y: hinge(x[None], y[None], 1)[0],
            lambda per, *_: per,
        )
        return [*cases, one]
    if name == "TripletMarginLoss":

        def triplet(a, p, n):
            d_ap = (a - p + 1e-6).norm(dim=-1)
            d_an = (a - n + 1e-6).norm(dim=-1)
            return (d_ap - d_an + 1.0).clamp(min=0)

        return [
            Case(
                shape,
                (rand(*dims), rand(*dims), rand(*dims)),
                {},
                triplet,
                _elements,
            )
            for shape, dims in (("(D)", (D,)), ("(N, D)", (N, D)))
        ]
    if name == "HingeEmbeddingLoss":

        def hinge_embedding(x, y):
            return torch.where(y == 1, x, (1 - x).clamp(min=0))

        return [
            Case(
                "(*)",
                (rand(N, 2).abs(), signs(N, 2)),
                {},
                hinge_embedding,
                _elements,
            )
        ]
    if name == "CosineEmbeddingLoss":

        def cosine(x1, x2, y):
            cos = F.cosine_similarity(x1, x2, dim=-1)
            return torch.where(y == 1, 1 - cos, cos.clamp(min=0))

        return [
            Case(
                "(N, D)",
                (rand(N, D), rand(N, D), signs(N)),
                {},
                cosine,
                lambda per, *_: per.sum() / N,
            ),
            Case("(D)", (rand(D), rand(D), signs()), {}, cosine, _elements),
        ]
    if name == "CTCLoss":
        T, S = 6, 2
        labels = classes(C - 1, N, S) + 1  # never the blank 0
        lengths = torch.tensor([T, T - 1, T, T - 2, T])
        target_lengths = torch.tensor([2, 1, 0, 2, 1])

        def ctc(log_probs, targets, input_lengths, target_lengths):
            return torch.stack(
                [
                    ctc_negative_log_likelihood(
                        log_probs[: input_lengths[n], n],
                        targets[n, : target_lengths[n]].tolist(),
                    )
                    for n in range(N)
                ]
            )

        def ctc_mean(per, *args):
            return (per / target_lengths.clamp(min=1)).mean()

        concatenated = torch.cat(
            [labels[n, :k] for n, k in enumerate(target_lengths)]
        )
        padded = labels.clone()
        for n, k in enumerate(target_lengths.tolist()):
            padded[n, k:] = 0  # pads are never read

        def unbatched(log_probs, target, input_length, target_length):
            return ctc_negative_log_likelihood(log_probs, target.tolist())

        return [
            Case(
                "(T, N, C)",
                (rand(T, N, C), padded, lengths, target_lengths),
                {},
                ctc,
                ctc_mean,
                log_softmax_first=True,
            ),
            Case(
                "(T, N, C)",
                (rand(T, N, C), concatenated, lengths, target_lengths),
                {},
                lambda lp, y, il, tl: ctc(lp, padded, il, tl),
                ctc_mean,
                log_softmax_first=True,
            ),
            Case(
                "(T, C)",
                (rand(T, C), labels[0], torch.tensor(T), torch.tensor(S)),
                {},
                unbatched,
                lambda per, *args: per / S,
                log_softmax_first=True,
            ),
        ]
    raise KeyError(name)


# How many leading arguments are the model's outputs (the rest are targets).
_SEVERAL_OUTPUTS = {
    "MarginRankingLoss": 2,
    "CosineEmbeddingLoss": 2,
    "TripletMarginLoss": 3,
}
MODEL_OUTPUTS = {name: _SEVERAL_OUTPUTS.get(name, 1) for name in COURSE_LOSSES}


@dataclass(frozen=True)
class RowResult:
    name: str
    shapes: tuple  # the stated shapes exercised
    values: bool  # reduction="none" equals the formula
    mean: bool  # "mean" equals the sum over the stated divisor
    sum: bool
    gradients: bool  # d(sum)/d(each float input) equals the formula's


def check_row(name: str, seed: int = 0) -> RowResult:
    """Compare the row's formula with torch.nn.<name> on fresh random inputs."""
    g = torch.Generator().manual_seed(seed)
    cls = getattr(nn, name)
    ok = {"values": True, "mean": True, "sum": True, "gradients": True}
    cases = _cases(name, g)
    for case in cases:
        model_outputs = MODEL_OUTPUTS[name]
        leaves = [
            t.clone().requires_grad_() for t in case.inputs[:model_outputs]
        ]
        floats = list(leaves)
        if case.log_softmax_first:
            leaves[0] = leaves[0].log_softmax(-1)
        inputs = [*leaves, *case.inputs[model_outputs:]]
        ours = case.per_element(*inputs)
        theirs = cls(**case.options, reduction="none")(*inputs)

        def close(a, b):
            return torch.allclose(a, b, rtol=1e-9, atol=1e-12)

        ok["values"] &= close(ours, theirs)
        ok["mean"] &= close(
            case.mean(ours, *inputs), cls(**case.options)(*inputs)
        )
        ok["sum"] &= close(
            ours.sum(), cls(**case.options, reduction="sum")(*inputs)
        )
        grads_ours = torch.autograd.grad(ours.sum(), floats, retain_graph=True)
        grads_theirs = torch.autograd.grad(theirs.sum(), floats)
        ok["gradients"] &= all(map(close, grads_ours, grads_theirs))
    return RowResult(name, tuple(case.shape for case in cases), **ok)
