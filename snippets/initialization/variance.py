"""The chapter's formulas written out by hand, independent of torch.nn.init,
and the statistics that turn "the measured variance matches" into an assertion
with a tolerance justified for the way the samples were drawn."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot: Var(W) = gain^2 * 2 / (fan_in + fan_out)."""
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(fan: int, negative_slope: float = 0.0) -> float:
    """He: Var(W) = 2 / ((1 + a^2) * fan) for a (leaky) ReLU of slope a."""
    return math.sqrt(2.0 / ((1 + negative_slope**2) * fan))


def uniform_bound(std: float) -> float:
    """The a of U(-a, a) with this std: Var(U(-a, a)) = a^2 / 3."""
    return math.sqrt(3.0) * std


def variance_standard_error(samples: torch.Tensor) -> float:
    """Standard error of the sample variance of i.i.d. samples.

    sqrt((mu4 - sigma^4) / N), with mu4 and sigma^2 estimated from the
    samples, so the tolerance follows the sample size and the shape of the
    distribution (a uniform has a smaller mu4 than a normal).
    """
    centred = samples.double().flatten() - samples.double().mean()
    variance = centred.pow(2).mean()
    fourth_moment = centred.pow(4).mean()
    spread = (fourth_moment - variance**2).item()
    return math.sqrt(spread / centred.numel())


def assert_variance(
    samples: torch.Tensor, expected: float, z: float = 5.0
) -> float:
    """Assert the sample variance of INDEPENDENT samples is within z standard
    errors of `expected`; return the variance.

    Only for i.i.d. samples (the entries of an nn.init weight, independent
    draws). Why it cannot fail by luck (the "derived" method of the README):
    the sample variance of N i.i.d. draws has standard error
    sqrt((mu4 - sigma^4) / N) and, for the N of thousands used here, is
    close to normal (CLT), so |error| > 5 SE has probability 2 P(Z > 5) =
    5.7e-7, far below 1e-3 even with the SE estimated from the same
    samples. tests/test_initialization_statistics.py checks the calibration
    over 1000 seeds (z spread 1, margin >= 3.5 sd). The outputs of one
    layer share its weight matrix and are NOT independent: use
    `assert_layer_variance`.
    """
    variance = samples.double().var().item()
    tolerance = z * variance_standard_error(samples)
    assert abs(variance - expected) <= tolerance, (
        f"variance {variance:.6g} vs expected {expected:.6g} "
        f"(tolerance {tolerance:.2g})"
    )
    return variance


def layer_variance_relative_error(
    fan_in: int, fan_out: int, batch: int
) -> float:
    """Relative standard error of the sample variance of h = x W^T.

    For W (fan_out x fan_in) with i.i.d. normal entries and `batch` inputs
    x with i.i.d. normal entries, all B * fan_out outputs share W, so

        Var(S) / E[S]^2 = 2 / (n_in n_out)                      (from W)
                        + 2 (n_in + n_out + 1) / (B n_in n_out)  (from x)

    The first term does not shrink with the batch. Derivation on the page
    "Why initialization matters"; checked over 1000 seeds in the tests.
    """
    from_weights = 2 / (fan_in * fan_out)
    from_inputs = 2 * (fan_in + fan_out + 1) / (batch * fan_in * fan_out)
    return math.sqrt(from_weights + from_inputs)


def assert_layer_variance(
    h: torch.Tensor, expected: float, fan_in: int, z: float = 5.0
) -> float:
    """Assert Var(h) of one layer's outputs h (batch x fan_out) is within
    z standard errors of `expected`, the errors of
    `layer_variance_relative_error`; return the variance.

    Derived: the sample variance is a sum over the n_in n_out weights and
    B n_in inputs, close to normal, with the relative standard error above
    (the weights' share included), so z = 5 fails with probability about
    5.7e-7. tests/test_initialization_statistics.py measures the z-scores
    over 500 (n = 64) and 200 (n = 256) layers: spread 1, margin >= 3.5 sd.
    """
    batch, fan_out = h.shape
    variance = h.double().var().item()
    relative = layer_variance_relative_error(fan_in, fan_out, batch)
    tolerance = z * relative * expected
    assert abs(variance - expected) <= tolerance, (
        f"variance {variance:.6g} vs expected {expected:.6g} "
        f"(tolerance {tolerance:.2g})"
    )
    return variance


def gaussian_expectation(
    f: Callable[[np.ndarray], np.ndarray],
    std: float,
    half_width: float = 10.0,
    steps: int = 40_001,
) -> float:
    """E[f(X)] for X ~ N(0, std^2), by the trapezoid rule on a grid of
    z = X / std: a deterministic check on Monte Carlo estimates.

    The grid step (5e-4 in z) resolves the narrow peak of tanh'(X)^2 (width
    about 1 in X) for std up to about a thousand; Gauss-Hermite quadrature,
    with its few widely spaced nodes, would miss it.
    """
    z = np.linspace(-half_width, half_width, steps)
    density = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return float(np.trapezoid(f(std * z) * density, z))
