"""The core loop end to end: real files -> ingest -> LanceDB on disk -> recall."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from augmem.config import load_settings
from augmem.core import Augmem
from augmem.records import Filters
from tests.conftest import SAMPLES

NOTES = {
    "walk.md": "We walked through Alder Park this morning and the dog barked at two squirrels by the pond.",
    "soup.md": "Red lentil soup: fry onion and garlic, add cumin, lentils and stock, simmer twenty minutes.",
    "budget.txt": "Q3 budget review. Marketing spend cut by ten percent; hiring freeze until October.",
    "dentist.txt": "Remember to call the dentist on Monday to move my cleaning appointment.",
    "guitar.md": "Guitar practice: G, C, D and E minor chords, thirty minutes, strumming down down up.",
}


def make_notes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in NOTES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_minilm_paraphrase_finds_the_right_note(use_minilm, tmp_path):
    notes = make_notes(tmp_path / "notes")
    aug = Augmem(load_settings())
    report = aug.ingest([notes])
    assert (report.added, report.rejected) == (5, [])
    for query, want in [
        ("a puppy making noise in the garden", "walk.md"),
        ("how do I cook that bean stew", "soup.md"),
        ("money plans for next quarter", "budget.txt"),
        ("book a teeth check-up", "dentist.txt"),
    ]:
        hits = aug.recall(query, limit=3).hits
        assert Path(hits[0].path).name == want, (query, [(h.path, h.score) for h in hits])
        assert hits[0].text.strip() == NOTES[want]
        assert hits[0].score >= hits[-1].score


def test_reingest_is_idempotent_edits_reembed_deletes_forget(use_minilm, tmp_path):
    notes = make_notes(tmp_path / "notes")
    aug = Augmem(load_settings())
    space = aug.active_space()
    aug.ingest([notes])
    again = aug.ingest([notes])
    assert (again.added, again.updated, again.skipped) == (0, 0, 5)
    assert sum(aug.store.count(space).values()) == 5

    os.utime(notes / "soup.md", (time.time() + 5, time.time() + 5))  # touched, same content
    assert aug.ingest([notes]).skipped == 5

    (notes / "soup.md").write_text("Tomato soup: roast tomatoes and peppers, blend with basil.")
    rep = aug.ingest([notes])
    assert (rep.added, rep.updated) == (0, 1)
    top = aug.recall("tomato and basil", limit=1).hits[0]
    assert top.path.endswith("soup.md") and "Tomato" in top.text
    assert not any("lentil" in h.text for h in aug.recall("lentils cumin", limit=10).hits)

    (notes / "budget.txt").unlink()
    rep = aug.ingest([notes])
    assert rep.removed == 1
    assert not any(h.path.endswith("budget.txt") for h in aug.recall("budget", limit=10).hits)
    assert sum(aug.store.count(space).values()) == 4


def test_long_note_is_chunked_and_the_matching_chunk_is_returned(use_minilm, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    paragraphs = [f"Day {i}. " + "We hiked along the ridge and talked about nothing much. " * 10 for i in range(12)]
    paragraphs[7] = "Day 7. The stove broke and we cooked pasta over a campfire under the stars instead."
    text = "\n\n".join(paragraphs)
    (folder / "journal.md").write_text(text)
    aug = Augmem(load_settings())
    rep = aug.ingest([folder])
    assert rep.memories > 1
    hit = aug.recall("cooking dinner on an open fire", limit=1).hits[0]
    assert "campfire" in hit.text
    assert text[hit.chunk_start : hit.chunk_end] == hit.text


def _write_photo(path: Path, color, when: str | None = None, size=(320, 240)):
    im = Image.new("RGB", size, color)
    exif = Image.Exif()
    if when:
        exif.get_ifd(0x8769)[36867] = when
    im.save(path, exif=exif)


def _write_wav(path: Path, seconds: float, freq: float, sr: int = 16_000):
    t = np.arange(int(seconds * sr)) / sr
    sf.write(path, (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), sr)


def test_aist_ingests_every_modality_and_recalls_across_them(use_aist, tmp_path):
    """Plumbing with a random-init AIST-87M: every modality goes in and comes back."""
    notes = make_notes(tmp_path / "mem" / "notes")
    photos = tmp_path / "mem" / "photos"
    photos.mkdir()
    _write_photo(photos / "red.jpg", (220, 30, 30), "2026:03:01 10:00:00")
    _write_photo(photos / "blue.png", (30, 30, 220))
    audio = tmp_path / "mem" / "audio"
    audio.mkdir()
    _write_wav(audio / "tone.wav", 3.0, 440)
    _write_wav(audio / "long.flac", 22.0, 220)  # split into clips
    aug = Augmem(load_settings())
    rep = aug.ingest([tmp_path / "mem"])
    assert rep.rejected == [] and rep.added == 9
    counts = aug.store.count(aug.active_space())
    assert counts == {"text": 5, "image": 2, "audio": 1 + 2}  # 22 s -> 10 s + 12 s (the 2 s tail joins)

    red = aug.recall("a photo", filters=Filters(modalities=["image"]), limit=5).hits
    assert {Path(h.path).name for h in red} == {"red.jpg", "blue.png"}
    exif_hit = next(h for h in red if h.path.endswith("red.jpg"))
    assert time.strftime("%Y-%m-%d %H:%M", time.localtime(exif_hit.captured_at)) == "2026-03-01 10:00"

    # query by example: the file itself is its nearest memory, for every modality (random
    # weights can make other items nearly as close, so ties within 1e-4 are allowed)
    for f in (photos / "blue.png", audio / "tone.wav", notes / "soup.md"):
        hits = aug.recall(like=f, limit=5).hits
        own = next(h for h in hits if h.path == str(f))
        assert own.score > 0.999 and own.score >= hits[0].score - 1e-4
    # and by stored id ("more like this"), which excludes the example itself
    first = aug.recall(like=photos / "red.jpg", limit=1).hits[0]
    more = aug.recall(like_id=first.id, limit=3).hits
    assert first.id not in {h.id for h in more}

    clips = aug.recall("tone", filters=Filters(modalities=["audio"]), limit=10).hits
    long_clips = sorted((h.chunk_start, h.chunk_end) for h in clips if h.path.endswith("long.flac"))
    assert long_clips == [(0, 10_000), (10_000, 22_000)]


def test_filters_narrow_results(use_minilm, tmp_path):
    notes = make_notes(tmp_path / "notes")
    old = time.time() - 10 * 86400
    os.utime(notes / "walk.md", (old, old))
    aug = Augmem(load_settings())
    aug.ingest([notes])
    other = tmp_path / "journal"
    other.mkdir()
    (other / "dog.md").write_text("Our dog loves the park near the river.")
    aug.ingest([other], source="journal")
    everything = {Path(h.path).name for h in aug.recall("dog in the park", limit=10).hits}
    assert {"walk.md", "dog.md"} <= everything
    recent = {Path(h.path).name for h in aug.recall("dog in the park", filters=Filters(since=time.time() - 86400)).hits}
    assert "walk.md" not in recent and "dog.md" in recent
    older = {Path(h.path).name for h in aug.recall("dog", filters=Filters(until=time.time() - 5 * 86400)).hits}
    assert older == {"walk.md"}
    journal = {h.source for h in aug.recall("dog", filters=Filters(sources=["journal"])).hits}
    assert journal == {"journal"}
    assert aug.recall("dog", filters=Filters(modalities=["image"])).hits == []


def test_photos_under_a_text_only_model_stay_pending(use_minilm, tmp_path):
    folder = tmp_path / "mixed"
    make_notes(folder)
    _write_photo(folder / "cat.jpg", (10, 200, 10))
    _write_wav(folder / "hum.wav", 1.0, 300)
    aug = Augmem(load_settings())
    rep = aug.ingest([folder])
    assert (rep.added, rep.pending, rep.rejected) == (5, 2, [])
    assert aug.status().pending == 2
    assert aug.ingest([folder]).pending == 2  # still pending, not re-read


def _truncate(src: Path, dst: Path, keep: float = 0.4) -> None:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])


def test_bad_inputs_are_rejected_with_reasons_and_the_rest_ingests(use_aist, tmp_path):
    folder = tmp_path / "inbox"
    make_notes(folder)
    _truncate(SAMPLES / "photos" / "park_with_brown_dog.jpg", folder / "truncated.jpg")
    _write_wav(tmp_path / "ok.wav", 2.0, 330)
    _truncate(tmp_path / "ok.wav", folder / "truncated.wav", 0.02)
    (folder / "empty.md").write_bytes(b"")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "binary.md").write_bytes(os.urandom(2048) + b"\x00\x00")
    (folder / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    with open(folder / "huge.wav", "wb") as f:  # 1 GB sparse: must be refused without reading it
        f.truncate(1 << 30)
    os.symlink(folder / "loop_b", folder / "loop_a.md")
    os.symlink(folder / "loop_a.md", folder / "loop_b")
    locked = folder / "locked"
    locked.mkdir()
    (locked / "secret.md").write_text("hidden")
    locked.chmod(0)
    shutil.copy(SAMPLES / "photos" / "sunset_over_sea.jpg", folder / "good.jpg")
    try:
        aug = Augmem(load_settings())
        rep = aug.ingest([folder])
    finally:
        locked.chmod(0o755)
    reasons = {Path(p).name: r for p, r in rep.rejected}
    # the five notes, the Latin-1 note, the good photo (+ the "locked" note when root, who can read it)
    assert rep.added == 7 + (os.geteuid() == 0)
    assert "corrupt image" in reasons["truncated.jpg"]
    assert "truncated WAV" in reasons["truncated.wav"]
    assert reasons["empty.md"] == reasons["empty.jpg"] == "empty file (0 bytes)"
    assert "binary" in reasons["binary.md"]
    assert "latin1.txt" not in reasons  # a legacy encoding is decoded, not refused (issue 11)
    assert "too large" in reasons["huge.wav"]
    assert reasons["loop_a.md"] == "symlink loop"
    if os.geteuid() != 0:  # root reads any folder; the unreadable-folder case runs below as nobody
        assert reasons["locked"] == "permission denied"
    assert all("\n" not in r for r in reasons.values())
    # unchanged rejected files are reported again without being re-read
    again = aug.ingest([folder])
    assert again.added == 0 and {Path(p).name for p, _ in again.rejected} >= {"truncated.jpg", "huge.wav"}


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop to another user")
def test_unreadable_folder_is_reported_when_walking_as_an_unprivileged_user(tmp_path):
    """Root reads every folder, so the walker runs as `nobody` to meet a real EACCES."""
    base = Path("/tmp") / f"augmem-perm-{os.getpid()}"
    shutil.rmtree(base, ignore_errors=True)
    (base / "open").mkdir(parents=True)
    (base / "open" / "a.md").write_text("hello")
    (base / "locked").mkdir()
    (base / "locked" / "b.md").write_text("secret")
    base.chmod(0o755)
    (base / "open").chmod(0o755)
    (base / "open" / "a.md").chmod(0o644)
    (base / "locked").chmod(0o700)
    code = (
        "import sys; sys.path.insert(0, sys.argv[2]); from augmem.ingest.files import walk; "
        "[print(x if isinstance(x, tuple) else x.path) for x in walk([sys.argv[1]])]"
    )
    try:
        out = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-c",
                code,
                str(base),
                str(Path(__file__).parent.parent),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert out.returncode == 0, out.stderr
    assert f"('{base}/locked', 'permission denied')" in out.stdout
    assert f"{base}/open/a.md" in out.stdout


def test_forget_leaves_no_trace_in_the_store_files(use_minilm, tmp_path):
    notes = make_notes(tmp_path / "notes")
    secret = "my bank PIN is tucked inside the zebra-striped teapot"
    (notes / "secret.md").write_text(secret)
    aug = Augmem(load_settings())
    aug.ingest([notes])
    store_dir = Path(aug.settings.effective_store_uri)

    def occurrences() -> int:
        return sum(p.read_bytes().count(b"zebra-striped teapot") for p in store_dir.rglob("*") if p.is_file())

    assert occurrences() > 0
    hit = aug.recall("where is the bank PIN", limit=1).hits[0]
    assert hit.path.endswith("secret.md")
    assert aug.forget(ids=[hit.id]) == 1
    assert occurrences() == 0
    assert not any(h.path.endswith("secret.md") for h in aug.recall("bank PIN teapot", limit=10).hits)
    # the file is still on disk, but a forgotten memory stays forgotten until it changes
    assert aug.ingest([notes]).added == 0
    assert occurrences() == 0


def test_filters_alone_list_memories_newest_first(use_minilm, tmp_path):
    notes = make_notes(tmp_path / "notes")
    for i, name in enumerate(sorted(NOTES)):
        ts = time.time() - (i + 1) * 86400
        os.utime(notes / name, (ts, ts))
    aug = Augmem(load_settings())
    aug.ingest([notes])
    hits = aug.recall(None, filters=Filters(since=time.time() - 3.5 * 86400)).hits
    assert [Path(h.path).name for h in hits] == sorted(NOTES)[:3]  # 1, 2 and 3 days old, newest first
    assert all(h.score == 0.0 for h in hits)
    from augmem.errors import AugmemError

    with pytest.raises(AugmemError, match="nothing to recall"):
        aug.recall(None)
