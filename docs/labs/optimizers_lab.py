# %% [markdown]
# # Optimizers lab: race them, fairly
#
# It extends the chapter's pages [Learning rate](../optimizers/learning-rate.md), [Momentum](../optimizers/momentum.md) and [The ten optimizers](../optimizers/ten-optimizers.md); the [glossary](../glossary.md) lists the Chinese terms.
#
# An optimizer (优化器) turns gradients into steps. In this lab you find the learning rate (学习率)
# at which gradient descent stops converging, watch momentum (动量) cut the number of steps on a
# badly conditioned problem by a factor that grows as theory predicts, and then race SGD,
# momentum, Adagrad, RMSprop and Adam, first on the Rosenbrock valley and then on a small neural
# network. The race teaches one lesson above all: give each runner its own learning rate, on a
# grid fine enough to find it, or you are racing learning rates, not optimizers.
#
# Everything runs on a CPU with only `torch` and `matplotlib`. Every random draw is seeded, so you
# get the numbers shown here; change a setting and rerun to experiment. The `assert` lines are
# checkpoints: each states a claim the text makes, and fails loudly if your changes break it.

# %%
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

# Figures: SVG (sharp at any zoom), drawn in one ink colour that the course site shows in its
# text colour, light or dark theme; in your Jupyter it is simply near-black.
# %config InlineBackend.figure_formats = ["svg"]
# %config InlineBackend.print_figure_kwargs = {"bbox_inches": "tight", "metadata": {"Date": None}}
INK = "#010203"
plt.rcParams.update({
    "svg.hashsalt": "lab", "figure.facecolor": "none", "axes.facecolor": "none", "savefig.transparent": True,
    "text.color": INK, "axes.labelcolor": INK, "axes.edgecolor": INK, "xtick.color": INK, "ytick.color": INK,
    "patch.edgecolor": INK, "lines.color": INK, "legend.labelcolor": INK, "font.size": 11,
})

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
# The steepest direction sets the limit for all of them. The fastest fixed rate balances the two
# coordinates, $|1 - \eta\lambda_{\min}| = |1 - \eta\lambda_{\max}|$, which gives
# $\eta^* = 2/(\lambda_{\min} + \lambda_{\max}) = 2/11$. Run `torch.optim.SGD` at several rates,
# on either side of $2/\lambda_{\max} = 0.2$, and compare with the formula.

# %%
curvatures = torch.tensor([1.0, 10.0], dtype=torch.float64)


def quadratic(w, curvatures):
    return 0.5 * (curvatures * w**2).sum()


