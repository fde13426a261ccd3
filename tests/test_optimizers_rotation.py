"""The rotated-quadratic claims of docs/optimizers/ten-optimizers.md, beyond
the page's one circle of starts and its hand-picked rates:

- the page's four assertions hold for each of 3000 seeds, a seed being 200
  starts (as many as the page's circle) at random angles and radii (1 to
  5; the page uses radius 4): no failure in 3000 seeds bounds the rate
  below 1e-3 (tests/seeds.py, "counted"). Measured over seeds 0-2999: the
  turned ratio of medians is at least 45 (RMSprop) against the asserted
  10, the axis-aligned one at most 1e-14 against 1e-3; the adaptive
  methods win from at least 98 % of a seed's starts along the axes
  (asserted: more than 90 %) and from at most 7 % turned (asserted: fewer
  than 10 %). A set of 50 starts is too small: RMSprop's turned share of
  wins then reaches 10 % for some seeds (checked, as the page says);
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
from tests.seeds import COUNTED_SEEDS, assert_counted

RATES = {"SGD": 0.07, "Adagrad": 1.0, "RMSprop": 0.1}  # the page's
STARTS_PER_SEED, STEPS = 200, 100  # the page's


def _random_starts(seed: int) -> torch.Tensor:
    """Starts at random angles and radii between 1 and 5."""
    generator = torch.Generator().manual_seed(seed)
    angle = 2 * math.pi * torch.rand(STARTS_PER_SEED, generator=generator,
                                     dtype=torch.float64)
    radius = 1 + 4 * torch.rand(STARTS_PER_SEED, generator=generator,
                                dtype=torch.float64)
    return radius[:, None] * torch.stack([angle.cos(), angle.sin()], dim=1)


def _final_points(name: str, hessian: torch.Tensor,
                  starts: torch.Tensor) -> torch.Tensor:
    """descend_quadratics' last point, without keeping the path (600,000
    paths of 101 points would take a gigabyte)."""
    point = starts.clone().requires_grad_()
    optimizer = getattr(optim, name)([point], lr=RATES[name])
    for _ in range(STEPS):
        optimizer.zero_grad()
        quadratic(point, hessian).sum().backward()
        optimizer.step()
    return point.detach()


def test_final_points_are_descend_quadratics_and_runs_are_independent():
    """The batch of all seeds gives each seed what it gets alone, and the
    path-free loop ends where the page's descend_quadratics does."""
    hessian = quadratic_hessian(math.pi / 4)
    starts = torch.cat([_random_starts(seed) for seed in range(3)])
    for name in RATES:
        batch = _final_points(name, hessian, starts)
        alone = _final_points(name, hessian, _random_starts(1))
        assert torch.equal(batch[STARTS_PER_SEED:2 * STARTS_PER_SEED], alone)
        page = descend_quadratics(
            lambda params: getattr(optim, name)(params, lr=RATES[name]),
            hessian, circle_of_starts(STARTS_PER_SEED), steps=STEPS)[-1]
        assert torch.equal(
            _final_points(name, hessian, circle_of_starts(STARTS_PER_SEED)),
            page)


def test_page_claims_hold_for_3000_seeds_of_random_starts():
    """The page's four assertions, per seed: along the axes the adaptive
    median is 1000 times below SGD's and the adaptive run wins from more
    than 90 % of the starts; turned, its median is more than 10 times
    above SGD's and it wins from fewer than 10 % of the starts."""
    starts = torch.cat([_random_starts(seed)
                        for seed in range(COUNTED_SEEDS)])
    for angle in (0.0, math.pi / 4):
        hessian = quadratic_hessian(angle)
        finals = {name: quadratic(_final_points(name, hessian, starts),
                                  hessian).reshape(COUNTED_SEEDS, -1)
                  for name in RATES}
        sgd_median = finals["SGD"].median(dim=1).values
        for name in ("Adagrad", "RMSprop"):
            median = finals[name].median(dim=1).values
            wins = (finals[name] < finals["SGD"]).double().mean(dim=1)
            turned = f"{math.degrees(angle):.0f} degrees"
            if angle == 0.0:
                assert_counted(f"{name}, {turned}: median / 1000",
                               median < sgd_median / 1000)
                assert_counted(f"{name}, {turned}: wins > 90 %", wins > 0.9)
            else:
                assert_counted(f"{name}, {turned}: median * 10",
                               median > 10 * sgd_median)
                assert_counted(f"{name}, {turned}: wins < 10 %", wins < 0.1)
        if angle != 0.0:  # the first 50 of 200 i.i.d. starts: a set of 50
            wins_of_50 = (finals["RMSprop"][:, :50]
                          < finals["SGD"][:, :50]).double().mean(dim=1)
            assert (wins_of_50 >= 0.1).any()


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
