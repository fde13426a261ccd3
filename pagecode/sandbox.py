"""Refuse, in the kernel, every file write of a page's worker outside the folders it may write.

Linux's Landlock (since 5.13; unprivileged; https://docs.kernel.org/userspace-api/landlock.html)
lets a process give up rights for itself and every process it starts. The worker keeps the
right to create, write, truncate and remove files only under the folders it is given (its page's
temporary folder, the system's temporary folder, ``/dev`` for ``/dev/null`` and torch's shared
memory, and the project, where the runner's snapshots report any write); a write anywhere else
(``$HOME``, ``~/.cache``, ``/etc``...) fails with ``PermissionError`` (from Python) or
``Permission denied`` (C code, a subprocess). Reading is not restricted.

Where Landlock is missing (another OS, a kernel older than 5.13 or built without it, a container
that filters the system calls), ``restrict_writes`` returns False and changes nothing: the
project is still guarded by the audit hook and the snapshots (``pagecode.guard``), but writes
elsewhere are not contained.
"""

from __future__ import annotations

import ctypes
import os

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every Linux architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights that change something (include/uapi/linux/landlock.h), by the ABI version
# that introduced them.
_WRITE_RIGHTS = {
    1: (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12),
    2: 1 << 13,  # REFER: link or rename a file into another folder
    3: 1 << 14,  # TRUNCATE
}


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def landlock_version() -> int:
    """The kernel's Landlock ABI version; 0 where there is none."""
    try:
        version = _libc().syscall(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_long(0), ctypes.c_long(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def restrict_writes(writable: list[str]) -> bool:
    """Allow this process and its children to write only under `writable`. False where the
    kernel offers no Landlock or refuses a step: nothing is restricted then, and the worker runs
    as it would without it (a sandbox that half applies must not break the build)."""
    abi = landlock_version()
    if abi < 1:
        return False
    libc = _libc()
    rights = 0
    for version, bits in _WRITE_RIGHTS.items():
        if abi >= version:
            rights |= bits
    attributes = _RulesetAttr(rights)
    ruleset = libc.syscall(ctypes.c_long(_CREATE_RULESET), ctypes.byref(attributes),
                           ctypes.c_long(ctypes.sizeof(attributes)), ctypes.c_long(0))
    if ruleset < 0:
        return False
    try:
        for folder in writable:
            try:
                descriptor = os.open(folder, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a folder that does not exist needs no right
            try:
                rule = _PathBeneathAttr(rights, descriptor)
                if libc.syscall(ctypes.c_long(_ADD_RULE), ctypes.c_long(ruleset), ctypes.c_long(_RULE_PATH_BENEATH),
                                ctypes.byref(rule), ctypes.c_long(0)) != 0:
                    return False  # a folder it may write could not be granted: restrict nothing
            finally:
                os.close(descriptor)
        no_new_privileges = libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        if no_new_privileges != 0:
            return False
        return libc.syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_long(ruleset), ctypes.c_long(0)) == 0
    finally:
        os.close(ruleset)
