"""Memories per day as a stacked bar per row (one colour per modality); Enter picks a day."""

from __future__ import annotations

from datetime import date

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from augmem.humanize import icon
from augmem.tui.filtering import MODALITIES
from augmem.tui.widgets.result_list import MODALITY_STYLE

BAR_STYLE = {"text": "$primary", "image": "$success", "audio": "$warning"}


def stacked_bar(counts: dict[str, int], scale: float, width: int) -> Content:
    """Cells per modality proportional to its count (at least one for any non-zero count)."""
    parts = []
    for m in MODALITIES:
        n = counts.get(m, 0)
        if n:
            cells = max(1, round(n * scale * width))
            parts.append(("█" * cells, BAR_STYLE[m]))
    return Content.assemble(*parts)


class DayChart(OptionList):
    """One row per day, newest first: date, total, stacked bar, counts by modality."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.days: list[tuple[str, dict[str, int]]] = []
        self._built_for = 0

    def show_days(self, days: list[tuple[str, dict[str, int]]]) -> None:
        self.days = list(days)
        self._rebuild()
        if self.days:
            self.highlighted = 0

    @property
    def selected_day(self) -> str | None:
        if self.highlighted is None or not (0 <= self.highlighted < len(self.days)):
            return None
        return self.days[self.highlighted][0]

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if self.days and width and width != self._built_for:
            keep = self.highlighted
            self._rebuild()
            self.highlighted = keep

    def _rebuild(self) -> None:
        width = self.scrollable_content_region.width or 80
        self._built_for = width
        width -= 3
        top = max((sum(c.values()) for _, c in self.days), default=1) or 1
        counts_w = 24
        bar_w = max(width - 17 - 6 - counts_w - 2, 10)
        options = []
        for day, counts in self.days:
            total = sum(counts.values())
            try:
                label = date.fromisoformat(day).strftime("%a %d %b %Y")
            except ValueError:
                label = day
            by_mod = Content.assemble(
                *[
                    (f"{icon(m)} {counts.get(m, 0):<5} ", MODALITY_STYLE[m] if counts.get(m) else "$text-disabled")
                    for m in MODALITIES
                ]
            )
            bar = stacked_bar(counts, 1 / top, bar_w)
            options.append(
                Option(
                    Content.assemble(
                        (f"{label:<16} ", "b"),
                        (f"{total:>5} ", "$text-secondary"),
                        bar,
                        " " * (bar_w - bar.cell_length + 1),
                        by_mod,
                    ),
                    id=day,
                )
            )
        self.set_options(options)
