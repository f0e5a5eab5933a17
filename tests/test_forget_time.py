"""Forgetting a stretch of time, the way people ask for it ("delete the last 10 minutes"):
`augmem forget --since 10m`, `--between A B`, with `-m` / `--source`. It shows the count and
a few examples and asks; microphone clips augmem recorded are deleted from disk, a person's
own files only forgotten; and afterwards none of the forgotten text — the note, what the
memo and the clip say (transcripts), what the photo shows (OCR) — is left in any file of the
store, old versions, indices and the derived-text cache included (read byte by byte).

Real parts: the CLI, the core, LanceDB on disk, MiniLM, Whisper base and Tesseract. One data
folder for the module (transcribing costs seconds), tests in file order."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from augmem.cli import cli
from augmem.config import load_settings
from augmem.core import Augmem
from augmem.records import Filters
from tests.conftest import SAMPLES, files_containing, link_whisper_base, write_config
from tests.derive.test_ocr import render

SECRET = "The spare key to the blue door is taped under the third flowerpot on the left."
OLD = "Grandmother's lentil soup: onions, carrots, cumin and red lentils, simmered for 25 minutes."
RECEIPT = ["CORNER GROCERY", "Bananas 1.20", "Whole milk 2.49", "Coffee beans 8.99", "TOTAL 12.68"]


def _at(path: Path, ts: float) -> Path:
    os.utime(path, (ts, ts))
    return path


@pytest.fixture(scope="module")
def now() -> float:
    """The clock when the module's data folder is made (not when the module was imported: on a
    slow machine the suite reaches this module many minutes after collecting it)."""
    return time.time()


@pytest.fixture(scope="module")
def world(tmp_path_factory, whisper_base_folder, now):
    root = tmp_path_factory.mktemp("forget-time")
    home, person = root / "home", root / "person"
    home.mkdir()
    person.mkdir()
    link_whisper_base(home, whisper_base_folder)
    write_config(home, model="minilm")
    files = {
        "recent note": person / "key.md",
        "old note": person / "soup.md",
        "memo": person / "memo.wav",
        "receipt": person / "receipt.jpg",
    }
    files["recent note"].write_text(SECRET + "\n")
    _at(files["recent note"], now - 5 * 60)
    files["old note"].write_text(OLD + "\n")
    _at(files["old note"], now - 3 * 86400)
    shutil.copy(SAMPLES / "audio" / "reminder_buy_milk_and_eggs.wav", files["memo"])
    _at(files["memo"], now - 2 * 60)
    render(RECEIPT, (20, 20, 20), (250, 248, 240)).save(files["receipt"], quality=90)
    _at(files["receipt"], now - 3 * 60)
    # what the microphone recorded: one clip a minute ago, one two days ago (augmem's own files)
    clips = home / "data" / "clips"
    recent_day = clips / datetime.fromtimestamp(now - 60).strftime("%Y-%m-%d")
    old_day = clips / datetime.fromtimestamp(now - 2 * 86400).strftime("%Y-%m-%d")
    recent_day.mkdir(parents=True)
    old_day.mkdir(parents=True)
    files["recent clip"] = recent_day / "mic-recent.flac"
    files["old clip"] = old_day / "mic-old.flac"
    shutil.copy(SAMPLES / "audio" / "meeting_moved_to_thursday.flac", files["recent clip"])
    _at(files["recent clip"], now - 60)
    shutil.copy(SAMPLES / "audio" / "dog_barking_at_the_park.wav", old_day / "tmp.wav")
    import soundfile

    data, sr = soundfile.read(old_day / "tmp.wav")
    soundfile.write(files["old clip"], data, sr, format="FLAC")
    (old_day / "tmp.wav").unlink()
    _at(files["old clip"], now - 2 * 86400)

    old = os.environ.get("AUGMEM_HOME")
    os.environ["AUGMEM_HOME"] = str(home)
    try:
        core = Augmem(load_settings())
        report = core.ingest([person])
        assert report.rejected == [], report.rejected
        report = core.ingest([clips], source="mic")
        assert report.rejected == [], report.rejected
        yield home, person, core, files
        core.close()
    finally:
        if old is None:
            os.environ.pop("AUGMEM_HOME", None)
        else:
            os.environ["AUGMEM_HOME"] = old


@pytest.fixture
def home(world, monkeypatch):
    monkeypatch.setenv("AUGMEM_HOME", str(world[0]))
    return world[0]


def derived_texts(core, path: Path) -> list[str]:
    """What the store knows a file says or shows (transcript / OCR), from a recall by browsing."""
    hits = core.recall(None, filters=Filters(path_prefix=str(path)), limit=5).hits
    return [t for h in hits for t in (h.transcript, h.ocr_text) if t]


def test_the_store_holds_what_the_stretch_will_take(world):
    home, _, core, files = world
    store = home / "data" / "store"
    assert files_containing(store, SECRET[:40])
    # the words the memo and the clip say and the photo shows are in the store (the probes work)
    for name, word in (("memo", "eggs"), ("recent clip", "Thursday"), ("receipt", "GROCERY")):
        said = derived_texts(core, files[name])
        assert any(word.lower() in t.lower() for t in said), (name, said)
        assert files_containing(store, said[0])


def test_forget_since_shows_the_count_and_examples_and_asks(world, home, now):
    core = world[2]
    out = CliRunner().invoke(cli, ["forget", "--since", "10m"], input="n\n")
    assert out.exit_code == 0, out.output
    assert "4 memories captured since " in out.output
    assert "2 recordings, 1 photo, 1 note" in out.output  # the memo and the clip, the receipt, the key
    assert "mic-recent.flac" in out.output and "deleted from disk" in out.output
    assert "key.md" in out.output and "forgotten; the file stays" in out.output
    assert "soup.md" not in out.output and "mic-old.flac" not in out.output
    assert "1 recorded by augmem (microphone clips) are deleted from disk; 3 of your own files stay" in out.output
    assert "Forget them for good? [y/N]" in out.output and "nothing forgotten" in out.output
    assert core.forget_plan(Filters(since=now - 600)).count == 4  # nothing changed


def test_a_stretch_narrowed_to_photos_forgets_only_the_photo(world, home, now):
    _, _, core, files = world
    said = derived_texts(core, files["receipt"])[0]
    out = CliRunner().invoke(cli, ["forget", "--between", "15m", "now", "-m", "image", "--source", "photos", "-y"])
    assert out.exit_code == 0, out.output
    assert "1 memory captured between " in out.output and "forgot 1 memory" in out.output
    assert files["receipt"].exists()  # a person's photo is never deleted
    assert files_containing(home / "data" / "store", said) == []
    assert core.forget_plan(Filters(since=now - 600)).count == 3


def test_forget_the_last_ten_minutes_leaves_none_of_their_bytes(world, home, now):
    _, person, core, files = world
    store = home / "data" / "store"
    needles = [SECRET[:40], *derived_texts(core, files["memo"]), *derived_texts(core, files["recent clip"])]
    assert len(needles) == 3
    # word by word too: a clip's transcript facet holds its own segments, the cache the whole text
    kept = " ".join([OLD, *derived_texts(core, files["old clip"])]).lower()
    words = {w.strip(".,!?") for n in needles[1:] for w in n.split() if len(w.strip(".,!?")) >= 6}
    needles += sorted(w for w in words if w.lower() not in kept)
    assert len(needles) > 4, needles
    out = CliRunner().invoke(cli, ["forget", "--since", "10m", "--yes"])
    assert out.exit_code == 0, out.output
    assert "forgot 3 memories and purged them from the store" in out.output
    leaks = {n: files_containing(store, n) for n in needles}
    assert leaks == {n: [] for n in needles}
    # the clip augmem recorded is gone from disk (its day folder with it); the person's files stay
    assert not files["recent clip"].exists() and not files["recent clip"].parent.exists()
    assert files["recent note"].exists() and files["memo"].exists()
    # outside the stretch, everything is still there and recallable
    assert files["old clip"].exists() and files_containing(store, OLD[:40])
    assert any(h.path == str(files["old note"]) for h in core.recall("lentil soup recipe").hits)
    assert core.forget_plan(Filters(since=now - 600)).count == 0
    ledger = core.store.get_sources()
    assert {ledger[str(files[n])].status for n in ("recent note", "memo", "receipt")} == {"forgotten"}
    assert str(files["recent clip"]) not in ledger
    # a person's forgotten files stay forgotten: ingesting them again brings nothing back
    report = core.ingest([person])
    assert report.added == 0 and report.updated == 0
    assert all(files_containing(store, n) == [] for n in needles)


def test_bad_stretches_are_one_line_errors(home):
    for args, why in (
        (["--since", "yesterdayish"], "cannot read 'yesterdayish' as a time"),
        (["--between", "10:30", "09:00"], "'until' must come after 'since'"),
        (["--since", "1h", "--path", "x.md"], "not both at once"),
        (["-m", "smell"], "unknown modality 'smell'"),
    ):
        out = CliRunner().invoke(cli, ["forget", *args])
        assert out.exit_code == 2, (args, out.output)
        assert why in out.output and "Traceback" not in out.output, (args, out.output)


def test_forgetting_nothing_by_filters_is_refused(world):
    core = world[2]
    from augmem.errors import AugmemError

    with pytest.raises(AugmemError, match="needs a stretch of time"):
        core.forget(filters=Filters())
