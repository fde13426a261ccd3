"""The hand-written cross-entropy family against torch.nn on shapes and options the pages do not show."""

import itertools
import math

import pytest
import torch
from torch import nn

from snippets.losses import cross_entropy_family as by_hand
from snippets.losses.class_chain import trace_torch_calls
from snippets.losses.information import cross_entropy, entropy, kl_divergence


@pytest.mark.parametrize("shape", [(7, 3), (2, 4, 5), (2, 3, 4, 2)])
def test_cross_entropy_and_nll_match_torch_on_extra_dimensions(shape):
    generator = torch.Generator().manual_seed(sum(shape))
    logits = torch.randn(shape, generator=generator, dtype=torch.float64)
    num_classes = shape[1]
    labels = torch.randint(0, num_classes, (shape[0], *shape[2:]), generator=generator)
    labels.view(-1)[0] = -100
    probabilities = torch.randn(shape, generator=generator, dtype=torch.float64).softmax(dim=1)
    weight = torch.rand(num_classes, generator=generator, dtype=torch.float64) + 0.1
    for class_weight, smoothing, reduction in itertools.product([None, weight], [0.0, 0.25], by_hand.REDUCTIONS):
        module = nn.CrossEntropyLoss(weight=class_weight, label_smoothing=smoothing, reduction=reduction)
        for target in (labels, probabilities):
            torch.testing.assert_close(
                by_hand.cross_entropy(logits, target, class_weight, -100, reduction, smoothing), module(logits, target))
        log_probs = by_hand.log_softmax(logits)
        torch.testing.assert_close(by_hand.nll_loss(log_probs, labels, class_weight, reduction=reduction),
                                   nn.NLLLoss(weight=class_weight, reduction=reduction)(log_probs, labels))


def test_binary_losses_match_torch_with_broadcast_weights():
    generator = torch.Generator().manual_seed(0)
    logits = 10 * torch.randn(4, 3, 2, generator=generator, dtype=torch.float64)
    labels = torch.rand(4, 3, 2, generator=generator, dtype=torch.float64)
    weight = torch.rand(3, 1, generator=generator, dtype=torch.float64)  # broadcast, not one per element
    pos_weight = torch.tensor([0.5, 4.0], dtype=torch.float64)
    for reduction in by_hand.REDUCTIONS:
        torch.testing.assert_close(
            by_hand.binary_cross_entropy_with_logits(logits, labels, weight, pos_weight, reduction),
            nn.BCEWithLogitsLoss(weight=weight, pos_weight=pos_weight, reduction=reduction)(logits, labels))
        probs = logits.sigmoid()
        torch.testing.assert_close(by_hand.binary_cross_entropy(probs, labels, weight, reduction),
                                   nn.BCELoss(weight=weight, reduction=reduction)(probs, labels))


def test_probability_target_with_ignore_index_is_refused_like_torch():
    logits, target = torch.zeros(2, 3), torch.full((2, 3), 1 / 3)
    with pytest.raises(RuntimeError):
        nn.CrossEntropyLoss(ignore_index=0)(logits, target)
    with pytest.raises(ValueError):
        by_hand.cross_entropy(logits, target, ignore_index=0)


def test_information_functions_match_torch_in_bits_and_with_zero_probabilities():
    # H(P, Q) = H(P) + KL holds by construction for the hand functions (same xlogy terms), so
    # each one is checked on its own against an independent torch implementation instead.
    generator = torch.Generator().manual_seed(0)
    p = torch.rand(100, 4, generator=generator, dtype=torch.float64)
    p[::3, 0] = 0.0  # outcomes P never produces: the 0 log 0 = 0 convention must hold
    p = p / p.sum(dim=-1, keepdim=True)
    q = torch.rand(100, 4, generator=generator, dtype=torch.float64)
    q = q / q.sum(dim=-1, keepdim=True)
    P, Q = torch.distributions.Categorical(probs=p), torch.distributions.Categorical(probs=q)
    bits = math.log(2)
    torch.testing.assert_close(entropy(p, base=2), P.entropy() / bits)
    torch.testing.assert_close(kl_divergence(p, q, base=2), torch.distributions.kl_divergence(P, Q) / bits)
    torch.testing.assert_close(cross_entropy(p, q, base=2),
                               nn.functional.cross_entropy(q.log(), p, reduction="none") / bits)
    assert not entropy(p).isnan().any() and (kl_divergence(p, q) >= 0).all()


def test_bce_clamps_log_at_minus_100_like_torch():
    probs = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5], dtype=torch.float64)
    labels = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    by_torch = nn.BCELoss(reduction="none")(probs, labels)
    torch.testing.assert_close(by_hand.binary_cross_entropy(probs, labels, reduction="none"), by_torch)
    assert by_torch.tolist()[:4] == [100.0, 100.0, 0.0, 0.0]


@pytest.mark.parametrize("loss_class", [nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss, nn.BCEWithLogitsLoss])
def test_traced_init_chain_is_the_mro_slice_that_defines_init(loss_class):
    built, calls = trace_torch_calls(loss_class)
    chain = [call.function for call in calls if call.function.endswith(".__init__")]
    assert chain == [f"{cls.__name__}.__init__" for cls in loss_class.__mro__
                     if "__init__" in vars(cls) and cls is not object]
    assert isinstance(built, loss_class) and chain[-1] == "Module.__init__"


def test_follow_refuses_a_path_whose_frames_do_not_call_each_other():
    from snippets.losses.class_chain import follow

    _, calls = trace_torch_calls(lambda: nn.CrossEntropyLoss()(torch.zeros(2, 3), torch.tensor([0, 1])))
    assert [c.function for c in follow(calls, ["Module._call_impl", "CrossEntropyLoss.forward"])] == [
        "Module._call_impl", "CrossEntropyLoss.forward"]
    with pytest.raises(ValueError, match="is not called by"):  # skips a level: forward calls cross_entropy
        follow(calls, ["Module._call_impl", "cross_entropy"])
    with pytest.raises(ValueError, match="not in the trace"):
        follow(calls, ["Module._call_impl", "NLLLoss.forward"])
