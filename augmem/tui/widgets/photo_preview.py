"""A photo drawn in the terminal (kitty / sixel / half-blocks, chosen by textual-image)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

# textual-image must be imported before the app starts: it asks the terminal what it can
# draw (sixel, kitty graphics, cell size), which is impossible once Textual owns the tty.
from textual_image.widget import Image as TerminalImage


class PhotoPreview(Vertical):
    """The image, scaled to the pane, above its EXIF time and size."""

    def compose(self) -> ComposeResult:
        yield TerminalImage(id="photo-image")
        yield Static(id="photo-meta")

    def show(self, image, meta) -> None:
        self.query_one("#photo-image", TerminalImage).image = image
        self.query_one("#photo-meta", Static).update(meta)

    def clear(self) -> None:
        self.query_one("#photo-image", TerminalImage).image = None
