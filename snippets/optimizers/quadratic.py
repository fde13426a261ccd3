"""Closed forms for gradient descent and momentum on a quadratic f(θ) = ½ θᵀAθ.

In the eigenbasis of A every coordinate is a separate 1-D problem x ← x − lr·λ·x
(plus the velocity for momentum), so everything here is a function of h = lr·λ,
one eigenvalue at a time. Momentum is PyTorch's form, ``buf ← β·buf + g; θ ← θ −
lr·buf`` (``torch.optim.SGD`` with ``dampening=0``), which is Polyak's heavy
ball with step lr and momentum β unchanged; with ``nesterov=True`` it is ``θ ← θ
− lr·(g + β·buf)``.

Derived in docs/optimizers/conditioning.md and nesterov.md. Pure Python (no
torch), so the explorer and the tests can import it cheaply. Per step, a
coordinate's error shrinks by the returned ``rate``: the spectral radius of that
coordinate's iteration matrix.
"""

from __future__ import annotations

import math


def _root_modulus(trace: float, det: float) -> float:
    """Largest |z| among the roots of z² − trace·z + det = 0."""
    discriminant = trace * trace - 4 * det
    if discriminant < 0:  # complex pair: |z|² = z·z̄ = det
        return math.sqrt(det)
    return (abs(trace) + math.sqrt(discriminant)) / 2


def root_modulus(
    lr: float, beta: float, lam: float, nesterov: bool = False
) -> float:
    """Per-step contraction of the eigen-direction with eigenvalue ``lam``
    (spectral radius).

    Heavy ball: z² − (1 + β − h)z + β = 0; Nesterov: z² − (1 + β)(1 − h)z + β(1
    − h) = 0, with h = lr·λ. β = 0 gives gradient descent's |1 − h| in both
    cases.
    """
    h = lr * lam
    if nesterov:
        return _root_modulus((1 + beta) * (1 - h), beta * (1 - h))
    return _root_modulus(1 + beta - h, beta)


def gd_rate(lr: float, lam_min: float, lam_max: float) -> float:
    """Gradient descent's worst per-step contraction over eigenvalues in
    [lam_min, lam_max].

    |1 − lr·λ| is convex in λ, so its maximum over the interval is at an end.
    """
    return max(abs(1 - lr * lam_min), abs(1 - lr * lam_max))


def optimal_gd(lam_min: float, lam_max: float) -> tuple[float, float]:
    """(lr, rate) of the best constant step: lr = 2/(λmin + λmax), rate = (κ −
    1)/(κ + 1)."""
    kappa = lam_max / lam_min
    return 2 / (lam_min + lam_max), (kappa - 1) / (kappa + 1)


def momentum_rate(
    lr: float,
    beta: float,
    lam_min: float,
    lam_max: float,
    nesterov: bool = False,
) -> float:
    """Worst per-step contraction of momentum over eigenvalues in [lam_min,
    lam_max].

    For fixed (lr, β) the root modulus is non-increasing then non-decreasing in
    λ (flat at √β on the complex band for heavy ball), so the maximum over the
    interval is at an end; tests/test_optimizers_depth.py checks this against a
    dense grid.
    """
    return max(
        root_modulus(lr, beta, lam_min, nesterov),
        root_modulus(lr, beta, lam_max, nesterov),
    )


def optimal_heavy_ball(lam_min: float, lam_max: float) -> tuple[float, float]:
    """Polyak's optimal (lr, β): lr = (2/(√λmax + √λmin))², β = ((√κ − 1)/(√κ +
    1))².

    They put both ends of the spectrum on the edge of the complex band, lr·λmin
    = (1 − √β)² and lr·λmax = (1 + √β)², where every root has modulus √β = (√κ −
    1)/(√κ + 1).
    """
    root_kappa = math.sqrt(lam_max / lam_min)
    lr = (2 / (math.sqrt(lam_max) + math.sqrt(lam_min))) ** 2
    beta = ((root_kappa - 1) / (root_kappa + 1)) ** 2
    return lr, beta


def optimal_momentum_rate(lam_min: float, lam_max: float) -> float:
    """Heavy ball's rate at its optimal (lr, β): (√κ − 1)/(√κ + 1)."""
    root_kappa = math.sqrt(lam_max / lam_min)
    return (root_kappa - 1) / (root_kappa + 1)


def stability_limit(beta: float, lam: float, nesterov: bool = False) -> float:
    """The largest stable lr for eigenvalue ``lam``: 2(1 + β)/λ, or 2(1 + β)/((1
    + 2β)λ) for Nesterov."""
    if not 0 <= beta < 1:
        raise ValueError(f"momentum must be in [0, 1), got {beta}")
    factor = 2 * (1 + beta) / (1 + 2 * beta) if nesterov else 2 * (1 + beta)
    return factor / lam


def stable(lr: float, beta: float, lam: float, nesterov: bool = False) -> bool:
    """Whether the iteration converges on eigenvalue ``lam`` > 0: 0 < lr <
    ``stability_limit``."""
    return 0 < lr < stability_limit(beta, lam, nesterov)
