"""Every assertion on a page or in a lab (its checkpoints) that depends on
random draws, and why it almost never fails by bad luck (issue 12, "Checks
that cannot pass by luck").

The rule (README, "How to add a page"): each such assertion fails for fewer
than one seed in a thousand, shown one of three ways (tests/seeds.py):

- derived: the tolerance follows from a stated bound for the real
  dependence; the derivation is written beside the tolerance;
- counted: the check held for >= 3000 seeds (rule of three: < 1e-3, 95 %);
- margin: >= 200 seeds, none failing, and the threshold >= 3.5 measured
  standard deviations beyond the statistic's mean (Gaussian tail 2.3e-4).

One more label marks what is not statistical:

- exact: holds for every draw (an identity up to round-off, a support
  bound, a closed form or quadrature that runs after the draw, a fixed
  input in a session that drew earlier), or with probability one.

There is no "open": a check the audit cannot justify is changed on the page.

`AUDIT` below is the table: page, the assert's text, method, and where the
justification lives. The scan (`random_dependent_asserts`) finds every
check (`checks`: each assert, each assert_variance call, each closeness
call given a tolerance) in a page's executed blocks from the first block of
its session that draws (manual_seed, randn, rand, normal_, nn.init, a
Generator, a snippet that draws...). It skips only comparisons that cannot
be statistical (torch.equal, isinstance, raises...); a small tolerance or an
`==` is not skipped, since a draw can decide those too (SparseAdam's first
step within 1e-6 failed for 4 % of seeds). `test_every_random_dependent
_assert_is_in_the_audit` fails when a page gains one the table does not list.
`python -m tests.test_statistics_audit` prints the table as the pages are now
(page:line, method, the assert) with the count per method.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest
import torch

from pagecode.rules import page_blocks
from tests.seeds import assert_counted, assert_rare_failure, gaussian_tail

ROOT = Path(__file__).resolve().parents[1]

DRAWS = re.compile(
    r"manual_seed|randn|\brand\(|rand_like|randint|randperm|normal_\(|"
    r"uniform_\(|nn\.init\.|[Dd]ropout|Generator\(|multinomial|bernoulli|"
    r"deep_mlp|relu_log_rms_paths|simulated_moments|run_chains|least_squares")
IDENTITY = re.compile(
    r"torch\.equal|callable|raises|startswith|isinstance|in str\(")
CLOSENESS = {"assert_close", "allclose", "isclose"}
TOLERANCES = {"atol", "rtol", "rel_tol", "abs_tol"}


def _called(node: ast.Call) -> str:
    """The name a call calls (`torch.testing.assert_close` ->
    `assert_close`)."""
    function = node.func
    return getattr(function, "attr", None) or getattr(function, "id", "")


def checks(code: str) -> list[tuple[int, str]]:
    """(0-based line, that line's text) of every check in a block, named by
    its first line: each `assert` statement, each `assert_variance` /
    `assert_layer_variance` call, and each closeness call (assert_close,
    allclose, isclose) outside an assert that is given an explicit
    tolerance (a tolerance is a claim about a size; without one the call
    compares to round-off, like `torch.equal`)."""
    tree = ast.parse(code)
    asserts = [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    in_an_assert = {line for node in asserts
                    for line in range(node.lineno, node.end_lineno + 1)}
    found = {node.lineno - 1 for node in asserts}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or node.lineno in in_an_assert:
            continue
        name = _called(node)
        tolerance = TOLERANCES & {keyword.arg for keyword in node.keywords}
        if name in {"assert_variance", "assert_layer_variance"} or (
                name in CLOSENESS and tolerance):
            found.add(node.lineno - 1)
    lines = code.split("\n")
    return [(line, lines[line].strip()) for line in sorted(found)]


def random_dependent_asserts() -> list[tuple[str, int, str]]:
    """(page, line, first line) of every check (`checks`) outside the
    recognised identities (exact comparisons: torch.equal, isinstance,
    raises...), in a block at or after its session's first draw, and in a
    lab (docs/labs/*.py, whose asserts are its checkpoints) after its first
    draw. Checks
    with tolerances count, however small: a round-off identity is listed
    as `exact` with its reason, so nothing statistical hides behind a
    small number."""
    found = []
    for path in sorted((ROOT / "docs" / "labs").glob("*.py")):
        # a lab is one notebook: every check after its first draw counts
        code = path.read_text(encoding="utf-8")
        first_draw = next(number for number, line in enumerate(
            code.split("\n")) if DRAWS.search(line))
        page = str(path.relative_to(ROOT))
        found += [(page, line + 1, text) for line, text in checks(code)
                  if line >= first_draw and not IDENTITY.search(text)]
    for path in sorted((ROOT / "docs").rglob("*.md")):
        if "labs" in path.parts:
            continue
        drawn = set()
        for block in page_blocks(path):
            code = block.code()
            if DRAWS.search(code):
                drawn.add(block.session)
            if block.session not in drawn:
                continue
            for offset, text in checks(code):
                statistical = "assert_variance" in text or "assert_layer" in text
                if IDENTITY.search(text) and not statistical:
                    continue
                found.append((block.page, block.line + 1 + offset, text))
    return found


# --- the helpers of tests/seeds.py fail when they should --------------------


def test_counted_needs_3000_seeds_and_no_failure():
    assert_counted("all pass", torch.ones(3000, dtype=torch.bool))
    for passed in (torch.ones(2999, dtype=torch.bool),
                   torch.arange(3000) != 17):
        with pytest.raises(AssertionError):
            assert_counted("should fail", passed)


def test_margin_needs_200_seeds_no_failure_and_35_sds():
    normal = torch.randn(200, generator=torch.Generator().manual_seed(0),
                         dtype=torch.float64)
    summary = assert_rare_failure("far", normal, low=-5, high=5)
    assert summary["seeds"] == 200 and summary["z"] > 4
    with pytest.raises(AssertionError, match="margin"):
        assert_rare_failure("too near", normal, high=2.5)  # none fails
    with pytest.raises(AssertionError, match="seeds failed"):
        assert_rare_failure("one fails", torch.cat([normal[:-1],
                            torch.tensor([9.0], dtype=torch.float64)]),
                            high=8.0)
    with pytest.raises(AssertionError, match="at least 200"):
        assert_rare_failure("few", normal[:199], high=5)
    assert gaussian_tail(3.5) < 2.5e-4


# --- a derived tolerance, computed -----------------------------------------


def test_calculate_gain_rms_ratio_tolerances_are_derived():
    """calculate-gain.md compares rms ratios sqrt(mean h^2 / mean f(h)^2)
    of one draw of 1e6 standard normals with calculate_gain: within 0.5 %
    where the gain is that ratio, more than 4 % away where it is not. By
    the delta method the log of the ratio has variance
    (Var h^2 / a^2 + Var f^2 / b^2 - 2 Cov(h^2, f^2) / (a b)) / (4 N),
    a = E h^2, b = E f^2, each moment an exact Gaussian integral here.
    Each check's bound lies >= 4.5 of those sds from the exact value (a
    Gaussian two-sided tail below 1e-5), so it fails for fewer than one
    draw in 1e5: the 'derived' method."""
    import numpy as np
    from torch import nn
    from torch.nn import functional as F

    from snippets.initialization.variance import gaussian_expectation

    n = 1_000_000

    def selu(v):
        alpha, scale = 1.6732632423543772, 1.0507009873554805
        return scale * np.where(v > 0, v, alpha * (np.exp(v) - 1))

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    def moments(f):
        a, b = 1.0, gaussian_expectation(lambda v: f(v) ** 2, 1.0)
        var_b = gaussian_expectation(lambda v: f(v) ** 4, 1.0) - b * b
        cov = gaussian_expectation(lambda v: v * v * f(v) ** 2, 1.0) - a * b
        log_sd = math.sqrt((2 / a**2 + var_b / b**2 - 2 * cov / (a * b))
                           / (4 * n))
        return math.sqrt(a / b), log_sd

    def leaky(slope):
        return lambda v: np.where(v > 0, v, slope * v)

    cases = {  # name: (f, gain, within 0.5 % or more than 4 % away)
        "relu": (leaky(0.0), nn.init.calculate_gain("relu"), True),
        "leaky_relu 0.01": (leaky(0.01),
                            nn.init.calculate_gain("leaky_relu", 0.01), True),
        "leaky_relu 0.2": (leaky(0.2),
                           nn.init.calculate_gain("leaky_relu", 0.2), True),
        "selu vs 1": (selu, 1.0, True),
        "tanh": (np.tanh, nn.init.calculate_gain("tanh"), False),
        "sigmoid": (sigmoid, nn.init.calculate_gain("sigmoid"), False),
        "selu": (selu, nn.init.calculate_gain("selu"), False),
    }
    for name, (f, gain, close) in cases.items():
        ratio, log_sd = moments(f)
        gap = abs(math.log(ratio / gain))
        if close:  # |r / g - 1| < 0.005 on both sides
            margin = min(math.log(1.005) - gap, gap - math.log(0.995)
                         if ratio < gain else math.log(1.005) + gap)
        else:  # |r / g - 1| > 0.04
            margin = gap - math.log(1.04)
        assert margin > 4.5 * log_sd, (name, ratio, gain, log_sd)
    # and the delta-method sd is the sd over draws (200 draws of 1e5,
    # scaled to 1e6; +-15 % is 3 SE of an sd from 200 values)
    draws = torch.randn(200, 100_000,
                        generator=torch.Generator().manual_seed(7),
                        dtype=torch.float64)
    log_ratio = 0.5 * (draws.square().mean(1).log()
                       - F.relu(draws).square().mean(1).log())
    _, log_sd = moments(leaky(0.0))
    assert abs(log_ratio.std().item() / (log_sd * math.sqrt(10)) - 1) < 0.15


# --- the table -------------------------------------------------------------

AUDIT: dict[tuple[str, str], tuple[str, str]] = {
    ('docs/initialization/calculate-gain.md',
     'assert abs(rms_ratio / gain - 1) < 0.005'):
        ('derived', 'test_statistics_audit::test_calculate_gain_rms_ratio_tolerances_are_derived (>= 4.5 sd)'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(rms_ratios[name] / nn.init.calculate_gain(name) - 1) < 0.005'):
        ('derived', 'test_statistics_audit::test_calculate_gain_rms_ratio_tolerances_are_derived'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(rms_ratios[name] / nn.init.calculate_gain(name) - 1) > 0.04'):
        ('derived', 'test_statistics_audit::test_calculate_gain_rms_ratio_tolerances_are_derived'),
    ('docs/initialization/calculate-gain.md',
     'assert sigmoid_out.mean() ** 2 > 0.8 * sigmoid_out.pow(2).mean()'):
        ('derived', 'exact 0.25 vs 0.8 E[s^2] = 0.234 (quadrature); SE of the means ~1e-4 on 1e6 draws: > 100 sd'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(rms_ratios["selu"] - 1) < 0.005'):
        ('derived', 'test_statistics_audit::test_calculate_gain_rms_ratio_tolerances_are_derived'),
    ('docs/initialization/calculate-gain.md',
     'assert (h.std() / F.relu(h).std()).item() > 1.1 * math.sqrt(2)'):
        ('derived', 'exact ratio 1/sqrt(1/2 - 1/(2 pi)) = 1.713 vs 1.556; SE ~1e-3 on 1e6 draws: > 100 sd'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(exact_at_unit_std - 5 / 3) > 0.05'):
        ('exact', 'quadrature (gaussian_expectation), no draw'),
    ('docs/initialization/calculate-gain.md',
     'assert all(np.diff(grid_ratios) > 0) and abs(grid_ratios[0] - 1) < 1e-5'):
        ('exact', 'quadrature, no draw'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(tanh_ratio(sigma_star) - tanh_gain) < 1e-9 and sigma_star > 1'):
        ('exact', 'quadrature and root finding, no draw'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(pre[99] / sigma_star - 1) < 0.05'):
        ('margin', 'tests/test_initialization_statistics.py::test_calculate_gain_network_checks_hold_over_200_networks'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(inside.mean() / tanh_gain - 1) < 0.03'):
        ('margin', 'tests/test_initialization_statistics.py::test_calculate_gain_network_checks_hold_over_200_networks'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(measured_growth / math.sqrt(chi_star) - 1) < 0.02'):
        ('margin', 'tests/test_initialization_statistics.py::test_calculate_gain_network_checks_hold_over_200_networks'),
    ('docs/initialization/calculate-gain.md',
     'assert measured_growth > 1'):
        ('margin', 'implied by the 2 % growth check: sqrt(chi*) > 1.02'),
    ('docs/initialization/calculate-gain.md',
     'assert chi > 1'):
        ('exact', 'quadrature, no draw'),
    ('docs/initialization/calculate-gain.md',
     'assert abs(fixed_point_std(exact_at_unit_std) - 1) < 1e-6'):
        ('exact', 'quadrature and root finding, no draw'),
    ('docs/initialization/calculate-gain.md',
     'assert "gelu" not in names and "silu" not in names'):
        ('exact', "names of calculate_gain's table, no draw"),
    ('docs/initialization/calculate-gain.md',
     'assert abs(fixed_point_std(half_gain) - 0.5) < 1e-6'):
        ('exact', 'quadrature and root finding, no draw'),
    ('docs/initialization/calculate-gain.md',
     'assert half_gain < exact_at_unit_std and 1 < half_chi < chi_star'):
        ('exact', 'quadrature, no draw'),
    ('docs/initialization/exercises.md',
     'assert is_correct("first-overflow-layer", answer)'):
        ('derived', 'exact law of the median of maxima (binomial order statistic) and the chi^2 walk of the reference network, > 5 sd: tests/test_statistics_init_opt.py::test_exercises_first_overflow_layer_is_derived'),
    ('docs/initialization/explorer.md',
     'assert worst < TOLERANCE'):
        ('margin', 'tests/test_explorers.py::test_the_init_tolerance_holds_for_any_seed (8 to 80 sd)'),
    ('docs/initialization/explorer.md',
     'assert over[0] is None or over[0] - 1 <= over[1] <= over[0]'):
        ('margin', 'tests/test_explorers.py::test_the_init_tolerance_holds_for_any_seed (the largest activation at layers k - 2 and k, >= 3.5 sd)'),
    ('docs/initialization/explorer.md',
     'assert abs(stds[-1] - 1) < 1e-9'):
        ('exact', 'closed-form recursion, no draw'),
    ('docs/initialization/kaiming.md',
     'assert abs(measured - formula) < 5 * standard_error'):
        ('derived', '5 SE of a mean of i.i.d. draws (CLT, 5.7e-7)'),
    ('docs/initialization/kaiming.md',
     'assert abs(integral - formula) < 1e-9'):
        ('exact', 'quadrature against a closed form, no draw'),
    ('docs/initialization/kaiming.md',
     'measured = assert_variance(weight, predicted)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance (5 SE, calibrated over 1000 seeds in tests/test_initialization_statistics.py)'),
    ('docs/initialization/kaiming.md',
     'assert math.isclose(forward, 2 ** (-layer / 2), rel_tol=1e-9)'):
        ('exact', 'same weights up to a factor (ReLU is positively homogeneous): the ratio is a power of sqrt(2) for every draw, float64 round-off'),
    ('docs/initialization/kaiming.md',
     'assert math.isclose(backward, 2 ** ((layer - 101) / 2), rel_tol=1e-9)'):
        ('exact', 'same weights up to a factor (ReLU is positively homogeneous): the ratio is a power of sqrt(2) for every draw, float64 round-off'),
    ('docs/initialization/kaiming.md',
     'assert abs(log_change - 99 * step_mean) < 5 * math.sqrt(99 * step_var)'):
        ('derived', '5 sd of the 99-step log-rms walk (snippets/initialization/drift.py moments, checked by Monte Carlo in tests/test_initialization_statistics.py)'),
    ('docs/initialization/kaiming.md',
     'assert abs(measured - LAYERS * step_mean) < 5 * standard_error'):
        ('margin', 'tests/test_initialization_statistics.py::test_drift_check_is_calibrated_over_200_repetitions'),
    ('docs/initialization/kaiming.md',
     'assert measured < -3 * standard_error  # the drift is real'):
        ('margin', "tests/test_statistics_init_opt.py::test_kaiming_drift_is_real_at_the_pages_widths (the page's widths and sizes, 200 repetitions: 4.8 sd at width 64, 9 to 11 at 32 and 16)"),
    ('docs/initialization/kaiming.md',
     'assert math.isclose(ratio, predicted, rel_tol=1e-9)'):
        ('exact', 'same seed, weights differ by the factor sqrt(1 + a^2) and LeakyReLU is positively homogeneous: an identity for every draw, float64 round-off'),
    ('docs/initialization/kaiming.md',
     'assert abs(forward_change / predicted_forward - 1) < 0.35'):
        ('margin', 'tests/test_initialization_statistics.py::test_kaiming_funnel_tolerance_covers_twenty_funnels (5 spreads of the 20-funnel average)'),
    ('docs/initialization/kaiming.md',
     'assert abs(backward_change / predicted_backward - 1) < 0.15'):
        ('margin', 'tests/test_initialization_statistics.py::test_kaiming_funnel_tolerance_covers_twenty_funnels'),
    ('docs/initialization/kaiming.md',
     'assert list(identical.values()) == [True, True, False]'):
        ('exact', 'the same seed before each call: torch.equal of deterministic draws'),
    ('docs/initialization/kaiming.md',
     "assert median < 0.6  # the median's SE is about 1.25 * 1.1 / sqrt(200)"):
        ('margin', 'tests/test_statistics_init_opt.py::test_kaiming_exercise_median_has_a_margin (7.5 sd)'),
    ('docs/initialization/kaiming.md',
     'measured = assert_variance(weight, 1 / 512)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance (5 SE, calibrated over 1000 seeds in tests/test_initialization_statistics.py)'),
    ('docs/initialization/nn-init.md',
     'assert nn.init.normal_(parameter) is parameter and parameter.requires_grad'):
        ('exact', 'returns its argument, no statistics'),
    ('docs/initialization/nn-init.md',
     'assert -0.3 <= w.min() and w.max() <= 0.5'):
        ('exact', 'support of U(-0.3, 0.5)'),
    ('docs/initialization/nn-init.md',
     'assert abs(w.mean() - 0.1) < 5 * math.sqrt(0.8**2 / 12 / w.numel())'):
        ('derived', '5 SE of an i.i.d. mean'),
    ('docs/initialization/nn-init.md',
     'assert_variance(w, 0.8**2 / 12)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/nn-init.md',
     'assert abs(w.mean() - 0.2) < 5 * 0.05 / math.sqrt(w.numel())'):
        ('derived', '5 SE of an i.i.d. mean'),
    ('docs/initialization/nn-init.md',
     'assert_variance(w, 0.05**2)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/nn-init.md',
     'assert results["constant_(w, 0.3)"][1] == 1'):
        ('exact', 'constant init: all rows equal for every draw, and stay equal under SGD (identical gradients)'),
    ('docs/initialization/nn-init.md',
     'assert results["xavier_normal_"][1] == 16'):
        ('exact', '16 rows of continuous random weights are distinct with probability 1 and SGD on a smooth loss keeps them distinct almost surely'),
    ('docs/initialization/nn-init.md',
     'assert residual < 1e-12'):
        ('exact', 'orthogonal_ (QR) in float64: round-off ~1e-15 for every draw'),
    ('docs/initialization/nn-init.md',
     'assert orthogonal_error < 1e-4  # float32 round-off over 100 layers'):
        ('exact', 'float32 round-off of an orthogonal product'),
    ('docs/initialization/nn-init.md',
     'assert (torch_zeros == math.ceil(sparsity * fan_out)).all()'):
        ('exact', 'counts of zeros set by construction, not by the draw'),
    ('docs/initialization/nn-init.md',
     'assert (martens_incoming == fan_in - math.ceil(sparsity * fan_in)).all()'):
        ('exact', 'counts of zeros set by construction, not by the draw'),
    ('docs/initialization/nn-init.md',
     'assert_variance(nonzero, 1.0)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/nn-init.md',
     'measured = assert_variance(w, variance)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/nn-init.md',
     'assert w.abs().max() <= xavier_bound'):
        ('exact', 'support bound of a uniform draw'),
    ('docs/initialization/nn-init.md',
     'assert nn.init.kaiming_uniform_(w).abs().max() <= kaiming_bound'):
        ('exact', 'support bound of a uniform draw'),
    ('docs/initialization/nn-init.md',
     'assert gain_default == math.sqrt(2 / (1 + 0.01**2))'):
        ('exact', 'closed form, no draw'),
    ('docs/initialization/nn-init.md',
     'assert low <= w.min() and w.max() <= high'):
        ('exact', 'support bound of a uniform draw'),
    ('docs/initialization/nn-init.md',
     'assert_variance(w, truncated_std(std, low, high) ** 2)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/nn-init.md',
     'assert math.isclose(gain * math.sqrt(3 / fan_in), bound)'):
        ('exact', 'closed form'),
    ('docs/initialization/nn-init.md',
     'assert layer.weight.abs().max() <= bound and layer.bias.abs().max() <= bound'):
        ('exact', 'support bound of a uniform draw'),
    ('docs/initialization/nn-init.md',
     'assert layer.weight.abs().max() > 0.99 * bound  # 120,000 draws reach it'):
        ('derived', 'P(120,000 uniforms all below 0.99 bound) = 0.99^120000 ~ e^-1206'),
    ('docs/initialization/nn-init.md',
     'assert_variance(layer.weight.detach(), 1 / (3 * fan_in))'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/nn-init.md',
     'assert math.isclose(per_layer, predicted, rel_tol=1e-5)'):
        ('exact', 'deterministic ratio of two inits of the same draw'),
    ('docs/initialization/nn-init.md',
     'assert 0.5 < stds[-1] / stds[0] < 2'):
        ('derived', 'test_statistics_audit::test_nn_init_depth_curve_bands_are_derived'),
    ('docs/initialization/nn-init.md',
     'assert 1e-2 < stds[-1] / stds[0] < 1e2'):
        ('derived', 'test_statistics_audit::test_nn_init_depth_curve_bands_are_derived'),
    ('docs/initialization/nn-init.md',
     'assert depth_curves["tanh", "nn.Linear default"][-1] < 1e-20'):
        ('derived', 'test_statistics_audit::test_nn_init_depth_curve_bands_are_derived'),
    ('docs/initialization/nn-init.md',
     'assert depth_curves["relu", "nn.Linear default"][-1] < 1e-30'):
        ('derived', 'test_statistics_audit::test_nn_init_depth_curve_bands_are_derived'),
    ('docs/initialization/nn-init.md',
     'assert depth_curves["tanh", "normal_(std=1)"][-1] > 0.9'):
        ('margin', 'test_statistics_audit::test_nn_init_depth_curve_bands_are_derived (200 networks)'),
    ('docs/initialization/nn-init.md',
     'assert depth_curves["relu", "normal_(std=1)"][-1] > 1e100'):
        ('derived', 'test_statistics_audit::test_nn_init_depth_curve_bands_are_derived'),
    ('docs/initialization/nn-init.md',
     'assert distinct_units == 1'):
        ('exact', 'constant init: all units equal for every draw'),
    ('docs/initialization/nn-init.md',
     'measured = assert_variance(linear.weight.detach(), 2 / fan_in)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/nn-init.md',
     'assert (linear.bias == 0).all()'):
        ('exact', 'zeros_ sets the bias, no draw'),
    ('docs/initialization/saturating.md',
     'assert small.output_std[99] < 1e-50'):
        ('derived', '|tanh a| <= |a| and independent chi^2_256 per layer: > 20 sd (tests/test_statistics_init_opt.py::test_saturating_small_weight_bounds_are_derived)'),
    ('docs/initialization/saturating.md',
     'assert traces["sigmoid", "small"].output_std[99] < 0.05'):
        ('derived', 'sigmoid is 1/4-Lipschitz; Chernoff for chi^2_256, union over 16 rows: < 1e-4 (tests/test_statistics_init_opt.py::test_saturating_small_weight_bounds_are_derived)'),
    ('docs/initialization/saturating.md',
     'assert large.output_std[99] > 0.95'):
        ('margin', 'tests/test_statistics_init_opt.py::test_saturating_large_weight_forward_checks_have_a_margin (200 networks, ~17 sd)'),
    ('docs/initialization/saturating.md',
     'assert abs(traces["sigmoid", "large"].output_std[99] - 0.5) < 0.06'):
        ('margin', 'tests/test_statistics_init_opt.py::test_saturating_large_weight_forward_checks_have_a_margin (200 networks, ~7 sd; was < 0.05: 3.25 sd, widened)'),
    ('docs/initialization/saturating.md',
     'assert ratio < 1e-50 if size == "small" else ratio > 1e6'):
        ('margin', 'tests/test_statistics_saturating.py::test_end_to_end_gradient_ratio_has_a_margin_for_each_network (log10 ratio, 200 draws per network: >= 9.6 sd, sigmoid large)'),
    ('docs/initialization/saturating.md',
     'assert saturated > 0.5 and slope.median() < 0.05'):
        ('margin', 'saturated: tests/test_statistics_init_opt.py::test_saturating_large_weight_forward_checks_have_a_margin (~60 sd); the median slope < 0.0199 follows from it'),
    ('docs/initialization/saturating.md',
     'assert abs(measured / predicted - 1) < 0.1'):
        ('margin', "tests/test_statistics_saturating.py::test_backward_factor_band_and_direction_hold_for_each_network (200 draws per network, the page's backward_factors; log(measured / predicted) inside (log 0.9, log 1.1): tanh small 33 sd, tanh large 4.6 sd, sigmoid small 33 sd, sigmoid large 8.5 sd)"),
    ('docs/initialization/saturating.md',
     'assert (measured > 1) == (size == "large")'):
        ('margin', 'tests/test_statistics_saturating.py::test_backward_factor_band_and_direction_hold_for_each_network (log(measured) on its side of 0, >= 20 sd for each of the four networks)'),
    ('docs/initialization/saturating.md',
     'assert -0.07 < gaps.mean() < 0  # below zero'):
        ('derived', 'sd of a mean of 12 independent networks from the per-network spread of 40 more, >= 4.5 sd each side: tests/test_statistics_init_opt.py::test_saturating_twelve_network_gap_band_is_derived (the former 5-network check < -0.005 had 2.7 sd)'),
    ('docs/initialization/saturating.md',
     'assert not math.isfinite(trace32.input_grad_std[0])'):
        ('margin', 'tests/test_statistics_saturating.py::test_float32_gradient_overflows_across_seeds (log float64 std / float32 max: 14.6 sd above 0; float32 run non-finite for 200 of 200 draws; float32 growth has the float64 distribution)'),
    ('docs/initialization/saturating.md',
     'assert not math.isfinite(trace32.weight_grad_std[0])'):
        ('margin', 'tests/test_statistics_saturating.py::test_float32_gradient_overflows_across_seeds (log float64 std / float32 max: 13.4 sd above 0; float32 run non-finite for 200 of 200 draws)'),
    ('docs/initialization/saturating.md',
     'assert abs(1000 * gaussian_expectation(squared_slope["tanh"], 1000) / limit'):
        ('exact', 'quadrature, no draw'),
    ('docs/initialization/why-it-matters.md',
     'measured = assert_variance(x * y, predicted)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance (i.i.d. products)'),
    ('docs/initialization/why-it-matters.md',
     'measured = assert_layer_variance(h, predicted**2, fan_in=n)'):
        ('derived', 'snippets/initialization/variance.py::assert_layer_variance (shared weights; calibrated in tests/test_initialization_statistics.py)'),
    ('docs/initialization/why-it-matters.md',
     'assert first_nan_std <= min(first_inf_output, first_nan_output)'):
        ('exact', 'a std over values that include an inf or a nan is nan (its float32 mean is not finite); the prose\'s "almost always exactly one layer before" is counted (gap 0, 1 or 2 for 3000 seeds, rate of a gap other than 1 below 1 %): tests/test_statistics_init_opt.py::test_why_it_matters_overflow_order_over_3000_seeds'),
    ('docs/initialization/why-it-matters.md',
     'assert first_inf_output <= first_nan_output <= first_inf_output + 1'):
        ('counted', "tests/test_statistics_init_opt.py::test_why_it_matters_overflow_order_over_3000_seeds (this machine's BLAS order); another order, products summed in sequence, puts the nan one layer later for some seeds and stays in the range for 200 of 200: test_why_it_matters_nan_range_holds_for_another_summation_order"),
    ('docs/initialization/why-it-matters.md',
     'assert previous_std**2 > float32_max'):
        ('derived', '24 orders of magnitude to spare: tests/test_statistics_init_opt.py::test_why_it_matters_previous_std_square_overflows_is_derived'),
    ('docs/initialization/why-it-matters.md',
     'assert not h.mean().isfinite()'):
        ('exact', "torch 2.13's CPU std of a whole tensor subtracts the float32 mean and squares in float64: finite values with a finite mean give a finite std, and a non-finite value makes the mean non-finite; also counted over 3000 seeds in tests/test_statistics_init_opt.py::test_why_it_matters_overflow_order_over_3000_seeds"),
    ('docs/initialization/why-it-matters.md',
     'assert filled.isfinite().all() and not filled.sum().isfinite()'):
        ('counted', 'tests/test_statistics_init_opt.py::test_why_it_matters_overflow_order_over_3000_seeds (values finite by the power-of-two scaling; the sum and std overflow, counted)'),
    ('docs/initialization/why-it-matters.md',
     'assert not filled.std().isfinite() and filled.double().std().isfinite()'):
        ('counted', 'tests/test_statistics_init_opt.py::test_why_it_matters_overflow_order_over_3000_seeds (values finite by the power-of-two scaling; the sum and std overflow, counted)'),
    ('docs/initialization/why-it-matters.md',
     'assert math.frexp(float32_max)[1] == 128 and growth == 2.0**4'):
        ('exact', "float32's exponent range and sqrt(256) = 16, no draw"),
    ('docs/initialization/why-it-matters.md',
     'assert abs(predicted_inf_layer - first_inf_output) <= 1'):
        ('derived', 'the layers differ by 2 or more only if log(largest value) misses its prediction by one layer, log 16 = 2.77 nat; the walk over ~32 layers has sd <= sqrt(32 / 512) = 0.25 (test_why_it_matters_growth_tolerance_is_derived) plus 0.08 for the log of the max of 4096 |normals|: about 10 sd; also counted (first inf within a layer of 32 for 3000 seeds): tests/test_statistics_init_opt.py::test_why_it_matters_overflow_order_over_3000_seeds'),
    ('docs/initialization/why-it-matters.md',
     'assert abs(slope / growth - 1) < 0.02'):
        ('derived', 'test_statistics_audit::test_why_it_matters_growth_tolerance_is_derived'),
    ('docs/initialization/why-it-matters.md',
     'assert trace64.output_std[-1] < torch.finfo(torch.float64).max'):
        ('derived', '16^100 = 1e120 against 1.8e308: 430 nat, the walk has sd 0.44 (test_why_it_matters_growth_tolerance_is_derived)'),
    ('docs/initialization/why-it-matters.md',
     'assert all(0.25 < s < 4 for s in trace_scaled.output_std)'):
        ('margin', 'tests/test_initialization_statistics.py::test_linear_network_stays_within_a_factor_of_four (same depth / width)'),
    ('docs/initialization/why-it-matters.md',
     'assert abs(backward_growth / growth - 1) < 0.02'):
        ('derived', 'test_statistics_audit::test_why_it_matters_growth_tolerance_is_derived'),
    ('docs/initialization/why-it-matters.md',
     'assert all(0.25 < s < 4 for s in trace_scaled.input_grad_std)'):
        ('margin', 'tests/test_initialization_statistics.py::test_linear_network_stays_within_a_factor_of_four (the gradient walks through the transposed weights: the same law)'),
    ('docs/initialization/why-it-matters.md',
     'assert math.isclose(rms(linear.weight.grad), product, rel_tol=1e-9)'):
        ('exact', 'one sample: dL/dW = delta x^T is an outer product, whose rms is rms(delta) rms(x) for every draw'),
    ('docs/initialization/why-it-matters.md',
     'assert all(math.isclose(r, 16.0**99, rel_tol=1e-9) for r in ratios)'):
        ('exact', "the two linear networks' weights differ by the factor 16 per layer, so every gradient ratio is 16^99 for every draw (float64 round-off)"),
    ('docs/initialization/why-it-matters.md',
     'assert course_last["normal_(std=1)"][0] < 40'):
        ('derived', 'chi^2 walk of the row norms, > 20 sd past float32 overflow by layer 40: tests/test_statistics_init_opt.py::test_why_it_matters_course_overflow_layer_bound_is_derived'),
    ('docs/initialization/why-it-matters.md',
     'assert 0.25 < course_last["normal_(std=sqrt(1/n))"][1] < 4'):
        ('margin', 'tests/test_initialization_statistics.py::test_linear_network_stays_within_a_factor_of_four'),
    ('docs/initialization/why-it-matters.md',
     'assert course_last["tanh, normal_(std=sqrt(1/n))"][1] < 0.3'):
        ('margin', 'tests/test_initialization_statistics.py::test_course_side_by_side_ranges_hold_over_200_seeds'),
    ('docs/initialization/why-it-matters.md',
     'assert 0.4 < course_last["tanh, xavier_uniform_(gain)"][1] < 1'):
        ('margin', 'tests/test_initialization_statistics.py::test_course_side_by_side_ranges_hold_over_200_seeds'),
    ('docs/initialization/why-it-matters.md',
     'assert course_last["relu, normal_(std=sqrt(1/n))"][1] < 1e-10'):
        ('margin', 'tests/test_statistics_init_opt.py::test_why_it_matters_relu_course_signal_vanishes_below_1e_10 (19 sd)'),
    ('docs/initialization/why-it-matters.md',
     'assert 0.01 < course_last["relu, kaiming_normal_"][1] < 20'):
        ('margin', 'tests/test_initialization_statistics.py::test_course_side_by_side_ranges_hold_over_200_seeds'),
    ('docs/initialization/why-it-matters.md',
     'assert abs(per_layer - 0.5) < 0.01'):
        ('derived', '>= 4 sd each side: tests/test_statistics_init_opt.py::test_why_it_matters_halving_factor_bound_is_derived'),
    ('docs/initialization/why-it-matters.md',
     'assert smallest == torch.nextafter(torch.tensor(0.0), torch.tensor(1.0))'):
        ('exact', "float32's smallest subnormal, no draw"),
    ('docs/initialization/why-it-matters.md',
     'assert (halving(x) != 0).all()'):
        ('exact', 'float arithmetic'),
    ('docs/initialization/xavier.md',
     'measured = assert_variance(draws, a**2 / 3)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/xavier.md',
     'measured = assert_variance(weight, predicted)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/initialization/xavier.md',
     'assert results["by hand, uniform"].abs().max() <= bound'):
        ('exact', 'support bound of a uniform draw'),
    ('docs/initialization/xavier.md',
     'assert results["xavier_uniform_"].abs().max() <= bound'):
        ('exact', 'support bound of a uniform draw'),
    ('docs/initialization/xavier.md',
     'assert results["xavier_normal_"].abs().max() > bound'):
        ('derived', 'P(all entries of a normal within sqrt(3) sd) = 0.917^numel, below 1e-30'),
    ('docs/initialization/xavier.md',
     'assert abs(forward_ratio / forward_predicted - 1) < 5 * forward_se'):
        ('derived', 'layer_variance_relative_error (shared weights), 5 SE'),
    ('docs/initialization/xavier.md',
     'assert abs(backward_ratio / backward_predicted - 1) < 5 * backward_se'):
        ('derived', 'layer_variance_relative_error (shared weights), 5 SE'),
    ('docs/initialization/xavier.md',
     'assert np.abs(forward_gap).max() < 0.5 and np.abs(gradient_gap).max() < 0.5'):
        ('margin', 'tests/test_initialization_statistics.py::test_xavier_tanh_follows_the_recursion_over_200_repetitions'),
    ('docs/initialization/xavier.md',
     'assert abs(recursion * math.sqrt(2 * layer) - 1) < 0.15'):
        ('exact', 'the recursion, no draw'),
    ('docs/initialization/xavier.md',
     'assert weight_grads.max() / weight_grads.min() < 4'):
        ('margin', "tests/test_statistics_init_opt.py::test_xavier_weight_gradient_ratio_has_a_margin (200 single networks per init at the page's depth/width, >= 6.6 sd; a mediant bound covers the 4-network average)"),
    ('docs/initialization/xavier.md',
     'assert default_tanh["output_std"][-1] < 1e-15  # the signal has vanished'):
        ('margin', 'tests/test_statistics_init_opt.py::test_xavier_default_init_tanh_signal_vanishes_below_1e_15 (a pool of 4 fails only if one network does; 95 sd)'),
    ('docs/initialization/xavier.md',
     'assert xavier_tanh["output_std"][-1] > 0.01'):
        ('margin', 'the recursion is >= 0.06 at layer 100 (the page checks it within 15 % of 1/sqrt(200)), and tests/test_initialization_statistics.py::test_xavier_tanh_follows_the_recursion_over_200_repetitions keeps |log(measured / predicted)| < 0.5 with a 3.5 sd margin: > 0.036, and tanh shrinks values of that size by < 0.5 %'),
    ('docs/initialization/xavier.md',
     'assert conv.weight.abs().max() <= bound'):
        ('exact', 'support bound of a uniform draw'),
    ('docs/initialization/xavier.md',
     'assert_variance(conv.weight.detach(), bound**2 / 3)'):
        ('derived', 'snippets/initialization/variance.py::assert_variance'),
    ('docs/labs/initialization_lab.py',
     'assert math.isclose(measured, TABLE[name], rel_tol=0.03)'):
        ('derived', 'tests/test_statistics_lab_initialization.py::test_weight_variance_tolerance_is_derived (chi-square Chernoff for the Gaussian inits, Bernstein + Hoeffding for the uniform default: < 1e-5 in all)'),
    ('docs/labs/initialization_lab.py',
     'assert finite.sum() >= 30 and ratio.max() < 1, name  # within a factor of ten'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_relu_stack_checks_hold_over_200_seeds (largest |ln measured/predicted|: 6.87 sd Gaussian inits, 7.01 sd default; normal_(0, 1) cannot overflow before layer 31: 28.3 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert not torch.isfinite(measured["normal_(0, 1)"][39])  # by layer 40'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_relu_stack_checks_hold_over_200_seeds (ln std(z_40) of normal_(0, 1) above ln float32 max: 22.1 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert measured[shrinking][-1] < 1e-3 * measured[shrinking][0], shrinking  # orders of magnitude'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_relu_stack_checks_hold_over_200_seeds (ln std(z_50)/std(z_1) below ln 1e-3: xavier 22.5 sd, default 82.3 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert 0.1 < measured["kaiming_normal_"][-1] < 10'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_relu_stack_checks_hold_over_200_seeds (ln std(z_50) in (ln 0.1, ln 10): 4.72 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert min(kaiming) > 1e-3 and default[0] < kaiming[0] / 100'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_gradient_checks_hold_over_200_seeds (ln min Kaiming norm: 5.69 sd; ln default/Kaiming first layer: 5.33 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert max(xavier) < 10 * min(xavier)'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_gradient_checks_hold_over_200_seeds (ln max/min Xavier norm: 5.72 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert all(x < k / 10 for x, k in zip(xavier, kaiming))  # layer by layer'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_gradient_checks_hold_over_200_seeds (largest ln Xavier/Kaiming over the eleven layers: 3.96 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert max(gradient_norms["normal_(0, 0.01)"]) < 1e-10'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_gradient_checks_hold_over_200_seeds (ln max normal_(0, 0.01) norm: 19.3 sd)'),
    ('docs/labs/initialization_lab.py',
     "assert abs(runs[stuck][0][-1] - chance) < 0.05, stuck  # Kaiming's ends far below"):
        ('margin', 'ln|loss - ln 2| below ln 0.05: Xavier 4.33 sd, default 9.44 sd, normal_(0, 0.01) 7.44 sd; measured with the lab loops over seeds 1-200, no seed failing; the suite replays all 400 steps batched over 200 seeds and requires >= 3.5 sd: tests/test_statistics_lab_initialization.py::test_training_checks_hold_over_200_seeds'),
    ('docs/labs/initialization_lab.py',
     'assert runs["kaiming_normal_"][1] > 0.95'):
        ('margin', 'accuracy 20.6 sd above 0.95, lowest 0.986; measured with the lab loops over seeds 1-200, no seed failing; the suite replays all 400 steps batched over 200 seeds and requires >= 3.5 sd: tests/test_statistics_lab_initialization.py::test_training_checks_hold_over_200_seeds'),
    ('docs/labs/initialization_lab.py',
     'assert runs["kaiming_normal_"][0][-1] < runs["xavier_normal_"][0][-1] / 10'):
        ('margin', 'ln Kaiming/Xavier final loss 4.12 sd below ln 0.1; measured with the lab loops over seeds 1-200, no seed failing; the suite replays all 400 steps batched over 200 seeds and requires >= 3.5 sd: tests/test_statistics_lab_initialization.py::test_training_checks_hold_over_200_seeds'),
    ('docs/labs/initialization_lab.py',
     'assert nn.init.calculate_gain("tanh") == 5 / 3'):
        ('exact', 'a constant: calculate_gain("tanh") is 5/3 by definition, no draw'),
    ('docs/labs/initialization_lab.py',
     'assert math.isclose(tanh_stds["normal_(0, 1)"][-1], math.sqrt(WIDTH), rel_tol=0.1)'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_tanh_checks_hold_over_200_seeds (ln std(z_50)/sqrt(n): 16.5 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert tanh_stds["PyTorch default"][-1] < 1e-6'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_tanh_checks_hold_over_200_seeds (ln std(z_50): 143.7 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert tanh_stds["xavier_normal_"][-1] < 0.2 * tanh_stds["xavier_normal_"][0]'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_tanh_checks_hold_over_200_seeds (ln std(z_50)/std(z_1): 11.0 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert 0.5 < tanh_stds[steady][-1] < 2, steady'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_tanh_checks_hold_over_200_seeds (ln std(z_50): gain 5/3 71.3 sd, Kaiming 39.3 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert flat > 0.5 and math.isfinite(last) and not math.isfinite(first)  # saturated, yet exploding'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_tanh_checks_hold_over_200_seeds (flat share 228 sd; float32 norms sum squares in float32: ln last norm 2447 sd below, ln first norm 31.4 sd above ln sqrt(float32 max))'),
    ('docs/labs/initialization_lab.py',
     'assert 0.5 < ratio["xavier_normal_"] < 2'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_tanh_checks_hold_over_200_seeds (ln first/last gradient norm: 11.2 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert 2 < ratio[steady] < 1e3, steady  # grows over fifty layers, yet stays finite'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_tanh_checks_hold_over_200_seeds (ln first/last gradient norm: gain 5/3 46.2 sd, Kaiming 51.1 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert math.isclose(by_hand, gain_squared, rel_tol=1e-12)'):
        ('exact', 'closed forms 2/(1+a^2) and calculate_gain("leaky_relu", a), no draw'),
    ('docs/labs/initialization_lab.py',
     'assert 0.1 < stds[-1] < 10'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_leaky_relu_check_holds_over_200_seeds (ln std(z_50): 4.76, 5.34, 8.11 sd for a = 0.01, 0.2, 0.5)'),
    ('docs/labs/initialization_lab.py',
     'assert first_moves["Adam"] > 1000 * first_moves["SGD"]'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_adams_first_step_outruns_sgds_over_200_seeds (ln of the ratio: 18 sd above ln 1000; replaces "Adam from the default fits the spirals", which failed for 7 of 200 seeds)'),
    ('docs/labs/initialization_lab.py',
     'assert max(gradient_norms["normal_(0, 0.01)"]) < 1e-8 / 100'):
        ('margin', 'tests/test_statistics_lab_initialization.py::test_gradient_checks_hold_over_200_seeds (the same statistic and bound as max < 1e-10: 19.3 sd)'),
    ('docs/labs/initialization_lab.py',
     'assert abs(adam_runs["normal_(0, 0.01)"][0] - chance) < 1e-3'):
        ('margin', 'ln|loss - ln 2| 8.5 sd below ln 1e-3; measured with the lab loops over seeds 1-200, no seed failing; the suite replays all 400 steps batched over 200 seeds and requires >= 3.5 sd: tests/test_statistics_lab_initialization.py::test_training_checks_hold_over_200_seeds'),
    ('docs/labs/losses_lab.py',
     'assert math.isclose(by_mse.item(), values.mean().item(), rel_tol=1e-4)'):
        ('exact', 'section 1: fixed values; Adam on them draws nothing'),
    ('docs/labs/losses_lab.py',
     'assert by_mse.item() > 2 * values[:5].max().item()  # far from every ordinary value'):
        ('exact', 'section 1: fixed values; Adam on them draws nothing'),
    ('docs/labs/losses_lab.py',
     'assert middle[0] - 1e-3 <= median_fit.item() <= middle[1] + 1e-3'):
        ('exact', 'section 1: fixed values; Adam on them draws nothing'),
    ('docs/labs/losses_lab.py',
     'assert wilder.mean() > 10 * values.mean()'):
        ('exact', 'section 1: fixed values, no draw'),
    ('docs/labs/losses_lab.py',
     'torch.testing.assert_close(fits["MSELoss"].double(), least_squares, atol=5e-3, rtol=0)'):
        ('counted', 'test_statistics_lab_losses::test_section2_adam_reaches_the_least_squares_line_and_the_l1_minimum (3000 seeds; largest gap 2.0e-3)'),
    ('docs/labs/losses_lab.py',
     'assert abs(mean_loss("L1Loss", fits["L1Loss"]) - mean_loss("L1Loss", least_absolute)) < 1e-4'):
        ('counted', 'test_statistics_lab_losses::test_section2_adam_reaches_the_least_squares_line_and_the_l1_minimum (3000 seeds; largest gap 3.1e-5)'),
    ('docs/labs/losses_lab.py',
     'assert w_mse > 2 + 0.5 and b_mse > 1 + 0.3  # dragged up and tilted'):
        ('counted', 'test_statistics_lab_losses::test_section2_the_outliers_drag_the_mse_line_only (3000 seeds; also margin 5.7 / 5.9 sd)'),
    ('docs/labs/losses_lab.py',
     'assert distance_to_truth["L1Loss"] < distance_to_truth["MSELoss"] / 5'):
        ('counted', 'test_statistics_lab_losses::test_section2_the_outliers_drag_the_mse_line_only (3000 seeds)'),
    ('docs/labs/losses_lab.py',
     'assert distance_to_truth["SmoothL1Loss(beta=0.5)"] < distance_to_truth["MSELoss"] / 5'):
        ('counted', 'test_statistics_lab_losses::test_section2_the_outliers_drag_the_mse_line_only (3000 seeds)'),
    ('docs/labs/losses_lab.py',
     'assert from_l1["SmoothL1Loss(beta=0.5)"] < from_l1["MSELoss"] / 5  # next to the L1 line'):
        ('counted', 'test_statistics_lab_losses::test_section2_the_outliers_drag_the_mse_line_only (3000 seeds)'),
    ('docs/labs/losses_lab.py',
     'assert (probabilities[-2:] == 0).all() and (probabilities[:-2] > 0).all()'):
        ('exact', 'fixed logits, no draw'),
    ('docs/labs/losses_lab.py',
     'assert (on_probabilities[-2:] == 100).all() and (grad_on_probabilities[-3:].abs() < 1e-6).all()'):
        ('exact', 'fixed logits, no draw'),
    ('docs/labs/losses_lab.py',
     'torch.testing.assert_close(grad_on_probabilities[2].double(), clamped, rtol=1e-5, atol=0)'):
        ('exact', 'fixed logits, no draw'),
    ('docs/labs/losses_lab.py',
     'assert grad_ce.norm() > 1 and grad_mse.norm() < 1e-3'):
        ('exact', 'fixed logits (t, 0, 0), no draw'),
    ('docs/labs/losses_lab.py',
     'assert (on_true_class < 0.1).float().mean() > 0.95  # almost every point: under 10% on its true class'):
        ('counted', 'test_statistics_lab_losses::test_section4_the_start_is_wrong_and_only_cross_entropy_recovers (3000 seeds; smallest share 0.993)'),
    ('docs/labs/losses_lab.py',
     'assert accuracy["CrossEntropyLoss"][0] == accuracy["MSE on softmax"][0] < 0.05'):
        ('counted', 'test_statistics_lab_losses::test_section4_the_start_is_wrong_and_only_cross_entropy_recovers (3000 seeds; the equality is exact: one start, one data set)'),
    ('docs/labs/losses_lab.py',
     'assert accuracy["CrossEntropyLoss"][50] > 0.9'):
        ('counted', 'test_statistics_lab_losses::test_section4_the_start_is_wrong_and_only_cross_entropy_recovers (3000 seeds; lowest 0.977)'),
    ('docs/labs/losses_lab.py',
     'assert accuracy["MSE on softmax"][-1] < 0.5'):
        ('counted', 'test_statistics_lab_losses::test_section4_the_start_is_wrong_and_only_cross_entropy_recovers (3000 seeds; highest 0.007)'),
    ('docs/labs/losses_lab.py',
     'assert squared["L1Loss"] > squared["SmoothL1Loss(beta=0.5)"] > squared["MSELoss"]'):
        ('counted', 'test_statistics_lab_losses::test_section2_smoothl1_scores_between_l1_and_mse (3000 seeds)'),
    ('docs/labs/losses_lab.py',
     'assert absolute["MSELoss"] > absolute["SmoothL1Loss(beta=0.5)"] > absolute["L1Loss"]'):
        ('counted', 'test_statistics_lab_losses::test_section2_smoothl1_scores_between_l1_and_mse (3000 seeds)'),
    ('docs/labs/losses_lab.py',
     'assert abs(below - 0.9) < 0.02'):
        ('counted', 'test_statistics_lab_losses::test_solution2_quantile_line (3000 seeds; largest gap 0.005)'),
    ('docs/labs/losses_lab.py',
     'assert abs(upper[1] - (1 + noise_quantile)) < 0.12 and abs(upper[0] - 2) < 0.2'):
        ('margin', 'test_statistics_lab_losses::test_solution2_quantile_line (3000 seeds; intercept 4.9 sd, slope 4.5 sd)'),
    ('docs/labs/losses_lab.py',
     'assert abs(mean_loss("L1Loss", median_line) - mean_loss("L1Loss", fits["L1Loss"])) < 1e-4'):
        ('counted', 'test_statistics_lab_losses::test_solution2_median_line_reaches_the_l1_minimum (3000 seeds; largest gap 1.4e-5)'),
    ('docs/labs/losses_lab.py',
     'assert (residuals > 0.1).float().mean() > 0.5 and residuals.max() < 10'):
        ('counted', 'test_statistics_lab_losses::test_solution3_residuals_and_the_two_ends_of_beta (3000 seeds; share also margin 5.0 sd)'),
    ('docs/labs/losses_lab.py',
     'assert mean_loss("L1Loss", near_l1) - mean_loss("L1Loss", fits["L1Loss"]) < 0.01 / 2'):
        ('counted', 'test_statistics_lab_losses::test_solution3_residuals_and_the_two_ends_of_beta (3000 seeds; largest gap 6.8e-5; beta/2 is the bound for exact minimizers)'),
    ('docs/labs/losses_lab.py',
     'torch.testing.assert_close(near_mse, fits["MSELoss"], atol=2e-2, rtol=0)'):
        ('counted', 'test_statistics_lab_losses::test_solution3_residuals_and_the_two_ends_of_beta (3000 seeds; largest gap 4.8e-7)'),
    ('docs/labs/optimizers_lab.py',
     'assert distance[0.19] < 1 < distance[0.21]'):
        ('exact', 'SGD on a fixed quadratic from w = ones (float64), no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert min(distance, key=distance.get) == best_rate'):
        ('exact', 'SGD on a fixed quadratic from w = ones (float64), no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert math.isclose(distance[0.1], distance[0.19], rel_tol=1e-3)'):
        ('exact', 'closed form, no draw: 0.9^40 vs 0.9^40 * sqrt(1 + 0.9^80), relative gap 1.1e-4'),
    ('docs/labs/optimizers_lab.py',
     'assert gd_steps == math.ceil(predicted_gd)'):
        ('exact', 'SGD on fixed quadratics from w = ones (float64), no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert predicted_heavy_ball <= heavy_ball_steps < 1.5 * predicted_heavy_ball'):
        ('exact', 'heavy ball on fixed quadratics from w = ones (float64), no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert heavy_ball_steps < gd_steps / 5'):
        ('exact', 'SGD and heavy ball on fixed quadratics from w = ones, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert 1.7 < ratio[400.0] / ratio[100.0] < 2.3'):
        ('exact', 'SGD and heavy ball on fixed quadratics from w = ones, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert all(final[name][lr] == math.inf for lr in GRID if lr >= 5e-3), name'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert best["SGD"] < 0.01 and best["SGD, momentum 0.9"] < best["SGD"] / 100'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert best_lr["SGD, momentum 0.9"] == best_lr["SGD"]'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert best_lr["Adagrad"] == max(best_lr.values()) and best["Adagrad"] > 0.01'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert crossings["RMSprop"] > 2 * max(count for name, count in crossings.items() if name != "RMSprop")'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert best["RMSprop"] == max(best.values())'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert best["Adam"] < 1e-3 and best["SGD, momentum 0.9"] < 1e-3'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert reaches["Adam"] > max(count for name, count in reaches.items() if name != "Adam")'):
        ('exact', 'Rosenbrock from the fixed start (-1.5, 2), one thread, no draw'),
    ('docs/labs/optimizers_lab.py',
     'assert network_best_lr["Adam"] <= 0.1 <= network_best_lr["SGD"]'):
        ('margin', 'tests/test_statistics_lab_optimizers.py::test_sgd_best_rate_at_least_0_1 and test_adam_at_1_far_behind_adam_at_0_01 (sufficient conditions; 5.43 and 4.05 sd)'),
    ('docs/labs/optimizers_lab.py',
     'assert network_race["SGD"][1e-2] > 5 * network_race["Adam"][1e-2]'):
        ('margin', 'tests/test_statistics_lab_optimizers.py::test_adam_far_ahead_of_sgd_at_a_shared_rate_of_0_01 (4.98 sd)'),
    ('docs/labs/optimizers_lab.py',
     'assert network_race["SGD"][1e-2] > 0.95 * math.log(2)'):
        ('margin', 'tests/test_statistics_lab_optimizers.py::test_sgd_near_chance_at_0_01 (8.80 sd)'),
    ('docs/labs/optimizers_lab.py',
     'assert network_race["Adam"][1.0] > 5 * network_race["Adam"][1e-2]'):
        ('margin', 'tests/test_statistics_lab_optimizers.py::test_adam_at_1_far_behind_adam_at_0_01 (4.05 sd)'),
    ('docs/labs/optimizers_lab.py',
     'assert all(set(group) == set(optimizer.defaults) | {"params"} for group in optimizer.param_groups)'):
        ('exact', "names of the optimizer's hyperparameters, no draw"),
    ('docs/labs/optimizers_lab.py',
     'assert math.isclose(steps[-1], lr * slope / (1 - momentum), rel_tol=1e-4)'):
        ('exact', 'closed form, constant gradient from w = 0, no draw: 0.9^200 = 7e-10 and float32 round-off of the step (~1e-5 relative) are below rel_tol 1e-4'),
    ('docs/labs/optimizers_lab.py',
     'assert distance[0.98 * limit] < 1 < distance[1.02 * limit]'):
        ('exact', 'heavy ball on a fixed quadratic from w = ones (float64), no draw'),
    ('docs/labs/optimizers_lab.py',
     "assert 0.98 * limit > 2 / curvatures.max().item() and without_momentum > 1  # beyond plain GD's limit"):
        ('exact', 'fixed numbers and SGD on a fixed quadratic from w = ones, no draw'),
    ('docs/losses/atlas.md',
     'assert nll_on_probs < 0'):
        ('exact', 'NLL of probabilities in (0,1) is negative for any draw'),
    ('docs/losses/atlas.md',
     'assert set(multi_hot_losses) == expected'):
        ('exact', 'a set of names, no draw'),
    ('docs/losses/cross-entropy-loss.md',
     'assert checked == 36'):
        ('exact', "a count of the loop's iterations, no draw"),
    ('docs/losses/cross-entropy-loss.md',
     'assert not torch.isclose(weighted_mean, per_sample.sum() / num_samples)'):
        ('exact', 'S / W vs S / N with fixed labels and weights: W = 9.5, N = 6, relative gap 1 - 6/9.5 = 0.37 >> rtol 1e-5; S > 0 for every draw (row 5 alone adds log 4)'),
    ('docs/losses/cross-entropy-loss.md',
     'assert not torch.isclose(weighted_indices, weighted_one_hot)'):
        ('exact', 'same S / W vs S / N (W = 9.5, N = 6, S >= log 4): relative gap 0.37 for every draw'),
    ('docs/losses/cross-entropy-loss.md',
     'assert per_sample.shape == (num_samples,)'):
        ('exact', 'shapes, counts of labels set by construction, warnings: no statistics'),
    ('docs/losses/cross-entropy-loss.md',
     'assert counted == 2 * 4 * 5 - 5'):
        ('exact', 'shapes, counts of labels set by construction, warnings: no statistics'),
    ('docs/losses/cross-entropy-loss.md',
     'assert legacy.reduction == "sum" and issubclass(caught[0].category, UserWarning)'):
        ('exact', 'shapes, counts of labels set by construction, warnings: no statistics'),
    ('docs/losses/cross-entropy-loss.md',
     'assert double > floor'):
        ('exact', 'fixed logits [10, 0, 0], no draw; double exceeds the floor (an infimum) by 6e-5, 1000x float32 round-off'),
    ('docs/losses/cross-entropy-loss.md',
     'assert correct > 9 and grad_double.norm() < 1e-3 * grad_correct.norm()'):
        ('exact', 'fixed logits, no draw'),
    ('docs/losses/cross-entropy-loss.md',
     'assert naive.isnan() and shifted == 0 and fused == 0'):
        ('exact', 'fixed logits'),
    ('docs/losses/cross-entropy-loss.md',
     'assert not torch.isclose(wrong_axis, per_position)'):
        ('counted', 'tests/test_statistics_losses.py::test_cross_entropy_wrong_axis_differs_for_every_draw (rate <= 9e-5 at 95 % from 200,000 draws, assert_rate_below)'),
    ('docs/losses/cross-entropy-loss.md',
     'assert all_ignored.isnan()'):
        ('exact', 'structural: every target ignored'),
    ('docs/losses/cross-entropy-loss.md',
     'assert math.isclose(first_loss.item(), math.log(10), rel_tol=1e-6)'):
        ('exact', 'all-zero logits: log 10 whatever the labels'),
    ('docs/losses/ctc-loss.md',
     'assert spell(collapse(indices("ll"))) == "l"'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/ctc-loss.md',
     'assert spell(collapse(indices("l-l"))) == "ll"'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/ctc-loss.md',
     'assert occupancy[:, others].abs().max() == 0'):
        ('exact', 'the occupancy of symbols absent from the target is exactly zero by construction'),
    ('docs/losses/ctc-loss.md',
     'assert first == {"c": 0, "a": 1, "t": 2}  # one letter per frame, in order'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/ctc-loss.md',
     'assert abs(brute_force_probability(frame_probs, [1]) - total) < 1e-12'):
        ('exact', 'the same probability by two exact algorithms (enumeration and the DP), float64 round-off'),
    ('docs/losses/ctc-loss.md',
     'assert abs(-math.log(p_n) - per_sample[n].item()) < 1e-9'):
        ('exact', 'float64 log_probs: brute-force enumeration against nn.CTCLoss, round-off'),
    ('docs/losses/ctc-loss.md',
     'assert greedy_decode(small) == independent_greedy'):
        ('exact', 'the same greedy rule written twice: equal for every draw'),
    ('docs/losses/ctc-loss.md',
     'assert abs(sum(table.values()) - 1) < 1e-12'):
        ('exact', 'the same probability by two exact algorithms (enumeration and the DP), float64 round-off'),
    ('docs/losses/ctc-loss.md',
     'assert tuple(beam_labels) == exhaustive_best'):
        ('exact', 'beam width 10^6 exceeds the 3^5 alignments, so the beam search is exhaustive; ties between continuous probabilities have probability 0'),
    ('docs/losses/ctc-loss.md',
     'assert abs(beam_p - table[exhaustive_best]) < 1e-12'):
        ('exact', 'the same probability by two exact algorithms (enumeration and the DP), float64 round-off'),
    ('docs/losses/ctc-loss.md',
     'assert abs(math.exp(-ctc_of_best.item()) - beam_p) < 1e-12'):
        ('exact', 'the same probability by two exact algorithms (enumeration and the DP), float64 round-off'),
    ('docs/losses/ctc-loss.md',
     'assert not torch.isclose(mean, per_sample.sum() / N)'):
        ('counted', 'tests/test_statistics_losses.py::test_ctc_mean_is_not_sum_over_n_for_every_draw (20,000 draws, none within 1000 tolerances)'),
    ('docs/losses/ctc-loss.md',
     'assert results[False][0].isinf() and results[False][1].isnan().all()'):
        ('exact', 'an impossible alignment (target longer than the input allows): inf loss, nan gradient or zero by definition, for every draw'),
    ('docs/losses/ctc-loss.md',
     'assert results[True][0] == 0 and (results[True][1] == 0).all()'):
        ('exact', 'an impossible alignment (target longer than the input allows): inf loss, nan gradient or zero by definition, for every draw'),
    ('docs/losses/ctc-loss.md',
     'assert hand == 0'):
        ('exact', 'an impossible alignment (target longer than the input allows): inf loss, nan gradient or zero by definition, for every draw'),
    ('docs/losses/ctc-loss.md',
     'assert p_enumerated == 0 and torch.isfinite(loss_with_blank).all()'):
        ('exact', 'an impossible alignment (target longer than the input allows): inf loss, nan gradient or zero by definition, for every draw'),
    ('docs/losses/ctc-loss.md',
     'assert "contains the blank" in hand_error'):
        ('exact', 'error message'),
    ('docs/losses/ctc-loss.md',
     'assert all(phrase in note for phrase in documented)'):
        ('exact', 'documentation text'),
    ('docs/losses/ctc-loss.md',
     'assert not torch.isclose(right, misread)'):
        ('counted', 'tests/test_statistics_losses.py::test_ctc_batch_first_misread_differs_for_every_draw (rate <= 6e-5 at 95 % from 200,000 draws, assert_rate_below)'),
    ('docs/losses/ctc-loss.md',
     'assert greedy_decode(two_frames) == [] and beam == [1]'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/ctc-loss.md',
     'assert abs(beam_probability - 0.64) < 1e-12'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/ctc-loss.md',
     'assert abs(loss_aa.item() + math.log(by_hand)) < 1e-9'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/embedding-losses.md',
     'assert refused == [True, True]'):
        ('exact', 'fixed inputs or a label outside {1, -1}: defined as zero / refused'),
    ('docs/losses/embedding-losses.md',
     'assert for_zero["CosineEmbedding"] == 0'):
        ('exact', 'fixed inputs or a label outside {1, -1}: defined as zero / refused'),
    ('docs/losses/embedding-losses.md',
     'assert nn.HingeEmbeddingLoss(reduction="none")(raw_scores, torch.ones(2))[0] < 0'):
        ('exact', 'fixed scores, no draw: the loss of label 1 is the score, -3'),
    ('docs/losses/embedding-losses.md',
     'assert loss == 0'):
        ('exact', 'fixed inputs or a label outside {1, -1}: defined as zero / refused'),
    ('docs/losses/entropy.md',
     'assert (entropy(random_dists) <= support.log() + 1e-12).all()  # Jensen step'):
        ('exact', "Jensen's inequality, with 1e-12 for float64 round-off"),
    ('docs/losses/entropy.md',
     'assert (gap > 0).all() and math.isclose(entropy(uniform), math.log(n))'):
        ('exact', 'Jensen, strict for non-uniform distributions: every draw'),
    ('docs/losses/entropy.md',
     'torch.testing.assert_close(simplex[best], uniform_3, atol=0.01, rtol=0)'):
        ('exact', 'a fixed grid of the simplex, no draw'),
    ('docs/losses/entropy.md',
     'assert math.isclose(fair_guess, math.log(2), rel_tol=1e-6)'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/entropy.md',
     'assert naive.isnan() and math.isclose(safe, math.log(2), rel_tol=1e-6)'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/entropy.md',
     'assert narrow < 0 < wide'):
        ('exact', 'closed forms 0.5 log(2 pi e sigma^2), no draw'),
    ('docs/losses/entropy.md',
     'assert math.isclose(h_loaded, 0.5 + 0.5 * math.log2(10))'):
        ('exact', 'closed form'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert (kl_by_hand > 0).all() and kl_divergence(p, p).abs().max() < 1e-12'):
        ('derived', 'Gibbs: D_KL(P||Q) = 0 only at P = Q; for two Dirichlet(1) draws P(D_KL < e) = O(e^2) (a 4-dimensional ellipsoid), so a value at round-off level (1e-16) among 10,000 pairs has probability ~1e-28; D_KL(p, p) is an identity'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert not math.isclose(forward, reverse, rel_tol=0.05)'):
        ('exact', 'fixed distributions, no draw'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert kl_divergence(flat, certain).isinf()'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert (cross >= h_p).all()'):
        ('exact', "Gibbs' inequality: every draw"),
    ('docs/losses/kl-and-cross-entropy.md',
     'torch.testing.assert_close(learned, target, atol=1e-4, rtol=0)'):
        ('exact', 'no draw: target and starting logits fixed, 500 deterministic steps'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert kl_divergence(target, learned).abs() < 1e-8'):
        ('exact', 'no draw: target and starting logits fixed, 500 deterministic steps'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert mi > 0 and mutual_information(torch.outer(p_x, p_y)).abs() < 1e-12'):
        ('exact', 'a fixed joint table; the MI of an outer product is 0 up to round-off'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert torch.tensor(smallest_float32) > 0'):
        ('exact', 'float constant'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert torch.tensor(smallest_float32 / 2) == 0'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert torch.tensor(math.exp(-120)) == 0 < math.exp(-120)'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert torch.log(scores.softmax(-1))[0].isneginf()'):
        ('exact', 'float underflow of a fixed score'),
    ('docs/losses/kl-and-cross-entropy.md',
     'assert scores.log_softmax(-1)[0] == -120'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/margin-losses.md',
     'assert abs(loss.item() - by_hand) < 1e-6'):
        ('exact', 'fixed inputs: float32 against a hand value of size ~1, round-off ~1e-7'),
    ('docs/losses/margin-losses.md',
     'assert abs(ours.item() - by_hand) < 1e-6'):
        ('exact', 'fixed inputs: float32 against a hand value of size ~1, round-off ~1e-7'),
    ('docs/losses/margin-losses.md',
     'assert abs(p1.item() - p1_by_hand) < 1e-6 and abs(p2.item() - p2_by_hand) < 1e-6'):
        ('exact', 'fixed inputs: float32 against a hand value of size ~1, round-off ~1e-7'),
    ('docs/losses/margin-losses.md',
     'assert abs(multi_margin_loss(x, label, p=1).item() - p1_by_hand) < 1e-6'):
        ('exact', 'fixed inputs: float32 against a hand value of size ~1, round-off ~1e-7'),
    ('docs/losses/margin-losses.md',
     'assert abs(multi_margin_loss(x, label, p=2).item() - p2_by_hand) < 1e-6'):
        ('exact', 'fixed inputs: float32 against a hand value of size ~1, round-off ~1e-7'),
    ('docs/losses/margin-losses.md',
     'assert len(refusals) == 2 and "only p == 1 and p == 2" in refusals[0]'):
        ('exact', 'refusals, an empty label list, zero gradients of inactive hinges: by definition'),
    ('docs/losses/margin-losses.md',
     'assert abs(weighted.item() - weight_outside) < 1e-6'):
        ('exact', 'fixed inputs: float32 against a hand value of size ~1, round-off ~1e-7'),
    ('docs/losses/margin-losses.md',
     'assert abs(weighted.item() - weight_inside) > 0.1'):
        ('exact', 'fixed scores x, no draw: the gap is 2 * p2_by_hand = 0.305'),
    ('docs/losses/margin-losses.md',
     'assert doc_formula in nn.MultiMarginLoss.__doc__'):
        ('exact', 'documentation text'),
    ('docs/losses/margin-losses.md',
     'assert abs(multilabel_margin_loss(x, label_list).item() - by_hand) < 1e-6'):
        ('exact', 'fixed inputs: float32 against a hand value of size ~1, round-off ~1e-7'),
    ('docs/losses/margin-losses.md',
     'assert losses[1] == 0'):
        ('exact', 'refusals, an empty label list, zero gradients of inactive hinges: by definition'),
    ('docs/losses/margin-losses.md',
     'assert (grad[zero_one == 0] == 0).all()'):
        ('exact', 'refusals, an empty label list, zero gradients of inactive hinges: by definition'),
    ('docs/losses/margin-losses.md',
     'assert not torch.isclose(mistaken, meant)'):
        ('exact', 'fixed scores x, no draw: 2.9 vs 1.15'),
    ('docs/losses/maximum-likelihood.md',
     'assert (gap[:2] == 0).all() and (gap[2:] < 0).all()'):
        ('exact', "fixed counts and rates, no draw (Stirling's remainder lies within 10 % of 1/(12y) for y >= 2)"),
    ('docs/losses/maximum-likelihood.md',
     'torch.testing.assert_close(gap[2:], -1 / (12 * counts[2:]), rtol=0.1, atol=0)'):
        ('exact', "fixed counts and rates, no draw (Stirling's remainder lies within 10 % of 1/(12y) for y >= 2)"),
    ('docs/losses/maximum-likelihood.md',
     'assert abs(best_mse - data.mean()) <= spacing'):
        ('exact', 'fixed data and grid, no draw'),
    ('docs/losses/maximum-likelihood.md',
     'assert abs(best_l1 - data.median()) <= spacing'):
        ('exact', 'fixed data and grid, no draw'),
    ('docs/losses/maximum-likelihood.md',
     'assert abs(best_q - flips.mean()) <= 0.001'):
        ('exact', 'fixed flips (3 heads of 10) and grid, no draw'),
    ('docs/losses/maximum-likelihood.md',
     'assert abs(mse_best - values.mean()) <= 0.01'):
        ('exact', 'fixed data and grid, no draw'),
    ('docs/losses/maximum-likelihood.md',
     'assert abs(l1_best - 3.0) <= 0.01'):
        ('exact', 'fixed data and grid, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert hand_slope.item() == torch_slope.item() == 0.5 != clamp_slope.item()'):
        ('exact', 'fixed input 0'),
    ('docs/losses/nll-and-bce.md',
     'assert not torch.isclose(by_column, by_channel)'):
        ('counted', 'tests/test_statistics_losses.py::test_weighted_bce_by_column_differs_from_by_channel_for_every_draw (rate <= 6e-5 at 95 % from 200,000 draws, assert_rate_below)'),
    ('docs/losses/nll-and-bce.md',
     'assert abs(first_one - 24 * math.log(2)) < 1e-3'):
        ('exact', 'fixed grid, no draw (float32 rounding of sigmoid)'),
    ('docs/losses/nll-and-bce.md',
     'torch.testing.assert_close(via_logits.detach(), exact.float(), rtol=1e-6,'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'torch.testing.assert_close(grad_logits, exact_grad.float(), rtol=1e-6, atol=0)'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert rounds_to_one.tolist() == [v > 24 * math.log(2) for v in x.tolist()]'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert (via_probability.detach()[rounds_to_one] == 100).all()'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert (grad_probability[rounds_to_one] == 0).all()'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert relative_error > 1e-3'):
        ('exact', 'fixed x, no draw: relative error ~ e^15 * 6e-8 = 0.2'),
    ('docs/losses/nll-and-bce.md',
     'torch.testing.assert_close(loss_probability.detach(), -very_negative.detach(),'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert grad_probability[-1].abs() < 1e-6'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert torch.isclose(grad_logits[-1], torch.tensor(-1.0))'):
        ('exact', 'fixed x, no draw: sigma(-50) - 1 = -1 in float32'),
    ('docs/losses/nll-and-bce.md',
     'assert math.isclose(grad_probability[-1].item(), starved, rel_tol=1e-3)'):
        ('exact', 'fixed x, no draw: closed form of the clamped backward'),
    ('docs/losses/nll-and-bce.md',
     'assert on_probs == -probabilities[0, 0] and on_logs > 0'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert on_scores == -1000'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/nll-and-bce.md',
     'assert grad[0] == -4.5 and grad[-1] == 0.5'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert (added[:2] == 0).all() and (exact_log_factorial[:2] == 0).all()'):
        ('exact', 'fixed inputs or a fixed grid, no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert (error > 0).all() and (error[1:] < error[:-1]).all()  # ever less'):
        ('exact', 'fixed counts 0..8, no draw (Stirling remainder)'),
    ('docs/losses/poisson-and-kl.md',
     'assert abs(lowest - max(observed, rate[0].item())) < 0.03  # grid step 0.02'):
        ('exact', 'fixed rate grid, no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert as_rate(raw_rate, ones)[0].isnan()'):
        ('exact', 'structural NaN'),
    ('docs/losses/poisson-and-kl.md',
     'assert as_rate(nn.functional.softplus(raw_rate), ones).isfinite().all()'):
        ('exact', 'fixed inputs or a fixed grid, no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert grad > 0 and far_down < -799  # e^x - y x = e^x - 800 here'):
        ('exact', 'fixed inputs, no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert course["mean"] < 0 and course["batchmean"] < 0  # not a divergence'):
        ('exact', "fixed course's q and p, no draw"),
    ('docs/losses/poisson-and-kl.md',
     'assert "batchmean" in message'):
        ('exact', 'warning text'),
    ('docs/losses/poisson-and-kl.md',
     'assert abs(best_right - 0.3) < 2e-3 and right_curve.min() < 1e-5'):
        ('exact', 'fixed grid (0.3 is on it), no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert wrong_curve.argmin() == 0 and (wrong_curve < 0).all()'):
        ('exact', 'fixed inputs or a fixed grid, no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert as_log(model_log_q, target_with_a_zero.log())[0, 0].isnan()'):
        ('exact', 'structural NaN'),
    ('docs/losses/poisson-and-kl.md',
     'assert abs(wrong.item() - (-math.log(2) - 0.5)) < 1e-12'):
        ('exact', 'fixed inputs or a fixed grid, no draw'),
    ('docs/losses/poisson-and-kl.md',
     'assert abs(kl.item() - math.log(5 / 3)) < 1e-12'):
        ('exact', 'fixed inputs or a fixed grid, no draw'),
    ('docs/losses/regression-losses.md',
     'assert (smooth <= grid.abs()).all()'):
        ('exact', 'pointwise inequality on a grid'),
    ('docs/losses/regression-losses.md',
     'assert (smooth <= grid**2 / (2 * beta)).all()'):
        ('exact', 'pointwise inequality on a grid'),
    ('docs/losses/regression-losses.md',
     'assert means["SmoothL1"] <= min(means["L1"], means["MSE / 2"])'):
        ('exact', 'mean of a pointwise inequality: every draw'),
    ('docs/losses/regression-losses.md',
     'assert abs(far_data.mean() - data.mean() - 297) < 1e-9'):
        ('exact', "fixed data (an outlier moved by 2970 shifts the mean of 10 by 297); the grid's step is 0.001"),
    ('docs/losses/regression-losses.md',
     'assert abs(near["MSE"] - data.mean()) <= 0.0005 + 1e-12'):
        ('exact', "fixed data (an outlier moved by 2970 shifts the mean of 10 by 297); the grid's step is 0.001"),
    ('docs/losses/regression-losses.md',
     'assert middle[0] - 0.001 <= near["L1"] <= middle[1] + 0.001'):
        ('counted', 'tests/test_losses_two.py::test_outlier_claims_hold_for_any_seed (3000 seeds)'),
    ('docs/losses/regression-losses.md',
     'assert middle[0] - 0.001 <= far["L1"] <= middle[1] + 0.001'):
        ('counted', 'tests/test_losses_two.py::test_outlier_claims_hold_for_any_seed'),
    ('docs/losses/regression-losses.md',
     'assert abs(far["SmoothL1"] - near["SmoothL1"]) <= 0.001'):
        ('counted', 'tests/test_losses_two.py::test_outlier_claims_hold_for_any_seed'),
    ('docs/losses/regression-losses.md',
     'assert min(abs(v) for v in l1_path[-10:]) > 0.05  # L1 never settles'):
        ('exact', 'deterministic descent from x = 1, no draw'),
    ('docs/losses/regression-losses.md',
     'assert all(abs(v - e) < 1e-12 for v, e in zip(smooth_path, expected))'):
        ('exact', 'closed form (1 - lr/beta)^steps on a deterministic path'),
    ('docs/losses/regression-losses.md',
     'assert abs(smooth.item() - smooth_hand) < 1e-12'):
        ('exact', 'fixed residuals, float64'),
    ('docs/losses/regression-losses.md',
     'assert abs(huber.item() - 2 * smooth_hand) < 1e-12'):
        ('exact', 'fixed residuals, float64'),
    ('docs/losses/regression-losses.md',
     'assert smooth < quarter_mse < l1'):
        ('exact', 'fixed residuals, no draw'),
    ('docs/losses/softmax-gradient.md',
     'assert checked == 24'):
        ('exact', "a count of the loop's iterations, no draw"),
    ('docs/losses/softmax-gradient.md',
     'assert g_ce.norm() > 1 and g_mse.norm() < 1e-3'):
        ('exact', 'fixed logits [0, 12, 0], no draw'),
    ('docs/losses/softmax-gradient.md',
     'assert plain.tolist() == [0.25, 0.25, -0.75, 0.25]'):
        ('exact', 'fixed input'),
    ('docs/optimizers/adam-family.md',
     'assert math.isclose(state["exp_avg"].item(), (1 - 0.9**t) * g)'):
        ('exact', 'closed form, constant gradient'),
    ('docs/optimizers/adam-family.md',
     'assert math.isclose(state["exp_avg_sq"].item(), (1 - 0.999**t) * g * g)'):
        ('exact', 'closed form, constant gradient'),
    ('docs/optimizers/adam-family.md',
     'assert math.isclose(steps[-1], 0.01 * g / (g + 1e-8), rel_tol=1e-9)'):
        ('exact', 'constant gradients, closed forms, no draw'),
    ('docs/optimizers/adam-family.md',
     'assert uncorrected[-1] < uncorrected[0] < peak  # it rises, then falls to 1'):
        ('exact', 'closed-form bias factors, no draw'),
    ('docs/optimizers/adam-family.md',
     'assert z_m.abs().max() < 6 and z_v.abs().max() < 6'):
        ('margin', 'tests/test_optimizers_depth.py::test_bias_correction_check_has_a_low_false_failure_rate'),
    ('docs/optimizers/adam-family.md',
     'assert hand.states.keys() == ours.states.keys()'):
        ('exact', 'state names, no statistics'),
    ('docs/optimizers/adam-family.md',
     'torch.testing.assert_close(mu_product, products, rtol=1e-6, atol=0)'):
        ('exact', 'float32 products of the same factors, round-off below 1e-6 relative over 40 steps'),
    ('docs/optimizers/adam-family.md',
     'assert first_rectified == 6'):
        ('exact', 'closed forms, names, shapes'),
    ('docs/optimizers/adam-family.md',
     'assert set(shipped) == set(PURPOSE), set(shipped) ^ set(PURPOSE)'):
        ('exact', 'closed forms, names, shapes'),
    ('docs/optimizers/adam-family.md',
     'assert shapes == {"row_var": (300, 1), "col_var": (1, 200)}'):
        ('exact', 'closed forms, names, shapes'),
    ('docs/optimizers/adam-family.md',
     'assert update_sv[0] / update_sv[-1] < 2 and grad_sv[0] / grad_sv[-1] > 3'):
        ('margin', 'tests/test_optimizers_depth.py::test_muon_update_is_nearly_orthogonal_for_every_seed'),
    ('docs/optimizers/adam-family.md',
     'assert math.isclose(lengths["RAdam"][0], 0.1)'):
        ('exact', 'closed form'),
    ('docs/optimizers/adam-family.md',
     'assert math.isclose(lengths["RAdam"][5], 1e-3 * r6, rel_tol=1e-6)'):
        ('exact', 'constant gradients, closed forms, no draw'),
    ('docs/optimizers/anatomy.md',
     'assert optimizer.defaults["lr"] == optimizer.param_groups[0]["lr"] == 0.1'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert len(optimizer.state) == 0'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert all(p is q for p, q in zip(model.parameters(), held))'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert same'):
        ('exact', 'object identity: step() updates in place, no draw involved'),
    ('docs/optimizers/anatomy.md',
     'assert set(optimizer.state) == set(model.parameters())'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert model.weight.grad is None'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert doubled'):
        ('exact', 'two identical backward passes on the same x, y: g + g == 2 g in floating point, for any draw'),
    ('docs/optimizers/anatomy.md',
     'assert abs(zeros - (-0.1 * 0.9 * 3)) < 1e-6 and nones == 0.0'):
        ('exact', 'momentum 0.9 and a unit gradient: the move is exact arithmetic, the drawn model is irrelevant'),
    ('docs/optimizers/anatomy.md',
     'assert optimizer.param_groups[1]["momentum"] == optimizer.defaults["momentum"]'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert optimizer.param_groups[1]["lr"] == 0.01 != optimizer.defaults["lr"]'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert indices == [[0, 1], [2, 3]]'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert exact and gap > 1e-4'):
        ('margin', 'exact: bit-for-bit replay, any draw; gap: tests/test_statistics_init_opt.py::test_anatomy_fresh_optimizer_gap_has_a_35_sd_margin (log10 gap over 200 seeds)'),
    ('docs/optimizers/anatomy.md',
     'assert [kind for kind, _ in events] == ["pre", "post", "pre", "post"]'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert events[1] == ("post", 2)  # the post hook sees the filled state'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert seen == ["SGD", "Adam"]'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert saved_with_note["note"] == "saved by the anatomy page"'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert calls == ["save: pre", "save: post", "load: pre", "load: post"]'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert "note" not in twin.state_dict()'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert optim.SGD.step.hooked is True'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert not hasattr(plain_sgd, "_step_count")'):
        ('exact', 'attributes'),
    ('docs/optimizers/anatomy.md',
     'assert "step" not in plain_sgd.state[p]  # SGD counts nothing per tensor'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert counts == [1, 2, 3, 4]'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert plain_sgd._opt_called and plain_sgd.step._wrapped_by_lr_sched'):
        ('exact', 'attributes'),
    ('docs/optimizers/anatomy.md',
     'assert adam.state[p]["step"].item() == 3'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert holds == {False: True, True: False}'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert wrong.shape == net.weight.shape != net.bias.shape'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert twin_buffer is own_buffer'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/anatomy.md',
     'assert len(state) == 2 and buffer.shape == net.weight.shape'):
        ('exact', 'API structure (state, param_groups, hooks, counts, shapes), independent of the draw'),
    ('docs/optimizers/conditioning.md',
     'torch.testing.assert_close(x_final, x_predicted, rtol=1e-9, atol=1e-12)'):
        ('exact', 'float64 linear recursion against its closed form: round-off ~1e-14 for the random rotation and start'),
    ('docs/optimizers/conditioning.md',
     'torch.testing.assert_close(path[2:], polyak, rtol=1e-12, atol=1e-12)'):
        ('exact', 'float64 linear recursion against its closed form: round-off ~1e-14 for the random rotation and start'),
    ('docs/optimizers/conditioning.md',
     'assert math.isclose(gd, gd_rate, rel_tol=1e-9)'):
        ('exact', 'deterministic quadratic, closed forms'),
    ('docs/optimizers/conditioning.md',
     'assert hb_rate * (1 - 1e-9) <= hb <= hb_rate * bracket'):
        ('exact', 'deterministic quadratic'),
    ('docs/optimizers/conditioning.md',
     'assert math.isclose(hb_rate, (kappa**0.5 - 1) / (kappa**0.5 + 1))'):
        ('exact', 'closed form'),
    ('docs/optimizers/conditioning.md',
     'assert inside[-1].norm() < 1e-3 and outside[-1].norm() > 1e3'):
        ('exact', 'deterministic: fixed valley, start (1, 1), no draw'),
    ('docs/optimizers/conditioning.md',
     'assert math.isclose(quadratic.optimal_heavy_ball(1.0, root_kappa**2)[1], 0.9)'):
        ('exact', 'closed form'),
    ('docs/optimizers/conditioning.md',
     'assert gd_steps == math.ceil(math.log(1e6) / math.log(1 / gd_rate))'):
        ('exact', 'deterministic quadratic, closed forms'),
    ('docs/optimizers/conditioning.md',
     'assert hb_steps >= math.log(1e6) / math.log(11 / 9)  # (1 + ct) >= 1'):
        ('exact', 'closed form'),
    ('docs/optimizers/conditioning.md',
     'assert not quadratic.stable(2 * hb_lr, hb_beta, 100.0)'):
        ('exact', 'closed form'),
    ('docs/optimizers/conditioning.md',
     'assert doubled[-1].norm() > 1e6'):
        ('exact', 'deterministic: fixed valley, start (1, 1), no draw'),
    ('docs/optimizers/exercises.md',
     'assert (adam_paths[1e-3] - adam_paths[1.0]).abs().max() < 1e-2'):
        ('counted', 'tests/test_optimizers_seeds.py::test_exercise_4_claims_hold_for_5000_starts'),
    ('docs/optimizers/exercises.md',
     'assert (adam_paths[1e3] - adam_paths[1.0]).abs().max() < 1e-4'):
        ('counted', 'tests/test_optimizers_seeds.py::test_exercise_4_claims_hold_for_5000_starts'),
    ('docs/optimizers/exercises.md',
     'assert spread(no_eps) < 1e-12'):
        ('exact', "with eps = 1e-300 Adam is invariant to the gradient's scale: round-off"),
    ('docs/optimizers/exercises.md',
     'assert blown_up > 1e6 and frozen < 0.01'):
        ('counted', 'tests/test_optimizers_seeds.py::test_exercise_4_claims_hold_for_5000_starts'),
    ('docs/optimizers/homework-3.md',
     'assert len(optimizer.param_groups) == len(requested) == 3'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/homework-3.md',
     'assert len(group["params"]) == 1 and group["params"][0] is params'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/homework-3.md',
     'assert group["lr"] == lr and group["momentum"] == momentum'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/homework-3.md',
     'assert group[key] == default, key'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/homework-3.md',
     'assert all(set(group) == keys for group in optimizer.param_groups)'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/homework-3.md',
     'assert torch.allclose(moved, torch.full_like(moved, expected),'):
        ('derived', 'float32 round-off grows with |p|, below the 1e-6 atol for |p| < 8 (P(|randn| >= 8) = 1.2e-15): tests/test_statistics_init_opt.py::test_homework_3_tolerance_covers_float32_round_off'),
    ('docs/optimizers/homework-3.md',
     'assert len(placeholder.param_groups) == 4 and empty["params"] == []'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/homework-3.md',
     'assert inherited == 1e-4 != sgd_default.defaults["weight_decay"]'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/homework-3.md',
     'assert ratios == [1.0, 2.0, 3.0]'):
        ('exact', 'param_groups structure, no statistics'),
    ('docs/optimizers/momentum.md',
     'assert gap("textbook", slice(0, 30)) == "below 1e-12"'):
        ('exact', 'algebraically the same update: round-off, for every gradient sequence'),
    ('docs/optimizers/momentum.md',
     'assert gap("Sutskever", slice(0, 15)) == "below 1e-12"'):
        ('exact', 'algebraically the same update: round-off, for every gradient sequence'),
    ('docs/optimizers/momentum.md',
     'assert float(gap("Sutskever", slice(15, 30))) > 0.1'):
        ('counted', 'tests/test_statistics_init_opt.py::test_momentum_sutskever_gap_exceeds_01_for_3000_gradient_sequences'),
    ('docs/optimizers/momentum.md',
     'assert (ys[10:, momentum_run] < ys[10:, slow_run]).all()'):
        ('exact', 'deterministic: y = 4x^2 from x0 = 2, no draw'),
    ('docs/optimizers/momentum.md',
     'assert ys[10, momentum_run] < ys[10, fast_run]'):
        ('exact', 'deterministic: y = 4x^2 from x0 = 2, no draw'),
    ('docs/optimizers/momentum.md',
     'assert ys[-1, fast_run] < ys[-1, momentum_run] and never'):
        ('exact', 'deterministic: y = 4x^2 from x0 = 2, no draw'),
    ('docs/optimizers/momentum.md',
     'assert math.isclose(rho_momentum, math.sqrt(0.63), rel_tol=1e-12)'):
        ('exact', 'deterministic closed forms, no draw'),
    ('docs/optimizers/momentum.md',
     'assert rho_momentum > rho_fast'):
        ('exact', 'closed form (spectral radii)'),
    ('docs/optimizers/momentum.md',
     'assert eigenvalue.imag != 0'):
        ('exact', 'closed form'),
    ('docs/optimizers/momentum.md',
     'assert period < 30'):
        ('exact', 'closed form'),
    ('docs/optimizers/momentum.md',
     'assert math.isclose(early, late, rel_tol=0.02)'):
        ('exact', 'deterministic parabola run against its spectral radius, no draw'),
    ('docs/optimizers/momentum.md',
     'assert t == predicted'):
        ('exact', 'deterministic closed forms, no draw'),
    ('docs/optimizers/nesterov.md',
     'assert gap > 0.1 * start.abs().max()  # not round-off: scales with the start'):
        ('counted', 'tests/test_statistics_init_opt.py::test_nesterov_gap_to_sutskever_exceeds_a_tenth_of_the_start (gap > 1e-2 failed 4 of 3000 starts)'),
    ('docs/optimizers/nesterov.md',
     'assert math.isclose(radius[nesterov], formula, abs_tol=1e-6)'):
        ('exact', 'closed form'),
    ('docs/optimizers/nesterov.md',
     'assert radius[True] <= radius[False] or h > 2 * (1 + beta) / (1 + 2 * beta)'):
        ('exact', 'closed form'),
    ('docs/optimizers/nesterov.md',
     'assert abs(nesterov[2] @ steep_axis) < 1e-12 and swing > 1e-3'):
        ('exact', 'deterministic closed forms, no draw'),
    ('docs/optimizers/nesterov.md',
     'assert rate * (1 - 1e-9) <= fitted <= rate * bracket'):
        ('exact', 'deterministic quadratic'),
    ('docs/optimizers/nesterov.md',
     'assert tuned_hb < rate'):
        ('exact', 'closed form'),
    ('docs/optimizers/nesterov.md',
     'assert heavy[-1].norm() < 1e-3 and nest[-1].norm() > 1e6'):
        ('exact', 'deterministic: fixed valley, start (1, 1), no draw'),
    ('docs/optimizers/sgd.md',
     'assert (heavy.diff() > 0).sum() >= 3'):
        ('counted', 'tests/test_optimizers_seeds.py (3000 starts)'),
    ('docs/optimizers/sgd.md',
     'assert nesterov[2:].max() < heavy[2:].max()'):
        ('counted', 'tests/test_optimizers_seeds.py'),
    ('docs/optimizers/sgd.md',
     'assert distance["decayed"].mean() < distance["baseline"].mean()'):
        ('counted', 'tests/test_optimizers_seeds.py'),
    ('docs/optimizers/sgd.md',
     'assert default_lr == signature.parameters["lr"].default == 1e-3'):
        ('exact', 'signatures, defaults, refusals, slopes at fixed points'),
    ('docs/optimizers/sgd.md',
     'assert effect > 1e-3'):
        ('counted', 'tests/test_optimizers_seeds.py'),
    ('docs/optimizers/sgd.md',
     'assert_close(torch.stack(lookahead_points), nesterov_path,'):
        ('exact', 'the same update written two ways on a fixed start: round-off'),
    ('docs/optimizers/sgd.md',
     'assert gap > 1e-2'):
        ('counted', 'tests/test_optimizers_seeds.py'),
    ('docs/optimizers/sgd.md',
     'assert_close(paths[name], path, rtol=0, atol=0)'):
        ('exact', 'the same update written two ways on a fixed start: round-off'),
    ('docs/optimizers/sgd.md',
     'assert refused == 2'):
        ('exact', 'signatures, defaults, refusals, slopes at fixed points'),
    ('docs/optimizers/sgd.md',
     'return torch.allclose(*after, rtol=1e-12, atol=1e-14)'):
        ('exact', 'fixed start and gradient'),
    ('docs/optimizers/sgd.md',
     'assert decoupled == ["Adafactor", "AdamW", "Muon"]'):
        ('exact', 'signatures, defaults, refusals, slopes at fixed points'),
    ('docs/optimizers/sgd.md',
     'assert {"SGD", "Adam", "RMSprop", "Adagrad"} <= set(l2)'):
        ('exact', 'names'),
    ('docs/optimizers/sgd.md',
     'assert hand_slope == -0.1'):
        ('exact', 'signatures, defaults, refusals, slopes at fixed points'),
    ('docs/optimizers/sgd.md',
     'assert torch_slope == (-0.1 if momentum == 0 else 0.0)'):
        ('exact', 'signatures, defaults, refusals, slopes at fixed points'),
    ('docs/optimizers/stochastic.md',
     'assert abs(z) < 6'):
        ('margin', 'tests/test_optimizers_depth.py::test_noise_floor_check_never_fails_over_200_replicas'),
    ('docs/optimizers/stochastic.md',
     'assert math.isclose(exact[-1], floor, rel_tol=1e-3)  # stationary by step 400'):
        ('exact', 'exact recursion, no draw'),
    ('docs/optimizers/stochastic.md',
     'assert 0.9 < first_order_floor(problem, lr, batch) / floor < 1  # a few % low'):
        ('exact', 'closed forms, no draw'),
    ('docs/optimizers/stochastic.md',
     'assert math.isclose(small, trace_term, rel_tol=1e-3)'):
        ('exact', 'closed forms, no draw'),
    ('docs/optimizers/stochastic.md',
     'assert abs(z_score(final, exact_final)) < 6 and exact_final < floor / 3'):
        ('margin', 'tests/test_optimizers_depth.py::test_decay_and_averaging_checks_never_fail_over_200_replicas'),
    ('docs/optimizers/stochastic.md',
     'assert 2 * lr * 100 * lam_min > 1  # the O(1/t) condition, tau = 100'):
        ('exact', 'closed form'),
    ('docs/optimizers/stochastic.md',
     'torch.testing.assert_close(averages[-1], hand_mean, rtol=0, atol=1e-8)'):
        ('exact', "the same mean computed twice (ASGD's ax and the mean of the iterates): round-off"),
    ('docs/optimizers/stochastic.md',
     'assert abs(z) < 6 and exact_average < floor / 4'):
        ('margin', 'tests/test_optimizers_depth.py::test_decay_and_averaging_checks_never_fail_over_200_replicas'),
    ('docs/optimizers/stochastic.md',
     'assert abs(exact_average / pj - 1) < order'):
        ('exact', 'closed forms, no draw'),
    ('docs/optimizers/stochastic.md',
     'assert lagging[300] <= chains // 100  # at least 99 % are at the median'):
        ('derived', 'binomial tail bound on the page (math.comb); tests/test_optimizers_numbers.py::test_minibatch_rprop_check_holds_in_3000_replicas (counted)'),
    ('docs/optimizers/stochastic.md',
     'assert abs(full.item() - y.mean()) < 1e-4'):
        ('exact', 'full-batch Rprop on the fixed nine-to-one data from 0, no draw'),
    ('docs/optimizers/stochastic.md',
     'assert math.comb(chains, k) * p_max**k <= 1e-3'):
        ('exact', 'arithmetic, no draw'),
    ('docs/optimizers/stochastic.md',
     'assert defaults["t0"] == 1e6 and defaults["lambd"] == 1e-4'):
        ('exact', 'signatures, defaults, refusals, slopes at fixed points'),
    ('docs/optimizers/stochastic.md',
     'assert drift < 0 < drift_9_to_1'):
        ('exact', 'arithmetic, no draw'),
    ('docs/optimizers/stochastic.md',
     'assert at_median < 0.5 and at_mean < 0.1'):
        ('derived', 'tests/test_optimizers_numbers.py::test_exercise_rprop_fractions_hold_for_any_seed (Chernoff bound on per-chain probabilities from 200,000 chains)'),
    ('docs/optimizers/stochastic.md',
     'assert abs(runs["SGD"].mean() - 2.5) < 6 * runs["SGD"].std() / chains**0.5'):
        ('derived', 'Bernstein for the mean and a lower-tail bound for the sd of the linear SGD chains: tests/test_statistics_init_opt.py::test_stochastic_exercise_sgd_mean_z_bound_is_derived'),
    ('docs/optimizers/ten-optimizers.md',
     'assert set(hand_state) == set(torch_state)'):
        ('exact', 'state names'),
    ('docs/optimizers/ten-optimizers.md',
     'assert asgd_gap(False, False) < 1e-12 and asgd_gap(True, True) < 1e-12'):
        ('exact', 'the same path twice (same implementation): round-off'),
    ('docs/optimizers/ten-optimizers.md',
     'assert 1e-10 < asgd_gap(True, False) < 1e-6'):
        ('counted', 'tests/test_statistics_ten_optimizers.py::test_asgd_paths_part_for_every_seed'),
    ('docs/optimizers/ten-optimizers.md',
     'assert axis_kappas.min() < 1.01'):
        ('exact', 'no draw: eigenvalues over a fixed grid of ratios; r = 1/25 is on the grid (kappa 1.005)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert turned_kappas.min() >= 25 * (1 - 1e-9)'):
        ('exact', 'no draw: the bound kappa >= 25 is derived on the page; the grid only samples it'),
    ('docs/optimizers/ten-optimizers.md',
     'assert math.isclose(turned_kappas[300], 25)  # ratios[300] == 1'):
        ('exact', 'closed form at the turned angle, no draw'),
    ('docs/optimizers/ten-optimizers.md',
     'assert_close(sgd_axis.sort().values, sgd_turned.sort().values,'):
        ('exact', 'a rotation of the quadratic permutes the circle of starts: the same set of final losses, round-off'),
    ('docs/optimizers/ten-optimizers.md',
     'assert final[name, axis].median() < sgd_axis.median() / 1000'):
        ('exact', 'no draw: the page starts on a fixed, evenly spaced circle; for random starts tests/test_optimizers_rotation.py (counted, 3000 seeds of 200 starts)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert (final[name, axis] < sgd_axis).double().mean() > 0.9'):
        ('exact', 'no draw: fixed circle of starts; random starts: tests/test_optimizers_rotation.py (counted)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert final[name, turned].median() > 10 * sgd_turned.median()'):
        ('exact', 'no draw: fixed circle of starts; random starts: tests/test_optimizers_rotation.py (counted)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert (final[name, turned] < sgd_turned).double().mean() < 0.1'):
        ('exact', 'no draw: fixed circle of starts; random starts: tests/test_optimizers_rotation.py (counted)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert_close(adam_decay, adam_l2, rtol=1e-12, atol=1e-12)'):
        ('exact', 'fixed tensors, one step: L2 against decay, round-off'),
    ('docs/optimizers/ten-optimizers.md',
     'assert_close(adamw_decay, decoupled, rtol=0, atol=0)'):
        ('exact', 'fixed tensors, one step: L2 against decay, round-off'),
    ('docs/optimizers/ten-optimizers.md',
     'assert_close(sgd_decay, sgd_l2, rtol=1e-12, atol=1e-12)'):
        ('exact', 'fixed tensors, one step: L2 against decay, round-off'),
    ('docs/optimizers/ten-optimizers.md',
     'assert gap > 1e-2'):
        ('counted', 'tests/test_statistics_ten_optimizers.py::test_adamw_departs_from_l2_for_every_seed (3000 seeds of start, smallest gap 0.03)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert_close(shrinks["Adam"], one_lr, rtol=1e-4, atol=0)'):
        ('exact', 'fixed tensors, one step: L2 against decay, round-off'),
    ('docs/optimizers/ten-optimizers.md',
     'assert gap > 1e-4'):
        ('counted', 'tests/test_statistics_ten_optimizers.py::test_asgd_average_departs_from_the_weights_for_every_seed (3000 seeds, smallest gap 4e-3)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert moved == [True, True, True, False, False, False]'):
        ('counted', "which rows receive a gradient is fixed by the batches, and a row's gradient 2x is non-zero with probability 1: tests/test_statistics_ten_optimizers.py::test_sparse_adam_and_adam_part_on_row_2_for_every_seed"),
    ('docs/optimizers/ten-optimizers.md',
     'assert not torch.allclose(dense_final[2], sparse_final[2])'):
        ('counted', 'tests/test_statistics_ten_optimizers.py::test_sparse_adam_and_adam_part_on_row_2_for_every_seed (3000 seeds of the table)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert_close(sparse_final[2], first_step, rtol=0, atol=1e-3)'):
        ('derived', "SparseAdam's eps before the bias correction moves the step by lr eps / sqrt(1 - beta2) / |g|: fails only if some |x| < 1.6e-5, 3.8e-5 of draws (the former 1e-6 failed 4 % of seeds); counted too: tests/test_statistics_ten_optimizers.py::test_sparse_adam_and_adam_part_on_row_2_for_every_seed"),
    ('docs/optimizers/ten-optimizers.md',
     'assert distances[1] < 1e-4 and calls_so_far[1] > 20'):
        ('exact', 'no draw: LBFGS from the fixed start (-1.2, 1)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert quad["SGD"][1] == 100 and quad["SGD"][0] > 2.5'):
        ('exact', 'deterministic problems (snippets/optimizers/landscapes.py PROBLEMS: fixed starts)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert sgd_gap.abs().max() < 1e-3'):
        ('exact', 'no draw: run_all starts at the fixed (-4, 1.5)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert max(quad["Adagrad"][0], quad["RMSprop"][0]) < 1.1'):
        ('exact', 'no draw: run_all starts at the fixed (-4, 1.5)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert quad["Adagrad"][1] == 0'):
        ('exact', 'deterministic problems (snippets/optimizers/landscapes.py PROBLEMS: fixed starts)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert min(quad["Adam"][1], quad["Adamax"][1]) > 0'):
        ('exact', 'no draw: run_all starts at the fixed (-4, 1.5)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert min(quad["Adam"][2], quad["Adamax"][2]) > 1e-3 > max('):
        ('exact', 'no draw: run_all starts at the fixed (-4, 1.5)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert quad["Adadelta"][2] > 0.8 * quadratic_start.norm()'):
        ('exact', 'no draw: run_all starts at the fixed (-4, 1.5)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert 1e-3 < first_adadelta_step < 1e-2'):
        ('exact', 'no draw: fixed start; closed form sqrt(2 eps / (1 - rho)) = 4.5e-3 for |g_i| >> sqrt(eps)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert closest[0] == "LBFGS" and rosen["LBFGS"] < 1e-4'):
        ('exact', 'deterministic problems (snippets/optimizers/landscapes.py PROBLEMS: fixed starts)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert set(closest[1:3]) == {"Adam", "SparseAdam"}'):
        ('exact', 'deterministic problems (snippets/optimizers/landscapes.py PROBLEMS: fixed starts)'),
    ('docs/optimizers/ten-optimizers.md',
     'assert_close(tiny_eps["SparseAdam"], tiny_eps["Adam"], rtol=0, atol=1e-12)'):
        ('exact', 'deterministic problems: fixed starts, eps placement only'),
    ('docs/optimizers/ten-optimizers.md',
     'assert 0 < gap.max() < 1e-6'):
        ('exact', 'deterministic problems: fixed starts, eps placement only'),
    ('docs/optimizers/ten-optimizers.md',
     'assert torch.allclose(first_step, torch.ones(2, dtype=torch.float64))'):
        ('exact', 'no draw: the fixed start at 20 degrees; closed form lr sign(g) = 1 for both'),
    ('docs/optimizers/ten-optimizers.md',
     'assert across_floor(path[1]) < 0.1 * across_floor(start_45)'):
        ('exact', 'no draw: the fixed start at 20 degrees'),
    ('docs/optimizers/ten-optimizers.md',
     'assert 0.7 < ratio < 0.9'):
        ('exact', 'no draw: the fixed start at 20 degrees'),
    ('docs/optimizers/ten-optimizers.md',
     'same = torch.allclose(finals[0.0], finals[math.pi / 2], rtol=1e-6,'):
        ('exact', 'a rotation by 90 degrees permutes the fixed circle of starts: round-off'),
    ('docs/optimizers/ten-optimizers.md',
     'assert same'):
        ('exact', 'no draw: a 90-degree turn permutes the fixed circle of starts and swaps the coordinates'),
    ('docs/optimizers/ten-optimizers.md',
     'assert finals[math.pi / 2].max() < final["SGD", 0.0].median() / 1000'):
        ('exact', 'no draw: fixed circle of starts'),
}


def test_every_random_dependent_assert_is_in_the_audit():
    missing = [f"{page}:{line}: {text}"
               for page, line, text in random_dependent_asserts()
               if (page, text) not in AUDIT]
    assert not missing, (
        "asserts that depend on random draws and are not in the audit of "
        "tests/test_statistics_audit.py (add each, with its method: "
        "derived, counted, margin; see README, 'How to add a page'):\n"
        + "\n".join(missing))


def test_audit_uses_known_methods_and_names_a_justification():
    methods = {"derived", "counted", "margin", "exact"}  # none left open
    for key, (method, where) in AUDIT.items():
        assert method in methods, key
        assert where, key


def test_nn_init_depth_curve_bands_are_derived():
    """nn-init.md asserts, on one network per scheme (width 256, depth 100,
    batch 16), bands on the activation std at layer 100 (or its ratio to
    layer 1). Each band is derived from the mean-field recursion (the
    deterministic centre) and a bound on the network-to-network noise:

    - ReLU nets: log std wanders like a random walk, mean mu and variance
      v per layer (log_rms_step_moments, checked by Monte Carlo in
      tests/test_initialization_statistics.py; about -5/(4n) and 5/(4n)).
      Over 99 layers: centre 99 mu (the drift), sd sqrt(99 v) = 0.7.
    - tanh below the fixed point (nn.Linear default) behaves like a linear
      net, whose per-layer log-rms variance 1/(2n) is below ReLU's, so the
      ReLU sd and drift bound it.
    - tanh at its fixed point (the gain 5/3 schemes): the fluctuation is
      stationary, not a walk; 200 networks at this size measure 0.015 for
      log std at layer 100 (test_calculate_gain_network_checks_hold_over
      _200_networks); 0.05 is used here, over three times that.
    - saturated tanh (normal_(std=1)): every layer's input is near +-1
      whatever came before, so the chain is stationary from layer 2; the
      margin method on 200 networks of depth 5 measures its layer's std.

    Every bound must lie at least 3.5 of these sds beyond the centre after
    allowing the whole drift as a bias (a Gaussian tail below 2.3e-4 per
    side): the 'derived' method."""
    import numpy as np

    from snippets.initialization.drift import log_rms_step_moments
    from snippets.initialization.mean_field import predict_layers, tanh_slope

    width, depth = 256, 100
    step_mean, step_var = log_rms_step_moments(width)
    walk_sd, drift = math.sqrt((depth - 1) * step_var), abs((depth - 1) * step_mean)
    stationary_sd = 0.05

    def relu(v):
        return np.maximum(v, 0)

    def relu_slope(v):
        return (v > 0).astype(float)

    def tanh_output_std(weight_scale, layer):  # std of tanh(h_layer), 1-based
        pre = predict_layers(np.tanh, tanh_slope, weight_scale, layer + 1)
        return pre.pre_activation_std[layer] / math.sqrt(weight_scale)

    def relu_output_log_std(weight_scale, layer):
        pre = predict_layers(relu, relu_slope, weight_scale, layer)
        return (math.log(pre.pre_activation_std[layer - 1])
                + 0.5 * math.log(0.5 - 1 / (2 * math.pi)))

    def clears(centre, low, high, sd, bias):
        distances = [centre - low, high - centre]
        return min(distances) - bias >= 3.5 * sd

    gained_tanh = (5 / 3) ** 2  # n Var(W) of the three gain-5/3 schemes
    ratio = tanh_output_std(gained_tanh, depth) / tanh_output_std(gained_tanh, 1)
    assert clears(math.log(ratio), math.log(0.5), math.log(2), stationary_sd, 0)
    ratio_relu = relu_output_log_std(2.0, depth) - relu_output_log_std(2.0, 1)
    assert abs(ratio_relu) < 1e-9  # Kaiming: the recursion keeps the scale
    assert clears(ratio_relu, math.log(1e-2), math.log(1e2), walk_sd, drift)
    default = 1 / 3  # nn.Linear's n Var(W)
    # the recursion of a vanishing net reaches float underflow long before
    # layer 100: use its per-layer factor in the linear regime, sqrt(1/3)
    # for tanh and sqrt(1/6) for ReLU, from layer 1's exact std
    tanh_default = (math.log(tanh_output_std(default, 1))
                    + (depth - 1) * 0.5 * math.log(default))
    assert clears(tanh_default, -math.inf, math.log(1e-20), walk_sd, drift)
    relu_default = (relu_output_log_std(default, 1)
                    + (depth - 1) * 0.5 * math.log(default / 2))
    assert clears(relu_default, -math.inf, math.log(1e-30), walk_sd, drift)
    generator = torch.Generator().manual_seed(3)
    h = torch.randn(200, 16, width, generator=generator, dtype=torch.float64)
    for _ in range(5):
        w = torch.randn(200, width, width, generator=generator, dtype=torch.float64)
        h = torch.tanh(h @ w.transpose(1, 2))
    assert_rare_failure("nn-init: saturated tanh std", h.flatten(1).std(dim=1).log(),
                        low=math.log(0.9))
    relu_exploding = relu_output_log_std(float(width), 1) + (depth - 1) * 0.5 * math.log(width / 2)
    assert clears(relu_exploding, math.log(1e100), math.inf, walk_sd, drift)


def test_why_it_matters_growth_tolerance_is_derived():
    """why-it-matters.md asserts the measured growth per layer of a linear
    net (width n = 256, 100 layers, batch 16, std_w = 1) within 2 % of
    sqrt(n) std_w, forward and backward. The measured growth is
    (std_100 / std_1)^(1/99); the net is exactly the std_w = 1/sqrt(n) one
    scaled by 16 per layer, so the check is |log(s_100 / s_1)| < 99
    log(1.02) = 1.96 for the scaled net. Each layer multiplies the batch's
    squared Frobenius norm by sum_j w_j' M w_j / n-ish, whose relative
    variance is 2 sum(lambda_i^2) / n <= 2 / n (lambda: the normalised
    eigenvalues of h'h; the bound is the rank-one worst case), so each
    step's log-rms has variance <= 1/(2n) and mean >= -1/(2n) (second
    order). Over 99 steps: sd <= sqrt(99 / (2n)) = 0.44, bias >= -0.19; the
    bound is >= 3.5 sd away on both sides (a Gaussian tail, by the CLT
    over 99 independent layers, below 2.3e-4 per side). The gradient walks
    down through the transposed weights, the same law."""
    n, steps = 256, 99
    sd, bias = math.sqrt(steps / (2 * n)), steps / (2 * n)
    bound = steps * math.log(1.02)
    assert (bound - bias) / sd >= 3.5 and (bound + bias) / sd >= 3.5
    # the step bound against a direct draw: one batch of 16 through 400
    # independent layers, log-rms step variance below 1/(2n)
    generator = torch.Generator().manual_seed(11)
    h = torch.randn(400, 16, n, generator=generator, dtype=torch.float64)
    w = torch.randn(400, n, n, generator=generator, dtype=torch.float64) / math.sqrt(n)
    step = 0.5 * ((h @ w.transpose(1, 2)).square().sum(dim=(1, 2)).log()
                  - h.square().sum(dim=(1, 2)).log())
    assert step.var().item() < 1 / (2 * n)


def audit_table() -> list[str]:
    """The audit as the pages are now: a count per method, then page:line, method, assert."""
    rows = [(page, line, AUDIT.get((page, text), ("unlisted", ""))[0], text)
            for page, line, text in random_dependent_asserts()]
    counts = {method: sum(row[2] == method for row in rows)
              for method in ("derived", "counted", "margin", "exact", "unlisted")}
    summary = ", ".join(f"{count} {method}" for method, count in counts.items() if count)
    lines = [f"{len(rows)} asserts depend on random draws: {summary}."]
    for page, line, method, text in rows:
        lines.append(f"{page.removeprefix('docs/')}:{line:<6} {method:<8} {text}")
    return lines


if __name__ == "__main__":
    print("\n".join(audit_table()))
