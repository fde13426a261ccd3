"""The downward drift of log-std in ReLU networks with exact Kaiming init
(Hanin & Rolnick 2018), simulated and predicted exactly.

For W with i.i.d. N(0, 2/n) entries and any input x, the entries of Wx are
i.i.d. N(0, 2|x|^2/n), so R = |ReLU(Wx)|^2 / |x|^2 = (2/n) chi^2_K with
K ~ Binomial(n, 1/2) positive units, whatever x is: the per-layer factors
are independent and identically distributed, and log rms(x_L) / rms(x_0)
is a sum of L of them, with mean L E[log R] / 2 < 0 (Jensen: E[R] = 1).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def relu_log_rms_paths(width: int, depth: int, networks: int) -> torch.Tensor:
    """log(rms(x_l) / rms(x_0)) for l = 1..depth, shape (networks, depth).

    Each network is `depth` ReLU layers of width `width` whose weights come
    from nn.init.kaiming_normal_ (fan_in, ReLU), fed one standard-normal
    input; the networks are independent and run as one batched product.
    """
    x = torch.randn(networks, width, 1)
    start = x.square().mean(dim=(1, 2)).log() / 2
    paths = []
    for _ in range(depth):
        weight = torch.empty(networks * width, width)
        nn.init.kaiming_normal_(weight, nonlinearity="relu")  # fan_in = width
        x = torch.relu(weight.view(networks, width, width) @ x)
        paths.append(x.square().mean(dim=(1, 2)).log() / 2 - start)
    # A network whose layer has no positive unit (probability 2^-width per
    # layer) is dead: its log is -inf. Callers drop such rows.
    return torch.stack(paths, dim=1).double()


def log_rms_step_moments(width: int) -> tuple[float, float]:
    """Exact mean and variance of one layer's log(rms ratio) = log(R) / 2.

    E[log chi^2_k] = digamma(k/2) + log 2 and Var = trigamma(k/2); average
    over K ~ Binomial(n, 1/2), leaving out K = 0 (probability 2^-n, a dead
    network whose log is -inf).
    """
    n = width
    k = torch.arange(1, n + 1, dtype=torch.float64)
    log_pmf = (
        math.lgamma(n + 1) - torch.lgamma(k + 1) - torch.lgamma(n - k + 1)
        - n * math.log(2)
    )
    pmf = log_pmf.exp() / log_pmf.exp().sum()
    mean_given_k = torch.special.digamma(k / 2) + math.log(2) + math.log(2 / n)
    var_given_k = torch.special.polygamma(1, k / 2)
    mean = (pmf * mean_given_k).sum()
    second = (pmf * (var_given_k + mean_given_k**2)).sum()
    return (mean / 2).item(), ((second - mean**2) / 4).item()
