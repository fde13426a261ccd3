"""Self-check for the exercises: `check(name, answer)` measures the true
value with torch and says whether your answer is right, without printing
the value itself (no spoilers)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from snippets.initialization.deep_net import deep_mlp, single_threaded


def _kaiming_fan_out_conv_std() -> float:
    weight = nn.init.kaiming_normal_(
        torch.empty(128, 64, 3, 3), mode="fan_out", nonlinearity="relu"
    )
    return weight.std().item()


def _linear_default_bound() -> float:
    # The largest of 10 x 30,000 uniform draws lies within 1e-5 of the
    # bound (relative).
    return max(nn.Linear(300, 100).weight.abs().max().item() for _ in range(10))


def _tanh_fixed_point_std(gain: float) -> float:
    net = deep_mlp(
        256, 60, nn.Tanh, lambda w: nn.init.xavier_normal_(w, gain=gain)
    )
    pre_activations = []
    handles = [
        m.register_forward_hook(
            lambda m, a, out: pre_activations.append(out.std().item())
        )
        for m in net
        if isinstance(m, nn.Linear)
    ]
    with torch.no_grad(), single_threaded():
        net(torch.randn(64, 256))
    for handle in handles:
        handle.remove()
    # the last 20 layers sit at the fixed point
    return sum(pre_activations[-20:]) / 20


def _first_overflow_layer() -> float:
    net = deep_mlp(1024, 100, init=lambda w: nn.init.normal_(w, std=0.1))
    h = torch.randn(16, 1024)
    with torch.no_grad(), single_threaded():
        for layer_number, linear in enumerate(net, start=1):
            h = linear(h)
            if h.isinf().any():
                return layer_number
    return math.inf


Judge = Callable[[float], tuple[bool, str]]


def _relative(measure: Callable[[], float], tolerance: float) -> Judge:
    def judge(answer: float) -> tuple[bool, str]:
        error = abs(answer / measure() - 1)
        return error <= tolerance, f"off by {error:.1%} (tol. {tolerance:.0%})"

    return judge


def _fixed_point(answer: float) -> tuple[bool, str]:
    settled = _tanh_fixed_point_std(answer)
    message = f"with this gain the std settles at {settled:.3f}, not 2"
    return abs(settled / 2 - 1) <= 0.05, message


def _overflow(answer: float) -> tuple[bool, str]:
    error = abs(answer - _first_overflow_layer())
    return error <= 1, f"off by {error:g} layers (tolerance 1)"


# name -> how to judge an answer: returns (correct, message)
EXERCISES: dict[str, Judge] = {
    "conv-fan-out-std": _relative(_kaiming_fan_out_conv_std, 0.03),
    "linear-default-bound": _relative(_linear_default_bound, 0.01),
    "tanh-gain-for-std-2": _fixed_point,
    "first-overflow-layer": _overflow,
}


def verdict(name: str, answer: float, seed: int = 0) -> tuple[bool, str]:
    """Whether `answer` is right for exercise `name`, and a line saying so."""
    torch.manual_seed(seed)
    correct, detail = EXERCISES[name](answer)
    outcome = "correct" if correct else "not yet, " + detail
    return correct, f"{name}: {outcome}"


def is_correct(name: str, answer: float, seed: int = 0) -> bool:
    """The verdict alone, silent: for the worked solutions' assertions."""
    return verdict(name, answer, seed)[0]


def check(name: str, answer: float, seed: int = 0) -> bool:
    """Print whether `answer` is right for exercise `name` and return it."""
    correct, message = verdict(name, answer, seed)
    print(message)
    return correct
