"""Record the torch functions a call enters: homework 1, generated, not typed.

What a debugger's "step into" shows, recorded with sys.setprofile (the hook
Python's own profilers use), so the page prints it from the installed torch at
build time.
"""

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
    where: str  # "torch/nn/modules/loss.py:45", or "C" for compiled code
    detail: str = ""  # the attribute name given to __setattr__ and the like


def _in_torch(code_path: str) -> bool:
    return Path(code_path).resolve().is_relative_to(TORCH_PACKAGE)


def _torch_depth(frame) -> int:
    depth, caller = 0, frame.f_back
    while caller is not None:
        depth += _in_torch(caller.f_code.co_filename)
        caller = caller.f_back
    return depth


def _python_call(frame) -> Call:
    code = frame.f_code
    path = Path(code.co_filename).resolve().relative_to(TORCH_PACKAGE.parent)
    takes_name = "name" in code.co_varnames[: code.co_argcount]
    detail = f"name={frame.f_locals['name']!r}" if takes_name else ""
    where = f"{path}:{code.co_firstlineno}"
    return Call(_torch_depth(frame), code.co_qualname, where, detail)


def _compiled_call(frame, function) -> Call:
    # pybind11 prefixes some qualified names with its ABI tag: keep the plain
    # name.
    name = function.__qualname__
    if "pybind11" in name:
        name = function.__name__
    return Call(_torch_depth(frame) + 1, f"{function.__module__}.{name}", "C")


def trace_torch_calls(run: Callable[[], Any]) -> tuple[Any, list[Call]]:
    """Run run() under sys.setprofile; return its result and each torch call.

    Python functions come with file:line relative to the torch package; compiled
    torch functions (torch._C...) are recorded too: there Python stops and C++
    begins. Python builtins (isinstance, dict.get, ...) are not part of torch.
    """
    calls: list[Call] = []

    def profile(frame, event, arg):
        if event == "call" and _in_torch(frame.f_code.co_filename):
            calls.append(_python_call(frame))
        elif event == "c_call":
            if (getattr(arg, "__module__", None) or "").startswith("torch"):
                calls.append(_compiled_call(frame, arg))

    previous = sys.getprofile()  # put back any running profiler (coverage, say)
    sys.setprofile(profile)
    try:
        result = run()
    finally:
        sys.setprofile(previous)
    return result, calls


def follow(calls: list[Call], names: list[str]) -> list[Call]:
    """The first call of each name, in order; each must be called by the one
    before.

    "Called by" means: it comes later in the trace, one level deeper, with no
    return to the caller's level in between. Raises ValueError if the path
    breaks.
    """
    path, start = [], 0
    for name in names:
        for index in range(start, len(calls)):
            call = calls[index]
            if path and call.depth <= path[-1].depth:
                raise ValueError(f"{name} is not called by {path[-1].function}")
            if call.function == name:
                if path and call.depth != path[-1].depth + 1:
                    raise ValueError(
                        f"{name} is not called by {path[-1].function}"
                    )
                path.append(call)
                start = index + 1
                break
        else:
            raise ValueError(f"{name} is not in the trace after {start} calls")
    return path


def format_call_tree(calls: list[Call]) -> str:
    """One line per call, indented by depth: function(detail) and where it
    lives."""
    labels = [
        f"{'  ' * call.depth}{call.function}"
        + (f"({call.detail})" if call.detail else "")
        for call in calls
    ]
    width = max(map(len, labels))
    lines = zip(labels, calls)
    return "\n".join(f"{label:<{width}}  {call.where}" for label, call in lines)
