"""The seam: run every block that markdown-exec executes at build time under ``pytest --codeblocks``.

pytest-codeblocks 0.18 collects only fences whose info string is exactly ``python``, ``sh`` or
``bash``; the build executes ``python exec="on" ...`` fences, which it skips. This plugin
collects those, reusing pytest-codeblocks' own fence parser, and runs them the way
markdown-exec does:

- blocks of one ``session`` run in page order and share one globals dict;
- a ``--8<-- "path"`` line is replaced by the file it names under ``snippets/``, as
  pymdownx.snippets does at build time, so the test runs the very code the page shows;
- code is compiled with the file name ``docs/page.md:LINE``, so a failure names page and line.

The build hook (``overrides/hooks/build_checks.py``) imports the fence and include helpers
below, so both runners agree on what an executed block and an include are.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType

import pytest
from pytest_codeblocks import extract_from_file

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "snippets"

# The fence line of a markdown-exec Python block, possibly indented (inside tabs or admonitions).
EXEC_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,})\s*(?:python|py)\b(?P<options>.*)$")
_INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<target>[^"]+)"\s*$')
_EXEC_OPTION = re.compile(r'\bexec="(?P<value>[^"]*)"')
_SESSION_OPTION = re.compile(r'\bsession="(?P<value>[^"]*)"')


def is_executed(options: str) -> bool:
    """markdown-exec's own truth test for the ``exec`` option."""
    match = _EXEC_OPTION.search(options)
    return bool(match) and match["value"].lower() not in {"", "no", "off", "false", "0"}


def session_of(options: str) -> str | None:
    """The ``session`` option of a fence, if any."""
    match = _SESSION_OPTION.search(options)
    return match["value"] if match and match["value"] else None


def include_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(1-based line number, target) of every single-file ``--8<-- "target"`` line."""
    return [(n, m["target"]) for n, line in enumerate(lines, start=1) if (m := _INCLUDE.match(line))]


def find_snippet(target: str) -> Path | None:
    path = SNIPPETS / target
    return path if path.is_file() else None


def expand_includes(code: str, page: str, fence_line: int) -> str:
    """Replace include lines by the file they name, like pymdownx.snippets with check_paths."""
    expanded = []
    for offset, line in enumerate(code.splitlines(keepends=True), start=1):
        where = f"{page}:{fence_line + offset}"
        match = _INCLUDE.match(line)
        if not match:
            if "--8<--" in line:
                raise ValueError(f"{where}: only whole-file includes '--8<-- \"path\"' are supported: {line!r}")
            expanded.append(line)
            continue
        path = find_snippet(match["target"])
        if path is None:
            raise FileNotFoundError(f"{where}: snippet file '{match['target']}' not found under snippets/")
        text = path.read_text(encoding="utf-8")
        expanded.append(text if text.endswith("\n") else text + "\n")
    return "".join(expanded)


def page_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


class ExecutedBlocks(pytest.File):
    """The markdown-exec Python blocks of one Markdown page, one test item each."""

    def collect(self):
        # session name -> its blocks in page order, and how many of them have run
        self.session_blocks: dict[str, list[ExecutedBlock]] = {}
        self.session_state: dict[str, tuple[dict, int]] = {}
        page = page_name(self.path)
        for block in extract_from_file(self.path):
            where = f"{page}:{block.lineno}"
            match = EXEC_FENCE.match("```" + (block.syntax or ""))
            if not match or not is_executed(match["options"]):
                if block.syntax in {"python", "sh", "bash"} and "--8<--" in block.code:
                    raise ValueError(f'{where}: an include in a plain fence would run as Python; use exec="on".')
                continue
            item = ExecutedBlock.from_parent(
                self,
                name=f"exec line {block.lineno}",
                where=where,
                code=expand_includes(block.code, page, block.lineno),
                session_name=session_of(match["options"]),
            )
            if item.session_name:
                self.session_blocks.setdefault(item.session_name, []).append(item)
            yield item


class ExecutedBlock(pytest.Item):
    def __init__(self, *, where: str, code: str, session_name: str | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.where, self.code, self.session_name = where, code, session_name

    def execute(self, namespace: dict) -> None:
        module_name = re.sub(r"[^a-zA-Z\d]+", "_", f"code block {self.where}")
        namespace["__name__"] = module_name
        sys.modules[module_name] = ModuleType(module_name)  # dataclasses look their module up
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(self.code, self.where, "exec"), namespace)
            except Exception as error:
                raise BlockFailed(self.where, self.session_name, error) from error

    def runtest(self) -> None:
        if self.session_name is None:
            self.execute({})
            return
        blocks = self.parent.session_blocks[self.session_name]
        namespace, done = self.parent.session_state.get(self.session_name, ({}, 0))
        position = blocks.index(self)
        # Run alone (pytest -k, --lf) or after a failure, a block first needs its session's earlier blocks.
        for earlier in blocks[done:position]:
            earlier.execute(namespace)
        self.execute(namespace)
        self.parent.session_state[self.session_name] = (namespace, position + 1)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, BlockFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"executed block {self.where}"


class BlockFailed(Exception):
    def __init__(self, where: str, session: str | None, error: Exception) -> None:
        session_note = f" (session '{session}')" if session else ""
        trace = "".join(traceback.format_exception(error))
        super().__init__(f"{where}{session_note}: block raised {type(error).__name__}\n{trace}")


def pytest_collect_file(file_path: Path, parent):
    if parent.config.option.codeblocks and file_path.suffix == ".md":
        return ExecutedBlocks.from_parent(parent, path=file_path)
