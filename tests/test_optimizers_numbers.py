"""Statistical checks of the optimizer pages, re-run across thousands of independent replicas.

Each test repeats a page's shown assertion on fresh random draws and allows no failure: with
at least 3000 replicas and zero failures, a check that failed with probability 1e-3 would have
passed here with probability below 0.05. Where the page derives its failure bound from a
quantity (a per-chain probability), the test also measures that quantity.
"""

from __future__ import annotations

import math

import torch
from torch import optim

from snippets.optimizers.stochastic import one_thread

REPLICAS = 3000


def test_minibatch_rprop_check_holds_in_3000_replicas():
    """stochastic.md: after 300 steps at most 1 % of 1000 mini-batch Rprop chains lag more than
    1e-2 behind the median; and the lagging fraction is far below the page's p_max."""
    chains = 1000
    torch.manual_seed(20)
    y = torch.tensor([1.0] * 9 + [-9.0], dtype=torch.float64)
    theta = torch.zeros(REPLICAS * chains, dtype=torch.float64, requires_grad=True)
    rprop = optim.Rprop([theta])  # elementwise: every entry is an independent chain
    with one_thread():
        for _ in range(300):
            sample = y[torch.randint(len(y), (len(theta),))]
            rprop.zero_grad()
            (0.5 * (theta - sample) ** 2).sum().backward()
            rprop.step()
    lagging = ((theta.detach() - 1.0).abs() > 1e-2).reshape(REPLICAS, chains).sum(dim=1)
    assert int(lagging.max()) <= chains // 100
    k = chains // 100 + 1
    p_max = (1e-3 * math.factorial(k)) ** (1 / k) / chains  # the page's bound
    assert int(lagging.sum()) / (REPLICAS * chains) < p_max / 10



def _newton_schulz_singular_values(gradients: torch.Tensor) -> torch.Tensor:
    """Singular values of Muon's update in exact (float64) arithmetic, one row per gradient.

    Muon normalises G by its Frobenius norm, then applies X <- aX + b(XX^T)X + c(XX^T)^2 X five
    times; with G = U S V^T that maps each singular value s to p(s) = as + bs^3 + cs^5, so the
    update's singular values are p(p(p(p(p(s_i / ||G||_F))))). torch runs it in bfloat16.
    """
    a, b, c = optim.Muon([torch.zeros(2, 2)]).defaults["ns_coefficients"]
    singular = torch.linalg.svdvals(gradients.double())
    s = singular / singular.norm(dim=-1, keepdim=True)
    for _ in range(optim.Muon([torch.zeros(2, 2)]).defaults["ns_steps"]):
        s = a * s + b * s**3 + c * s**5
    return s


def _ratio(singular: torch.Tensor) -> torch.Tensor:
    return singular.amax(dim=-1) / singular.amin(dim=-1)


def test_muon_update_ratio_is_the_newton_schulz_polynomials():
    """torch's bfloat16 Muon and the exact polynomial agree on the update's max/min ratio to 3 %
    (60 gradients through torch's Muon, which is slow on CPU: bfloat16 matmuls)."""
    torch.manual_seed(21)
    gradients = torch.randn(60, 64, 32)
    weights = [torch.zeros(64, 32, requires_grad=True) for _ in gradients]
    muon = optim.Muon(weights, lr=1.0, weight_decay=0.0, momentum=0.0)
    for w, g in zip(weights, gradients):
        w.grad = g.clone()
    muon.step()
    by_torch = _ratio(torch.linalg.svdvals(torch.stack([w.detach() for w in weights]).double()))
    exact = _ratio(_newton_schulz_singular_values(gradients))
    assert ((by_torch / exact - 1).abs() < 0.03).all()


def test_muon_ratio_checks_hold_for_20000_gradients():
    """adam-family.md: for a random 64x32 gradient, max/min of the singular values is above 3,
    and that of Muon's update below 2. Over 20 000 independent gradients: the gradient's ratio
    is above 3, and the exact update's ratio below 2 / 1.03, so below 2 with torch's rounding
    (the test above)."""
    torch.manual_seed(22)
    gradients = torch.randn(20_000, 64, 32)
    assert _ratio(torch.linalg.svdvals(gradients)).min() > 3
    assert _ratio(_newton_schulz_singular_values(gradients)).max() < 2 / 1.03


def _chernoff_tail(n: int, threshold: float, p: float) -> float:
    """P(Binomial(n, p) / n >= threshold) <= exp(-n KL(threshold || p)), for p < threshold."""
    assert p < threshold
    kl = threshold * math.log(threshold / p) + (1 - threshold) * math.log(
        (1 - threshold) / (1 - p))
    return math.exp(-n * kl)


def test_exercise_rprop_fractions_hold_for_any_seed():
    """stochastic.md, exercise: of 1000 Rprop chains on y = (0, 0, 0, 10) from 5, fewer than
    50 % end at the median and fewer than 10 % near the mean. The chains are independent, so
    each count is binomial: the per-chain probabilities, measured here on 200 000 chains (upper
    ends five standard errors up), put both checks' failure probability below 1e-3."""
    measured_chains, page_chains = 200_000, 1000
    torch.manual_seed(23)
    y4 = torch.tensor([0.0, 0.0, 0.0, 10.0], dtype=torch.float64)
    theta = torch.full((measured_chains,), 5.0, dtype=torch.float64, requires_grad=True)
    rprop = optim.Rprop([theta], lr=0.1)
    with one_thread():
        for _ in range(600):
            sample = y4[torch.randint(4, (measured_chains,))]
            rprop.zero_grad()
            (0.5 * (theta - sample) ** 2).sum().backward()
            rprop.step()
    final = theta.detach()
    for fraction, threshold in (((final.abs() < 1e-2).double().mean().item(), 0.5),
                                (((final - 2.5).abs() < 0.1).double().mean().item(), 0.1)):
        upper = fraction + 5 * math.sqrt(fraction * (1 - fraction) / measured_chains)
        assert _chernoff_tail(page_chains, threshold, upper) < 1e-3
