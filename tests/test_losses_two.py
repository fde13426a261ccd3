"""Option grids: every hand-written loss of the second half of the loss chapter
against torch.nn, values and gradients, over the options torch accepts."""

import itertools
import math

import pytest
import torch
from torch import nn

from snippets.losses import ctc, embedding, margin, poisson_kl, regression
from snippets.losses.regression import REDUCTIONS
from tests.seeds import COUNTED_SEEDS, assert_counted

SHAPES = [(), (5,), (3, 4), (2, 3, 4)]


def rand(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(shape, generator=g, dtype=torch.float64)


def assert_same(ours_fn, theirs_fn, inputs):
    """Values and the gradient of every float input agree (float64)."""
    leaves = [t.clone().requires_grad_() for t in inputs]
    ours, theirs = ours_fn(*leaves), theirs_fn(*leaves)
    torch.testing.assert_close(ours, theirs, rtol=1e-9, atol=1e-12)
    weights = torch.rand(ours.shape, generator=torch.Generator().manual_seed(7),
                         dtype=torch.float64)  # a generic upstream gradient
    g_ours = torch.autograd.grad((ours * weights).sum(), leaves, retain_graph=True)
    g_theirs = torch.autograd.grad((theirs * weights).sum(), leaves)
    for a, b in zip(g_ours, g_theirs):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


# --- regression -------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_mse_smooth_huber(shape, reduction):
    x, y = rand(shape, 1, 3), rand(shape, 2)
    pairs = [
        (lambda a, b: regression.l1_loss(a, b, reduction), nn.L1Loss(reduction=reduction)),
        (lambda a, b: regression.mse_loss(a, b, reduction), nn.MSELoss(reduction=reduction)),
    ]
    for beta in (0.0, 0.5, 1.0, 2.0):
        pairs.append((lambda a, b, beta=beta: regression.smooth_l1_loss(a, b, beta, reduction),
                      nn.SmoothL1Loss(beta=beta, reduction=reduction)))
    for delta in (0.5, 1.0, 2.0):
        pairs.append((lambda a, b, delta=delta: regression.huber_loss(a, b, delta, reduction),
                      nn.HuberLoss(delta=delta, reduction=reduction)))
    for ours, theirs in pairs:
        assert_same(ours, theirs, [x, y])


def test_regression_gradients_at_the_kinks():
    """Residuals exactly 0, +-beta and +-delta, where the pieces meet."""
    y = torch.zeros(7, dtype=torch.float64)
    for beta in (0.5, 1.0, 2.0):
        x = torch.tensor([0.0, beta, -beta, 0.5 * beta, 3 * beta, -1e-9, 1e-9],
                         dtype=torch.float64)
        assert_same(lambda a, b: regression.smooth_l1_loss(a, b, beta, "none"),
                    nn.SmoothL1Loss(beta=beta, reduction="none"), [x, y])
        assert_same(lambda a, b: regression.huber_loss(a, b, beta, "none"),
                    nn.HuberLoss(delta=beta, reduction="none"), [x, y])
    x = torch.tensor([0.0, 1.0, -1.0], dtype=torch.float64)
    assert_same(lambda a, b: regression.l1_loss(a, b, "none"),
                nn.L1Loss(reduction="none"), [x, torch.zeros(3, dtype=torch.float64)])


def test_regression_refuses_what_torch_refuses():
    x = torch.zeros(3)
    with pytest.raises(ValueError, match="beta"):
        regression.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(RuntimeError, match="beta"):
        nn.SmoothL1Loss(beta=-1.0)(x, x)
    for delta in (0.0, -1.0):
        with pytest.raises(ValueError, match="delta"):
            regression.huber_loss(x, x, delta=delta)
        with pytest.raises(RuntimeError, match="delta"):
            nn.HuberLoss(delta=delta)(x, x)
    with pytest.raises(ValueError, match="reduction"):
        regression.reduce(x, "batchmean")


def test_smooth_l1_below_both_l1_and_mse():
    """SmoothL1 (beta=1) <= L1 and <= MSE/2 ... pointwise, for any residual."""
    r = torch.linspace(-50, 50, 100001, dtype=torch.float64)
    zero = torch.zeros_like(r)
    smooth = nn.SmoothL1Loss(reduction="none")(r, zero)
    assert (smooth <= r.abs()).all() and (smooth <= 0.5 * r**2).all()
    assert (smooth <= r**2).all()


# --- Poisson and KL ---------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_poisson_grid(shape):
    g = torch.Generator().manual_seed(3)
    counts = torch.poisson(torch.full(shape, 2.5, dtype=torch.float64), generator=g)
    log_rate = rand(shape, 4)
    for log_input, full, eps, reduction in itertools.product(
            (True, False), (False, True), (1e-8, 0.1), REDUCTIONS):
        x = log_rate if log_input else log_rate.exp()
        theirs = nn.PoissonNLLLoss(log_input=log_input, full=full, eps=eps,
                                   reduction=reduction)
        assert_same(
            lambda a: poisson_kl.poisson_nll_loss(a, counts, log_input, full, eps, reduction),
            lambda a: theirs(a, counts), [x])


def test_poisson_negative_counts_are_not_checked_and_unbounded_below():
    """The course feeds randn targets: torch accepts them, and then the loss
    exp(x) - y x with y < 0 falls without bound as x -> -inf."""
    x = torch.tensor([0.0, -10.0, -100.0], dtype=torch.float64)
    y = torch.full((3,), -1.0, dtype=torch.float64)
    loss = nn.PoissonNLLLoss(reduction="none")(x, y)
    torch.testing.assert_close(loss, poisson_kl.poisson_nll_loss(x, y, reduction="none"))
    assert (loss.diff() < 0).all() and loss[-1] < -99


@pytest.mark.parametrize("shape", [(), (4,), (3, 4), (2, 3, 4)])
def test_kl_grid(shape):
    logits = rand(shape, 5)
    log_q = logits.log_softmax(-1) if shape else -logits.abs()
    p = rand(shape, 6).softmax(-1) if shape else torch.tensor(0.3, dtype=torch.float64)
    if len(shape) >= 2:
        p = p.clone()
        p[0, 0] = 0.0  # a zero in the target: 0 log 0 = 0
    for reduction in (*REDUCTIONS, "batchmean"):
        module = nn.KLDivLoss(reduction=reduction)
        assert_same(lambda a: poisson_kl.kl_div_loss(a, p, reduction),
                    lambda a: module(a, p), [log_q])
        log_p = p.clamp(min=1e-300).log()
        module = nn.KLDivLoss(reduction=reduction, log_target=True)
        assert_same(lambda a: poisson_kl.kl_div_loss(a, log_p, reduction, True),
                    lambda a: module(a, log_p), [log_q])


# --- margin classification --------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_soft_margin_any_label(shape):
    """torch applies log(1 + exp(-y x)) to whatever y is, 0 and 0.5 included."""
    x = rand(shape, 8, 3)
    g = torch.Generator().manual_seed(9)
    y = torch.tensor([-1.0, 1.0, 0.0, 0.5, 2.0], dtype=torch.float64)[
        torch.randint(0, 5, shape, generator=g)]
    for reduction in REDUCTIONS:
        assert_same(lambda a: margin.soft_margin_loss(a, y, reduction),
                    lambda a: nn.SoftMarginLoss(reduction=reduction)(a, y), [x])


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
def test_multilabel_soft_margin(shape):
    x = rand(shape, 10, 2)
    y = (rand(shape, 11) > 0).double()
    for weight, reduction in itertools.product((None, rand(shape[-1:], 12).abs()), REDUCTIONS):
        module = nn.MultiLabelSoftMarginLoss(weight=weight, reduction=reduction)
        assert_same(lambda a: margin.multilabel_soft_margin_loss(a, y, weight, reduction),
                    lambda a: module(a, y), [x])


def test_multi_margin_grid_and_kinks():
    x = rand((6, 4), 13)
    labels = torch.tensor([0, 1, 2, 3, 1, 2])
    x[0, :2] = torch.tensor([1.5, 0.5], dtype=torch.float64)  # hinge exactly 0 for margin 1: the kink
    x[1, [1, 3]] = torch.tensor([0.75, 0.25], dtype=torch.float64)  # ... for margin 0.5
    w = rand((4,), 14).abs() + 0.1
    for p, m, weight, reduction in itertools.product((1, 2), (0.5, 1.0, 2.0), (None, w), REDUCTIONS):
        module = nn.MultiMarginLoss(p=p, margin=m, weight=weight, reduction=reduction)
        assert_same(lambda a: margin.multi_margin_loss(a, labels, p, m, weight, reduction),
                    lambda a: module(a, labels), [x])
        assert_same(lambda a: margin.multi_margin_loss(a, labels[2], p, m, weight, reduction),
                    lambda a: module(a, labels[2]), [x[2]])  # one sample, (C,)
    with pytest.raises(ValueError, match="p = 1 and p = 2"):
        margin.multi_margin_loss(x, labels, p=3)
    with pytest.raises(ValueError):
        nn.MultiMarginLoss(p=3)(x, labels)


def test_multilabel_margin_grid():
    x = rand((5, 4), 15)
    lists = torch.tensor([[3, 0, -1, 1], [-1, 0, 1, 2], [2, 2, -1, 0],
                          [0, 1, 2, 3], [1, -1, -1, -1]])
    x[4, :2] = torch.tensor([0.25, 1.25], dtype=torch.float64)  # a pair exactly on the margin: the kink
    for reduction in REDUCTIONS:
        module = nn.MultiLabelMarginLoss(reduction=reduction)
        assert_same(lambda a: margin.multilabel_margin_loss(a, lists, reduction),
                    lambda a: module(a, lists), [x])
        assert_same(lambda a: margin.multilabel_margin_loss(a, lists[0], reduction),
                    lambda a: module(a, lists[0]), [x[0]])


# --- ranking and embedding --------------------------------------------------

LABELS = torch.tensor([-1.0, 1.0, 0.0, 0.5, 2.0], dtype=torch.float64)


@pytest.mark.parametrize("shape", [(), (5,), (2, 5)])
def test_margin_ranking_any_label_and_kinks(shape):
    x1, x2 = rand(shape, 16), rand(shape, 17)
    y = LABELS.expand(*shape[:-1], 5) if shape else torch.tensor(1.0, dtype=torch.float64)
    if shape:
        x1, x2 = x1.clone(), x2.clone()
        x1[..., 1], x2[..., 1] = 1.0, 0.5  # y = +1, gap exactly the margin 0.5
    for m, reduction in itertools.product((0.0, 0.5, 2.0), REDUCTIONS):
        module = nn.MarginRankingLoss(margin=m, reduction=reduction)
        assert_same(lambda a, b: embedding.margin_ranking_loss(a, b, y, m, reduction),
                    lambda a, b: module(a, b, y), [x1, x2])


def test_margin_ranking_refuses_the_courses_shapes():
    x1 = torch.tensor([[1.0], [2.0], [3.0]])
    x2 = torch.tensor([[2.0], [2.0], [2.0]])
    y = torch.tensor([1.0, 1.0, -1.0])
    with pytest.raises(RuntimeError, match="same dimension"):
        nn.MarginRankingLoss()(x1, x2, y)
    with pytest.raises(ValueError, match="same dim"):
        embedding.margin_ranking_loss(x1, x2, y)


@pytest.mark.parametrize("shape", [(), (5,), (2, 5)])
def test_hinge_embedding_any_label_and_kinks(shape):
    d = rand(shape, 18).abs()
    y = LABELS.expand(*shape[:-1], 5) if shape else torch.tensor(-1.0, dtype=torch.float64)
    if shape:
        d = d.clone()
        d[..., 0] = 1.0  # y = -1 at exactly the margin 1: the kink
    for m, reduction in itertools.product((0.5, 1.0, 2.0), REDUCTIONS):
        module = nn.HingeEmbeddingLoss(margin=m, reduction=reduction)
        assert_same(lambda a: embedding.hinge_embedding_loss(a, y, m, reduction),
                    lambda a: module(a, y), [d])


def test_cosine_embedding_any_label_unbatched_and_kinks():
    x1, x2 = rand((5, 3), 19), rand((5, 3), 20)
    x1[0], x2[0] = torch.tensor([2.0, 0, 0]), torch.tensor([0, 3.0, 0])
    # cos = 0 exactly, y = -1, margin 0: on the hinge's kink
    for m, reduction in itertools.product((-1.0, 0.0, 0.5), REDUCTIONS):
        module = nn.CosineEmbeddingLoss(margin=m, reduction=reduction)
        assert_same(lambda a, b: embedding.cosine_embedding_loss(a, b, LABELS, m, reduction),
                    lambda a, b: module(a, b, LABELS), [x1, x2])
        one = torch.tensor(-1.0, dtype=torch.float64)
        assert_same(lambda a, b: embedding.cosine_embedding_loss(a, b, one, m, reduction),
                    lambda a, b: module(a, b, one), [x1[1], x2[1]])
    with pytest.raises(RuntimeError, match="0D or 1D target"):
        nn.CosineEmbeddingLoss()(x1[:2], x2[:2], torch.tensor([[1.0, -1.0]]))
    with pytest.raises(ValueError, match="0-d or 1-d"):
        embedding.cosine_embedding_loss(x1[:2], x2[:2], torch.tensor([[1.0, -1.0]]))


@pytest.mark.parametrize("shape", [(4,), (6, 4), (2, 3, 4)])
def test_triplet_grid(shape):
    a, p, n = rand(shape, 21), rand(shape, 22), rand(shape, 23)
    for norm, m, swap, eps, reduction in itertools.product(
            (1.0, 2.0, 3.0, 0.5, math.inf), (0.5, 1.0, 2.0), (False, True), (1e-6, 0.1), REDUCTIONS):
        module = nn.TripletMarginLoss(margin=m, p=norm, eps=eps, swap=swap, reduction=reduction)
        assert_same(lambda *abc: embedding.triplet_margin_loss(*abc, m, norm, eps, swap, reduction),
                    module, [a, p, n])


def test_triplet_refusals():
    a = torch.randn(2, 3)
    with pytest.raises(NotImplementedError, match="p = 0"):
        embedding.triplet_margin_loss(a, a, a, p=0)
    # p < 0 is refused too, although torch computes (sum |u_i|^p)^(1/p) there
    with pytest.raises(NotImplementedError, match="p = -1"):
        embedding.triplet_margin_loss(a, a + 1, a - 1, p=-1.0)
    u = torch.tensor([[1.0, 2.0, -0.5]], dtype=torch.float64)
    torch.testing.assert_close(
        nn.functional.pairwise_distance(u, 0 * u, p=-1.0),
        ((u + 1e-6).abs() ** -1).sum(-1) ** -1)
    with pytest.raises(ValueError, match="margin"):
        embedding.triplet_margin_loss(a, a, a, margin=0.0)
    with pytest.raises(ValueError, match="margin"):
        nn.TripletMarginLoss(margin=0.0)


# --- CTC --------------------------------------------------------------------

def _ctc_batch(seed, blank, C=5, T=6):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(T, 3, C, generator=g, dtype=torch.float64)
    labels = [c for c in range(C) if c != blank]
    targets = torch.tensor([[labels[0], labels[1], labels[1]],
                            [labels[2], labels[0], labels[0]],
                            [labels[3], labels[3], labels[3]]])
    return logits, targets, torch.tensor([T, T - 1, T - 2]), torch.tensor([3, 2, 0])


@pytest.mark.parametrize("blank", [0, 2, 4])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_grid(blank, concatenated):
    logits, targets, in_len, tg_len = _ctc_batch(blank, blank)
    if concatenated:
        targets = torch.cat([targets[n, :tg_len[n]] for n in range(3)])
    for reduction, zero_inf in itertools.product(REDUCTIONS, (False, True)):
        module = nn.CTCLoss(blank=blank, reduction=reduction, zero_infinity=zero_inf)
        assert_same(
            lambda x: ctc.ctc_loss(x.log_softmax(-1), targets, in_len, tg_len, blank, reduction, zero_inf),
            lambda x: module(x.log_softmax(-1), targets, in_len, tg_len), [logits])


def test_ctc_unbatched_and_impossible_targets():
    logits, targets, in_len, tg_len = _ctc_batch(0, 0)
    for reduction in REDUCTIONS:
        module = nn.CTCLoss(reduction=reduction)
        assert_same(lambda x: ctc.ctc_loss(x.log_softmax(-1), targets[0], in_len[0], tg_len[0],
                                           reduction=reduction),
                    lambda x: module(x.log_softmax(-1), targets[0], in_len[0], tg_len[0]),
                    [logits[:, 0]])
    # 'aa' in 2 frames is impossible: inf, and zero_infinity zeroes loss and gradient.
    short = logits[:2, :1]
    args = (torch.tensor([[1, 1]]), torch.tensor([2]), torch.tensor([2]))
    assert torch.isinf(ctc.ctc_loss(short.log_softmax(-1), *args))
    assert_same(lambda x: ctc.ctc_loss(x.log_softmax(-1), *args, zero_infinity=True),
                lambda x: nn.CTCLoss(zero_infinity=True)(x.log_softmax(-1), *args), [short])


def test_ctc_target_with_the_blank_raises():
    log_probs = torch.randn(5, 1, 4).log_softmax(-1)
    with pytest.raises(ValueError, match="blank"):
        ctc.ctc_loss(log_probs, torch.tensor([[1, 0, 2]]), torch.tensor([5]), torch.tensor([3]))


def test_torch_ctc_gradient_is_right_only_through_log_softmax():
    """pytorch#52241: for a leaf log_probs torch returns d/d(logits), not d/d(log_probs)."""
    logits = rand((5, 1, 4), 30)
    args = (torch.tensor([[1, 2]]), torch.tensor([5]), torch.tensor([2]))
    leaf = logits.log_softmax(-1).requires_grad_()
    (theirs,) = torch.autograd.grad(nn.CTCLoss(reduction="sum")(leaf, *args), leaf)
    (ours,) = torch.autograd.grad(ctc.ctc_loss(leaf, *args, reduction="sum"), leaf)
    torch.testing.assert_close(theirs, ours + leaf.detach().exp())  # differs by the softmax


def test_greedy_decoding_against_an_independent_argmax_collapse():
    for seed in range(50):
        log_probs = rand((12, 5), seed).log_softmax(-1)
        best_path = log_probs.argmax(-1)
        merged = torch.unique_consecutive(best_path)
        assert ctc.greedy_decode(log_probs) == merged[merged != 0].tolist()


def test_prefix_beam_search_with_a_wide_beam_is_exhaustive():
    for seed in range(30):
        probs = (2 * rand((5, 3), seed)).softmax(-1)
        table = ctc.label_probabilities(probs)
        assert abs(sum(table.values()) - 1) < 1e-12
        labels, p = ctc.prefix_beam_search(probs.log(), beam_width=10**6)
        best = max(table, key=table.get)
        assert tuple(labels) == best and abs(p - table[best]) < 1e-12
        loss = nn.CTCLoss(reduction="sum")(probs.log()[:, None], torch.tensor([labels]),
                                           torch.tensor([5]), torch.tensor([len(labels)]))
        assert abs(math.exp(-loss.item()) - p) < 1e-12


def test_outlier_claims_hold_for_any_seed():
    """regression-losses.md's outlier block, over 3000 seeds (the counted
    method of tests/seeds.py: no failure in 3000 bounds the false-failure
    rate below 1e-3): MSE is the mean, L1 a median, and moving the outlier
    30 -> 3000 leaves smooth L1's constant within a grid step and L1's
    among the medians.

    The page scans its grid of 15001 constants; here each loss's mean over
    the data is convex in the constant, so its grid argmin is the first
    grid point where the next one is no lower, found by bisection (14
    evaluations instead of 15001, all seeds at once)."""
    candidates = torch.linspace(-5, 10, 15001, dtype=torch.float64)
    losses = {"MSE": nn.MSELoss(reduction="none"), "L1": nn.L1Loss(reduction="none"),
              "SmoothL1": nn.SmoothL1Loss(reduction="none")}

    def best(data):  # data (B, 10) -> {name: (B,) best grid constants}
        found = {}
        for name, loss in losses.items():
            def mean_loss(index):
                residuals = candidates[index][:, None] - data
                return loss(residuals, 0 * residuals).mean(1)

            low = torch.zeros(len(data), dtype=torch.long)
            high = torch.full((len(data),), len(candidates) - 1)
            while (low < high).any():  # invariant: the first minimum is in [low, high]
                middle = (low + high) // 2
                rising = mean_loss(middle + 1) >= mean_loss(middle)
                high = torch.where(rising, middle, high)
                low = torch.where(rising, low, middle + 1)
            found[name] = candidates[low]
        return found

    inliers = torch.stack([rand((9,), seed) for seed in range(COUNTED_SEEDS)])
    outlier = torch.full((COUNTED_SEEDS, 1), 30.0, dtype=torch.float64)
    data = torch.cat([inliers, outlier], dim=1)
    far_data = torch.cat([inliers, 100 * outlier], dim=1)
    near, far = best(data), best(far_data)
    middle = data.sort(dim=1).values[:, 4:6]
    assert_counted("regression-losses.md: MSE is the mean",
                   (near["MSE"] - data.mean(1)).abs() <= 0.0005 + 1e-12)
    for constants in (near, far):
        assert_counted("regression-losses.md: L1 among the medians",
                       (middle[:, 0] - 0.001 <= constants["L1"])
                       & (constants["L1"] <= middle[:, 1] + 0.001))
    assert_counted("regression-losses.md: smooth L1 stays",
                   (far["SmoothL1"] - near["SmoothL1"]).abs() <= 0.001)
    # the bisection finds the page's scan on the first 25 seeds (L1's mean is
    # flat between the two middle values, where round-off picks the point)
    residuals = candidates[None, :, None] - data[:25, None, :]
    for name, loss in losses.items():
        scanned = candidates[loss(residuals, 0 * residuals).mean(2).argmin(1)]
        if name == "L1":
            inside = (middle[:25, 0] - 0.001 <= scanned) & (scanned <= middle[:25, 1] + 0.001)
            assert inside.all()
        else:
            assert ((scanned - near[name][:25]).abs() <= 0.001 + 1e-12).all(), name


def test_smooth_l1_constant_is_not_always_between_median_and_mean():
    """regression-losses.md: smooth L1's constant is 'neither the mean nor always
    between the median and the mean': some seed puts it below both middle values."""
    candidates = torch.linspace(-5, 10, 15001, dtype=torch.float64)
    inliers = torch.stack([rand((9,), seed) for seed in range(50)])
    data = torch.cat([inliers, torch.full((50, 1), 30.0, dtype=torch.float64)], 1)
    residuals = candidates[None, :, None] - data[:, None, :]
    loss = nn.SmoothL1Loss(reduction="none")(residuals, 0 * residuals).mean(2)
    constant = candidates[loss.argmin(1)]
    lower_median = data.sort(dim=1).values[:, 4]
    assert (constant < lower_median - 0.01).any()
    assert (constant < data.mean(1)).all()  # never the mean: the outlier pulls it less


def test_what_torch_does_at_the_kinks():
    """The pages' statements: MultiMarginLoss's hinge at exactly 0 has gradient 0;
    MarginRankingLoss (clamp_min) passes the gradient at its kink."""
    scores = torch.tensor([[1.5, 0.5]], dtype=torch.float64, requires_grad=True)
    loss = nn.MultiMarginLoss()(scores, torch.tensor([0]))  # 1 - 1.5 + 0.5 = 0
    (grad,) = torch.autograd.grad(loss, scores)
    assert loss == 0 and (grad == 0).all()
    x1 = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    loss = nn.MarginRankingLoss(margin=0.5)(x1, torch.tensor([0.5], dtype=torch.float64),
                                            torch.tensor([1.0], dtype=torch.float64))
    (grad,) = torch.autograd.grad(loss, x1)
    assert loss == 0 and grad.item() == -1.0
