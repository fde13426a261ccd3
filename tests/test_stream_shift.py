"""Every page's claims hold when the random stream moves: another seed, or one extra draw first.

A claim that holds only for the sample one seed happens to draw is not proven. Each chapter runs
under each shift of ``tests/stream_shift.py``, each page in a fresh worker of the build's own
runner, so a failure names its page and line and nothing leaks between pages.
"""

import pytest

from tests.sitebuild import ROOT
from tests.stream_shift import SHIFTS, Shift, pages_under, run_page_shifted, run_shifted

CHAPTERS = sorted(p.name for p in (ROOT / "docs").iterdir() if p.is_dir() and any(p.glob("*.md")))


@pytest.mark.parametrize("shift", SHIFTS, ids=[s.name for s in SHIFTS])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_claims_survive_a_shifted_random_stream(chapter, shift):
    failures = run_shifted(pages_under([str(ROOT / "docs" / chapter)]), shift)
    assert not failures, "\n\n".join(failures)


LUCKY_PAGE = """# Lucky

```python exec="on" session="lucky"
import torch
torch.manual_seed(0)
first = torch.rand(1).item()
```

```python exec="on" session="lucky"
assert torch.rand(1).item() == {second!r}, "holds only for the stream as drawn"
```
"""


def test_each_shift_really_moves_the_stream_the_blocks_see(tmp_path):
    """The check must be able to fail: a claim true only for seed 0 without an extra draw."""
    import torch

    stream = torch.Generator().manual_seed(0)  # the global generator's stream after manual_seed(0)
    torch.rand(1, generator=stream)
    second = torch.rand(1, generator=stream).item()
    (tmp_path / "lucky.md").write_text(LUCKY_PAGE.format(second=second), encoding="utf-8")
    assert run_page_shifted(tmp_path / "lucky.md", Shift("none", 0, False)) == []
    for shift in SHIFTS:
        (failure,) = run_page_shifted(tmp_path / "lucky.md", shift)
        assert ":9: the block raised AssertionError" in failure and "holds only for the stream" in failure, failure
