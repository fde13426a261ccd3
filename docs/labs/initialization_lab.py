# %% [markdown]
# # Initialization lab: watch the signal survive, explode or vanish
#
# It extends the chapter's pages [Why initialization matters](../initialization/why-it-matters.md), [Xavier](../initialization/xavier.md) and [Kaiming](../initialization/kaiming.md); the [glossary](../glossary.md) lists the Chinese terms.
#
# Weight initialization (权值初始化) decides whether a deep network can train at all. In this lab
# you do not read about it, you measure it: push a batch through deep stacks of layers
# initialised four different ways, watch the activations and the gradients, then train the same
# network from each start and see which ones learn.
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
# ## 1. The rule: each layer multiplies the variance
#
# A linear layer computes $z_i = \sum_{j=1}^{n} W_{ij} x_j$. If the weights are independent of
# the inputs, have mean zero and variance $\mathrm{Var}(W)$, then
#
# $$
# \mathrm{Var}(z_i) = n\,\mathrm{Var}(W)\,\mathbb{E}[x_j^2].
# $$
#
# A ReLU keeps the positive half of a symmetric $z$, so $\mathbb{E}[\mathrm{relu}(z)^2] = \tfrac12\mathrm{Var}(z)$.
# Chaining the two, every ReLU layer multiplies the variance of the pre-activations by
# $\tfrac12 n\,\mathrm{Var}(W)$. Only $\mathrm{Var}(W) = 2/n$, **Kaiming (He) initialization**,
# makes that factor one. Here are four candidates and their weight variance as a multiple of $1/n$:
#
# | Initialization | $n\,\mathrm{Var}(W)$ |
# | --- | --- |
# | `normal_(w, 0, 1)` | $n$ |
# | PyTorch's default for `nn.Linear`: `kaiming_uniform_(w, a=√5)`, i.e. $U(-1/\sqrt n, 1/\sqrt n)$ | $1/3$ |
# | `xavier_normal_(w)` (Glorot, for a square layer) | $1$ |
# | `kaiming_normal_(w, nonlinearity="relu")` | $2$ |
#
# The second row surprises many: the default is *called* `kaiming_uniform_`, but its `a=√5`
# makes it a third of what Xavier gives, a sixth of what ReLU needs. Check the table first:

# %%
WIDTH = 256

INITS = {
    "normal_(0, 1)": lambda w: nn.init.normal_(w, 0.0, 1.0),
    "PyTorch default": lambda w: nn.Linear(w.shape[1], w.shape[0]).weight.data,
    "xavier_normal_": nn.init.xavier_normal_,
    "kaiming_normal_": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}
TABLE = {"normal_(0, 1)": WIDTH, "PyTorch default": 1 / 3, "xavier_normal_": 1.0, "kaiming_normal_": 2.0}
COLORS = {"normal_(0, 1)": "tab:blue", "PyTorch default": "tab:orange", "xavier_normal_": "tab:green",
          "kaiming_normal_": "tab:red", "normal_(0, 0.01)": "tab:purple"}

for name, init in INITS.items():
    weight = init(torch.empty(WIDTH, WIDTH))
    measured = WIDTH * weight.var().item()
    print(f"{name:16s} n·Var(W) measured {measured:8.3f}   table {TABLE[name]:8.3f}")
    # WIDTH² = 65536 draws: the sample variance is within a few percent of the truth.
    assert math.isclose(measured, TABLE[name], rel_tol=0.03)

# %% [markdown]
# ## 2. Fifty layers deep: explode, vanish, or hold
#
# Push a batch of standard-normal inputs through fifty ReLU layers of width 256 (no biases, so
# nothing but the weights acts on the signal) and record the standard deviation of each
# layer's pre-activations. The rule of section 1 predicts it without running anything:
#
# $$
# \mathrm{std}(z_\ell) = \sqrt{n\,\mathrm{Var}(W)}\;\Big(\sqrt{\tfrac12 n\,\mathrm{Var}(W)}\Big)^{\ell-1}.
# $$

# %%
DEPTH = 50


def preactivation_stds(init, depth=DEPTH, width=WIDTH, batch=256, activation=torch.relu):
    """Standard deviation of z at each layer of a deep stack without biases."""
    torch.manual_seed(0)
    x = torch.randn(batch, width)
    stds = []
    with torch.no_grad():
        for _ in range(depth):
            z = x @ init(torch.empty(width, width)).T
            # float64: float32's std of values near 1e35 can be nan before the values overflow
            stds.append(z.double().std().item())
            x = activation(z)
    return torch.tensor(stds, dtype=torch.float64)


