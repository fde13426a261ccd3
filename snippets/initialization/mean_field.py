"""Predict a deep network's per-layer statistics from the variance recursion
alone, no sampling.

For square bias-free layers with Var(W) = c / n and activation f, the
pre-activations are close to N(0, q_l) (a sum of many independent terms),
and

    q_1 = c E[x^2],  q_{l+1} = c E[f(h)^2],  chi_l = c E[f'(h)^2],

with h ~ N(0, q_l), where chi_l is the factor by which layer l multiplies
the gradient's variance on the way back (Poole et al. 2016, Schoenholz et
al. 2017). Comparing these predictions with `trace_layers` measurements
checks the derivations end to end.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from snippets.initialization.variance import gaussian_expectation

Curve = Callable[[np.ndarray], np.ndarray]


@dataclass
class MeanFieldPrediction:
    pre_activation_std: list[float]
    # relative to a unit-std gradient arriving at the last layer's output
    input_grad_std: list[float]


def predict_layers(
    activation: Curve,
    slope: Curve,
    weight_scale: float,
    depth: int,
    input_second_moment: float = 1.0,
) -> MeanFieldPrediction:
    """Run the recursion for `depth` layers; `weight_scale` is n Var(W)."""
    variances, gradient_factors = [], []
    second_moment = input_second_moment
    for _ in range(depth):
        variance = weight_scale * second_moment
        std = math.sqrt(variance)
        variances.append(variance)
        gradient_factors.append(
            weight_scale * gaussian_expectation(lambda h: slope(h) ** 2, std)
        )
        second_moment = gaussian_expectation(lambda h: activation(h) ** 2, std)
    # The gradient into layer l has passed through layers L, L-1, ..., l.
    grad_variance = np.cumprod(gradient_factors[::-1])[::-1]
    return MeanFieldPrediction(
        pre_activation_std=[math.sqrt(v) for v in variances],
        input_grad_std=[math.sqrt(v) for v in grad_variance],
    )


def tanh_slope(h: np.ndarray) -> np.ndarray:
    return 1 - np.tanh(h) ** 2
