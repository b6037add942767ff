"""Atomic saves: a file is either the new one, whole, or the earlier one, untouched.

``atomic_write`` writes to a temporary file in the target's folder (so the final
``os.replace`` is a rename on one file system), flushes and fsyncs it, then
replaces the target. If anything fails (a full disk, no permission, a bug in the
writer) the temporary file is removed and the target is left as it was; an
OSError is raised again as a ``SaveError`` that names the file, keeps its errno,
and whose text is one sentence for a dialog or the command line's ``error:`` line.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["SaveError", "atomic_write", "save_error", "write_bytes"]


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: read once, at import: os.umask can only be read by setting it
_UMASK = _read_umask()


class SaveError(OSError):
    """A save that failed; ``str()`` is the whole message, without the ``[Errno n]`` prefix."""

    def __str__(self) -> str:
        return str(self.strerror)


def save_error(path: str | os.PathLike[str], reason: str, errno: int | None = None) -> SaveError:
    """``PATH: could not be saved (REASON); the earlier file is unchanged`` (or: no file was written)."""
    kept = "the earlier file is unchanged" if os.path.exists(path) else "no file was written"
    return SaveError(errno, f"{os.fspath(path)}: could not be saved ({reason}); {kept}")


def _mode_for(path: str) -> int:
    """The permissions the saved file gets: the earlier file's, or what a new file would get."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); not possible, and not needed, everywhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8",
                 newline: str | None = None) -> Iterator[IO[Any]]:
    """Open ``path`` for writing, atomically: ``with atomic_write(p) as f: f.write(text)``.

    ``mode`` is "w" (text, with ``encoding`` and ``newline`` as for ``open``) or "wb".
    An OSError, here or in the caller's block, becomes a ``SaveError`` naming the file;
    any other exception propagates unchanged. Either way the target is untouched and
    no temporary file is left behind.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got {mode!r}")
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    binary = mode == "wb"
    tmp: str | None = None
    try:
        handle = tempfile.NamedTemporaryFile(mode, dir=folder, delete=False, prefix=f".{name}.", suffix=".tmp",
                                             encoding=None if binary else encoding,
                                             newline=None if binary else newline)
        tmp = handle.name
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):  # not every file system keeps Unix permissions
            os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise save_error(path, exc.strerror or str(exc), exc.errno) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)
    _fsync_folder(folder)


def write_bytes(path: str | Path, data: bytes) -> None:
    """``data`` as the whole of ``path``, atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)
