"""The recall screen: type, see memories of every kind, look closer, act on them."""

from __future__ import annotations

import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.worker import get_current_worker

from augmem.humanize import media_time
from augmem.records import Hit
from augmem.tui.filtering import FilterState
from augmem.tui.matching import best_segment
from augmem.tui.messages import (
    MemoryForgotten,
    PlaybackFinished,
    RecallFailed,
    RecallFinished,
    RecallRequest,
)
from augmem.tui.screens.forget_modal import ForgetModal
from augmem.tui.screens.range_modal import RangeModal
from augmem.tui.widgets.filter_bar import FilterBar
from augmem.tui.widgets.nav_bar import NavBar
from augmem.tui.widgets.preview import Preview
from augmem.tui.widgets.result_list import ResultList

DEBOUNCE_S = 0.2
RESULT_LIMIT = 30
RANGE_CYCLE = ("any", "today", "week", "month")

HIT_ACTIONS = {"more_like_this", "open", "reveal", "copy_path", "forget", "play"}
"""Actions about the highlighted result: shown in the footer only while the results have focus."""


def describe_error(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    hint = getattr(exc, "hint", None)
    return f"{msg} — {hint}" if hint else msg


class RecallScreen(Screen):
    """Search-as-you-type recall with filters, results and a preview."""

    BINDINGS = [
        Binding("/", "focus_search", "Search", show=False, tooltip="Back to the query box"),
        Binding("down", "focus_results", "Results", show=False, tooltip="From the query box into the results"),
        Binding(
            "escape",
            "back",
            "Back",
            show=False,
            tooltip="Leave 'more like this'; back to the query box; clear the query",
        ),
        Binding(
            "enter",
            "play",
            "Play/Open",
            show=False,
            tooltip="Play / stop a sound; open a note or photo in its default app",
        ),
        Binding("m", "more_like_this", "Like this", tooltip="More like this: recall memories like the selected one"),
        Binding("o", "open", "Open", tooltip="Open the source file in its default app"),
        Binding("r", "reveal", "Reveal", tooltip="Show the source file in its folder"),
        Binding("c", "copy_path", "Copy path", tooltip="Copy the source file's path to the clipboard"),
        Binding("x,delete", "forget", "Forget", tooltip="Forget the selected memory (asks first)"),
        Binding("1", "toggle_modality('text')", "Text", show=False, tooltip="Filter: include / exclude notes"),
        Binding("2", "toggle_modality('image')", "Image", show=False, tooltip="Filter: include / exclude photos"),
        Binding("3", "toggle_modality('audio')", "Audio", show=False, tooltip="Filter: include / exclude sounds"),
        Binding("w", "cycle_range", "When", show=False, tooltip="Filter: any time → today → this week → this month"),
        Binding("s", "cycle_source", "Source", show=False, tooltip="Filter: cycle through the capture sources"),
        Binding("u", "custom_range", "Since/until", show=False, tooltip="Filter: a custom time range (dates)"),
        Binding("ctrl+l", "clear_filters", "Clear filters", tooltip="Clear every filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0
        """Bumped for every recall sent; a reply for an older generation is dropped."""
        self.shown_generation = 0
        self.shown_at = 0.0
        """perf_counter() when the newest results were put on screen (bench/tui.py reads it)."""
        self.last_recall_seconds = 0.0
        self.like: Hit | None = None
        self._debounce: Timer | None = None
        self._searched_once = False
        self._warming = False
        self._shown_request: tuple[str, str | None] | None = None

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield NavBar("recall", id="nav")
        with Horizontal(id="search-row"):
            yield Static("⌕", id="search-icon")
            yield Static(id="like-chip")
            yield Input(placeholder="Describe what you remember… (a dog barking at the park)", id="query")
        yield FilterBar(self.app.filters, id="filter-bar")
        with Horizontal(id="recall-body"):
            with Vertical(id="results-pane"):
                yield ResultList(self.app.clock, id="results")
                yield Static(id="recall-info")
            yield Preview(self.app.clock, id="preview")
        yield Footer()

    def on_mount(self) -> None:
        query = self.query_one("#query", Input)
        query.cursor_blink = self.app.cursor_blink
        query.focus()
        self.query_one("#like-chip").display = False
        self._show_idle()

    def on_screen_resume(self) -> None:
        bar = self.query_one(FilterBar)
        if bar.state != self.app.filters:  # e.g. the timeline picked a day
            bar.show(self.app.filters)
            self.search_now()

    # -- searching ---------------------------------------------------------------------
    @property
    def query_text(self) -> str:
        return self.query_one("#query", Input).value.strip()

    @on(Input.Changed, "#query")
    def _query_changed(self) -> None:
        if not self._warming:
            self._warming = True
            self._warm_up()
        if self.like is not None:
            self._set_like(None)
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, self.search_now)

    @on(Input.Submitted, "#query")
    def _query_submitted(self) -> None:
        self.search_now()
        self.action_focus_results()

    def search_now(self) -> None:
        """Send a recall for the current query, like-example and filters (drops older ones)."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self.generation += 1
        f = self.app.filters.to_filters(self.app.clock())
        browsing = any((f.modalities, f.sources, f.since, f.until))  # e.g. a day from the timeline
        if not self.query_text and self.like is None and not browsing:
            self.shown_generation = self.generation
            self.query_one(ResultList).show_hits([])
            self._show_idle()
            return
        request = RecallRequest(
            generation=self.generation,
            query=self.query_text if self.like is None else "",
            like_id=self.like.id if self.like else None,
            like_label=Path(self.like.path).name if self.like else "",
        )
        note = "" if self._searched_once or self.app.is_daemon else " (the first search loads the model)"
        self._info(f"[$text-muted]searching…{note}[/]")
        self._recall(request, self.app.filters, self.app.clock())

    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        """Load the model on the first keystroke, while the person is still typing.

        Only an in-process core has a model here; the daemon's is already warm. Failures
        are left for the recall itself to report.
        """
        load = getattr(self.app.backend, "embedder", None)
        if callable(load):
            try:
                load()
            except Exception:
                pass

    @work(thread=True, exclusive=True, group="recall")
    def _recall(self, request: RecallRequest, filters: FilterState, now: float) -> None:
        started = time.perf_counter()
        try:
            result = self.app.backend.recall(
                request.query or None,
                like_id=request.like_id,
                filters=filters.to_filters(now),
                limit=RESULT_LIMIT,
            )
        except Exception as exc:  # shown to the person, never a crash
            self.post_message(RecallFailed(request, exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(RecallFinished(request, result, time.perf_counter() - started))

    def on_recall_finished(self, event: RecallFinished) -> None:
        if event.request.generation != self.generation:
            return  # a newer query is on its way: never show stale results
        self._searched_once = True
        self.shown_generation = event.request.generation
        self.shown_at = time.perf_counter()
        self.last_recall_seconds = event.seconds
        result = event.result
        results = self.query_one(ResultList)
        asked = (event.request.query, event.request.like_id)
        # a new query starts at its best result; the same query (new filters) keeps the place
        results.show_hits(result.hits, keep_selection=asked == self._shown_request)
        self._shown_request = asked
        n, chunks = len(results.hits), len(result.hits)
        parts = [f"[b]{n}[/] result{'s' if n != 1 else ''}" + (f" ({chunks} passages)" if chunks > n else "")]
        if self.app.show_timings:
            parts.append(f"{event.seconds * 1000:.0f} ms")
        if result.not_migrated:
            parts.append(f"[$text-warning]{result.not_migrated} not re-embedded yet[/]")
        if result.pending:
            parts.append(f"[$text-warning]{result.pending} files pending[/]")
        info = " · ".join(parts)
        if result.notice:
            info += "\n[$text-muted]" + Content(result.notice).markup + "[/]"
        self._info(info)
        if not result.hits:
            what = f"like {event.request.like_label}" if event.request.like_id else f"“{event.request.query}”"
            scope = "" if self.app.filters.is_default else f" within {self.app.filters.describe()}"
            self.query_one(Preview).show(None, f"Nothing found {what}{scope}.")
        else:
            self.query_one(Preview).show(results.selected_hit, query=event.request.query)

    def on_recall_failed(self, event: RecallFailed) -> None:
        if event.request.generation != self.generation:
            return
        if self.app.reconnect(event.error):
            self.search_now()  # the same recall, from whatever answers now
            return
        self._searched_once = True
        self.query_one(ResultList).show_hits([])
        message = describe_error(event.error)
        self._info(Content.from_markup("[$text-error]$m[/]", m=message).markup)
        self.query_one(Preview).show(None, message)

    def _info(self, markup: str) -> None:
        self.query_one("#recall-info", Static).update(Content.from_markup(markup))

    def _show_idle(self) -> None:
        self._info("[$text-muted]type to recall · ↓ results · f1 help · ctrl+p commands[/]")
        scope = "" if self.app.filters.is_default else f"\n\nFilters: {self.app.filters.describe()}."
        self.query_one(Preview).show(None, "Describe a note, a photo or a sound you remember." + scope)

    # -- the highlighted result ----------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#results")
    def _highlighted(self) -> None:
        self.query_one(Preview).show(self.query_one(ResultList).selected_hit)

    @on(OptionList.OptionSelected, "#results")
    def _selected(self) -> None:
        self.action_play()

    def _hit(self) -> Hit | None:
        hit = self.query_one(ResultList).selected_hit
        if hit is None:
            self.notify("No result selected.", severity="warning")
        return hit

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in HIT_ACTIONS:
            # typing keys belong to the query box; hit actions show once the results have focus
            return isinstance(self.focused, ResultList) and bool(self.query_one(ResultList).hits)
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def action_focus_results(self) -> None:
        results = self.query_one(ResultList)
        if results.hits:
            results.focus()

    def action_back(self) -> None:
        query = self.query_one("#query", Input)
        if self.like is not None:
            self._set_like(None)
            self.search_now()
        elif not query.has_focus:
            query.focus()
        elif query.value:
            query.value = ""

    def action_play(self) -> None:
        """Enter on a result: play / stop a sound; open anything else."""
        hit = self._hit()
        if hit is None:
            return
        if hit.modality != "audio":
            self.action_open()
            return
        player = self.app.player
        if player.playing:
            player.stop()
            return
        # from the segment whose words matched the query, to the end of the clip
        seg = best_segment(hit, self._shown_request[0] if self._shown_request else "")
        start_ms = int(seg.start * 1000) if seg is not None else hit.chunk_start
        at = f" from {media_time(start_ms / 1000)}" if seg is not None else ""
        self.notify(f"▶ playing {Path(hit.path).name}{at}", timeout=2)
        self._play(hit, start_ms)

    @work(thread=True, exclusive=True, group="playback")
    def _play(self, hit: Hit, start_ms: int) -> None:
        from augmem.tui.media import PlaybackError

        try:
            self.app.player.play(hit.path, start_ms, hit.chunk_end)
        except PlaybackError as exc:
            self.post_message(PlaybackFinished(hit.path, str(exc)))
            return
        self.post_message(PlaybackFinished(hit.path))

    def on_playback_finished(self, event: PlaybackFinished) -> None:
        if event.error:
            self.notify(event.error, title="Cannot play", severity="warning")

    def _set_like(self, hit: Hit | None) -> None:
        self.like = hit
        chip = self.query_one("#like-chip", Static)
        chip.display = hit is not None
        if hit is not None:
            chip.update(Content.from_markup("≈ like [b]$n[/] [$text-muted]esc ✕[/]", n=Path(hit.path).name))

    def action_more_like_this(self) -> None:
        hit = self._hit()
        if hit is None:
            return
        query = self.query_one("#query", Input)
        with query.prevent(Input.Changed):
            query.value = ""
        self._set_like(hit)
        self.search_now()

    def action_open(self) -> None:
        from augmem.tui.launch import LaunchError, open_path

        hit = self._hit()
        if hit is None:
            return
        try:
            open_path(hit.path)
        except (LaunchError, OSError) as exc:
            self.notify(str(exc), title="Cannot open", severity="warning")
        else:
            self.notify(f"Opening {Path(hit.path).name}", timeout=2)

    def action_reveal(self) -> None:
        from augmem.tui.launch import LaunchError, reveal_path

        hit = self._hit()
        if hit is None:
            return
        try:
            reveal_path(hit.path)
        except (LaunchError, OSError) as exc:
            self.notify(str(exc), title="Cannot reveal", severity="warning")
        else:
            self.notify(f"Showing {Path(hit.path).parent}", timeout=2)

    def action_copy_path(self) -> None:
        hit = self._hit()
        if hit is None:
            return
        self.app.copy_to_clipboard(hit.path)
        self.notify(f"Copied {hit.path}", timeout=2)

    def action_forget(self) -> None:
        hit = self._hit()
        if hit is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._forget(hit)

        self.app.push_screen(ForgetModal(hit), confirmed)

    @work(thread=True, group="forget")
    def _forget(self, hit: Hit) -> None:
        try:
            n = self.app.backend.forget(paths=[hit.path])
        except Exception as exc:
            self.app.call_from_thread(self.notify, describe_error(exc), title="Cannot forget", severity="error")
            return
        self.post_message(MemoryForgotten(hit, n))

    def on_memory_forgotten(self, event: MemoryForgotten) -> None:
        results = self.query_one(ResultList)
        for h in [h for h in results.hits if h.path == event.hit.path]:
            results.remove_hit(h.id)
        self.query_one(Preview).show(results.selected_hit, "Forgotten.")
        n = event.count
        self.notify(f"Forgot {n} memor{'y' if n == 1 else 'ies'} from {Path(event.hit.path).name}")
        if not results.hits:
            self.action_focus_search()

    # -- filters -------------------------------------------------------------------------
    def set_filters(self, state: FilterState) -> None:
        """Make `state` the active filters everywhere and recall again."""
        self.app.filters = state
        self.query_one(FilterBar).show(state)
        self.search_now()

    @on(FilterBar.Changed)
    def _filters_changed(self, event: FilterBar.Changed) -> None:
        if event.wants_custom:
            self.action_custom_range()
            return
        self.app.filters = event.state
        self.search_now()

    def action_toggle_modality(self, modality: str) -> None:
        self.set_filters(self.app.filters.toggle(modality))

    def action_set_range(self, key: str) -> None:
        if key == "custom":
            self.action_custom_range()
        else:
            self.set_filters(self.app.filters.with_range(key))

    def action_cycle_range(self) -> None:
        current = self.app.filters.range
        nxt = RANGE_CYCLE[(RANGE_CYCLE.index(current) + 1) % len(RANGE_CYCLE)] if current in RANGE_CYCLE else "any"
        self.action_set_range(nxt)

    def action_set_source(self, source: str) -> None:
        from dataclasses import replace

        self.set_filters(replace(self.app.filters, source=source or None))

    def action_cycle_source(self) -> None:
        bar = self.query_one(FilterBar)
        options = ["", *bar._sources]
        current = self.app.filters.source or ""
        nxt = options[(options.index(current) + 1) % len(options)] if current in options else ""
        self.action_set_source(nxt)

    def action_custom_range(self) -> None:
        state = self.app.filters

        def chosen(span) -> None:
            if span is None:
                self.query_one(FilterBar).show(self.app.filters)  # undo the "custom…" pick
                return
            since, until, label = span
            self.set_filters(self.app.filters.with_span(since, until, label))

        self.app.push_screen(RangeModal(state.since, state.until), chosen)

    def action_clear_filters(self) -> None:
        self.set_filters(FilterState())
