"""With a daemon up, the TUI talks to it (warm model, no torch here) and can pause capture."""

from __future__ import annotations

import pytest
from textual.widgets import Switch

from augmem.tui.screens.status import StatusScreen
from tests.tui.conftest import SIZE, type_query, wait_for

pytestmark = pytest.mark.anyio


async def test_recall_status_and_capture_toggle_through_the_daemon(daemon):
    from augmem.tui.app import make_app

    app = make_app(settings=daemon.settings(), cursor_blink=False)
    assert app.is_daemon and type(app.backend).__name__ == "DaemonClient"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.model_name == "minilm", what="badge")
        assert app.backend_label == "daemon · minilm"
        await type_query(pilot, "how to fix a bike puncture")
        hits = app.screen.query_one("#results").hits
        assert hits[0].path.endswith("bike-flat-tyre-repair.txt")

        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, StatusScreen)
        await wait_for(pilot, lambda: screen.view is not None and screen.view.daemon, what="daemon status")
        assert "● up" in str(screen.query_one("#daemon-state").render())
        switch = screen.query_one("#capture-switch", Switch)
        assert not switch.disabled and switch.value  # capturing
        await pilot.press("space")  # pause
        await wait_for(pilot, lambda: screen.view.capture.paused, what="paused")
        assert "paused" in str(screen.query_one("#capture-state").render())
        assert daemon.client().status().capture.paused is True
        await pilot.click("#capture-switch")  # resume, by mouse
        await wait_for(pilot, lambda: not screen.view.capture.paused, what="resumed")
        assert daemon.client().status().capture.paused is False

        # the daemon stops: the next recall carries on in this process, with a word about it
        daemon.terminate()
        await pilot.press("f2")
        recall = app.screen
        recall.query_one("#query").value = ""
        recall.query_one("#query").focus()
        await type_query(pilot, "grocery list")
        assert not app.is_daemon and type(app.backend).__name__ == "Augmem"
        assert any(n.title == "Daemon gone" for n in app._notifications)
        assert recall.query_one("#results").hits[0].path.endswith("grocery-list.txt")
        await wait_for(pilot, lambda: app.backend_label == "in-process · minilm", what="badge")
        assert "in-process · minilm" in str(recall.query_one("#nav").render())
