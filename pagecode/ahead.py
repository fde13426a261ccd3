"""Run whole pages' code ahead of rendering, several pages at once.

MkDocs renders pages one after another, and markdown-exec asks for a block's output only when it
renders that block. A page's blocks depend only on the page (each page runs in its own fresh
worker process, ``pagecode.runner``), so the build can run every page's code as soon as it knows
the pages, ``PAGECODE_JOBS`` pages at a time (default: the number of CPUs), while MkDocs renders
the pages that are ready. Rendering then takes each block's stored result in page order.

A page's outcome is the same whether it ran ahead or on demand: ``run_page`` is the only way a
page's blocks are run by the build, and it runs them in page order in one worker, exactly as
before, recording each block's printed text or its ``BlockError`` message.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from pagecode.rules import Block
from pagecode.runner import BlockError, PageRunner, start_forkserver


@dataclass
class PageOutcome:
    """What running one page's blocks produced."""

    blocks: list[Block]
    results: list[list[str]] = field(default_factory=list)  # [status ("ok" or "error"), text] per block
    seconds: dict[str, float] = field(default_factory=dict)  # block location -> run time
    imported: list[str] = field(default_factory=list)  # repository files the page's code imported
    worker_survived: bool = True  # False after a timeout, exit or crash: the page ran only partly
    total_seconds: float = 0.0


def jobs() -> int:
    """How many pages run at once (``PAGECODE_JOBS``, default the number of CPUs)."""
    value = os.environ.get("PAGECODE_JOBS", "")
    count = int(value) if value else (os.cpu_count() or 1)
    if count < 1:
        raise ValueError(f"PAGECODE_JOBS must be a positive number of pages, got {value!r}")
    return count


def run_page(where: str, blocks: list[Block], runners: set[PageRunner] | None = None) -> PageOutcome:
    """Run a page's blocks in page order in one fresh worker; a failing block does not stop the
    blocks after it (the build reports every failure), a dead worker does (``PageRunner``)."""
    outcome = PageOutcome(blocks)
    runner = PageRunner(where)
    if runners is not None:
        runners.add(runner)
    started = time.perf_counter()
    try:
        for block in blocks:
            try:
                outcome.results.append(["ok", runner.run(block.where, block.code(), block.session, block.line)])
            except BlockError as error:
                outcome.results.append(["error", str(error)])
        outcome.worker_survived = runner.broken is None
        outcome.imported = runner.imported_files()
    finally:
        outcome.seconds = dict(runner.seconds)
        runner.close()
        if runners is not None:
            runners.discard(runner)
    outcome.total_seconds = time.perf_counter() - started
    return outcome


class Ahead:
    """Pages submitted to run ahead of rendering; ``take`` hands out a page's future once."""

    def __init__(self, workers: int) -> None:
        start_forkserver()  # once, from this thread, before any worker thread starts a process
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pagecode")
        self._futures: dict[str, Future] = {}
        self._runners: set[PageRunner] = set()

    def submit(self, where: str, blocks: list[Block]) -> None:
        self._futures[where] = self._pool.submit(run_page, where, blocks, self._runners)

    def take(self, where: str) -> Future | None:
        return self._futures.pop(where, None)

    def stop(self) -> None:
        """Drop pages not started yet and stop the workers of pages still running (a build that
        failed, or ended before rendering them)."""
        self._futures.clear()
        for runner in list(self._runners):
            runner.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
