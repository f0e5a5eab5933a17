"""A custom time range: since and until, typed as dates."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from augmem.timeparse import FORMS, parse_span

Span = tuple[float | None, float | None, str]


def _fmt(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d") if ts else ""


class RangeModal(ModalScreen[Span | None]):
    """Two date inputs (either may be empty); dismisses with (since, until, label) or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, since: float | None = None, until: float | None = None) -> None:
        super().__init__()
        self._since, self._until = since, until

    def compose(self) -> ComposeResult:
        with Vertical(id="range-dialog", classes="dialog"):
            yield Static("Custom time range", classes="dialog-title")
            yield Label(f"Since ({FORMS}; empty = the beginning)")
            yield Input(_fmt(self._since), placeholder="2025-01-01", id="range-since")
            yield Label("Until (a bare date includes that day; empty = now)")
            # a bare date means "through that day": an until at midnight shows as the day before it
            yield Input(_fmt(self._until - 1 if self._until else None), placeholder="2025-02-01", id="range-until")
            yield Static(id="range-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="range-cancel")
                yield Button("Apply", id="range-apply", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#range-since", Input).focus()

    def on_input_submitted(self) -> None:
        self._apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "range-apply":
            self._apply()
        else:
            self.dismiss(None)

    def _apply(self) -> None:
        since_text = self.query_one("#range-since", Input).value.strip()
        until_text = self.query_one("#range-until", Input).value.strip()
        try:
            since, until = parse_span(since_text, until_text)
        except ValueError as exc:
            self.query_one("#range-error", Static).update(str(exc))
            return
        label = f"{since_text or '…'} – {until_text or 'now'}"
        self.dismiss((since, until, label))
