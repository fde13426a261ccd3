"""Build the site (or a trimmed copy of it) with the same strict settings as `make build`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Files a trimmed copy of the project needs besides its pages.
PROJECT_FILES = ["mkdocs.yml", "pyproject.toml", "requirements.txt", "overrides", "pagecode", "snippets", "tests", "docs/assets"]


def mkdocs_build(project: Path, site_dir: Path, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **environment}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )


def threads(count: int) -> dict[str, str]:
    """Environment that makes torch (pages and labs) compute with `count` CPU threads."""
    return {"OMP_NUM_THREADS": str(count), "MKL_NUM_THREADS": str(count)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seconds_until(url: str, text: str, limit: float = 300) -> float:
    """Seconds until the page at `url` contains `text` (a server still rebuilding answers later)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        try:
            if text in urllib.request.urlopen(url, timeout=10).read().decode():
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not show {text!r} within {limit} s")


def nav_entry(path: str) -> str:
    """How the nav names a page of docs/: a lab, docs/labs/<name>.py, as the executed notebook
    overrides/hooks/labs.py makes of it, labs/<name>.ipynb."""
    if path.startswith("labs/") and path.endswith(".py"):
        return path[: -len(".py")] + ".ipynb"
    return path


def trimmed_project(tmp: Path, pages: dict[str, str], relax_links: bool = False) -> Path:
    """A copy of the project whose docs hold only `pages` (path under docs/ -> Markdown)."""
    project = tmp / "project"
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, project / name)
    for path, text in pages.items():
        (project / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (project / "docs" / path).write_text(text, encoding="utf-8")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["nav"] = [nav_entry(path) for path in pages]
    if relax_links:  # only the failure under test may warn
        config["validation"] = {"links": {"not_found": "info", "anchors": "info", "unrecognized_links": "info"}}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return project


def nav_pages() -> list[str]:
    """Every page in mkdocs.yml's nav, as the nav names it (see ``nav_entry``), in reading order."""
    def walk(entries):
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            yield from walk(value) if isinstance(value, list) else [value]
    return list(walk(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]))


def _keep_nav(nav: list, keep: set[str]) -> list:
    kept = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            children = _keep_nav(value, keep)
            if children:
                kept.append({next(iter(entry)): children} if isinstance(entry, dict) else children)
        elif value in keep:
            kept.append(entry)
    return kept


def partial_project(tmp: Path, folders: list[str]) -> Path:
    """A copy holding the home page and the pages under `folders` (paths under docs/), with the
    real nav cut down to them. Links out of those folders are only reported, not fatal."""
    docs = ROOT / "docs"
    pages = {"index.md": (docs / "index.md").read_text(encoding="utf-8")}
    for folder in folders:
        for page in sorted(path for path in (docs / folder).rglob("*") if path.is_file()):  # .md and lab .py
            pages[page.relative_to(docs).as_posix()] = page.read_text(encoding="utf-8")
    project = trimmed_project(tmp, pages, relax_links=True)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    real_nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    config["nav"] = _keep_nav(real_nav, {nav_entry(path) for path in pages})
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return project


if __name__ == "__main__":
    # Authors of one chapter: `python -m tests.sitebuild initialization` builds only that chapter
    # (strictly, into site-partial/initialization/) so a half-written page elsewhere does not get
    # in the way, and authors of different chapters do not overwrite each other's output.
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        project = partial_project(Path(tmp), sys.argv[1:])
        result = mkdocs_build(project, ROOT / "site-partial" / "-".join(sys.argv[1:]))
        print(result.stdout + result.stderr)
        sys.exit(result.returncode)
