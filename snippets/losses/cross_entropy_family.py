"""The cross-entropy family written out by hand from its formulas.

Only elementary tensor operations (exp, log, max, sum, indexing) are used, never
torch.nn or torch.nn.functional, so checking these functions against
nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss and nn.BCEWithLogitsLoss is a real
test, not torch against itself. Class scores sit on dimension 1, as in PyTorch:
(N, C) or (N, C, d1, d2, ...); a 1-D input (C,) is one unbatched sample. Values
and gradients (torch.autograd) match torch over every option it accepts;
tests/test_losses_grids.py checks the whole grid.
"""

import torch

REDUCTIONS = ("none", "mean", "sum")
# torch's guard in the BCELoss backward (see below): the float32 constant
# 1e-12f, which in float64 is 9.99999996e-13, not 1e-12.
BCE_GRAD_EPSILON = torch.tensor(1e-12, dtype=torch.float32).item()


def reduce(losses, reduction: str, mean_denominator):
    """'none' keeps every loss, 'sum' adds them, 'mean' divides the sum by the
    denominator: the number of elements, or the summed weight of the targets."""
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.sum() / mean_denominator
    raise ValueError(
        f"reduction must be one of {REDUCTIONS}, got {reduction!r}"
    )


def log_softmax(logits: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """log softmax(x)_c = x_c - log sum_k exp x_k, shifted by max x so exp
    cannot overflow."""
    # The shift cancels exactly, so it carries no gradient: detaching it keeps
    # autograd from routing round-off through max, whose gradient at a tie picks
    # one entry.
    shift = logits.max(dim=dim, keepdim=True).values.detach()
    shifted = logits - shift
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


def _class_weight(
    weight: torch.Tensor | None, scores: torch.Tensor
) -> torch.Tensor:
    """One weight per class, shaped to broadcast along dimension 1 of scores."""
    num_classes = scores.shape[1]
    if weight is None:
        weight = torch.ones(num_classes, dtype=scores.dtype)
    return weight.reshape(1, num_classes, *[1] * (scores.dim() - 2))


def _targets_that_count(target, ignore_index: int, class_weight: torch.Tensor):
    """The mask of kept targets, the targets made safe to index with, and each
    target's weight (zero where ignored)."""
    kept = target != ignore_index
    # An ignored target may be any integer: point it at class 0 and zero its
    # weight.
    safe_target = torch.where(kept, target, torch.zeros_like(target))
    return kept, safe_target, class_weight.flatten()[safe_target] * kept


def _unbatched(loss_function, scores, target, reduction, **options):
    """A 1-D input (C,) is one sample: add the batch dimension, then drop it
    again."""
    losses = loss_function(
        scores[None], target[None], reduction=reduction, **options
    )
    return losses[0] if reduction == "none" else losses


def nll_loss(
    log_probs, target, weight=None, ignore_index=-100, reduction="mean"
):
    """l_n = -w[y_n] * x[n, y_n]; 'mean' divides by the summed weights of the
    targets that count (ignored ones excluded), not by N."""
    if log_probs.dim() == 1:
        return _unbatched(
            nll_loss,
            log_probs,
            target,
            reduction,
            weight=weight,
            ignore_index=ignore_index,
        )
    class_weight = _class_weight(weight, log_probs)
    _, safe_target, target_weight = _targets_that_count(
        target, ignore_index, class_weight
    )
    picked = log_probs.gather(1, safe_target.unsqueeze(1)).squeeze(1)
    return reduce(-target_weight * picked, reduction, target_weight.sum())


def cross_entropy(
    logits,
    target,
    weight=None,
    ignore_index=-100,
    reduction="mean",
    label_smoothing=0.0,
):
    """Cross-entropy between softmax(logits) and class indices or class
    probabilities."""
    if logits.dim() == 1:
        return _unbatched(
            cross_entropy,
            logits,
            target,
            reduction,
            weight=weight,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
        )
    log_probs = log_softmax(logits, dim=1)
    num_classes = logits.shape[1]
    class_weight = _class_weight(weight, logits)
    if target.is_floating_point():
        if (
            target.shape != logits.shape
        ):  # torch raises too, instead of broadcasting
            raise ValueError(
                f"probability targets need the input's shape "
                f"{tuple(logits.shape)}, got {tuple(target.shape)}"
            )
        # Probabilities: l_n = -sum_c w_c y_nc log p_nc; 'mean' divides by the
        # number of samples times positions, N d1 d2 ..., with or without
        # weights.
        if (
            ignore_index >= 0
        ):  # torch accepts a negative ignore_index here and ignores it
            raise ValueError(
                "ignore_index >= 0 needs class-index targets, "
                "not probabilities (torch raises RuntimeError too)"
            )
        smoothed = (
            target * (1 - label_smoothing) + label_smoothing / num_classes
        )
        losses = -(class_weight * smoothed * log_probs).sum(dim=1)
        return reduce(losses, reduction, losses.numel())
    # Indices: smoothing mixes the one-hot target with the uniform distribution,
    # so the loss is (1 - eps) NLL + eps (mean over classes of -w_c log p_c);
    # both share NLL's denominator, the summed weight of the kept targets.
    kept, _, target_weight = _targets_that_count(
        target, ignore_index, class_weight
    )
    nll = nll_loss(log_probs, target, weight, ignore_index, reduction="none")
    uniform_part = -(class_weight * log_probs).sum(dim=1) / num_classes * kept
    losses = (1 - label_smoothing) * nll + label_smoothing * uniform_part
    return reduce(losses, reduction, target_weight.sum())


class _ClampedBinaryCrossEntropy(torch.autograd.Function):
    """-[y log p + (1 - y) log(1 - p)] with each log clamped at -100, as torch
    does.

    The clamp makes the forward flat near p = 0 and p = 1, but torch's backward
    is not the derivative of that flat forward: it is (p - y) / max(p (1 - p),
    1e-12) for p and log(1 - p) - log(p), unclamped, for y. This class writes
    both out, so the hand version matches torch's gradients at p = 0 and p = 1
    too.
    """

    @staticmethod
    def forward(ctx, probs, target):
        ctx.save_for_backward(probs, target)
        log_p = probs.log().clamp(min=-100)
        log_one_minus_p = (1 - probs).log().clamp(min=-100)
        return -(target * log_p + (1 - target) * log_one_minus_p)

    @staticmethod
    def backward(ctx, grad):
        probs, target = ctx.saved_tensors
        spread = (probs * (1 - probs)).clamp(min=BCE_GRAD_EPSILON)
        grad_probs = grad * (probs - target) / spread
        grad_target = grad * ((1 - probs).log() - probs.log())
        return grad_probs, grad_target


def binary_cross_entropy(probs, target, weight=None, reduction="mean"):
    """l = -w [y log p + (1 - y) log(1 - p)], each log clamped at -100 as torch
    does."""
    if (
        probs.shape != target.shape
    ):  # torch refuses to broadcast here, and so do we
        raise ValueError(
            f"target shape {tuple(target.shape)} must equal the "
            f"input shape {tuple(probs.shape)}"
        )
    losses = _ClampedBinaryCrossEntropy.apply(probs, target)
    if weight is not None:
        losses = weight * losses
    return reduce(losses, reduction, losses.numel())


def softplus(x: torch.Tensor) -> torch.Tensor:
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), exp only ever of a number <=
    0.

    max(x, 0) is written (x + |x|) / 2: at x = 0 autograd then takes the mean of
    the two one-sided slopes, 1/2, the true derivative sigmoid(0).
    x.clamp(min=0) would give 1 there, and the gradient of every loss built on
    it would be off by 1/2 at x = 0.
    """
    return (x + x.abs()) / 2 + (-x.abs()).exp().log1p()


def binary_cross_entropy_with_logits(
    logits, target, weight=None, pos_weight=None, reduction="mean"
):
    """l = -w [p_w y log s(x) + (1 - y) log(1 - s(x))], s the sigmoid, never
    formed.

    pos_weight broadcasts against the target from the right, as in torch: (C,)
    for targets (N, C); (C, 1, 1) for image-shaped targets (N, C, H, W).
    """
    if logits.shape != target.shape:
        raise ValueError(
            f"target shape {tuple(target.shape)} must equal the "
            f"input shape {tuple(logits.shape)}"
        )
    # log s(x) = -softplus(-x) and log(1 - s(x)) = -softplus(x), exact for
    # finite x.
    positive_scale = 1.0 if pos_weight is None else pos_weight
    losses = positive_scale * target * softplus(-logits) + (
        1 - target
    ) * softplus(logits)
    if weight is not None:
        losses = weight * losses
    return reduce(losses, reduction, losses.numel())
