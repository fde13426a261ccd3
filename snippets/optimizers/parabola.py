"""The course's example y = 4x² and a helper that runs torch.optim.SGD on it
for many learning rates at once."""

from __future__ import annotations

import torch
from torch import Tensor

# y = 4x² has y'' = 8, so gradient descent multiplies x by (1 - 8 lr)
PARABOLA_CURVATURE = 8.0


def parabola(x: Tensor) -> Tensor:
    """The course's example y = 4x² (written there as (2x)²), minimum 0 at
    x = 0."""
    return 4 * x**2


def descend_parabola(lrs: list[float], steps: int,
                     momenta: list[float] | None = None, x0: float = 2.0):
    """Run ``torch.optim.SGD`` on y = 4x² from x0, once per learning rate,
    all in one optimizer.

    Each run gets its own parameter and its own param group (with
    ``lrs[i]`` and, if given, ``momenta[i]``), so one ``step()`` advances
    every run. Returns x and y, each of shape (steps + 1, len(lrs)): row k
    is the state after k steps.
    """
    momenta = momenta or [0.0] * len(lrs)
    points = [torch.tensor(x0, dtype=torch.float64, requires_grad=True)
              for _ in lrs]
    groups = [{"params": [x], "lr": lr, "momentum": m}
              for x, lr, m in zip(points, lrs, momenta)]
    optimizer = torch.optim.SGD(groups)
    xs = []
    for _ in range(steps):
        xs.append(torch.stack([x.detach().clone() for x in points]))
        optimizer.zero_grad()
        # the runs do not interact: each x has its own term
        sum(parabola(x) for x in points).backward()
        optimizer.step()
    xs.append(torch.stack([x.detach().clone() for x in points]))
    xs = torch.stack(xs)
    return xs, parabola(xs)
