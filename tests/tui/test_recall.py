"""Recall as a person does it: type, read the results, narrow them, look closer, forget."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select

from augmem.tui.screens.forget_modal import ForgetModal
from augmem.tui.screens.range_modal import RangeModal
from augmem.tui.screens.recall import RecallScreen
from augmem.tui.widgets.filter_bar import FilterBar
from augmem.tui.widgets.note_preview import NotePreview
from augmem.tui.widgets.preview import Preview
from augmem.tui.widgets.result_list import ResultList
from tests.tui.conftest import FIXED_NOW, SIZE, settle, type_query, wait_for

pytestmark = pytest.mark.anyio


def names(screen) -> list[str]:
    return [Path(h.path).name for h in screen.query_one(ResultList).hits]


async def test_typing_a_query_shows_the_right_first_result(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, RecallScreen)
        assert app.focused is screen.query_one("#query", Input)
        await type_query(pilot, "how do I cook lentil soup")
        assert names(screen)[0] == "lentil-soup-recipe.md"
        # the preview follows the highlighted result and highlights the passage that matched
        preview = screen.query_one(Preview)
        await wait_for(
            pilot, lambda: "lentil" in str(screen.query_one("#note-body").render()).lower(), what="note preview"
        )
        assert preview.hit.path.endswith("lentil-soup-recipe.md")
        assert str(screen.query_one("#recall-info").render()).startswith(f"{len(names(screen))} results")


async def test_search_as_you_type_never_shows_a_stale_query(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await type_query(pilot, "grocery shopping list")
        first_gen = screen.generation
        await type_query(pilot, " milk")  # keep typing: newer recalls supersede the first
        assert screen.query_text == "grocery shopping list milk"
        assert screen.generation > first_gen
        assert screen.shown_generation == screen.generation
        assert names(screen)[0] == "grocery-list.txt"
        # a late reply for an old generation is dropped on the floor
        from augmem.core import RecallResult
        from augmem.records import Hit
        from augmem.tui.messages import RecallFinished, RecallRequest

        stale = Hit(id="x", modality="text", source="notes", path="/nowhere/stale.md", score=1.0, captured_at=FIXED_NOW)
        screen.post_message(
            RecallFinished(RecallRequest(generation=first_gen, query="old"), RecallResult(hits=[stale], space="s"), 0.0)
        )
        await pilot.pause()
        assert "stale.md" not in names(screen)


async def test_filters_narrow_the_results_and_stay_visible(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await type_query(pilot, "food and cooking")
        everything = names(screen)
        assert {"lentil-soup-recipe.md", "grocery-list.txt"} <= set(everything)
        # time range: today only (the soup and the grocery list were written this morning)
        select = screen.query_one("#filter-range", Select)
        select.value = "today"
        await wait_for(pilot, lambda: app.filters.range == "today")
        await settle(pilot)
        today = names(screen)
        assert set(today) == {"lentil-soup-recipe.md", "grocery-list.txt"}
        assert all(h.captured_at >= FIXED_NOW - 10 * 3600 for h in screen.query_one(ResultList).hits)
        summary = str(screen.query_one("#filter-summary").render())
        assert "today" in summary
        # modality toggle by key from the results: no text -> nothing (only notes are searchable)
        screen.query_one(ResultList).focus()
        await pilot.press("1")
        await settle(pilot)
        assert names(screen) == []
        assert not screen.query_one("#filter-text", Checkbox).value
        assert "image, audio" in str(screen.query_one("#filter-summary").render())
        assert "Nothing found" in str(screen.query_one("#preview-empty").render())
        # clear filters: everything is back
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert names(screen) == everything
        assert app.filters.is_default


async def test_custom_time_range_through_its_modal(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await type_query(pilot, "notes")
        screen.query_one(ResultList).focus()
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, RangeModal))
        await pilot.press(*"2026-07-01")
        await pilot.press("tab", *"2026-07-20", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecallScreen))
        await settle(pilot)
        assert app.filters.range == "span"
        hits = screen.query_one(ResultList).hits
        assert hits and all(app.filters.since <= h.captured_at < app.filters.until for h in hits)
        assert "2026-07-01 – 2026-07-20" in str(screen.query_one("#filter-summary").render())


async def test_more_like_this_queries_by_example(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await type_query(pilot, "guitar chords")
        assert names(screen)[0] == "guitar-chords-practice.md"
        await pilot.press("down")  # from the query box into the results
        assert app.focused is screen.query_one(ResultList)
        await pilot.press("m")
        await wait_for(pilot, lambda: screen.like is not None)
        await settle(pilot)
        assert "guitar-chords-practice.md" in str(screen.query_one("#like-chip").render())
        assert screen.query_one("#query", Input).value == ""
        hits = screen.query_one(ResultList).hits
        assert hits and screen.like.id not in [h.id for h in hits]  # the example itself is left out
        await pilot.press("escape")  # back to text search
        await wait_for(pilot, lambda: screen.like is None)


async def test_forget_asks_then_removes_it_from_the_list_and_the_store(make_tui, fresh_core):
    app = make_tui(fresh_core)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await type_query(pilot, "call the dentist appointment")
        assert names(screen)[0] == "call-the-dentist.txt"
        path = screen.query_one(ResultList).hits[0].path
        before = fresh_core.status().counts["text"]
        await pilot.press("enter")  # enter in the query box: jump to the results
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ForgetModal))
        await pilot.press("escape")  # changed my mind: nothing happens
        await wait_for(pilot, lambda: app.screen is screen)
        assert names(screen)[0] == "call-the-dentist.txt"
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ForgetModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: "call-the-dentist.txt" not in names(screen), what="forgotten", timeout=20)
    # gone from the store, not just from the screen
    assert all(h.path != path for h in fresh_core.recall("call the dentist appointment", limit=50).hits)
    assert fresh_core.status().counts["text"] < before
    assert Path(path).exists()  # the file itself stays


async def test_actions_on_a_result_report_clearly(make_tui, monkeypatch):
    """No opener and no sound device on this machine: a clear notification, never a crash."""
    monkeypatch.setenv("PATH", "/nonexistent")  # no xdg-open
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "repair a bike puncture")
        await pilot.press("down")
        await pilot.press("o")
        await pilot.press("c")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("no program to open files" in m for m in messages), messages
        assert any(m.startswith("Copied ") and m.endswith("bike-flat-tyre-repair.txt") for m in messages)
        assert app.clipboard.endswith("bike-flat-tyre-repair.txt")


async def test_note_preview_highlights_the_matching_chunk_of_a_long_note(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await type_query(pilot, "hot chocolate in the mountain hut after skiing")
        hit = screen.query_one(ResultList).hits[0]
        assert hit.path.endswith("mountain-weekend-journal.md")
        note = screen.query_one(NotePreview)
        await wait_for(pilot, lambda: screen.query_one(Preview).hit is hit and note.display)
        body = screen.query_one("#note-body").render()
        highlighted = [body.plain[s.start : s.end] for s in body.spans]
        assert highlighted, "the matching chunk is highlighted"
        assert highlighted[0].strip()[:40] in hit.text
        if hit.chunk_start > 400:  # a later chunk: the pane scrolled down to it
            await wait_for(pilot, lambda: note.scroll_y > 0, what="scroll to match")


async def test_filter_bar_is_clickable(make_tui):
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await type_query(pilot, "packing for the beach")
        await pilot.click("#filter-audio")
        await wait_for(pilot, lambda: "audio" not in app.filters.modalities)
        assert screen.query_one(FilterBar).state == app.filters
