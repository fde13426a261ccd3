"""The worker process side of ``pagecode.runner``: executes one page's blocks, one request at a time.

It is imported by the fork server before any page (together with torch, numpy and matplotlib,
so a fresh worker starts in milliseconds); nothing from ``snippets`` is imported there, so every
page imports the current version of the snippet modules.
"""

from __future__ import annotations

import io
import linecache
import os
import re
import sys
import tempfile
import time
import traceback
from types import ModuleType

# Written into the parent's pipe: (status, payload, seconds). status is "ok" or "error".
OK, ERROR = "ok", "error"


class OutputTooLarge(BaseException):
    """Raised inside a block that prints more than the limit (a BaseException, so that a block's
    own ``except Exception`` cannot swallow it)."""


class CappedText(io.StringIO):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.exceeded = False

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.limit:
            self.exceeded = True
            raise OutputTooLarge(f"the block printed more than {self.limit:,} characters")
        return super().write(text)


# Environment variables a library sets for itself on first use (torch.optim's first step).
SET_BY_LIBRARIES = {"TORCHINDUCTOR_CACHE_DIR"}


def settings() -> dict[str, str]:
    """Process-wide settings a block could change for every later block of its page."""
    state = {"working directory": os.getcwd()}
    torch = sys.modules.get("torch")
    if torch is not None:
        state["torch default dtype (torch.set_default_dtype)"] = str(torch.get_default_dtype())
        state["torch default device (torch.set_default_device)"] = str(torch.get_default_device())
        state["torch print options (torch.set_printoptions)"] = repr(sorted(vars(torch._tensor_str.PRINT_OPTS).items()))
        state["torch threads (torch.set_num_threads)"] = str(torch.get_num_threads())
        state["torch grad mode (torch.set_grad_enabled)"] = str(torch.is_grad_enabled())
        state["torch deterministic algorithms"] = str(torch.are_deterministic_algorithms_enabled())
        state["torch anomaly detection"] = str(torch.is_anomaly_enabled())
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        state["numpy print options (numpy.set_printoptions)"] = repr(sorted(numpy.get_printoptions().items()))
    for name, value in os.environ.items():
        if name not in SET_BY_LIBRARIES:
            state[f"environment variable {name}"] = value
    return state


def source_files(roots: list[str]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every source file, to catch a block that writes into the project."""
    seen = {}
    for root in roots:
        if os.path.isfile(root):
            stat = os.stat(root)
            seen[root] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [name for name in subfolders if name not in {"__pycache__", ".git"}]
            for name in files:
                path = os.path.join(folder, name)
                stat = os.stat(path)
                seen[path] = (stat.st_mtime_ns, stat.st_size)
    return seen


def serve(conn, root: str, watched: list[str], output_limit: int) -> None:
    """Answer ("block", where, code, session, line, mode) requests until None arrives."""
    sys.dont_write_bytecode = True  # no __pycache__ written into snippets/
    if root not in sys.path:
        sys.path.insert(0, root)
    workdir = tempfile.mkdtemp(prefix="pagecode-")
    os.chdir(workdir)  # a block's relative writes land in a temporary folder
    sessions: dict[str, dict] = {}
    while True:
        request = conn.recv()
        if request is None:
            return
        where, code, session, line, mode = request
        conn.send(run_block(where, code, session, line, mode, sessions, root, watched, output_limit))


def run_block(where, code, session, line, mode, sessions, root, watched, output_limit):
    page = where.rsplit(":", 1)[0]
    # Compiled as the page itself, shifted to the block's lines, so a traceback names the page
    # and the exact line: File "docs/losses/entropy.md", line 83.
    padded = "\n" * line + code
    linecache.cache[page] = (len(padded), None, padded.splitlines(keepends=True), page)
    namespace = sessions.setdefault(session, {}) if session else {}
    module_name = re.sub(r"[^a-zA-Z\d]+", "_", f"code block {where}")
    namespace["__name__"] = module_name
    sys.modules[module_name] = ModuleType(module_name)  # dataclasses look their module up
    printed = CappedText(output_limit)
    stray = CappedText(output_limit)
    if mode == "build":
        # As markdown-exec: `print` writes to the block's output; other writes to stdout do not.
        namespace["print"] = lambda *texts, end="\n", **_: printed.write(" ".join(str(t) for t in texts) + end)
        stdout = stray
    else:  # "shown": what a reader running the shown code sees on standard output
        namespace.pop("print", None)
        stdout = printed
    before_settings, before_files = settings(), source_files(watched)
    started = time.perf_counter()
    old_stdout, old_stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stray
    try:
        exec(compile(padded, page, "exec"), namespace)
        failure = None
    except BaseException as error:  # SystemExit and KeyboardInterrupt are failures of the page too
        failure = error
    finally:
        sys.stdout, sys.stderr = old_stdout, old_stderr
    seconds = time.perf_counter() - started
    if printed.exceeded or stray.exceeded:
        return ERROR, f"{where}: the block printed more than {output_limit:,} characters; print a summary instead", seconds
    if failure is not None:
        # Leave out this function's own frame: the traceback starts in the page.
        trace = "".join(traceback.format_exception(type(failure), failure, failure.__traceback__.tb_next))
        if isinstance(failure, SystemExit):
            return ERROR, f"{where}: the block called sys.exit({failure.code!r}); a page's code must not end the process\n{trace}", seconds
        return ERROR, f"{where}: the block raised {type(failure).__name__}\n{trace}", seconds
    after_settings = settings()
    changed = [name for name in {**before_settings, **after_settings} if before_settings.get(name) != after_settings.get(name)]
    if changed:
        details = "; ".join(f"{name}: {before_settings.get(name)} -> {after_settings.get(name)}" for name in sorted(changed))
        return ERROR, (
            f"{where}: the block changed process-wide state ({details}). Every later block of the page "
            f"would run under it: restore it in the same block (e.g. a `with` statement or try/finally)."
        ), seconds
    after_files = source_files(watched)
    written = sorted(path for path in set(before_files) | set(after_files) if before_files.get(path) != after_files.get(path))
    if written:
        shown = ", ".join(os.path.relpath(path, root) for path in written[:5])
        return ERROR, f"{where}: the block wrote into the project's sources ({shown}); write to a temporary folder instead", seconds
    return OK, printed.getvalue(), seconds
