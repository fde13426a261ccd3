"""Run one page's executed blocks in a fresh worker process, the same way for the build and the tests.

Each page gets a new process, forked from a server that has already imported torch, numpy and
matplotlib and paid their first-use costs (``pagecode.warm``; ``multiprocessing``'s documented
"forkserver" start method with a preload list), so
no variable, imported snippet module or setting survives from another page or an earlier build.
The parent waits for each block with a time limit, and turns every way a block can go wrong into
a ``BlockError`` whose message starts with ``docs/page.md:LINE``:

- an exception, or ``sys.exit``, inside the block (with the traceback, naming page lines);
- running longer than ``PAGECODE_BLOCK_TIMEOUT`` seconds (default 120): the worker is killed;
- the worker dying (``os._exit``, a crash, a kill): its exit status or signal is reported;
- printing more than ``OUTPUT_LIMIT`` characters;
- leaving the working directory or a process-wide setting (torch's default dtype or print
  options, numpy's print options, environment variables, ...) changed;
- writing into the project (docs/, snippets/, ...): refused with PermissionError when Python
  writes (an audit hook in the worker); a write made by C code or another process (``torch.save``,
  ``os.system``, ``subprocess``) is found by comparing snapshots of the project tree taken before
  and after the block (``pagecode.guard``), and named, file by file.

Each page's worker gets a temporary folder of its own, deleted when the page is done: its working
directory, and ``HOME`` and ``TMPDIR`` (``tempfile``) point inside it, so what a block writes to a
relative path, to ``~`` or to a temporary file does not outlive the page. Where the kernel
offers Landlock (Linux 5.13+), the worker also gives up the right to write anywhere but that
folder, the system's temporary folder, ``/dev`` and the project (``pagecode.sandbox``), so a
write to an absolute path elsewhere (the real home, ``/etc``) is refused, from C code and
subprocesses too; without Landlock such a write is not contained.

After a worker has died or been stopped, the page's later blocks fail at once, naming the block
that broke it, rather than each waiting or blaming itself.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time

from pagecode import guard, worker
from pagecode.rules import ROOT

BLOCK_TIMEOUT_SECONDS = float(os.environ.get("PAGECODE_BLOCK_TIMEOUT", "120"))
OUTPUT_LIMIT = 1_000_000  # characters a block may print; the heaviest real figure is ~0.2 MB
PRELOAD = ["numpy", "torch", "matplotlib", "matplotlib.pyplot", "pagecode.worker", "pagecode.warm"]

_context = None


class BlockError(Exception):
    """A block failed; the message names page and line first."""


def _forkserver():
    global _context
    if _context is None:
        os.environ.setdefault("MPLBACKEND", "Agg")  # the workers draw off screen
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def start_forkserver() -> None:
    """Set up the forkserver context from the main thread, before threads start workers (it sets
    an environment variable; the server itself starts, under its own lock, on first use)."""
    _forkserver()


class _RunningPages:
    """Which pages have a block running, so that a write into the project seen while blocks of
    several pages ran (``pagecode.ahead`` runs pages side by side) names them all as suspects."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[PageRunner, set[str]] = {}  # runner -> pages whose blocks overlapped its block

    def start(self, runner: PageRunner) -> None:
        with self._lock:
            mine = self._seen.setdefault(runner, set())
            for other, seen in self._seen.items():
                seen.add(runner.page)
                mine.add(other.page)

    def finish(self, runner: PageRunner) -> set[str]:
        with self._lock:
            return self._seen.pop(runner, set()) - {runner.page}


_running = _RunningPages()


