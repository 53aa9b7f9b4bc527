"""Replace a folder of files atomically: write a temporary sibling, then swap it into place.

A reader (or a process killed half-way through a write) only ever sees the old folder or the
new one, never a mix:

- ``replacing(target)`` hands out a fresh temporary sibling folder; when the ``with`` block ends
  normally its files are fsynced and it is swapped with ``target`` (Linux ``renameat2`` with
  ``RENAME_EXCHANGE``, else two renames), and the old content is deleted. When the block raises,
  the temporary folder is deleted and ``target`` is untouched.
- ``recover(target, marker)`` puts the old folder back if a crash hit between the two renames of
  the portable fallback.
- ``remove_abandoned_temporaries(target)`` deletes the temporary folders of writers whose
  process no longer runs (a killed build).
- ``file_sha256(path)`` hashes a file without holding it in memory (checksums of written files).

Nothing here knows what the files mean.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_RENAME_EXCHANGE = 2


def temporary_name(target: Path) -> Path:
    """A new temporary sibling path of ``target``, named after this process (for clean-up)."""
    return target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder that replaces ``target`` when the block ends normally.

    The caller writes the file that marks the folder as complete (a manifest) last. Raises
    ``OSError`` if the folder cannot be created, written or swapped; ``target`` is then unchanged.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temporaries(target)
    tmp = temporary_name(target)
    tmp.mkdir()
    try:
        yield tmp
        fsync_tree(tmp)
        swap_into_place(tmp, target)
    finally:
        # After a swap ``tmp`` holds the old folder; after an error, the unfinished new one.
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)




def fsync_tree(folder: Path) -> None:
    """Flush every file under ``folder`` to disk."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _old_name(target: Path) -> Path:
    return target.parent / f".{target.name}.old"


def swap_into_place(new: Path, target: Path) -> None:
    """Make ``new`` become ``target``; afterwards ``new`` holds the old folder (if any)."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        return
    # Portable fallback: two renames. A crash between them leaves the old folder at ``.old``,
    # which ``recover`` puts back on the next load.
    old = _old_name(target)
    if old.exists():
        shutil.rmtree(old)
    os.rename(target, old)
    os.rename(new, target)
    os.rename(old, new)


def remove_abandoned_temporaries(target: Path) -> None:
    """Delete temporary folders of ``target`` left by writers whose process no longer runs."""
    for tmp in target.parent.glob(f".{target.name}.tmp-*"):
        try:
            pid = int(tmp.name.split(".tmp-")[1].split("-")[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(tmp, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue


def recover(target: Path, marker: str) -> None:
    """Put the old folder back if a swap was cut between its two renames.

    ``marker`` is the file that a complete folder holds (the manifest).
    """
    old = _old_name(target)
    if not target.exists() and (old / marker).exists():
        os.rename(old, target)
