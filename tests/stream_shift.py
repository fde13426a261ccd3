"""Run pages' executed blocks with the random stream shifted, to find claims that hold only by luck.

A page seeds torch and then asserts what its samples show. If the assertion is a real claim it
holds for any seed; if it holds only for the drawn sample, moving the stream breaks it. Each
shift changes the stream in one of two ways, or both:

- ``seed offset``: every ``torch.manual_seed(s)`` becomes ``torch.manual_seed(s + offset)``;
- ``extra draw``: one ``torch.rand(1)`` is drawn before every block, so a block that does not
  reseed sees a later part of the stream.

Run it on pages while writing: ``python -m tests.stream_shift docs/initialization``.
``tests/test_stream_shift.py`` runs every page under each shift, one process per chapter and
shift, so a global setting made by one chapter cannot reach another.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from pagecode.rules import page_blocks


@dataclass(frozen=True)
class Shift:
    name: str
    seed_offset: int
    extra_draw: bool


SHIFTS = [
    Shift("seed+1", seed_offset=1, extra_draw=False),
    Shift("extra draw", seed_offset=0, extra_draw=True),
    Shift("seed+7919 and extra draw", seed_offset=7919, extra_draw=True),
]


def executed_blocks(page: Path) -> list[tuple[str, str, str | None]]:
    """(where, code, session) of every executed block of a page, in page order."""
    return [(block.where, block.code(), block.session) for block in page_blocks(page)]


def run_shifted(pages: list[Path], shift: Shift) -> list[str]:
    """Failures ('page:line: error') of the pages' blocks run under one shift, in this process."""
    import torch

    original_seed = torch.manual_seed
    torch.manual_seed = lambda seed: original_seed(int(seed) + shift.seed_offset)
    failures = []
    try:
        for page in pages:
            sessions: dict[str, dict] = {}
            broken_sessions: set[str] = set()
            for where, code, session in executed_blocks(page):
                if session in broken_sessions:
                    continue  # later blocks need what the failed one would have defined
                namespace = sessions.setdefault(session, {"__name__": "__main__"}) if session else {"__name__": "__main__"}
                if shift.extra_draw:
                    torch.rand(1)
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        exec(compile(code, where, "exec"), namespace)
                except Exception as error:  # noqa: BLE001  (every failure is reported, by page and line)
                    failures.append(f"{_failing_line(where, error)}: {type(error).__name__}: {error}")
                    if session:
                        broken_sessions.add(session)
    finally:
        torch.manual_seed = original_seed
    return failures


def _failing_line(where: str, error: Exception) -> str:
    """'page.md:LINE' of the failing line: blocks are compiled as 'page.md:FENCE', lines counted from it."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == where]
    if not frames:
        return where
    page, fence = where.rsplit(":", 1)
    return f"{page}:{int(fence) + frames[-1].lineno}"


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
            print(f"  {failure}")
        status |= bool(failures)
    return status


if __name__ == "__main__":
    sys.exit(main())
