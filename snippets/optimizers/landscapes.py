"""2-D landscapes for comparing optimizers (an ill-conditioned quadratic,
the same quadratic rotated, Rosenbrock's valley) and helpers that run
torch.optim classes on them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, optim


def ill_conditioned_quadratic(point: Tensor) -> Tensor:
    """f(x, y) = (x² + 25 y²) / 2: curvature 1 along x and 25 along y,
    condition number 25."""
    x, y = point[..., 0], point[..., 1]
    return 0.5 * (x**2 + 25 * y**2)


def rosenbrock(point: Tensor) -> Tensor:
    """f(x, y) = (1 - x)² + 100 (y - x²)²: a curved, flat-bottomed valley,
    minimum 0 at (1, 1)."""
    x, y = point[..., 0], point[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def quadratic_hessian(angle: float, curvatures=(1.0, 25.0)) -> Tensor:
    """H = R diag(curvatures) Rᵀ, R the rotation by ``angle``: the
    quadratic ½ pᵀ H p with its valley turned by ``angle``."""
    c, s = math.cos(angle), math.sin(angle)
    rotation = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    diagonal = torch.diag(torch.tensor(curvatures, dtype=torch.float64))
    return rotation @ diagonal @ rotation.T


def quadratic(point: Tensor, hessian: Tensor) -> Tensor:
    """½ pᵀ H p for each point of a batch (last dimension 2)."""
    return 0.5 * ((point @ hessian) * point).sum(-1)


def circle_of_starts(count: int, radius: float = 4.0) -> Tensor:
    """``count`` starting points evenly spaced on a circle, shape (count, 2).
    Turning the circle by a multiple of 2π/count permutes them."""
    angles = torch.arange(count, dtype=torch.float64) * 2 * math.pi / count
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)


def descend_quadratics(make_optimizer: Callable[[list[Tensor]], Any],
                       hessian: Tensor, starts: Tensor,
                       steps: int) -> Tensor:
    """Run one optimizer from every start at once; return the paths,
    shape (steps + 1, count, 2).

    The optimizers used with it (SGD, Adagrad, RMSprop, Adam) act on each
    entry separately, so one (count, 2) parameter is ``count`` independent
    runs: the loss is a sum of one term per run.
    """
    point = starts.clone().requires_grad_()
    optimizer = make_optimizer([point])
    path = [starts.clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        quadratic(point, hessian).sum().backward()
        optimizer.step()
        path.append(point.detach().clone())
    return torch.stack(path)


def optimizer_path(make_optimizer: Callable[[list[Tensor]], Any],
                   loss_fn: Callable[[Tensor], Tensor],
                   start: tuple[float, float], steps: int,
                   sparse: bool = False) -> tuple[Tensor, list[int]]:
    """The points an optimizer visits on a 2-D problem, shape
    (steps + 1, 2), and how many times it had evaluated the loss on
    reaching each (one per step, except for LBFGS, which runs several
    iterations and a line search inside one step).

    The point is row 0 of an embedding table, looked up with
    ``F.embedding``: with ``sparse=True`` its gradient is a sparse tensor,
    which is what ``SparseAdam`` requires. Every optimizer is stepped with a
    closure, which ``LBFGS`` needs and the others accept.
    """
    table = torch.tensor([start], dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([table])
    row = torch.tensor([0])
    evaluations = 0

    def closure() -> Tensor:
        nonlocal evaluations
        evaluations += 1
        optimizer.zero_grad()
        loss = loss_fn(F.embedding(row, table, sparse=sparse)[0])
        loss.backward()
        return loss

    path, evaluations_so_far = [table.detach()[0].clone()], [0]
    for _ in range(steps):
        optimizer.step(closure)
        path.append(table.detach()[0].clone())
        evaluations_so_far.append(evaluations)
    return torch.stack(path), evaluations_so_far


# Learning rates picked by hand from a coarse grid, (quadratic, Rosenbrock);
# SGD's is capped by stability: 2/25 on the quadratic.
LEARNING_RATES = {
    "SGD": (0.07, 0.002), "ASGD": (0.07, 0.002), "Rprop": (0.1, 0.01),
    "Adagrad": (1.0, 1.0), "Adadelta": (1.0, 1.0), "RMSprop": (0.1, 0.01),
    "Adam": (0.3, 0.3), "Adamax": (0.3, 1.0), "SparseAdam": (0.3, 0.3),
    "LBFGS": (1.0, 1.0),
}
# loss, start, steps (LBFGS takes 10: each of its steps runs up to 20
# iterations), the minimum
PROBLEMS = {
    "quadratic": (ill_conditioned_quadratic, (-4.0, 1.5), 100, (0.0, 0.0)),
    "Rosenbrock": (rosenbrock, (-1.2, 1.0), 300, (1.0, 1.0)),
}


def make_optimizer(name: str, lr: float, **options):
    """A factory for ``optimizer_path``; LBFGS gets a strong-Wolfe search."""
    if name == "LBFGS":
        options.setdefault("line_search_fn", "strong_wolfe")
    return lambda params: getattr(optim, name)(params, lr=lr, **options)


def run_all(problem: str) -> dict[str, tuple[Tensor, list[int]]]:
    """Path and evaluation counts of each of the ten optimizers."""
    loss_fn, start, steps, _ = PROBLEMS[problem]
    column = list(PROBLEMS).index(problem)
    runs = {}
    for name, rates in LEARNING_RATES.items():
        runs[name] = optimizer_path(
            make_optimizer(name, rates[column]), loss_fn, start,
            10 if name == "LBFGS" else steps, sparse=name == "SparseAdam")
    return runs



def bumpy(p: Tensor) -> Tensor:
    """A smooth, non-quadratic loss in 4 dimensions whose gradient changes
    non-linearly from step to step; its minimum is near, not at, 0."""
    weights = torch.arange(1.0, 5.0, dtype=p.dtype)
    return (weights * p**2).sum() + torch.sin(3 * p).sum()
