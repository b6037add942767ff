"""Saves on a real full disk and a real read-only folder: a 256 KB tmpfs mounted for the test.

tests/engine/test_atomic.py simulates the failures (a short write, a failing fsync) on any
machine; these tests make the kernel refuse the space or the write itself. Mounting needs
root and a system that allows it (Linux, not every container): elsewhere they skip, saying
why.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.config import Config, save
from main import run_headless

SMALL = {"data": {"name": "moons", "n_samples": 100}, "model": {"hidden": [4]}, "train": {"epochs": 2}}
EARLIER = b'{"earlier": "good file"}\n'


def _mount(folder: Path, options: str) -> str | None:
    """Mount a tmpfs on ``folder``; None when it worked, else why not."""
    if not sys.platform.startswith("linux"):
        return "a tmpfs mount needs Linux"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if shutil.which("mount") is None:
        return "no mount command"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True, timeout=20)
    return None if done.returncode == 0 else f"mount refused: {done.stderr.strip() or done.returncode}"


@contextlib.contextmanager
def mounted(folder: Path, options: str):
    """A tmpfs mounted on ``folder`` for the block (unmounted after); skips the test,
    saying why, where mounting is not allowed."""
    folder.mkdir(exist_ok=True)
    why = _mount(folder, options)
    if why:
        pytest.skip(why)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=20)


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KB file system of its own."""
    with mounted(tmp_path / "disk", "size=256k,mode=0777") as folder:
        yield folder


def fill(folder: Path, leave: int = 0) -> None:
    """Write a filler file until the file system has at most ``leave`` bytes free."""
    with open(folder / "filler", "wb") as handle:
        chunk = b"\0" * 4096
        try:
            while shutil.disk_usage(folder).free > leave:
                handle.write(chunk)
                handle.flush()
        except OSError:
            pass


def only_these(folder: Path, names: set[str]) -> None:
    left = {p.name for p in folder.iterdir()}
    assert left == names, f"left behind: {sorted(left - names)}"


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_cli_out_on_a_really_full_disk_keeps_the_earlier_file(small_disk, tmp_path, capsys, command):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(SMALL))
    out = small_disk / "result"
    out.write_bytes(EARLIER)
    fill(small_disk)
    extra = ["--seeds", "0", "--backend", "threading", "--jobs", "1"] if command == "sweep" else []
    assert run_headless([command, str(cfg), *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == f"error: {out}: could not be saved (No space left on device); the earlier file is unchanged"
    assert out.read_bytes() == EARLIER
    only_these(small_disk, {"result", "filler"})


def test_a_new_file_on_a_full_disk_leaves_nothing(small_disk):
    fill(small_disk)
    target = small_disk / "new.json"
    with pytest.raises(OSError) as caught:
        save(Config.from_dict({"model": {"hidden": [8] * 40}}), target)
    assert str(target) in str(caught.value) and "No space left on device" in str(caught.value)
    only_these(small_disk, {"filler"})


def test_weights_on_a_full_disk_keep_the_earlier_file(small_disk):
    from engine.atomic import atomic_write

    target = small_disk / "weights.npz"
    target.write_bytes(EARLIER)
    fill(small_disk)
    with pytest.raises(OSError) as caught:
        with atomic_write(target, "wb", encoding=None) as handle:
            np.savez(handle, w=np.zeros((200, 200)))
    assert str(target) in str(caught.value)
    assert target.read_bytes() == EARLIER
    only_these(small_disk, {"weights.npz", "filler"})


def test_a_read_only_folder_is_refused_before_training(tmp_path, capsys):
    with mounted(tmp_path / "ro", "size=64k,ro") as folder:
        cfg = tmp_path / "c.json"
        cfg.write_text(json.dumps({**SMALL, "train": {"epochs": 100000}}))  # would train for minutes
        assert run_headless(["run", str(cfg), "--out", str(folder / "r.json")]) == 2
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.startswith(f"error: --out: cannot write in folder {folder}") and "Read-only file system" in err