def predicted_stds(weight_variance_times_n, depth=DEPTH):
    layers = torch.arange(1, depth + 1, dtype=torch.float64)
    first = math.sqrt(weight_variance_times_n)
    return first * math.sqrt(weight_variance_times_n / 2) ** (layers - 1)


measured = {name: preactivation_stds(init) for name, init in INITS.items()}
predicted = {name: predicted_stds(TABLE[name]) for name in INITS}

print(f"{'layer':>16s}" + "".join(f"{layer:>11d}" for layer in (1, 10, 25, 50)))
for name, stds in measured.items():
    print(f"{name:>16s}" + "".join(f"{stds[layer - 1]:11.2e}" for layer in (1, 10, 25, 50)))

# %% [markdown]
# `normal_(0, 1)` overflows float32 to `inf` (and then `nan`) within forty layers, the default and
# Xavier shrink the signal by orders of magnitude, and only Kaiming keeps it within a factor of
# ten of one. Wherever the measurement is finite it stays within a factor of ten of the
# prediction (the prediction is an average over all possible weights; your one draw of fifty
# layers wanders around it). The cell below draws both and checks these claims.

# %%
fig, ax = plt.subplots(figsize=(7, 4))
layers = range(1, DEPTH + 1)
for name, stds in measured.items():
    ax.semilogy(layers, stds, color=COLORS[name], label=name)
    ax.semilogy(layers, predicted[name], "--", color=COLORS[name], linewidth=1)
ax.set(xlabel="layer", ylabel="std of pre-activations", title="Measured (solid) and predicted (dashed)", ylim=(1e-25, 1e40))
ax.legend()
plt.show()

for name in INITS:
    finite = torch.isfinite(measured[name]) & (measured[name] > 0)
    ratio = (measured[name][finite] / predicted[name][finite]).log10().abs()
    # The prediction is an average over random weights; one draw of fifty layers wanders around
    # it by a small factor, while the predictions themselves span up to forty orders of magnitude.
    assert finite.sum() >= 30 and ratio.max() < 1, name  # within a factor of ten
assert not torch.isfinite(measured["normal_(0, 1)"][39])  # by layer 40
for shrinking in ("PyTorch default", "xavier_normal_"):
    assert measured[shrinking][-1] < 1e-3 * measured[shrinking][0], shrinking  # orders of magnitude
assert 0.1 < measured["kaiming_normal_"][-1] < 10

# %% [markdown]
# *Figure 1. Spread of the pre-activations through fifty layers under four initializations:
# measured (solid) against the variance rule's prediction (dashed).*

# %% [markdown]
# ## 3. Gradients follow the same rule, backwards
#
# Backpropagation multiplies by the same weight matrices, transposed, so the gradient that reaches
# layer $\ell$ shrinks or grows layer by layer just like the forward signal. Build a ten-layer ReLU
# network for a small two-class problem, the two spirals (双螺旋), and look at the gradient of the
# loss with respect to each layer's weights before any training step. In place of
# `normal_(0, 1)`, whose failure section 2 showed, take the other classic mistake, a small fixed
# standard deviation: `normal_(0, 0.01)`. Biases start at zero, except for the PyTorch default,
# which keeps its own default biases.

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


def deep_mlp(init, depth=10, width=64):
    torch.manual_seed(0)
    layers, fan_in = [], 2
    for _ in range(depth):
        linear = nn.Linear(fan_in, width)
        if init is not INITS["PyTorch default"]:
            init(linear.weight.data)
            nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
        fan_in = width
    layers.append(nn.Linear(fan_in, 2))
    return nn.Sequential(*layers)


X, y = two_spirals()
TRAINED_INITS = {name: init for name, init in INITS.items() if name != "normal_(0, 1)"}
TRAINED_INITS["normal_(0, 0.01)"] = lambda w: nn.init.normal_(w, 0.0, 0.01)

gradient_norms = {}
for name, init in TRAINED_INITS.items():
    net = deep_mlp(init)
    nn.functional.cross_entropy(net(X), y).backward()
    gradient_norms[name] = [layer.weight.grad.norm().item() for layer in net if isinstance(layer, nn.Linear)]

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, norms in gradient_norms.items():
    ax.semilogy(range(1, len(norms) + 1), norms, marker="o", color=COLORS[name], label=name)
