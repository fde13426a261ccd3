"""Mini-batch SGD on least squares: many independent chains run by torch.optim,
and the exact expected loss they should have, computed from the second-moment
recursion.

Used by docs/optimizers/stochastic.md and tests/test_optimizers_depth.py.

The problem: f(θ) = 1/(2n) Σ_i (x_iᵀθ − y_i)², minimum θ*, Hessian H = XᵀX/n,
residuals r_i = x_iᵀθ* − y_i. A batch B of b indices drawn uniformly with
replacement gives the gradient g_B = H_B e + ξ_B with e = θ − θ*, H_B = mean of
x_i x_iᵀ over B and ξ_B = mean of x_i r_i over B.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch


@dataclass
class LeastSquares:
    X: torch.Tensor
    y: torch.Tensor
    theta_star: torch.Tensor
    hessian: torch.Tensor
    noise: (
        torch.Tensor
    )  # E_i[r_i² x_i x_iᵀ]: covariance of a one-sample gradient at θ*

    def excess(self, theta: torch.Tensor) -> torch.Tensor:
        """f(θ) − f(θ*) = ½ eᵀHe for each row of ``theta``."""
        e = theta - self.theta_star
        return 0.5 * torch.einsum("...i,ij,...j->...", e, self.hessian, e)


def least_squares(
    n: int = 200, scales=(1.0, 0.5), noise_std: float = 1.0
) -> LeastSquares:
    """A random 2-D least-squares problem (from torch's global generator: seed
    it first)."""
    X = torch.randn(n, len(scales), dtype=torch.float64) * torch.tensor(
        scales, dtype=torch.float64
    )
    y = X @ torch.ones(
        len(scales), dtype=torch.float64
    ) + noise_std * torch.randn(n, dtype=torch.float64)
    theta_star = torch.linalg.lstsq(X, y.unsqueeze(1)).solution.squeeze(1)
    r = X @ theta_star - y
    hessian = X.T @ X / n
    noise = (X * r.unsqueeze(1)).T @ (X * r.unsqueeze(1)) / n
    return LeastSquares(X, y, theta_star, hessian, noise)


def run_chains(
    problem: LeastSquares,
    make_optimizer,
    start: torch.Tensor,
    chains: int,
    steps: int,
    batch: int,
    schedule=None,
):
    """Run ``chains`` independent mini-batch chains as the rows of one parameter
    of torch's optimizer.

    Each row gets its own batch; the loss is the sum over rows, so row k's
    gradient is its own batch gradient. ``schedule(t)``, if given, is the
    learning-rate multiplier at step t (torch.optim.lr_scheduler.LambdaLR).
    Returns the parameters θ_0 … θ_steps, shape (steps + 1, chains, d), and, for
    ASGD, its state's average ``ax`` after each step 1 … steps (else None).
    """
    with one_thread():
        return _run_chains(
            problem, make_optimizer, start, chains, steps, batch, schedule
        )


@contextlib.contextmanager
def one_thread():
    """Run torch on one intra-op thread, then restore the setting.

    The tensors here are tiny (chains × batch × 2); on a busy machine, splitting
    each small op over two threads costs more in synchronisation than it saves
    (measured 30× slower).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _run_chains(problem, make_optimizer, start, chains, steps, batch, schedule):
    theta = start.expand(chains, -1).clone().requires_grad_(True)
    optimizer = make_optimizer([theta])
    scheduler = (
        torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
        if schedule
        else None
    )
    path, averages = [theta.detach().clone()], []
    n = problem.X.shape[0]
    for _ in range(steps):
        index = torch.randint(n, (chains, batch))
        residual = (
            torch.einsum("kbi,ki->kb", problem.X[index], theta)
            - problem.y[index]
        )
        loss = 0.5 * residual.pow(2).mean(dim=1).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        path.append(theta.detach().clone())
        if "ax" in optimizer.state[theta]:
            averages.append(optimizer.state[theta]["ax"].clone())
    return torch.stack(path), (torch.stack(averages) if averages else None)


