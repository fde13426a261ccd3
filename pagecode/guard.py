"""Which files of the project a block created, changed or deleted, however it wrote them.

The worker's audit hook (``worker.forbid_writes_under``) refuses the writes Python itself makes
(``open``, ``os.remove``, ``shutil``...), before they happen. Code in C (``torch.save``'s zip
writer, a ``ctypes`` call to ``fopen``) and other processes (``os.system``, ``subprocess``)
raise no audit event, so ``pagecode.runner`` also compares a snapshot of the project tree taken
before and after each block. A snapshot maps every file, folder and link to its size, mtime,
ctime and inode; ctime cannot be set back by a program, so even a write that restores the old
size and mtime shows.

Left out, because the build, the tests and the tools write there while blocks run: at the top,
``.git``, ``.venv``, ``.cache``, ``.pytest_cache`` (and other tools' caches), ``site*``
(``site/``, ``site-partial/``, ``site-offline/``) and ``test-output/``; ``__pycache__``
anywhere. The rest of the project is about 200 files and folders, so a snapshot costs about
1 ms of CPU (``os.scandir``, one ``lstat`` per file); the runner takes one per block.
"""

from __future__ import annotations

import os

# Top-level folders that are written during a build or a test run, not sources.
SKIPPED_TOP = {".git", ".venv", ".cache", ".pytest_cache", ".mypy_cache", ".ruff_cache", "test-output", "node_modules"}
SKIPPED_ANYWHERE = {"__pycache__"}

Snapshot = dict[str, tuple[int, int, int, int]]


def _skipped(name: str, top: bool) -> bool:
    return name in SKIPPED_ANYWHERE or (top and (name in SKIPPED_TOP or name.startswith("site")))


def snapshot(root: str) -> Snapshot:
    """path relative to root ('docs/x.md'; folders end in '/') -> (size, mtime_ns, ctime_ns, inode)."""
    found: Snapshot = {}
    folders = [(root, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = os.scandir(folder)
        except OSError:  # removed while we looked: its absence shows in the parent's entries
            continue
        with entries:
            for entry in entries:
                if _skipped(entry.name, top=not prefix):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        found[f"{prefix}{entry.name}/"] = (0, 0, 0, entry.inode())
                        folders.append((entry.path, f"{prefix}{entry.name}/"))
                    else:
                        status = entry.stat(follow_symlinks=False)
                        found[prefix + entry.name] = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
                except OSError:
                    continue
    return found


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """'created docs/x.pt', 'changed snippets/a.py', 'deleted docs/b.md', sorted by path."""
    changes = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            changes.append(f"created {path}")
        elif path not in after:
            changes.append(f"deleted {path}")
        elif before[path] != after[path]:
            changes.append(f"changed {path}")
    return changes
