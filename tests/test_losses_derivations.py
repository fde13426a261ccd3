"""Heavier checks of the derivations on the entropy, KL, maximum-likelihood and
softmax-gradient pages, against independent computations (torch.distributions,
autograd through torch's own losses), over shapes and seeds the pages do not show."""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import (Bernoulli, Categorical, Dirichlet, Laplace, Normal,
                                 Poisson)

from snippets.losses.information import (conditional_entropy, entropy, joint_entropy,
                                         kl_divergence, mutual_information)
from snippets.losses.softmax_gradient import (cross_entropy_gradient, softmax_jacobian,
                                              target_mass)


def _to_rows(x):
    """(N, C, d...) -> (N * d..., C), the layout of the closed-form gradient."""
    return x.movedim(1, -1).reshape(-1, x.shape[1])


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (2, 3, 2, 2)], ids=str)
def test_softmax_gradient_closed_form_matches_autograd_on_nd_inputs(shape):
    generator = torch.Generator().manual_seed(len(shape))
    logits = torch.randn(shape, generator=generator, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, shape[1], (shape[0], *shape[2:]), generator=generator)
    labels.view(-1)[0] = 1
    soft = torch.randn(shape, generator=generator, dtype=torch.float64).softmax(1)
    weight = torch.rand(shape[1], generator=generator, dtype=torch.float64) + 0.2
    grid = itertools.product([labels, soft], [None, weight], [-100, 1], [0.0, 0.3],
                             ["mean", "sum"])
    for target, w, ignore, eps, reduction in grid:
        if target.is_floating_point() and ignore >= 0:
            continue
        loss = F.cross_entropy(logits, target, w, ignore_index=ignore, reduction=reduction,
                               label_smoothing=eps)
        (by_autograd,) = torch.autograd.grad(loss, logits)
        rows_target = _to_rows(target) if target.is_floating_point() else target.reshape(-1)
        closed = cross_entropy_gradient(_to_rows(logits.detach()), rows_target, w, ignore,
                                        reduction, eps)
        # For probability targets 'mean' divides by N * d1 * ..., the number of rows.
        torch.testing.assert_close(closed, _to_rows(by_autograd))


def test_closed_form_gradient_refuses_what_it_does_not_cover():
    # (N, C, d) logits with d == C would broadcast silently into a wrong answer.
    logits, labels = torch.zeros(2, 3, 3, dtype=torch.float64), torch.zeros(2, 3).long()
    with pytest.raises(NotImplementedError, match="shape \\(N, C\\) only"):
        cross_entropy_gradient(logits, labels)
    with pytest.raises(NotImplementedError, match="'mean' or 'sum' only"):
        cross_entropy_gradient(logits[:, :, 0], labels[:, 0], reduction="none")


def test_target_mass_reproduces_the_loss_value():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(7, 5, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 5, (7,), generator=generator)
    weight = torch.rand(5, generator=generator, dtype=torch.float64) + 0.1
    for eps, ignore in itertools.product([0.0, 0.25], [-100, 2]):
        mass, denominator = target_mass(labels, 5, weight, ignore, eps)
        value = -(mass * logits.log_softmax(1)).sum() / denominator
        torch.testing.assert_close(
            value, F.cross_entropy(logits, labels, weight, ignore_index=ignore,
                                   label_smoothing=eps))


def test_softmax_jacobian_over_random_logits():
    generator = torch.Generator().manual_seed(1)
    for _ in range(20):
        z = 3 * torch.randn(6, generator=generator, dtype=torch.float64)
        by_autograd = torch.autograd.functional.jacobian(lambda v: v.softmax(0), z)
        torch.testing.assert_close(softmax_jacobian(z.softmax(0)), by_autograd)


def test_uniform_has_maximal_entropy_and_gap_is_kl_from_uniform():
    torch.manual_seed(2)
    for n in (2, 3, 7, 20):
        p = Dirichlet(torch.full((n,), 0.3, dtype=torch.float64)).sample((2000,))
        uniform = torch.full((n,), 1 / n, dtype=torch.float64)
        torch.testing.assert_close(math.log(n) - entropy(p), kl_divergence(p, uniform))
        assert (entropy(p) < math.log(n)).all()
        torch.testing.assert_close(entropy(uniform), torch.tensor(math.log(n)).double())