def _fourth_moment_map(problem: LeastSquares, P: torch.Tensor) -> torch.Tensor:
    """E_i[(x_i x_iᵀ − H) P (x_i x_iᵀ − H)]: the variance of a one-sample
    Hessian acting on P."""
    outer = torch.einsum("ni,nj->nij", problem.X, problem.X) - problem.hessian
    return (outer @ P @ outer).mean(dim=0)


def expected_excess(
    problem: LeastSquares, lrs: list[float], batch: int, start: torch.Tensor
) -> torch.Tensor:
    """E[f(θ_t) − f*] for t = 0 … len(lrs), exactly, for mini-batch SGD with
    rates ``lrs``."""
    seconds = second_moments(problem, lrs, batch, start)
    return 0.5 * torch.einsum("ij,tji->t", problem.hessian, seconds)


def second_moments(
    problem: LeastSquares, lrs: list[float], batch: int, start: torch.Tensor
) -> torch.Tensor:
    """P_t = E[e_t e_tᵀ] for t = 0 … len(lrs), exactly, shape (len(lrs) + 1, d,
    d).

    Tracks the mean m = E[e] and P through e' = (I − ηH_B)e − ηξ_B:
      m' = (I − ηH)m, P' = (I − ηH)P(I − ηH) + η²/b·(E[(xxᵀ − H)P(xxᵀ − H)] +
      E[r²xxᵀ] + 2·E[(xᵀm) r xxᵀ]).
    The batch's b samples are independent, so only same-sample terms survive,
    each divided by b; E[x r] = 0 at θ* (the normal equations) kills the rest.
    """
    with one_thread():
        e0 = start - problem.theta_star
        m, P = e0.clone(), torch.outer(e0, e0)
        eye = torch.eye(len(e0), dtype=torch.float64)
        X = problem.X
        r = X @ problem.theta_star - problem.y
        out = [P]
        for lr in lrs:
            contraction = eye - lr * problem.hessian
            cross = torch.einsum("n,n,ni,nj->ij", X @ m, r, X, X) / X.shape[0]
            spread = _fourth_moment_map(problem, P) + problem.noise + 2 * cross
            P = contraction @ P @ contraction + lr**2 / batch * spread
            m = contraction @ m
            out.append(P)
        return torch.stack(out)


def expected_average_excess(
    problem: LeastSquares, lr: float, batch: int, first: int, last: int
) -> float:
    """E[f(ē) − f*] for ē the average of θ_first … θ_last at a constant rate,
    started at θ*.

    E[e_t | e_s] = (I − ηH)^{t−s} e_s (later batches are fresh and unbiased), so
    E[e_s e_tᵀ] = P_s (I − ηH)^{t−s}; summing with S_t = (I − ηH)S_{t−1} + P_t
    gives W²·E[ēēᵀ] = Σ_t P_t + Σ_t ((I − ηH)S_{t−1} + its transpose).
    """
    seconds = second_moments(problem, [lr] * last, batch, problem.theta_star)[
        first : last + 1
    ]
    contraction = (
        torch.eye(seconds.shape[1], dtype=torch.float64) - lr * problem.hessian
    )
    total = torch.zeros_like(seconds[0])
    running = torch.zeros_like(seconds[0])
    for P in seconds:
        carried = contraction @ running
        total += P + carried + carried.T
        running = carried + P
    average_second = total / len(seconds) ** 2
    return 0.5 * torch.trace(problem.hessian @ average_second).item()


def polyak_juditsky(problem: LeastSquares, batch: int, count: int) -> float:
    """The asymptotic excess of an average of ``count`` iterates:
    tr(H⁻¹Σ)/(2·b·count), whatever the rate."""
    return torch.trace(
        torch.linalg.solve(problem.hessian, problem.noise)
    ).item() / (2 * batch * count)


