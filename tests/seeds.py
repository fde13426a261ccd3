"""Showing that a statistical check almost never fails by bad luck.

The rule (README, "How to add a page"): every assertion that depends on
random draws fails for fewer than one seed in a thousand. A sweep of n
seeds with zero failures bounds the false-failure rate only by about 3/n
(the rule of three, 95 %), so "200 seeds, no failure" says < 1.5 %, not
< 1e-3. Three ways to measure it, one helper each:

- `assert_counted`: a cheap check run over at least 3000 seeds with no
  failure: the rate is below 3 / 3000 = 1e-3 at 95 %.
- `assert_rare_failure`: an expensive check run over at least 200 seeds.
  The check's statistic, transformed to be roughly normal (a log of a
  ratio, a z-score), must sit at least 3.5 of its measured standard
  deviations inside the threshold: a Gaussian tail beyond 3.5 sd is
  2.3e-4 per side, which leaves room for the error of the estimated mean
  and sd (at 200 seeds the sd is known to about 5 %, so a true margin of
  3.5 sd is at worst about 3.3 sd, a tail of 5e-4). No seed may fail
  either. A two-sided check (low < x < high) needs the margin on both
  sides; its rate is the sum of the two tails.

- `assert_rate_below`: a check that does fail for a few draws (a difference
  of two continuous losses lands inside `torch.isclose`'s tolerance with a
  small probability) run over at least 200,000 draws: the exact one-sided
  95 % Poisson upper bound on its failure rate, from the failures counted,
  must be below 1e-3. With no failure this is the rule of three again.

Besides measuring, a tolerance derived for the real dependence needs no
helper: its derivation is written where the tolerance lives.
"""

from __future__ import annotations

import math

import torch

COUNTED_SEEDS = 3000
RATE_DRAWS = 200_000
RATE_BAR = 1e-3
MARGIN_SEEDS = 200
MARGIN_SDS = 3.5


def _as_tensor(values) -> torch.Tensor:
    return torch.as_tensor(values, dtype=torch.float64).flatten()


def assert_counted(name: str, passed) -> None:
    """`passed`: one boolean per seed (True where the check held). Requires
    at least 3000 seeds and no failure (false-failure rate < 1e-3 at 95 %)."""
    passed = torch.as_tensor(passed).flatten()
    seeds = passed.numel()
    assert seeds >= COUNTED_SEEDS, (
        f"{name}: {seeds} seeds; counting needs at least {COUNTED_SEEDS} "
        f"to bound the false-failure rate below 1e-3")
    failures = int((~passed.bool()).sum())
    assert failures == 0, f"{name}: {failures} of {seeds} seeds failed"


def margin(statistic, low: float | None = None,
           high: float | None = None) -> float:
    """The smaller distance, in standard deviations of `statistic` (one
    value per seed), from its mean to the bounds given."""
    values = _as_tensor(statistic)
    mean, sd = values.mean().item(), values.std().item()
    distances = []
    if high is not None:
        distances.append((high - mean) / sd if sd > 0 else math.inf)
    if low is not None:
        distances.append((mean - low) / sd if sd > 0 else math.inf)
    return min(distances)


def assert_rare_failure(name: str, statistic, *, low: float | None = None,
                        high: float | None = None,
                        sds: float = MARGIN_SDS) -> dict:
    """The check `low < statistic < high` (either bound may be None for a
    one-sided check) held for every seed, and each given bound lies at
    least `sds` standard deviations of the statistic beyond its mean.

    `statistic` holds one value per seed (at least 200), already
    transformed to be roughly normal (log of a ratio, a z-score). Returns
    the summary (for a docstring or a print); the failure message names
    the check, the mean, sd, margin and seed count."""
    assert low is not None or high is not None, f"{name}: no bound"
    values = _as_tensor(statistic)
    seeds = values.numel()
    summary = {
        "name": name, "seeds": seeds, "mean": values.mean().item(),
        "sd": values.std().item(), "z": margin(values, low, high),
        "low": low, "high": high,
    }
    described = (
        f"{name}: mean {summary['mean']:.4g}, sd {summary['sd']:.3g}, "
        f"bounds ({low}, {high}), margin {summary['z']:.2f} sd over "
        f"{seeds} seeds")
    assert seeds >= MARGIN_SEEDS, (
        f"{described}: needs at least {MARGIN_SEEDS} seeds")
    assert values.isfinite().all(), f"{described}: non-finite values"
    failing = torch.zeros(seeds, dtype=torch.bool)
    if high is not None:
        failing |= values >= high
    if low is not None:
        failing |= values <= low
    assert not failing.any(), (
        f"{described}: {int(failing.sum())} seeds failed")
    assert summary["z"] >= sds, (
        f"{described}: the margin must be at least {sds} sd "
        f"(false-failure rate < 1e-3)")
    return summary


def gaussian_tail(sds: float) -> float:
    """P(Z > sds) for a standard normal Z: the false-failure rate one side
    of a margin of `sds` standard deviations implies."""
    return 0.5 * math.erfc(sds / math.sqrt(2))


def poisson_upper_bound(failures: int, confidence: float = 0.95) -> float:
    """The mean m with P(Poisson(m) <= failures) = 1 - confidence: the
    one-sided upper confidence bound on the expected count of failures
    (3.0 for none, the rule of three)."""
    def cdf(m):
        term = total = math.exp(-m)
        for k in range(1, failures + 1):
            term *= m / k
            total += term
        return total
    low, high = 0.0, 10.0 + 10 * failures
    for _ in range(200):  # bisection: cdf falls as m grows
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) > 1 - confidence else (
            low, middle)
    return high


def assert_rate_below(name: str, passed: torch.Tensor,
                      bar: float = RATE_BAR) -> float:
    """The false-failure rate over the draws `passed` (one boolean per
    draw, >= 200,000) is below `bar` at 95 %; returns the upper bound."""
    draws = passed.numel()
    assert draws >= RATE_DRAWS, f"{name}: {draws} draws"
    failures = int((~passed).sum())
    bound = poisson_upper_bound(failures) / draws
    assert bound < bar, (
        f"{name}: {failures} of {draws} draws failed, rate <= {bound:.2g}")
    return bound
