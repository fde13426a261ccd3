# %% [markdown]
# # Loss functions lab: one dataset, several losses
#
# It extends the chapter's pages [Regression: L1, MSE, SmoothL1](../losses/regression-losses.md), [nn.CrossEntropyLoss](../losses/cross-entropy-loss.md) and [Relative entropy and cross-entropy](../losses/kl-and-cross-entropy.md); the [glossary](../glossary.md) lists the Chinese terms.
#
# A loss function (损失函数) is the question you ask the optimizer. Ask a different question of the
# same data and you get a different answer. In this lab you fit one noisy dataset with several
# losses and watch the fits disagree, then see why classifiers take logits rather than
# probabilities, and why they use cross-entropy (交叉熵) rather than squared error.
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
# ## 1. One number, two answers: mean and median
#
# Fit a single constant $c$ to data $y_1,\dots,y_n$. Setting the derivative of each loss to zero
# tells you what you will get:
#
# $$
# \frac{d}{dc}\sum_i (y_i - c)^2 = 0 \iff c = \bar y,
# \qquad
# \frac{d}{dc}\sum_i |y_i - c| = \#\{y_i < c\} - \#\{y_i > c\} = 0 \iff c = \operatorname{median}(y).
# $$
#
# So `MSELoss` (均方误差) estimates the **mean** and `L1Loss` the **median**. Five ordinary
# values and one wild one make the difference plain.

