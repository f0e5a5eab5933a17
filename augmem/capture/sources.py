"""Capture sources that plugins add through the `register_capture_sources` hook.

A source is anything with `start()` and `stop()` that writes new memories as files into
the folder it is given (temp file + rename, as the microphone does: the file system is
the queue). The daemon makes that folder (`<data>/captures/<name>/`), starts the source,
watches the folder, and ingests what lands there with the source's name; it stops the
source at shutdown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from augmem.config import Settings

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
RESERVED = ("mic", "notes", "photos", "audio")
"""Source names augmem itself uses."""


class CaptureSource(Protocol):
    """What a plugin's factory returns."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


SourceFactory = Callable[["Settings", Path], CaptureSource]
"""factory(settings, out_dir) -> a CaptureSource writing files into out_dir."""


@dataclass
class RegisteredSource:
    name: str
    factory: SourceFactory
    plugin: str = ""


def registered_sources(pm: Any, settings: Settings) -> tuple[list[RegisteredSource], dict[str, str]]:
    """Every source the plugins register, and {name: why} for registrations refused (a name
    that is not plain or already taken: names become folder and source names)."""
    found: dict[str, RegisteredSource] = {}
    refused: dict[str, str] = {}

    def register(name: str, factory: SourceFactory) -> None:
        name = str(name)
        if not _NAME.match(name):
            refused[name] = "not a plain name (letters, digits, - and _)"
        elif name in RESERVED or name in found:
            refused[name] = "the name is already taken"
        else:
            found[name] = RegisteredSource(name, factory)
            return
        log.warning("capture source %r refused: %s", name, refused[name])

    pm.hook.register_capture_sources(register=register, settings=settings)
    return list(found.values()), refused