def test_joint_conditional_and_mutual_information_against_definitions():
    torch.manual_seed(3)
    tables = Dirichlet(torch.ones(12, dtype=torch.float64)).sample((500,)).reshape(500, 3, 4)
    tables[::5, 0] = 0.0  # rows of probability zero: p(y | x) undefined there
    tables /= tables.sum(dim=(1, 2), keepdim=True)
    for joint in tables[:50]:
        p_x, p_y = joint.sum(1), joint.sum(0)
        h_xy = Categorical(probs=joint.flatten()).entropy()
        h_x, h_y = Categorical(probs=p_x).entropy(), Categorical(probs=p_y).entropy()
        # conditional entropy straight from -sum p(x, y) log p(y | x)
        p_y_given_x = joint / p_x[:, None].clamp(min=1e-300)
        h_y_given_x = -torch.special.xlogy(joint, p_y_given_x).sum()
        torch.testing.assert_close(joint_entropy(joint), h_xy)
        torch.testing.assert_close(conditional_entropy(joint), h_y_given_x)
        torch.testing.assert_close(h_xy, h_x + h_y_given_x)
        mi = mutual_information(joint)
        torch.testing.assert_close(mi, h_x + h_y - h_xy)
        assert mi >= -1e-12
        independent = torch.outer(p_x, p_y)
        assert mutual_information(independent).abs() < 1e-12
    # batched call agrees with the loop
    torch.testing.assert_close(mutual_information(tables)[:50],
                               torch.stack([mutual_information(t) for t in tables[:50]]))


@pytest.mark.parametrize("seed", range(5))
def test_losses_are_negative_log_likelihoods_with_the_stated_constants(seed):
    generator = torch.Generator().manual_seed(seed)
    kw = {"generator": generator, "dtype": torch.float64}
    logits, labels = torch.randn(30, 6, **kw), torch.randint(0, 6, (30,), generator=generator)
    torch.testing.assert_close(F.cross_entropy(logits, labels, reduction="none"),
                               -Categorical(logits=logits).log_prob(labels))
    z, y01 = 5 * torch.randn(30, **kw), torch.randint(0, 2, (30,), generator=generator).double()
    torch.testing.assert_close(F.binary_cross_entropy_with_logits(z, y01, reduction="none"),
                               -Bernoulli(logits=z).log_prob(y01))
    mu, y = torch.randn(30, **kw), 3 * torch.randn(30, **kw)
    for sigma in (0.1, 1.0, 4.0):
        nll = -Normal(mu, sigma).log_prob(y)
        torch.testing.assert_close(
            F.mse_loss(mu, y, reduction="none"),
            2 * sigma**2 * (nll - math.log(sigma) - 0.5 * math.log(2 * math.pi)))
        nll = -Laplace(mu, sigma).log_prob(y)
        torch.testing.assert_close(F.l1_loss(mu, y, reduction="none"),
                                   sigma * (nll - math.log(2 * sigma)))
    log_rate = torch.randn(30, **kw)
    counts = torch.randint(0, 50, (30,), generator=generator).double()
    nll = -Poisson(log_rate.exp()).log_prob(counts)
    torch.testing.assert_close(nn.PoissonNLLLoss(reduction="none")(log_rate, counts),
                               nll - torch.lgamma(counts + 1))
    var = torch.rand(30, **kw) + 0.05
    torch.testing.assert_close(
        nn.GaussianNLLLoss(full=True, reduction="none")(mu, y, var),
        -Normal(mu, var.sqrt()).log_prob(y))


def test_information_functions_have_torchs_gradients():
    """The hand cross-entropy, KL and entropy of snippets/losses/information.py, used as
    losses on a softmax, against torch's own: gradients with respect to the logits and
    the target, with zero target probabilities on the grid (there torch and the hand KL
    both give nan for the target's gradient, the derivative of p log p being -inf)."""
    from torch.distributions import Categorical

    from snippets.losses.information import cross_entropy

    torch.manual_seed(4)
    z = torch.randn(60, 5, dtype=torch.float64, requires_grad=True)
    p = torch.rand(60, 5, dtype=torch.float64)
    p[::3, 0] = 0.0
    p = (p / p.sum(1, keepdim=True)).requires_grad_()
    mine = torch.autograd.grad(cross_entropy(p, z.softmax(1)).sum(), (z, p))
    theirs = torch.autograd.grad(F.cross_entropy(z, p, reduction="sum"), (z, p))
    torch.testing.assert_close(mine, theirs)
    mine = torch.autograd.grad(kl_divergence(p, z.softmax(1)).sum(), (z, p))
    theirs = torch.autograd.grad(F.kl_div(z.log_softmax(1), p, reduction="sum"), (z, p))
    torch.testing.assert_close(mine, theirs, equal_nan=True)
    assert mine[1][::3, 0].isnan().all() and not mine[1][1::3].isnan().any()
    (mine,) = torch.autograd.grad(entropy(z.softmax(1)).sum(), z)
    (theirs,) = torch.autograd.grad(Categorical(logits=z).entropy().sum(), z)
    torch.testing.assert_close(mine, theirs)
    inside = p.detach()[1::3]  # no zeros: dH/dp = -(log p + 1)
    inside.requires_grad_()
    (mine,) = torch.autograd.grad(entropy(inside).sum(), inside)
    torch.testing.assert_close(mine, -(inside.detach().log() + 1))
