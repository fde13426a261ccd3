"""Optimizer update rules written out by hand from the published formulas,
independent of torch.optim.

Each rule takes a parameter, its gradient and a ``state`` dict, and returns
the updated parameter without touching its input. It fills ``state`` under
the same keys as the matching ``torch.optim`` class, so a page can compare
state as well as parameters. Hyperparameters are keyword arguments with
torch's names and defaults, so one dict configures both. Implementation
switches (``foreach``, ``fused``, ``capturable``, ``differentiable``) are not
mathematics: the rules do not take them (a TypeError names the keyword),
except ``asgd``, whose two torch paths round differently.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


def sgd(param: Tensor, grad: Tensor, state: dict, *, lr: float = 1e-3,
        momentum: float = 0.0, dampening: float = 0.0,
        weight_decay: float = 0.0, nesterov: bool = False,
        maximize: bool = False) -> Tensor:
    """SGD, PyTorch's momentum form: v <- mu v + (1 - dampening) g,
    p <- p - lr v."""
    g = -grad if maximize else grad
    # The L2 term is added after the sign flip: maximize still pulls the
    # weights towards zero.
    g = g + weight_decay * param
    if momentum != 0:
        if "momentum_buffer" not in state:
            velocity = g  # the first step takes the gradient itself, undamped
        else:
            velocity = (momentum * state["momentum_buffer"]
                        + (1 - dampening) * g)
        state["momentum_buffer"] = velocity
        g = g + momentum * velocity if nesterov else velocity
    return param - lr * g


def asgd(param: Tensor, grad: Tensor, state: dict, *, lr: float = 1e-2,
         lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
         weight_decay: float = 0.0, maximize: bool = False,
         foreach: bool = False) -> Tensor:
    """ASGD: SGD whose rate decays and which also shrinks p by
    (1 - lambd * eta); from step t0 on, ``ax`` is the running
    (Polyak-Ruppert) average of the iterates. The weights never use ``ax``.

    ``foreach`` reproduces torch's multi-tensor path, which rounds
    differently: it computes the next eta in float32 arithmetic (its step
    counter is a float32 tensor), while the for-loop path computes it in
    float64 and then stores it as float32.
    """
    g = -grad if maximize else grad
    g = g + weight_decay * param
    step = state.get("step", 0) + 1
    # Both were set by the previous step. torch stores them as float32
    # scalars whatever the parameter's dtype, so the hand rule rounds them
    # the same way.
    eta, mu = state.get("eta", _float32(lr)), state.get("mu", 1.0)
    if foreach:
        # torch's foreach path: p - eta (g + lambd p), and always averages.
        param = param - eta * (g + lambd * param)
        ax = state.get("ax", torch.zeros_like(param))
        ax = ax + mu * (param - ax)
        step_32 = torch.tensor(float(step), dtype=torch.float32)
        next_eta = (lr / (1 + lambd * lr * step_32) ** alpha).item()
    else:
        param = param * (1 - lambd * eta) - eta * g
        if mu == 1:
            ax = param.clone()
        else:
            ax = state["ax"] + mu * (param - state["ax"])
        next_eta = _float32(lr / (1 + lambd * lr * step) ** alpha)
    state.update(step=step, ax=ax, eta=next_eta,
                 mu=_float32(1 / max(1, step - t0)))
    return param


def _float32(value: float) -> float:
    return torch.tensor(value, dtype=torch.float32).item()


def adagrad(param: Tensor, grad: Tensor, state: dict, *, lr: float = 1e-2,
            lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10,
            maximize: bool = False) -> Tensor:
    """Adagrad: divide by the root of the sum of all past squared
    gradients."""
    g = -grad if maximize else grad
    g = g + weight_decay * param
    step = state.get("step", 0) + 1
    initial = torch.full_like(param, initial_accumulator_value)
    squares = state.get("sum", initial) + g * g
    state.update(step=step, sum=squares)
    decayed_lr = lr / (1 + (step - 1) * lr_decay)
    return param - decayed_lr * g / (squares.sqrt() + eps)


def rmsprop(param: Tensor, grad: Tensor, state: dict, *, lr: float = 1e-2,
            alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False,
            maximize: bool = False) -> Tensor:
    """RMSprop: divide by the root of an exponential average of squared
    gradients."""
    g = -grad if maximize else grad
    g = g + weight_decay * param
    zeros = torch.zeros_like(param)
    square_avg = (alpha * state.get("square_avg", zeros)
                  + (1 - alpha) * g * g)
    state.update(step=state.get("step", 0) + 1, square_avg=square_avg)
    if centered:
        grad_avg = alpha * state.get("grad_avg", zeros) + (1 - alpha) * g
        state["grad_avg"] = grad_avg
        # the root of the variance, not of the second moment
        denominator = (square_avg - grad_avg * grad_avg).sqrt() + eps
    else:
        # eps outside the root, unlike TensorFlow's RMSprop
        denominator = square_avg.sqrt() + eps
    if momentum > 0:
        velocity = (momentum * state.get("momentum_buffer", zeros)
                    + g / denominator)
        state["momentum_buffer"] = velocity
        return param - lr * velocity
    return param - lr * g / denominator


def adam(param: Tensor, grad: Tensor, state: dict, *, lr: float = 1e-3,
         betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False,
         maximize: bool = False,
         decoupled_weight_decay: bool = False) -> Tensor:
    """Adam (Kingma & Ba); with ``decoupled_weight_decay=True`` it is AdamW
    (Loshchilov & Hutter), as in torch.

    Adam's weight decay is an L2 term added to the gradient, so it is
    rescaled by the adaptive denominator; AdamW shrinks the weights
    directly, before and apart from the adaptive step.
    """
    beta1, beta2 = betas
    g = -grad if maximize else grad
    if decoupled_weight_decay:
        param = param * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * param
    step = state.get("step", 0) + 1
    zeros = torch.zeros_like(param)
    exp_avg = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    exp_avg_sq = (beta2 * state.get("exp_avg_sq", zeros)
                  + (1 - beta2) * g * g)
    state.update(step=step, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    if amsgrad:
        previous_max = state.get("max_exp_avg_sq", exp_avg_sq)
        exp_avg_sq = torch.maximum(previous_max, exp_avg_sq)
        state["max_exp_avg_sq"] = exp_avg_sq
    # Bias correction undoes the pull towards the zero start of both
    # averages.
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = exp_avg_sq / (1 - beta2**step)
    return param - lr * m_hat / (v_hat.sqrt() + eps)


def adamw(param: Tensor, grad: Tensor, state: dict, *,
          weight_decay: float = 1e-2, **options) -> Tensor:
    """AdamW: Adam with decoupled weight decay, and torch's default decay
    of 0.01."""
    return adam(param, grad, state, weight_decay=weight_decay,
                decoupled_weight_decay=True, **options)


def adamax(param: Tensor, grad: Tensor, state: dict, *, lr: float = 2e-3,
           betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
           weight_decay: float = 0.0, maximize: bool = False) -> Tensor:
    """Adamax: Adam with the second moment replaced by a decaying maximum
    of |g| (the infinity norm)."""
    beta1, beta2 = betas
    g = -grad if maximize else grad
    g = g + weight_decay * param
    step = state.get("step", 0) + 1
    zeros = torch.zeros_like(param)
    exp_avg = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    exp_inf = torch.maximum(beta2 * state.get("exp_inf", zeros),
                            g.abs() + eps)
    state.update(step=step, exp_avg=exp_avg, exp_inf=exp_inf)
    return param - lr / (1 - beta1**step) * exp_avg / exp_inf


def adadelta(param: Tensor, grad: Tensor, state: dict, *, lr: float = 1.0,
             rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
             maximize: bool = False) -> Tensor:
    """Adadelta: the step is RMS(past steps) / RMS(gradients) * g, so its
    units match the parameter's."""
    g = -grad if maximize else grad
    g = g + weight_decay * param
    zeros = torch.zeros_like(param)
    square_avg = rho * state.get("square_avg", zeros) + (1 - rho) * g * g
    acc_delta = state.get("acc_delta", zeros)
    delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() * g
    acc_delta = rho * acc_delta + (1 - rho) * delta * delta
    state.update(step=state.get("step", 0) + 1, square_avg=square_avg,
                 acc_delta=acc_delta)
    return param - lr * delta


