"""The seam: pytest runs every block that markdown-exec executes at build time, the same way.

Enabled in pyproject.toml, so plain ``pytest`` collects every ``docs/**/*.md`` (and
``pytest docs/losses/entropy.md`` runs one page). The blocks are found by ``pagecode.rules``
and run by ``pagecode.runner``, the very modules the build hook uses:

- each executed block is a test item, ``docs/page.md::exec line N``; blocks of a session share
  one namespace, in page order, in the page's own worker process, so a block's exit, crash,
  hang or changed global setting fails that item (naming page and line) and cannot end the run;
- a block selected alone (``-k``, ``--lf``) first runs its session's earlier blocks;
- each page with executed blocks also gets ``docs/page.md::shown code``: the code as the page
  shows it (lines marked ``# markdown-exec: hide`` removed; nothing for a block without a
  ``source`` option), run session by session in page order as plain Python, must run and print
  exactly what the build printed; an HTML block (a figure) must at least run.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from pagecode.rules import ROOT, page_blocks, page_name
from pagecode.runner import BlockError, PageRunner

DOCS = ROOT / "docs"
RUN_RECORD = "PAGECODE_RUN_RECORD"  # set by tests/run_suite.py


class ExecutedBlocks(pytest.File):
    """The executed Python blocks of one Markdown page, one test item each, plus its shown-code check."""

    def collect(self):
        self.runner: PageRunner | None = None
        self.session_blocks: dict[str, list[ExecutedBlock]] = {}
        self.session_done: dict[str, int] = {}  # how many of a session's blocks ran in self.runner
        self.outputs: dict[str, str] = {}  # where -> what the block printed
        blocks = page_blocks(self.path)
        items = []
        for block in blocks:
            item = ExecutedBlock.from_parent(self, name=f"exec line {block.line}", block=block)
            if block.session:
                self.session_blocks.setdefault(block.session, []).append(item)
            items.append(item)
        if items:
            items.append(ShownCode.from_parent(self, name="shown code", blocks=blocks))
        return items

    def page_runner(self) -> PageRunner:
        if self.runner is None or self.runner.broken:
            if self.runner is not None:
                self.runner.close()
            self.runner = PageRunner(page_name(self.path))
            self.session_done.clear()
        return self.runner

    def teardown(self) -> None:
        if getattr(self, "runner", None) is not None:
            self.runner.close()
            self.runner = None


class ExecutedBlock(pytest.Item):
    def __init__(self, *, block, **kwargs) -> None:
        super().__init__(**kwargs)
        self.block = block

    def execute(self, runner: PageRunner) -> str:
        block = self.block
        output = runner.run(block.where, block.code(), block.session, block.line)
        self.parent.outputs[block.where] = output
        return output

    def runtest(self) -> None:
        runner = self.parent.page_runner()
        session = self.block.session
        if session is None:
            self.execute(runner)
            return
        blocks = self.parent.session_blocks[session]
        done = self.parent.session_done.get(session, 0)
        position = blocks.index(self)
        # Run alone (pytest -k, --lf) or after a failure, a block first needs its session's earlier blocks.
        for earlier in blocks[done:position]:
            earlier.execute(runner)
            self.parent.session_done[session] = blocks.index(earlier) + 1
        self.execute(runner)
        self.parent.session_done[session] = position + 1

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, BlockError):
            session = f" (session '{self.block.session}')" if self.block.session else ""
            where, _, rest = str(excinfo.value).partition(": ")
            return f"{where}{session}: {rest}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.block.line - 1, f"executed block {self.block.where}"


class ShownCode(pytest.Item):
    """What the reader copies runs: the shown code prints what the page shows."""

    def __init__(self, *, blocks, **kwargs) -> None:
        super().__init__(**kwargs)
        self.blocks = blocks

    def runtest(self) -> None:
        page = page_name(self.path)
        built = dict(self.parent.outputs)
        if any(block.where not in built for block in self.blocks):  # run alone: run the page as the build does
            runner = PageRunner(page)
            try:
                for block in self.blocks:
                    built[block.where] = runner.run(block.where, block.code(), block.session, block.line)
            except BlockError as error:
                raise ShownCodeDiffers(f"{page}: the page's own code fails, see its exec items:\n{error}") from None
            finally:
                runner.close()
        problems = []
        shown = PageRunner(page, mode="shown")
        try:
            for block in self.blocks:
                try:
                    printed = shown.run(block.where, block.shown_code(keep_line_numbers=True), block.session, block.line)
                except BlockError as error:
                    problems.append(f"{error}\n(the shown code fails: does a hidden line define or import what it uses?)")
                    if shown.broken:
                        break
                    continue
                # An HTML block (a figure) must only run; a block that shows no code shows
                # output nobody can reproduce from the page, but is presentation (a table).
                if block.shows_source and not block.html and printed != built[block.where]:
                    diff = "\n".join(difflib.unified_diff(
                        built[block.where].splitlines(), printed.splitlines(),
                        "the page shows", "the shown code prints", lineterm="", n=1))
                    problems.append(f"{block.where}: the shown code prints other text than the page shows:\n{diff}")
        finally:
            shown.close()
        if problems:
            raise ShownCodeDiffers("\n\n".join(problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ShownCodeDiffers):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"shown code of {page_name(self.path)}"


class ShownCodeDiffers(Exception):
    pass


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".md" and file_path.resolve().is_relative_to(DOCS.resolve()):
        return ExecutedBlocks.from_parent(parent, path=file_path)


def pytest_sessionfinish(session, exitstatus):
    """Record that the run reached its end, for tests/run_suite.py (a process exit skips this)."""
    record = os.environ.get(RUN_RECORD)
    if record:
        Path(record).write_text(f"{int(exitstatus)} {session.testscollected}\n", encoding="utf-8")
