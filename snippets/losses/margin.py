"""The margin classification losses by hand, for checking torch.nn.

Hinges use relu, whose gradient at the kink (hinge exactly 0) is 0, as in
torch's kernels for these losses.
"""

import torch

from snippets.losses.regression import reduce


def soft_margin_loss(score, sign, reduction="mean"):
    """log(1 + exp(-y x)): the logistic loss of the margin y x.

    torch applies the formula to any y: y = 0 gives log 2 and no gradient.
    """
    margin = sign * score
    return reduce(torch.logaddexp(torch.zeros_like(margin), -margin), reduction)


def multilabel_soft_margin_loss(
    logits, multi_hot, weight=None, reduction="mean"
):
    """Per sample: binary cross-entropy of every class, averaged over C."""
    per_class = -(
        multi_hot * torch.nn.functional.logsigmoid(logits)
        + (1 - multi_hot) * torch.nn.functional.logsigmoid(-logits)
    )
    if weight is not None:
        per_class = per_class * weight
    return reduce(per_class.sum(dim=-1) / logits.shape[-1], reduction)


def multi_margin_loss(
    scores, label, p=1, margin=1.0, weight=None, reduction="mean"
):
    """Each wrong class i costs w_y max(0, margin - x_y + x_i)^p; sum / C.

    scores: (N, C) with labels (N,), or one sample (C,) with a 0-d label.
    """
    if p not in (1, 2):
        raise ValueError(f"torch supports only p = 1 and p = 2, got p = {p}")
    if scores.dim() == 1:
        one = multi_margin_loss(
            scores[None], label.reshape(1), p, margin, weight, "none"
        )
        return reduce(one[0], reduction)
    true_score = scores.gather(1, label[:, None])
    hinge = torch.relu(margin - true_score + scores) ** p
    hinge = hinge.scatter(1, label[:, None], 0.0)  # the true class is no rival
    if weight is not None:
        hinge = hinge * weight[label][:, None]  # after the power, as torch does
    return reduce(hinge.sum(dim=1) / scores.shape[1], reduction)


def multilabel_margin_loss(scores, label_indices, reduction="mean"):
    """Each (true j, false i) pair costs max(0, 1 - (x_j - x_i)); sum / C.

    label_indices lists a sample's true classes, then -1; anything after the
    first -1 is ignored. A label listed twice counts twice, as in torch.
    """
    if scores.dim() == 1:
        one = multilabel_margin_loss(scores[None], label_indices[None], "none")
        return reduce(one[0], reduction)
    losses = []
    for row, indices in zip(scores, label_indices):
        listed = indices.tolist()
        true = listed[: listed.index(-1)] if -1 in listed else listed
        is_true = torch.zeros(row.shape[0], dtype=torch.bool)
        is_true[true] = True
        gaps = row[true][:, None] - row[~is_true][None, :]
        losses.append(torch.relu(1 - gaps).sum() / row.shape[0])
    return reduce(torch.stack(losses), reduction)
