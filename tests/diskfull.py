"""A full disk, simulated for the atomic-save tests (engine and window alike)."""

import errno
import os
import types

from engine import atomic

ENOSPC = "No space left on device"


def fill_disk(monkeypatch, where="write", budget=100):
    """The next atomic save runs out of space: its writes stop after ``budget`` characters
    (``where="write"``) or its fsync fails (``where="fsync"``)."""
    if where == "fsync":
        def no_fsync(fd):
            raise OSError(errno.ENOSPC, ENOSPC)
        monkeypatch.setattr(os, "fsync", no_fsync)
        return
    real = atomic.tempfile.NamedTemporaryFile

    def named(*args, **kwargs):
        handle = real(*args, **kwargs)
        left = [budget]
        write = handle.file.write

        def short_write(data):
            if len(data) > left[0]:
                write(data[:left[0]])
                left[0] = 0
                raise OSError(errno.ENOSPC, ENOSPC)
            left[0] -= len(data)
            return write(data)
        handle.write = short_write
        return handle
    monkeypatch.setattr(atomic, "tempfile", types.SimpleNamespace(NamedTemporaryFile=named))
