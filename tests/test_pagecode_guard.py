"""A block cannot write into the project unnoticed, however it writes; its own temporary files
are allowed and do not outlive the page.

Python's own writes are refused by the worker's audit hook (``tests/test_seam.py`` checks that);
these are the writes no audit event sees, made by C code or another process, which the runner
finds by comparing snapshots of the project tree (``pagecode/guard.py``).
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from pagecode import guard, sandbox
from pagecode.rules import ROOT
from pagecode.runner import BlockError, PageRunner
from tests.sitebuild import mkdocs_build, trimmed_project
from tests.test_seam import run_codeblocks

PROJECT = "from pathlib import Path\nimport pagecode\nproject = Path(pagecode.__file__).parents[1]\n"
# page -> (the writing code, the change the failure must name)
WRITERS = {
    "torch-save.md": ("import torch\ntorch.save(torch.zeros(2), project / 'docs' / 'saved.pt')", "created docs/saved.pt"),
    "numpy-save.md": ("import numpy\nnumpy.save(project / 'snippets' / 'saved.npy', numpy.zeros(2))",
                      "may not write into the project: snippets/saved.npy"),  # numpy opens with Python's open
    "shell-touch.md": ("import os\nos.system(f\"touch '{project}/docs/new.md'\")", "created docs/new.md"),
    "deletes.md": ("import subprocess\nsubprocess.run(['rm', project / 'snippets' / 'victim.txt'], check=True)",
                   "deleted snippets/victim.txt"),
    "c-open.md": ("import ctypes, os\nlibc = ctypes.CDLL(None)\n"
                  "os.close(libc.creat(str(project / 'docs' / 'c.txt').encode(), 0o644))", "created docs/c.txt"),
}
TEMPORARY_WRITES = """import os, tempfile
folder = tempfile.mkdtemp()
Path(folder, "scratch.txt").write_text("fine")
Path("relative.txt").write_text("fine too")  # the working directory is temporary
Path("~/.settings").expanduser().write_text("contained")
print("wrote", len(os.listdir(folder)), "file")"""
# The fence is on line 3; the block's code starts on line 4.
FENCE_LINE = 3


def page(title: str, code: str) -> str:
    return f'# {title}\n\n```python exec="on" session="{title}"\n{PROJECT}{code}\n```\n'


@pytest.fixture
def project(tmp_path):
    pages = {"index.md": "# Home\n", **{name: page(name[:-3], code) for name, (code, _) in WRITERS.items()},
             "zz-temporary.md": page("zz-temporary", TEMPORARY_WRITES)}
    project = trimmed_project(tmp_path, pages)
    (project / "snippets" / "victim.txt").write_text("delete me", encoding="utf-8")
    return project


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_writes_into_the_project_from_c_code_or_other_processes_fail_the_build_naming_page_line_and_file(project, tmp_path, jobs):
    """One page at a time, the block that saw a change is the block that made it; with pages side
    by side, every writer is still named, and a page that wrote nothing only as a suspect."""
    build = mkdocs_build(project, tmp_path / "site", PAGECODE_JOBS=jobs)
    log = build.stdout + build.stderr
    assert build.returncode != 0, log
    for name, (_, change) in WRITERS.items():
        assert f"docs/{name}:{FENCE_LINE}: " in log and change in log, (name, log)
    innocent = [line for line in log.splitlines() if "zz-temporary" in line and not line.startswith("INFO")]
    if jobs == "1":
        assert not innocent, log
    else:
        assert all("or a block of docs/" in line for line in innocent if line.startswith("  docs/zz-temporary.md")), log


def test_the_same_writes_fail_their_pytest_items_naming_page_line_and_file(project):
    tests = run_codeblocks(project, *WRITERS, "zz-temporary.md")
    assert tests.returncode == 1, tests.stdout
    for name, (_, change) in WRITERS.items():
        assert f"docs/{name}:{FENCE_LINE} (session '{name[:-3]}'): " in tests.stdout, (name, tests.stdout)
        assert change in tests.stdout, (name, tests.stdout)
    summary = tests.stdout.split("short test summary info")[-1]
    assert all(f"FAILED docs/{name}::exec line {FENCE_LINE}" in summary for name in WRITERS), tests.stdout
    assert "zz-temporary" not in summary, tests.stdout


def test_temporary_writes_pass_and_the_page_folder_with_home_and_tmp_is_removed_after_the_page():
    runner = PageRunner("docs/temporary.md")
    try:
        printed = runner.run("docs/temporary.md:3", PROJECT + TEMPORARY_WRITES, "temporary", 3)
        places = runner.run("docs/temporary.md:9", "import os, tempfile\nprint(os.getcwd(), tempfile.gettempdir(), "
                            "os.path.expanduser('~'))", "temporary", 9)
        folder = runner.folder
    finally:
        runner.close()
    assert printed == "wrote 1 file\n"
    assert all(Path(place).is_relative_to(folder) for place in places.split()), (places, folder)
    assert not os.path.exists(folder)


def test_a_snapshot_sees_creation_deletion_and_a_rewrite_that_restores_size_and_mtime(tmp_path):
    (tmp_path / "docs").mkdir()
    kept, removed = tmp_path / "docs" / "kept.md", tmp_path / "docs" / "removed.md"
    kept.write_text("same size")
    removed.write_text("x")
    before = guard.snapshot(str(tmp_path))
    status = kept.stat()
    kept.write_text("SAME SIZE")
    os.utime(kept, ns=(status.st_atime_ns, status.st_mtime_ns))  # only the ctime tells
    removed.unlink()
    (tmp_path / "docs" / "new").mkdir()
    (tmp_path / "site").mkdir()  # the build's output folder is not watched
    (tmp_path / "docs" / "__pycache__").mkdir()
    assert guard.differences(before, guard.snapshot(str(tmp_path))) == [
        "changed docs/kept.md", "created docs/new/", "deleted docs/removed.md"]


def test_the_project_snapshot_leaves_out_build_cache_and_tool_folders():
    watched = {path.split("/")[0] for path in guard.snapshot(str(ROOT))}
    assert {"docs", "snippets", "pagecode", "tests", "mkdocs.yml"} <= watched
    assert not {name for name in watched if name in guard.SKIPPED_TOP or name.startswith("site")}, watched


def test_setup_runs_once_and_the_prelude_before_every_block_outside_the_page_namespace():
    setup = "import builtins\nbuiltins.setup_runs = getattr(builtins, 'setup_runs', 0) + 1\n"
    prelude = "import builtins\nbuiltins.prelude_runs = getattr(builtins, 'prelude_runs', 0) + 1\n"
    runner = PageRunner("docs/hooks.md", setup=setup, prelude=prelude)
    try:
        runner.run("docs/hooks.md:1", "x = 1", "hooks", 1)
        printed = runner.run("docs/hooks.md:5", "print(setup_runs, prelude_runs, sorted(k for k in globals() "
                             "if not k.startswith('_')))", "hooks", 5)
    finally:
        runner.close()
    assert printed == "1 2 ['print', 'x']\n"

    failing = PageRunner("docs/hooks.md", setup="raise RuntimeError('no')")
    try:
        with pytest.raises(BlockError, match=r"docs/hooks.md:1: not run, because the runner's setup code failed"):
            failing.run("docs/hooks.md:1", "x = 1", None, 1)
    finally:
        failing.close()


@pytest.mark.skipif(sandbox.landlock_version() < 1, reason="this kernel has no Landlock: writes outside the project are not contained")
def test_the_kernel_refuses_a_write_outside_the_project_and_the_temporary_folders():
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)  # the real one: the worker's HOME is temporary
    targets = [home / ".pagecode-sandbox-test-c", home / ".pagecode-sandbox-test-python"]
    runner = PageRunner("docs/outside.md")
    try:
        shell = runner.run("docs/outside.md:3", f"import os\nprint(os.system(\"touch '{targets[0]}' 2>/dev/null\") != 0)", None, 3)
        with pytest.raises(BlockError, match=r"docs/outside.md:9: the block raised PermissionError"):
            runner.run("docs/outside.md:9", f"open({str(targets[1])!r}, 'w')", None, 9)
    finally:
        runner.close()
        written = [target for target in targets if target.exists()]
        for target in written:
            target.unlink()
    assert shell == "True\n" and not written
