"""Poisson negative log-likelihood and KL divergence by hand, vs torch.nn."""

import math

import torch

from snippets.losses.regression import reduce


def poisson_nll_loss(
    prediction, count, log_input=True, full=False, eps=1e-8, reduction="mean"
):
    """-log Poisson(count | rate), without log(count!) unless full=True.

    log_input=True reads the prediction as log(rate); otherwise as the rate
    itself, with eps keeping log(0) away. full=True adds Stirling's
    approximation of log(count!) for counts > 1 (0 for counts <= 1).
    """
    if log_input:
        loss = torch.exp(prediction) - count * prediction
    else:
        loss = prediction - count * torch.log(prediction + eps)
    if full:
        safe = count.clamp(min=1)  # the term is only used where count > 1
        stirling = (
            safe * torch.log(safe) - safe + 0.5 * torch.log(2 * math.pi * safe)
        )
        loss = loss + torch.where(count > 1, stirling, 0.0)
    return reduce(loss, reduction)


def kl_div_loss(log_q, p, reduction="mean", log_target=False):
    """Pointwise p (log p - log q); KL(P || Q) needs reduction="batchmean".

    log_q: the model's log-probabilities; p: target probabilities
    (log-probabilities if log_target). xlogy makes 0 log 0 = 0.
    """
    if log_target:
        pointwise = torch.exp(p) * (p - log_q)
    else:
        pointwise = torch.special.xlogy(p, p) - p * log_q
    if reduction == "batchmean":  # a 0-d input has no batch: plain sum
        batch = log_q.shape[0] if log_q.dim() > 0 else 1
        return pointwise.sum() / batch
    return reduce(pointwise, reduction)
