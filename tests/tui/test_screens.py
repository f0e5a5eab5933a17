"""Timeline, status, help and the command palette over the real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, ProgressBar, Switch

from augmem.records import CaptureInfo, DaemonInfo, Status
from augmem.tui.screens.help import HelpScreen
from augmem.tui.screens.recall import RecallScreen
from augmem.tui.screens.status import StatusScreen, capture_note, capturing
from augmem.tui.screens.timeline import TimelineScreen
from augmem.tui.widgets.day_chart import DayChart
from augmem.tui.widgets.result_list import ResultList
from tests.tui.conftest import FIXED_NOW, NOTE_AGES, SIZE, settle, type_query, wait_for

pytestmark = pytest.mark.anyio


def text_of(widget) -> str:
    return str(widget.render())


async def test_status_shows_counts_model_and_no_daemon(make_tui, shared_core):
    truth = shared_core.status()
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, StatusScreen)
        await wait_for(pilot, lambda: screen.view is not None, what="status")
        counts = text_of(screen.query_one("#counts"))
        assert f"{'text':<6}{truth.counts['text']:>8,}" in counts
        assert "image" in counts and "audio" in counts
        title = text_of(screen.query_one("#counts-title"))
        assert f"{truth.memories} memories from {truth.stored_files} files" in title
        assert truth.stored_files > truth.files  # the clips recalled by their transcripts count
        assert f"{truth.pending} files pending" in title
        model = text_of(screen.query_one("#model-info"))
        assert "minilm" in model and truth.artifact_sha256[:16] in model
        assert "○ down" in text_of(screen.query_one("#daemon-state"))
        # no daemon: the capture switch is off limits, and says why
        assert screen.query_one("#capture-switch", Switch).disabled
        assert "augmem daemon start" in text_of(screen.query_one("#capture-help"))
        await pilot.press("space")
        assert any(n.title == "No daemon" for n in app._notifications)
        assert "every memory is in the active space" in text_of(screen.query_one("#migrate-label"))
        assert not screen.query_one("#migrate-progress", ProgressBar).display
        assert "in-process · minilm" in text_of(screen.query_one("#nav"))


def test_capture_is_known_only_when_the_daemon_answers():
    listening = Status(daemon=DaemonInfo(pid=1), capture=CaptureInfo(state="listening"))
    assert capturing(listening) is True and capture_note(listening) == "microphone listening"
    paused = Status(daemon=DaemonInfo(pid=1), capture=CaptureInfo(state="paused", paused=True, message="by you"))
    assert capturing(paused) is False and capture_note(paused) == "microphone paused: by you"
    # in process, the last state a daemon left on disk is no news about capture right now
    assert capturing(Status(capture=CaptureInfo(state="listening"))) is None


async def test_reembedding_progress_is_drawn(make_tui, shared_core):
    """A space switch half done: the status screen shows a live progress bar."""

    class Migrating:
        settings = shared_core.settings

        def __init__(self):
            self.done = 3

        def status(self):
            st = shared_core.status()
            self.done = min(self.done + 1, 10)
            return replace(st, migrated=self.done, not_migrated=10 - self.done)

        def __getattr__(self, name):
            return getattr(shared_core, name)

    app = make_tui(Migrating())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        screen = app.screen
        bar = screen.query_one("#migrate-progress", ProgressBar)
        await wait_for(pilot, lambda: bar.display and bar.total == 10, what="progress bar")
        first = bar.progress
        await wait_for(pilot, lambda: bar.progress > first, timeout=10, what="the 1 s poll")
        assert "not in the active space yet" in text_of(screen.query_one("#migrate-label"))


async def test_timeline_shows_days_and_enter_recalls_within_a_day(make_tui, shared_core):
    days = sorted(shared_core.timeline(), reverse=True)
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        chart = screen.query_one(DayChart)
        await wait_for(pilot, lambda: chart.days, what="timeline")
        assert [d for d, _ in chart.days] == [d for d, _ in days]
        newest = datetime.fromtimestamp(FIXED_NOW - min(NOTE_AGES.values())).date().isoformat()
        assert chart.days[0][0] == newest
        assert chart.days[0] == days[0] and days[0][1].get("text", 0) >= 2  # the soup and the groceries
        title = text_of(screen.query_one("#timeline-title"))
        assert f"on {len(days)} days" in title
        assert app.focused is chart
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecallScreen))
        recall = app.screen
        assert app.filters.range == "span" and app.filters.span_label == newest
        assert newest in text_of(recall.query_one("#filter-summary"))
        recall.query_one("#query", Input).focus()
        await type_query(pilot, "something to eat")
        hits = recall.query_one(ResultList).hits
        assert hits and all(datetime.fromtimestamp(h.captured_at).date().isoformat() == newest for h in hits)


async def test_help_lists_the_keys(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        body = text_of(app.screen.query_one("#help-body"))
        for words in ("More like this", "Forget", "Recall this day", "Pause/resume capture", "command palette"):
            assert words.lower() in body.lower(), words
        await pilot.press("escape")
        assert isinstance(app.screen, RecallScreen)


async def test_command_palette_reaches_every_action(make_tui):
    from augmem.tui.commands import all_commands

    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        # every palette entry names an action that exists where it will run
        for _title, _help, where, action in all_commands():
            name = action.split("(")[0]
            target = app if where == "app" else app.screen
            assert hasattr(target, f"action_{name}") or hasattr(target, f"_action_{name}"), action
        await type_query(pilot, "bicycle")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"go to timeline")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen), what="timeline via palette")
        # a recall action from another screen: switches back to recall and runs it
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"filter: toggle audio")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecallScreen) and "audio" not in app.filters.modalities)
        await settle(pilot)


async def test_mouse_switches_screens(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        nav = app.screen.query_one("#nav")
        text = text_of(nav)
        await pilot.click("#nav", offset=(text.index("Status") + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, StatusScreen), what="click on Status")
