"""What people see, screen by screen, at 110x32 (SVGs in __snapshots__/; refresh them with
`pytest tests/tui --snapshot-update` after a deliberate change and look at the diff)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from augmem.records import Hit
from augmem.tui.screens.forget_modal import ForgetModal
from augmem.tui.screens.status import StatusScreen
from augmem.tui.widgets.day_chart import DayChart
from tests.tui.conftest import FIXED_NOW, SIZE, type_query, wait_for


async def badge(pilot) -> None:
    await wait_for(pilot, lambda: pilot.app.model_name == "minilm", what="model badge")


class TestRecall:
    def test_idle(self, snap_compare, make_tui):
        assert snap_compare(make_tui(), terminal_size=SIZE, run_before=badge)

    def test_results_with_a_long_note_preview(self, snap_compare, make_tui):
        async def run_before(pilot):
            await badge(pilot)
            await type_query(pilot, "hot chocolate in the mountain hut")

        assert snap_compare(make_tui(), terminal_size=SIZE, run_before=run_before)

    def test_filtered_to_today_from_the_results(self, snap_compare, make_tui):
        async def run_before(pilot):
            await badge(pilot)
            await type_query(pilot, "food")
            await pilot.press("down", "w")  # time range: any -> today
            await type_query(pilot, "")

        assert snap_compare(make_tui(), terminal_size=SIZE, run_before=run_before)

    def test_forget_modal(self, snap_compare, make_tui):
        async def run_before(pilot):
            await badge(pilot)
            await type_query(pilot, "grocery list")
            await pilot.press("down", "x")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, ForgetModal))

        assert snap_compare(make_tui(), terminal_size=SIZE, run_before=run_before)


def test_timeline(snap_compare, make_tui):
    async def run_before(pilot):
        await badge(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: pilot.app.screen.query_one(DayChart).days, what="timeline")

    assert snap_compare(make_tui(), terminal_size=SIZE, run_before=run_before)


class PinnedStoreSize:
    """The real core, except that `status()` reports a fixed store size: LanceDB's bytes on
    disk vary run to run with version cleanup (80-166 KB seen for the same memories)."""

    def __init__(self, core):
        self._core = core
        self.settings = core.settings

    def status(self):
        return replace(self._core.status(), store_bytes=170_000)

    def __getattr__(self, name):
        return getattr(self._core, name)


def test_status(snap_compare, make_tui, shared_core):
    async def run_before(pilot):
        await badge(pilot)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatusScreen) and pilot.app.screen.view)

    assert snap_compare(make_tui(PinnedStoreSize(shared_core)), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, make_tui):
    async def run_before(pilot):
        await badge(pilot)
        await pilot.press("f1")

    assert snap_compare(make_tui(), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("kind", ["photo", "sound"])
def test_preview_of_a_photo_and_a_sound(snap_compare, make_tui, person_home, kind):
    """The photo drawn in the terminal (unicode blocks when not on a graphics terminal) with
    its EXIF time; the sound's waveform with duration and time."""
    from augmem.tui.widgets.preview import Preview
    from augmem.tui.widgets.result_list import ResultList

    path = (
        person_home / "photos" / "park_with_brown_dog.jpg"
        if kind == "photo"
        else person_home / "audio" / "dog_barking_at_the_park.wav"
    )
    modality, source = ("image", "photos") if kind == "photo" else ("audio", "audio")
    hit = Hit(
        id=f"sample-{kind}",
        modality=modality,
        source=source,
        path=str(path),
        score=0.31,
        captured_at=FIXED_NOW - 3 * 86400,
        size=path.stat().st_size,
    )

    async def run_before(pilot):
        await badge(pilot)
        # The text-only test model never returns photos or sounds, so hand the list one
        # (the real file on disk), the way a multimodal model's recall would.
        screen = pilot.app.screen
        screen.query_one(ResultList).show_hits([hit])
        screen.query_one(Preview).show(hit)
        await wait_for(pilot, lambda: _loaded(screen, kind), what="preview")

    assert snap_compare(make_tui(), terminal_size=SIZE, run_before=run_before)


def _loaded(screen, kind: str) -> bool:
    if kind == "photo":
        return bool(str(screen.query_one("#photo-meta").render()))
    return screen.query_one("#audio-wave").peaks is not None