def stationary_floor(problem: LeastSquares, lr: float, batch: int) -> float:
    """The exact stationary E[f − f*] at a constant rate: the fixed point P of
    the recursion with m = 0.

    P = (I − ηH)P(I − ηH) + η²/b·(E[(xxᵀ − H)P(xxᵀ − H)] + Σ) is linear in P:
    solve it on vec(P).
    """
    d = problem.hessian.shape[0]
    basis = torch.eye(d * d, dtype=torch.float64).reshape(d * d, d, d)
    contraction = torch.eye(d, dtype=torch.float64) - lr * problem.hessian
    columns = [
        (
            contraction @ E @ contraction
            + lr**2 / batch * _fourth_moment_map(problem, E)
        ).reshape(-1)
        for E in basis
    ]
    operator = torch.stack(columns, dim=1)
    rhs = (lr**2 / batch * problem.noise).reshape(-1)
    P = torch.linalg.solve(
        torch.eye(d * d, dtype=torch.float64) - operator, rhs
    ).reshape(d, d)
    return 0.5 * torch.trace(problem.hessian @ P).item()


def first_order_floor(problem: LeastSquares, lr: float, batch: int) -> float:
    """(η/2b)·Σ_i σ_i²/(2 − ηλ_i), σ_i² the noise variance along eigenvector i:
    additive noise only."""
    lams, Q = torch.linalg.eigh(problem.hessian)
    sigma2 = torch.diagonal(Q.T @ problem.noise @ Q)
    return (lr / (2 * batch) * (sigma2 / (2 - lr * lams)).sum()).item()


def noise_figure(
    problem: LeastSquares, lr: float, batch: int, chains: int, steps: int
) -> plt.Figure:
    """Mean excess loss over the chains: constant rate, decaying rate, and
    ASGD's average."""
    start = problem.theta_star + torch.tensor([2.0, -2.0], dtype=torch.float64)
    constant, _ = run_chains(
        problem,
        lambda p: torch.optim.SGD(p, lr=lr),
        start,
        chains,
        steps,
        batch,
    )
    tau = 100

    def decay(t: int) -> float:
        return 1 / (1 + t / tau)

    decaying, _ = run_chains(
        problem,
        lambda p: torch.optim.SGD(p, lr=lr),
        start,
        chains,
        steps,
        batch,
        decay,
    )
    t0 = 200
    _, averages = run_chains(
        problem,
        lambda p: torch.optim.ASGD(p, lr=lr, lambd=0.0, t0=t0),
        start,
        chains,
        steps,
        batch,
    )
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    t = torch.arange(steps + 1)
    ax.semilogy(
        t,
        problem.excess(constant).mean(dim=1),
        color="#f97316",
        label=f"constant lr = {lr}",
    )
    ax.semilogy(
        t,
        problem.excess(decaying).mean(dim=1),
        color="#3b82f6",
        label=f"lr = {lr}/(1 + t/{tau})",
    )
    ax.semilogy(
        t[1:],
        problem.excess(averages).mean(dim=1),
        color="#10b981",
        label=f"ASGD's average of the constant-lr iterates (t0 = {t0})",
    )
    floor = stationary_floor(problem, lr, batch)
    ax.axhline(
        floor,
        color="#ef4444",
        linestyle=":",
        linewidth=1.2,
        label="derived noise floor",
    )
    exact = expected_excess(
        problem, [lr * decay(k) for k in range(steps)], batch, start
    )
    ax.semilogy(
        t,
        exact,
        "--",
        color="#8a8a8a",
        linewidth=1,
        label="exact E[loss], decaying lr",
    )
    ax.set_xlabel("step t")
    ax.set_ylabel("f(θ) − f(θ*), mean over chains")
    ax.set_title(
        f"Mini-batch SGD (batch {batch}) on least squares, {chains} chains"
    )
    ax.legend(fontsize=8)
    return fig