class PageRunner:
    """The worker process that runs one page's blocks, in page order."""

    def __init__(self, page: str, mode: str = "build", timeout: float | None = None, *,
                 setup: str = "", prelude: str = "") -> None:
        """``setup`` is code the worker runs once, before the page's first block, and ``prelude``
        code it runs before every block, each in a namespace of its own, not the page's: hooks
        for tools that run the pages under changed conditions (``tests/stream_shift.py`` moves
        the random stream with them). The build and the test plugin pass neither."""
        self.page, self.mode = page, mode
        self.timeout = BLOCK_TIMEOUT_SECONDS if timeout is None else timeout
        self.setup, self.prelude = setup, prelude
        self.folder: str | None = None  # the worker's temporary folder
        self.process = None
        self.connection = None
        self.broken: str | None = None  # why later blocks cannot run
        self.seconds: dict[str, float] = {}  # where -> run time

    def _start(self) -> None:
        context = _forkserver()
        self.connection, child = context.Pipe()
        self.folder = tempfile.mkdtemp(prefix="pagecode-")
        self.process = context.Process(
            target=worker.serve, args=(child, str(ROOT), OUTPUT_LIMIT, self.folder, self.setup, self.prelude),
            name=f"pagecode {self.page}", daemon=True,
        )
        self.process.start()
        child.close()

    def run(self, where: str, code: str, session: str | None, line: int) -> str:
        """What the block printed; BlockError if it failed in any way."""
        if self.broken:
            raise BlockError(f"{where}: not run, because {self.broken}")
        if self.process is None:
            self._start()
        # Snapshots just before and just after the block (about 1 ms each): a change between them
        # was made while it ran, by it or, when pages run side by side (pagecode.ahead), by a
        # block of a page running at the same time, which the message then names as well.
        _running.start(self)
        before = guard.snapshot(str(ROOT))
        try:
            printed, failure = self._run(where, code, session, line), None
        except BlockError as error:
            printed, failure = "", error
        after = guard.snapshot(str(ROOT))
        beside = _running.finish(self)
        written = guard.differences(before, after)
        if written:
            also = f"\nThe block also failed: {failure}" if failure else ""
            who = "the block wrote" if not beside else (
                f"the block, or a block of {', '.join(sorted(beside))} running at the same time "
                f"(PAGECODE_JOBS pages run at once; PAGECODE_JOBS=1 names the writer for certain), wrote")
            raise BlockError(
                f"{where}: {who} into the project ({'; '.join(written)}); a page's code may not "
                f"write there (write to a temporary folder instead, e.g. tempfile.mkdtemp()).{also}"
            ) from None
        if failure is not None:
            raise failure
        return printed

    def _run(self, where: str, code: str, session: str | None, line: int) -> str:
        if self.process is None:
            self._start()
        started = time.perf_counter()
        try:
            self.connection.send((where, code, session, line, self.mode))
            finished = self.connection.poll(self.timeout)
        except (BrokenPipeError, ConnectionResetError):
            finished = True
        if not finished:
            self._stop()
            self.broken = f"{where} ran for more than {self.timeout:g} s and was stopped"
            raise BlockError(f"{where}: the block ran for more than {self.timeout:g} s and was stopped (PAGECODE_BLOCK_TIMEOUT)")
        try:
            status, payload, _ = self.connection.recv()
        except (EOFError, ConnectionResetError, OSError):
            self.process.join(5)
            ended = self._describe_exit(self.process.exitcode)
            self.process = None
            self.broken = f"{where} {ended}"
            raise BlockError(f"{where}: the block {ended}; a page's code must not end or crash its process") from None
        finally:
            self.seconds[where] = time.perf_counter() - started
        if status != worker.OK:
            raise BlockError(payload)
        return payload

    def imported_files(self) -> list[str]:
        """Files of this repository the page's code imported (paths relative to the root)."""
        if self.process is None or self.broken:
            return []
        self.connection.send("imported files")
        if not self.connection.poll(self.timeout):
            return []
        return self.connection.recv()

    @staticmethod
    def _describe_exit(code: int | None) -> str:
        if code is None:
            return "stopped its worker process"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"killed its worker process with {name}"
        return f"ended its worker process with exit status {code} (os._exit or a crash)"

    def kill(self) -> None:
        """Stop the worker at once, from any thread; a block it was running fails as killed."""
        process = self.process
        if process is not None:
            process.kill()

    def _stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
            self.process = None

    def close(self) -> None:
        if self.process is not None and self.process.is_alive():
            try:
                self.connection.send(None)
            except OSError:
                pass
            self.process.join(5)
        self._stop()
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
