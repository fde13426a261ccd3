"""The execution cache of `make serve` is never stale and never shows a broken entry."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request

from tests.sitebuild import free_port, mkdocs_build, seconds_until, trimmed_project

PAGE = """# Cached

```python exec="on" result="text" session="cached"
from snippets.demo_value import value
print("value", value())
```
"""


def project_with_snippet(tmp_path, returned: int):
    project = trimmed_project(tmp_path, {"index.md": PAGE})
    set_value(project, returned)
    return project


def set_value(project, returned: int) -> None:
    path = project / "snippets" / "demo_value.py"
    path.write_text(f"def value():\n    return {returned}\n", encoding="utf-8")
    stamp = time.time() + 2  # a new mtime even within the file system's time resolution
    os.utime(path, (stamp, stamp))


def test_the_cache_reuses_results_until_an_imported_snippet_changes_and_discards_broken_entries(tmp_path):
    project = project_with_snippet(tmp_path, 8)
    folder = tmp_path / "cache"

    def build(cached: bool = True) -> tuple[str, str]:
        result = mkdocs_build(project, tmp_path / "site", **({"PAGECODE_CACHE": str(folder)} if cached else {}))
        log = result.stdout + result.stderr
        assert result.returncode == 0, log
        page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
        return log, re.search(r"value \d+", page)[0]

    ran, from_cache = "ran 1 blocks of docs/index.md", "took the results of 1 blocks of docs/index.md from the cache"
    log, shown = build()
    assert ran in log and shown == "value 8"
    log, shown = build()
    assert from_cache in log and shown == "value 8"

    set_value(project, 9)  # the page's Markdown is unchanged; the module it imports is not
    log, shown = build()
    assert ran in log and shown == "value 9"

    (entry,) = folder.glob("*.json")
    entry.write_text(entry.read_text(encoding="utf-8")[:-10], encoding="utf-8")  # truncated
    log, shown = build()
    assert ran in log and shown == "value 9"

    (entry,) = folder.glob("*.json")
    entry.write_text(entry.read_text(encoding="utf-8").replace("value 9", "value 7"), encoding="utf-8")  # tampered
    log, shown = build()
    assert ran in log and shown == "value 9"

    log, shown = build(cached=False)  # builds, CI and make test never read it
    assert ran in log and from_cache not in log and shown == "value 9"


def test_serve_shows_a_changed_snippet_and_a_prose_edit_without_a_restart(tmp_path):
    project = project_with_snippet(tmp_path, 8)
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PAGECODE_CACHE": str(tmp_path / "cache")}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--no-strict", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        seconds_until(url, "value 8", 120)
        set_value(project, 9)
        seconds_until(url, "value 9", 60)
        page = project / "docs" / "index.md"
        page.write_text(page.read_text(encoding="utf-8").replace("# Cached", "# Cached and edited"), encoding="utf-8")
        seconds_until(url, "Cached and edited", 60)
        assert "value 9" in urllib.request.urlopen(url, timeout=5).read().decode()
    finally:
        server.terminate()
        server.wait(30)
