"""The depth pages of the optimizer chapter (conditioning, nesterov, adam-family, stochastic):
their closed forms against independent computations, beyond the cases the pages show."""

import math

import pytest
import torch

from snippets.optimizers import quadratic
from snippets.optimizers.nesterov import iteration_matrix, sutskever_path, torch_nesterov_path

BETAS = [0.0, 0.3, 0.9, 0.99]


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("beta", BETAS[1:])
def test_root_modulus_is_the_spectral_radius_of_torch_sgd(beta, nesterov):
    for h in torch.linspace(0.01, 4.5, 37, dtype=torch.float64).tolist():
        matrix = iteration_matrix(lr=0.1, beta=beta, lam=h / 0.1, nesterov=nesterov)
        radius = torch.linalg.eigvals(matrix).abs().max().item()
        assert math.isclose(quadratic.root_modulus(0.1, beta, h / 0.1, nesterov), radius, rel_tol=1e-7, abs_tol=1e-9)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("beta", BETAS)
def test_stability_limit_is_where_the_radius_reaches_one(beta, nesterov):
    limit = quadratic.stability_limit(beta, lam=2.0, nesterov=nesterov)
    assert quadratic.root_modulus(limit * (1 - 1e-6), beta, 2.0, nesterov) < 1
    assert quadratic.root_modulus(limit * (1 + 1e-6), beta, 2.0, nesterov) > 1
    assert quadratic.stable(limit * 0.999, beta, 2.0, nesterov) and not quadratic.stable(limit * 1.001, beta, 2.0, nesterov)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("beta", BETAS)
def test_worst_rate_over_an_interval_is_at_an_end(beta, nesterov):
    lr = 0.9 * quadratic.stability_limit(beta, lam=1.0, nesterov=nesterov)
    lams = torch.linspace(1e-3, 1.0, 4001, dtype=torch.float64).tolist()
    dense = max(quadratic.root_modulus(lr, beta, lam, nesterov) for lam in lams)
    assert math.isclose(quadratic.momentum_rate(lr, beta, 1e-3, 1.0, nesterov), dense, rel_tol=1e-12)


@pytest.mark.parametrize("kappa", [2.0, 10.0, 100.0, 1e4])
def test_optimal_parameters_minimise_the_worst_rate(kappa):
    lam_min, lam_max = 0.5, 0.5 * kappa
    lr, rate = quadratic.optimal_gd(lam_min, lam_max)
    assert math.isclose(quadratic.gd_rate(lr, lam_min, lam_max), rate, rel_tol=1e-12)
    assert all(quadratic.gd_rate(lr * s, lam_min, lam_max) > rate for s in (0.99, 1.01))
    lr, beta = quadratic.optimal_heavy_ball(lam_min, lam_max)
    best = quadratic.optimal_momentum_rate(lam_min, lam_max)
    assert math.isclose(quadratic.momentum_rate(lr, beta, lam_min, lam_max), best, rel_tol=1e-6)
    assert math.isclose(best, math.sqrt(beta), rel_tol=1e-12)
    # any nearby (lr, β) is worse: a grid around the optimum
    for s in (0.97, 1.0, 1.03):
        for b in (beta - 0.01 * (1 - beta), beta, beta + 0.01 * (1 - beta)):
            if (s, b) != (1.0, beta):
                assert quadratic.momentum_rate(lr * s, b, lam_min, lam_max) > best * (1 - 1e-9)


def test_stability_limit_rejects_momentum_outside_0_1():
    with pytest.raises(ValueError, match="momentum"):
        quadratic.stability_limit(1.0, lam=1.0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1}, {"foreach": True}, {"foreach": False}])
def test_pytorch_nesterov_holds_sutskevers_look_ahead_point(options, dtype):
    """p = θ + μv and buffer = −v/lr for every step, over torch's options; weight decay is
    part of the gradient (f + ½·wd·|θ|²), so the hand version adds it to the loss."""
    decay = options.get("weight_decay", 0.0)

    def loss(theta):
        return torch.log(torch.cosh(2 * theta)).sum() + 0.3 * (theta[0] * theta[1]) ** 2 + 0.5 * decay * theta.pow(2).sum()

    def loss_without_decay(theta):
        return loss(theta) - 0.5 * decay * theta.pow(2).sum()

    torch.manual_seed(1)
    start = torch.randn(2, dtype=dtype)
    lr, mu = 0.05, 0.9
    thetas, velocities = sutskever_path(loss, start, lr, mu, steps=60)
    params, buffers = torch_nesterov_path(loss_without_decay, start, lr, mu, steps=60, **options)
    tolerance = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-10, "atol": 1e-12}
    torch.testing.assert_close(params, thetas + mu * velocities, **tolerance)
    torch.testing.assert_close(buffers, -velocities / lr, **tolerance)


@pytest.mark.parametrize("nesterov", [False, True])
def test_iteration_matrix_matches_the_derived_entries(nesterov):
    beta, h = 0.7, 0.4
    expected = [[1 - (1 + beta) * h, -beta**2], [h, beta]] if nesterov else [[1 - h, -beta], [h, beta]]
    torch.testing.assert_close(iteration_matrix(0.1, beta, h / 0.1, nesterov), torch.tensor(expected, dtype=torch.float64))
