"""`make test`'s pytest run, which passes only if pytest itself reached the end of a real run.

pytest's exit status alone can lie: code that calls ``os._exit(0)`` inside the test process
(a plain ``python`` fence run by pytest-codeblocks, or a test) ends it with status 0 halfway,
after other tests have failed. So pytest runs in a child process that records, in its last hook,
its exit status and how many tests it collected (tests/codeblock_bridge.py); this wrapper fails
when that record is missing, disagrees with the real exit status, or shows no tests collected.

    python -m tests.run_suite [pytest arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.codeblock_bridge import RUN_RECORD


def main(arguments: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="pytest-run-") as folder:
        record = Path(folder) / "finished"
        status = subprocess.run([sys.executable, "-m", "pytest", *arguments], env={**os.environ, RUN_RECORD: str(record)}).returncode
        if not record.is_file():
            print(f"pytest exited with status {status} before finishing its run "
                  "(os._exit or a crash in a test or a plain code block): the run FAILED", file=sys.stderr)
            return status or 1
        recorded, collected = (int(value) for value in record.read_text(encoding="utf-8").split())
    if recorded != status:
        print(f"pytest exited with status {status}, but its run ended with {recorded}: the run FAILED", file=sys.stderr)
        return status or recorded or 1
    if collected == 0:
        print("pytest collected no tests: the run FAILED", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
