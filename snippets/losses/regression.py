"""L1, MSE, smooth L1 and Huber written out by hand, to be checked against torch.nn."""

import torch


def reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """The three ``reduction`` modes every torch.nn loss shares (KLDivLoss adds "batchmean")."""
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
    """Quadratic 0.5 r^2 / beta inside |r| < beta, linear |r| - 0.5 beta outside."""
    residual = (prediction - target).abs()
    if beta == 0:  # the quadratic zone vanishes: plain L1 (and no division by zero)
        return reduce(residual, reduction)
    loss = torch.where(residual < beta, 0.5 * residual**2 / beta, residual - 0.5 * beta)
    return reduce(loss, reduction)


def huber_loss(prediction, target, delta=1.0, reduction="mean"):
    """Huber's loss: 0.5 r^2 inside |r| <= delta, delta (|r| - 0.5 delta) outside."""
    residual = (prediction - target).abs()
    loss = torch.where(residual <= delta, 0.5 * residual**2, delta * (residual - 0.5 * delta))
    return reduce(loss, reduction)
