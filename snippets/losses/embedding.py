"""The ranking and metric-learning losses written out by hand, to be checked against torch.nn."""

import torch

from snippets.losses.regression import reduce


def margin_ranking_loss(score_1, score_2, order, margin=0.0, reduction="mean"):
    """order = +1 when score_1 should be the larger, -1 when score_2 should; hinge on the gap."""
    return reduce((margin - order * (score_1 - score_2)).clamp(min=0), reduction)


def hinge_embedding_loss(distance, similar, margin=1.0, reduction="mean"):
    """Similar pairs (+1) pay their distance; dissimilar ones (-1) pay for being closer than margin."""
    loss = torch.where(similar == 1, distance, (margin - distance).clamp(min=0))
    return reduce(loss, reduction)


def cosine(a, b, eps=1e-12):
    """Cosine of the angle between rows, eps guarding zero vectors as PyTorch does."""
    return (a * b).sum(-1) / torch.sqrt(((a * a).sum(-1) + eps) * ((b * b).sum(-1) + eps))


def cosine_embedding_loss(x1, x2, similar, margin=0.0, reduction="mean"):
    """Similar pairs (+1) pay 1 - cos; dissimilar ones (-1) pay for a cosine above margin."""
    cos = cosine(x1, x2)
    return reduce(torch.where(similar == 1, 1 - cos, (cos - margin).clamp(min=0)), reduction)


def minkowski_distance(a, b, p=2.0, eps=1e-6):
    """||a - b + eps||_p, the distance F.pairwise_distance uses (eps keeps the gradient finite at 0)."""
    return ((a - b + eps).abs() ** p).sum(-1) ** (1 / p)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
    """The anchor must be closer to the positive than to the negative, by margin.

    swap=True uses the harder of the two negative distances, anchor-negative or positive-negative.
    """
    to_positive = minkowski_distance(anchor, positive, p, eps)
    to_negative = minkowski_distance(anchor, negative, p, eps)
    if swap:
        to_negative = torch.minimum(to_negative, minkowski_distance(positive, negative, p, eps))
    return reduce((to_positive - to_negative + margin).clamp(min=0), reduction)
