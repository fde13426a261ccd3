"""Bad input fails loudly, in both runners, naming the page and the line."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from pagecode.rules import page_blocks
from tests.sitebuild import ROOT, mkdocs_build, trimmed_project

PILOT = "losses/entropy.md"


def run_codeblocks(project, *pages: str, **environment: str) -> subprocess.CompletedProcess:
    """Plain `pytest` (no flag to remember) on some pages of a project."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *(f"docs/{page}" for page in pages)],
        cwd=project, capture_output=True, text=True, check=False, env={**os.environ, **environment},
    )


def executed_fence_lines(path) -> list[int]:
    return [block.line for block in page_blocks(path)]


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
    assert f"docs/{PILOT}:{fence_line} (session 'losses-entropy'): the block raised RuntimeError" in tests.stdout
    assert f'File "docs/{PILOT}", line {fence_line + 1}' in tests.stdout  # the traceback names the page line
    assert "deliberately broken block" in tests.stdout
    # The two blocks before it pass; every later block of the session needs it, so each of those
    # fails too, and names the broken block rather than itself.
    assert "2 passed" in tests.stdout, tests.stdout
    failures = re.findall(r"docs/losses/entropy.md:(\d+) \(session 'losses-entropy'\): the block raised", tests.stdout)
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
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"docs/{PILOT}::exec line {last}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout


# Each page does one thing a page's code must not do; a last, innocent page shows that nothing
# leaked into it. Every failure must name the page and the line of the block that did it.
def bad_page(title: str, code: str) -> str:
    fence = '```python exec="on" session="{}"'.format(title)
    return f"# {title}\n\nSome prose.\n\n{fence}\nprint('before')\n```\n\n{fence}\n{code}\n```\n\n{fence}\nprint('after')\n```\n"


BAD_BLOCKS = {
    "exits.md": ("import os\nos._exit(0)", "the block ended its worker process with exit status 0"),
    "sys-exit.md": ("import sys\nsys.exit(0)", "the block called sys.exit(0)"),
    "hangs.md": ("while True:\n    pass", "the block ran for more than 3 s and was stopped"),
    "killed.md": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "the block killed its worker process with SIGKILL"),
    "floods.md": ("print('x' * 50_000_000)", "the block printed more than 1,000,000 characters"),
    "chdir.md": ("import os\nos.chdir('/')", "the block changed process-wide state (working directory"),
    "dtype.md": ("import torch\ntorch.set_default_dtype(torch.float64)",
                 "the block changed process-wide state (torch default dtype (torch.set_default_dtype): "
                 "torch.float32 -> torch.float64"),
    "printoptions.md": ("import torch\ntorch.set_printoptions(precision=1)", "the block changed process-wide state (torch print options"),
    "writes.md": ("from pathlib import Path\nimport pagecode\n(Path(pagecode.__file__).parents[1] / 'docs' / 'new.md').write_text('x')",
                  "the block raised PermissionError"),
}
ENDS_THE_WORKER = {"exits.md", "hangs.md", "killed.md"}
INNOCENT_PAGE = """# Innocent

```python exec="on" session="innocent"
import os
import torch
assert torch.get_default_dtype() == torch.float32
assert str(torch.tensor([0.123456789])) == "tensor([0.1235])"
print("clean")
```
"""


def bad_project(tmp_path):
    pages = {"index.md": "# Home\n", **{page: bad_page(page[:-3], code) for page, (code, _) in BAD_BLOCKS.items()},
             "zz-innocent.md": INNOCENT_PAGE}
    return trimmed_project(tmp_path, pages)


def test_a_block_that_exits_crashes_hangs_floods_or_changes_global_state_fails_the_build_naming_page_and_line(tmp_path):
    project = bad_project(tmp_path)
    build = mkdocs_build(project, tmp_path / "site", PAGECODE_BLOCK_TIMEOUT="3")
    log = build.stdout + build.stderr
    assert build.returncode != 0, log
    for page, (code, message) in BAD_BLOCKS.items():
        assert f"docs/{page}:9: {message}" in log, (page, log)
        if page == "writes.md":
            assert "a page's code may not write into the project: docs/new.md" in log, log
            assert not (project / "docs" / "new.md").exists()
        if page in ENDS_THE_WORKER:  # the page's later blocks fail at once, blaming the block that broke it
            assert f"docs/{page}:{9 + code.count(chr(10)) + 4}: not run, because docs/{page}:9" in log, (page, log)
    assert not [line for line in log.splitlines() if "zz-innocent" in line and not line.startswith("INFO")], log


def test_the_same_blocks_fail_their_own_pytest_items_and_the_run_completes(tmp_path):
    project = bad_project(tmp_path)
    tests = run_codeblocks(project, *BAD_BLOCKS, "zz-innocent.md", PAGECODE_BLOCK_TIMEOUT="3")
    assert tests.returncode == 1, tests.stdout
    for page, (_, message) in BAD_BLOCKS.items():
        assert f"docs/{page}:9 (session '{page[:-3]}'): {message}" in tests.stdout, (page, tests.stdout)
    assert "zz-innocent" not in tests.stdout.split("short test summary info")[-1], tests.stdout
    assert re.search(r"\d+ failed, \d+ passed in", tests.stdout), tests.stdout  # pytest itself finished


def run_suite(project, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.run_suite", "-p", "no:cacheprovider", *arguments],
                          cwd=project, capture_output=True, text=True, check=False)


