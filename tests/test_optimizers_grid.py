"""Option grids: every hand-written rule of snippets/optimizers/updates.py
against torch.optim, on every implementation path torch has on this CPU
(for-loop, ``foreach``, ``fused``), comparing the parameters and every state
tensor after every step.

The option sets are torch's own: the ``optim_inputs_func_*`` lists its
optimizer test suite runs (torch/testing/_internal/common_optimizers.py),
plus combinations that list leaves out (nesterov with maximize, centered
RMSprop with momentum and maximize, amsgrad with maximize, ...).
"""

from __future__ import annotations

import sys
import types
import unittest

import pytest
import torch
from torch import optim

from snippets.optimizers import updates


def _torch_test_inputs() -> dict[str, list[dict]]:
    """torch's own optimizer test configurations, on CPU.

    common_optimizers imports ``expecttest``, a test-only package that is
    not installed; it needs only its TestCase class at import time.
    """
    if "expecttest" not in sys.modules:
        stub = types.ModuleType("expecttest")
        stub.TestCase = unittest.TestCase
        sys.modules["expecttest"] = stub
    from torch.testing._internal import common_optimizers

    inputs = {}
    for name in ("sgd", "asgd", "adagrad", "rmsprop", "adam", "adamw",
                 "adamax", "adadelta", "rprop"):
        make = getattr(common_optimizers, f"optim_inputs_func_{name}")
        inputs[name] = [dict(i.kwargs) for i in make("cpu")]
    return inputs


TORCH_INPUTS = _torch_test_inputs()

EXTRA = {
    "sgd": [
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1,
         "maximize": True},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True},
    ],
    "asgd": [
        {"lr": 0.05, "lambd": 0.3, "alpha": 0.6, "t0": 3,
         "weight_decay": 0.1, "maximize": True},
    ],
    "adagrad": [
        {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.2,
         "eps": 1e-3, "maximize": True},
    ],
    "rmsprop": [
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-3, "momentum": 0.9,
         "centered": True, "maximize": True, "weight_decay": 0.1},
    ],
    "adam": [
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3, "amsgrad": True,
         "maximize": True},
        {"lr": 0.01, "weight_decay": 0.3, "decoupled_weight_decay": True},
    ],
    "adamw": [{"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3,
               "weight_decay": 0.5, "amsgrad": True,
               "maximize": True}],
    "adamax": [{"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3,
                "weight_decay": 0.1, "maximize": True}],
    "adadelta": [{"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.1,
                  "maximize": True}],
    "rprop": [{"lr": 0.02, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05),
               "maximize": True}],
}

CLASSES = {"sgd": optim.SGD, "asgd": optim.ASGD, "adagrad": optim.Adagrad,
           "rmsprop": optim.RMSprop, "adam": optim.Adam,
           "adamw": optim.AdamW, "adamax": optim.Adamax,
           "adadelta": optim.Adadelta, "rprop": optim.Rprop}
FUSED_ON_CPU = {"sgd", "adam", "adamw", "adagrad"}


def _implementations(name: str) -> list[dict]:
    paths = [{"foreach": False}, {"foreach": True}]
    return paths + ([{"fused": True}] if name in FUSED_ON_CPU else [])


CASES = [
    pytest.param(name, options, path,
                 id=f"{name}-{index}-{'-'.join(path)}")
    for name in CLASSES
    for index, options in enumerate(TORCH_INPUTS[name] + EXTRA[name])
    for path in _implementations(name)
]


def wavy(params: list[torch.Tensor]) -> torch.Tensor:
    """Bounded above and below where it matters, so ascent stays finite."""
    return sum(torch.cos(2 * p).sum()
               + 0.1 * (p * torch.roll(p, 1, dims=-1)).sum() for p in params)


def _hand_options(name: str, options: dict, path: dict) -> dict:
    hand = {key: (value.item() if torch.is_tensor(value) else value)
            for key, value in options.items()}
    if name == "asgd":
        hand["foreach"] = path.get("foreach", False)
    return hand


