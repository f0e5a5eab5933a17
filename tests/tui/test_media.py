"""The pieces behind the preview pane and the result rows, on the real sample files."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from augmem.humanize import bar, relative_time, short_path
from augmem.records import Hit
from augmem.tui import media
from augmem.tui.filtering import FilterState
from augmem.tui.widgets.preview import Preview, note_text
from augmem.tui.widgets.result_list import ResultList
from augmem.tui.widgets.waveform import braille_wave
from tests.tui.conftest import FIXED_NOW, SIZE, type_query, wait_for

HOUR, DAY = 3600, 86400


@pytest.mark.parametrize(
    "age, text",
    [
        (10, "just now"),
        (5 * 60, "5 minutes ago"),
        (HOUR, "1 hour ago"),
        (26 * HOUR, "yesterday"),
        (3 * DAY, "3 days ago"),
        (15 * DAY, "2 weeks ago"),
        (65 * DAY, "2 months ago"),
        (800 * DAY, "2 years ago"),
        (-2 * DAY, "in 2 days"),
    ],
)
def test_relative_time(age, text):
    assert relative_time(FIXED_NOW - age, FIXED_NOW) == text


def test_short_path_and_bars(person_home):
    assert short_path(str(person_home / "notes" / "a.md")) == "~/notes/a.md"
    long = short_path("/very/long/folder/name/that/goes/on/and/on/file-name.md", 30)
    assert len(long) <= 30 and long.endswith("/file-name.md")
    assert bar(1.0, 4) == "████" and bar(0.0, 4) == "    " and bar(0.5, 3) == "█▌ "


def test_time_presets_from_a_fixed_now():
    now = datetime(2026, 7, 22, 10, 0).astimezone().timestamp()  # a Wednesday
    day = datetime(2026, 7, 22).astimezone().timestamp()
    assert FilterState().with_range("today").bounds(now) == (day, None)
    assert FilterState().with_range("week").bounds(now) == (day - 2 * DAY, None)
    assert FilterState().with_range("month").bounds(now) == (datetime(2026, 7, 1).astimezone().timestamp(), None)
    f = FilterState().with_day("2026-07-20").to_filters(now)
    assert (f.since, f.until) == (day - 2 * DAY, day - DAY)
    assert FilterState().toggle("audio").to_filters(now).modalities == ["image", "text"]
    assert FilterState().describe() == "everything"


def test_photo_with_and_without_exif(person_home):
    info = media.load_photo(str(person_home / "photos" / "park_with_brown_dog.jpg"))
    assert (info.taken, info.width, info.height) == ("2026-04-12 09:41", 640, 480)
    assert max(info.image.size) <= media.PREVIEW_PIXELS
    assert media.load_photo(str(person_home / "photos" / "acoustic_guitar.png")).taken == ""


def test_waveform_of_a_real_clip_and_of_a_span(person_home):
    path = str(person_home / "audio" / "dog_barking_at_the_park.wav")
    whole = media.load_peaks(path, 200)
    assert whole.peaks.shape == (200,) and whole.peaks.max() == pytest.approx(1.0)
    clip_len_s = whole.duration  # the recording's length, not a timing
    assert 3.0 < clip_len_s < 5.0
    part = media.load_peaks(path, 50, start_ms=1000, end_ms=2000)
    assert part.duration == pytest.approx(1.0, abs=0.01)
    lines = braille_wave(whole.peaks, 30, 3)
    assert len(lines) == 3 and all(len(line) == 30 for line in lines)
    flat = braille_wave(np.zeros(10), 5, 2)  # silence still draws its centre line
    assert any(ch != "\u2800" for line in flat for ch in line)


def test_note_text_finds_the_passage_again_after_an_edit(tmp_path):
    note = tmp_path / "n.md"
    note.write_text("intro\nthe matching passage here\nend")
    hit = Hit(
        id="1",
        modality="text",
        source="notes",
        path=str(note),
        score=1,
        captured_at=0,
        text="the matching passage here",
        chunk_start=6,
        chunk_end=31,
    )
    assert note_text(hit)[1:] == (6, 31)
    note.write_text("a new first line\nintro\nthe matching passage here\nend")
    text, start, end = note_text(hit)
    assert text[start:end] == "the matching passage here"
    note.unlink()  # gone: the stored chunk is shown
    assert note_text(hit) == ("the matching passage here", 0, 25)


def test_no_sound_device_is_a_clear_error(person_home):
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")
        pytest.skip("this machine has an audio output device")
    except Exception:
        pass
    with pytest.raises(media.PlaybackError, match=r"no audio output device|PortAudio"):
        media.Player().play(str(person_home / "audio" / "doorbell_chime.wav"))


@pytest.mark.anyio
async def test_enter_on_a_sound_without_a_device_notifies(make_tui, person_home):
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")
        pytest.skip("this machine has an audio output device")
    except Exception:
        pass
    path = person_home / "audio" / "doorbell_chime.wav"
    hit = Hit(id="clip", modality="audio", source="audio", path=str(path), score=0.5, captured_at=FIXED_NOW)
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.query_one(ResultList).show_hits([hit])
        screen.query_one(ResultList).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.title == "Cannot play" for n in app._notifications), what="notify")
        assert app.is_running


@pytest.mark.anyio
async def test_a_corrupt_photo_shows_a_reason_not_a_crash(make_tui, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    hit = Hit(id="bad", modality="image", source="photos", path=str(bad), score=0.5, captured_at=FIXED_NOW)
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one(Preview).show(hit)
        await wait_for(pilot, lambda: "cannot read" in str(app.screen.query_one("#preview-empty").render()))
        assert app.is_running


def test_markdown_reflow_keeps_offsets_and_blocks():
    from augmem.tui.widgets.note_preview import reflow_markdown

    text = "# Title\n\nline one\nline two\n- item a\n  continues\n- item b\n\n```\ncode\nmore\n```\nend"
    out = reflow_markdown(text)
    assert len(out) == len(text)  # the match's offsets stay valid
    assert "line one line two\n- item a   continues\n- item b" in out
    assert "```\ncode\nmore\n```" in out and out.startswith("# Title\n\n")


def test_query_words_are_highlighted_and_the_best_segment_is_chosen():
    from augmem.records import Segment
    from augmem.tui.matching import best_segment, highlight

    content = highlight("The dog was barking at the park", "dogs barking in a park")
    marked = {str(content)[s.start : s.end] for s in content.spans}
    assert marked == {"dog", "barking", "park"}  # stems match; "the", "at", "in", "a" are not words to mark
    hit = Hit(
        id="c",
        modality="audio",
        source="audio",
        path="/c.wav",
        score=0.5,
        captured_at=0.0,
        segments=[Segment(0.0, 2.0, "Heads up."), Segment(2.0, 5.0, "The budget meeting moved to Thursday.")],
    )
    assert best_segment(hit, "when is the budget meeting").start == 2.0
    assert best_segment(hit, "nothing in common").start == 0.0  # no overlap: from the start
    assert best_segment(Hit(id="x", modality="audio", source="a", path="/x", score=0, captured_at=0), "q") is None


@pytest.mark.anyio
async def test_a_voice_memo_shows_its_transcript_and_plays_from_the_matching_words(make_tui):
    """Recalled by what was said (minilm has no audio vectors): the preview shows the
    transcript under the waveform with the query's words marked, and Enter plays from the
    segment that matched."""
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "the budget meeting moved to thursday")
        screen = app.screen
        results = screen.query_one(ResultList)
        memo = next(i for i, h in enumerate(results.hits) if h.path.endswith("meeting_moved_to_thursday.flac"))
        results.focus()
        results.highlighted = memo
        hit = results.hits[memo]
        assert hit.facet == "transcript" and hit.segments
        await wait_for(pilot, lambda: screen.query_one("#audio-wave").peaks is not None, what="waveform")
        transcript = screen.query_one("#audio-transcript").render()
        assert "Thursday" in str(transcript) and "▶" in str(transcript)
        marked = {str(transcript)[s.start : s.end].lower() for s in transcript.spans if "accent" in str(s.style)}
        assert {"budget", "meeting", "thursday"} <= marked
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any("playing meeting_moved_to_thursday.flac from 0:0" in n.message for n in app._notifications),
            what="play notice",
        )


@pytest.mark.anyio
async def test_a_photo_shows_the_text_found_in_it(make_tui, person_home):
    photo = person_home / "photos" / "red_apple_on_table.jpg"
    hit = Hit(
        id="receipt",
        modality="image",
        source="photos",
        path=str(photo),
        score=0.4,
        captured_at=FIXED_NOW,
        facet="ocr",
        ocr_text="CORNER GROCERY\nCoffee beans 8.99\nTOTAL 12.68",
    )
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        preview = app.screen.query_one(Preview)
        preview.show(hit, query="coffee receipt")
        await wait_for(pilot, lambda: bool(str(app.screen.query_one("#photo-meta").render())), what="photo")
        ocr = app.screen.query_one("#photo-ocr")
        text = ocr.render()
        assert ocr.display and "Coffee beans 8.99" in str(text)
        assert {str(text)[s.start : s.end] for s in text.spans if "accent" in str(s.style)} == {"Coffee"}


@pytest.mark.anyio
@pytest.mark.parametrize("modality", ["image", "audio"])
async def test_media_stored_on_another_device_says_so(make_tui, modality):
    # a store shared by two devices (one bucket) holds the other device's paths
    path = "/home/someone/other-laptop/beach.jpg" if modality == "image" else "/home/someone/other-laptop/memo.wav"
    hit = Hit(id=f"far-{modality}", modality=modality, source="photos", path=path, score=0.5, captured_at=FIXED_NOW)
    app = make_tui()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one(Preview).show(hit)

        def shown() -> str:
            return " ".join(str(app.screen.query_one("#preview-empty").render()).split())

        await wait_for(pilot, lambda: "stored on another device" in shown(), what="the other-device notice")
        assert f"{path} is not on this machine" in shown()
        assert "cannot read" not in shown() and app.is_running
