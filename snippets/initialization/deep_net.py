"""A deep bias-free MLP, and a recorder of how the spread of activations and
gradients changes layer by layer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run torch on one thread, then restore the previous setting.

    A 16 x 256 by 256 x 256 product is too small to gain from a second
    thread, and when the CPU is shared the threads of a parallel region wait
    for each other: measured, a 100-layer trace ran several times slower on
    two busy cores than on one.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def deep_mlp(
    width: int = 256,
    depth: int = 100,
    activation: Callable[[], nn.Module] | None = None,
    init: Callable[[torch.Tensor], object] | None = None,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """`depth` bias-free `Linear(width, width)` layers, each followed by
    `activation()` if given.

    `init` is applied to every weight (e.g. ``nn.init.xavier_uniform_``);
    without it the weights keep nn.Linear's default initialization.
    """
    layers: list[nn.Module] = []
    with single_threaded():
        for _ in range(depth):
            if init is None:
                linear = nn.Linear(width, width, bias=False, dtype=dtype)
            else:
                # skip nn.Linear's own init: `init` overwrites it anyway
                linear = nn.utils.skip_init(
                    nn.Linear, width, width, bias=False, dtype=dtype
                )
                init(linear.weight)
            layers.append(linear)
            if activation is not None:
                layers.append(activation())
    return nn.Sequential(*layers)


@dataclass
class LayerTrace:
    """Standard deviations per layer, index 0 being the first layer.

    A layer is one Linear and the activation after it, so
    ``pre_activation_std`` is the std of the Linear's output and
    ``output_std`` that of the layer's output. ``input_grad_std`` is the std
    of the back-propagated gradient dL/d(input of the layer),
    ``weight_grad_std`` that of dL/dW, the gradient an optimizer would use.
    """

    input_std: float
    pre_activation_std: list[float]
    output_std: list[float]
    input_grad_std: list[float]
    weight_grad_std: list[float]


def trace_layers(
    net: nn.Module,
    x: torch.Tensor,
    upstream_grad: torch.Tensor | None = None,
) -> LayerTrace:
    """Run `x` forward and a gradient backward through `net`, recording
    stds with hooks.

    The backward pass starts from `upstream_grad` (by default standard
    normal noise from a fixed seed), so the gradient reaching the top layer
    has std about 1 and the recorded stds show only what the layers
    themselves do to it.
    """
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    depth = len(linears)
    # Stds stay tensors until the end: one conversion instead of one
    # synchronising .item() per layer.
    layer_input_std: list[torch.Tensor | None] = [None] * depth
    pre_activation_std: list[torch.Tensor | None] = [None] * depth
    input_grad_std: list[torch.Tensor | None] = [None] * depth

    def record(index: int):
        def forward_hook(module, args, output) -> None:
            (layer_input,) = args
            layer_input_std[index] = layer_input.detach().std()
            pre_activation_std[index] = output.detach().std()
            layer_input.register_hook(
                lambda grad: input_grad_std.__setitem__(index, grad.std())
            )

        return forward_hook

    handles = [
        linear.register_forward_hook(record(index))
        for index, linear in enumerate(linears)
    ]
    try:
        with single_threaded():
            for linear in linears:
                linear.weight.grad = None
            # A leaf that requires grad, so the first layer's input
            # gradient exists too.
            output = net(x.detach().clone().requires_grad_(True))
            if upstream_grad is None:
                noise = torch.Generator().manual_seed(0)
                upstream_grad = torch.randn(
                    output.shape, generator=noise, dtype=output.dtype
                )
            output.backward(upstream_grad)
            weight_grad_std = [linear.weight.grad.std() for linear in linears]
            output_std = output.detach().std()
    finally:
        for handle in handles:
            handle.remove()

    def as_floats(stds: list[torch.Tensor]) -> list[float]:
        return torch.stack(stds).tolist()

    return LayerTrace(
        input_std=layer_input_std[0].item(),
        pre_activation_std=as_floats(pre_activation_std),
        output_std=as_floats(layer_input_std[1:] + [output_std]),
        input_grad_std=as_floats(input_grad_std),
        weight_grad_std=as_floats(weight_grad_std),
    )


def layer_outputs(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Every layer's output (after its activation), recorded with forward
    hooks, for histograms."""
    outputs: list[torch.Tensor] = []

    def start_layer(module, args, output) -> None:
        outputs.append(output.detach())

    def replace_layer_output(module, args, output) -> None:
        outputs[-1] = output.detach()

    handles = []
    for module in net.modules():
        if isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(start_layer))
        elif not list(module.children()):
            # an activation: it finishes the current layer
            handles.append(module.register_forward_hook(replace_layer_output))
    try:
        with torch.no_grad(), single_threaded():
            net(x)
    finally:
        for handle in handles:
            handle.remove()
    return outputs