# %%
def fit(loss_fn, predict, inputs, targets, parameters, steps=400, lr=0.05):
    """Minimize loss_fn(predict(parameters, inputs), targets) with Adam and a learning rate that
    decays to zero, so the non-smooth losses settle instead of jittering around their minimum."""
    parameters = parameters.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([parameters], lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    for _ in range(steps):
        loss = loss_fn(predict(parameters, inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return parameters.detach()


def constant(parameters, inputs):
    return parameters.expand(len(inputs))


values = torch.tensor([1.0, 2.0, 2.5, 3.0, 3.5, 40.0])
by_mse = fit(nn.MSELoss(), constant, values, values, torch.zeros(1), lr=1.0)
by_l1 = fit(nn.L1Loss(), constant, values, values, torch.zeros(1), lr=1.0)
print(f"MSE fit {by_mse.item():.4f}   mean   {values.mean().item():.4f}")
print(f"L1  fit {by_l1.item():.4f}   median interval [{values.sort().values[2].item()}, {values.sort().values[3].item()}]")

# %% [markdown]
# With an even count, any $c$ between the two middle values is a median (the derivative of the
# L1 sum is zero on the whole interval), so the L1 fit lands somewhere inside it. The outlier
# moved the mean far from every ordinary value. The median only counts how many values lie on
# each side, so it does not care how wild the wild one is: make it a hundred times wilder and the
# L1 fit stays in the same interval, while the mean follows the outlier.

# %%
assert math.isclose(by_mse.item(), values.mean().item(), rel_tol=1e-4)
assert by_mse.item() > 2 * values[:5].max().item()  # far from every ordinary value
middle = values.sort().values[2:4]
wilder = torch.cat([values[:5], 100 * values[5:]])
by_l1_wilder = fit(nn.L1Loss(), constant, wilder, wilder, torch.zeros(1), lr=1.0)
for median_fit in (by_l1, by_l1_wilder):
    assert middle[0] - 1e-3 <= median_fit.item() <= middle[1] + 1e-3
assert wilder.mean() > 10 * values.mean()

# %% [markdown]
# ## 2. A line through data with outliers
#
# Now a real regression (回归): two hundred points on the line $y = 2x + 1$ with Gaussian noise,
# and twenty of the points on the right pushed far up, as a broken sensor might. Fit
# $\hat y = w x + b$ with three losses:
#
# - `MSELoss`: $(\hat y - y)^2$, the mean's loss;
# - `L1Loss`: $|\hat y - y|$, the median's loss;
# - `SmoothL1Loss(beta=0.5)`: quadratic for residuals under $\beta$, linear beyond, a compromise
#   (it is `HuberLoss(delta=0.5)` divided by $0.5$, so it has the same minimizer).

# %%
generator = torch.Generator().manual_seed(0)
x = torch.rand(200, generator=generator) * 2 - 1
clean_y = 2 * x + 1 + 0.2 * torch.randn(200, generator=generator)
outliers = torch.nonzero(x > 0.3).flatten()[:20]
y = clean_y.clone()
y[outliers] += 6


def line(parameters, inputs):
    return parameters[0] * inputs + parameters[1]


LOSSES = {"MSELoss": nn.MSELoss(), "L1Loss": nn.L1Loss(), "SmoothL1Loss(beta=0.5)": nn.SmoothL1Loss(beta=0.5)}
fits = {name: fit(loss_fn, line, x, y, torch.zeros(2)) for name, loss_fn in LOSSES.items()}

fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(x, y, s=8, color="gray", label="data")
grid = torch.linspace(-1, 1, 2)
ax.plot(grid, 2 * grid + 1, ":", color=INK, label="true line y = 2x + 1")
for name, (w, b) in fits.items():
    ax.plot(grid, w * grid + b, label=f"{name}: w = {w:.2f}, b = {b:.2f}")
ax.set(xlabel="x", ylabel="y", title="One dataset, three losses")
ax.legend(fontsize=10)
plt.show()

for name, (w, b) in fits.items():
    print(f"{name:24s} w = {w:.4f}   b = {b:.4f}")

# %% [markdown]
# *Figure 1. One dataset with outliers, fitted with MSELoss, L1Loss and SmoothL1Loss; the dotted
# line is the true line.*

# %% [markdown]
# Squared error punishes a residual of 6 thirty-six times as much as a residual of 1, so the few
# outliers drag the MSE line up and tilt it. L1 pays only linearly and stays near the true line;
# SmoothL1 behaves like L1 for the outliers (their residuals are far beyond $\beta$) and lands
# next to it.
#
# **Check the fits independently.** Gradient descent could stop early or settle in the wrong
# place, so compare with two methods that do not use it: the least-squares solution of linear
# algebra for MSE, and iteratively reweighted least squares (IRLS) for L1, which solves weighted
# least-squares problems with weights $1/|r_i|$ until the weighted squares equal the absolute
# residuals.

# %%
design = torch.stack([x, torch.ones_like(x)], dim=1).double()
least_squares = torch.linalg.lstsq(design, y.double().unsqueeze(1)).solution.flatten()

weights = torch.ones_like(x, dtype=torch.float64)
for _ in range(100):
    root = weights.sqrt().unsqueeze(1)
    least_absolute = torch.linalg.lstsq(design * root, y.double().unsqueeze(1) * root).solution.flatten()
    weights = 1 / (y.double() - design @ least_absolute).abs().clamp_min(1e-9)

print(f"least squares (linear algebra)  w = {least_squares[0]:.4f}   b = {least_squares[1]:.4f}")
print(f"least absolute deviations (IRLS) w = {least_absolute[0]:.4f}   b = {least_absolute[1]:.4f}")
# Adam with a decaying rate stops within a few thousandths of the least-squares line.
torch.testing.assert_close(fits["MSELoss"].double(), least_squares, atol=5e-3, rtol=0)


def mean_loss(name, parameters):
    """The loss `name` of LOSSES, averaged over this section's data, for the line `parameters`."""
    return LOSSES[name](line(parameters, x), y).item()


# The L1 minimum is flat: lines whose mean absolute error differs by 1e-4 can differ by a few
# hundredths in w, so Adam and IRLS are compared by the loss they reach, not by their parameters.
assert abs(mean_loss("L1Loss", fits["L1Loss"]) - mean_loss("L1Loss", least_absolute)) < 1e-4
# The claims above. With 200 points and noise 0.2 the parameters' standard errors are a few
# hundredths, so the margins below are many of them.
w_mse, b_mse = fits["MSELoss"].tolist()
assert w_mse > 2 + 0.5 and b_mse > 1 + 0.3  # dragged up and tilted
distance_to_truth = {name: math.dist(fit_.tolist(), [2.0, 1.0]) for name, fit_ in fits.items()}
assert distance_to_truth["L1Loss"] < distance_to_truth["MSELoss"] / 5
assert distance_to_truth["SmoothL1Loss(beta=0.5)"] < distance_to_truth["MSELoss"] / 5
from_l1 = {name: math.dist(fit_.tolist(), fits["L1Loss"].tolist()) for name, fit_ in fits.items()}
assert from_l1["SmoothL1Loss(beta=0.5)"] < from_l1["MSELoss"] / 5  # next to the L1 line
# SmoothL1Loss(beta) is HuberLoss(delta=beta) / beta, on any residuals.
residual_pairs = (torch.randn(50, generator=generator), 3 * torch.randn(50, generator=generator))
torch.testing.assert_close(nn.SmoothL1Loss(beta=0.5)(*residual_pairs), nn.HuberLoss(delta=0.5)(*residual_pairs) / 0.5)

# %% [markdown]
# ## 3. Classifiers take logits, not probabilities
#
# For a binary label, `BCELoss` takes a probability $p = \sigma(z)$, while `BCEWithLogitsLoss`
# takes the logit $z$ itself. On paper they are the same loss, $-\log\sigma(z)$ for a positive
# label, whose value is $\log(1 + e^{-z})$ and whose gradient is $\sigma(z) - 1$: the more wrong
# the model (the more negative $z$), the closer the gradient comes to its full size, $-1$. In
# float32 they are not the same: $\sigma(z) = 1/(1 + e^{-z})$ becomes exactly zero once $e^{-z}$
# overflows float32, and `BCELoss` then clamps $\log 0$ to $-100$.

# %%
logits = torch.tensor([-5.0, -20.0, -50.0, -90.0, -120.0], requires_grad=True)
positive = torch.ones_like(logits)

with_logits = nn.BCEWithLogitsLoss(reduction="none")(logits, positive)
(grad_with_logits,) = torch.autograd.grad(with_logits.sum(), logits)
on_probabilities = nn.BCELoss(reduction="none")(torch.sigmoid(logits), positive)
(grad_on_probabilities,) = torch.autograd.grad(on_probabilities.sum(), logits)

exact_loss = nn.functional.softplus(-logits.detach().double())  # log(1 + e^{-z}), in float64
exact_grad = torch.sigmoid(logits.detach().double()) - 1
columns = [exact_loss, with_logits, on_probabilities, exact_grad, grad_with_logits, grad_on_probabilities]
print("    z   exact loss  BCEWithLogits      BCELoss | exact grad  BCEWithLogits      BCELoss")
for z, *numbers in zip(logits.tolist(), *(column.detach().tolist() for column in columns)):
    print(f"{z:5.0f} " + " ".join(f"{n:12.4g}" for n in numbers[:3]) + " | " + " ".join(f"{n:12.4g}" for n in numbers[3:]))

# %% [markdown]
# `BCEWithLogitsLoss` computes $\log(1+e^{-z})$ in a form that never forms $\sigma(z)$, and
# matches the exact values everywhere. `BCELoss` on $\sigma(z)$ loses the gradient first: its
# backward divides by $p(1-p)$, which it clamps below at $10^{-12}$ so as never to divide by zero,
# so once $\sigma(z) < 10^{-12}$ the gradient is about $-\sigma(z)/10^{-12}$ instead of $-1$
# (vanishingly small already at $z=-50$). Then it loses the loss itself, stuck at 100 where
# $\sigma(z)$ is zero. A network that is confidently wrong would get no signal to correct itself.
# Feed logits to the `WithLogits` loss, and to `CrossEntropyLoss`, which likewise applies
# log-softmax itself.

# %%
torch.testing.assert_close(with_logits.double(), exact_loss)
torch.testing.assert_close(grad_with_logits.double(), exact_grad)
probabilities = torch.sigmoid(logits.detach())
assert (probabilities[-2:] == 0).all() and (probabilities[:-2] > 0).all()
assert (on_probabilities[-2:] == 100).all() and (grad_on_probabilities[-3:].abs() < 1e-6).all()
# At z = -50 the clamp explains the gradient, to float32 rounding.
clamped = -torch.sigmoid(torch.tensor(-50.0, dtype=torch.float64)) / 1e-12
torch.testing.assert_close(grad_on_probabilities[2].double(), clamped, rtol=1e-5, atol=0)

# %% [markdown]
# ## 4. Why classifiers use cross-entropy, not squared error
#
# One could train a classifier with `MSELoss` between the softmax probabilities and the one-hot
# label. Compare the gradients with respect to the logits when the model is wrong: for
# cross-entropy it is $\mathrm{softmax}(z) - \mathrm{onehot}(y)$, which stays large while the
# model is wrong; for squared error it is multiplied by the softmax's Jacobian, which vanishes
# when the softmax saturates. Take logits $(t, 0, 0)$ with true class 2 and let the wrong
# confidence $t$ grow:

# %%
print("    t   ‖∂CE/∂z‖   ‖∂MSE/∂z‖")
target = torch.tensor([2])
for t in (0.0, 2.0, 5.0, 10.0):
    z = torch.tensor([[t, 0.0, 0.0]], requires_grad=True)
    (grad_ce,) = torch.autograd.grad(nn.functional.cross_entropy(z, target), z)
    (grad_mse,) = torch.autograd.grad(nn.functional.mse_loss(z.softmax(dim=1), nn.functional.one_hot(target, 3).float()), z)
    print(f"{t:5.1f} {grad_ce.norm():10.4f} {grad_mse.norm():11.2e}")
    torch.testing.assert_close(grad_ce, z.detach().softmax(dim=1) - nn.functional.one_hot(target, 3))
assert grad_ce.norm() > 1 and grad_mse.norm() < 1e-3

# %% [markdown]
# Now train. Three Gaussian blobs, a linear classifier started confidently wrong on purpose
# (each class's weights point away from its own blob's centre, so almost every point scores its
# true class lowest), and plain SGD; the only difference is the loss.

# %%
generator = torch.Generator().manual_seed(0)
centers = torch.tensor([[0.0, 2.0], [-1.7, -1.0], [1.7, -1.0]])
blob_labels = torch.arange(3).repeat_interleave(100)
blob_points = centers[blob_labels] + 0.6 * torch.randn(300, 2, generator=generator)


def confidently_wrong_start():
    """Class k's weights are -5 times its blob's centre: a point near its centre scores its class lowest."""
    model = nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.copy_(-5 * centers)
        model.bias.zero_()
    return model


def train_classifier(loss_name, steps=200):
    model = confidently_wrong_start()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    accuracies = []
    for _ in range(steps):
        logits = model(blob_points)
        if loss_name == "CrossEntropyLoss":
            loss = nn.functional.cross_entropy(logits, blob_labels)
        else:
            loss = nn.functional.mse_loss(logits.softmax(dim=1), nn.functional.one_hot(blob_labels, 3).float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracies.append((logits.argmax(dim=1) == blob_labels).float().mean().item())
    return accuracies


accuracy = {name: train_classifier(name) for name in ("CrossEntropyLoss", "MSE on softmax")}

fig, ax = plt.subplots(figsize=(7, 3))
for name, curve in accuracy.items():
    ax.plot(curve, label=name)
ax.set(xlabel="step", ylabel="training accuracy", title="Same start, same optimizer, two losses", ylim=(-0.05, 1.05))
ax.legend()
plt.show()
for name, curve in accuracy.items():
    print(f"{name:18s} accuracy at step 0: {curve[0]:.3f}   after 50 steps: {curve[50]:.3f}   at the end: {curve[-1]:.3f}")

# %% [markdown]
# *Figure 2. Training accuracy of the same classifier trained with cross-entropy and with MSE on
# softmax outputs.*

# %%
with torch.no_grad():
    start = confidently_wrong_start()(blob_points).softmax(dim=1)
on_true_class = start[torch.arange(300), blob_labels]
assert (on_true_class < 0.1).float().mean() > 0.95  # almost every point: under 10% on its true class
assert accuracy["CrossEntropyLoss"][0] == accuracy["MSE on softmax"][0] < 0.05
assert accuracy["CrossEntropyLoss"][50] > 0.9
assert accuracy["MSE on softmax"][-1] < 0.5

# %% [markdown]
# **What you saw.** A loss is a choice of estimator: squared error gives means and chases
# outliers, absolute error gives medians and ignores them, SmoothL1 and Huber sit in between
# (checked below: on section 2's data the SmoothL1 line scores between the other two lines, on
# squared and on absolute error). For classification, compute losses from logits, and
# prefer cross-entropy, whose gradient stays large exactly when the model is wrong.

# %%
squared = {name: mean_loss("MSELoss", fit_) for name, fit_ in fits.items()}
absolute = {name: mean_loss("L1Loss", fit_) for name, fit_ in fits.items()}
assert squared["L1Loss"] > squared["SmoothL1Loss(beta=0.5)"] > squared["MSELoss"]
assert absolute["MSELoss"] > absolute["SmoothL1Loss(beta=0.5)"] > absolute["L1Loss"]

# %% [markdown]
# ## Exercises
#
# 1. **Reduction and class weights** (the course's homework). With
#    `inputs = [[1, 2], [1, 3], [1, 3]]`, `target = [0, 1, 1]` and `weight = [1, 2]`, what does
#    `nn.CrossEntropyLoss(weight=weight)` return with `reduction="none"`, `"sum"` and `"mean"`?
#    Compute each by hand first. Is the weighted mean the sum divided by the number of samples?
# 2. **Quantile (pinball) loss.** $\ell_\tau(r) = \max(\tau r, (\tau - 1) r)$ for the residual
#    $r = y - \hat y$ generalizes L1 ($\tau = \tfrac12$). Fit a line with $\tau = 0.9$ to the data
#    of section 2 before the outliers were added (`clean_y`), count the share of points below
#    it, and compare its intercept with $1 + 0.2\,\Phi^{-1}(0.9)$, where the noise's 90th
#    percentile lies.
# 3. **SmoothL1 between L1 and MSE.** Refit section 2 with `SmoothL1Loss(beta=b)` for
#    `b` from 0.01 to 100. Where does the fit go at each end, and why?
#
# The cells below are worked solutions. Try first.

# %% [markdown]
# ### Solution 1: reduction and class weights
#
# Each sample's loss is $w_{y_i}\,\big(-\log\mathrm{softmax}(x_i)_{y_i}\big)$. `"sum"` adds
# them; `"mean"` divides that sum by the **sum of the weights of the samples' classes**,
# $1 + 2 + 2 = 5$, not by the number of samples, $3$.

# %%
inputs = torch.tensor([[1.0, 2.0], [1.0, 3.0], [1.0, 3.0]])
target = torch.tensor([0, 1, 1])
weight = torch.tensor([1.0, 2.0])

unweighted = -inputs.log_softmax(dim=1)[torch.arange(3), target]
per_sample = weight[target] * unweighted
by_hand = {"none": per_sample, "sum": per_sample.sum(), "mean": per_sample.sum() / weight[target].sum()}
for reduction, expected in by_hand.items():
    result = nn.CrossEntropyLoss(weight=weight, reduction=reduction)(inputs, target)
    print(f"{reduction:>4s}: " + " ".join(f"{value:.4f}" for value in result.reshape(-1).tolist()))
    torch.testing.assert_close(result, expected)
print(f"sum / number of samples = {per_sample.sum() / 3:.4f}, not the mean")

# %% [markdown]
# ### Solution 2: quantile loss

# %%
def pinball(tau):
    def loss(prediction, target):
        residual = target - prediction
        return torch.maximum(tau * residual, (tau - 1) * residual).mean()

    return loss


upper = fit(pinball(0.9), line, x, clean_y, torch.zeros(2), lr=0.2)
below = (clean_y < line(upper, x)).float().mean().item()
noise_quantile = 0.2 * torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor(0.9)).item()
print(f"0.9-quantile line: w = {upper[0]:.4f}, b = {upper[1]:.4f}; share of points below: {below:.3f}")
print(f"true line shifted by the noise's 90th percentile: w = 2, b = {1 + noise_quantile:.4f}")
# The optimum leaves a share tau below it, up to the few points the line passes through.
assert abs(below - 0.9) < 0.02
# A sample quantile of 200 points has a standard error near 0.025 here (the slope's is sqrt(3)
# times that, since x is uniform on [-1, 1]); allow about five of them.
assert abs(upper[1] - (1 + noise_quantile)) < 0.12 and abs(upper[0] - 2) < 0.2
median_line = fit(pinball(0.5), line, x, y, torch.zeros(2), lr=0.2)
# With tau = 1/2 the pinball loss is half the L1 loss: same minimum (compared by the loss, as
# the L1 minimum is flat).
assert abs(mean_loss("L1Loss", median_line) - mean_loss("L1Loss", fits["L1Loss"])) < 1e-4

# %% [markdown]
# ### Solution 3: SmoothL1 from L1 to MSE

# %%
for beta in (0.01, 0.5, 100.0):
    w, b = fit(nn.SmoothL1Loss(beta=beta), line, x, y, torch.zeros(2))
    print(f"beta = {beta:6.2f}   w = {w:.4f}   b = {b:.4f}")
    if beta == 0.01:
        near_l1 = torch.stack([w, b])
    if beta == 100.0:
        near_mse = torch.stack([w, b])
residuals = (y - line(fits["L1Loss"], x)).abs()
print(f"residuals of the L1 fit range from {residuals.min():.4f} to {residuals.max():.4f}")
assert (residuals > 0.1).float().mean() > 0.5 and residuals.max() < 10
# SmoothL1 with beta lies between |r| - beta/2 and |r|, so its minimizer's mean absolute error
# exceeds the L1 minimum by at most beta/2 (compared by the loss, as the L1 minimum is flat).
assert mean_loss("L1Loss", near_l1) - mean_loss("L1Loss", fits["L1Loss"]) < 0.01 / 2
torch.testing.assert_close(near_mse, fits["MSELoss"], atol=2e-2, rtol=0)

# %% [markdown]
# When every residual is below $\beta$, SmoothL1 is $\tfrac{1}{2\beta} r^2$: squared error, up to
# a factor that does not move the minimum. When every residual is above $\beta$, it is
# $|r| - \tfrac{\beta}{2}$: absolute error plus a constant. Every residual here is far below
# $\beta = 100$ and most are far above $\beta = 0.01$, so the first fits like MSE and the second
# like L1.
