"""Photos and voice memos mean something under a text-only model: with the real Whisper base
and Tesseract, minilm recalls a voice memo by a paraphrase of what was said and a photo by a
paraphrase of the text it shows, through the core and the CLI; media is checked at ingest;
a changed transcriber re-transcribes; forgetting removes the derived text from disk.

One data folder for the module (transcribing costs seconds), used in file order."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from augmem.cli import cli
from augmem.config import load_settings
from augmem.core import Augmem
from tests.conftest import SAMPLES, link_whisper_base, write_config
from tests.derive.test_media_checks import png_header
from tests.derive.test_ocr import render

AUDIO = SAMPLES / "audio"
RECEIPT = ["CORNER GROCERY", "Bananas 1.20", "Whole milk 2.49", "Coffee beans 8.99", "TOTAL 12.68"]
SIGN = ["NO PARKING", "Tow away zone"]


@pytest.fixture(scope="module")
def world(tmp_path_factory, whisper_base_folder):
    home = tmp_path_factory.mktemp("derived") / "home"
    home.mkdir()
    link_whisper_base(home, whisper_base_folder)
    write_config(home, model="minilm")
    memos, photos, notes, bad = (home / n for n in ("memos", "photos", "notes", "bad"))
    for d in (memos, photos, notes, bad):
        d.mkdir()
    for name in (
        "meeting_moved_to_thursday.flac",
        "reminder_buy_milk_and_eggs.wav",
        "rain_on_window.ogg",
        "doorbell_chime.wav",
    ):
        shutil.copy(AUDIO / name, memos / name)
    render(RECEIPT, (20, 20, 20), (250, 248, 240)).save(photos / "receipt.jpg", quality=90)
    render(SIGN, (255, 255, 255), (170, 20, 20), size=(520, 220), fs=40).save(photos / "sign.png")
    shutil.copy(SAMPLES / "photos" / "snowy_mountains.jpg", photos / "mountains.jpg")
    (notes / "soup.md").write_text("Lentil soup: onions, carrots, cumin and red lentils, simmered for 25 minutes.\n")
    (notes / "bike.txt").write_text("Fixing the flat tyre: levers, patch, pump to 4 bar.\n")
    (notes / "café.txt").write_bytes("Réunion au café: crème brûlée à 15 €.\n".encode("cp1252"))
    # the bad-media corpus: a truncated JPEG, a PNG claiming 60,000 x 60,000, junk named .mp3, a 1 GB sparse WAV
    jpg = (photos / "receipt.jpg").read_bytes()
    (bad / "cut.jpg").write_bytes(jpg[: len(jpg) // 2])
    (bad / "bomb.png").write_bytes(png_header(60_000, 60_000))
    (bad / "junk.mp3").write_bytes(os.urandom(40_000))
    with open(bad / "huge.wav", "wb") as f:
        f.truncate(1 << 30)
    old = os.environ.get("AUGMEM_HOME")
    os.environ["AUGMEM_HOME"] = str(home)
    try:
        core = Augmem(load_settings())
        report = core.ingest([memos, photos, notes, bad])
        yield home, core, report
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


def test_bad_media_is_rejected_at_ingest_under_a_text_only_model(world):
    _, _, report = world
    reasons = {Path(p).name: why for p, why in report.rejected}
    assert set(reasons) == {"cut.jpg", "bomb.png", "junk.mp3", "huge.wav"}
    assert reasons["cut.jpg"].startswith("corrupt image")
    assert reasons["bomb.png"].startswith("image too large")
    assert reasons["junk.mp3"] == "unreadable audio: not a recognised audio format"
    assert reasons["huge.wav"] == "too large for a recording (1,024 MiB > 512 MiB)"
    # valid photos and clips wait for a model of their kind; nothing else was lost
    assert (report.added, report.pending) == (3, 7)


def test_a_cp1252_note_is_ingested_with_its_text(world):
    _, core, _ = world
    hit = core.recall("a meeting at the café with crème brûlée", limit=1).hits[0]
    assert Path(hit.path).name == "café.txt" and "crème brûlée à 15 €" in hit.text


def test_a_voice_memo_is_recalled_by_what_was_said(world):
    _, core, _ = world
    hits = core.recall("the finance meeting was rescheduled", limit=3).hits
    top = hits[0]
    assert Path(top.path).name == "meeting_moved_to_thursday.flac"
    assert top.modality == "audio" and top.facet == "transcript"
    assert "thursday" in top.transcript.lower() and top.language == "en"
    assert top.segments and 0 <= top.segments[0].start < top.segments[-1].end <= 6.0
    groceries = core.recall("remember to pick up dairy on the drive back", limit=3).hits
    assert Path(groceries[0].path).name == "reminder_buy_milk_and_eggs.wav"


def test_a_photo_is_recalled_by_the_text_it_shows(world):
    _, core, _ = world
    top = core.recall("how much did I spend on coffee at the grocery store", limit=3).hits[0]
    assert Path(top.path).name == "receipt.jpg" and top.facet == "ocr" and "Coffee beans 8.99" in top.ocr_text
    sign = core.recall("where am I not allowed to leave my car", limit=3).hits[0]
    assert Path(sign.path).name == "sign.png" and "PARKING" in sign.ocr_text


def test_sounds_and_text_free_photos_have_no_derived_text(world):
    _, core, _ = world
    st = core.status()
    t, o = st.transcripts, st.ocr
    assert (t.done, t.found, t.waiting) == (4, 2, 0) and t.engine.startswith("whisper-base@int8")
    assert (o.done, o.found, o.waiting) == (3, 2, 0) and o.engine.startswith("tesseract-")
    # pending only for their image / audio vectors: the photos with text are recalled meanwhile
    assert st.pending == 7 and st.pending_by_modality == {"audio": 4, "image": 3}
    assert st.counts == {"text": 3, "audio": 2, "image": 2}  # memories: each counted once


def test_recall_json_carries_transcripts_and_ocr_text(home):
    out = CliRunner().invoke(cli, ["recall", "budget meeting moved", "--json", "-n", "3"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.stdout)
    memo = next(h for h in hits if h["path"].endswith("meeting_moved_to_thursday.flac"))
    assert memo["facet"] == "transcript" and "Thursday" in memo["transcript"]
    assert memo["segments"][0]["text"] and memo["segments"][0]["end"] > memo["segments"][0]["start"]
    out = CliRunner().invoke(cli, ["recall", "grocery receipt total", "-m", "image", "--json"])
    receipt = json.loads(out.stdout)[0]
    assert receipt["facet"] == "ocr" and "TOTAL 12.68" in receipt["ocr_text"]


def test_status_counts_what_is_transcribed_and_read(home):
    out = CliRunner().invoke(cli, ["status"])
    assert out.exit_code == 0, out.output
    assert "transcripts  4 of 4 recordings (2 with speech)" in out.stdout
    assert "photo text   3 of 3 photos (2 with text)" in out.stdout


def test_forgetting_a_voice_memo_removes_its_transcript_from_disk(world):
    home, core, _ = world
    memo = home / "memos" / "reminder_buy_milk_and_eggs.wav"
    assert core.forget(paths=[str(memo)]) == 1
    assert all(Path(h.path) != memo for h in core.recall("buy milk and eggs on the way home").hits)
    needle = b"milk and eggs on the way"
    store = Path(core.settings.effective_store_uri)
    leaks = [p for p in store.rglob("*") if p.is_file() and needle in p.read_bytes()]
    assert leaks == []


PLUGIN = '''
from augmem import hookimpl
from augmem.derive.base import TranscriberSpec
from augmem.derive.whisper import FasterWhisperTranscriber, find_whisper_base


class Greedy(FasterWhisperTranscriber):
    """Whisper base with greedy decoding: another engine, so everything is transcribed anew."""

    def __init__(self, folder, sha, **options):
        super().__init__(folder, sha, name="whisper-base-greedy", beam_size=1)


@hookimpl
def register_transcribers(register):
    register(TranscriberSpec(name="whisper-base-greedy", description="greedy Whisper base", load=Greedy,
                             artifact_folder="whisper-base", find=find_whisper_base))
'''


def test_a_transcriber_from_a_plugin_re_transcribes_everything(world, home, monkeypatch):
    _, core, _ = world
    plugins = home / "plugins"
    plugins.mkdir(exist_ok=True)
    (plugins / "greedy.py").write_text(PLUGIN)
    monkeypatch.setenv("AUGMEM_LOAD_PLUGINS", "greedy")
    write_config(home, model="minilm", transcriber="whisper-base-greedy")
    fresh = Augmem(load_settings())
    before = fresh.status().transcripts
    # the spec names no variant, so the id is the loaded engine's own (its decoding choices included)
    assert before.engine.startswith("whisper-base-greedy@int8") and (before.done, before.waiting) == (0, 3)
    assert fresh.derive() == 3  # the three recordings left, transcribed again; the photos' OCR stands
    after = fresh.status().transcripts
    assert (after.done, after.found, after.waiting) == (3, 1, 0)
    hit = fresh.recall("the budget meeting moved to Thursday", limit=1).hits[0]
    assert hit.facet == "transcript" and "thursday" in hit.transcript.lower()
    # the old engine's transcripts are gone from the cache once the new one caught up
    old = core.engine_id("transcript")
    assert old and old != after.engine and fresh.store.derived_shas("transcript", old) == {}
    fresh.close()


def test_a_multimodal_model_keeps_both_the_media_vector_and_the_text_vector(use_aist, tmp_path):
    """Under AIST-87M (random towers, real MiniLM text backbone) a voice memo is one memory
    with two rows: its audio vector and its transcript's text vector."""
    memos = tmp_path / "memos"
    memos.mkdir()
    shutil.copy(AUDIO / "meeting_moved_to_thursday.flac", memos / "memo.flac")
    core = Augmem(load_settings())
    report = core.ingest([memos])
    assert (report.added, report.pending, report.transcribed) == (1, 0, 1)
    store, space = core.store, core.active_space()
    rows = store.scan(store.space_table(space), ["memory_id", "facet"]).to_pylist()
    assert sorted(r["facet"] for r in rows) == ["audio", "transcript"] and len({r["memory_id"] for r in rows}) == 1
    hits = core.recall("the budget meeting moved to Thursday", limit=5).hits
    assert [h.path for h in hits].count(str(memos / "memo.flac")) == 1  # one hit per memory
    assert hits[0].path == str(memos / "memo.flac") and hits[0].facet == "transcript"
    core.close()


