"""The filter bar: modality toggles, source, time range, and a summary of what is active."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Select, Static

from augmem.humanize import icon
from augmem.tui.filtering import MODALITIES, RANGES, FilterState

DEFAULT_SOURCES = ("notes", "photos", "audio", "mic")


class FilterBar(Horizontal):
    """Always-visible active filters; every control is reachable by Tab and by mouse."""

    class Changed(Message):
        """The person changed a filter (`state` is the new one; "custom" range asks for dates)."""

        def __init__(self, state: FilterState, wants_custom: bool = False) -> None:
            super().__init__()
            self.state = state
            self.wants_custom = wants_custom

    def __init__(self, state: FilterState, **kwargs) -> None:
        super().__init__(**kwargs)
        self.state = state
        self._sources = list(DEFAULT_SOURCES)

    def compose(self) -> ComposeResult:
        yield Static("Filters", id="filter-title")
        for m in MODALITIES:
            yield Checkbox(f"{icon(m)} {m}", m in self.state.modalities, id=f"filter-{m}", compact=True)
        yield Select(
            [("any source", "")] + [(s, s) for s in self._sources],
            value=self.state.source or "",
            allow_blank=False,
            id="filter-source",
            compact=True,
        )
        yield Select(
            self._range_options(), value=self._range_value(), allow_blank=False, id="filter-range", compact=True
        )
        yield Static(id="filter-summary")

    def on_mount(self) -> None:
        self._show_summary()

    def _range_value(self) -> str:
        return "span" if self.state.range == "span" else self.state.range

    def _range_options(self) -> list[tuple[str, str]]:
        opts = [(label, key) for key, label in RANGES.items()]
        if self.state.range == "span":
            opts.insert(-1, (self.state.span_label or "custom", "span"))
        return opts

    def set_sources(self, sources: list[str]) -> None:
        """Offer these sources (from the store's status) besides the defaults."""
        merged = list(dict.fromkeys([*DEFAULT_SOURCES, *sources]))
        if merged == self._sources:
            return
        self._sources = merged
        select = self.query_one("#filter-source", Select)
        with self.prevent(Select.Changed):
            select.set_options([("any source", "")] + [(s, s) for s in merged])
            select.value = self.state.source or ""

    def show(self, state: FilterState) -> None:
        """Reflect `state` in the controls without echoing change events."""
        self.state = state
        with self.prevent(Checkbox.Changed, Select.Changed):
            for m in MODALITIES:
                self.query_one(f"#filter-{m}", Checkbox).value = m in state.modalities
            source = self.query_one("#filter-source", Select)
            if state.source and state.source not in self._sources:
                self._sources.append(state.source)
                source.set_options([("any source", "")] + [(s, s) for s in self._sources])
            source.value = state.source or ""
            rng = self.query_one("#filter-range", Select)
            rng.set_options(self._range_options())
            rng.value = self._range_value()
        self._show_summary()

    def _show_summary(self) -> None:
        summary = self.query_one("#filter-summary", Static)
        if self.state.is_default:
            summary.update(Content.from_markup("[$text-muted]no filters[/]"))
            summary.remove_class("-active")
        else:
            summary.update(
                Content.from_markup(
                    "[b]$desc[/] [@click=screen.clear_filters][$text-muted]✕ clear[/][/]",
                    desc=self.state.describe(),
                )
            )
            summary.add_class("-active")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        modality = (event.checkbox.id or "").removeprefix("filter-")
        self.state = self.state.toggle(modality)
        self._show_summary()
        self.post_message(self.Changed(self.state))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "filter-source":
            from dataclasses import replace

            self.state = replace(self.state, source=str(event.value) or None)
        elif event.value == "custom":
            self.post_message(self.Changed(self.state, wants_custom=True))
            return
        elif event.value != "span":
            self.state = self.state.with_range(str(event.value))
        self._show_summary()
        self.post_message(self.Changed(self.state))
