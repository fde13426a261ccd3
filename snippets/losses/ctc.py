"""Connectionist temporal classification (CTC) by hand, for checking nn.CTCLoss.

Covers what nn.CTCLoss accepts: (T, N, C) or unbatched (T, C) inputs, padded
(N, S) or 1-D concatenated targets, every reduction, zero_infinity and any
blank index. One deliberate gap: a target that contains the blank, for which
torch returns a meaningless finite number, raises ValueError here.
"""

import itertools
import math
from collections import defaultdict

import torch

from snippets.losses.regression import reduce


def collapse(path, blank=0):
    """The labels a path spells: merge repeats, then drop blanks."""
    merged = [s for i, s in enumerate(path) if i == 0 or s != path[i - 1]]
    return [symbol for symbol in merged if symbol != blank]


def label_probabilities(probs, blank=0):
    """{labels: p(labels)}, summed over all C**T paths: tiny inputs only."""
    steps, classes = probs.shape
    table = defaultdict(float)
    for path in itertools.product(range(classes), repeat=steps):
        p = math.prod(probs[t, symbol].item() for t, symbol in enumerate(path))
        table[tuple(collapse(list(path), blank))] += p
    return dict(table)


def brute_force_probability(probs, target, blank=0):
    """p(target), summed over every one of the C**T paths."""
    return label_probabilities(probs, blank).get(tuple(target), 0.0)


def extended_labels(target, blank=0):
    """(blank, l1, blank, l2, ..., blank): the 2S + 1 states a path walks."""
    states = [blank]
    for label in target:
        states += [label, blank]
    return states


def log_alpha(log_probs, target, blank=0):
    """log alpha[t, s] = log p(frames 0..t end in state s), shape (T, 2S + 1).

    A path stays in its state, steps to the next, or skips a blank between
    two different labels.
    """
    states = extended_labels(target, blank)
    minus_inf = torch.tensor(-math.inf, dtype=log_probs.dtype)
    alpha = [[minus_inf] * len(states) for _ in range(log_probs.shape[0])]
    alpha[0][0] = log_probs[0, blank]
    if len(states) > 1:
        alpha[0][1] = log_probs[0, states[1]]
    for t in range(1, log_probs.shape[0]):
        for s, symbol in enumerate(states):
            incoming = [alpha[t - 1][s]]
            if s >= 1:
                incoming.append(alpha[t - 1][s - 1])
            if s >= 2 and symbol != blank and symbol != states[s - 2]:
                incoming.append(alpha[t - 1][s - 2])
            # Leaving out unreachable (-inf) states keeps gradients finite.
            reachable = [a for a in incoming if a.item() != -math.inf]
            if reachable:
                total = torch.logsumexp(torch.stack(reachable), dim=0)
                alpha[t][s] = total + log_probs[t, symbol]
    return torch.stack([torch.stack(row) for row in alpha])


def ctc_negative_log_likelihood(log_probs, target, blank=0):
    """-log p(target): a path ends in the last label or the blank after it."""
    if blank in target:
        raise ValueError("the target contains the blank: p = 0, not covered")
    alpha = log_alpha(log_probs, target, blank)
    return -torch.logsumexp(alpha[-1, -2:] if target else alpha[-1, -1:], dim=0)


def _split_targets(targets, target_lengths):
    """One list of labels per sample, from padded (N, S) or concatenated 1-D."""
    lengths = target_lengths.tolist()
    if targets.dim() == 2:
        return [targets[n, :k].tolist() for n, k in enumerate(lengths)]
    starts = itertools.accumulate([0] + lengths)
    return [targets[s : s + n].tolist() for s, n in zip(starts, lengths)]


