"""Which fences run, how includes expand, and what code a page shows: one definition for both runners.

The build hook (``overrides/hooks/build_checks.py``) and the test plugin (``tests/codeblock_bridge.py``)
both import this module, so a block the build executes is exactly a block the tests collect, with
the same code, line and session. It needs only the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "snippets"

# The fence line of a Python block, possibly indented (inside tabs or admonitions).
EXEC_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})[ \t]*(?:python|py)\b(?P<options>.*)$")
_INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"(?P<target>[^"]+)"\s*$')
_EXEC_OPTION = re.compile(r'\bexec="(?P<value>[^"]*)"')
_SESSION_OPTION = re.compile(r'\bsession="(?P<value>[^"]*)"')
_SOURCE_OPTION = re.compile(r'\bsource="(?P<value>[^"]*)"')
_HTML_OPTION = re.compile(r'\bhtml="(?P<value>[^"]*)"')
# markdown-exec leaves a source line out of the rendered page when it contains this marker.
HIDE_MARKER = "markdown-exec: hide"


def _truthy(value: str) -> bool:
    """markdown-exec's own truth test for options such as ``exec`` and ``html``."""
    return value.lower() not in {"", "no", "off", "false", "0"}


def is_executed(options: str) -> bool:
    match = _EXEC_OPTION.search(options)
    return bool(match) and _truthy(match["value"])


def session_of(options: str) -> str | None:
    match = _SESSION_OPTION.search(options)
    return match["value"] if match and match["value"] else None


def is_html(options: str) -> bool:
    match = _HTML_OPTION.search(options)
    return bool(match) and _truthy(match["value"])


@dataclass(frozen=True)
class Block:
    """One executed fence of a page."""

    page: str  # "docs/losses/entropy.md"
    line: int  # 1-based line of the opening fence
    options: str
    source: str  # the code between the fences, dedented, includes not expanded

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def session(self) -> str | None:
        return session_of(self.options)

    @property
    def html(self) -> bool:
        return is_html(self.options)

    def code(self) -> str:
        """The code the build runs: includes expanded, hidden lines kept."""
        return expand_includes(self.source, self.page, self.line)

    @property
    def shows_source(self) -> bool:
        """markdown-exec shows a block's code only with a ``source`` option (above, tabbed-right, ...)."""
        match = _SOURCE_OPTION.search(self.options)
        return bool(match and match["value"])

    def shown_code(self, keep_line_numbers: bool = False) -> str:
        """The code a reader sees and copies: includes expanded, hidden lines removed (or blanked,
        which Python reads the same, so that errors name the page's own lines); nothing for a
        block that shows only its output."""
        if not self.shows_source:
            return ""
        lines = self.code().split("\n")
        if keep_line_numbers:
            return "\n".join("" if HIDE_MARKER in line else line for line in lines)
        return "\n".join(line for line in lines if HIDE_MARKER not in line)


def executed_blocks(text: str, page: str) -> list[Block]:
    """Every executed Python fence of a page, in page order.

    A fence closes at a line holding only backticks, at least as many as opened it, with the
    opening indentation, as pymdownx.superfences reads nested fences."""
    lines = text.split("\n")
    blocks = []
    index = 0
    while index < len(lines):
        match = EXEC_FENCE.match(lines[index])
        opener = re.match(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})", lines[index])
        if not opener:
            index += 1
            continue
        indent, width = opener["indent"], len(opener["fence"])
        end = index + 1
        while end < len(lines) and not (
            lines[end].startswith(indent) and re.fullmatch(rf"`{{{width},}}[ \t]*", lines[end][len(indent):])
        ):
            end += 1
        if end == len(lines):
            raise ValueError(f"{page}:{index + 1}: this fence is never closed")
        if match and is_executed(match["options"]):
            body = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[index + 1:end]]
            blocks.append(Block(page, index + 1, match["options"].strip(), "\n".join(body)))
        index = end + 1
    return blocks


def page_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def page_blocks(path: Path) -> list[Block]:
    return executed_blocks(path.read_text(encoding="utf-8"), page_name(path))


def include_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(1-based line number, target) of every single-file ``--8<-- "target"`` line."""
    return [(n, m["target"]) for n, line in enumerate(lines, start=1) if (m := _INCLUDE.match(line))]


def find_snippet(target: str) -> Path | None:
    path = SNIPPETS / target
    return path if path.is_file() else None


def expand_includes(code: str, page: str, fence_line: int) -> str:
    """Replace include lines by the file they name, like pymdownx.snippets with check_paths."""
    expanded = []
    for offset, line in enumerate(code.split("\n"), start=1):
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
        expanded.append(path.read_text(encoding="utf-8").rstrip("\n"))
    return "\n".join(expanded)


def same_code(first: str, second: str) -> bool:
    """Equal up to blank lines and trailing spaces (pymdownx.snippets keeps an included file's
    last newline as one more blank line)."""
    def lines(code):
        return [line.rstrip() for line in code.split("\n") if line.strip()]
    return lines(first) == lines(second)
