"""MkDocs hook: make every build failure name the page and the line that caused it.

- Executed fences (```python exec="on" ...) get ``id="docs/page.md:LINE"``, so markdown-exec's
  "code block exited with errors" warning, and the traceback it prints, name the page and line.
- ``--8<--`` includes are checked before pymdownx.snippets runs, which would name neither.
- A markdown-exec session used on two pages fails: the test bridge runs each page on its own.
- MkDocs' link and anchor warnings get the line of the offending link prepended.
- The repository root goes on ``sys.path`` so executed blocks can ``import snippets``.

With ``strict: true`` every warning logged here fails the build.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.codeblock_bridge import (  # noqa: E402  (needs ROOT on sys.path)
    EXEC_FENCE,
    find_snippet,
    include_lines,
    is_executed,
    session_of,
)

_sessions_seen: dict[str, str] = {}


def on_config(config):
    # MkDocs restores sys.path after loading a hook, so executed blocks need ROOT added again.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return config


def on_pre_build(config) -> None:
    _sessions_seen.clear()
    link_logger = logging.getLogger("mkdocs.structure.pages")
    if not any(isinstance(f, _LinkLineFilter) for f in link_logger.filters):
        link_logger.addFilter(_LinkLineFilter(Path(config.docs_dir)))


def on_page_markdown(markdown: str, page, config, files) -> str:
    where = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
    lines = markdown.split("\n")
    for number, target in include_lines(lines):
        if find_snippet(target) is None:
            raise PluginError(f"{where}:{number}: snippet file '{target}' not found under snippets/")
    for index, line in enumerate(lines):
        match = EXEC_FENCE.match(line)
        if not match or not is_executed(match["options"]):
            continue
        session = session_of(match["options"])
        if session:
            first = _sessions_seen.setdefault(session, where)
            if first != where:
                raise PluginError(
                    f"{where}:{index + 1}: markdown-exec session '{session}' is already used by "
                    f"{first}; sessions are global to the build, give each page its own."
                )
        if " id=" not in f" {match['options']}":
            lines[index] = f'{line} id="{where}:{index + 1}"'
    return "\n".join(lines)


class _LinkLineFilter(logging.Filter):
    """Prepend 'docs/page.md:LINE: ' to MkDocs' 'Doc file ... contains a link ...' warnings."""

    _pattern = re.compile(r"Doc file '(?P<page>[^']+)' contains (?:an unrecognized relative )?(?:a )?link (?:to )?'(?P<link>[^']+)'")

    def __init__(self, docs_dir: Path) -> None:
        super().__init__()
        self.docs_dir = docs_dir

    def filter(self, record: logging.LogRecord) -> bool:
        match = self._pattern.search(record.getMessage())
        if match:
            page = self.docs_dir / match["page"]
            line = _line_of(page, match["link"])
            record.msg = f"{self.docs_dir.name}/{match['page']}:{line}: {record.getMessage()}"
            record.args = ()
        return True


def _line_of(page: Path, link: str) -> int | str:
    for number, text in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if link in text:
            return number
    return "?"
