"""Adam with AMSGrad, NAdam and RAdam written from their formulas, and a harness
that runs a rule beside its torch.optim class and records the parameters and
every state tensor at every step.

Used by docs/optimizers/adam-family.md and tests/test_optimizers_depth.py. Each
rule is a pure function ``rule(param, grad, state, options) -> (new_param,
new_state)`` with the state keys torch uses, so the two can be compared entry by
entry. The rules cover the options the page discusses; an option they do not
cover raises NotImplementedError rather than returning a different number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch

# Options that choose torch's implementation path, not the arithmetic; the rules
# ignore them. (The rules are plain differentiable torch code, so
# differentiable=True is covered too; tests/test_optimizers_depth.py compares
# their autograd gradients with torch's.)
PATH_OPTIONS = {"foreach", "differentiable"}


def _check(options: dict, supported: set[str], name: str) -> None:
    for key, value in options.items():
        if key in PATH_OPTIONS or key in supported:
            continue
        if key in {"fused", "capturable"} and not value:
            continue
        raise NotImplementedError(
            f"the hand-written {name} does not cover the option {key}={value!r}"
        )


def _moments(grad, state, beta1, beta2):
    """m_t = β1·m + (1 − β1)·g and v_t = β2·v + (1 − β2)·g², from zeros."""
    if (
        grad.is_complex()
    ):  # torch treats a complex weight as a pair of reals; g·g would be wrong
        raise NotImplementedError(
            "the hand-written rules do not cover complex parameters"
        )
    m = (
        beta1 * state.get("exp_avg", torch.zeros_like(grad))
        + (1 - beta1) * grad
    )
    v = (
        beta2 * state.get("exp_avg_sq", torch.zeros_like(grad))
        + (1 - beta2) * grad * grad
    )
    return m, v


def adam(param: torch.Tensor, grad: torch.Tensor, state: dict, options: dict):
    """Kingma & Ba (2015), Algorithm 1, with torch's L2 weight decay and AMSGrad
    option.

    AMSGrad as torch implements it: the running maximum of the raw v_t, divided
    by the current bias correction 1 − β2ᵗ (Reddi et al. keep max(v) and use no
    bias correction).
    """
    _check(
        options,
        {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"},
        "Adam",
    )
    lr, (beta1, beta2) = (
        options.get("lr", 1e-3),
        options.get("betas", (0.9, 0.999)),
    )
    eps, decay = options.get("eps", 1e-8), options.get("weight_decay", 0.0)
    grad = -grad if options.get("maximize", False) else grad
    grad = (
        grad + decay * param
    )  # L2: part of the gradient, so it is divided by √v̂ too
    t = state.get("step", 0) + 1
    m, v = _moments(grad, state, beta1, beta2)
    new_state = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    if options.get("amsgrad", False):
        v = torch.maximum(state.get("max_exp_avg_sq", torch.zeros_like(v)), v)
        new_state["max_exp_avg_sq"] = v
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / (v_hat.sqrt() + eps), new_state


def nadam_mu(t: int, beta1: float, momentum_decay: float) -> float:
    """NAdam's momentum schedule μ_t = β1·(1 − ½·0.96^(t·ψ)), ψ = momentum_decay
    (Dozat 2016)."""
    return beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))


def nadam(param: torch.Tensor, grad: torch.Tensor, state: dict, options: dict):
    """Dozat (2016) as torch documents it: Nesterov's look-ahead applied to
    Adam's m̂.

    m̂_t = μ_{t+1}·m_t / (1 − Π_{i≤t+1} μ_i) + (1 − μ_t)·g_t / (1 − Π_{i≤t}
    μ_i).
    """
    supported = {
        "lr",
        "betas",
        "eps",
        "weight_decay",
        "momentum_decay",
        "decoupled_weight_decay",
        "maximize",
    }
    _check(options, supported, "NAdam")
    lr, (beta1, beta2) = (
        options.get("lr", 2e-3),
        options.get("betas", (0.9, 0.999)),
    )
    eps, decay = options.get("eps", 1e-8), options.get("weight_decay", 0.0)
    psi = options.get("momentum_decay", 4e-3)
    grad = -grad if options.get("maximize", False) else grad
    if options.get("decoupled_weight_decay", False):
        param = param * (
            1 - lr * decay
        )  # AdamW-style: shrink the weights, outside the division
    else:
        grad = grad + decay * param
    t = state.get("step", 0) + 1
    mu, mu_next = nadam_mu(t, beta1, psi), nadam_mu(t + 1, beta1, psi)
    # torch keeps Π μ_i as a 0-d tensor of the default dtype (float32 unless
    # changed), even for float64 parameters; the product is rounded to that
    # dtype after every step, so we do the same
    mu_product = (
        state.get(
            "mu_product", torch.tensor(1.0, dtype=torch.get_default_dtype())
        )
        * mu
    )
    m, v = _moments(grad, state, beta1, beta2)
    product = mu_product.item()
    m_hat = mu_next * m / (1 - product * mu_next) + (1 - mu) * grad / (
        1 - product
    )
    v_hat = v / (1 - beta2**t)
    new_state = {
        "step": t,
        "mu_product": mu_product,
        "exp_avg": m,
        "exp_avg_sq": v,
    }
    return param - lr * m_hat / (v_hat.sqrt() + eps), new_state


def radam_rho(t: int, beta2: float) -> tuple[float, float]:
    """(ρ_t, ρ_∞): the approximate length of the simple moving average that v_t
    stands for."""
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * beta2**t / (1 - beta2**t), rho_inf


def radam_rectifier(t: int, beta2: float) -> float | None:
    """r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)), or None while
    ρ_t ≤ 5 (torch's cut-off)."""
    rho_t, rho_inf = radam_rho(t, beta2)
    if rho_t <= 5:
        return None
    return math.sqrt(
        (rho_t - 4)
        * (rho_t - 2)
        * rho_inf
        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
    )


def radam(param: torch.Tensor, grad: torch.Tensor, state: dict, options: dict):
    """Liu et al. (2020), Algorithm 2: SGD with momentum m̂ while ρ_t ≤ 5, then
    Adam times r_t.

    The adaptive factor is l_t = √(1 − β2ᵗ)/(√v_t + ε): ε is added before the
    bias correction, unlike Adam's √v̂_t + ε.
    """
    _check(
        options,
        {
            "lr",
            "betas",
            "eps",
            "weight_decay",
            "decoupled_weight_decay",
            "maximize",
        },
        "RAdam",
    )
    lr, (beta1, beta2) = (
        options.get("lr", 1e-3),
        options.get("betas", (0.9, 0.999)),
    )
    eps, decay = options.get("eps", 1e-8), options.get("weight_decay", 0.0)
    grad = -grad if options.get("maximize", False) else grad
    if options.get("decoupled_weight_decay", False):
        param = param * (1 - lr * decay)
    else:
        grad = grad + decay * param
    t = state.get("step", 0) + 1
    m, v = _moments(grad, state, beta1, beta2)
    m_hat = m / (1 - beta1**t)
    rectifier = radam_rectifier(t, beta2)
    if rectifier is None:
        update = m_hat
    else:
        update = m_hat * rectifier * math.sqrt(1 - beta2**t) / (v.sqrt() + eps)
    return param - lr * update, {"step": t, "exp_avg": m, "exp_avg_sq": v}


@dataclass
class Run:
    """Parameters p_0 … p_T (stacked) and each state entry after steps 1 … T
    (stacked)."""

    params: torch.Tensor
    states: dict[str, torch.Tensor]


def _stack_states(states: list[dict]) -> dict[str, torch.Tensor]:
    return {
        key: torch.stack(
            [torch.as_tensor(s[key], dtype=torch.float64) for s in states]
        )
        for key in states[0]
    }


def side_by_side(
    rule: Callable,
    optimizer_class: type,
    options: dict,
    loss: Callable,
    start: torch.Tensor,
    steps: int,
    forced: bool = False,
) -> tuple[Run, Run]:
    """Run torch's optimizer from ``start`` on ``loss`` and the hand rule beside
    it (gradients by autograd).

    ``forced=False``: the hand rule runs on its own from the same start.
    ``forced=True``: each hand step starts from torch's parameters and state of
    the step before, so round-off cannot accumulate (on a non-convex loss it can
    grow exponentially for a while) and every step is compared on its own.
    """
    weight = start.detach().clone().requires_grad_(True)
    optimizer = optimizer_class([weight], **options)
    torch_params, torch_states = [weight.detach().clone()], []
    hand_params, hand_states = [start.detach().clone()], []
    param, state = start.detach().clone(), {}
    for _ in range(steps):
        if forced:
            param = weight.detach().clone()
            state = {
                k: (int(v.item()) if k == "step" else v.clone())
                for k, v in optimizer.state[weight].items()
            }
        point = param.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss(point), point)
        param, state = rule(param, grad, state, options)
        hand_params.append(param)
        hand_states.append(state)
        optimizer.zero_grad()
        loss(weight).backward()
        optimizer.step()
        torch_params.append(weight.detach().clone())
        torch_states.append(
            {
                key: value.clone()
                for key, value in optimizer.state[weight].items()
            }
        )
    hand = Run(torch.stack(hand_params), _stack_states(hand_states))
    ours = Run(torch.stack(torch_params), _stack_states(torch_states))
    return hand, ours


