# %% [markdown]
# # Optimizers lab: race them, fairly
#
# An optimizer (优化器) turns gradients into steps. In this lab you find the learning rate (学习率)
# at which gradient descent stops converging, watch momentum (动量) cut the number of steps on a
# badly conditioned problem by the factor theory predicts, and then race SGD, momentum, Adagrad,
# RMSprop and Adam, first on the Rosenbrock valley and then on a small neural network. The race
# teaches one lesson above all: give each runner its own learning rate, or you are racing
# learning rates, not optimizers.
#
# Everything runs on a CPU with only `torch` and `matplotlib`. Every random draw is seeded, so you
# get the numbers shown here; change a setting and rerun to experiment. The `assert` lines are
# checkpoints: each states a claim the text makes, and fails loudly if your changes break it.

# %%
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # these tensors are small: one thread is as fast and runs the same way every time

# %% [markdown]
# ## 1. The learning rate on a quadratic
#
# Take $f(w) = \tfrac12(\lambda_1 w_1^2 + \lambda_2 w_2^2)$ with curvatures $\lambda = (1, 10)$.
# A gradient step multiplies each coordinate by $1 - \eta\lambda_i$, so after $t$ steps
#
# $$
# w_i^{(t)} = (1 - \eta\lambda_i)^t\, w_i^{(0)},
# $$
#
# which shrinks only if $|1 - \eta\lambda_i| < 1$ for every $i$, that is $\eta < 2/\lambda_{\max}$.
# The steepest direction sets the limit for all of them. Run `torch.optim.SGD` on either side of
# $2/\lambda_{\max} = 0.2$ and compare with the formula.

# %%
curvatures = torch.tensor([1.0, 10.0], dtype=torch.float64)


def quadratic(w):
    return 0.5 * (curvatures * w**2).sum()


