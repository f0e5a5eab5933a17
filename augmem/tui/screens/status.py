"""Status: is the daemon up, is capture on, what is stored, which model, re-embedding progress."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, ProgressBar, Static, Switch

from augmem.humanize import human_size, short_path
from augmem.records import Status
from augmem.tui.messages import CaptureToggled, StatusRefreshed
from augmem.tui.screens.recall import describe_error
from augmem.tui.widgets.modality_counts import ModalityCounts
from augmem.tui.widgets.nav_bar import NavBar

POLL_S = 1.0


def capture_note(status: Status) -> str:
    """The microphone's state in words ("microphone listening: …"), empty when unknown."""
    cap = status.capture
    if cap is None or not cap.state:
        return ""
    return f"microphone {cap.state}" + (f": {cap.message}" if cap.message else "")


def capturing(status: Status) -> bool | None:
    """True = capturing, False = paused, None = unknown (no daemon answers)."""
    if status.daemon is None or status.capture is None:
        return None
    return not status.capture.paused


def _row(label: str, value: Content | str) -> Content:
    return Content.assemble((f"{label:<12}", "$text-muted"), value)


class StatusScreen(Screen):
    """Everything about the memory store and its keeper, refreshed every second."""

    BINDINGS = [
        Binding("space,p", "toggle_capture", "Pause/resume capture"),
        Binding("f5", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: Status | None = None
        self._poll: Timer | None = None
        self._fetching = False
        """A status() call is in flight: the 1 s poll skips a beat instead of piling up threads."""

    def compose(self) -> ComposeResult:
        yield NavBar("status", id="nav")
        with Grid(id="status-grid"):
            with Vertical(id="status-daemon", classes="panel"):
                yield Static(id="daemon-state")
                with Horizontal(id="capture-row"):
                    yield Static("Capture", id="capture-label")
                    yield Switch(False, id="capture-switch", disabled=True)
                    yield Static(id="capture-state")
                yield Static(id="capture-help")
            with Vertical(id="status-counts", classes="panel"):
                yield Static(id="counts-title")
                yield ModalityCounts(id="counts")
            with Vertical(id="status-model", classes="panel"):
                yield Static(id="model-info")
            with Vertical(id="status-store", classes="panel"):
                yield Static(id="store-info")
                yield Static(id="migrate-label")
                yield ProgressBar(id="migrate-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        for panel, title in (
            ("#status-daemon", "Daemon"),
            ("#status-counts", "Memories"),
            ("#status-model", "Model"),
            ("#status-store", "Store"),
        ):
            self.query_one(panel).border_title = title
        self.query_one("#daemon-state", Static).update("Reading status…")

    def on_screen_resume(self) -> None:
        self.action_refresh()
        if self._poll is None:
            self._poll = self.set_interval(POLL_S, self.action_refresh)
        else:
            self._poll.resume()

    def on_screen_suspend(self) -> None:
        if self._poll is not None:
            self._poll.pause()

    def action_refresh(self) -> None:
        if not self._fetching:
            self._fetching = True
            self._fetch()

    @work(thread=True, group="status")
    def _fetch(self) -> None:
        try:
            status = self.app.backend.status()
        except Exception as exc:
            self.post_message(StatusRefreshed(None, exc))
            return
        self.post_message(StatusRefreshed(status))

    def on_status_refreshed(self, event: StatusRefreshed) -> None:
        event.stop()
        self._fetching = False
        if event.error is not None and self.app.reconnect(event.error):
            self.action_refresh()
            return
        if event.error is not None:
            self.query_one("#daemon-state", Static).update(
                Content.from_markup("[$text-error]$m[/]", m=describe_error(event.error))
            )
            return
        if event.status is None:
            return
        self.view = event.status
        self.app.status_seen(event.status)
        self._show(event.status)

    def _show(self, v: Status) -> None:
        if v.daemon is not None:
            daemon = Content.from_markup("[b $text-success]● up[/]  recall answers with a warm model")
        else:
            daemon = Content.from_markup("[b $text-muted]○ down[/]  recall runs inside this app")
        self.query_one("#daemon-state", Static).update(_row("Daemon", daemon))
        switch = self.query_one("#capture-switch", Switch)
        state = self.query_one("#capture-state", Static)
        helptext = self.query_one("#capture-help", Static)
        on = capturing(v)
        if on is not None:
            switch.disabled = False
            with switch.prevent(Switch.Changed):
                switch.value = on
            state.update(
                Content.from_markup(
                    "[b $text-success]on[/] [$text-muted]$note[/]" if on else "[b $text-warning]paused[/]",
                    note=capture_note(v),
                )
            )
            helptext.update(Content.from_markup("[$text-muted]space pauses / resumes capture[/]"))
        else:
            switch.disabled = True
            state.update(Content.from_markup("[$text-muted]off[/]"))
            helptext.update(
                Content.from_markup(
                    "[$text-muted]Capture runs in the background daemon, which is not running.\n"
                    "Start it with [b]augmem daemon start[/b] to capture and to pause/resume here.[/]"
                )
            )
        title = "[b]$t[/] memories from [b]$f[/] files"
        if v.pending:
            title += "\n[$text-warning]$p files pending[/] [$text-muted]· each waits for a model of its kind[/]"
        self.query_one("#counts-title", Static).update(
            Content.from_markup(title, t=f"{v.memories:,}", f=f"{v.stored_files:,}", p=f"{v.pending:,}")
        )
        self.query_one(ModalityCounts).show(v.counts, v.pending_by_modality)
        sha = v.artifact_sha256
        self.query_one("#model-info", Static).update(
            Content("\n").join(
                [
                    _row("Active", Content.styled(v.model or "?", "b")),
                    _row(
                        "Artifact", Content.styled(sha[:16] + ("…" if len(sha) > 16 else "") or "?", "$text-secondary")
                    ),
                    _row(
                        "Space",
                        Content.styled(
                            f"{(v.space or '').partition(':')[0] or v.model}:{sha[:12]}" if sha else "?", "$text-muted"
                        ),
                    ),
                    *([Content.styled(v.notice, "$text-muted")] if v.notice else []),
                ]
            )
        )
        size = human_size(v.store_bytes)
        self.query_one("#store-info", Static).update(
            Content("\n").join(
                [
                    _row("Size", Content.styled(size, "b")),
                    _row(
                        "Location", Content.styled(short_path(v.store_uri, 60) if v.store_uri else "?", "$text-muted")
                    ),
                ]
            )
        )
        progress = self.query_one("#migrate-progress", ProgressBar)
        label = self.query_one("#migrate-label", Static)
        if v.not_migrated:
            label.update(
                _row(
                    "Re-embed",
                    Content.from_markup(
                        "[$text-warning]$n memories not in the active space yet[/]", n=f"{v.not_migrated:,}"
                    ),
                )
            )
            progress.display = True
            progress.update(total=max(v.migrated + v.not_migrated, 1), progress=v.migrated)
        else:
            label.update(_row("Re-embed", Content.styled("every memory is in the active space", "$text-success")))
            progress.display = False

    @on(Switch.Changed, "#capture-switch")
    def _switch_changed(self, event: Switch.Changed) -> None:
        self._set_capture(paused=not event.value)

    def action_toggle_capture(self) -> None:
        if not self.app.is_daemon:
            self.notify(
                "Capture runs in the daemon: start it with `augmem daemon start`.",
                title="No daemon",
                severity="warning",
            )
            return
        switch = self.query_one("#capture-switch", Switch)
        switch.value = not switch.value  # fires Switch.Changed -> _set_capture

    @work(thread=True, exclusive=True, group="capture")
    def _set_capture(self, paused: bool) -> None:
        backend = self.app.backend
        try:
            backend.pause() if paused else backend.resume()
        except Exception as exc:
            self.post_message(CaptureToggled(paused, exc))
            return
        self.post_message(CaptureToggled(paused))

    def on_capture_toggled(self, event: CaptureToggled) -> None:
        if event.error is not None:
            self.notify(describe_error(event.error), title="Capture", severity="error")
        else:
            self.notify("Capture paused." if event.paused else "Capture resumed.", timeout=2)
        self.action_refresh()
