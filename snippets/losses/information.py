"""Self-information, entropy, cross-entropy, KL divergence and mutual
information by hand.

Written from the definitions with torch.special.xlogy (which defines 0 log 0 =
0), and independent of torch.distributions, which the pages and tests check them
against. All sums run over the last dimension; a joint table p(x, y) has x on
rows, y on columns.
"""

import math

import torch


def self_information(p: torch.Tensor, base: float = math.e) -> torch.Tensor:
    """I(x) = -log p(x): how surprising an outcome of probability p is."""
    # Adding 0.0 turns the -0.0 of a certain outcome into 0.0 (no minus sign
    # printed).
    return -torch.log(p) / math.log(base) + 0.0


def entropy(probs: torch.Tensor, base: float = math.e) -> torch.Tensor:
    """H(P) = -sum p log p over the last dimension, taking 0 log 0 = 0."""
    # xlogy(0, 0) is 0 by definition, where 0 * log(0) would be 0 * -inf = nan.
    return -torch.special.xlogy(probs, probs).sum(dim=-1) / math.log(base) + 0.0


def cross_entropy(p: torch.Tensor, q: torch.Tensor, base: float = math.e):
    """H(P, Q) = -sum p log q: the surprise of draws from P scored by Q."""
    return -torch.special.xlogy(p, q).sum(dim=-1) / math.log(base)


def kl_divergence(p: torch.Tensor, q: torch.Tensor, base: float = math.e):
    """D_KL(P || Q) = sum p log(p / q), taking 0 log(0 / q) = 0."""
    terms = torch.special.xlogy(p, p) - torch.special.xlogy(p, q)
    return terms.sum(dim=-1) / math.log(base)


def joint_entropy(joint: torch.Tensor) -> torch.Tensor:
    """H(X, Y) = -sum over all cells of p(x, y) log p(x, y), in nats."""
    return entropy(joint.flatten(-2))


def conditional_entropy(joint: torch.Tensor) -> torch.Tensor:
    """H(Y | X) = sum_x p(x) H(Y | X = x): the rows' entropies, weighted by
    p(x)."""
    p_x = joint.sum(dim=-1)
    rows = joint / p_x.unsqueeze(-1).clamp(min=torch.finfo(joint.dtype).tiny)
    return (p_x * entropy(rows)).sum(dim=-1)


def mutual_information(joint: torch.Tensor) -> torch.Tensor:
    """I(X; Y) = KL(p(x, y) || p(x) p(y)), straight from its definition."""
    p_x, p_y = joint.sum(dim=-1), joint.sum(dim=-2)
    independent = p_x.unsqueeze(-1) * p_y.unsqueeze(-2)
    return kl_divergence(joint.flatten(-2), independent.flatten(-2))
