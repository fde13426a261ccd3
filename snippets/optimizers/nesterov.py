"""Nesterov momentum: Sutskever et al.'s form by hand, PyTorch's form, and their
iteration matrices.

Used by docs/optimizers/nesterov.md; the closed-form root moduli are in
quadratic.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import torch

from snippets.optimizers import quadratic
from snippets.optimizers.valley import sgd_path, valley


def sutskever_path(
    loss: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    lr: float,
    mu: float,
    steps: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sutskever et al. (2013), eq. 3–4: v ← μv − ε∇f(θ + μv); θ ← θ + v, from v
    = 0.

    Returns the iterates θ_0 … θ_steps and velocities v_0 … v_steps; gradients
    by autograd.
    """
    theta, velocity = start.detach().clone(), torch.zeros_like(start)
    thetas, velocities = [theta], [velocity]
    for _ in range(steps):
        look_ahead = (theta + mu * velocity).requires_grad_(True)
        (gradient,) = torch.autograd.grad(loss(look_ahead), look_ahead)
        velocity = mu * velocity - lr * gradient
        theta = theta + velocity
        thetas.append(theta)
        velocities.append(velocity)
    return torch.stack(thetas), torch.stack(velocities)


def torch_nesterov_path(
    loss: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    lr: float,
    momentum: float,
    steps: int,
    **options,
) -> tuple[torch.Tensor, torch.Tensor]:
    """torch.optim.SGD(nesterov=True): the parameters p_0 … p_steps and momentum
    buffers b_0 … b_steps (b_0 = 0)."""
    param = start.detach().clone().requires_grad_(True)
    sgd = torch.optim.SGD(
        [param], lr=lr, momentum=momentum, nesterov=True, **options
    )
    params, buffers = [param.detach().clone()], [torch.zeros_like(start)]
    for _ in range(steps):
        sgd.zero_grad()
        loss(param).backward()
        sgd.step()
        params.append(param.detach().clone())
        buffers.append(sgd.state[param]["momentum_buffer"].clone())
    return torch.stack(params), torch.stack(buffers)


def iteration_matrix(
    lr: float, beta: float, lam: float, nesterov: bool
) -> torch.Tensor:
    """One torch.optim.SGD step on f(x) = ½λx², read off as the matrix acting on
    (x, lr·buffer).

    Built by running the optimizer from the two unit states, so it is
    independent of the characteristic polynomials in quadratic.py.
    """
    columns = []
    for x0, scaled_buffer in ((1.0, 0.0), (0.0, 1.0)):
        x = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
        sgd = torch.optim.SGD([x], lr=lr, momentum=beta, nesterov=nesterov)
        x.grad = torch.zeros_like(x)
        sgd.step()  # creates the buffer from a zero gradient; x does not move
        sgd.state[x]["momentum_buffer"].fill_(scaled_buffer / lr)
        x.grad = lam * x.detach()
        sgd.step()
        columns.append([x.item(), lr * sgd.state[x]["momentum_buffer"].item()])
    return torch.tensor(columns, dtype=torch.float64).T


def nesterov_figure(
    kappa: float = 60.0, beta: float = 0.9, steps: int = 60
) -> plt.Figure:
    """Top: spectral radius against h = lr·λ for heavy ball and Nesterov at one
    β.
    Bottom: both, with the same (lr, β), in a valley of condition κ."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.8))
    h = torch.linspace(0.0, 4.0, 801, dtype=torch.float64).tolist()
    for nesterov, colour, name in (
        (False, "#3b82f6", "heavy ball"),
        (True, "#a855f7", "Nesterov"),
    ):
        radius = [quadratic.root_modulus(x, beta, 1.0, nesterov) for x in h]
        top.plot(h, [min(r, 1.3) for r in radius], color=colour, label=name)
        limit = quadratic.stability_limit(beta, 1.0, nesterov)
        top.axvline(limit, color=colour, linestyle=":", linewidth=1)
    top.axhline(1.0, color="#8a8a8a", linewidth=0.8)
    top.set_xlabel("h = lr·λ (dotted: stability limits)")
    top.set_ylabel("spectral radius (per-step factor)")
    top.set_title(
        f"β = {beta}: heavy ball never beats √β; Nesterov dips to 0 near h = 1"
    )
    top.legend(fontsize=8)
    top.set_ylim(0, 1.3)
    angle = math.pi / 8
    matrix = valley(1.0, kappa, angle)
    start = (
        -math.cos(angle) - 0.1 * math.sin(angle),
        -math.sin(angle) + 0.1 * math.cos(angle),
    )
    lr = 1.0 / kappa  # h = 1 on the steep axis
    for nesterov, colour, name in (
        (False, "#3b82f6", "heavy ball"),
        (True, "#a855f7", "Nesterov"),
    ):
        path = sgd_path(
            matrix, start, lr, momentum=beta, nesterov=nesterov, steps=steps
        )
        bottom.plot(
            path[:, 0],
            path[:, 1],
            "o-",
            color=colour,
            markersize=2,
            linewidth=1,
            label=name,
        )
    bottom.plot([0], [0], "*", color="#10b981", markersize=10)
    bottom.set_aspect("equal")
    bottom.set_title(
        f"κ = {kappa:g}, lr = 1/λmax, β = {beta}: {steps} steps each"
    )
    bottom.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
