"""Record the torch functions entered while an object is built: homework 1, generated not typed."""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

TORCH_PACKAGE = Path(torch.__file__).resolve().parent


@dataclass(frozen=True)
class Call:
    depth: int  # how many torch frames were already on the stack
    function: str  # qualified name, e.g. "_Loss.__init__"
    where: str  # "torch/nn/modules/loss.py:45", or "C" for a compiled torch function
    detail: str = ""  # the attribute name of __setattr__, register_buffer and similar calls


def _in_torch(code_path: str) -> bool:
    return Path(code_path).resolve().is_relative_to(TORCH_PACKAGE)


def _torch_depth(frame) -> int:
    depth, caller = 0, frame.f_back
    while caller is not None:
        depth += _in_torch(caller.f_code.co_filename)
        caller = caller.f_back
    return depth


def trace_torch_calls(build: Callable[[], Any]) -> tuple[Any, list[Call]]:
    """Run build() under sys.setprofile; return its result and every torch function it entered.

    Python functions come with file:line relative to the torch package; compiled functions of
    torch (torch._C...) are recorded too, since they are where Python stops and C++ begins.
    Python builtins (isinstance, dict.get, ...) are left out: they are not part of torch.
    """
    calls: list[Call] = []

    def profile(frame, event, arg):
        if event == "call" and _in_torch(frame.f_code.co_filename):
            code = frame.f_code
            path = Path(code.co_filename).resolve().relative_to(TORCH_PACKAGE.parent)
            takes_name = "name" in code.co_varnames[: code.co_argcount]
            detail = f"name={frame.f_locals['name']!r}" if takes_name else ""
            calls.append(Call(_torch_depth(frame), code.co_qualname, f"{path}:{code.co_firstlineno}", detail))
        elif event == "c_call" and (getattr(arg, "__module__", None) or "").startswith("torch"):
            # pybind11 names some torch._C functions' module after its ABI tag: shorten it.
            module = "torch._C" if "pybind11" in arg.__module__ else arg.__module__
            calls.append(Call(_torch_depth(frame) + 1, f"{module}.{arg.__qualname__}", "C"))

    previous = sys.getprofile()  # put back whatever profiler was running (a coverage tool, say)
    sys.setprofile(profile)
    try:
        result = build()
    finally:
        sys.setprofile(previous)
    return result, calls


def format_call_tree(calls: list[Call]) -> str:
    """One line per call, indented by depth: function(detail) and where it is defined."""
    labels = [f"{'  ' * call.depth}{call.function}({call.detail})" if call.detail
              else f"{'  ' * call.depth}{call.function}" for call in calls]
    width = max(map(len, labels))
    return "\n".join(f"{label:<{width}}  {call.where}" for label, call in zip(labels, calls))
