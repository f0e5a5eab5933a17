"""Status: is the daemon up, is capture on, what is stored, which model, re-embedding progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, ProgressBar, Static, Switch

from augmem.tui.humanize import human_size, short_path
from augmem.tui.messages import CaptureToggled, StatusRefreshed
from augmem.tui.screens.recall import describe_error
from augmem.tui.widgets.modality_counts import ModalityCounts
from augmem.tui.widgets.nav_bar import NavBar

POLL_S = 1.0


def _first(d: dict, *keys, default=None):
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


@dataclass
class StatusView:
    """The status dict of the core or the daemon, in the terms this screen shows."""

    daemon: bool = False
    capture: bool | None = None
    """True = capturing, False = paused, None = unknown (no daemon)."""
    counts: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    pending_by_modality: dict[str, int] = field(default_factory=dict)
    not_migrated: int = 0
    migrated: int = 0
    total: int = 0
    store_bytes: int | None = None
    store_uri: str = ""
    model: str = ""
    artifact_sha256: str = ""
    space: str = ""
    capture_note: str = ""
    files: int | None = None
    """Source files embedded in the active space (a long note gives several memories)."""
    notice: str = ""

    @classmethod
    def from_dict(cls, d: dict, daemon: bool) -> StatusView:
        counts = _first(d, "counts", "modalities", "by_modality", default={}) or {}
        if isinstance(counts, dict):
            counts = {k: int(v if not isinstance(v, dict) else v.get("count", 0)) for k, v in counts.items()}
        pending = _first(d, "pending", default=0)
        pending_by = {}
        if isinstance(pending, dict):
            pending_by = {k: int(v) for k, v in pending.items()}
            pending = sum(pending_by.values())
        space = str(_first(d, "space", "active_space", default="") or "")
        model = str(_first(d, "model", "active_model", default="") or (space.split(":", 1)[0] if space else ""))
        sha = str(_first(d, "artifact_sha256", "sha256", "artifact_hash", default="") or
                  (space.split(":", 1)[1] if ":" in space else ""))
        total = int(_first(d, "total", "memories", default=sum(counts.values())) or 0)
        not_migrated = int(_first(d, "not_migrated", default=0) or 0)
        migrated = int(_first(d, "migrated", "in_space", default=max(total - not_migrated, 0)) or 0)
        capture = d.get("capture")
        capture_note = ""
        if isinstance(capture, dict):  # the daemon's section: {"state", "paused", "message"}
            state = str(capture.get("state") or "")
            message = str(capture.get("message") or "")
            capture_note = f"microphone {state}" + (f": {message}" if message else "") if state else message
            capture = not capture.get("paused", False)
        elif isinstance(capture, str):
            capture = capture.lower() in ("on", "listening", "running", "capturing", "true")
        migration = d.get("migration")
        if isinstance(migration, dict) and migration.get("total"):
            migrated = int(migration.get("done", migrated))
            not_migrated = max(int(migration["total"]) - migrated, 0)
        daemon_flag = d.get("daemon")
        if isinstance(daemon_flag, dict):
            daemon_flag = daemon_flag.get("up", True)
        up = daemon if daemon_flag is None else bool(daemon_flag)
        by_status = d.get("sources")
        files = int(by_status.get("ok", 0)) if isinstance(by_status, dict) else None
        return cls(
            files=files,
            daemon=up,
            capture=bool(capture) if up and capture is not None else None,
            capture_note=capture_note,
            counts=counts,
            pending=int(pending or 0),
            pending_by_modality=pending_by,
            not_migrated=not_migrated,
            migrated=migrated,
            total=total,
            store_bytes=_first(d, "store_bytes", "store_size", "size_bytes"),
            store_uri=str(_first(d, "store_uri", "store", default="") or ""),
            model=model,
            artifact_sha256=sha,
            space=space,
            notice=str(_first(d, "notice", default="") or ""),
        )


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
        self.view: StatusView | None = None
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
        for panel, title in (("#status-daemon", "Daemon"), ("#status-counts", "Memories"),
                             ("#status-model", "Model"), ("#status-store", "Store")):
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
                Content.from_markup("[$text-error]$m[/]", m=describe_error(event.error)))
            return
        view = StatusView.from_dict(event.status or {}, daemon=self.app.is_daemon)
        self.view = view
        self.app.status_seen(view)
        self._show(view)

    def _show(self, v: StatusView) -> None:
        if v.daemon:
            daemon = Content.from_markup("[b $text-success]● up[/]  recall answers with a warm model")
        else:
            daemon = Content.from_markup("[b $text-muted]○ down[/]  recall runs inside this app")
        self.query_one("#daemon-state", Static).update(_row("Daemon", daemon))
        switch = self.query_one("#capture-switch", Switch)
        state = self.query_one("#capture-state", Static)
        helptext = self.query_one("#capture-help", Static)
        if v.daemon and v.capture is not None:
            switch.disabled = False
            with switch.prevent(Switch.Changed):
                switch.value = bool(v.capture)
            state.update(Content.from_markup(
                "[b $text-success]on[/] [$text-muted]$note[/]" if v.capture else "[b $text-warning]paused[/]",
                note=v.capture_note))
            helptext.update(Content.from_markup("[$text-muted]space pauses / resumes capture[/]"))
        else:
            switch.disabled = True
            state.update(Content.from_markup("[$text-muted]off[/]"))
            helptext.update(Content.from_markup(
                "[$text-muted]Capture runs in the background daemon, which is not running.\n"
                "Start it with [b]augmem daemon start[/b] to capture and to pause/resume here.[/]"))
        title = "[b]$t[/] memories" + (" from [b]$f[/] files" if v.files is not None else "")
        if v.pending:
            title += "\n[$text-warning]$p files pending[/] [$text-muted]· the active model cannot embed them[/]"
        self.query_one("#counts-title", Static).update(Content.from_markup(
            title, t=f"{v.total:,}", f=f"{v.files or 0:,}", p=f"{v.pending:,}"))
        self.query_one(ModalityCounts).show(v.counts, v.pending_by_modality)
        sha = v.artifact_sha256
        self.query_one("#model-info", Static).update(Content("\n").join([
            _row("Active", Content.styled(v.model or "?", "b")),
            _row("Artifact", Content.styled(sha[:16] + ("…" if len(sha) > 16 else "") or "?", "$text-secondary")),
            _row("Space", Content.styled(f"{v.space.partition(':')[0] or v.model}:{sha[:12]}" if sha else "?",
                                         "$text-muted")),
            *( [Content.styled(v.notice, "$text-muted")] if v.notice else [] ),
        ]))
        size = human_size(v.store_bytes) if isinstance(v.store_bytes, (int, float)) else "?"
        self.query_one("#store-info", Static).update(Content("\n").join([
            _row("Size", Content.styled(size, "b")),
            _row("Location", Content.styled(short_path(v.store_uri, 60) if v.store_uri else "?", "$text-muted")),
        ]))
        progress = self.query_one("#migrate-progress", ProgressBar)
        label = self.query_one("#migrate-label", Static)
        if v.not_migrated:
            label.update(_row("Re-embed", Content.from_markup(
                "[$text-warning]$n memories not in the active space yet[/]", n=f"{v.not_migrated:,}")))
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
            self.notify("Capture runs in the daemon: start it with `augmem daemon start`.",
                        title="No daemon", severity="warning")
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
