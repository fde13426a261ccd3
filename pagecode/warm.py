"""First-use work done once in the fork server, so that every page's worker starts warm.

Imported only by the fork server (``runner.PRELOAD``), never by the build process itself. A
fresh process pays on its first optimizer step about 2.7 s (``torch.optim`` then imports
``torch._dynamo``) and on its first figure about 0.2 s (fonts, mathtext, the SVG backend); done
here, every worker inherits the result instead of paying it per page. Nothing here draws from a
random generator or changes a setting a page could see.
"""

from __future__ import annotations

import io
import sys

import matplotlib.pyplot as plt
import torch


def _optimizer_step() -> None:
    weight = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=0.1)
    weight.sum().backward()
    optimizer.step()


def _figure() -> None:
    figure, axes = plt.subplots()
    axes.plot([0, 1], [0, 1])
    axes.set_title("$x^2$")
    figure.savefig(io.StringIO(), format="svg")
    plt.close(figure)


try:
    _optimizer_step()
    _figure()
except Exception as error:  # noqa: BLE001  (only speed is lost; the fork server must still start)
    print(f"pagecode.warm: warming the fork server failed, pages start cold: {error!r}", file=sys.stderr)
