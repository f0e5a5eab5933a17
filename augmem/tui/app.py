"""The augmem Textual app and its factory (shared by `augmem tui` and the tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive

from augmem.records import CaptureInfo, Status
from augmem.tui.capture import POLL_S as CAPTURE_POLL_S
from augmem.tui.capture import CaptureRead, capture_badge
from augmem.tui.commands import AugmemCommands
from augmem.tui.filtering import FilterState
from augmem.tui.media import Player
from augmem.tui.messages import StatusRefreshed
from augmem.tui.screens.help import HelpScreen
from augmem.tui.screens.recall import RecallScreen
from augmem.tui.screens.status import StatusScreen
from augmem.tui.screens.timeline import TimelineScreen

Clock = Callable[[], float]


def _clock(now: float | datetime | Clock | None) -> Clock:
    """A fixed `now` (tests, snapshots) or the real clock."""
    if now is None:
        return time.time
    if callable(now):
        return now
    fixed = now.timestamp() if isinstance(now, datetime) else float(now)
    return lambda: fixed


def is_daemon_client(backend: Any) -> bool:
    """Whether `backend` is the daemon (capture can be paused) rather than an in-process core."""
    from augmem.daemon.client import DaemonClient

    return isinstance(backend, DaemonClient)


class AugmemApp(App):
    """Recall, timeline and status over one backend (the daemon or an in-process core)."""

    CSS_PATH = "augmem.tcss"
    TITLE = "augmem"
    MODES = {"recall": RecallScreen, "timeline": TimelineScreen, "status": StatusScreen}
    DEFAULT_MODE = "recall"
    COMMANDS = App.COMMANDS | {AugmemCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help"),
        # the top bar shows these (and is clickable); the footer keeps room for the screen's keys
        Binding("f2", "switch_mode('recall')", "Recall", show=False),
        Binding("f3", "switch_mode('timeline')", "Timeline", show=False),
        Binding("f4", "switch_mode('status')", "Status", show=False),
        Binding(
            "f6",
            "forget_stretch",
            "Forget time",
            show=False,
            tooltip="Forget a stretch of time: the last 10 minutes, the last hour, today… (asks first)",
        ),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    model_name: reactive[str] = reactive("")
    """The model that answers recall (from status), shown in every screen's top bar."""
    is_daemon: reactive[bool] = reactive(False)
    """Whether the backend is the daemon (else an in-process core)."""
    capture_state: reactive[CaptureInfo | None] = reactive(None)
    """Microphone capture right now (polled), shown in every screen's top bar."""

    def __init__(
        self,
        backend: Any,
        *,
        settings: Any = None,
        now: float | datetime | Clock | None = None,
        cursor_blink: bool = True,
        show_timings: bool = True,
        exit_on_first_frame: bool = False,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.settings = settings
        self.clock: Clock = _clock(now)
        self.cursor_blink = cursor_blink
        self.show_timings = show_timings
        self.exit_on_first_frame = exit_on_first_frame
        self.first_frame_at: float | None = None
        self.is_daemon = is_daemon_client(backend)
        self.filters = FilterState()
        """The active filters, shared by the recall and timeline screens."""
        self.player = Player()

    @property
    def backend_label(self) -> str:
        where = "daemon" if self.is_daemon else "in-process"
        return f"{where} · {self.model_name}" if self.model_name else where

    def on_mount(self) -> None:
        if self.exit_on_first_frame:
            # bench/tui.py: time from process start to the first painted screen
            def painted() -> None:
                self.first_frame_at = time.time()
                self.exit("first-frame")

            self.call_after_refresh(painted)
            return
        self._read_badge()
        self._read_capture()
        self.set_interval(CAPTURE_POLL_S, self._read_capture)

    @work(thread=True, exclusive=True, group="capture-badge")
    def _read_capture(self) -> None:
        """Is the microphone capturing right now (for the top bar)."""
        read = getattr(self.backend, "capture", None)
        if not callable(read):
            return
        try:
            info = read()
        except Exception:  # the badge is cosmetic; the screens report errors
            info = None
        self.post_message(CaptureRead(info))

    def on_capture_read(self, event: CaptureRead) -> None:
        self.capture_state = event.info

    def capture_badge(self) -> Content:
        return capture_badge(self.capture_state, self.is_daemon, self.clock())

    @work(thread=True, group="badge")
    def _read_badge(self) -> None:
        """Which model answers, for the top bar (status() never loads the model)."""
        try:
            status = self.backend.status()
        except Exception:
            return
        self.post_message(StatusRefreshed(status))

    def on_status_refreshed(self, event: StatusRefreshed) -> None:
        if event.status is not None:
            self.status_seen(event.status)

    def status_seen(self, view: Status) -> None:
        """The status screen read fresh status: keep the top bars' badge in step."""
        if view.model:
            self.model_name = view.model
        if view.capture is not None and (view.daemon is not None or not self.is_daemon):
            self.capture_state = view.capture

    def reconnect(self, error: BaseException) -> bool:
        """The daemon went away mid-session: carry on with whatever answers now (an in-process
        core, or a restarted daemon). Returns whether the backend was replaced."""
        from augmem.errors import DaemonError

        if not (self.is_daemon and isinstance(error, DaemonError) and self.settings is not None):
            return False
        from augmem.backend import open_backend

        try:
            backend = open_backend(self.settings)
        except Exception:
            return False
        old, self.backend = self.backend, backend
        self.is_daemon = is_daemon_client(backend)
        try:
            old.close()
        except Exception:
            pass
        where = "the restarted daemon" if self.is_daemon else "this app (the model loads on this search)"
        # a change of where recall runs is worth more than the default few seconds on screen
        self.notify(
            f"The daemon stopped answering; recall now runs in {where}.",
            title="Daemon gone",
            severity="warning",
            timeout=20,
        )
        self._read_badge()
        return True

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def run_recall_action(self, action: str) -> None:
        """Run a recall-screen action from anywhere (the command palette)."""
        from augmem.tui.screens.recall import HIT_ACTIONS

        if self.current_mode != "recall":
            await self.switch_mode("recall")
        screen = self.screen
        if action.split("(")[0] in HIT_ACTIONS:
            screen.action_focus_results()  # they act on the highlighted result
        await screen.run_action(action)

    def action_forget_stretch(self) -> None:
        """Forget a stretch of time (the dialog shows what it takes and asks first)."""
        from augmem.tui.screens.forget_stretch import ForgetStretchModal, forget_stretch

        def chosen(filters) -> None:
            if filters is not None:
                forget_stretch(self, filters)

        self.push_screen(ForgetStretchModal(), chosen)

    async def action_toggle_capture(self) -> None:
        if self.current_mode != "status":
            await self.switch_mode("status")
        await self.screen.run_action("toggle_capture")

    def on_unmount(self) -> None:
        try:
            self.player.stop()
        except Exception:
            pass


def make_app(
    backend: Any = None,
    settings: Any = None,
    *,
    now: float | datetime | Clock | None = None,
    cursor_blink: bool = True,
    show_timings: bool = True,
    exit_on_first_frame: bool = False,
) -> AugmemApp:
    """The app over `backend`, or over what `open_backend(settings)` finds: the daemon when
    it answers, else an in-process core (whose model loads on the first query, in a worker).

    `now` fixes the clock and `cursor_blink` / `show_timings` off make every frame
    reproducible (snapshot tests)."""
    from augmem.private import protect_process

    protect_process()  # whatever this process writes (an in-process store, the state file) is owner-only
    if backend is None:
        from augmem.backend import open_backend
        from augmem.config import load_settings

        settings = settings or load_settings()
        backend = open_backend(settings)
    return AugmemApp(
        backend,
        settings=settings,
        now=now,
        cursor_blink=cursor_blink,
        show_timings=show_timings,
        exit_on_first_frame=exit_on_first_frame,
    )
