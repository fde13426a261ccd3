"""A content-addressed cache of whole pages' block results, for ``make serve`` only.

Read and written only when the environment variable ``PAGECODE_CACHE`` names a folder (``make
serve`` sets ``.cache/pagecode``); ``mkdocs build``, ``make test`` and CI leave it unset and
always run every block.

An entry's key is a hash of everything a page's output can depend on that is known before it
runs: each executed block's options and code in page order (includes expanded, so an included
snippet is part of it), the Python version, ``requirements.txt`` and the runner itself
(``pagecode/*.py``). What is known only after running, the modules the page imported from this
repository (``snippets/...``), is stored in the entry with each file's hash, and the entry counts
only while every one of those files is unchanged. An entry that cannot be read, fails its own
checksum or belongs to another key is deleted and the page runs again; it is never shown.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from pagecode.rules import ROOT, Block

FORMAT = 1


def folder() -> Path | None:
    value = os.environ.get("PAGECODE_CACHE", "")
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def page_key(page: str, blocks: list[Block]) -> str:
    runner_files = sorted((ROOT / "pagecode").glob("*.py"))
    material = {
        "format": FORMAT,
        "python": sys.version,
        "requirements": file_digest(ROOT / "requirements.txt"),
        "runner": [file_digest(path) for path in runner_files],
        "page": page,
        "blocks": [[block.options, block.code()] for block in blocks],
    }
    return _digest(json.dumps(material, sort_keys=True).encode())


def _entry_path(key: str) -> Path | None:
    base = folder()
    return None if base is None else base / f"{key}.json"


def load(key: str) -> list[list[str]] | None:
    """The stored [status, text] of each block, or None (no entry, or a stale or broken one)."""
    path = _entry_path(key)
    if path is None or not path.is_file():
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        body = {name: entry[name] for name in ("key", "dependencies", "results")}
        if entry["check"] != _digest(json.dumps(body, sort_keys=True).encode()) or entry["key"] != key:
            raise ValueError("checksum or key mismatch")
        results = entry["results"]
        if not all(isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item) for item in results):
            raise ValueError("malformed results")
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # corrupted: discard it, the page runs again
        return None
    for name, digest in entry["dependencies"].items():
        if file_digest(ROOT / name) != digest:
            return None  # an imported snippet changed since: stale, the page runs again
    return results


def store(key: str, dependencies: list[str], results: list[list[str]]) -> None:
    path = _entry_path(key)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "key": key,
        "dependencies": {name: file_digest(ROOT / name) for name in sorted(dependencies)},
        "results": results,
    }
    entry = {**body, "check": _digest(json.dumps(body, sort_keys=True).encode())}
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(entry), encoding="utf-8")
    os.replace(temporary, path)