def wavy(p: torch.Tensor) -> torch.Tensor:
    """A bounded, non-convex test loss whose gradients change sign and size from
    step to step."""
    return torch.cos(2 * p).sum() + 0.1 * (p * torch.roll(p, 1, dims=-1)).sum()


def simulated_moments(
    mean: float,
    std: float,
    betas: tuple[float, float],
    steps: int,
    sequences: int,
):
    """Averages over ``sequences`` independent streams of Gaussian gradients of
    Adam's raw m_t and v_t.

    Returns (m_avg, v_avg), each of shape (steps,): entry t − 1 is the average
    of m_t (resp. v_t). Draws from torch's global generator, so the caller seeds
    it.
    """
    beta1, beta2 = betas
    m, v = (
        torch.zeros(sequences, dtype=torch.float64),
        torch.zeros(sequences, dtype=torch.float64),
    )
    m_avg, v_avg = (
        torch.empty(steps, dtype=torch.float64),
        torch.empty(steps, dtype=torch.float64),
    )
    for t in range(steps):
        g = mean + std * torch.randn(sequences, dtype=torch.float64)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_avg[t], v_avg[t] = m.mean(), v.mean()
    return m_avg, v_avg


def moment_standard_errors(
    mean: float,
    std: float,
    betas: tuple[float, float],
    steps: int,
    sequences: int,
):
    """Standard errors of the averages over ``sequences`` of m_t and v_t (t = 1
    … steps).

    m_t = (1 − β1) Σ_j β1^j g_{t−j} is a weighted sum of independent gradients,
    so Var m_t = (1 − β1)² σ² Σ_{j<t} β1^{2j} = (1 − β1)² σ² (1 − β1^{2t})/(1 −
    β1²); likewise v_t with Var g² = 2σ⁴ + 4μ²σ² for a Gaussian. The sequences
    are independent: divide by N.
    """
    beta1, beta2 = betas
    t = torch.arange(1, steps + 1, dtype=torch.float64)
    var_m = (1 - beta1) ** 2 * std**2 * (1 - beta1 ** (2 * t)) / (1 - beta1**2)
    var_g2 = 2 * std**4 + 4 * mean**2 * std**2
    var_v = (1 - beta2) ** 2 * var_g2 * (1 - beta2 ** (2 * t)) / (1 - beta2**2)
    return (var_m / sequences).sqrt(), (var_v / sequences).sqrt()


