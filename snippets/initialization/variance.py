"""The chapter's formulas written out by hand, independent of torch.nn.init, and the
statistics that turn "the measured variance matches" into an assertion with a justified tolerance."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot: Var(W) = gain^2 * 2 / (fan_in + fan_out)."""
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(fan: int, negative_slope: float = 0.0) -> float:
    """He: Var(W) = 2 / ((1 + a^2) * fan) for a (leaky) ReLU with negative slope a."""
    return math.sqrt(2.0 / ((1 + negative_slope**2) * fan))


def uniform_bound(std: float) -> float:
    """The a of U(-a, a) with the given std: Var(U(-a, a)) = a^2 / 3, so a = sqrt(3) * std."""
    return math.sqrt(3.0) * std


def variance_standard_error(samples: torch.Tensor) -> float:
    """Standard error of the sample variance of i.i.d. samples: sqrt((mu4 - sigma^4) / N).

    mu4 and sigma^2 are estimated from the samples themselves, so the tolerance follows the
    sample size and the shape of the distribution (a uniform has a smaller mu4 than a normal).
    """
    centred = samples.double().flatten() - samples.double().mean()
    variance = centred.pow(2).mean()
    fourth_moment = centred.pow(4).mean()
    return math.sqrt((fourth_moment - variance**2).item() / centred.numel())


def assert_variance(samples: torch.Tensor, expected: float, z: float = 5.0) -> float:
    """Assert the sample variance is within z standard errors of `expected`; return the variance.

    With z = 5 a correct formula fails by chance about once in 1.7 million runs, while a
    wrong one (off by more than a few per cent on 10^5 samples) cannot pass.
    """
    variance = samples.double().var().item()
    tolerance = z * variance_standard_error(samples)
    assert abs(variance - expected) <= tolerance, f"variance {variance:.6g} vs expected {expected:.6g} (tolerance {tolerance:.2g})"
    return variance


def gaussian_expectation(f: Callable[[np.ndarray], np.ndarray], std: float, half_width: float = 10.0, steps: int = 40_001) -> float:
    """E[f(X)] for X ~ N(0, std^2), by the trapezoid rule on a fine grid of z = X / std.

    A deterministic check on Monte Carlo estimates. The grid step (5e-4 in z) resolves the
    narrow peak of tanh'(X)^2 (width about 1 in X) for std up to about a thousand;
    Gauss-Hermite quadrature, with its few widely spaced nodes, would miss it.
    """
    z = np.linspace(-half_width, half_width, steps)
    density = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return float(np.trapezoid(f(std * z) * density, z))
