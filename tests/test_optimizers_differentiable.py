"""Derivatives of one update, not only its value: with ``differentiable=True``
a torch optimizer's step is part of the autograd graph, so the Jacobian of
the new parameter with respect to the old parameter and the gradient can be
compared with the Jacobian of the hand rule (plain autograd through
snippets/optimizers/updates.py).

Finding (torch 2.13): for SGD with momentum, the first step stores
``grad.detach().clone()`` as the momentum buffer (torch/optim/sgd.py), so
the derivative of the first update with respect to the gradient is dropped:
torch's Jacobian is 0 where the mathematics (and the hand rule) give -lr.
Every other rule agrees.
"""

from __future__ import annotations

import pytest
import torch
from torch import optim
from torch.autograd.functional import jacobian

from snippets.optimizers import updates

CASES = [
    (updates.sgd, optim.SGD, {"lr": 0.1, "weight_decay": 0.1,
                              "maximize": True}),
    (updates.asgd, optim.ASGD, {"lr": 0.1, "lambd": 0.3, "t0": 1,
                                "weight_decay": 0.1}),
    (updates.adagrad, optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1,
                                      "initial_accumulator_value": 0.2}),
    (updates.rmsprop, optim.RMSprop, {"lr": 0.1, "centered": True,
                                      "momentum": 0.5, "weight_decay": 0.1}),
    (updates.adam, optim.Adam, {"lr": 0.1, "weight_decay": 0.1,
                                "amsgrad": True}),
    (updates.adamw, optim.AdamW, {"lr": 0.1, "amsgrad": True}),
    (updates.adamax, optim.Adamax, {"lr": 0.1, "weight_decay": 0.1}),
    (updates.adadelta, optim.Adadelta, {"lr": 0.5, "weight_decay": 0.1}),
    (updates.rprop, optim.Rprop, {"lr": 0.1}),
]


def _jacobians(rule, optimizer_class, options):
    generator = torch.Generator().manual_seed(0)
    param = torch.randn(3, generator=generator, dtype=torch.float64)
    grad = torch.randn(3, generator=generator, dtype=torch.float64)

    def by_torch(p, g):
        p = p.clone()
        optimizer = optimizer_class([p], differentiable=True, **options)
        p.grad = g
        optimizer.step()
        return p

    def by_hand(p, g):
        return rule(p, g, {}, **options)

    return jacobian(by_torch, (param, grad)), jacobian(by_hand, (param, grad))


@pytest.mark.parametrize(("rule", "optimizer_class", "options"), CASES,
                         ids=lambda v: getattr(v, "__name__", None))
def test_first_step_jacobians_agree(rule, optimizer_class, options):
    by_torch, by_hand = _jacobians(rule, optimizer_class, options)
    for torch_part, hand_part in zip(by_torch, by_hand):
        torch.testing.assert_close(torch_part, hand_part, rtol=1e-10,
                                   atol=1e-12)


def test_sgd_momentum_drops_the_first_gradient_derivative():
    options = {"lr": 0.1, "momentum": 0.9}
    (_, torch_d_grad), (_, hand_d_grad) = _jacobians(updates.sgd, optim.SGD,
                                                     options)
    identity = torch.eye(3, dtype=torch.float64)
    torch.testing.assert_close(hand_d_grad, -0.1 * identity)
    torch.testing.assert_close(torch_d_grad, torch.zeros_like(identity))
