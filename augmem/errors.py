"""One error family, written for humans: a message plus a hint naming the fix."""

from __future__ import annotations


class AugmemError(Exception):
    """Base class: `message` says what went wrong, `hint` says what to do about it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(AugmemError):
    """The configuration file or an option is invalid."""


class UnknownModelError(AugmemError):
    """No registered model has that name."""


class ArtifactError(AugmemError):
    """A model artifact is missing, has the wrong layout, or the wrong hash."""


class ModalityError(AugmemError):
    """The model cannot embed this modality."""


class StoreError(AugmemError):
    """The memory store cannot do what was asked."""


class RejectedItem(AugmemError):
    """One input item cannot be ingested; the rest carries on."""


class CaptureError(AugmemError):
    """Audio capture cannot run (no device, device busy)."""


class DaemonError(AugmemError):
    """The daemon cannot start, or cannot be reached."""
