"""A note's text with the passage that matched highlighted and scrolled into view."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

MAX_CHARS = 200_000
"""Longer notes are cut around the match: a preview never needs a whole book."""


_BLOCK_START = re.compile(r"\s*([-*+>|#]|```|\d+[.)]\s)")


def reflow_markdown(text: str) -> str:
    """Join hard-wrapped Markdown lines into paragraphs for a narrow pane.

    Every joining newline becomes one space, so the text keeps its length and the match's
    character offsets still point at the same words. Blank lines, list items, headings,
    quotes, tables and code fences keep their line breaks.
    """
    lines = text.split("\n")
    out = []
    fence = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fence = not fence
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        join = (
            not fence
            and line.strip()
            and nxt.strip()
            and not _BLOCK_START.match(nxt)
            and not line.lstrip().startswith(("#", "|", "```"))
        )
        out.append(line + (" " if join else "\n"))
    return "".join(out)[: len(text)]


class NotePreview(VerticalScroll):
    """Scrollable note text; the matching chunk (chunk_start..chunk_end) is highlighted."""

    def compose(self) -> ComposeResult:
        yield Static(id="note-body", markup=False)

    def show(self, text: str, start: int, end: int, markdown: bool = False) -> None:
        if markdown:
            text = reflow_markdown(text)
        offset = 0
        if len(text) > MAX_CHARS:
            offset = max(0, min(start - MAX_CHARS // 2, len(text) - MAX_CHARS))
            text = text[offset : offset + MAX_CHARS]
        start, end = max(start - offset, 0), max(end - offset, 0)
        content = Content(text)
        if 0 <= start < end <= len(text):
            content = content.stylize("b $text-accent on $accent-muted", start, end)
        self.query_one("#note-body", Static).update(content)
        self.call_after_refresh(self._scroll_to_match, text, start)

    def _scroll_to_match(self, text: str, start: int, again: bool = True) -> None:
        body = self.query_one("#note-body", Static)
        width = body.content_size.width or self.scrollable_content_region.width
        if not width:
            return
        # the match's first line = the wrapped height of everything before it
        line = Content(text[:start]).get_height(body.styles, width) - 1 if start else 0
        self.scroll_to(y=max(line - 2, 0), animate=False)
        if again:
            # a scrollbar that appears with the new text narrows the body and rewraps it:
            # measure once more after that layout has settled, so the result is stable
            self.call_after_refresh(self._scroll_to_match, text, start, False)
