"""An audio clip: its waveform, duration and time; Enter plays it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from augmem.tui.widgets.waveform import Waveform


class AudioPreview(Vertical):
    """Waveform above a line of facts and the play hint."""

    def compose(self) -> ComposeResult:
        yield Waveform(id="audio-wave")
        yield Static(id="audio-meta")

    def show(self, peaks, meta) -> None:
        self.query_one("#audio-wave", Waveform).peaks = peaks
        self.query_one("#audio-meta", Static).update(meta)

    def reading(self) -> None:
        self.query_one("#audio-wave", Waveform).peaks = None
