"""Every page's claims hold when the random stream moves: another seed, or one extra draw first.

A claim that holds only for the sample one seed happens to draw is not proven. Each chapter runs
under each shift of ``tests/stream_shift.py`` in its own process, so a failure names its page and
line and a global setting cannot leak between chapters.
"""

import subprocess
import sys

import pytest

from tests.sitebuild import ROOT
from tests.stream_shift import SHIFTS

CHAPTERS = sorted(p.name for p in (ROOT / "docs").iterdir() if p.is_dir() and any(p.glob("*.md")))


@pytest.mark.parametrize("shift", [s.name for s in SHIFTS])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_claims_survive_a_shifted_random_stream(chapter, shift):
    result = subprocess.run(
        [sys.executable, "-m", "tests.stream_shift", f"docs/{chapter}", "--shift", shift],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-3000:]}"
