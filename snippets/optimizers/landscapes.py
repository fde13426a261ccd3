"""Two 2-D landscapes for comparing optimizers, an ill-conditioned quadratic and Rosenbrock's valley,
and a helper that records the path an optimizer takes on them."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def ill_conditioned_quadratic(point: Tensor) -> Tensor:
    """f(x, y) = (x² + 25 y²) / 2: curvature 1 along x and 25 along y, condition number 25."""
    x, y = point[..., 0], point[..., 1]
    return 0.5 * (x**2 + 25 * y**2)


def rosenbrock(point: Tensor) -> Tensor:
    """f(x, y) = (1 - x)² + 100 (y - x²)²: a curved, flat-bottomed valley, minimum 0 at (1, 1)."""
    x, y = point[..., 0], point[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def optimizer_path(make_optimizer: Callable[[list[Tensor]], torch.optim.Optimizer],
                   loss_fn: Callable[[Tensor], Tensor], start: tuple[float, float], steps: int,
                   sparse: bool = False) -> tuple[Tensor, list[int]]:
    """The points an optimizer visits on a 2-D problem, shape (steps + 1, 2), and how many times
    it had evaluated the loss on reaching each (one per step, except for LBFGS, which runs
    several iterations and a line search inside one step).

    The point is row 0 of an embedding table, looked up with ``F.embedding``: with
    ``sparse=True`` its gradient is a sparse tensor, which is what ``SparseAdam`` requires;
    with ``sparse=False`` the lookup is an ordinary differentiable indexing. Every optimizer is
    stepped with a closure, which ``LBFGS`` needs and the others accept.
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
