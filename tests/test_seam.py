"""Bad input fails loudly, in both runners, naming the page and the line."""

from __future__ import annotations

import re
import subprocess
import sys

from pytest_codeblocks import extract_from_file

from tests.codeblock_bridge import EXEC_FENCE, is_executed
from tests.sitebuild import ROOT, mkdocs_build, trimmed_project

PILOT = "losses/entropy.md"


def run_codeblocks(project, page: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--codeblocks", "-p", "no:cacheprovider", f"docs/{page}"],
        cwd=project, capture_output=True, text=True, check=False,
    )


def executed_fence_lines(path) -> list[int]:
    return [
        block.lineno
        for block in extract_from_file(path)
        if (m := EXEC_FENCE.match("```" + block.syntax)) and is_executed(m["options"])
    ]


def test_a_raising_block_fails_build_and_pytest_naming_page_and_line(tmp_path):
    lines = (ROOT / "docs" / PILOT).read_text(encoding="utf-8").split("\n")
    fence_line = executed_fence_lines(ROOT / "docs" / PILOT)[2]  # a block in the middle of the session
    indent = len(lines[fence_line - 1]) - len(lines[fence_line - 1].lstrip())
    lines.insert(fence_line, " " * indent + 'raise RuntimeError("deliberately broken block")')
    project = trimmed_project(tmp_path, {"index.md": "# Home\n", PILOT: "\n".join(lines)}, relax_links=True)

    build = mkdocs_build(project, tmp_path / "site")
    build_log = build.stdout + build.stderr
    assert build.returncode != 0, build_log
    assert f"'docs/{PILOT}:{fence_line}' exited with errors" in build_log, build_log
    assert "deliberately broken block" in build_log

    tests = run_codeblocks(project, PILOT)
    assert tests.returncode == 1, tests.stdout
    assert f"docs/{PILOT}:{fence_line} (session 'losses-entropy'): block raised RuntimeError" in tests.stdout
    assert "deliberately broken block" in tests.stdout
    # The two blocks before it pass; every later block of the session needs it, so each of those
    # fails too, and names the broken block rather than itself.
    assert "2 passed" in tests.stdout, tests.stdout
    failures = re.findall(r"docs/losses/entropy.md:(\d+) \(session 'losses-entropy'\): block raised", tests.stdout)
    assert failures and set(failures) == {str(fence_line)}, tests.stdout


MISSING_SNIPPET_PAGE = """# Missing

Some prose.

```python exec="on" session="missing-snippet"
--8<-- "losses/no_such_file.py"
```
"""


def test_an_include_of_a_missing_snippet_fails_both_runners_naming_page_and_line(tmp_path):
    project = trimmed_project(tmp_path, {"index.md": MISSING_SNIPPET_PAGE})
    message = "docs/index.md:6: snippet file 'losses/no_such_file.py' not found under snippets/"

    build = mkdocs_build(project, tmp_path / "site")
    assert build.returncode != 0 and message in build.stdout + build.stderr, build.stdout + build.stderr

    tests = run_codeblocks(project, "index.md")
    assert tests.returncode != 0 and message in tests.stdout, tests.stdout


BROKEN_LINKS_PAGE = """# Links

A link to [a page that does not exist](nowhere.md).

A link to [a heading that does not exist](other.md#no-such-heading).
"""


def test_broken_links_and_anchors_fail_the_build_naming_page_and_line(tmp_path):
    project = trimmed_project(tmp_path, {"index.md": BROKEN_LINKS_PAGE, "other.md": "# Other\n"})
    build = mkdocs_build(project, tmp_path / "site")
    log = build.stdout + build.stderr
    assert build.returncode != 0, log
    assert "docs/index.md:3: Doc file 'index.md' contains a link 'nowhere.md'" in log, log
    assert "docs/index.md:5: Doc file 'index.md' contains a link 'other.md#no-such-heading'" in log, log


SESSION_PAGE = """# {title}

```python exec="on" session="shared-by-mistake"
x = 1
```
"""


def test_a_session_shared_by_two_pages_fails_the_build(tmp_path):
    pages = {"index.md": SESSION_PAGE.format(title="One"), "two.md": SESSION_PAGE.format(title="Two")}
    build = mkdocs_build(trimmed_project(tmp_path, pages), tmp_path / "site")
    assert build.returncode != 0
    assert "session 'shared-by-mistake' is already used by docs/" in build.stdout + build.stderr


def test_a_block_run_alone_first_runs_its_session_predecessors():
    last = executed_fence_lines(ROOT / "docs" / PILOT)[-1]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--codeblocks", "-p", "no:cacheprovider",
         f"docs/{PILOT}::exec line {last}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout
