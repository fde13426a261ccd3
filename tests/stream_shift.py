"""Run pages' executed blocks with the random stream shifted, to find claims that hold only by luck.

A page seeds torch and then asserts what its samples show. If the assertion is a real claim it
holds for any seed; if it holds only for the drawn sample, moving the stream breaks it. Each
shift changes the stream in one of two ways, or both:

- ``seed offset``: every ``torch.manual_seed(s)`` becomes ``torch.manual_seed(s + offset)``;
- ``extra draw``: one ``torch.rand(1)`` is drawn before every block, so a block that does not
  reseed sees a later part of the stream.

The blocks run exactly as the build runs them: each page in a fresh worker of
``pagecode.runner.PageRunner``, whose ``setup`` hook (run once in the worker before the page)
moves the seeds and whose ``prelude`` hook (run before every block) makes the extra draw. A
failure is the runner's own ``BlockError``, naming page and line.

Run it on pages while writing: ``python -m tests.stream_shift docs/initialization``.
``tests/test_stream_shift.py`` runs every page under each shift.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from pagecode.rules import page_blocks, page_name
from pagecode.runner import BlockError, PageRunner


@dataclass(frozen=True)
class Shift:
    name: str
    seed_offset: int
    extra_draw: bool

    def setup(self) -> str:
        """Code the worker runs before the page: torch.manual_seed(s) seeds s + offset."""
        if not self.seed_offset:
            return ""
        return ("import torch\n"
                "seed_without_offset = torch.manual_seed\n"
                f"torch.manual_seed = lambda seed: seed_without_offset(int(seed) + {self.seed_offset})\n")

    def prelude(self) -> str:
        """Code the worker runs before every block: one draw from torch's global generator."""
        return "import torch\ntorch.rand(1)\n" if self.extra_draw else ""


SHIFTS = [
    Shift("seed+1", seed_offset=1, extra_draw=False),
    Shift("extra draw", seed_offset=0, extra_draw=True),
    Shift("seed+7919 and extra draw", seed_offset=7919, extra_draw=True),
]


def run_page_shifted(page: Path, shift: Shift) -> list[str]:
    """Failures of one page's blocks under one shift, each the runner's 'docs/page.md:LINE: ...'."""
    runner = PageRunner(page_name(page), setup=shift.setup(), prelude=shift.prelude())
    failures = []
    failed_sessions: set[str] = set()
    try:
        for block in page_blocks(page):
            if block.session in failed_sessions:
                continue  # later blocks need what the failed one would have defined
            try:
                runner.run(block.where, block.code(), block.session, block.line)
            except BlockError as error:
                failures.append(str(error))
                if runner.broken:
                    break
                if block.session:
                    failed_sessions.add(block.session)
    finally:
        runner.close()
    return failures


def run_shifted(pages: list[Path], shift: Shift) -> list[str]:
    """Failures of the pages' blocks under one shift, page by page."""
    return [failure for page in pages for failure in run_page_shifted(page, shift)]


def pages_under(paths: list[str]) -> list[Path]:
    found = []
    for path in map(Path, paths):
        found.extend(sorted(path.rglob("*.md")) if path.is_dir() else [path])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", help="pages or folders of pages")
    parser.add_argument("--shift", choices=[s.name for s in SHIFTS], action="append",
                        help="run only these shifts (default: all)")
    args = parser.parse_args(argv)
    pages = pages_under(args.paths)
    chosen = [s for s in SHIFTS if not args.shift or s.name in args.shift]
    status = 0
    for shift in chosen:
        failures = run_shifted(pages, shift)
        print(f"shift '{shift.name}': {len(failures)} failing block(s)")
        for failure in failures:
            print("  " + failure.replace("\n", "\n  "))
        status |= bool(failures)
    return status


if __name__ == "__main__":
    sys.exit(main())
