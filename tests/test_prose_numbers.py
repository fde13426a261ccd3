"""Prose quotes no measurement that the page does not make.

Every number on a page is printed by a block that ran at build time; a sentence such as "we
measured a mean of -3.3 %" or "(observed: ratio at least 4.1)" quotes a run the reader cannot
see. This static check finds the phrases such quotes are written with, in the prose of every
page (code fences excluded). It cannot see a bare number, which is why the pages were also
reviewed by hand (issue 12); it keeps the reviewed class from coming back.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "labs" not in p.relative_to(DOCS).parts)
QUOTED_RUN = re.compile(  # words may be split over two lines
    r"\bwe\s+(?:measured|observed|found|saw|got)\b|\(observed\b|\bobserved:|"
    r"\bin\s+(?:our|one|a)\s+(?:run|test)\b|\bone-off\b|\bsimulated\s+chains\b",
    re.IGNORECASE,
)
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def prose_lines(page: Path):
    """(line number, text) of the lines outside code fences."""
    fence = None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        match = FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is None:
            yield number, line


def quoted_runs(page: Path) -> list[int]:
    """Line numbers where a quoted-run phrase starts (a code fence ends any phrase)."""
    found = []
    lines = list(prose_lines(page))
    for (number, line), (next_number, next_line) in zip(lines, lines[1:] + [(0, "")]):
        pair = line + ("\n" + next_line if next_number == number + 1 else "")
        found += [number for m in QUOTED_RUN.finditer(pair) if m.start() < len(line)]
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_prose_quotes_no_run_the_page_does_not_make(page):
    text = page.read_text(encoding="utf-8").splitlines()
    quoted = [f"{page.relative_to(DOCS.parent)}:{n}: {text[n - 1].strip()}"
              for n in quoted_runs(page)]
    assert not quoted, "quotes a run the page does not show:\n" + "\n".join(quoted)


def test_the_check_finds_a_quoted_run(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("Text.\n\n```python\n# we measured in code: fine\n```\n\n"
                    "Over 12 networks we\nmeasured a mean of -3.3 % (observed: 4.1).\n",
                    encoding="utf-8")
    assert quoted_runs(page) == [7, 8]
