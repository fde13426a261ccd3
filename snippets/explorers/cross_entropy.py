"""H(p), H(p, q) and KL(p‖q) of a fixed p against q = softmax(logits).

All in nats (natural log), each with the torch function that computes it:

- H(p)     = -Σ p log p           torch.special.entr(p).sum()
- H(p, q)  = -Σ p log q           F.cross_entropy(logits, p), p as the target
- KL(p‖q)  =  Σ p (log p - log q) F.kl_div(log q, p, reduction="sum")
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# The explorer's fixed p
P = torch.tensor([0.4, 0.25, 0.15, 0.12, 0.08], dtype=torch.float64)
LOGIT_RANGE = 8.0  # the widget's logit sliders run from -8 to 8


def information(logits) -> dict[str, float]:
    """q, H(p), H(p, q) and KL(p‖q) in nats, for q = softmax(logits)."""
    z = torch.as_tensor(logits, dtype=torch.float64)
    log_q = F.log_softmax(z, dim=0)
    return {
        "q": log_q.exp().tolist(),
        "entropy": torch.special.entr(P).sum().item(),
        "cross_entropy": F.cross_entropy(z[None], P[None]).item(),
        "kl": F.kl_div(log_q, P, reduction="sum").item(),
    }