def bias_figure(
    betas=(0.9, 0.999),
    mean: float = 0.5,
    std: float = 1.0,
    sequences: int = 2000,
) -> plt.Figure:
    """Top: E[m_t]/E[g] and E[v_t]/E[g²] against t, formula and simulation.
    Bottom: how much larger the uncorrected step m_t/√v_t is than the corrected
    one, for a constant gradient."""
    beta1, beta2 = betas
    steps = 3000
    m, v = simulated_moments(mean, std, betas, steps, sequences)
    t = torch.arange(1, steps + 1, dtype=torch.float64)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True)
    top.semilogx(
        t, 1 - beta1**t, color="#3b82f6", label=f"1 − β1ᵗ (β1 = {beta1})"
    )
    top.semilogx(
        t, 1 - beta2**t, color="#f97316", label=f"1 − β2ᵗ (β2 = {beta2})"
    )
    marks = (
        torch.tensor([1, 2, 4, 10, 20, 50, 100, 200, 500, 1000, 2000, 3000]) - 1
    )
    top.plot(
        t[marks],
        m[marks] / mean,
        "o",
        color="#3b82f6",
        markersize=4,
        label="mean of m_t / E[g], simulated",
    )
    top.plot(
        t[marks],
        v[marks] / (mean**2 + std**2),
        "s",
        color="#f97316",
        markersize=4,
        label="mean of v_t / E[g²], simulated",
    )
    top.set_ylabel("E[moment] / stationary value")
    top.set_title("Zero-initialised averages start biased towards 0")
    top.legend(fontsize=8, loc="upper left")
    bottom.semilogx(t, (1 - beta1**t) / (1 - beta2**t).sqrt(), color="#a855f7")
    bottom.axhline(1.0, color="#8a8a8a", linewidth=0.8)
    bottom.set_xlabel("step t")
    bottom.set_ylabel("uncorrected / corrected step")
    bottom.set_title(
        "Without the correction: early steps up to several times too long"
    )
    fig.tight_layout()
    return fig


def radam_figure(beta2s=(0.99, 0.999), steps: int = 3000) -> plt.Figure:
    """RAdam's ρ_t and rectifier r_t against t: the adaptive term is off while
    ρ_t ≤ 5, then warms up."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 5.6), sharex=True)
    t = list(range(1, steps + 1))
    for beta2, colour in zip(beta2s, ("#3b82f6", "#f97316")):
        top.loglog(
            t,
            [radam_rho(k, beta2)[0] for k in t],
            color=colour,
            label=f"ρ_t, β2 = {beta2}",
        )
        rect = [radam_rectifier(k, beta2) for k in t]
        bottom.semilogx(
            t,
            [r if r is not None else float("nan") for r in rect],
            color=colour,
            label=f"β2 = {beta2}",
        )
        first = next(k for k, r in zip(t, rect) if r is not None)
        bottom.plot([first], [rect[first - 1]], "o", color=colour)
    top.axhline(
        5, color="#ef4444", linestyle=":", linewidth=1, label="cut-off ρ_t = 5"
    )
    top.set_ylabel("ρ_t (SMA length)")
    top.legend(fontsize=8)
    bottom.set_xlabel("step t")
    bottom.set_ylabel("rectifier r_t")
    bottom.set_title("r_t: 0 before the cut-off (momentum SGD), rising to 1")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    return fig
