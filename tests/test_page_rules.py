"""The rules every chapter page keeps (README, "How to add a page"), checked on the sources.

- A hidden line (``# markdown-exec: hide``) is presentation only: one ``print(...)`` call. An
  assert, a loop, a ``with`` or a definition is never hidden, so the code a reader sees (and the
  copy button copies) is the code that proves the claim. ``test_seam.py`` runs that shown code
  and compares its output with the page's; ``test_reading.py`` checks that its lines fit.
- A concept page (one with an "Intuition" section) reads intuition → derivation → code that
  proves it → pitfalls → exercise → references, in that order; pages that walk through a list
  (the ten ``nn.init`` methods, Poisson and KL, the atlas, the exercise pages) are organised by
  item. Every chapter page ends with its references, which cite the PyTorch docs.
"""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from pagecode.rules import HIDE_MARKER, page_blocks
from tests.sitebuild import ROOT

CHAPTERS = ("initialization", "losses", "optimizers")
PAGES = sorted(p for chapter in CHAPTERS for p in (ROOT / "docs" / chapter).glob("*.md"))
ORDER = ("intuition", "derivation", "code", "pitfalls", "exercise", "references")
# A survey page (margin or embedding losses) proves each loss in its own section instead of one
# "Code that proves it".
REQUIRED = tuple(kind for kind in ORDER if kind != "code")


def page_id(page) -> str:
    return page.relative_to(ROOT / "docs").as_posix()


def only_print_calls(code: str) -> bool:
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return False
    return all(
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and getattr(statement.value.func, "id", None) == "print"
        for statement in tree.body
    )


def hidden_runs(code: str) -> list[str]:
    """Each run of consecutive hidden lines (a call may span several), as one piece of code."""
    runs, current = [], []
    for line in code.splitlines() + [""]:
        if HIDE_MARKER in line:
            current.append(line)
        elif current:
            runs.append("\n".join(current))
            current = []
    return runs


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_hidden_lines_are_presentation_only(page):
    hidden = [
        f"{block.where}: {run.strip()}"
        for block in page_blocks(page)
        for run in hidden_runs(block.code())
        if not only_print_calls(run)
    ]
    assert not hidden, "hidden lines that are not print calls:\n" + "\n".join(hidden)


def section_kinds(markdown: str) -> list[str]:
    kinds = []
    for title in re.findall(r"^## (.+)$", markdown, flags=re.M):
        word = title.lower()
        if word.startswith("intuition and derivation"):  # a survey page's opening section
            kinds += ["intuition", "derivation"]
            continue
        for kind, starts in (("intuition", "intuition"), ("derivation", "derivation"),
                             ("code", "code that proves"), ("pitfalls", "pitfall"),
                             ("exercise", "exercise"), ("references", "references")):
            if word.startswith(starts):
                kinds.append(kind)
    return kinds


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_concept_pages_read_in_order_and_every_page_ends_with_references(page):
    markdown = page.read_text(encoding="utf-8")
    kinds = section_kinds(markdown)
    assert re.findall(r"^## (.+)$", markdown, flags=re.M)[-1:] == ["References"], "last section"
    references = markdown.split("\n## References\n", 1)[1]
    assert "pytorch.org/docs" in references, "the references cite no PyTorch docs"
    if "intuition" in kinds:
        missing = [kind for kind in REQUIRED if kind not in kinds]
        assert not missing, f"a concept page needs {REQUIRED}; it has {kinds}"
        assert kinds == sorted(kinds, key=ORDER.index), f"sections out of order: {kinds}"