def ctc_loss(
    log_probs, targets, input_lengths, target_lengths, blank=0,
    reduction="mean", zero_infinity=False,
):
    """nn.CTCLoss, one sample at a time."""
    if log_probs.dim() == 2:  # unbatched (T, C), 1-D target, 0-d lengths
        one = ctc_loss(
            log_probs[:, None], targets[None],
            torch.as_tensor(input_lengths)[None],
            torch.as_tensor(target_lengths)[None], blank, "none", zero_infinity,
        )[0]
        length = max(int(target_lengths), 1)
        return one / length if reduction == "mean" else one
    input_lengths = torch.as_tensor(input_lengths)
    target_lengths = torch.as_tensor(target_lengths)
    labels = _split_targets(targets, target_lengths)
    losses = torch.stack([
        ctc_negative_log_likelihood(log_probs[: input_lengths[n], n], y, blank)
        for n, y in enumerate(labels)
    ])
    if zero_infinity:
        losses = torch.where(torch.isinf(losses), 0.0, losses)
    if reduction == "mean":  # each loss over its target length, then the mean
        return (losses / target_lengths.clamp(min=1).to(losses.dtype)).mean()
    return reduce(losses, reduction)


def greedy_decode(log_probs, blank=0):
    """Best path decoding: the likeliest symbol of each frame, collapsed."""
    return collapse(log_probs.argmax(dim=-1).tolist(), blank)


def prefix_beam_search(log_probs, beam_width, blank=0):
    """The likeliest labelling among `beam_width` kept prefixes, and its p.

    Each prefix keeps two probabilities: of the paths that spell it and end
    in a blank, and of those that end in its last label. A repeated label
    extends the prefix only after a blank; otherwise it merges.
    """
    probs = log_probs.exp().tolist()
    beams = {(): (1.0, 0.0)}  # prefix -> (ends in blank, ends in a label)
    for frame in probs:
        grown = defaultdict(lambda: [0.0, 0.0])
        for prefix, (p_blank, p_label) in beams.items():
            for symbol, p in enumerate(frame):
                if symbol == blank:
                    grown[prefix][0] += (p_blank + p_label) * p
                elif prefix and symbol == prefix[-1]:
                    grown[prefix][1] += p_label * p  # merges: same prefix
                    grown[prefix + (symbol,)][1] += p_blank * p
                else:
                    grown[prefix + (symbol,)][1] += (p_blank + p_label) * p
        ranked = sorted(grown.items(), key=lambda item: -sum(item[1]))
        beams = dict(ranked[:beam_width])
    best = max(beams, key=lambda prefix: sum(beams[prefix]))
    return list(best), sum(beams[best])


def cudnn_conditions(
    log_probs, targets, input_lengths, target_lengths, blank=0
):
    """Which of the conditions for torch's cuDNN CTC kernel a call meets.

    From torch's `_use_cudnn_ctc_loss` (aten/src/ATen/native/cudnn/LossCTC.cpp),
    the test for lengths given as lists; the documentation's note lists the
    same, with "<= 256" where the source says "< 256" and adds "target length
    <= input length". For length tensors, `_use_cudnn_ctc_loss_tensor` wants
    int32 lengths and skips "input length == T" and "targets on CPU". Only
    meaningful on a CUDA build with cuDNN; on CPU torch uses its own kernel.
    """
    input_lengths = torch.as_tensor(input_lengths).reshape(-1)
    target_lengths = torch.as_tensor(target_lengths).reshape(-1)
    return {
        "log_probs on CUDA, float32, (T, N, C)": log_probs.is_cuda
        and log_probs.dtype == torch.float32 and log_probs.dim() == 3,
        "blank == 0": blank == 0,
        "targets 1-D (concatenated), int32, on CPU": targets.dim() == 1
        and targets.dtype == torch.int32 and not targets.is_cuda,
        "every input length == T": bool(
            (input_lengths == log_probs.shape[0]).all()
        ),
        "every target length < 256": bool((target_lengths < 256).all()),
        "target length <= input length": bool(
            (target_lengths <= input_lengths).all()
        ),
    }
