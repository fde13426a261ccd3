"""The losses pages' asserts that depend on a random draw, swept over seeds
(issue 12, "Checks that cannot pass by luck"; README, "How to add a page").

Most random-looking asserts of the losses chapter hold for every draw and
are marked `exact` in tests/test_statistics_audit.py, with the reason. The
ones here compare two losses that differ for a generic draw but could, for
some draws, come within `torch.isclose`'s tolerance
(|a - b| <= 1e-8 + 1e-5 |b|). Each test redraws the block's random inputs
exactly as the page does (shapes, dtypes, distributions), vectorised over
many independent draws, and recomputes both sides.

Where the difference is bounded away from zero (the CTC mean), no draw
comes near the tolerance: `assert_counted` (no failure in >= 3000 draws).
Where it is a continuous variable with a density at zero (two different
losses of the same random scores), some draw always lands within the
tolerance: the failure rate is about 2 * tolerance * density(0), a few in
1e5. Counting without failure cannot show that; `assert_rate_below`
measures it on 200,000 draws and requires the one-sided 95 % upper
confidence bound of the rate (exact Poisson bound for the count of
failures) to be below 1e-3, the README's bar, which "measure the false-
failure rate (< 1e-3)" of DEVELOPERS.md asks for.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from tests.seeds import RATE_DRAWS, assert_counted, assert_rate_below, poisson_upper_bound

DRAWS = 20_000  # for assert_counted


def test_rate_bound_is_the_poisson_bound():
    assert abs(poisson_upper_bound(0) - math.log(20)) < 1e-9  # ~3, rule of 3
    assert abs(poisson_upper_bound(10) - 16.96) < 0.01  # chi2(.95, 22) / 2
    assert_rate_below("few", torch.arange(RATE_DRAWS) % 5000 != 0)
    with pytest.raises(AssertionError, match="rate"):
        assert_rate_below("many", torch.arange(RATE_DRAWS) % 500 != 0)


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def isclose_gap(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """|a - b| in units of torch.isclose's default tolerance at b: below 1
    means isclose(a, b) holds."""
    return (a - b).abs() / (1e-8 + 1e-5 * b.abs())


def test_cross_entropy_wrong_axis_differs_for_every_draw():
    """cross-entropy-loss.md, 'Classes on the wrong axis': scores (2, 3, 3)
    ~ randn (float32), labels randint(0, 3, (2, 3)); the (N, L, C) tensor
    read as (N, C, L) gives a loss not isclose to the per-position one.
    Measured: about 5e-5 of draws fail (10 of 200,000 here)."""
    g = generator(101)
    scores = torch.randn(RATE_DRAWS, 2, 3, 3, generator=g)
    labels = torch.randint(0, 3, (RATE_DRAWS, 2, 3), generator=g)
    wrong_axis = F.cross_entropy(scores.reshape(-1, 3, 3),
                                 labels.reshape(-1, 3), reduction="none")
    per_position = F.cross_entropy(scores.reshape(-1, 3), labels.reshape(-1),
                                   reduction="none")
    gap = isclose_gap(wrong_axis.reshape(RATE_DRAWS, 6).mean(1),
                      per_position.reshape(RATE_DRAWS, 6).mean(1))
    assert_rate_below("cross-entropy-loss.md: wrong axis differs", gap > 1)


def test_weighted_bce_by_column_differs_from_by_channel_for_every_draw():
    """nll-and-bce.md, pos_weight of shape (C,) on (N, C, H, W = C):
    logits (2, 3, 3, 3) ~ randn (float32), targets randint(0, 2) as
    float; pos_weight (0.5, 2, 9) along W is not along C. (They coincide
    if no target is 1: probability 2^-54 per draw.) Measured: about 3e-5
    of draws fail (6 of 200,000 here)."""
    g = generator(102)
    per_channel = torch.tensor([0.5, 2.0, 9.0])
    logits = torch.randn(RATE_DRAWS, 2, 3, 3, 3, generator=g)
    targets = torch.randint(0, 2, (RATE_DRAWS, 2, 3, 3, 3), generator=g)
    targets = targets.float()

    def mean_loss(pos_weight):
        return F.binary_cross_entropy_with_logits(
            logits, targets, pos_weight=pos_weight,
            reduction="none").mean(dim=(1, 2, 3, 4))

    by_column = mean_loss(per_channel)
    by_channel = mean_loss(per_channel.reshape(3, 1, 1))
    gap = isclose_gap(by_column, by_channel)
    assert_rate_below("nll-and-bce.md: (C,) pos_weight differs", gap > 1)


def ctc_draws(g: torch.Generator, shape: tuple[int, ...]) -> torch.Tensor:
    return torch.randn(*shape, generator=g,
                       dtype=torch.float64).log_softmax(dim=-1)


def test_ctc_mean_is_not_sum_over_n_for_every_draw():
    """ctc-loss.md, 'reduction="mean" divides by the target lengths':
    logits (T=6, N=3, C=4) ~ randn (float64), fixed targets and lengths;
    mean(loss_n / S_n) is not isclose to sum / N. The difference,
    (2/3 loss_0 + 1/2 loss_1) / 3, is positive for every draw; the sweep
    shows it is never relatively small."""
    g = generator(103)
    T, N, C = 6, 3, 4
    log_probs = ctc_draws(g, (T, DRAWS, N, C)).reshape(T, DRAWS * N, C)
    targets = torch.tensor([[1, 2, 2], [3, 1, 0], [2, 0, 0]]).repeat(DRAWS, 1)
    input_lengths = torch.tensor([6, 5, 4]).repeat(DRAWS)
    target_lengths = torch.tensor([3, 2, 0]).repeat(DRAWS)
    per_sample = nn.CTCLoss(reduction="none")(
        log_probs, targets, input_lengths, target_lengths).reshape(DRAWS, N)
    assert per_sample.isfinite().all()
    mean = (per_sample / target_lengths[:N].clamp(min=1)).mean(1)
    # nn.CTCLoss's own "mean" is that, checked on a slice of the draws
    torch.testing.assert_close(
        nn.CTCLoss()(log_probs[:, :N], targets[:N], input_lengths[:N],
                     target_lengths[:N]), mean[0])
    gap = isclose_gap(mean, per_sample.sum(1) / N)
    assert_counted("ctc-loss.md: mean is not sum / N", gap > 1)
    assert gap.min() > 1000, gap.min()


def test_ctc_batch_first_misread_differs_for_every_draw():
    """ctc-loss.md, 'When T = N': batch_first (N=4, T=4, C=4) ~ randn
    (float64) then log_softmax, targets "ab" of length 2 in 4 frames; the
    tensor read as (T, N, C) gives a loss not isclose to the right one.
    Measured: about 3e-5 of draws fail (5 of 200,000 here)."""
    g = generator(104)
    batch_first = ctc_draws(g, (RATE_DRAWS, 4, 4, 4))  # (draw, N, T, C)
    targets = torch.tensor([[1, 2]]).repeat(RATE_DRAWS * 4, 1)
    input_lengths = torch.full((RATE_DRAWS * 4,), 4)
    target_lengths = torch.full((RATE_DRAWS * 4,), 2)

    def mean_ctc(time_first):  # (T, draw, N, C) -> mean loss / S per draw
        per_sample = nn.CTCLoss(reduction="none")(
            time_first.reshape(4, RATE_DRAWS * 4, 4), targets, input_lengths,
            target_lengths)
        return (per_sample / 2).reshape(RATE_DRAWS, 4).mean(1)

    right = mean_ctc(batch_first.permute(2, 0, 1, 3))
    misread = mean_ctc(batch_first.permute(1, 0, 2, 3))
    assert right.isfinite().all() and misread.isfinite().all()
    gap = isclose_gap(right, misread)
    assert_rate_below("ctc-loss.md: batch-first misread differs", gap > 1)
