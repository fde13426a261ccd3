"""The depth pages of the optimizer chapter (conditioning, nesterov, adam-family, stochastic):
their closed forms against independent computations, beyond the cases the pages show."""

import math

import pytest
import torch

from snippets.optimizers import quadratic
from snippets.optimizers.nesterov import iteration_matrix, sutskever_path, torch_nesterov_path
from tests.seeds import assert_counted, assert_rare_failure

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


@pytest.mark.parametrize("beta", [0.3, 0.9])
def test_heavy_ball_radius_is_sqrt_beta_on_the_complex_band_and_larger_outside(beta):
    """conditioning.md §4: r = √β for (1 − √β)² ≤ h ≤ (1 + √β)², r > √β elsewhere (eigenvalues of M(h))."""
    low, high = (1 - beta**0.5) ** 2, (1 + beta**0.5) ** 2
    for h in torch.linspace(1e-3, 2 * (1 + beta) - 1e-3, 997, dtype=torch.float64).tolist():
        matrix = torch.tensor([[1 + beta - h, -beta], [1.0, 0.0]], dtype=torch.float64)
        radius = torch.linalg.eigvals(matrix).abs().max().item()
        if low + 1e-6 < h < high - 1e-6:
            assert math.isclose(radius, beta**0.5, rel_tol=1e-9)
        elif not low - 1e-6 <= h <= high + 1e-6:
            assert radius > beta**0.5 * (1 + 1e-6)


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


# --- adam-family.md -------------------------------------------------------------------------

from torch import optim  # noqa: E402

from snippets.optimizers import adam_family  # noqa: E402

