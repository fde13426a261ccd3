"""The gradient of softmax cross-entropy in closed form, for every option of
torch's loss.

Every variant of the loss is -sum_c a_c log q_c for some non-negative "target
mass" a (one vector per sample), with q = softmax(z). Its gradient is q * sum(a)
- a. The options only change a, and 'mean' divides by a denominator. Nothing
here calls autograd: the pages and tests compare it with autograd through
torch's own loss.
"""

import torch


def softmax_jacobian(q: torch.Tensor) -> torch.Tensor:
    """d q_i / d z_j = q_i (delta_ij - q_j), for one probability vector q."""
    return torch.diag(q) - torch.outer(q, q)


def target_mass(
    target, num_classes, weight=None, ignore_index=-100, label_smoothing=0.0
):
    """a with loss = -sum_c a_c log q_c, shape (N, C), and the 'mean'
    denominator."""
    if weight is None:
        weight = torch.ones(num_classes, dtype=torch.float64)
    if target.is_floating_point():  # probabilities: a = w * smoothed target
        smoothed = (
            1 - label_smoothing
        ) * target + label_smoothing / num_classes
        return weight * smoothed, target.shape[0]
    kept = (target != ignore_index).double()
    safe = torch.where(target != ignore_index, target, 0)
    one_hot = torch.eye(num_classes, dtype=torch.float64)[safe]
    # (1 - eps) w_y e_y + (eps / C) w, zero for an ignored sample.
    mass = (1 - label_smoothing) * weight[safe, None] * one_hot
    mass = (mass + label_smoothing / num_classes * weight) * kept[:, None]
    return mass, (weight[safe] * kept).sum()


def cross_entropy_gradient(
    logits,
    target,
    weight=None,
    ignore_index=-100,
    reduction="mean",
    label_smoothing=0.0,
):
    """D loss / d logits of F.cross_entropy on (N, C) logits, in closed form.

    Covers less than torch: 2-D logits only (reshape (N, C, d...) to rows first)
    and 'mean' or 'sum' only ('none' has a Jacobian, not one gradient); anything
    else raises.
    """
    if logits.dim() != 2:
        raise NotImplementedError(
            f"logits of shape (N, C) only, got "
            f"{tuple(logits.shape)}: reshape to rows first"
        )
    if reduction not in ("mean", "sum"):
        raise NotImplementedError(
            f"reduction 'mean' or 'sum' only, got {reduction!r}"
        )
    q = logits.softmax(dim=1)
    mass, denominator = target_mass(
        target, logits.shape[1], weight, ignore_index, label_smoothing
    )
    gradient = q * mass.sum(dim=1, keepdim=True) - mass
    return gradient / denominator if reduction == "mean" else gradient
