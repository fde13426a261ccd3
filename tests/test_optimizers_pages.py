"""The optimizer pages keep the site's layout rules (issue 12):

- a hidden line (``# markdown-exec: hide``) is presentation only: a
  ``print(...)`` call, never an assert or control flow, so the code a reader
  copies is the code that proves the claim;
- shown code parses on its own and no shown line is wider than 80 columns;
- every page ends with ``## References`` and reads intuition ... exercise ...
  references in that order;
- the shown code, run block by block in page order, prints no line wider
  than 80 columns (``python -m tests.test_optimizers_pages`` runs it).
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import sys
from pathlib import Path

import pytest
from pagecode.rules import page_blocks

PAGES = sorted(Path("docs/optimizers").glob("*.md"))
HIDE = "# markdown-exec: hide"


def shown_blocks(page: Path):
    """(line, shown code, session, options) of each executed block."""
    for block in page_blocks(page):
        code = block.code()
        shown = "".join(line for line in code.splitlines(keepends=True)
                        if not line.rstrip().endswith(HIDE))
        hidden = [line for line in code.splitlines()
                  if line.rstrip().endswith(HIDE)]
        yield block.line, shown, hidden, block.session, block.options


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_hidden_lines_are_presentation_only(page):
    for line, _, hidden, _, _ in shown_blocks(page):
        for code in hidden:
            statement = code.replace(HIDE, "").strip()
            assert statement.startswith("print("), f"{page}:{line}: {code}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_shown_code_parses_and_fits(page):
    for line, shown, _, _, _ in shown_blocks(page):
        ast.parse(shown, filename=f"{page}:{line}")
        for offset, text in enumerate(shown.splitlines(), start=1):
            assert len(text) <= 80, f"{page}:{line}+{offset}: {len(text)}"


ORDER = ["intuition", "derivation", "code", "figure", "pitfalls", "exercise",
         "references"]


def _kind(title: str) -> str | None:
    lowered = title.lower()
    for kind, words in (("intuition", ("intuition",)),
                        ("pitfalls", ("pitfall",)),
                        ("exercise", ("exercise",)),
                        ("references", ("references",))):
        if any(word in lowered for word in words):
            return kind
    return None


@pytest.mark.parametrize("page", [p for p in PAGES if p.name not in
                                  {"index.md", "exercises.md"}],
                         ids=lambda p: p.name)
def test_page_order(page):
    """Intuition first, then pitfalls, exercise, references last."""
    titles = re.findall(r"^## (.+)$", page.read_text(), flags=re.M)
    kinds = [k for k in map(_kind, titles) if k]
    assert kinds and kinds[0] == "intuition", (page, titles)
    assert kinds[-3:] == ["pitfalls", "exercise", "references"], (page, titles)
    assert titles[-1] == "References"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_page_has_references(page):
    text = page.read_text()
    assert "\n## References\n" in text
    references = text.split("\n## References\n", 1)[1]
    assert "pytorch.org/docs" in references


def output_widths(pages: list[Path]) -> list[str]:
    """Run the shown code of each page, session by session in page order;
    list every printed line wider than 80 columns (text outputs only)."""
    sys.path.insert(0, ".")
    problems = []
    for page in pages:
        sessions: dict[str, dict] = {}
        for line, shown, hidden, session, options in shown_blocks(page):
            namespace = sessions.setdefault(session or f"{line}",
                                            {"__name__": "__main__"})
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(shown, f"{page}:{line}", "exec"), namespace)
            if 'html="1"' in options or "result=" not in options:
                continue
            for text in out.getvalue().splitlines():
                if len(text) > 80:
                    problems.append(f"{page}:{line}: {len(text)}: {text}")
    return problems


if __name__ == "__main__":
    chosen = [Path(p) for p in sys.argv[1:]] or PAGES
    found = output_widths(chosen)
    print("\n".join(found) or "every printed line fits in 80 columns")
    sys.exit(bool(found))


CITED = {  # page: {what it describes: the identifier its references must hold}
    "ten-optimizers.md": {"Adam": "1412.6980", "AdamW": "1711.05101",
                          "amsgrad": "1904.09237",
                          "NAdam": "OM0jvwB8jIp57ZJjtNEZ",
                          "RAdam": "1908.03265",
                          "Rprop as torch runs it (iRprop-)": "Igel",
                          "LBFGS": "BF01589116"},
    "sgd.md": {"Adafactor's decoupled decay": "1804.04235",
               "AdamW": "1711.05101"},
}


@pytest.mark.parametrize("page", sorted(CITED))
def test_pages_cite_the_methods_they_describe(page):
    text = (Path("docs/optimizers") / page).read_text()
    references = text.split("\n## References\n", 1)[1]
    for method, identifier in CITED[page].items():
        assert identifier in references, f"{page}: no reference for {method}"
