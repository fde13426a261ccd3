"""The ranking and metric-learning losses by hand, for checking torch.nn.

Labels follow torch exactly, also outside {-1, +1}: see each docstring.
"""

import math

import torch

from snippets.losses.regression import reduce


def margin_ranking_loss(score_1, score_2, order, margin=0.0, reduction="mean"):
    """max(0, margin - y (x1 - x2)); y = +1: x1 should be larger, -1: x2.

    Like torch, it refuses inputs of different numbers of dimensions
    (the course's (3, 1) scores with a (3,) target).
    """
    if not score_1.dim() == score_2.dim() == order.dim():
        raise ValueError("score_1, score_2 and order need the same dim()")
    gap = margin - order * (score_1 - score_2)
    return reduce(gap.clamp(min=0), reduction)


def hinge_embedding_loss(distance, similar, margin=1.0, reduction="mean"):
    """y = +1 pays the distance, y = -1 pays max(0, margin - distance).

    torch adds the two terms, switching off only the one whose label
    matches exactly: a label that is neither 1 nor -1 (a 0) pays both.
    """
    push = torch.where(similar != 1, (margin - distance).clamp(min=0), 0.0)
    pull = torch.where(similar != -1, distance, 0.0)
    return reduce(push + pull, reduction)


def cosine(a, b, eps=1e-12):
    """Cosine of the angle between rows; eps guards zero vectors (as torch)."""
    norms = ((a * a).sum(-1) + eps) * ((b * b).sum(-1) + eps)
    return (a * b).sum(-1) / torch.sqrt(norms)


def cosine_embedding_loss(x1, x2, similar, margin=0.0, reduction="mean"):
    """y = +1 pays 1 - cos, y = -1 pays max(0, cos - margin), any other y 0."""
    if similar.dim() > 1:
        raise ValueError("the target must be 0-d or 1-d, as in torch")
    cos = cosine(x1, x2)
    pull = torch.where(similar == 1, 1 - cos, 0.0)
    push = torch.where(similar == -1, (cos - margin).clamp(min=0), 0.0)
    return reduce(pull + push, reduction)


def minkowski_distance(a, b, p=2.0, eps=1e-6):
    """||a - b + eps||_p over the last dimension, as F.pairwise_distance.

    eps keeps the gradient finite when a = b. p = inf is the largest
    coordinate; p <= 0 (torch counts non-zeros for p = 0) is not covered.
    """
    difference = (a - b + eps).abs()
    if p == math.inf:
        return difference.amax(dim=-1)
    if p <= 0:
        raise NotImplementedError(f"p = {p}: only p > 0 and p = inf")
    return (difference**p).sum(-1) ** (1 / p)


def triplet_margin_loss(
    anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
    reduction="mean",
):
    """max(d(a, p) - d(a, n) + margin, 0), with the Minkowski distance d.

    swap=True uses the harder negative distance: min(d(a, n), d(p, n)).
    """
    if margin <= 0:
        raise ValueError(f"margin must be > 0, got {margin}")
    to_positive = minkowski_distance(anchor, positive, p, eps)
    to_negative = minkowski_distance(anchor, negative, p, eps)
    if swap:
        other = minkowski_distance(positive, negative, p, eps)
        to_negative = torch.minimum(to_negative, other)
    return reduce((to_positive - to_negative + margin).clamp(min=0), reduction)
