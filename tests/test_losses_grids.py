"""Option grids: the hand-written cross-entropy family against torch, values and gradients.

Every option torch accepts is crossed with every other: unbatched (C,) to (N, C, d1, d2)
inputs, the three reductions, class weights, ignore_index (also with probability targets),
label_smoothing, probability targets, weight and pos_weight broadcast on image-shaped
targets. Gradients come from torch.autograd through both versions, with respect to the
input and, where torch defines one, the target; the kinks (logit 0, tied logits, p = 0
and p = 1) are on every grid.
"""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from snippets.losses import cross_entropy_family as by_hand

SHAPES = [(4,), (6, 4), (3, 4, 5), (2, 4, 3, 2)]  # (C,), (N, C), (N, C, d1), (N, C, d1, d2)


def _target_shape(shape):
    return () if len(shape) == 1 else (shape[0], *shape[2:])


def _grads(loss, *tensors):
    return torch.autograd.grad(loss.sum(), tensors, allow_unused=True)


def _close(mine, theirs):
    torch.testing.assert_close(mine, theirs, rtol=1e-9, atol=1e-12, equal_nan=True)


def _logits_with_ties(shape, generator):
    logits = torch.randn(shape, generator=generator, dtype=torch.float64)
    if len(shape) == 1:
        logits[1] = logits[0]  # a tie for the max: the kink of the shift
    else:
        logits[0, 1] = logits[0, 0]
        logits[-1] = 0.0  # an all-zero sample: every class tied
    return logits.requires_grad_()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cross_entropy_grid_values_and_gradients(shape):
    generator = torch.Generator().manual_seed(len(shape))
    num_classes = shape[0] if len(shape) == 1 else shape[1]
    class_dim = 0 if len(shape) == 1 else 1
    logits = _logits_with_ties(shape, generator)
    labels = torch.randint(0, num_classes, _target_shape(shape), generator=generator)
    if labels.dim():
        labels.view(-1)[0] = 1  # so that ignore_index=1 removes at least one target
    soft = torch.randn(shape, generator=generator, dtype=torch.float64).softmax(class_dim)
    soft.requires_grad_()
    weight = torch.rand(num_classes, generator=generator, dtype=torch.float64) + 0.1
    checked = 0
    for w, smoothing, reduction in itertools.product(
        [None, weight], [0.0, 0.3], by_hand.REDUCTIONS
    ):
        for ignore in [-100, 1, -1]:
            theirs = F.cross_entropy(logits, labels, w, ignore_index=ignore,
                                     reduction=reduction, label_smoothing=smoothing)
            mine = by_hand.cross_entropy(logits, labels, w, ignore, reduction, smoothing)
            _close(mine, theirs)
            _close(_grads(mine, logits), _grads(theirs, logits))
            theirs = F.nll_loss(logits.log_softmax(class_dim), labels, w,
                                ignore_index=ignore, reduction=reduction)
            mine = by_hand.nll_loss(logits.log_softmax(class_dim), labels, w, ignore, reduction)
            _close(mine, theirs)
            _close(_grads(mine, logits), _grads(theirs, logits))
            checked += 2
        for ignore in [-100, -1]:  # torch ignores a negative ignore_index with probabilities
            theirs = F.cross_entropy(logits, soft, w, ignore_index=ignore,
                                     reduction=reduction, label_smoothing=smoothing)
            mine = by_hand.cross_entropy(logits, soft, w, ignore, reduction, smoothing)
            _close(mine, theirs)
            _close(_grads(mine, logits, soft), _grads(theirs, logits, soft))
            checked += 1
    assert checked == 2 * 2 * 3 * (3 * 2 + 2)


@pytest.mark.parametrize("ignore_index", [0, 3])
def test_probability_targets_with_non_negative_ignore_index_raise_like_torch(ignore_index):
    logits, target = torch.zeros(2, 4), torch.full((2, 4), 0.25)
    with pytest.raises(RuntimeError, match="ignore_index is not supported"):
        F.cross_entropy(logits, target, ignore_index=ignore_index)
    with pytest.raises(ValueError, match="ignore_index >= 0 needs class-index targets"):
        by_hand.cross_entropy(logits, target, ignore_index=ignore_index)


