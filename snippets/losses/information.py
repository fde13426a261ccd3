"""Self-information, entropy, cross-entropy and KL divergence by hand, independent of torch.distributions."""

import math

import torch


def self_information(p: torch.Tensor, base: float = math.e) -> torch.Tensor:
    """I(x) = -log p(x): how surprising an outcome of probability p is."""
    # Adding 0.0 turns the -0.0 of a certain outcome into 0.0, so it prints without a minus sign.
    return -torch.log(p) / math.log(base) + 0.0


def entropy(probs: torch.Tensor, base: float = math.e) -> torch.Tensor:
    """H(P) = -sum p log p over the last dimension, taking 0 * log 0 = 0."""
    # xlogy(0, 0) is 0 by definition, where 0 * log(0) would be 0 * -inf = nan.
    return -torch.special.xlogy(probs, probs).sum(dim=-1) / math.log(base) + 0.0


def cross_entropy(p: torch.Tensor, q: torch.Tensor, base: float = math.e) -> torch.Tensor:
    """H(P, Q) = -sum p log q over the last dimension: the surprise of draws from P scored by Q."""
    return -torch.special.xlogy(p, q).sum(dim=-1) / math.log(base)


def kl_divergence(p: torch.Tensor, q: torch.Tensor, base: float = math.e) -> torch.Tensor:
    """D_KL(P || Q) = sum p log(p / q) over the last dimension, taking 0 * log(0 / q) = 0."""
    return (torch.special.xlogy(p, p) - torch.special.xlogy(p, q)).sum(dim=-1) / math.log(base)
