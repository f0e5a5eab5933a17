"""Privacy in the TUI, driven by the pilot over the real store: forget a stretch of time (f6 or
the command palette: presets, a count with examples, then yes), and the top bar's word on
whether the microphone is capturing right now (paused, paused until…, quiet hours)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from augmem.capture.state import write_capture_state
from augmem.records import CaptureInfo, Filters
from augmem.tui.capture import capture_badge
from augmem.tui.screens.forget_stretch import ForgetStretchModal
from tests.tui.conftest import FIXED_NOW, SIZE, wait_for

pytestmark = pytest.mark.anyio


def text_of(widget) -> str:
    return str(widget.render())


async def test_forget_today_from_the_tui(make_tui, fresh_core, user_dir):
    app = make_tui(fresh_core)
    notes = user_dir / "notes"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        modal = app.screen
        assert isinstance(modal, ForgetStretchModal)
        plan = modal.query_one("#stretch-plan")
        # the last 10 minutes before the app's clock: nothing, so nothing to confirm
        await wait_for(pilot, lambda: "Nothing was captured since 09:50" in text_of(plan), what="empty stretch")
        assert modal.query_one("#stretch-confirm").disabled
        await pilot.click("#preset-today")
        await wait_for(pilot, lambda: modal.plan is not None and modal.plan.count == 2, what="today's count")
        shown = text_of(plan)
        assert "2 memories captured since 00:00: 2 notes" in shown
        assert "lentil-soup-recipe.md" in shown and "grocery-list.txt" in shown
        assert "forgotten; the file stays" in shown and "deleted from disk" not in shown
        await pilot.click("#kind-image")  # only photos today: none
        await wait_for(pilot, lambda: modal.plan is not None and modal.plan.count == 0, what="no photos today")
        await pilot.click("#kind-all")
        await wait_for(pilot, lambda: modal.plan is not None and modal.plan.count == 2, what="today again")
        assert str(modal.query_one("#stretch-confirm").label) == "Forget 2"
        await pilot.click("#stretch-confirm")
        await wait_for(
            pilot, lambda: any("Forgot 2 memories" in n.message for n in app._notifications), what="the forget"
        )
    midnight = FIXED_NOW - 10 * 3600
    assert fresh_core.forget_plan(Filters(since=midnight, until=FIXED_NOW)).count == 0
    # "today" ended at the app's now: a photo whose EXIF date lies ahead of it was not taken
    assert fresh_core.forget_plan(Filters(since=midnight)).count == 1
    assert (notes / "lentil-soup-recipe.md").exists()  # a person's note stays on disk
    ledger = fresh_core.store.get_sources()
    assert ledger[str(notes / "lentil-soup-recipe.md")].status == "forgotten"
    assert all(Path(h.path).name != "lentil-soup-recipe.md" for h in fresh_core.recall("lentil soup").hits)


async def test_a_custom_stretch_says_what_it_cannot_read(make_tui, fresh_core):
    app = make_tui(fresh_core)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        modal = app.screen
        await pilot.click("#preset-custom")
        await pilot.click("#stretch-since")
        await pilot.press(*"soonish")
        await wait_for(
            pilot,
            lambda: "cannot read 'soonish' as a time" in text_of(modal.query_one("#stretch-plan")),
            what="the error",
        )
        assert modal.query_one("#stretch-confirm").disabled
        await pilot.press("escape")
        assert not isinstance(app.screen, ForgetStretchModal)


def test_the_capture_badge_in_words():
    now = FIXED_NOW
    listening = CaptureInfo(state="listening")
    assert str(capture_badge(listening, True, now)) == "● capturing"
    assert str(capture_badge(listening, False, now)) == ""  # no daemon: nothing captures
    assert (
        str(capture_badge(CaptureInfo(state="paused", paused=True, paused_until=now + 1800), True, now))
        == "‖ paused until 10:30"
    )
    assert (
        str(capture_badge(CaptureInfo(state="quiet", quiet_until=now + 3600 * 21), False, now))
        == "☾ quiet hours until tomorrow 07:00"
    )
    assert str(capture_badge(CaptureInfo(state="off"), True, now)) == "○ mic off"


async def test_the_header_shows_a_pause_even_without_a_daemon(make_tui, fresh_core):
    write_capture_state(fresh_core.settings.paths.run_dir, paused=True, paused_until=None)
    app = make_tui(fresh_core)
    async with app.run_test(size=SIZE) as pilot:
        nav = app.screen.query_one("#nav")
        await wait_for(pilot, lambda: "‖ paused" in text_of(nav), what="the paused badge")
        assert "in-process" in text_of(nav)


@pytest.mark.slow
async def test_the_header_follows_the_daemons_capture(daemon):
    from augmem.tui.app import make_app

    app = make_app(settings=daemon.settings(), cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        nav = app.screen.query_one("#nav")
        await wait_for(pilot, lambda: "○ mic off" in text_of(nav), what="mic off (mic_enabled is false)")
        until = time.time() + 1800
        with daemon.client() as c:
            info = c.pause(until=until)
        assert info.paused and info.paused_until == pytest.approx(until)
        await wait_for(pilot, lambda: "‖ paused until" in text_of(nav), what="the timed pause")
        with daemon.client() as c:
            c.resume()
        await wait_for(pilot, lambda: "○ mic off" in text_of(nav), what="resumed")