def test_make_test_fails_when_pytest_is_ended_early_even_with_status_zero(tmp_path):
    # A plain ```python fence runs inside pytest itself (pytest-codeblocks): os._exit(0) there
    # ends pytest with status 0, after the first page's failing test.
    pages = {"a.md": "# A\n\n```python\nassert False\n```\n", "b.md": "# B\n\n```python\nimport os\nos._exit(0)\n```\n"}
    project = trimmed_project(tmp_path, {"index.md": "# Home\n", **pages})
    plain = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "docs/a.md", "docs/b.md"],
                           cwd=project, capture_output=True, text=True, check=False)
    assert plain.returncode == 0  # the hole: pytest's own status says "passed"
    suite = run_suite(project, "docs/a.md", "docs/b.md")
    assert suite.returncode != 0 and "before finishing its run" in suite.stderr, suite.stdout + suite.stderr


def test_make_test_fails_when_no_test_is_collected(tmp_path):
    project = trimmed_project(tmp_path, {"index.md": "# Home\n\nNo code here.\n"})
    suite = run_suite(project, "docs/index.md")
    assert suite.returncode != 0, suite.stdout + suite.stderr


def test_make_test_runs_the_suite_through_the_checked_runner():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "-m tests.run_suite" in recipe and "pytest" not in recipe.replace("tests.run_suite", ""), recipe


def test_superfences_lets_only_its_own_exception_out_of_a_fence_formatter():
    # The build hook relies on this: any other exception from a formatter makes SuperFences show
    # the block as plain, unexecuted code, without a word.
    import markdown
    import markdown_exec
    from pymdownx.superfences import SuperFencesException

    def failing(error):
        def format(source, language, css_class, options, md, **kwargs):
            raise error
        return markdown.Markdown(extensions=["pymdownx.superfences"], extension_configs={"pymdownx.superfences": {
            "custom_fences": [{"name": "python", "class": "python", "validator": markdown_exec.validator, "format": format}]}})

    text = '```python exec="on"\nprint(1)\n```\n'
    assert "print(1)" in failing(RuntimeError("swallowed")).convert(text)
    with pytest.raises(SuperFencesException):
        failing(SuperFencesException("raised")).convert(text)


def test_markdown_exec_validator_and_base_format_keep_the_interface_the_hook_uses():
    import inspect

    import markdown_exec

    inputs = {"exec": "on", "session": "s", "html": "1", "source": "above", "result": "text", "id": "docs/x.md:3"}
    options: dict = {}
    assert markdown_exec.validator("python", dict(inputs), options, {}, None)
    assert {"session": "s", "html": True, "id": "docs/x.md:3"}.items() <= options.items()
    assert {"run", "code", "md", "session", "id"} <= set(inspect.signature(markdown_exec.base_format).parameters)
    assert not markdown_exec.validator("python", {"session": "s"}, {}, {}, None)  # exec is off by default


def test_per_page_the_tests_collect_every_block_the_build_executes(site_build):
    result, _ = site_build
    executed = {page: int(count) for count, page in re.findall(r"pagecode: ran (\d+) blocks of (\S+) in", result.stdout + result.stderr)}
    collect = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "docs"],
                             cwd=ROOT, capture_output=True, text=True, check=False)
    collected: dict[str, int] = {}
    for page in re.findall(r"^(docs/\S+\.md)::exec line \d+$", collect.stdout, flags=re.MULTILINE):
        collected[page] = collected.get(page, 0) + 1
    assert executed and collected == executed, (collected, executed)
    # Each page with code also has its shown-code check, and plain ```python examples are
    # collected too (pytest-codeblocks, enabled by --codeblocks in pyproject.toml).
    assert {page for page in collected if f"{page}::shown code" in collect.stdout} == set(collected)
    assert re.search(r"^docs/initialization/exercises\.md::line \d+$", collect.stdout, flags=re.MULTILINE), collect.stdout


SHOWN_CODE_PAGE = """# Shown

```python exec="on" source="above" result="text" session="shown"
total = 2 + 2
print(f"total = {total}")
```

```python exec="on" source="above" result="text" session="shown"
hidden = 10  # markdown-exec: hide
print(hidden)
```

```python exec="on" source="above" result="text" session="shown"
print("shown")
print("only on the page")  # markdown-exec: hide
```

```python exec="on" source="above" result="text" session="shown"
print(*["a", "b"], sep=", ")
```

```python exec="on" html="1" source="above" session="shown"
print("<b>figure</b>")
```
"""


def test_the_shown_code_check_runs_what_the_reader_copies_and_compares_its_output(tmp_path):
    project = trimmed_project(tmp_path, {"index.md": "# Home\n", "shown.md": SHOWN_CODE_PAGE})
    tests = run_codeblocks(project, "shown.md")
    assert tests.returncode == 1 and "5 passed, 1 failed" in tests.stdout.replace("1 failed, 5 passed", "5 passed, 1 failed"), tests.stdout
    report = tests.stdout.split("shown code of docs/shown.md")[1]
    assert "docs/shown.md:8: the block raised NameError" in report  # a hidden line defined `hidden`
    assert 'File "docs/shown.md", line 10' in report
    assert "docs/shown.md:13: the shown code prints other text than the page shows" in report
    assert "-only on the page" in report  # printed by a hidden line
    # markdown-exec's print ignores sep=: the page shows "a b", the reader's Python prints "a, b".
    assert "docs/shown.md:18: the shown code prints other text than the page shows" in report
    assert "-a b" in report and "+a, b" in report
    assert "docs/shown.md:3" not in report and "docs/shown.md:22" not in report
