"""The ranked recall hits: modality, when, where, a score bar and a snippet each."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from augmem.humanize import bar, icon, relative_time, short_path
from augmem.records import Hit

SCORE_CELLS = 8
MODALITY_STYLE = {"text": "$text-primary", "image": "$text-success", "audio": "$text-warning"}


def snippet(hit: Hit) -> str:
    """One line that says what the memory is: the note's chunk, what the clip says or the photo
    shows (quoted), else enriched text, else its name."""
    derived = hit.transcript or hit.ocr_text
    text = re.sub(r"\s+", " ", f"“{derived}”" if derived else (hit.text or "")).strip()
    # variation selectors and joiners: terminals disagree on the width of what they build,
    # and one cell too many breaks the row's frame
    text = re.sub("[\ufe0e\ufe0f\u200d]", "", text)
    if text:
        return text
    return Path(hit.path).name


class ResultList(OptionList):
    """Recall results; the highlighted one drives the preview pane."""

    def __init__(self, clock: Callable[[], float], **kwargs) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self.hits: list[Hit] = []
        self.passages: dict[str, int] = {}
        """How many passages of each file matched (a long note gives several)."""
        self._built_for = 0

    def show_hits(self, hits: list[Hit], keep_selection: bool = False) -> None:
        """Replace the list: one row per source file (its best passage first); with
        `keep_selection`, the highlight stays on the same memory when it is still there."""
        keep = self.selected_hit.id if (keep_selection and self.selected_hit) else None
        best: dict[str, Hit] = {}
        self.passages = {}
        for h in hits:
            best.setdefault(h.path, h)
            self.passages[h.path] = self.passages.get(h.path, 0) + 1
        self.hits = list(best.values())
        self._rebuild()
        ids = [h.id for h in self.hits]
        self.highlighted = ids.index(keep) if keep in ids else (0 if ids else None)

    def remove_hit(self, hit_id: str) -> None:
        idx = self.highlighted
        self.hits = [h for h in self.hits if h.id != hit_id]
        self._rebuild()
        if self.hits:
            self.highlighted = min(idx or 0, len(self.hits) - 1)

    @property
    def selected_hit(self) -> Hit | None:
        if self.highlighted is None or not (0 <= self.highlighted < len(self.hits)):
            return None
        return self.hits[self.highlighted]

    def _rebuild(self) -> None:
        width = self.scrollable_content_region.width or 80
        self._built_for = width
        width -= 3  # the option's padding (0 1) and room for a scrollbar that may appear
        now = self._clock()
        self.set_options(
            [Option(self._prompt(h, width, now, self.passages.get(h.path, 1)), id=h.id) for h in self.hits]
        )

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if self.hits and width and width != self._built_for:
            keep = self.highlighted
            self._rebuild()
            self.highlighted = keep

    @staticmethod
    def _prompt(hit: Hit, width: int, now: float, passages: int = 1) -> Content:
        width = max(width, 30)
        when = relative_time(hit.captured_at, now)
        score_text = f"{hit.score:.2f}"
        fixed = 2 + 15 + 1 + SCORE_CELLS + 1 + len(score_text)
        where_w = max(width - fixed, 8)
        mod_style = MODALITY_STYLE.get(hit.modality, "$text")
        line1 = Content.assemble(
            (f"{icon(hit.modality)} ", f"b {mod_style}"),
            (f"{when:<15}", "$text-secondary"),
            (f"{short_path(hit.path, where_w):<{where_w}}", "b"),
            " ",
            (bar(hit.score, SCORE_CELLS), "$accent"),
            (f" {score_text}", "$text-muted"),
        ).truncate(width)
        more = f"+{passages - 1} passage{'s' if passages > 2 else ''} · " if passages > 1 else ""
        line2 = Content.assemble("  ", (more, "$text-accent"), (snippet(hit), "$text-muted")).truncate(
            width, ellipsis=True
        )
        return Content("\n").join([line1, line2])
