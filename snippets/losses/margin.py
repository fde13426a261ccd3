"""The margin classification losses written out by hand, to be checked against torch.nn."""

import torch
import torch.nn.functional as F

from snippets.losses.regression import reduce


def soft_margin_loss(score, sign, reduction="mean"):
    """log(1 + exp(-y x)) for labels y in {-1, +1}: the logistic loss of the margin y x."""
    return reduce(F.softplus(-sign * score), reduction)  # softplus(z) = log(1 + e^z), without overflow


def multilabel_soft_margin_loss(logits, multi_hot, weight=None, reduction="mean"):
    """Per sample: binary cross-entropy of every class, averaged over the C classes."""
    per_class = -(multi_hot * F.logsigmoid(logits) + (1 - multi_hot) * F.logsigmoid(-logits))
    if weight is not None:
        per_class = per_class * weight
    return reduce(per_class.mean(dim=-1), reduction)


def multi_margin_loss(scores, label, p=1, margin=1.0, weight=None, reduction="mean"):
    """Multi-class hinge: every wrong class i costs max(0, margin - x_y + x_i)^p, summed, over C."""
    true_score = scores.gather(1, label[:, None])
    hinge = (margin - true_score + scores).clamp(min=0) ** p
    hinge = hinge.scatter(1, label[:, None], 0.0)  # the true class is not its own rival
    if weight is not None:
        hinge = hinge * weight[label][:, None]  # PyTorch weights the hinge after the power
    return reduce(hinge.sum(dim=1) / scores.shape[1], reduction)


def multilabel_margin_loss(scores, label_indices, reduction="mean"):
    """Every (true j, false i) pair costs max(0, 1 - (x_j - x_i)), summed, over C.

    label_indices holds the true classes of a sample, then -1; anything after the first -1 is ignored.
    """
    losses = []
    for row, indices in zip(scores, label_indices):
        true = []
        for index in indices.tolist():
            if index < 0:
                break
            true.append(index)
        is_true = torch.zeros(row.shape[0], dtype=torch.bool)
        is_true[true] = True
        # PyTorch loops over the listed labels, so a label listed twice counts twice.
        pair_margins = 1 - (row[true][:, None] - row[~is_true][None, :])
        losses.append(pair_margins.clamp(min=0).sum() / row.shape[0])
    return reduce(torch.stack(losses), reduction)