def test_mean_of_nd_cross_entropy_divides_by_kept_elements_or_their_weight():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 4, 5, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 3, (2, 4, 5), generator=generator)
    labels[0, 0] = -100  # five ignored pixels
    per_pixel = F.cross_entropy(logits, labels, reduction="none")
    kept = int((labels != -100).sum())
    assert kept == 2 * 4 * 5 - 5
    _close(F.cross_entropy(logits, labels), per_pixel.sum() / kept)
    assert not math.isclose(F.cross_entropy(logits, labels), per_pixel.sum() / 2)
    weight = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64)
    weighted = F.cross_entropy(logits, labels, weight, reduction="none")
    target_weight = weight[labels.clamp(min=0)] * (labels != -100)
    _close(F.cross_entropy(logits, labels, weight), weighted.sum() / target_weight.sum())
    _close(by_hand.cross_entropy(logits, labels, weight), weighted.sum() / target_weight.sum())


def test_every_target_ignored_gives_nan_mean_in_both():
    logits = torch.randn(3, 4, dtype=torch.float64)
    labels = torch.full((3,), -100)
    assert F.cross_entropy(logits, labels).isnan()
    assert by_hand.cross_entropy(logits, labels).isnan()
    assert by_hand.nll_loss(logits, labels, reduction="sum") == 0


def _probabilities_with_edges(shape, generator):
    probs = torch.rand(shape, generator=generator, dtype=torch.float64)
    flat = probs.view(-1)
    flat[:6] = torch.tensor([0.0, 1.0, 1e-14, 1 - 1e-13, 0.5, 1e-300], dtype=torch.float64)
    return probs.requires_grad_()


@pytest.mark.parametrize("shape", [(), (7,), (5, 3), (2, 3, 4, 4)], ids=str)
def test_binary_cross_entropy_grid_values_and_gradients(shape):
    generator = torch.Generator().manual_seed(len(shape))
    if shape == ():
        probs = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    else:
        probs = _probabilities_with_edges(shape, generator)
    hard = torch.randint(0, 2, shape, generator=generator).double()
    soft = torch.rand(shape, generator=generator, dtype=torch.float64).requires_grad_()
    weights = [None, torch.rand(shape, generator=generator, dtype=torch.float64)]
    if len(shape) == 4:
        weights.append(torch.rand(3, 1, 1, generator=generator, dtype=torch.float64))
    for target, w, reduction in itertools.product([hard, soft], weights, by_hand.REDUCTIONS):
        theirs = F.binary_cross_entropy(probs, target, w, reduction=reduction)
        mine = by_hand.binary_cross_entropy(probs, target, w, reduction)
        _close(mine, theirs)
        tensors = (probs, target) if target.requires_grad else (probs,)
        _close(_grads(mine, *tensors), _grads(theirs, *tensors))


@pytest.mark.parametrize("shape", [(), (7,), (5, 3), (2, 3, 4, 4)], ids=str)
def test_binary_cross_entropy_with_logits_grid_values_and_gradients(shape):
    generator = torch.Generator().manual_seed(len(shape))
    logits = 6 * torch.randn(shape, generator=generator, dtype=torch.float64)
    if shape:
        logits.view(-1)[:3] = torch.tensor([0.0, 40.0, -40.0], dtype=torch.float64)
    else:
        logits = torch.tensor(0.0, dtype=torch.float64)  # the kink the old softplus got wrong
    logits.requires_grad_()
    hard = torch.randint(0, 2, shape, generator=generator).double()
    soft = torch.rand(shape, generator=generator, dtype=torch.float64).requires_grad_()
    weights, pos_weights = [None, torch.rand(shape, generator=generator, dtype=torch.float64)], [None]
    if len(shape) >= 1:
        pos_weights.append(torch.rand(shape[-1], generator=generator, dtype=torch.float64) * 4)
    if len(shape) == 4:  # image-shaped: one weight per channel must be (C, 1, 1)
        pos_weights.append(torch.tensor([0.5, 2.0, 9.0], dtype=torch.float64).reshape(3, 1, 1))
        weights.append(torch.rand(3, 1, 1, generator=generator, dtype=torch.float64))
    grid = itertools.product([hard, soft], weights, pos_weights, by_hand.REDUCTIONS)
    for target, w, pw, reduction in grid:
        theirs = F.binary_cross_entropy_with_logits(logits, target, w, pos_weight=pw,
                                                    reduction=reduction)
        mine = by_hand.binary_cross_entropy_with_logits(logits, target, w, pw, reduction)
        _close(mine, theirs)
        tensors = (logits, target) if target.requires_grad else (logits,)
        _close(_grads(mine, *tensors), _grads(theirs, *tensors))


