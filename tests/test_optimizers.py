"""The hand-written update rules of snippets/optimizers/updates.py against torch.optim, beyond the
configurations the pages show: float32, matrices, maximize and weight decay for every rule."""

import pytest
import torch
from torch import optim

from snippets.optimizers import updates
from snippets.optimizers.landscapes import optimizer_path, rosenbrock
from snippets.optimizers.parabola import descend_parabola

RULES = [
    (updates.sgd, optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    (updates.sgd, optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
    (updates.asgd, optim.ASGD, {"lr": 0.05, "lambd": 0.3, "alpha": 0.6, "t0": 3, "weight_decay": 0.1, "maximize": True}),
    (updates.adagrad, optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1, "maximize": True}),
    (updates.rmsprop, optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "maximize": True}),
    (updates.rmsprop, optim.RMSprop, {"lr": 0.01, "momentum": 0.9, "centered": True}),
    (updates.adam, optim.Adam, {"lr": 0.01, "betas": (0.8, 0.99), "amsgrad": True, "maximize": True}),
    (updates.adamw, optim.AdamW, {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
    (updates.adamax, optim.Adamax, {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "maximize": True}),
    (updates.adadelta, optim.Adadelta, {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1, "maximize": True}),
    (updates.rprop, optim.Rprop, {"lr": 0.02, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}),
]


def wavy(p: torch.Tensor) -> torch.Tensor:
    """Bounded above and below in every direction that matters, so both descent and ascent stay finite."""
    return torch.cos(2 * p).sum() + 0.1 * (p * torch.roll(p, 1, dims=-1)).sum()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("rule", "optimizer_class", "options"), RULES, ids=lambda v: getattr(v, "__name__", None))
def test_hand_rule_matches_torch(rule, optimizer_class, options, dtype):
    torch.manual_seed(0)
    start = torch.randn(3, 4, dtype=dtype)
    by_hand, by_torch, hand_state, torch_state = updates.side_by_side(
        rule, optimizer_class, options, wavy, start, steps=30
    )
    tolerance = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-10, "atol": 1e-12}
    torch.testing.assert_close(by_hand, by_torch, **tolerance)
    assert set(hand_state) == set(torch_state)
    for key, value in torch_state.items():
        torch.testing.assert_close(torch.as_tensor(hand_state[key], dtype=value.dtype), value, **tolerance)


def test_descend_parabola_runs_are_independent_groups():
    together, _ = descend_parabola([0.01, 0.2], steps=5, momenta=[0.5, 0.0])
    alone, _ = descend_parabola([0.2], steps=5)
    torch.testing.assert_close(together[:, 1], alone[:, 0])


def test_optimizer_path_counts_one_evaluation_per_first_order_step():
    path, evaluations = optimizer_path(lambda params: optim.SGD(params, lr=1e-3), rosenbrock, (-1.2, 1.0), steps=7)
    assert path.shape == (8, 2) and evaluations == list(range(8))
