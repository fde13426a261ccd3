"""Entropy, cross-entropy and KL divergence of a fixed p against q = softmax(logits), with torch.

All three in nats (natural log), as torch computes them:

- H(p)     = -Σ p log p                           torch.special.entr(p).sum()
- H(p, q)  = -Σ p log q                           F.cross_entropy(logits, p) with a probability target
- KL(p‖q)  =  Σ p (log p - log q)                 F.kl_div(log q, p, reduction="sum")
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

P = torch.tensor([0.4, 0.25, 0.15, 0.12, 0.08], dtype=torch.float64)  # the explorer's fixed p
LOGIT_RANGE = 8.0  # the widget's logit sliders run from -8 to 8


def information(logits) -> dict[str, float]:
    """H(p), H(p, q) and KL(p‖q) in nats, and q itself, for q = softmax(logits)."""
    z = torch.as_tensor(logits, dtype=torch.float64)
    log_q = F.log_softmax(z, dim=0)
    return {
        "q": log_q.exp().tolist(),
        "entropy": torch.special.entr(P).sum().item(),
        "cross_entropy": F.cross_entropy(z[None], P[None]).item(),
        "kl": F.kl_div(log_q, P, reduction="sum").item(),
    }
