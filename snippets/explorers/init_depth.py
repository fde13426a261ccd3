"""Activation std per layer of a deep bias-free MLP: predicted, and measured.

The network: x ~ N(0, 1) of shape (batch, width), then `depth` square
bias-free linear layers, each followed by the activation. Four weight schemes
(初始化方法):

- "normal":  W ~ N(0, σ²)
- "xavier":  nn.init.xavier_uniform_ (gain 1), Var(W) = 1/n (square layer)
- "kaiming": nn.init.kaiming_normal_(nonlinearity=activation), gain²/n
- "default": nn.Linear.reset_parameters' kaiming_uniform_(a=√5), 1/(3n)

The prediction is the variance recursion (mean-field, 平均场): layer l's
pre-activation is close to N(0, q_l), with q_1 = n·Var(W)·E[x²] and
q_{l+1} = n·Var(W)·E[φ(h_l)²]. The widget in the browser runs the same
recursion with the same quadrature (trapezoid rule on a fine grid).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

FLOAT32_MAX = float(torch.finfo(torch.float32).max)
# The smallest normal float32, 1.2e-38
FLOAT32_TINY = float(torch.finfo(torch.float32).tiny)
# The gains of nn.init.calculate_gain
GAINS = {"linear": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2)}
ACTIVATIONS = {"linear": lambda h: h, "tanh": torch.tanh, "relu": torch.relu}
# Trapezoid grid for E[f(√q z)], z ~ N(0, 1): |z| <= 10 holds all but 1e-23
# of the mass.
_Z = np.linspace(-10.0, 10.0, 4001)
_WEIGHTS = np.exp(-_Z**2 / 2) / math.sqrt(2 * math.pi) * (_Z[1] - _Z[0])


def weight_variance(scheme, width, activation, sigma=1.0) -> float:
    """Var(W) of one entry, for a square width x width layer."""
    return {
        "normal": sigma**2,
        "xavier": 1 / width,
        "kaiming": GAINS[activation] ** 2 / width,
        "default": 1 / (3 * width),
    }[scheme]


def init_weight(weight, scheme, activation, sigma, generator):
    """Initialise in place with the torch.nn.init call each scheme names."""
    if scheme == "normal":
        nn.init.normal_(weight, 0.0, sigma, generator=generator)
    elif scheme == "xavier":
        nn.init.xavier_uniform_(weight, generator=generator)
    elif scheme == "kaiming":
        nn.init.kaiming_normal_(
            weight, nonlinearity=activation, generator=generator
        )
    else:  # the call in nn.Linear.reset_parameters
        nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)


def predicted_std(scheme, activation, width, depth, sigma=1.0):
    """Predicted std of each layer's activations (list of `depth`).

    inf from the first layer past float32's largest number (overflow), 0.0
    from the first below its smallest normal number (underflow): the widget
    stops the recursion there too.
    """
    gain = width * weight_variance(scheme, width, activation, sigma)
    second_moment, stds = 1.0, []
    for _ in range(depth):
        q = gain * second_moment
        if activation == "tanh":
            squares = np.tanh(math.sqrt(q) * _Z) ** 2
            second_moment = float(np.sum(_WEIGHTS * squares))
            mean = 0.0
        elif activation == "relu":
            second_moment, mean = q / 2, math.sqrt(q / (2 * math.pi))
        else:
            second_moment, mean = q, 0.0
        std = math.sqrt(max(second_moment - mean**2, 0.0))
        if std > FLOAT32_MAX or std < FLOAT32_TINY:
            past = math.inf if std > FLOAT32_MAX else 0.0
            stds += [past] * (depth - len(stds))
            break
        stds.append(std)
    return stds


@torch.no_grad()
def measured_std(
    scheme, activation, width, depth, sigma=1.0, networks=32, batch=32, seed=0
):
    """Per-layer activation std of `networks` fresh float32 networks, pooled.

    Pooled = sqrt(mean over networks of each network's activation variance),
    which estimates the same E[Var] the recursion predicts. A layer where any
    network has a non-finite activation is reported as inf (float32 overflow),
    and so is every layer after it.
    """
    threads = torch.get_num_threads()
    # These matmuls are small: one thread is much faster than two fighting over
    # shared cores, and a fixed thread count keeps the float32 sums, hence the
    # numbers, the same on every machine.
    torch.set_num_threads(1)
    try:
        args = scheme, activation, width, depth, sigma, networks, batch, seed
        return _measure(*args)
    finally:
        torch.set_num_threads(threads)


def _measure(scheme, activation, width, depth, sigma, networks, batch, seed):
    generator = torch.Generator().manual_seed(seed)
    variances = torch.zeros(depth, dtype=torch.float64)
    overflowed = depth
    weight = torch.empty(width, width)
    for _ in range(networks):
        a = torch.randn(batch, width, generator=generator)
        for layer in range(depth):
            init_weight(weight, scheme, activation, sigma, generator)
            a = ACTIVATIONS[activation](a @ weight.T)
            if not torch.isfinite(a).all():
                overflowed = min(overflowed, layer)
                break
            variances[layer] += a.double().var(unbiased=False) / networks
    stds = variances.sqrt().tolist()
    return [s if i < overflowed else math.inf for i, s in enumerate(stds)]