def rprop(param: Tensor, grad: Tensor, state: dict, *, lr: float = 1e-2,
          etas: tuple[float, float] = (0.5, 1.2),
          step_sizes: tuple[float, float] = (1e-6, 50.0),
          maximize: bool = False) -> Tensor:
    """Rprop: use only the sign of g; grow each weight's step while the
    sign holds, shrink it on a flip."""
    eta_minus, eta_plus = etas
    g = -grad if maximize else grad
    previous = state.get("prev", torch.zeros_like(param))
    step_size = state.get("step_size", torch.full_like(param, lr))
    agreement = torch.sign(g * previous)
    # Built from `agreement` so the factors keep the parameter's dtype
    # (bare floats would give float32).
    factor = (torch.ones_like(agreement)
              .masked_fill(agreement > 0, eta_plus)
              .masked_fill(agreement < 0, eta_minus))
    step_size = (step_size * factor).clamp(*step_sizes)
    # after a sign flip, wait one step
    g = torch.where(agreement < 0, torch.zeros_like(g), g)
    state.update(step=state.get("step", 0) + 1, prev=g, step_size=step_size)
    return param - torch.sign(g) * step_size


UpdateRule = Callable[..., Tensor]


def side_by_side(rule: UpdateRule,
                 optimizer_class: type[torch.optim.Optimizer], options: dict,
                 loss_fn: Callable[[Tensor], Tensor], start: Tensor,
                 steps: int = 5):
    """Take ``steps`` steps on ``loss_fn`` from ``start`` by hand and with
    torch.

    Each side takes its gradient at its own current point, so a difference
    in any step would grow in the later ones. Returns both paths (one row
    per step) and both final states.
    """
    by_hand, hand_state = start.clone(), {}
    by_torch = start.clone().requires_grad_()
    optimizer = optimizer_class([by_torch], **options)
    hand_path, torch_path = [], []
    for _ in range(steps):
        point = by_hand.clone().requires_grad_()
        loss_fn(point).backward()
        by_hand = rule(by_hand, point.grad, hand_state, **options)
        optimizer.zero_grad()
        loss_fn(by_torch).backward()
        optimizer.step()
        hand_path.append(by_hand)
        torch_path.append(by_torch.detach().clone())
    return (torch.stack(hand_path), torch.stack(torch_path), hand_state,
            optimizer.state[by_torch])