ax.set(xlabel="layer (1 = next to the input, 11 = output)", ylabel="‖∂loss/∂W‖", title="Gradients at initialization")
ax.legend()
plt.show()

for name, norms in gradient_norms.items():
    print(f"{name:18s} first layer {norms[0]:.2e}   last layer {norms[-1]:.2e}")

# %% [markdown]
# *Figure 2. The gradient's norm at each layer of the ten-layer MLP before any training, for each
# initialization.*

# %% [markdown]
# Under Kaiming every layer receives a gradient of useful size. Under the default, the layer next
# to the input gets a gradient more than a hundred times smaller than under Kaiming: it will
# barely move. Xavier spreads its gradient evenly over the layers (within a factor of ten), but
# every layer's is more than ten times smaller than the same layer's under Kaiming: the forward
# signal loses half its variance per layer on the way in, the gradient half per layer on the way
# back.
# Under `normal_(0, 0.01)` the signal dies on the way in *and* on the way back, so every gradient
# is negligible.

# %%
kaiming, default = gradient_norms["kaiming_normal_"], gradient_norms["PyTorch default"]
xavier = gradient_norms["xavier_normal_"]
for name, norms in gradient_norms.items():
    to_kaiming = [norm / k for norm, k in zip(norms, kaiming)]
    print(f"{name:18s} / Kaiming's, layer by layer: first {to_kaiming[0]:9.3g}   largest {max(to_kaiming):9.3g}")
assert min(kaiming) > 1e-3 and default[0] < kaiming[0] / 100
assert max(xavier) < 10 * min(xavier)
assert all(x < k / 10 for x, k in zip(xavier, kaiming))  # layer by layer
assert max(gradient_norms["normal_(0, 0.01)"]) < 1e-10

# %% [markdown]
# ## 4. Train from each start
#
# Same network, same data, same optimizer (SGD with momentum 0.9, learning rate 0.005), 400
# full-batch steps; only the initial weights differ. A classifier that has learned nothing
# predicts one half for each class and sits at the chance-level loss $\ln 2$.

