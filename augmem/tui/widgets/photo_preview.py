"""A photo drawn in the terminal (kitty / sixel / half-blocks, chosen by textual-image)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

# textual-image must be imported before the app starts: it asks the terminal what it can
# draw (sixel, kitty graphics, cell size), which is impossible once Textual owns the tty.
from textual_image.widget import Image as TerminalImage


class PhotoPreview(Vertical):
    """The image, scaled to the pane, above its EXIF time and size and the text found in it."""

    def compose(self) -> ComposeResult:
        yield TerminalImage(id="photo-image")
        yield Static(id="photo-meta")
        yield Static(id="photo-ocr")

    def show(self, image, meta, ocr: Content | str = "") -> None:
        self.query_one("#photo-image", TerminalImage).image = image
        self.query_one("#photo-meta", Static).update(meta)
        ocr_text = self.query_one("#photo-ocr", Static)
        ocr_text.update(ocr)
        ocr_text.display = bool(str(ocr))

    def clear(self) -> None:
        self.query_one("#photo-image", TerminalImage).image = None
        self.query_one("#photo-ocr", Static).display = False
