"""The chapter's shared code checked against independent computations, so the pages can trust it."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from snippets.initialization.deep_net import deep_mlp, layer_outputs, single_threaded, trace_layers
from snippets.initialization import self_check
from snippets.initialization.mean_field import predict_layers
from snippets.initialization.variance import (
    assert_variance, gaussian_expectation, kaiming_std, uniform_bound, variance_standard_error, xavier_std,
)


def test_trace_matches_a_hand_written_forward_and_backward():
    torch.manual_seed(0)
    net = deep_mlp(width=8, depth=3, activation=nn.Tanh, dtype=torch.float64)
    x = torch.randn(5, 8, dtype=torch.float64)
    upstream = torch.randn(5, 8, dtype=torch.float64)
    trace = trace_layers(net, x, upstream)

    inputs, pre_activations = [x.clone().requires_grad_(True)], []
    for linear in net[::2]:
        inputs[-1].retain_grad()
        pre_activations.append(linear(inputs[-1]))
        inputs.append(torch.tanh(pre_activations[-1]))
    weights = [linear.weight for linear in net[::2]]
    for weight in weights:
        weight.grad = None
    inputs[-1].backward(upstream)

    assert trace.pre_activation_std == pytest.approx([h.std().item() for h in pre_activations])
    assert trace.output_std == pytest.approx([a.std().item() for a in inputs[1:]])
    assert trace.input_grad_std == pytest.approx([a.grad.std().item() for a in inputs[:-1]])
    assert trace.weight_grad_std == pytest.approx([w.grad.std().item() for w in weights])


def test_layer_outputs_are_the_activations_after_each_layer():
    torch.manual_seed(0)
    net = deep_mlp(width=6, depth=4, activation=nn.ReLU)
    x = torch.randn(3, 6)
    expected, h = [], x
    for linear in net[::2]:
        h = torch.relu(linear(h))
        expected.append(h)
    for got, want in zip(layer_outputs(net, x), expected, strict=True):
        torch.testing.assert_close(got, want.detach())


def test_single_threaded_restores_the_thread_count():
    before = torch.get_num_threads()
    with single_threaded():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_gaussian_expectation_is_exact_on_moments():
    assert gaussian_expectation(lambda h: h**2, 3.0) == pytest.approx(9.0, rel=1e-10)
    assert gaussian_expectation(lambda h: h**4, 2.0) == pytest.approx(3 * 16.0, rel=1e-10)
    # E|h| = std * sqrt(2/pi): a kink, where the trapezoid rule is only first-order accurate
    assert gaussian_expectation(np.abs, 1.0) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-6)


def test_relu_recursion_is_flat_for_kaiming_and_halves_for_xavier():
    relu = lambda h: np.maximum(h, 0)  # noqa: E731
    step = lambda h: (h > 0).astype(float)  # noqa: E731
    kaiming = predict_layers(relu, step, weight_scale=2.0, depth=10)
    xavier = predict_layers(relu, step, weight_scale=1.0, depth=10)
    assert kaiming.pre_activation_std[-1] == pytest.approx(kaiming.pre_activation_std[1], rel=1e-6)
    assert xavier.pre_activation_std[-1] / xavier.pre_activation_std[1] == pytest.approx(2 ** -4, rel=1e-6)


def test_formulas_match_nn_init_on_a_large_sample():
    torch.manual_seed(0)
    assert_variance(nn.init.xavier_normal_(torch.empty(300, 700)), xavier_std(700, 300) ** 2)
    assert_variance(nn.init.kaiming_normal_(torch.empty(300, 700), a=0.3), kaiming_std(700, 0.3) ** 2)
    assert nn.init.xavier_uniform_(torch.empty(300, 700)).abs().max() <= uniform_bound(xavier_std(700, 300))


def test_assert_variance_rejects_a_wrong_formula():
    torch.manual_seed(0)
    weight = nn.init.xavier_normal_(torch.empty(300, 700))
    with pytest.raises(AssertionError):
        assert_variance(weight, 1 / 700)  # 1/fan_in instead of 2/(fan_in + fan_out)


def test_variance_standard_error_matches_the_closed_forms():
    # Normal: mu4 = 3 sigma^4, so SE = sigma^2 sqrt(2 / N); uniform on (-a, a): mu4 = a^4 / 5, sigma^4 = a^4 / 9.
    torch.manual_seed(0)
    n = 200_000
    normal = 3.0 * torch.randn(n, dtype=torch.float64)
    uniform = torch.empty(n, dtype=torch.float64).uniform_(-2.0, 2.0)
    assert variance_standard_error(normal) == pytest.approx(9.0 * math.sqrt(2 / n), rel=0.03)
    assert variance_standard_error(uniform) == pytest.approx(4.0 * math.sqrt((1 / 5 - 1 / 9) / n), rel=0.03)


def test_self_check_covers_every_exercise_and_rejects_near_misses():
    page = (Path(__file__).resolve().parents[1] / "docs/initialization/exercises.md").read_text(encoding="utf-8")
    assert set(re.findall(r"\(name: `([^`]+)`\)", page)) == set(self_check.EXERCISES)

    # The bound of U(-a, a) whose variance is 1/fan_in (LeCun's), not nn.Linear's 1/sqrt(fan_in).
    assert not self_check.check("linear-default-bound", math.sqrt(3 / 300))
    torch.manual_seed(0)
    overflow_layer = self_check._first_overflow_layer()
    assert math.isfinite(overflow_layer)
    assert self_check.check("first-overflow-layer", overflow_layer)
    assert not self_check.check("first-overflow-layer", overflow_layer + 2)
