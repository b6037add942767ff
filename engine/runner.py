"""Drive a training session to its end without a window: the CLI's ``run`` and the sweep's runs.

``run_to_end`` iterates ``Session.run()`` until it finishes (completed, diverged
or stopped) and returns the final snapshot; heartbeats (``None``) are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Session
    from .snapshot import Snapshot

__all__ = ["run_to_end"]


def run_to_end(session: Session, on_snapshot: Callable[[Snapshot], None] | None = None) -> Snapshot:
    """Train until ``session.run()`` ends; the last snapshot it yielded (its status says why).

    ``on_snapshot`` (optional) is called with every snapshot, the final one
    included, in order, e.g. to write progress lines. How often snapshots come,
    and what they carry, is the session's to say (``snapshot_every``,
    ``want_diagnostics``, ``boundary_resolution``); set those before calling.
    A paused session waits here until another thread resumes or stops it.
    """
    final = None
    for snap in session.run():
        if snap is not None:
            final = snap
            if on_snapshot is not None:
                on_snapshot(snap)
    if final is None:  # run() always ends on a final snapshot; this would be a bug in it
        raise RuntimeError("the session's run ended without a snapshot")
    return final
