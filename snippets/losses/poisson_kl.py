"""Poisson negative log-likelihood and KL divergence written out by hand, to be checked against torch.nn."""

import math

import torch

from snippets.losses.regression import reduce


def poisson_nll_loss(prediction, count, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """-log Poisson(count | rate) without the log(count!) term, which does not depend on the model.

    log_input=True reads the prediction as log(rate); otherwise as the rate itself, with eps
    keeping log(0) away. full=True adds Stirling's approximation of log(count!) for counts > 1.
    """
    if log_input:
        loss = torch.exp(prediction) - count * prediction
    else:
        loss = prediction - count * torch.log(prediction + eps)
    if full:
        stirling = count * torch.log(count) - count + 0.5 * torch.log(2 * math.pi * count)
        loss = loss + torch.where(count > 1, stirling, torch.zeros_like(stirling))
    return reduce(loss, reduction)


def kl_div_loss(log_q, p, reduction="mean", log_target=False):
    """Pointwise p (log p - log q), summed as `reduction` says; KL(P || Q) needs "batchmean".

    log_q is the model's log-probabilities; p the target probabilities (log-probabilities if
    log_target). xlogy makes 0 log 0 = 0, as in the definition of KL.
    """
    if log_target:
        pointwise = torch.exp(p) * (p - log_q)
    else:
        pointwise = torch.special.xlogy(p, p) - p * log_q
    if reduction == "batchmean":
        return pointwise.sum() / log_q.shape[0]
    return reduce(pointwise, reduction)
