"""Counts per modality drawn as bars (the status screen's "what do I have")."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from augmem.humanize import bar, icon
from augmem.tui.filtering import MODALITIES
from augmem.tui.widgets.day_chart import BAR_STYLE


class ModalityCounts(Static):
    """One line per modality: icon, name, count, bar (scaled to the largest)."""

    def show(self, counts: dict[str, int], pending: dict[str, int] | None = None) -> None:
        pending = pending or {}
        top = max([*counts.values(), 1])
        width = max((self.content_size.width or 40) - 24, 8)
        lines = []
        for m in MODALITIES:
            n = counts.get(m, 0)
            extra = f"  +{pending[m]} pending" if pending.get(m) else ""
            lines.append(
                Content.assemble(
                    (f"{icon(m)} {m:<6}", "b"),
                    (f"{n:>8,} ", "$text"),
                    (bar(n / top, width), BAR_STYLE[m]),
                    (extra, "$text-warning"),
                )
            )
        self.update(Content("\n").join(lines))