def sgd_path(lr, steps=40, momentum=0.0):
    w = torch.ones(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, momentum=momentum)
    path = [w.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        quadratic(w).backward()
        optimizer.step()
        path.append(w.detach().clone())
    return torch.stack(path)


fig, ax = plt.subplots(figsize=(7, 3.5))
for lr in (0.05, 0.1, 0.19, 0.21):
    path = sgd_path(lr)
    by_formula = (1 - lr * curvatures) ** torch.arange(41, dtype=torch.float64).unsqueeze(1)
    torch.testing.assert_close(path, by_formula)
    ax.semilogy(path.norm(dim=1), label=f"lr = {lr}")
    print(f"lr = {lr:4.2f}   distance to the minimum after 40 steps: {path[-1].norm():.3e}")
ax.set(xlabel="step", ylabel="‖w‖", title="Gradient descent on a quadratic with curvatures 1 and 10")
ax.legend()
plt.show()

assert sgd_path(0.19)[-1].norm() < 1 < sgd_path(0.21)[-1].norm()

# %% [markdown]
# Every trajectory equals the formula to rounding error. Below $0.2$ the distance shrinks,
# above it grows without bound; and close to the limit ($0.19$) convergence is *slow*, because the
# steep coordinate flips sign and barely shrinks at each step. The fastest fixed rate balances
# the two coordinates: $\eta^* = 2/(\lambda_{\min} + \lambda_{\max})$.
#
# ## 2. Momentum, and the condition number
#
# The contraction per step at $\eta^*$ is $\frac{\kappa - 1}{\kappa + 1}$, where
# $\kappa = \lambda_{\max}/\lambda_{\min}$ is the condition number (条件数). PyTorch's SGD with
# momentum $\mu$ keeps a velocity
#
# $$
# v_t = \mu\, v_{t-1} + g_t, \qquad w_t = w_{t-1} - \eta\, v_t,
# $$
#
# which is Polyak's heavy ball, $w_{t+1} = w_t - \eta g_t + \mu (w_t - w_{t-1})$. With its best
# $\eta$ and $\mu$ the contraction becomes $\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}$: the square
# root of the condition number instead of the number itself. First check PyTorch's update rule by
# hand, then count the steps to shrink $\|w\|$ by a factor of a million when $\kappa = 100$.

# %%
w = torch.ones(2, dtype=torch.float64)
velocity = torch.zeros(2, dtype=torch.float64)
for _ in range(40):
    velocity = 0.9 * velocity + curvatures * w
    w = w - 0.05 * velocity
torch.testing.assert_close(w, sgd_path(0.05, momentum=0.9)[-1])
print("v = μv + g;  w = w − ηv  reproduces torch.optim.SGD(momentum=0.9) exactly")

# %%
curvatures = torch.tensor([1.0, 100.0], dtype=torch.float64)
kappa = (curvatures.max() / curvatures.min()).item()


def steps_to_shrink(lr, momentum, factor=1e6, max_steps=5000):
    path = sgd_path(lr, steps=max_steps, momentum=momentum)
    shrunk = path.norm(dim=1) < path[0].norm() / factor
    return int(shrunk.nonzero()[0]), path.norm(dim=1)


best_gd_lr = 2 / (curvatures.min() + curvatures.max()).item()
heavy_ball_lr = 4 / (curvatures.max().sqrt() + curvatures.min().sqrt()).item() ** 2
heavy_ball_momentum = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2

gd_steps, gd_norms = steps_to_shrink(best_gd_lr, 0.0)
heavy_ball_steps, heavy_ball_norms = steps_to_shrink(heavy_ball_lr, heavy_ball_momentum)
predicted_gd = math.log(1e-6) / math.log((kappa - 1) / (kappa + 1))
predicted_heavy_ball = math.log(1e-6) / math.log((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1))
print(f"gradient descent, lr = {best_gd_lr:.4f}:                 {gd_steps:4d} steps   (theory {predicted_gd:.1f})")
print(f"heavy ball, lr = {heavy_ball_lr:.4f}, momentum = {heavy_ball_momentum:.4f}: {heavy_ball_steps:4d} steps   (theory {predicted_heavy_ball:.1f})")

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.semilogy(gd_norms[: gd_steps + 1], label="gradient descent, best lr")
ax.semilogy(heavy_ball_norms[: gd_steps + 1], label="heavy ball, best lr and momentum")
ax.set(xlabel="step", ylabel="‖w‖", title="Condition number 100")
ax.legend()
plt.show()

# %% [markdown]
# Gradient descent needs exactly the predicted number of steps (rounded up). Heavy ball needs a
# few more than its rate alone predicts, because at its best setting the two eigenvalues of its
# update coincide, which adds a factor growing linearly in $t$; it still wins by a wide margin,
# and the margin grows like $\sqrt\kappa$.

# %%
assert gd_steps == math.ceil(predicted_gd)
assert predicted_heavy_ball <= heavy_ball_steps < 1.5 * predicted_heavy_ball
assert heavy_ball_steps < gd_steps / 5

# %% [markdown]
# ## 3. A race on the Rosenbrock valley
#
# $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$ has its minimum $0$ at $(1, 1)$, at the end of a long
# curved valley with steep walls: the walls limit the learning rate, the valley floor is nearly
# flat. Each runner starts at $(-1.5, 2)$, takes 500 steps, and gets to pick its best learning
# rate from the same grid.

# %%
def rosenbrock(point):
    x, y = point
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


OPTIMIZERS = {
    "SGD": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "SGD, momentum 0.9": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "Adagrad": lambda params, lr: torch.optim.Adagrad(params, lr=lr),
    "RMSprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr),
    "Adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
}
GRID = (1e-3, 1e-2, 1e-1, 3e-1)


def run_rosenbrock(make_optimizer, lr, steps=500):
    point = torch.tensor([-1.5, 2.0], requires_grad=True)
    optimizer = make_optimizer([point], lr)
    path = [point.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        rosenbrock(point).backward()
        optimizer.step()
        path.append(point.detach().clone())
    return torch.stack(path)


rosenbrock_race = {}
for name, make_optimizer in OPTIMIZERS.items():
    finals = {lr: rosenbrock(run_rosenbrock(make_optimizer, lr)[-1]).item() for lr in GRID}
    print(f"{name:18s} " + "  ".join(f"lr {lr:g}: {loss:9.3g}" for lr, loss in finals.items()))
    best_lr = min((lr for lr in GRID if math.isfinite(finals[lr])), key=finals.get)
    rosenbrock_race[name] = (best_lr, finals[best_lr], run_rosenbrock(make_optimizer, best_lr))

# %%
grid_x, grid_y = torch.meshgrid(torch.linspace(-2, 2, 200), torch.linspace(-1, 3, 200), indexing="xy")
fig, ax = plt.subplots(figsize=(7, 5))
ax.contour(grid_x, grid_y, rosenbrock((grid_x, grid_y)).log10(), levels=20, colors="lightgray", linewidths=0.8)
for name, (best_lr, final, path) in rosenbrock_race.items():
    ax.plot(path[:, 0], path[:, 1], linewidth=1.2, label=f"{name} (lr {best_lr:g}): f = {final:.2g}")
ax.plot([1], [1], "k*", markersize=12)
ax.set(xlabel="x", ylabel="y", title="500 steps from (-1.5, 2), each at its best learning rate", xlim=(-2, 2), ylim=(-1, 3))
ax.legend(fontsize=8, loc="lower right")
plt.show()

# %% [markdown]
# Plain SGD diverges at every rate but the smallest, and at that rate it crawls along the flat
# floor. Momentum builds up speed along the floor. Adagrad divides by the *sum* of all past squared
# gradients, so its steps only ever shrink, and it stalls in the valley; RMSprop divides by a
# moving average instead and keeps going, zigzagging across the walls. Momentum, at SGD's tiny
# rate, and Adam, which adds momentum to RMSprop's scaling, at a rate three hundred times larger,
# both end near the minimum.

# %%
best = {name: final for name, (_, final, _) in rosenbrock_race.items()}
sgd_losses = {lr: rosenbrock(run_rosenbrock(OPTIMIZERS["SGD"], lr)[-1]).item() for lr in GRID[1:]}
assert not any(math.isfinite(loss) for loss in sgd_losses.values())
assert best["SGD, momentum 0.9"] < best["SGD"] / 100 and best["Adam"] < best["SGD"] / 100
assert best["RMSprop"] < best["Adagrad"] / 5
assert best["SGD, momentum 0.9"] < 0.01 and best["Adam"] < 0.01
assert math.isclose(rosenbrock_race["Adam"][0], 300 * rosenbrock_race["SGD, momentum 0.9"][0])

# %% [markdown]
# ## 4. A race on a neural network
#
# The same runners (without Adagrad) now train a small MLP on the two-spirals (双螺旋)
# classification problem: 200 full-batch steps from the same initial weights, each optimizer at
# four learning rates. A network that predicts one half for both classes scores the chance-level
# loss $\ln 2$.

# %%
def two_spirals(points_per_class=256, noise=0.07):
    generator = torch.Generator().manual_seed(0)
    turn = torch.linspace(0.25, 1.0, points_per_class) * 3 * math.pi
    inputs, labels = [], []
    for label in (0, 1):
        angle = turn + label * math.pi
        arm = torch.stack([turn * torch.cos(angle), turn * torch.sin(angle)], dim=1) / (3 * math.pi)
        inputs.append(arm + noise * torch.randn(arm.shape, generator=generator))
        labels.append(torch.full((points_per_class,), label))
    return torch.cat(inputs), torch.cat(labels)


X, y = two_spirals()
NETWORK_GRID = (1e-3, 1e-2, 1e-1, 1.0)


def train_network(make_optimizer, lr, steps=200):
    torch.manual_seed(0)
    network = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    optimizer = make_optimizer(network.parameters(), lr)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(network(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return nn.functional.cross_entropy(network(X), y).item()


network_race = {
    name: {lr: train_network(make_optimizer, lr) for lr in NETWORK_GRID}
    for name, make_optimizer in OPTIMIZERS.items() if name != "Adagrad"
}

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, losses in network_race.items():
    ax.loglog(list(losses), [min(loss, 10.0) for loss in losses.values()], marker="o", label=name)
ax.axhline(math.log(2), color="gray", linestyle=":", label="chance, ln 2")
ax.set(xlabel="learning rate", ylabel="loss after 200 steps (capped at 10)", title="Each optimizer has its own best learning rate")
ax.legend(fontsize=8)
plt.show()

print(f"{'':18s}" + "".join(f"{f'lr {lr:g}':>10s}" for lr in NETWORK_GRID))
for name, losses in network_race.items():
    print(f"{name:18s}" + "".join(f"{loss:10.4f}" for loss in losses.values()))

# %% [markdown]
# Read the table by columns and the winner depends on the column: at a shared learning rate of
# 0.01 Adam leaves SGD far behind, at 1 the ranking flips, and Adam does no better than chance.
# Read it by rows: each optimizer has its own best learning rate, and plain SGD's is the
# largest, because RMSprop and Adam divide each step by the gradient's own running size, so
# their learning rate is roughly a step length in parameter units, while SGD's multiplies the
# raw gradient. Compare optimizers only at their own best settings (SGD's best is at the edge of
# this grid: extending it is a good experiment), and tune again when you switch.

# %%
best_lr = {name: min(losses, key=losses.get) for name, losses in network_race.items()}
print("best learning rates:", best_lr)
assert best_lr["SGD"] >= 10 * max(best_lr["RMSprop"], best_lr["Adam"])
assert network_race["SGD"][1e-2] > 10 * network_race["Adam"][1e-2]
assert network_race["SGD"][1.0] < network_race["Adam"][1.0]
assert math.isclose(network_race["Adam"][1.0], math.log(2), rel_tol=1e-3)

# %% [markdown]
# **What you saw.** The learning rate is bounded by the steepest direction, and a badly
# conditioned problem then crawls along the flattest one. Momentum reduces the cost from
# $\kappa$ to $\sqrt\kappa$; adaptive methods rescale each coordinate; and every optimizer needs
# its own learning rate.
#
# ## Exercises
#
# 1. **Parameter groups** (the course's homework). Build one `SGD` optimizer and, with
#    `add_param_group`, give it three groups of parameters with learning rates 0.01, 0.02, 0.03
#    and momentum 0.9, 0.8, 0.7. Print every key and value of each entry of `param_groups`, then
#    check that one step moves each group by its own learning rate.
# 2. **The effective learning rate of momentum.** Under a constant gradient $g$, show that
#    PyTorch's velocity tends to $g/(1-\mu)$, so momentum 0.9 takes steps ten times larger than
#    its learning rate says. Check it with `torch.optim.SGD` on $f(w) = g\,w$.
# 3. **Momentum moves the stability limit.** For the quadratic of section 1, heavy ball is stable
#    when $\eta\lambda_{\max} < 2(1 + \mu)$. Confirm it for $\mu = 0.9$ on either side of the limit.
#
# The cells below are worked solutions. Try first.

# %% [markdown]
# ### Solution 1: parameter groups

# %%
weights = [torch.ones(3, requires_grad=True) for _ in range(3)]
optimizer = torch.optim.SGD([weights[0]], lr=0.01, momentum=0.9)
optimizer.add_param_group({"params": [weights[1]], "lr": 0.02, "momentum": 0.8})
optimizer.add_param_group({"params": [weights[2]], "lr": 0.03, "momentum": 0.7})

for index, group in enumerate(optimizer.param_groups):
    print(f"param_groups[{index}]")
    for key, value in group.items():
        shown = [tuple(p.shape) for p in value] if key == "params" else value
        print(f"    {key}: {shown}")

optimizer.zero_grad()
sum((weight * torch.arange(1.0, 4.0)).sum() for weight in weights).backward()
optimizer.step()
for weight, group in zip(weights, optimizer.param_groups):
    # First step: the velocity is the gradient itself, so the move is lr × gradient.
    torch.testing.assert_close(1 - weight.detach(), group["lr"] * torch.arange(1.0, 4.0))
print("each group moved by its own learning rate × gradient")

# %% [markdown]
# Every group holds a full copy of the hyperparameters: those you gave, and the defaults
# (dampening, weight decay, nesterov, …) filled in from the constructor.
#
# ### Solution 2: the effective learning rate of momentum

# %%
slope, lr, momentum = 3.0, 0.01, 0.9
w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=lr, momentum=momentum)
steps = []
for _ in range(200):
    before = w.detach().clone()
    optimizer.zero_grad()
    (slope * w).sum().backward()
    optimizer.step()
    steps.append((before - w.detach()).item())
print(f"last step {steps[-1]:.6f}   lr × g = {lr * slope:.6f}   lr × g / (1 − μ) = {lr * slope / (1 - momentum):.6f}")
# After t steps the velocity is g(1 − μ^t)/(1 − μ); 0.9^200 is negligible.
assert math.isclose(steps[-1], lr * slope / (1 - momentum), rel_tol=1e-4)

# %% [markdown]
# This is why switching from `momentum=0` to `momentum=0.9` at the same learning rate often
# diverges: the effective rate jumped tenfold. The exponential moving average some texts use,
# $v_t = \mu v_{t-1} + (1-\mu) g_t$, has no such factor; PyTorch's formula does.
#
# ### Solution 3: the stability limit with momentum

# %%
curvatures = torch.tensor([1.0, 10.0], dtype=torch.float64)
limit = 2 * (1 + 0.9) / curvatures.max().item()
for lr in (0.98 * limit, 1.02 * limit):
    distance = sgd_path(lr, steps=2000, momentum=0.9)[-1].norm().item()
    print(f"lr = {lr:.4f} (limit {limit:.4f}): distance after 2000 steps {distance:.3e}")
assert sgd_path(0.98 * limit, steps=2000, momentum=0.9)[-1].norm() < 1 < sgd_path(1.02 * limit, steps=2000, momentum=0.9)[-1].norm()
