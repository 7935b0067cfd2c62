"""Writes that a kill cannot tear, and locks that keep two processes off one file.

A file is written under a temporary name in its own folder, flushed to the
disk (`fsync`) and renamed over the target (`os.replace`, atomic on POSIX
and Windows); the folder is flushed too, so the rename itself survives a
power cut. Until the rename, the previous file is untouched. Locks are
`fcntl.flock` locks on a `.lock` file: the kernel drops them when their
process dies, so a killed writer never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; writes stay atomic
    fcntl = None  # type: ignore[assignment]

# Lock files this process holds, with how many holders: a fit interrupted in a
# notebook never reaches its callbacks' end, and the same process must be able
# to resume into the folder it still holds.
_HELD: dict[str, list] = {}


def save(keras_save: Callable, filepath, suffixes: tuple[str, ...], overwrite: bool = True, **kwargs) -> None:
    """Calls `keras_save(filepath, overwrite=..., **kwargs)` so that the file appears whole or not at all.

    Local files with one of `suffixes` are written to a temporary file and
    renamed over `filepath`, under `exclusive_lock(filepath)` (another
    process saving there waits). Everything else (remote paths, unzipped
    or sharded saves, a missing folder, `overwrite=False` on an existing
    file) goes to `keras_save` as it is, so Keras answers as it would.

    Args:
        keras_save: Keras's `save` or `save_weights`, bound to the model.
        filepath: where the caller asked to save.
        suffixes: the endings `keras_save` writes as one local file.
        overwrite, **kwargs: passed on to `keras_save`.
    """
    path = os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else ""
    whole_file = (
        path.endswith(suffixes)
        and "://" not in path
        and kwargs.get("zipped") is not False
        and not kwargs.get("max_shard_size")
        and os.path.isdir(os.path.dirname(path) or ".")
        and (overwrite or not os.path.exists(path))
    )
    if not whole_file:
        keras_save(filepath, overwrite=overwrite, **kwargs)
        return
    with exclusive_lock(path):
        replace_atomically(path, lambda temporary: keras_save(temporary, overwrite=True, **kwargs))


def replace_atomically(path: str | os.PathLike, write: Callable[[str], object]) -> None:
    """Has `write(temporary_path)` write the file, then puts it at `path` in one rename.

    The temporary file sits next to `path` and keeps its suffixes (Keras
    reads the format from them). If `write` fails, it is removed and the
    error propagates; temporaries that a killed writer left for `path` are
    removed first.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    folder = folder or "."
    suffix = "".join(Path(name).suffixes)
    for stale in Path(folder).glob(f".{name}.*.tmp{suffix}"):
        stale.unlink(missing_ok=True)
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp{suffix}")
    try:
        write(temporary)
        fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    fsync(folder)


def write_text(path: str, text: str) -> None:
    """Writes `text` to `path` atomically (see `replace_atomically`)."""
    replace_atomically(path, lambda temporary: Path(temporary).write_text(text, encoding="utf-8"))


def fsync(path: str) -> None:
    """Flushes the file or folder `path` to the disk."""
    if os.path.isdir(path) and os.name == "nt":
        return  # Windows cannot open a folder to flush it
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def exclusive_lock(path: str, *, wait: bool = True, what: str = "path") -> Iterator[None]:
    """Holds the lock file `path + ".lock"` for the block, removing it after.

    Args:
        path: the file or folder to guard.
        wait: True waits for another process's lock to go; False raises at once.
        what: how to name `path` in the error, e.g. "`backup_dir`".

    Raises:
        BlockingIOError: with `wait=False`, when another process holds the
            lock; the message names the path and that process.
    """
    lock_path = os.path.abspath(f"{path}.lock")
    if lock_path not in _HELD:
        _HELD[lock_path] = [None if fcntl is None else _acquire(lock_path, wait, what, path), 0]
    held = _HELD[lock_path]
    held[1] += 1
    try:
        yield
    finally:
        held[1] -= 1
        if held[1] == 0:
            del _HELD[lock_path]
            if held[0] is not None:
                # Removed while still locked: a process waiting on this file
                # then finds it gone and locks a new one (see `_acquire`).
                with contextlib.suppress(FileNotFoundError):
                    os.remove(lock_path)
                os.close(held[0])


def _acquire(lock_path: str, wait: bool, what: str, path: str) -> int:
    while True:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as error:
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise BlockingIOError(
                f"{what} '{path}' is in use by another process (pid {holder}), which holds '{lock_path}'; "
                f"expected a path no other run is writing: give each run its own, or wait for that one to end."
            ) from None
        try:
            current = os.stat(lock_path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(descriptor).st_ino:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, str(os.getpid()).encode())
            return descriptor
        os.close(descriptor)  # the holder removed the file as we waited: lock the new one
