"""The initialization chapter's references and folded modules.

The site-wide page rules (hidden lines, sections, references) are in tests/test_page_rules.py;
shown code run against the page in tests/test_seam.py; widths in tests/test_reading.py.
"""

import re

from tests.sitebuild import ROOT

PAGES = sorted((ROOT / "docs" / "initialization").glob("*.md"))


def test_folded_snippet_modules_fit():
    for module in sorted((ROOT / "snippets" / "initialization").glob("*.py")):
        for number, line in enumerate(module.read_text().splitlines(), 1):
            assert len(line) <= 80, f"{module.name}:{number}"


def test_reference_years_match_the_publications():
    """Saxe et al. appeared at ICLR 2014 (arXiv:1312.6120 is its December
    2013 preprint); the chapter cites it as 2014 everywhere."""
    text = "\n".join(page.read_text() for page in PAGES)
    assert "arXiv:1312.6120" in text
    assert not re.search(r"Saxe[^\n]{0,40}\(?2013\)?", text)
    assert re.search(r"Saxe[^\n]{0,40}\(?2014\)?", text)
