"""The initialization chapter's pages show what they run, and fit a page.

- Hidden lines (``# markdown-exec: hide``) are presentation only: the
  caption print of a figure. No assertion, loop, branch or definition is
  hidden, so the shown code is the proof.
- The shown code, hidden lines removed, runs session by session in page
  order (the copy button copies it), and every shown code line and every
  printed line is at most 80 characters.
- The snippet modules the pages fold into ``??? info`` boxes fit too.
"""

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.sitebuild import ROOT
from tests.stream_shift import executed_blocks

PAGES = sorted((ROOT / "docs" / "initialization").glob("*.md"))
HIDE = "# markdown-exec: hide"
LIMIT = 80
PRESENTATION = re.compile(r"^\s*(print\(figure_html\(|[\"'].*[\"']\)*\s*$)")


def shown_code(code: str) -> str:
    return "".join(
        line for line in code.splitlines(keepends=True) if HIDE not in line
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_hidden_lines_are_presentation_only(page):
    for where, code, _ in executed_blocks(page):
        for line in code.splitlines():
            if HIDE in line:
                text = line.split(HIDE)[0].rstrip()
                assert PRESENTATION.match(text), f"{where}: hidden {text!r}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_shown_code_runs_and_fits(page):
    namespaces: dict[str, dict] = {}
    too_long = []
    for where, code, session in executed_blocks(page):
        shown = shown_code(code)
        too_long += [f"{where}: code {line!r}" for line in shown.splitlines()
                     if len(line) > LIMIT]
        namespace = namespaces.setdefault(session, {"__name__": "__main__"})
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(shown, where, "exec"), namespace)
        too_long += [f"{where}: printed {line!r}"
                     for line in output.getvalue().splitlines()
                     if len(line) > LIMIT]
    assert not too_long, "\n".join(too_long)


def test_folded_snippet_modules_fit():
    for module in sorted((ROOT / "snippets" / "initialization").glob("*.py")):
        for number, line in enumerate(module.read_text().splitlines(), 1):
            assert len(line) <= LIMIT, f"{module.name}:{number}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_ends_with_references(page):
    headings = re.findall(r"^## (.+)$", page.read_text(), re.MULTILINE)
    assert headings[-1] == "References", page.name


def test_reference_years_match_the_publications():
    """Saxe et al. appeared at ICLR 2014 (arXiv:1312.6120 is its December
    2013 preprint); the chapter cites it as 2014 everywhere."""
    text = "\n".join(page.read_text() for page in PAGES)
    assert "arXiv:1312.6120" in text
    assert not re.search(r"Saxe[^\n]{0,40}\(?2013\)?", text)
    assert re.search(r"Saxe[^\n]{0,40}\(?2014\)?", text)