def _store_bytes_contain(core: Augmem, needle: bytes) -> list[Path]:
    store = Path(core.settings.effective_store_uri)
    return [p for p in store.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_forgetting_an_edited_memo_or_both_copies_leaves_no_transcript(use_minilm, tmp_path):
    memos = tmp_path / "memos"
    memos.mkdir()
    memo, copy = memos / "memo.wav", memos / "copy.wav"
    shutil.copy(AUDIO / "reminder_buy_milk_and_eggs.wav", memo)
    shutil.copy(AUDIO / "meeting_moved_to_thursday.flac", memos / "meeting.flac")
    core = Augmem(load_settings())
    core.ingest([memos])
    # the memo is re-recorded with other words: its old transcript is not kept for the new content
    shutil.copy(AUDIO / "dog_barking_at_the_park.wav", memo)
    core.ingest([memos])
    shutil.copy(memos / "meeting.flac", copy)  # the same content twice: one memory, one duplicate
    assert core.ingest([memos]).skipped >= 2
    assert core.forget(paths=[str(memo)]) == 1
    assert _store_bytes_contain(core, b"milk and eggs") == [] and _store_bytes_contain(core, b"barking") == []
    core.forget(paths=[str(memos / "meeting.flac")])
    assert _store_bytes_contain(core, b"moved to Thursday") != []  # the copy still has it
    core.forget(paths=[str(copy)])
    assert _store_bytes_contain(core, b"moved to Thursday") == []
    core.close()


def test_derivation_ends_when_a_file_changed_since_the_ledger_saw_it(use_minilm, tmp_path):
    memos = tmp_path / "memos"
    memos.mkdir()
    for name in ("reminder_buy_milk_and_eggs.wav", "meeting_moved_to_thursday.flac"):
        shutil.copy(AUDIO / name, memos / name)
    write_config(use_minilm, model="minilm", transcriber="none")
    Augmem(load_settings()).ingest([memos])  # stored, not transcribed
    os.utime(memos / "reminder_buy_milk_and_eggs.wav", (1_700_000_000, 1_700_000_000))  # changed since
    write_config(use_minilm, model="minilm")
    core = Augmem(load_settings())
    assert core.derive() == 1  # the unchanged one; the changed one waits for its re-ingest
    assert core.derive() == 0  # and the job ends instead of trying it again and again
    core.ingest([memos])
    assert core.status().transcripts.waiting == 0
    core.close()


def test_a_new_text_model_space_gets_the_facets_back_from_the_cache(use_minilm, tmp_path):
    """A new space of a text-only model (here the same weights saved with other metadata, so
    another sha256): photos stay pending, and their OCR facets come back from the cache with no
    OCR run."""
    from safetensors.numpy import load_file, save_file

    from augmem.models.minilm import package_dir

    photos = tmp_path / "photos"
    photos.mkdir()
    render(RECEIPT, (20, 20, 20), (250, 248, 240)).save(photos / "receipt.jpg", quality=90)
    core = Augmem(load_settings())
    core.ingest([photos])
    assert core.recall("coffee beans receipt", limit=1).hits[0].facet == "ocr"
    copy = tmp_path / "minilm-copy"
    shutil.copytree(package_dir(), copy)
    save_file(load_file(copy / "model.safetensors"), copy / "model.safetensors", metadata={"copy": "yes"})
    write_config(use_minilm, model="minilm", artifacts={"minilm": str(copy / "model.safetensors")})
    moved = Augmem(load_settings())
    assert moved.active_space() != core.active_space()
    while moved.migrate_batch(32):
        pass
    read_before = moved.store.derived_version()
    moved.derive()
    assert moved.store.derived_version() == read_before  # nothing was read again
    top = moved.recall("coffee beans receipt", limit=1).hits[0]
    assert top.path == str(photos / "receipt.jpg") and top.facet == "ocr"
    core.close()
    moved.close()