def sgd_path(lr, curvatures, steps=40, momentum=0.0):
    w = torch.ones(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, momentum=momentum)
    path = [w.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        quadratic(w, curvatures).backward()
        optimizer.step()
        path.append(w.detach().clone())
    return torch.stack(path)


best_rate = 2 / (curvatures.min() + curvatures.max()).item()
distance = {}
fig, ax = plt.subplots(figsize=(7, 3.5))
for lr in (0.05, 0.1, best_rate, 0.19, 0.21):
    path = sgd_path(lr, curvatures)
    by_formula = (1 - lr * curvatures) ** torch.arange(41, dtype=torch.float64).unsqueeze(1)
    torch.testing.assert_close(path, by_formula)
    distance[lr] = path[-1].norm().item()
    ax.semilogy(path.norm(dim=1), label=f"lr = {lr:.4g}")
    print(f"lr = {lr:.4f}   distance to the minimum after 40 steps: {distance[lr]:.3e}")
ax.set(xlabel="step", ylabel="‖w‖", title="Gradient descent on a quadratic with curvatures 1 and 10")
ax.legend()
plt.show()

# %% [markdown]
# *Figure 1. Distance to the minimum per step of gradient descent on a quadratic with curvatures 1
# and 10, for learning rates on both sides of 2/λmax = 0.2.*

# %% [markdown]
# Every trajectory equals the formula to rounding error. Below $0.2$ the distance shrinks, above
# it grows without bound, and $\eta^*$ is the fastest. Close to the limit convergence is slow
# again: at $0.19$ the steep coordinate flips sign and shrinks only by $|1 - 1.9|$ per step,
# exactly the factor by which the flat coordinate shrinks at $0.1$, so those two runs end at
# nearly the same distance, for opposite reasons.

# %%
assert distance[0.19] < 1 < distance[0.21]
assert min(distance, key=distance.get) == best_rate
# At 0.19 the flat coordinate still adds (0.81 / 0.9)^80 / 2, about 1e-4, relative to the steep one.
assert math.isclose(distance[0.1], distance[0.19], rel_tol=1e-3)

# %% [markdown]
# ## 2. Momentum, and the condition number
#
# The contraction per step at $\eta^*$ is $\frac{\kappa - 1}{\kappa + 1}$, where
# $\kappa = \lambda_{\max}/\lambda_{\min}$ is the condition number (条件数). PyTorch's SGD with
# momentum $\mu$ keeps a velocity
#
# $$
# v_t = \mu\, v_{t-1} + \nabla f(w_{t-1}), \qquad w_t = w_{t-1} - \eta\, v_t,
# $$
#
# which is Polyak's heavy ball, $w_t = w_{t-1} - \eta \nabla f(w_{t-1}) + \mu (w_{t-1} - w_{t-2})$
# (substitute $-\eta\, v_{t-1} = w_{t-1} - w_{t-2}$). With its best $\eta$ and $\mu$ the
# contraction becomes $\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}$: the square root of the condition
# number instead of the number itself. First check PyTorch's update rule by hand, then count the
# steps to shrink $\|w\|$ by a factor of a million when $\kappa = 100$, and again when
# $\kappa = 400$.

# %%
w = torch.ones(2, dtype=torch.float64)
velocity = torch.zeros(2, dtype=torch.float64)
for _ in range(40):
    velocity = 0.9 * velocity + curvatures * w
    w = w - 0.05 * velocity
torch.testing.assert_close(w, sgd_path(0.05, curvatures, momentum=0.9)[-1])
print("v = μv + g;  w = w − ηv  reproduces torch.optim.SGD(momentum=0.9) exactly")

# %%
def steps_to_shrink(lr, momentum, curvatures, factor=1e6, max_steps=5000):
    """Steps until ‖w‖ is `factor` times smaller than at the start, and the norms on the way."""
    w = torch.ones(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, momentum=momentum)
    norms = [w.norm().item()]
    while norms[-1] >= norms[0] / factor and len(norms) <= max_steps:
        optimizer.zero_grad()
        quadratic(w, curvatures).backward()
        optimizer.step()
        norms.append(w.norm().item())
    return len(norms) - 1, norms


counts = {}
for kappa in (100.0, 400.0):
    ill_conditioned = torch.tensor([1.0, kappa], dtype=torch.float64)
    gd_lr = 2 / (1 + kappa)
    heavy_ball_lr = 4 / (1 + math.sqrt(kappa)) ** 2
    heavy_ball_momentum = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2
    gd_steps, gd_norms = steps_to_shrink(gd_lr, 0.0, ill_conditioned)
    heavy_ball_steps, heavy_ball_norms = steps_to_shrink(heavy_ball_lr, heavy_ball_momentum, ill_conditioned)
    predicted_gd = math.log(1e-6) / math.log((kappa - 1) / (kappa + 1))
    predicted_heavy_ball = math.log(1e-6) / math.log((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1))
    counts[kappa] = (gd_steps, predicted_gd, heavy_ball_steps, predicted_heavy_ball)
    print(f"κ = {kappa:3.0f}   gradient descent, lr = {gd_lr:.4f}: {gd_steps:4d} steps (theory {predicted_gd:6.1f})   "
          f"heavy ball, lr = {heavy_ball_lr:.4f}, momentum = {heavy_ball_momentum:.4f}: {heavy_ball_steps:4d} steps "
          f"(theory {predicted_heavy_ball:5.1f})   ratio {gd_steps / heavy_ball_steps:5.2f}")
    if kappa == 100.0:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.semilogy(gd_norms, label="gradient descent, best lr")
        ax.semilogy(heavy_ball_norms, label="heavy ball, best lr and momentum")
        ax.set(xlabel="step", ylabel="‖w‖", title="Condition number 100")
        ax.legend()
        plt.show()

# %% [markdown]
# *Figure 2. Condition number 100: distance to the minimum per step for gradient descent and heavy
# ball, each at its best settings.*

# %% [markdown]
# Gradient descent needs exactly the predicted number of steps (rounded up). Heavy ball needs more
# than its rate alone predicts, because at its best setting the two eigenvalues of its update
# coincide, which adds a factor growing linearly in $t$; it still wins by a wide margin, and the
# margin grows like $\sqrt\kappa$: multiplying $\kappa$ by four about doubles the ratio.

# %%
for gd_steps, predicted_gd, heavy_ball_steps, predicted_heavy_ball in counts.values():
    assert gd_steps == math.ceil(predicted_gd)
    assert predicted_heavy_ball <= heavy_ball_steps < 1.5 * predicted_heavy_ball
    assert heavy_ball_steps < gd_steps / 5
ratio = {kappa: gd_steps / heavy_ball_steps for kappa, (gd_steps, _, heavy_ball_steps, _) in counts.items()}
# sqrt(400 / 100) = 2; the heavy-ball counts carry the extra linear factor, so allow some slack.
assert 1.7 < ratio[400.0] / ratio[100.0] < 2.3

# %% [markdown]
# ## 3. A race on the Rosenbrock valley
#
# $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$ has its minimum $0$ at $(1, 1)$, at the end of a long
# curved valley with steep walls: the walls limit the learning rate, the valley floor is nearly
# flat. Each runner starts at $(-1.5, 2)$, takes 500 steps, and gets to pick its best learning
# rate from the same grid. The grid must be fine: a runner whose best rate falls between two
# coarse grid points loses a race it would have won, and you would be racing the grid.

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
GRID = (1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def run_rosenbrock(make_optimizer, lr, steps=500):
    """The path from (-1.5, 2), cut short once f is no longer finite."""
    point = torch.tensor([-1.5, 2.0], requires_grad=True)
    optimizer = make_optimizer([point], lr)
    path = [point.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = rosenbrock(point)
        if not torch.isfinite(loss):
            break
        loss.backward()
        optimizer.step()
        path.append(point.detach().clone())
    return torch.stack(path)


def final_value(path):
    value = rosenbrock(path[-1]).item()
    return value if math.isfinite(value) else math.inf


paths = {name: {lr: run_rosenbrock(make, lr) for lr in GRID} for name, make in OPTIMIZERS.items()}
final = {name: {lr: final_value(path) for lr, path in by_lr.items()} for name, by_lr in paths.items()}
best_lr = {name: min(GRID, key=values.get) for name, values in final.items()}
# How often a path crosses the valley's floor y = x²: a zigzag between the walls crosses it often.
crossings = {}
for name, lr in best_lr.items():
    across = paths[name][lr][:, 1] - paths[name][lr][:, 0] ** 2
    crossings[name] = int((across[1:] * across[:-1] < 0).sum())

short = {"SGD": "SGD", "SGD, momentum 0.9": "momentum", "Adagrad": "Adagrad", "RMSprop": "RMSprop", "Adam": "Adam"}
print("f after 500 steps (inf: diverged)")
print(f"{'lr':>8s}" + "".join(f"{short[name]:>11s}" for name in OPTIMIZERS))
for lr in GRID:
    print(f"{lr:8g}" + "".join(f"{final[name][lr]:11.3g}" for name in OPTIMIZERS))
print(f"{'best lr':>8s}" + "".join(f"{best_lr[name]:11g}" for name in OPTIMIZERS))
print(f"{'crossings':>8s}" + "".join(f"{crossings[name]:11d}" for name in OPTIMIZERS))
print(f"{'f < 0.01':>8s}" + "".join(f"{sum(value < 0.01 for value in final[name].values()):11d}" for name in OPTIMIZERS))

# %%
grid_x, grid_y = torch.meshgrid(torch.linspace(-2, 2, 200), torch.linspace(-1, 3, 200), indexing="xy")
fig, ax = plt.subplots(figsize=(7, 5))
ax.contour(grid_x, grid_y, rosenbrock((grid_x, grid_y)).log10(), levels=20, colors="lightgray", linewidths=0.8)
for name, lr in best_lr.items():
    path = paths[name][lr]
    ax.plot(path[:, 0], path[:, 1], linewidth=1.2, label=f"{name} (lr {lr:g}): f = {final[name][lr]:.2g}")
ax.plot([1], [1], "*", color=INK, markersize=12)
ax.set(xlabel="x", ylabel="y", title="500 steps from (-1.5, 2), each at its best learning rate", xlim=(-2, 2), ylim=(-1, 3))
ax.legend(fontsize=10, loc="lower right")
plt.show()

# %% [markdown]
# *Figure 3. Paths of five optimizers on the Rosenbrock valley, each at its best learning rate; the
# star is the minimum.*

# %% [markdown]
# Read the table by rows and by columns. Plain SGD works only in a narrow band of small rates:
# from $0.005$ up, the steep walls throw it out of the valley. At its best rate it does get near
# the minimum, and momentum, at the same rate, ends far nearer. Adagrad divides by the *sum* of
# all past squared gradients, so its effective rate only ever decreases: it needs the largest
# starting rate of all and still ends short of the minimum. RMSprop divides by a moving average
# instead, so its steps never shrink: at any fixed rate it keeps bouncing from wall to wall
# (it crosses the valley's floor far more often than any other runner, the `crossings` row) and
# ends farthest from the minimum. Adam adds momentum to RMSprop's scaling, which averages the
# bouncing out: it ends as near the minimum as momentum does, and does so over the widest range
# of rates (the `f < 0.01` row).

# %%
best = {name: final[name][lr] for name, lr in best_lr.items()}
for name in ("SGD", "SGD, momentum 0.9"):
    assert all(final[name][lr] == math.inf for lr in GRID if lr >= 5e-3), name
assert best["SGD"] < 0.01 and best["SGD, momentum 0.9"] < best["SGD"] / 100
assert best_lr["SGD, momentum 0.9"] == best_lr["SGD"]
assert best_lr["Adagrad"] == max(best_lr.values()) and best["Adagrad"] > 0.01
assert crossings["RMSprop"] > 2 * max(count for name, count in crossings.items() if name != "RMSprop")
assert best["RMSprop"] == max(best.values())
assert best["Adam"] < 1e-3 and best["SGD, momentum 0.9"] < 1e-3
reaches = {name: sum(value < 0.01 for value in values.values()) for name, values in final.items()}
assert reaches["Adam"] > max(count for name, count in reaches.items() if name != "Adam")

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
ax.legend(fontsize=10)
plt.show()

print(f"{'':18s}" + "".join(f"{f'lr {lr:g}':>10s}" for lr in NETWORK_GRID))
for name, losses in network_race.items():
    print(f"{name:18s}" + "".join(f"{loss:10.4f}" for loss in losses.values()))

# %% [markdown]
# *Figure 4. Loss of the small network after 200 steps against the learning rate, per optimizer;
# the dotted line is chance, ln 2.*

# %% [markdown]
# Read the table by columns and you might crown Adam: at a shared learning rate of 0.01 its loss
# is less than a fifth of SGD's, and SGD has barely left the chance loss. Yet at 1 Adam ends more
# than five times worse than it did at 0.01. Read it by rows: each optimizer has its own best
# learning rate, plain SGD's at least 0.1 and Adam's at most 0.1, because Adam (like RMSprop)
# divides each step by the gradient's own running size, so its learning rate is roughly a step
# length in parameter units, while SGD's multiplies the raw gradient. Which grid point wins a row
# moves with the seed (the data's and the initial weights'), so the checks below claim only what
# holds for almost every seed. Compare optimizers only at their own best settings (SGD's best is
# often at the edge of this grid: extending it is a good experiment), and tune again when you
# switch.

# %%
network_best_lr = {name: min(losses, key=losses.get) for name, losses in network_race.items()}
print("best learning rates:", network_best_lr)
# Each check compares losses with room to spare: over 200 seeds of the data and the initial
# weights, its margin is at least 3.5 standard deviations (tests/test_statistics_lab_optimizers.py).
assert network_best_lr["Adam"] <= 0.1 <= network_best_lr["SGD"]
assert network_race["SGD"][1e-2] > 5 * network_race["Adam"][1e-2]
assert network_race["SGD"][1e-2] > 0.95 * math.log(2)
assert network_race["Adam"][1.0] > 5 * network_race["Adam"][1e-2]

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
# Every group has every hyperparameter the constructor knows, given or defaulted.
assert all(set(group) == set(optimizer.defaults) | {"params"} for group in optimizer.param_groups)

# %% [markdown]
# Every group holds a full copy of the hyperparameters: those you gave, and the defaults
# (dampening, weight decay, nesterov, …) filled in from the constructor.
#
# ### Solution 2: the effective learning rate of momentum
#
# Under a constant gradient, $v_t = \mu v_{t-1} + g = g\,(1 + \mu + \dots + \mu^{t-1})
# = g\,\frac{1 - \mu^t}{1 - \mu} \to \frac{g}{1 - \mu}$, so each step $\eta v_t$ tends to
# $\eta g/(1-\mu)$: ten times $\eta g$ for $\mu = 0.9$.

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
# So switching from `momentum=0` to `momentum=0.9` at the same learning rate makes the steps ten
# times longer wherever the gradient keeps its direction, along a valley floor for instance; to
# compare the two fairly, divide the learning rate by ten (or tune both). Where the gradient flips
# sign at every step, across a steep direction, the velocity does not build up, and on a
# quadratic the stability limit even rises (exercise 3). The exponential moving average some
# texts use, $v_t = \mu v_{t-1} + (1-\mu) g_t$, has no such factor; PyTorch's formula does.
#
# ### Solution 3: the stability limit with momentum
#
# On a coordinate with curvature $\lambda$, heavy ball is the recurrence
# $w_t = (1 + \mu - \eta\lambda)\,w_{t-1} - \mu\,w_{t-2}$, whose characteristic roots solve
# $r^2 - (1 + \mu - \eta\lambda)\,r + \mu = 0$. Complex roots have $|r| = \sqrt\mu < 1$; real
# roots multiply to $\mu < 1$, and $r = 1$ is never a root when $\eta\lambda > 0$, so they leave
# the unit circle only through $r = -1$: $1 + (1 + \mu - \eta\lambda) + \mu = 0$, that is
# $\eta\lambda = 2(1 + \mu)$. For $\mu = 0.9$ that is nearly twice plain gradient descent's limit.

# %%
curvatures = torch.tensor([1.0, 10.0], dtype=torch.float64)
limit = 2 * (1 + 0.9) / curvatures.max().item()
distance = {}
for lr in (0.98 * limit, 1.02 * limit):
    distance[lr] = sgd_path(lr, curvatures, steps=2000, momentum=0.9)[-1].norm().item()
    print(f"lr = {lr:.4f} (limit {limit:.4f}): distance after 2000 steps {distance[lr]:.3e}")
without_momentum = sgd_path(0.98 * limit, curvatures, momentum=0.0)[-1].norm().item()
print(f"without momentum at lr = {0.98 * limit:.4f}: distance after 40 steps {without_momentum:.3e}")
assert distance[0.98 * limit] < 1 < distance[1.02 * limit]
assert 0.98 * limit > 2 / curvatures.max().item() and without_momentum > 1  # beyond plain GD's limit
