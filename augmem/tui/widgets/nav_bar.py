"""The top bar: which screen is showing (click to switch) and what answers recall."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

SCREENS = (("recall", "Recall", "f2"), ("timeline", "Timeline", "f3"), ("status", "Status", "f4"))


class NavBar(Static):
    """Screen switcher and backend badge; every label is clickable."""

    backend_label: reactive[str] = reactive("", layout=True)

    def __init__(self, active: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.active = active

    def on_mount(self) -> None:
        self.watch(self.app, "model_name", self._model_changed)
        self.watch(self.app, "is_daemon", self._model_changed)
        self.watch(self.app, "capture_state", lambda: self.refresh(layout=True))

    def _model_changed(self) -> None:
        self.backend_label = getattr(self.app, "backend_label", "")

    def render(self) -> Content:
        parts: list[Content | str] = [Content.from_markup("[b $text-primary] augmem [/]  ")]
        for mode, title, key in SCREENS:
            style = "b reverse $primary" if mode == self.active else "$text"
            parts.append(
                Content.from_markup(f"[{style} @click=app.switch_mode('{mode}')] {title} [/][$text-muted]{key}[/]  ")
            )
        parts.append(Content.from_markup("[@click=app.help][$text-muted] ? help [/][/]"))
        left = Content("").join(parts)
        right = Content.from_markup("[$text-muted]$label [/]", label=self.backend_label)
        badge = getattr(self.app, "capture_badge", None)
        capture = badge() if callable(badge) else Content("")
        if capture.cell_length:  # whether the microphone captures right now
            right = capture + Content("  ") + right
        gap = max(self.size.width - left.cell_length - right.cell_length, 1)
        return left + Content(" " * gap) + right
