"""The help screen (? or f1): every key, grouped by screen, written out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "augmem recalls your notes, photos and sounds from a description. Type what you remember; "
    "results update as you type. Every action is also in the command palette (ctrl+p). "
    "The mouse works too: click results, filters and the screen names at the top."
)

EXTRA_KEYS = {
    "Recall": [
        ("type", "Search as you type (enter: jump to the results)"),
        ("↑ ↓", "Move through the results; the preview follows"),
        ("tab", "Walk the filter bar: modality toggles, source, time range"),
    ],
}


def _keys(binding: Binding) -> str:
    names = {"question_mark": "?", "slash": "/", "delete": "del", "escape": "esc"}
    return " ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


def _section(title: str, bindings, extra=()) -> Content:
    lines = [Content.styled(title, "b $text-accent")]
    for key, what in extra:
        lines.append(Content.assemble((f"  {key:<14}", "b $text-secondary"), what))
    for b in bindings:
        if isinstance(b, tuple):
            b = Binding(*b)
        if not b.description:
            continue
        lines.append(Content.assemble((f"  {_keys(b):<14}", "b $text-secondary"), b.tooltip or b.description))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Keys for every screen, generated from their bindings so it never drifts."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        from augmem.tui.screens.recall import RecallScreen
        from augmem.tui.screens.status import StatusScreen
        from augmem.tui.screens.timeline import TimelineScreen

        sections = [
            Content.from_markup("[$text-muted]$t[/]", t=INTRO),
            # the app's own keys from the running app: importing augmem.tui.app here would be a cycle
            _section("Everywhere", type(self.app).BINDINGS, [("ctrl+p", "command palette: every action by name")]),
            _section("Recall", RecallScreen.BINDINGS, EXTRA_KEYS["Recall"]),
            _section("Timeline", TimelineScreen.BINDINGS, [("enter", "recall within the highlighted day")]),
            _section("Status", StatusScreen.BINDINGS),
        ]
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static("augmem · keys", classes="dialog-title")
            yield Static(Content("\n\n").join(sections), id="help-body")
            yield Static(Content.from_markup("[$text-muted]esc to close[/]"), id="help-close")