ADAM_GRID = [
    (adam_family.adam, optim.Adam, {"lr": 0.03}),
    (adam_family.adam, optim.Adam, {"lr": 0.03, "amsgrad": True, "weight_decay": 0.2, "maximize": True}),
    (adam_family.adam, optim.Adam, {"lr": 0.03, "betas": (0.5, 0.9), "eps": 1e-3, "amsgrad": True}),
    (adam_family.nadam, optim.NAdam, {"lr": 0.03}),
    (adam_family.nadam, optim.NAdam, {"lr": 0.03, "momentum_decay": 0.05, "weight_decay": 0.2, "maximize": True}),
    (adam_family.nadam, optim.NAdam, {"lr": 0.03, "weight_decay": 0.2, "decoupled_weight_decay": True, "betas": (0.8, 0.99)}),
    (adam_family.radam, optim.RAdam, {"lr": 0.03}),
    (adam_family.radam, optim.RAdam, {"lr": 0.03, "weight_decay": 0.2, "maximize": True, "eps": 1e-3}),
    (adam_family.radam, optim.RAdam, {"lr": 0.03, "weight_decay": 0.2, "decoupled_weight_decay": True, "betas": (0.8, 0.9)}),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize(("rule", "optimizer_class", "options"), ADAM_GRID, ids=lambda v: getattr(v, "__name__", None))
def test_hand_adam_family_matches_torch_at_every_step(rule, optimizer_class, options, foreach, dtype):
    torch.manual_seed(3)
    start = torch.randn(2, 3, 4, dtype=dtype)
    # forced: each hand step starts from torch's previous parameters and state, so a round-off
    # difference cannot grow (near a maximum of the wavy loss it doubles per step for a while)
    hand, ours = adam_family.side_by_side(
        rule, optimizer_class, {**options, "foreach": foreach}, adam_family.wavy, start, 50, forced=True
    )
    tolerance = {"rtol": 2e-5, "atol": 2e-6} if dtype == torch.float32 else {"rtol": 1e-10, "atol": 1e-12}
    torch.testing.assert_close(hand.params, ours.params, **tolerance)
    assert hand.states.keys() == ours.states.keys()
    for key in ours.states:
        torch.testing.assert_close(hand.states[key], ours.states[key], **tolerance)


@pytest.mark.parametrize(("rule", "optimizer_class", "options"), ADAM_GRID, ids=lambda v: getattr(v, "__name__", None))
def test_hand_adam_family_alone_follows_torch_for_20_steps(rule, optimizer_class, options):
    start = torch.linspace(-1.4, 1.3, 24, dtype=torch.float64).reshape(2, 3, 4)
    hand, ours = adam_family.side_by_side(rule, optimizer_class, options, adam_family.wavy, start, 20)
    torch.testing.assert_close(hand.params, ours.params, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("rule", "option"),
    [(adam_family.adam, {"fused": True}), (adam_family.nadam, {"capturable": True}),
     (adam_family.radam, {"fused": True}), (adam_family.adam, {"decoupled_weight_decay": True})],
)
def test_hand_rules_refuse_options_they_do_not_cover(rule, option):
    param = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(NotImplementedError, match=next(iter(option))):
        rule(param, torch.ones_like(param), {}, option)


@pytest.mark.parametrize(("rule", "optimizer_class", "options"), ADAM_GRID, ids=lambda v: getattr(v, "__name__", None))
def test_hand_rule_gradients_match_torch_differentiable(rule, optimizer_class, options):
    """One step from a warmed-up state, differentiated with respect to the parameter and the
    gradient, through torch's differentiable=True path and through the hand rule by autograd.

    In that path torch computes β**step with the step counter's float32 tensor, so the bias
    corrections carry float32 round-off: hence the 1e-5 tolerance."""
    torch.manual_seed(5)
    warm_weight = torch.randn(5, dtype=torch.float64, requires_grad=True)
    warm = optimizer_class([warm_weight], **options)
    for _ in range(7):
        warm_weight.grad = torch.randn(5, dtype=torch.float64)
        warm.step()
    state = warm.state[warm_weight]
    p0 = torch.randn(5, dtype=torch.float64, requires_grad=True)
    g0 = torch.randn(5, dtype=torch.float64, requires_grad=True)
    p = p0.clone()
    optimizer = optimizer_class([p], differentiable=True, **options)
    optimizer.state[p].update({k: v.clone() for k, v in state.items()})
    p.grad = g0.clone()
    optimizer.step()
    by_torch = torch.autograd.grad((p**2).sum(), (p0, g0))
    hand_state = {k: (int(v.item()) if k == "step" else v.clone()) for k, v in state.items()}
    q, _ = rule(p0, g0, hand_state, {**options, "differentiable": True})
    by_hand = torch.autograd.grad((q**2).sum(), (p0, g0))
    for a, b in zip(by_hand, by_torch):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rule", [adam_family.adam, adam_family.nadam, adam_family.radam])
def test_hand_rules_refuse_complex_parameters(rule):
    param = torch.zeros(2, dtype=torch.complex128)
    with pytest.raises(NotImplementedError, match="complex"):
        rule(param, torch.ones_like(param), {}, {})


def test_radam_rectifier_switches_on_where_rho_exceeds_5():
    for beta2 in (0.9, 0.99, 0.999, 0.9999):
        for t in range(1, 40):
            rho_t, _ = adam_family.radam_rho(t, beta2)
            assert (adam_family.radam_rectifier(t, beta2) is None) == (rho_t <= 5)


def test_rho_t_is_the_sma_length_with_the_same_mean_age():
    for beta2 in (0.9, 0.999):
        for t in (1, 2, 7, 50, 400):
            weights = [(1 - beta2) * beta2**j / (1 - beta2**t) for j in range(t)]
            mean_age = sum(j * w for j, w in enumerate(weights))
            assert math.isclose(adam_family.radam_rho(t, beta2)[0], 2 * mean_age + 1, rel_tol=1e-9)


def test_bias_correction_check_has_a_low_false_failure_rate():
    """The page's 6-standard-error check on the simulated moments, over 200 seeds (smaller N and T):
    margin method (tests/seeds.py) on each seed's largest |z| over steps and both moments."""
    largest = []
    for seed in range(200):
        torch.manual_seed(seed)
        m_avg, v_avg = adam_family.simulated_moments(0.5, 1.0, (0.9, 0.999), 40, 2000)
        se_m, se_v = adam_family.moment_standard_errors(0.5, 1.0, (0.9, 0.999), 40, 2000)
        t = torch.arange(1, 41, dtype=torch.float64)
        z_m = (m_avg - (1 - 0.9**t) * 0.5) / se_m
        z_v = (v_avg - (1 - 0.999**t) * 1.25) / se_v
        largest.append(max(z_m.abs().max().item(), z_v.abs().max().item()))
    assert_rare_failure("adam-family.md: largest |z| of the moments", largest, high=6)


def test_muon_update_is_nearly_orthogonal_for_every_seed():
    """The page's Muon claim for 200 independent gradients (one Muon, 200 matrices: each is
    orthogonalised on its own); margin method on the logs of the singular-value ratios."""
    torch.manual_seed(14)
    weights = [torch.zeros(64, 32, requires_grad=True) for _ in range(200)]
    muon = optim.Muon(weights, lr=1.0, weight_decay=0.0, momentum=0.0)
    for w in weights:
        w.grad = torch.randn(64, 32)
    grad_sv = torch.linalg.svdvals(torch.stack([w.grad for w in weights]))
    muon.step()
    update_sv = torch.linalg.svdvals(torch.stack([w.detach() for w in weights]))
    assert_rare_failure("adam-family.md: Muon update's singular-value ratio",
                        (update_sv[:, 0] / update_sv[:, -1]).log(), high=math.log(2))
    assert_rare_failure("adam-family.md: gradient's singular-value ratio",
                        (grad_sv[:, 0] / grad_sv[:, -1]).log(), low=math.log(3))


# --- stochastic.md ----------------------------------------------------------------------------

from snippets.optimizers import stochastic  # noqa: E402

REPLICAS, CHAINS = 200, 100  # 200 independent replicas of the page's checks, 100 chains each (the z-test needs no more)


def _group_z(values: torch.Tensor, expected: float) -> torch.Tensor:
    groups = values.reshape(REPLICAS, CHAINS)
    return (groups.mean(dim=1) - expected) / (groups.std(dim=1) / CHAINS**0.5)


@pytest.fixture(scope="module")
def problem():
    torch.manual_seed(0)
    return stochastic.least_squares(n=200, scales=(1.0, 0.5), noise_std=1.0)


def test_noise_floor_check_never_fails_over_200_replicas(problem):
    torch.manual_seed(11)
    lr, batch, steps = 0.1, 4, 400
    sgd = lambda params: torch.optim.SGD(params, lr=lr)  # noqa: E731
    path, _ = stochastic.run_chains(problem, sgd, problem.theta_star, REPLICAS * CHAINS, steps, batch)
    window_mean = problem.excess(path[200:]).mean(dim=0)
    exact = stochastic.expected_excess(problem, [lr] * steps, batch, problem.theta_star)[200:].mean()
    assert_rare_failure("stochastic.md: noise-floor z", _group_z(window_mean, exact.item()),
                        low=-6, high=6)


def test_decay_and_averaging_checks_never_fail_over_200_replicas(problem):
    torch.manual_seed(12)
    lr, batch, steps, t0 = 0.1, 4, 400, 200

    def decay(t):
        return 1 / (1 + t / 100)

    start = problem.theta_star + torch.tensor([2.0, -2.0], dtype=torch.float64)
    sgd = lambda params: torch.optim.SGD(params, lr=lr)  # noqa: E731
    path, _ = stochastic.run_chains(problem, sgd, start, REPLICAS * CHAINS, steps, batch, schedule=decay)
    exact = stochastic.expected_excess(problem, [lr * decay(t) for t in range(steps)], batch, start)[-1]
    assert_rare_failure("stochastic.md: decayed-lr z", _group_z(problem.excess(path[-1]), exact.item()),
                        low=-6, high=6)
    asgd = lambda params: torch.optim.ASGD(params, lr=lr, lambd=0.0, t0=t0)  # noqa: E731
    _, averages = stochastic.run_chains(problem, asgd, problem.theta_star, REPLICAS * CHAINS, steps, batch)
    exact_average = stochastic.expected_average_excess(problem, lr, batch, t0 + 2, steps)
    assert_rare_failure("stochastic.md: averaged-iterate z",
                        _group_z(problem.excess(averages[-1]), exact_average), low=-6, high=6)


def test_exact_recursion_reaches_the_solved_floor(problem):
    for lr, batch in ((0.05, 1), (0.2, 8)):
        exact = stochastic.expected_excess(problem, [lr] * 1000, batch, problem.theta_star + 1.0)
        assert math.isclose(exact[-1].item(), stochastic.stationary_floor(problem, lr, batch), rel_tol=1e-6)


def test_first_order_floor_is_the_fixed_point_of_the_additive_noise_recursion(problem):
    """(η/2b)·Σ σ_i²/(2 − ηλ_i) against P ← (I − ηH)P(I − ηH) + η²Σ/b iterated to its fixed point."""
    eye = torch.eye(2, dtype=torch.float64)
    for lr, batch in ((0.05, 1), (0.3, 8), (1.5, 2)):
        contraction, P = eye - lr * problem.hessian, torch.zeros(2, 2, dtype=torch.float64)
        for _ in range(5000):
            P = contraction @ P @ contraction + lr**2 / batch * problem.noise
        by_iteration = 0.5 * torch.trace(problem.hessian @ P).item()
        assert math.isclose(stochastic.first_order_floor(problem, lr, batch), by_iteration, rel_tol=1e-9)


def test_minibatch_rprop_ends_at_the_median_in_every_chain():
    torch.manual_seed(13)
    y = torch.tensor([1.0] * 9 + [-9.0], dtype=torch.float64)
    theta = torch.zeros(200 * 1000, dtype=torch.float64, requires_grad=True)  # 200 pages of 1000 chains
    rprop = torch.optim.Rprop([theta])
    with stochastic.one_thread():
        for _ in range(600):  # as on the page: at 400 steps ~1e-6 of the chains still lag (0.2 here)
            sample = y[torch.randint(len(y), (len(theta),))]
            rprop.zero_grad()
            (0.5 * (theta - sample) ** 2).sum().backward()
            rprop.step()
    assert_counted("stochastic.md: minibatch Rprop at the median", (theta - 1.0).abs() < 1e-2)