def _run(name: str, options: dict, path: dict, dtype: torch.dtype,
         steps: int = 12, hand_path: dict | None = None):
    """Yield (step, hand params, torch params, hand states, torch states)
    after every step, for two parameters stepped by one optimizer. The hand
    rule models ``hand_path`` (default: the same path as torch)."""
    generator = torch.Generator().manual_seed(0)
    starts = [torch.randn(3, 4, generator=generator, dtype=dtype),
              torch.randn(5, generator=generator, dtype=dtype)]
    rule = getattr(updates, name)
    hand_options = _hand_options(name, options, hand_path or path)
    hand = [s.clone() for s in starts]
    hand_states: list[dict] = [{} for _ in starts]
    params = [s.clone().requires_grad_() for s in starts]
    optimizer = CLASSES[name](params, **options, **path)
    for step in range(1, steps + 1):
        points = [p.clone().requires_grad_() for p in hand]
        wavy(points).backward()
        hand = [rule(p, q.grad, s, **hand_options)
                for p, q, s in zip(hand, points, hand_states)]
        optimizer.zero_grad()
        wavy(params).backward()
        optimizer.step()
        yield step, hand, params, hand_states, [optimizer.state[p]
                                                for p in params]


@pytest.mark.parametrize(("name", "options", "path"), CASES)
def test_hand_rule_matches_every_torch_path(name, options, path):
    tolerance = {"rtol": 1e-9, "atol": 1e-11}
    for step, hand, params, hand_states, torch_states in _run(
            name, options, path, torch.float64):
        for by_hand, by_torch in zip(hand, params):
            torch.testing.assert_close(by_hand, by_torch.detach(), **tolerance,
                                       msg=lambda m: f"step {step}: {m}")
        for hand_state, torch_state in zip(hand_states, torch_states):
            present = {k for k, v in torch_state.items() if v is not None}
            assert set(hand_state) == present, (step, hand_state.keys())
            for key in present:
                value = torch_state[key]
                torch.testing.assert_close(
                    torch.as_tensor(hand_state[key], dtype=value.dtype),
                    value, **tolerance, msg=lambda m: f"{key} {step}: {m}")


@pytest.mark.parametrize("name", list(CLASSES))
def test_float32_for_loop_path(name):
    """float32 too, with a tolerance for float32 rounding."""
    options = EXTRA[name][0]
    for _, hand, params, _, _ in _run(name, options, {"foreach": False},
                                      torch.float32):
        for by_hand, by_torch in zip(hand, params):
            torch.testing.assert_close(by_hand, by_torch.detach(),
                                       rtol=1e-4, atol=1e-5)


def _asgd_gap(torch_foreach: bool, hand_foreach: bool) -> float:
    """Largest gap between hand and torch weights over 30 ASGD steps."""
    gap = 0.0
    for _, hand, params, _, _ in _run(
            "asgd", EXTRA["asgd"][0], {"foreach": torch_foreach},
            torch.float64, steps=30, hand_path={"foreach": hand_foreach}):
        for by_hand, by_torch in zip(hand, params):
            gap = max(gap, (by_hand - by_torch.detach()).abs().max().item())
    return gap


def test_torch_asgd_paths_differ_and_the_hand_rule_follows_each():
    """torch's foreach ASGD computes eta in float32 arithmetic, its for-loop
    in float64; in float64 weights the two paths part by far more than
    round-off (yet far less than a step). The hand rule modelling one path
    misses the other by as much, and follows its own to round-off."""
    assert _asgd_gap(torch_foreach=True, hand_foreach=True) < 1e-12
    assert _asgd_gap(torch_foreach=False, hand_foreach=False) < 1e-12
    assert 1e-10 < _asgd_gap(torch_foreach=True, hand_foreach=False) < 1e-6
    assert 1e-10 < _asgd_gap(torch_foreach=False, hand_foreach=True) < 1e-6


@pytest.mark.parametrize("switch", ["foreach", "fused", "capturable",
                                    "differentiable"])
def test_hand_rules_refuse_implementation_switches(switch):
    """A hand rule never silently ignores an option it does not model."""
    rules = [updates.sgd, updates.adagrad, updates.rmsprop, updates.adam,
             updates.adamax, updates.adadelta, updates.rprop]
    if switch != "foreach":
        rules.append(updates.asgd)
    for rule in rules:
        with pytest.raises(TypeError, match=switch):
            rule(torch.zeros(2), torch.ones(2), {}, **{switch: True})


def test_grid_covers_every_option_torch_accepts():
    """Each mathematical option of each torch class appears, set away from
    its default, in at least one case of the grid."""
    import inspect

    implementation = {"foreach", "fused", "capturable", "differentiable"}
    for name, cls in CLASSES.items():
        signature = inspect.signature(cls)
        options = set(signature.parameters) - {"params"} - implementation
        varied = {key for case in TORCH_INPUTS[name] + EXTRA[name]
                  for key, value in case.items()
                  if not (isinstance(value, (int, float, bool, tuple))
                          and value == signature.parameters[key].default)}
        assert options - varied == set(), (name, options - varied)