def test_softplus_gradient_at_zero_is_one_half_like_torch():
    x = torch.tensor([0.0, -0.0, 1e-30, -3.0, 3.0], dtype=torch.float64, requires_grad=True)
    (mine,) = torch.autograd.grad(by_hand.softplus(x).sum(), x)
    (theirs,) = torch.autograd.grad(F.softplus(x).sum(), x)
    _close(mine, theirs)
    assert mine[0] == 0.5
    # The old form, clamp(min=0) + log1p(exp(-|x|)), had slope 1 at 0: the defect fixed.
    old = x.clamp(min=0) + (-x.abs()).exp().log1p()
    assert torch.autograd.grad(old.sum(), x)[0][0] == 1.0


def test_bce_with_logits_gradient_at_zero_logits_matches_sigmoid_minus_target():
    # The nll-and-bce exercise puts every logit at 0: the gradient there must be
    # (sigmoid(0) - y) scaled by pos_weight on positives, the same as torch's.
    logits = torch.zeros(100, dtype=torch.float64, requires_grad=True)
    labels = torch.cat([torch.ones(10), torch.zeros(90)]).double()
    pos_weight = torch.tensor(9.0, dtype=torch.float64)
    loss = by_hand.binary_cross_entropy_with_logits(logits, labels, pos_weight=pos_weight,
                                                    reduction="sum")
    (grad,) = torch.autograd.grad(loss, logits)
    expected = torch.where(labels == 1, -pos_weight * 0.5, 0.5 * torch.ones(100).double())
    _close(grad, expected)


def test_pos_weight_of_shape_c_on_image_targets_is_wrong_or_refused():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 4, 5, generator=generator, dtype=torch.float64)
    target = torch.rand(2, 3, 4, 5, generator=generator, dtype=torch.float64)
    per_channel = torch.tensor([0.5, 2.0, 9.0], dtype=torch.float64)
    with pytest.raises(RuntimeError, match="must match the size"):  # W = 5 is not C = 3
        F.binary_cross_entropy_with_logits(logits, target, pos_weight=per_channel)
    square = torch.rand(2, 3, 3, 3, generator=generator, dtype=torch.float64)
    square_target = torch.rand(2, 3, 3, 3, generator=generator, dtype=torch.float64)
    silently_per_column = F.binary_cross_entropy_with_logits(square, square_target,
                                                             pos_weight=per_channel)
    per_channel_result = F.binary_cross_entropy_with_logits(
        square, square_target, pos_weight=per_channel.reshape(3, 1, 1))
    assert not torch.isclose(silently_per_column, per_channel_result)
    channel_by_channel = torch.stack([
        F.binary_cross_entropy_with_logits(square[:, c], square_target[:, c],
                                           pos_weight=per_channel[c], reduction="sum")
        for c in range(3)]).sum() / square.numel()
    _close(per_channel_result, channel_by_channel)


@pytest.mark.parametrize("function", [by_hand.binary_cross_entropy,
                                      by_hand.binary_cross_entropy_with_logits])
def test_binary_losses_refuse_broadcast_targets_like_torch(function):
    with pytest.raises(ValueError, match="must equal the input shape"):
        function(torch.full((4, 1), 0.5), torch.ones(4))
    torch_function = (F.binary_cross_entropy if function is by_hand.binary_cross_entropy
                      else F.binary_cross_entropy_with_logits)
    with pytest.raises(ValueError):
        torch_function(torch.full((4, 1), 0.5), torch.ones(4))


def test_unknown_reduction_is_refused_by_both():
    with pytest.raises(ValueError):
        F.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), reduction="average")
    with pytest.raises(ValueError, match="reduction must be one of"):
        by_hand.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), reduction="average")


def test_float_class_labels_are_refused_by_both_not_read_as_probabilities():
    logits = torch.zeros(3, 3)
    float_labels = torch.tensor([0.0, 2.0, 1.0])  # (N,) floats with N == C
    with pytest.raises(RuntimeError):
        F.cross_entropy(logits, float_labels)
    with pytest.raises(ValueError, match="probability targets need the input's shape"):
        by_hand.cross_entropy(logits, float_labels)
