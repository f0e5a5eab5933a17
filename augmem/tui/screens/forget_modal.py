"""Asks before forgetting: deleting memories cannot be undone."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from augmem.humanize import icon, short_path
from augmem.records import Hit


class ForgetModal(ModalScreen[bool]):
    """Confirm forgetting every memory from one source file (the file stays on disk)."""

    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "Cancel"),
        Binding("y", "dismiss(True)", "Forget"),
    ]

    def __init__(self, hit: Hit) -> None:
        super().__init__()
        self.hit = hit

    def compose(self) -> ComposeResult:
        with Vertical(id="forget-dialog", classes="dialog"):
            yield Static("Forget this memory?", classes="dialog-title")
            yield Static(
                Content.assemble(
                    (f"{icon(self.hit.modality)} {Path(self.hit.path).name}\n", "b"),
                    (short_path(self.hit.path, 200) + "\n\n", "$text-muted"),
                    "Every memory from this file is deleted from the store and purged from its files. "
                    "This cannot be undone. The file itself stays on disk.",
                ),
                classes="dialog-body",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel  n", id="forget-cancel", variant="default")
                yield Button("Forget  y", id="forget-confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#forget-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "forget-confirm")
