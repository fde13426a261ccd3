"""A narrow quadratic valley f(θ) = ½ θᵀAθ and torch.optim.SGD's paths down it.

Used by docs/optimizers/conditioning.md, nesterov.md and momentum.md (its lead
figure). The closed forms the paths are checked against are in
snippets/optimizers/quadratic.py.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch

from snippets.optimizers import quadratic


def valley(
    lam_min: float, lam_max: float, angle: float = math.pi / 6
) -> torch.Tensor:
    """The 2×2 symmetric matrix with eigenvalues (lam_min, lam_max), its axes
    turned by ``angle``.

    Turning the axes makes the valley diagonal, so no coordinate of θ is an
    eigen-direction: the eigendecomposition has to find them.
    """
    c, s = math.cos(angle), math.sin(angle)
    rotation = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    return (
        rotation
        @ torch.diag(torch.tensor([lam_min, lam_max], dtype=torch.float64))
        @ rotation.T
    )


def sgd_path(
    matrix: torch.Tensor,
    start,
    lr: float,
    momentum: float = 0.0,
    nesterov: bool = False,
    steps: int = 100,
) -> torch.Tensor:
    """Positions θ_0 … θ_steps of torch.optim.SGD on ½ θᵀAθ (float64), with the
    gradient Aθ."""
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    sgd = torch.optim.SGD([theta], lr=lr, momentum=momentum, nesterov=nesterov)
    path = [theta.detach().clone()]
    for _ in range(steps):
        theta.grad = (
            matrix @ theta.detach()
        )  # ∇(½ θᵀAθ) for symmetric A; no autograd needed
        sgd.step()
        path.append(theta.detach().clone())
    return torch.stack(path)


def fitted_rate(path: torch.Tensor, first: int, last: int) -> float:
    """Average per-step contraction of the distance to the minimum (the origin)
    from ``first`` to ``last``."""
    ratio = path[last].norm() / path[first].norm()
    return ratio.item() ** (1 / (last - first))


def zigzag_figure(kappa: float = 60.0, steps: int = 40) -> plt.Figure:
    """Gradient descent against heavy-ball momentum, each at its optimal
    setting, in a valley of condition κ."""
    lam_min, lam_max = 1.0, kappa
    angle = math.pi / 8
    matrix = valley(lam_min, lam_max, angle)
    # one unit along the flat floor, 0.1 up the steep wall: (−1, 0.1) in the
    # eigenbasis
    start = (
        -math.cos(angle) - 0.1 * math.sin(angle),
        -math.sin(angle) + 0.1 * math.cos(angle),
    )
    gd_lr, gd_rate = quadratic.optimal_gd(lam_min, lam_max)
    hb_lr, hb_beta = quadratic.optimal_heavy_ball(lam_min, lam_max)
    hb_rate = quadratic.optimal_momentum_rate(lam_min, lam_max)
    runs = [
        (
            f"gradient descent, lr = {gd_lr:.3f}",
            sgd_path(matrix, start, gd_lr, steps=steps),
            gd_rate,
        ),
        (
            f"momentum, lr = {hb_lr:.3f}, β = {hb_beta:.3f}",
            sgd_path(matrix, start, hb_lr, momentum=hb_beta, steps=steps),
            hb_rate,
        ),
    ]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(6.4, 6.6), height_ratios=[1, 1]
    )
    xx, yy = torch.meshgrid(
        torch.linspace(-1.15, 0.25, 141, dtype=torch.float64),
        torch.linspace(-0.6, 0.25, 86, dtype=torch.float64),
        indexing="xy",
    )
    points = torch.stack([xx, yy], dim=-1)
    height = 0.5 * torch.einsum("...i,ij,...j->...", points, matrix, points)
    top.contour(
        xx,
        yy,
        height,
        levels=torch.logspace(-3, 1.5, 14).tolist(),
        colors="#8a8a8a",
        linewidths=0.6,
    )
    for (label, path, _), colour in zip(runs, ("#f97316", "#3b82f6")):
        top.plot(
            path[:, 0],
            path[:, 1],
            "o-",
            color=colour,
            markersize=2.5,
            linewidth=1.2,
            label=label,
        )
    top.plot([0], [0], "*", color="#10b981", markersize=10)
    top.set_aspect("equal")
    top.set_xlim(-1.15, 0.25)
    top.set_ylim(-0.6, 0.25)
    top.set_title(
        f"A narrow valley, κ = λmax/λmin = {kappa:g}: {steps} steps each"
    )
    top.legend(loc="upper left", fontsize=8)
    t = torch.arange(steps + 1)
    for (label, path, rate), colour in zip(runs, ("#f97316", "#3b82f6")):
        bottom.semilogy(
            t, path.norm(dim=1), color=colour, label=label.split(",")[0]
        )
        # the predicted slope, drawn through the last point: a double root adds
        # a factor t early on
        guide = path[-1].norm() * rate ** (t.double() - steps)
        bottom.semilogy(
            t,
            guide,
            "--",
            color=colour,
            linewidth=1,
            label=f"slope of {rate:.3f}ᵗ",
        )
    bottom.set_xlabel("step t")
    bottom.set_ylabel("distance to the minimum")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    return fig


def steps_to_shrink(path: torch.Tensor, factor: float) -> int:
    """The first step at which the distance to the minimum is below ``factor``
    times the start's."""
    below = (path.norm(dim=1) < factor * path[0].norm()).nonzero()
    if len(below) == 0:
        raise ValueError(f"the path never shrank by {factor:g}; run more steps")
    return int(below[0])


def steps_figure(
    kappas=(10.0, 30.0, 100.0, 300.0), factor: float = 1e-6
) -> plt.Figure:
    """Steps to shrink the error by ``factor``: the closed forms' curves and
    torch.optim.SGD's counts."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    curve = torch.logspace(0.2, 2.7, 60, dtype=torch.float64).tolist()
    gd = [
        math.log(factor) / math.log(quadratic.optimal_gd(1.0, k)[1])
        for k in curve
    ]
    hb = [
        math.log(factor) / math.log(quadratic.optimal_momentum_rate(1.0, k))
        for k in curve
    ]
    ax.loglog(
        curve,
        gd,
        color="#f97316",
        label="gradient descent: ln(1/ε)/ln((κ+1)/(κ−1)) ≈ κ ln(1/ε)/2",
    )
    ax.loglog(
        curve,
        hb,
        color="#3b82f6",
        label="momentum: ln(1/ε)/ln((√κ+1)/(√κ−1)) ≈ √κ ln(1/ε)/2",
    )
    for kappa in kappas:
        matrix = valley(1.0, kappa)
        gd_lr, _ = quadratic.optimal_gd(1.0, kappa)
        hb_lr, hb_beta = quadratic.optimal_heavy_ball(1.0, kappa)
        gd_path = sgd_path(
            matrix, (1.0, 1.0), gd_lr, steps=int(7.5 * kappa) + 50
        )
        hb_path = sgd_path(
            matrix,
            (1.0, 1.0),
            hb_lr,
            momentum=hb_beta,
            steps=int(8 * kappa**0.5) + 80,
        )
        ax.plot(kappa, steps_to_shrink(gd_path, factor), "o", color="#f97316")
        ax.plot(kappa, steps_to_shrink(hb_path, factor), "o", color="#3b82f6")
    ax.set_xlabel("condition number κ = λmax/λmin")
    ax.set_ylabel(f"steps to shrink the error by {factor:g}")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(
        "Lines: closed forms. Dots: torch.optim.SGD at the optimal settings"
    )
    return fig
