"""L1, MSE, smooth L1 and Huber by hand, to be checked against torch.nn."""

import torch

REDUCTIONS = ("none", "sum", "mean")


def reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """The three ``reduction`` modes every torch.nn loss shares."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"unknown reduction {reduction!r}")


def l1_loss(prediction, target, reduction="mean"):
    return reduce((prediction - target).abs(), reduction)


def mse_loss(prediction, target, reduction="mean"):
    return reduce((prediction - target) ** 2, reduction)


def smooth_l1_loss(prediction, target, beta=1.0, reduction="mean"):
    """0.5 r^2 / beta inside |r| < beta, |r| - 0.5 beta outside."""
    if beta < 0:
        raise ValueError(f"beta must be >= 0, got {beta}")
    residual = (prediction - target).abs()
    if beta == 0:  # no quadratic zone: plain L1 (and no division by 0)
        return reduce(residual, reduction)
    inside = 0.5 * residual**2 / beta
    loss = torch.where(residual < beta, inside, residual - 0.5 * beta)
    return reduce(loss, reduction)


def huber_loss(prediction, target, delta=1.0, reduction="mean"):
    """0.5 r^2 inside |r| <= delta, delta (|r| - 0.5 delta) outside."""
    if delta <= 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    residual = (prediction - target).abs()
    outside = delta * (residual - 0.5 * delta)
    loss = torch.where(residual <= delta, 0.5 * residual**2, outside)
    return reduce(loss, reduction)
