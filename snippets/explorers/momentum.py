"""torch.optim.SGD on the explorer's two quadratics, in float64.

f(x, y) = 4x² + (4/κ)y² has Hessian diag(8, 8/κ): its steep axis is exactly the
course's parabola y = 4x², so λ_max = 8, λ_min = 8/κ and the condition number
(条件数) is κ.
"""

from __future__ import annotations

import torch

from snippets.optimizers import quadratic

CURVATURE = 8.0  # y = 4x² has y'' = 8
STEPS = 100
# |θ| beyond this counts as diverged (every start is within 2.5 of the minimum)
DIVERGED = 1e8


def stability_limit(beta: float, nesterov: bool = False) -> float:
    """Largest stable lr on the steep axis (curvature 8), from the conditioning
    page."""
    return quadratic.stability_limit(beta, CURVATURE, nesterov=nesterov)


def optimal_heavy_ball(kappa: float) -> tuple[float, float]:
    """Polyak's optimal (lr, β) for eigenvalues in [8/κ, 8]."""
    return quadratic.optimal_heavy_ball(CURVATURE / kappa, CURVATURE)


def run_sgd(lr, beta, kappa, start, nesterov=False, steps=STEPS):
    """Positions (steps+1, 2) of torch.optim.SGD on f(x, y) = 4x² + (4/κ)y².

    Stops early (a shorter result) once |θ| exceeds DIVERGED, like the widget.
    """
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    half_curvatures = torch.tensor([4.0, 4.0 / kappa], dtype=torch.float64)
    sgd = torch.optim.SGD([theta], lr=lr, momentum=beta, nesterov=nesterov)
    path = [theta.detach().clone()]
    for _ in range(steps):
        sgd.zero_grad()
        (half_curvatures * theta**2).sum().backward()
        sgd.step()
        path.append(theta.detach().clone())
        if theta.abs().max() > DIVERGED:
            break
    return torch.stack(path)


def quadratic_loss(path: torch.Tensor, kappa: float) -> torch.Tensor:
    return 4 * path[:, 0] ** 2 + 4 / kappa * path[:, 1] ** 2
