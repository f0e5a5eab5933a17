"""What workers tell the UI thread (past tense: it already happened)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from augmem.records import DayCount, Hit, Status


@dataclass
class RecallRequest:
    """One recall the recall screen asked for."""

    generation: int
    query: str = ""
    like_id: str | None = None
    like_label: str = ""


class RecallFinished(Message):
    """A recall came back (maybe stale: compare `request.generation`)."""

    def __init__(self, request: RecallRequest, result: Any, seconds: float) -> None:
        super().__init__()
        self.request = request
        self.result = result
        self.seconds = seconds


class RecallFailed(Message):
    """A recall raised; `error` is shown to the person."""

    def __init__(self, request: RecallRequest, error: BaseException) -> None:
        super().__init__()
        self.request = request
        self.error = error


class StatusRefreshed(Message):
    """A fresh `status()` (or the error that prevented one)."""

    def __init__(self, status: Status | None, error: BaseException | None = None) -> None:
        super().__init__()
        self.status = status
        self.error = error


class TimelineLoaded(Message):
    """Days with counts per modality, newest first."""

    def __init__(self, days: list[DayCount] | None, error: BaseException | None = None) -> None:
        super().__init__()
        self.days = days
        self.error = error


class MemoryForgotten(Message):
    """Memories were deleted and purged from the store."""

    def __init__(self, hit: Hit, count: int) -> None:
        super().__init__()
        self.hit = hit
        self.count = count


class CaptureToggled(Message):
    """The daemon paused or resumed capture (or refused: `error`)."""

    def __init__(self, paused: bool, error: BaseException | None = None) -> None:
        super().__init__()
        self.paused = paused
        self.error = error


class PreviewLoaded(Message):
    """A preview's file was read in a worker: `data` is text, PhotoInfo or SoundInfo."""

    def __init__(self, hit_id: str, data: Any = None, error: str = "") -> None:
        super().__init__()
        self.hit_id = hit_id
        self.data = data
        self.error = error


class PlaybackFinished(Message):
    """A clip stopped playing (`error` = why it never started)."""

    def __init__(self, path: str, error: str = "") -> None:
        super().__init__()
        self.path = path
        self.error = error


class FiltersChanged(Message):
    """The person changed a filter in the filter bar."""
