"""Build the site (or a trimmed copy of it) with the same strict settings as `make build`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Files a trimmed copy of the project needs besides its pages.
PROJECT_FILES = ["mkdocs.yml", "pyproject.toml", "overrides", "snippets", "tests", "docs/assets"]


def mkdocs_build(project: Path, site_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )


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
    config["nav"] = list(pages)
    if relax_links:  # only the failure under test may warn
        config["validation"] = {"links": {"not_found": "info", "anchors": "info", "unrecognized_links": "info"}}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return project
