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

from pagecode import sandbox

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


# Audit events (PEP 578) that create, change or remove a file, and which arguments are paths.
_WRITING_EVENTS = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1),
    "os.truncate": (0,), "os.symlink": (1,), "os.link": (1,), "os.chmod": (0,), "os.utime": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.move": (1,),
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def forbid_writes_under(root: str) -> None:
    """Make any write into the project from this process raise PermissionError (naming the
    file), so a block cannot change the sources it is built from, nor make `mkdocs serve`
    rebuild forever. Writes to temporary folders and elsewhere stay allowed."""

    def inside(path) -> str | None:
        if isinstance(path, int) or path is None:
            return None
        try:
            full = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None
        return os.path.relpath(full, root) if full == root or full.startswith(root + os.sep) else None

    def audit(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
            targets = [path] if writing else []
        elif event in _WRITING_EVENTS:
            targets = [args[index] for index in _WRITING_EVENTS[event] if index < len(args)]
        else:
            return
        for target in targets:
            relative = inside(target)
            if relative is not None:
                raise PermissionError(f"a page's code may not write into the project: {relative} "
                                      "(write to a temporary folder instead)")

    sys.addaudithook(audit)


def imported_files(root: str) -> list[str]:
    """The project's own modules this page imported (its snippets), relative to the root."""
    found = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(root + os.sep):
            relative = os.path.relpath(os.path.abspath(path), root)
            if not relative.startswith("pagecode" + os.sep):
                found.add(relative)
    return sorted(found)


def contain(folder: str) -> None:
    """Work in the page's temporary folder, with ``HOME`` and ``TMPDIR`` inside it, so a block's
    relative paths, ``~`` and temporary files land there (the runner deletes it after the page).
    matplotlib and torch were imported by the fork server and keep the configuration and font
    cache they found then, so nothing is rebuilt."""
    for name in ("home", "tmp"):
        os.mkdir(os.path.join(folder, name))
    os.environ["HOME"] = os.path.join(folder, "home")
    os.environ["TMPDIR"] = tempfile.tempdir = os.path.join(folder, "tmp")
    os.chdir(folder)


def serve(conn, root: str, output_limit: int, folder: str, setup: str = "", prelude: str = "") -> None:
    """Answer (where, code, session, line, mode) requests until None arrives. ``setup`` runs once
    now, ``prelude`` before every block (see ``PageRunner``)."""
    sys.dont_write_bytecode = True  # no __pycache__ written into snippets/
    if root not in sys.path:
        sys.path.insert(0, root)
    system_temporary = tempfile.gettempdir()
    contain(folder)
    forbid_writes_under(root)
    # Outside the project and the temporary folders the kernel refuses every write, from C code
    # and subprocesses too, where it can. The project stays writable for the kernel so that a
    # write there which the audit hook cannot see fails loudly (the runner's snapshots find it)
    # rather than being refused without a word.
    sandbox.restrict_writes([folder, system_temporary, "/dev", root])
    setup_failure = None
    try:
        exec(compile(setup, "<pagecode setup>", "exec"), {"__name__": "pagecode_setup"})
    except BaseException as error:  # reported with the first block
        setup_failure = "".join(traceback.format_exception(error))
    prelude_code = compile(prelude, "<pagecode prelude>", "exec") if prelude else None
    sessions: dict[str, dict] = {}
    while True:
        request = conn.recv()
        if request is None:
            return
        if request == "imported files":
            conn.send(imported_files(root))
            continue
        where, code, session, line, mode = request
        if setup_failure:
            conn.send((ERROR, f"{where}: not run, because the runner's setup code failed:\n{setup_failure}", 0.0))
            continue
        conn.send(run_block(where, code, session, line, mode, sessions, output_limit, prelude_code))


def run_block(where, code, session, line, mode, sessions, output_limit, prelude_code=None):
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
    before_settings = settings()
    started = time.perf_counter()
    old_stdout, old_stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stray
    try:
        if prelude_code is not None:
            exec(prelude_code, {"__name__": "pagecode_prelude"})
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
    return OK, printed.getvalue(), seconds
