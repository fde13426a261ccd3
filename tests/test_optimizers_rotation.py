"""The rotated-quadratic claims of docs/optimizers/ten-optimizers.md, beyond
the page's one circle of starts and its hand-picked rates:

- over 200 seeds of starts at random angles and radii (1 to 5; the page
  uses radius 4), the page's four assertions hold for every seed, with
  margin: the smallest turned ratio of medians measured is about 19 against
  the asserted 10, the largest axis-aligned one about 1e-12 against 1e-3;
- with each method's best rate from a grid, tuned on the rotated problem
  itself, Adagrad and RMSprop still do not beat SGD there.

Adagrad, RMSprop and SGD act on each entry of a parameter separately, so a
(runs, 2) parameter is that many independent runs, and one optimizer with
one param group per learning rate runs a whole grid at once.
"""

from __future__ import annotations

import math

import torch
from torch import optim

from snippets.optimizers.landscapes import (circle_of_starts,
                                            descend_quadratics, quadratic,
                                            quadratic_hessian)

RATES = {"SGD": 0.07, "Adagrad": 1.0, "RMSprop": 0.1}  # the page's
SEEDS, STARTS_PER_SEED = 200, 50


def _random_starts(seed: int) -> torch.Tensor:
    """Starts at random angles and radii between 1 and 5."""
    generator = torch.Generator().manual_seed(seed)
    angle = 2 * math.pi * torch.rand(STARTS_PER_SEED, generator=generator,
                                     dtype=torch.float64)
    radius = 1 + 4 * torch.rand(STARTS_PER_SEED, generator=generator,
                                dtype=torch.float64)
    return radius[:, None] * torch.stack([angle.cos(), angle.sin()], dim=1)


def _finals(name: str, lr: float, angle: float) -> torch.Tensor:
    """Final losses, shape (seeds, starts per seed)."""
    starts = torch.cat([_random_starts(seed) for seed in range(SEEDS)])
    hessian = quadratic_hessian(angle)
    path = descend_quadratics(
        lambda params: getattr(optim, name)(params, lr=lr), hessian, starts,
        steps=100)
    return quadratic(path[-1], hessian).reshape(SEEDS, STARTS_PER_SEED)


def test_page_claims_hold_for_every_seed_of_random_starts():
    """The page's four assertions, per seed: along the axes the adaptive
    median is 1000 times below SGD's and the adaptive run wins from more
    than 90 % of the starts; turned, its median is more than 10 times
    above SGD's and it wins from fewer than 10 % of the starts."""
    for angle in (0.0, math.pi / 4):
        sgd = _finals("SGD", RATES["SGD"], angle)
        sgd_median = sgd.median(dim=1).values
        for name in ("Adagrad", "RMSprop"):
            adaptive = _finals(name, RATES[name], angle)
            median = adaptive.median(dim=1).values
            wins = (adaptive < sgd).double().mean(dim=1)
            if angle == 0.0:
                holds = (median < sgd_median / 1000) & (wins > 0.9)
            else:
                holds = (median > 10 * sgd_median) & (wins < 0.1)
            assert holds.all(), (name, angle, (~holds).sum().item())


def _best_median(name: str, angle: float) -> float:
    """Best median final loss over a grid of rates (one group per rate)."""
    grid = [0.003, 0.01, 0.03, 0.05, 0.07, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0,
            3.0]
    hessian = quadratic_hessian(angle)
    starts = circle_of_starts(200)
    points = [starts.clone().requires_grad_() for _ in grid]
    optimizer = getattr(optim, name)(
        [{"params": [p], "lr": lr} for p, lr in zip(points, grid)])
    for _ in range(100):
        optimizer.zero_grad()
        sum(quadratic(p, hessian).sum() for p in points).backward()
        optimizer.step()
    medians = [quadratic(p.detach(), hessian).median() for p in points]
    finite = [m.item() for m in medians if torch.isfinite(m)]
    return min(finite)


def test_tuned_adaptive_methods_do_not_beat_tuned_sgd_when_rotated():
    turned = math.pi / 4
    sgd = _best_median("SGD", turned)
    for name in ("Adagrad", "RMSprop"):
        assert _best_median(name, turned) > sgd, name
        # ... while along the axes, tuned, they win by orders of magnitude
        assert _best_median(name, 0.0) < _best_median("SGD", 0.0) / 1e6
