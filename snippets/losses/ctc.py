"""Connectionist temporal classification (CTC) written out by hand, to be checked against nn.CTCLoss."""

import itertools
import math

import torch

from snippets.losses.regression import reduce


def collapse(path, blank=0):
    """The label sequence a frame-by-frame path stands for: merge repeats, then drop blanks."""
    merged = [symbol for i, symbol in enumerate(path) if i == 0 or symbol != path[i - 1]]
    return [symbol for symbol in merged if symbol != blank]


def brute_force_probability(probs, target, blank=0):
    """p(target) summed over every one of the C**T paths: exponential, for checking only."""
    steps, classes = probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        if collapse(list(path), blank) == list(target):
            total += math.prod(probs[t, symbol].item() for t, symbol in enumerate(path))
    return total


def extended_labels(target, blank=0):
    """(blank, l1, blank, l2, ..., blank): the 2S + 1 states a path walks through."""
    states = [blank]
    for label in target:
        states += [label, blank]
    return states


def log_alpha(log_probs, target, blank=0):
    """Forward variables log alpha[t, s] = log p(frames 0..t end in state s), shape (T, 2S + 1).

    A path may stay in a state, step to the next, or skip a blank between two different labels.
    """
    states = extended_labels(target, blank)
    steps = log_probs.shape[0]
    minus_inf = torch.tensor(-math.inf, dtype=log_probs.dtype)
    alpha = [[minus_inf] * len(states) for _ in range(steps)]
    alpha[0][0] = log_probs[0, blank]
    if len(states) > 1:
        alpha[0][1] = log_probs[0, states[1]]
    for t in range(1, steps):
        for s, symbol in enumerate(states):
            incoming = [alpha[t - 1][s]]
            if s >= 1:
                incoming.append(alpha[t - 1][s - 1])
            if s >= 2 and symbol != blank and symbol != states[s - 2]:
                incoming.append(alpha[t - 1][s - 2])
            # Unreachable predecessors are -inf; leaving them out keeps logsumexp's gradient finite.
            reachable = [value for value in incoming if value.item() != -math.inf]
            if reachable:
                alpha[t][s] = torch.logsumexp(torch.stack(reachable), dim=0) + log_probs[t, symbol]
    return torch.stack([torch.stack(row) for row in alpha])


def ctc_negative_log_likelihood(log_probs, target, blank=0):
    """-log p(target): a valid path ends in the last label or the blank after it."""
    alpha = log_alpha(log_probs, target, blank)
    return -torch.logsumexp(alpha[-1, -2:] if len(target) else alpha[-1, -1:], dim=0)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """nn.CTCLoss on (T, N, C) log-probabilities and (N, S) padded targets, one sample at a time."""
    losses = torch.stack([
        ctc_negative_log_likelihood(log_probs[: input_lengths[n], n], targets[n, : target_lengths[n]].tolist(), blank)
        for n in range(log_probs.shape[1])
    ])
    if zero_infinity:
        losses = torch.where(torch.isinf(losses), torch.zeros_like(losses), losses)
    if reduction == "mean":  # per-sample loss divided by its target length, then averaged
        return (losses / target_lengths.clamp(min=1).to(losses.dtype)).mean()
    return reduce(losses, reduction)