# %%
def train(init, steps=400):
    net = deep_mlp(init)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.005, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = nn.functional.cross_entropy(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    accuracy = (net(X).argmax(dim=1) == y).float().mean().item()
    return losses, accuracy


runs = {name: train(init) for name, init in TRAINED_INITS.items()}

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, (losses, _) in runs.items():
    ax.plot(losses, color=COLORS[name], label=name)
ax.axhline(math.log(2), color="gray", linestyle=":", label="chance, ln 2")
ax.set(xlabel="step", ylabel="cross-entropy", title="Training the same ten-layer MLP", ylim=(0, 1))
ax.legend()
plt.show()

for name, (losses, accuracy) in runs.items():
    print(f"{name:18s} final loss {losses[-1]:.4f}   training accuracy {accuracy:.3f}")

# %% [markdown]
# *Figure 3. Training loss of the same ten-layer MLP from each initialization; the dotted line is
# chance, ln 2.*

# %%
chance = math.log(2)
for stuck in ("PyTorch default", "xavier_normal_", "normal_(0, 0.01)"):
    assert abs(runs[stuck][0][-1] - chance) < 0.05, stuck  # Kaiming's ends far below
assert runs["kaiming_normal_"][1] > 0.95
assert runs["kaiming_normal_"][0][-1] < runs["xavier_normal_"][0][-1] / 10

# %% [markdown]
# **What you saw.** The variance rule of section 1 predicted, without training anything, which
# start would learn: every start whose layer factor $\tfrac12 n\,\mathrm{Var}(W)$ is below one
# delivers too little gradient, to the early layers or to all of them, and in these 400 SGD steps
# it barely leaves chance level. Xavier is built for activations that keep the whole signal (tanh
# near zero, linear); with ReLU it loses half the variance per layer. PyTorch's default keeps
# only a sixth per ReLU layer, $6^{-L}$ after $L$ layers without biases: a loss that compounds with
# depth. Initialize deep ReLU stacks explicitly with `kaiming_normal_`.
#
# ## Exercises
#
# 1. **Tanh.** Replace ReLU by tanh in `preactivation_stds` (`activation=torch.tanh`). Near zero
#    tanh is the identity, so the layer factor is $n\,\mathrm{Var}(W)$. Which of the four
#    initializations holds the signal now? Then try `xavier_normal_` with
#    `gain=nn.init.calculate_gain("tanh")` (that is $5/3$) and explain why the gain is larger
#    than one.
# 2. **Leaky ReLU.** For `LeakyReLU(negative_slope=a)`, show that
#    $\mathbb{E}[f(z)^2] = \tfrac{1+a^2}{2}\mathrm{Var}(z)$, so the right weight variance is
#    $\tfrac{2}{(1+a^2)\,n}$. Compare with `nn.init.calculate_gain("leaky_relu", a)**2`, and check
#    it with `preactivation_stds`.
# 3. **Adam to the rescue?** Train the default-initialized network with `torch.optim.Adam(lr=1e-3)`
#    instead of SGD. Adam divides each gradient by its own running size: does the start still
#    matter?
#
# The cells below are worked solutions. Try first.

# %% [markdown]
# ### Solution 1: tanh

# %%
tanh_inits = {
    **INITS,
    "xavier_normal_, gain 5/3": lambda w: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh")),
}
tanh_stds = {name: preactivation_stds(init, activation=torch.tanh) for name, init in tanh_inits.items()}
for name, stds in tanh_stds.items():
    print(f"{name:26s} std(z) at layer 1: {stds[0]:9.3f}   at layer 50: {stds[-1]:9.3e}")

# %% [markdown]
# `normal_(0, 1)` drives tanh into saturation (饱和): most of its outputs are close to $\pm 1$, so every
# pre-activation has standard deviation close to $\sqrt{n}$. The default still vanishes. Plain
# Xavier fades slowly: away from zero $|\tanh z| < |z|$, so each layer loses a little. A gain a
# bit above one makes up for that loss, and the signal settles at a steady size:
# `calculate_gain("tanh")` $=5/3$ does, and so, here, does Kaiming's $\sqrt 2$.
#
# Saturation does *not* mean small gradients, though. Going backwards, each tanh layer multiplies
# the gradient's variance by $n\,\mathrm{Var}(W)\,\mathbb{E}[\tanh'(z)^2]$: under `normal_(0, 1)`
# most units are flat ($\tanh' \approx 0$), but $n\,\mathrm{Var}(W) = n$ is so large that the few
# units near zero more than make up for them, and the gradient explodes. Send a random gradient
# back from the output and compare what reaches the first and the last layer. The same ratios show
# the price of the gains above one: they hold the forward signal, but the gradient grows on its
# way back (mildly), while plain Xavier keeps it level and lets the signal fade.

# %%
def tanh_gradient_norms(init, depth=DEPTH, width=WIDTH, batch=256):
    """Norms of the first and the last layer's weight gradients in a tanh stack, for a random
    gradient at the output, and the share of last-layer units where tanh is flat (|z| > 3)."""
    torch.manual_seed(0)
    x = torch.randn(batch, width)
    weights = [init(torch.empty(width, width)).requires_grad_() for _ in range(depth)]
    for weight in weights:
        z = x @ weight.T
        x = torch.tanh(z)
    x.backward(torch.randn(x.shape))
    return weights[0].grad.norm().item(), weights[-1].grad.norm().item(), (z.abs() > 3).float().mean().item()


tanh_gradients = {name: tanh_gradient_norms(init) for name, init in tanh_inits.items()}
for name, (first, last, flat) in tanh_gradients.items():
    print(f"{name:26s} first layer / last layer gradient {first / last:9.3g}   flat units {flat:.3f}")

# %%
assert nn.init.calculate_gain("tanh") == 5 / 3
assert math.isclose(tanh_stds["normal_(0, 1)"][-1], math.sqrt(WIDTH), rel_tol=0.1)
assert tanh_stds["PyTorch default"][-1] < 1e-6
assert tanh_stds["xavier_normal_"][-1] < 0.2 * tanh_stds["xavier_normal_"][0]
for steady in ("xavier_normal_, gain 5/3", "kaiming_normal_"):
    assert 0.5 < tanh_stds[steady][-1] < 2, steady
first, last, flat = tanh_gradients["normal_(0, 1)"]
assert flat > 0.5 and math.isfinite(last) and not math.isfinite(first)  # saturated, yet exploding
ratio = {name: first / last for name, (first, last, _) in tanh_gradients.items()}
assert 0.5 < ratio["xavier_normal_"] < 2
for steady in ("xavier_normal_, gain 5/3", "kaiming_normal_"):
    assert 2 < ratio[steady] < 1e3, steady  # grows over fifty layers, yet stays finite

# %% [markdown]
# ### Solution 2: leaky ReLU
#
# For symmetric $z$, $f(z)=z$ on the positive half and $a z$ on the negative half, so
# $\mathbb{E}[f(z)^2] = \tfrac12\mathrm{Var}(z) + \tfrac12 a^2\mathrm{Var}(z)$. The layer factor
# is one when $n\,\mathrm{Var}(W) = 2/(1+a^2)$, which is `calculate_gain("leaky_relu", a)**2`.

# %%
for slope in (0.01, 0.2, 0.5):
    by_hand = 2 / (1 + slope**2)
    gain_squared = nn.init.calculate_gain("leaky_relu", slope) ** 2
    leaky = lambda w, slope=slope: nn.init.kaiming_normal_(w, a=slope, nonlinearity="leaky_relu")
    stds = preactivation_stds(leaky, activation=lambda z, slope=slope: nn.functional.leaky_relu(z, slope))
    print(f"a = {slope:4.2f}   2/(1+a²) = {by_hand:.4f}   gain² = {gain_squared:.4f}   std(z) at layer 50 = {stds[-1]:.3f}")
    assert math.isclose(by_hand, gain_squared, rel_tol=1e-12)
    assert 0.1 < stds[-1] < 10

# %% [markdown]
# ### Solution 3: Adam

# %%
def train_with_adam(init, steps=400, eps=1e-8):
    net = deep_mlp(init)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=eps)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracy = (net(X).argmax(dim=1) == y).float().mean().item()
    return loss.item(), accuracy


