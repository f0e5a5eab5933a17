"""An audio clip: its waveform, duration and time, and what it says; Enter plays it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from augmem.tui.widgets.waveform import Waveform


class AudioPreview(Vertical):
    """Waveform above a line of facts and the play hint, then the transcript."""

    def compose(self) -> ComposeResult:
        yield Waveform(id="audio-wave")
        yield Static(id="audio-meta")
        with VerticalScroll(id="audio-transcript-box"):
            yield Static(id="audio-transcript")

    def show(self, peaks, meta, transcript: Content | str = "") -> None:
        self.query_one("#audio-wave", Waveform).peaks = peaks
        self.query_one("#audio-meta", Static).update(meta)
        self.query_one("#audio-transcript", Static).update(transcript)

    def reading(self) -> None:
        self.query_one("#audio-wave", Waveform).peaks = None
        self.query_one("#audio-transcript", Static).update("")
