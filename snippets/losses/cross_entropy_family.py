"""The cross-entropy family written out by hand from its formulas.

Only elementary tensor operations (exp, log, max, sum, indexing) are used, never torch.nn or
torch.nn.functional, so checking these functions against nn.CrossEntropyLoss, nn.NLLLoss,
nn.BCELoss and nn.BCEWithLogitsLoss is a real test and not torch compared with itself.
Class scores sit on dimension 1, as in PyTorch: (N, C) or (N, C, d1, d2, ...).
"""

import torch

REDUCTIONS = ("none", "mean", "sum")


def reduce(losses: torch.Tensor, reduction: str, mean_denominator: torch.Tensor | float) -> torch.Tensor:
    """'none' keeps one loss per sample, 'sum' adds them, 'mean' divides the sum by mean_denominator."""
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.sum() / mean_denominator
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def log_softmax(logits: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """log softmax(x)_c = x_c - log sum_k exp x_k, shifted by max x so that exp cannot overflow."""
    shifted = logits - logits.max(dim=dim, keepdim=True).values
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


def _class_weight(weight: torch.Tensor | None, scores: torch.Tensor) -> torch.Tensor:
    """One weight per class, shaped to broadcast along dimension 1 of scores."""
    num_classes = scores.shape[1]
    if weight is None:
        weight = torch.ones(num_classes, dtype=scores.dtype)
    return weight.reshape(1, num_classes, *[1] * (scores.dim() - 2))


def _targets_that_count(target: torch.Tensor, ignore_index: int, class_weight: torch.Tensor):
    """The mask of kept targets, the targets made safe to index with, and each target's weight."""
    kept = target != ignore_index
    # An ignored target may be any integer, so point it at class 0 and zero its weight instead.
    safe_target = torch.where(kept, target, torch.zeros_like(target))
    return kept, safe_target, class_weight.flatten()[safe_target] * kept


def nll_loss(log_probs: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> torch.Tensor:
    """l_n = -w[y_n] * x[n, y_n]; 'mean' divides by the summed weights of the targets, not by N."""
    _, safe_target, target_weight = _targets_that_count(target, ignore_index, _class_weight(weight, log_probs))
    picked = log_probs.gather(1, safe_target.unsqueeze(1)).squeeze(1)
    return reduce(-target_weight * picked, reduction, target_weight.sum())


def cross_entropy(logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> torch.Tensor:
    """Cross-entropy between softmax(logits) and class indices or class probabilities."""
    log_probs = log_softmax(logits, dim=1)
    num_classes = logits.shape[1]
    class_weight = _class_weight(weight, logits)
    if target.is_floating_point():
        # Probabilities: l_n = -sum_c w_c y_nc log p_nc; 'mean' divides by the number of samples.
        if ignore_index != -100:
            raise ValueError("ignore_index needs class-index targets, not probabilities")
        smoothed = target * (1 - label_smoothing) + label_smoothing / num_classes
        losses = -(class_weight * smoothed * log_probs).sum(dim=1)
        return reduce(losses, reduction, losses.numel())
    # Indices: label smoothing mixes the one-hot target with the uniform distribution, so the loss
    # is (1 - eps) * NLL + eps * (mean over classes of -w_c log p_c); both share NLL's denominator.
    kept, _, target_weight = _targets_that_count(target, ignore_index, class_weight)
    nll = nll_loss(log_probs, target, weight, ignore_index, reduction="none")
    uniform_part = -(class_weight * log_probs).sum(dim=1) / num_classes * kept
    losses = (1 - label_smoothing) * nll + label_smoothing * uniform_part
    return reduce(losses, reduction, target_weight.sum())


def binary_cross_entropy(probs: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
                         reduction: str = "mean") -> torch.Tensor:
    """l = -w [y log p + (1 - y) log(1 - p)], each log clamped at -100 as PyTorch does."""
    # The clamp keeps p = 0 or p = 1 finite (log 0 = -inf) at the price of a fake ceiling of 100.
    log_p = probs.log().clamp(min=-100)
    log_one_minus_p = (1 - probs).log().clamp(min=-100)
    losses = -(target * log_p + (1 - target) * log_one_minus_p)
    if weight is not None:
        losses = weight * losses
    return reduce(losses, reduction, losses.numel())


def softplus(x: torch.Tensor) -> torch.Tensor:
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): exp only ever sees a non-positive number."""
    return x.clamp(min=0) + (-x.abs()).exp().log1p()


def binary_cross_entropy_with_logits(logits: torch.Tensor, target: torch.Tensor,
                                     weight: torch.Tensor | None = None,
                                     pos_weight: torch.Tensor | None = None,
                                     reduction: str = "mean") -> torch.Tensor:
    """l = -w [p_w y log s(x) + (1 - y) log(1 - s(x))] with s the sigmoid, never forming s(x)."""
    # log s(x) = -softplus(-x) and log(1 - s(x)) = -softplus(x), exact for every finite x.
    positive_scale = 1.0 if pos_weight is None else pos_weight
    losses = positive_scale * target * softplus(-logits) + (1 - target) * softplus(logits)
    if weight is not None:
        losses = weight * losses
    return reduce(losses, reduction, losses.numel())
