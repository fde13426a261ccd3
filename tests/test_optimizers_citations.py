"""The optimizer pages cite the paper of every method they describe.

The site-wide page rules (hidden lines, sections, references citing the PyTorch docs) are in
tests/test_page_rules.py; widths in tests/test_reading.py.
"""

from pathlib import Path

import pytest

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
