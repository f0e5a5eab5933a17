"""How many CPUs this process may use. Stdlib only: the store and the transcriber size their
thread pools by it."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity (a container's CPU quota is not visible here)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS has no sched_getaffinity
        return os.cpu_count() or 1