adam_runs = {
    "PyTorch default": train_with_adam(INITS["PyTorch default"]),
    "normal_(0, 0.01)": train_with_adam(TRAINED_INITS["normal_(0, 0.01)"]),
    "normal_(0, 0.01), eps=1e-30": train_with_adam(TRAINED_INITS["normal_(0, 0.01)"], eps=1e-30),
}
for name, (loss, accuracy) in adam_runs.items():
    print(f"Adam from {name:28s} final loss {loss:.4f}   training accuracy {accuracy:.3f}")

# %% [markdown]
# Adam divides each parameter's step by the running size of its own gradients, so small gradients
# no longer mean small steps. Its first step is $\mathrm{lr}\cdot g/(|g| + \varepsilon)$ for
# each weight, about $\mathrm{lr}$ whatever the size of $g$, while SGD's is $\mathrm{lr}\cdot g$:
# from the default start, Adam moves the first layer's weights more than a thousand times farther
# than SGD does (checked below for one step of each). The default-initialized network that SGD
# could not move leaves chance level; how close it gets to fitting the spirals in 400 steps
# varies with the draw (rerun with other seeds). Initialization matters most for plain SGD.
#
# Adam does not make it irrelevant, though. Its step is $\mathrm{lr}\cdot\hat m/(\sqrt{\hat v} + \varepsilon)$
# with $\varepsilon = 10^{-8}$ by default, so a gradient $g$ far below $\varepsilon$ still gets a
# step of only about $\mathrm{lr}\cdot g/\varepsilon$. From `normal_(0, 0.01)` every weight
# gradient is far below $\varepsilon$ (section 3), and Adam stays at chance. With
# $\varepsilon = 10^{-30}$ that brake is gone; whether 400 steps then escape chance depends on
# the draw (rerun the run with other seeds and compare), so no checkpoint claims it.

# %%
# One step of each from the default start. SGD's first step is lr * g (its momentum buffer starts
# as g); Adam's is lr * g / (|g| + eps), and the weights move by exactly that (checked).
net = deep_mlp(INITS["PyTorch default"])
nn.functional.cross_entropy(net(X), y).backward()
gradient = net[0].weight.grad.double()  # the first layer's; float64, far below float32's steps
sgd_step = 0.005 * gradient
adam_step = 1e-3 * gradient / (gradient.abs() + 1e-8)
before = net[0].weight.detach().double()
torch.optim.Adam(net.parameters(), lr=1e-3).step()
torch.testing.assert_close(net[0].weight.detach().double(), before - adam_step)
first_moves = {"SGD": sgd_step.abs().mean().item(), "Adam": adam_step.abs().mean().item()}
print(f"first step, mean move of the first layer's weights: SGD {first_moves['SGD']:.1e}, "
      f"Adam {first_moves['Adam']:.1e}")
assert first_moves["Adam"] > 1000 * first_moves["SGD"]
# A norm bounds every entry: each weight gradient is at least a hundred times smaller than eps.
assert max(gradient_norms["normal_(0, 0.01)"]) < 1e-8 / 100
assert abs(adam_runs["normal_(0, 0.01)"][0] - chance) < 1e-3
