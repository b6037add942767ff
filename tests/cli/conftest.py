"""Fixtures of the command-line tests."""

import json

import pytest


@pytest.fixture
def write(tmp_path):
    """write(obj_or_text, name="c.json") -> path of a file holding it (JSON unless text)."""
    def _write(obj, name="c.json"):
        path = tmp_path / name
        path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
        return path
    return _write
