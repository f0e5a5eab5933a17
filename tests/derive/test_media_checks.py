"""Every photo and recording is decoded at ingest whatever the model: the bad-media corpus
is refused at once with a one-line reason; notes in legacy encodings are read, not refused."""

from __future__ import annotations

import os
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from augmem.errors import RejectedItem
from augmem.ingest import files
from tests.derive.conftest import AUDIO, PHOTOS


def reason(fn, path: Path) -> str:
    with pytest.raises(RejectedItem) as err:
        fn(path, path.stat().st_size)
    assert "\n" not in err.value.message
    return err.value.message


def png_header(w: int, h: int) -> bytes:
    """A PNG whose header claims w x h pixels, with almost no pixel data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def cut(src: Path, dst: Path, keep: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


# -- photos ---------------------------------------------------------------------------------
def test_sample_photos_pass_with_their_displayed_size_and_capture_time():
    infos = {p.name: files.check_photo(p, p.stat().st_size) for p in PHOTOS.iterdir()}
    assert infos["acoustic_guitar.png"] == files.PhotoInfo(512, 512, None)
    # stored 480x640 with EXIF orientation 6: displayed 640x480
    assert (infos["snowy_mountains.jpg"].width, infos["snowy_mountains.jpg"].height) == (640, 480)
    assert time.localtime(infos["park_with_brown_dog.jpg"].captured_at)[:6] == (2026, 4, 12, 9, 41, 17)
    assert all(i.captured_at for n, i in infos.items() if n.endswith(".jpg"))


@pytest.mark.parametrize("keep", [0.4, 0.9, 0.99])
def test_a_truncated_jpeg_is_refused(tmp_path, keep):
    p = cut(PHOTOS / "park_with_brown_dog.jpg", tmp_path / "cut.jpg", keep)
    assert reason(files.check_photo, p).startswith("corrupt image: image file is truncated")
    assert reason(files.load_photo, p).startswith("corrupt image")


def test_a_truncated_png_is_refused(tmp_path):
    p = cut(PHOTOS / "acoustic_guitar.png", tmp_path / "cut.png", 0.5)
    assert reason(files.check_photo, p).startswith("corrupt image")


@pytest.mark.parametrize("side", [60_000, 15_000])
def test_a_png_claiming_too_many_pixels_is_refused_from_its_header(tmp_path, side):
    p = tmp_path / "bomb.png"
    p.write_bytes(png_header(side, side))
    tracemalloc.start()
    try:
        msg = reason(files.check_photo, p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert msg.startswith("image too large") and "limit is 200 MP" in msg
    assert f"{side * side / 1e6:,.0f} MP" in msg or f"{side:,} x {side:,}" in msg
    assert peak < 5 * 2**20  # the header was read; no pixel buffer was made
    assert reason(files.load_photo, p).startswith("image too large")


def test_junk_empty_and_misnamed_photos(tmp_path):
    (tmp_path / "junk.jpg").write_bytes(os.urandom(40_000))
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "clip.png").write_bytes((AUDIO / "doorbell_chime.wav").read_bytes())
    assert reason(files.check_photo, tmp_path / "junk.jpg") == "not a readable image"
    assert reason(files.check_photo, tmp_path / "empty.jpg") == "empty file (0 bytes)"
    assert reason(files.check_photo, tmp_path / "clip.png") == "not a readable image"


# -- audio ----------------------------------------------------------------------------------
def test_sample_recordings_pass_with_duration_rate_and_channels():
    for p in AUDIO.iterdir():
        info = files.check_audio(p, p.stat().st_size)
        assert info.sample_rate == 32000 and info.channels == 1, p.name
        assert info.duration_s == pytest.approx(sf.info(str(p)).duration, abs=1e-3)


def test_junk_mp3_sparse_wav_and_empty_files_are_refused_at_once(tmp_path):
    (tmp_path / "junk.mp3").write_bytes(os.urandom(50_000))
    with open(tmp_path / "huge.wav", "wb") as f:
        f.truncate(1 << 30)  # 1 GB sparse: must be refused without being read
    with open(tmp_path / "zeros.wav", "wb") as f:
        f.truncate(8 << 20)  # 8 MB of nothing, no header
    (tmp_path / "empty.flac").write_bytes(b"")
    assert reason(files.check_audio, tmp_path / "junk.mp3") == "unreadable audio: not a recognised audio format"
    assert reason(files.check_audio, tmp_path / "huge.wav") == "too large for a recording (1,024 MiB > 512 MiB)"
    assert reason(files.check_audio, tmp_path / "zeros.wav") == "unreadable audio: not a recognised audio format"
    assert reason(files.check_audio, tmp_path / "empty.flac") == "empty file (0 bytes)"


def test_truncated_wav_and_flac_are_refused(tmp_path):
    wav = cut(AUDIO / "reminder_buy_milk_and_eggs.wav", tmp_path / "cut.wav", 0.5)
    flac = cut(AUDIO / "meeting_moved_to_thursday.flac", tmp_path / "cut.flac", 0.5)
    assert reason(files.check_audio, wav).startswith("truncated WAV (")
    assert reason(files.check_audio, flac).startswith("unreadable audio: ")


def test_nan_samples_and_sampleless_files_are_refused(tmp_path):
    x = np.zeros(16000, np.float32)
    x[5000] = np.nan
    sf.write(str(tmp_path / "nan.wav"), x, 16000, subtype="FLOAT")
    sf.write(str(tmp_path / "none.wav"), np.zeros(0, np.float32), 16000)
    assert reason(files.check_audio, tmp_path / "nan.wav") == "audio contains NaN or infinite samples"
    assert reason(files.check_audio, tmp_path / "none.wav") == "audio has no samples"


def test_check_audio_decodes_a_long_recording_in_blocks(tmp_path):
    p = tmp_path / "ten_minutes.wav"
    rng = np.random.default_rng(0)
    with sf.SoundFile(str(p), "w", 16000, 2, subtype="PCM_16") as f:
        for _ in range(60):  # 10 min stereo: 38 MB as int16, 77 MB as float32
            f.write((rng.standard_normal((16000 * 10, 2)) * 0.1).astype(np.float32))
    tracemalloc.start()
    try:
        info = files.check_audio(p, p.stat().st_size)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info == files.AudioInfo(duration_s=600.0, sample_rate=16000, channels=2)
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MiB held"


def test_load_audio_for_decodes_once_for_several_rates():
    p = AUDIO / "reminder_buy_milk_and_eggs.wav"
    waves, info = files.load_audio_for(p, p.stat().st_size, (16000, 32000, 16000))
    assert sorted(waves) == [16000, 32000] and info.duration_s == pytest.approx(4.1466, abs=1e-3)
    assert abs(len(waves[16000]) - info.duration_s * 16000) <= 1 and waves[16000].dtype == np.float32
    direct, _ = sf.read(str(p), dtype="float32")
    np.testing.assert_array_equal(waves[32000], direct)  # the file's own rate: the samples as they are
    wave, duration = files.load_audio(p, p.stat().st_size, 16000)
    np.testing.assert_array_equal(wave, waves[16000])
    assert duration == info.duration_s


# -- notes ----------------------------------------------------------------------------------
LEGACY = {
    "latin-1, French": ("Réunion à Genève: apporter le gâteau, les crêpes et du café. Noël!", "latin-1"),
    "latin-1, two words": ("café crème", "latin-1"),
    "latin-1, Spanish": ("Mañana: llamar a la señora Núñez, comprar piñones y jamón.", "latin-1"),
    "cp1252 quotes, dash, euro": ("Don’t forget the “organic” eggs – 5 € … and café au lait", "cp1252"),
    "cp1252, German": ("Einkaufsliste für Samstag: Brötchen, Käse, Äpfel, Süßigkeiten – 12 €", "cp1252"),
    "cp1251, Russian": ("Купить молоко и хлеб, позвонить маме в субботу вечером.", "cp1251"),
    "cp1250, Polish": ("Zadzwonić do dentysty, kupić chleb i masło. Źle się czuję.", "cp1250"),
    "shift_jis, Japanese": ("明日は牛乳と卵を買う。会議は木曜日の三時に変更。", "shift_jis"),
}


@pytest.mark.parametrize("case", list(LEGACY))
def test_notes_in_legacy_encodings_decode_to_the_right_text(tmp_path, case):
    text, codec = LEGACY[case]
    p = tmp_path / "note.txt"
    p.write_bytes(text.encode(codec))
    assert files.read_note(p, p.stat().st_size) == text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_notes_with_a_byte_order_mark_decode(tmp_path, codec):
    text = "Grocery list:\r\n- milk 🥛\n- eggs\n- crème fraîche\n"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    p = tmp_path / "note.md"
    p.write_bytes(data)
    assert files.read_note(p, len(data)) == text


def test_plain_utf8_notes_decode_exactly_as_before(tmp_path):
    for note in (Path(__file__).parents[2] / "assets" / "samples" / "notes").iterdir():
        data = note.read_bytes()
        assert files.read_note(note, len(data)) == data.decode("utf-8")
    p = tmp_path / "n.md"
    p.write_bytes("a\r\nb\u00a0c \ufeffd\n".encode())  # CRLF, NBSP, a ZWNBSP inside: untouched
    assert files.read_note(p, p.stat().st_size) == "a\r\nb\u00a0c \ufeffd\n"


def test_binary_notes_are_refused(tmp_path):
    (tmp_path / "nul.md").write_bytes(os.urandom(2048) + b"\0\0")
    (tmp_path / "utf8nul.md").write_bytes(b"hello\0world")
    rng = np.random.default_rng(3)
    (tmp_path / "noise.md").write_bytes(rng.integers(1, 256, 4096, dtype=np.uint8).tobytes())
    (tmp_path / "image.md").write_bytes((PHOTOS / "acoustic_guitar.png").read_bytes())
    (tmp_path / "odd16.md").write_bytes(b"\xff\xfe" + "hi".encode("utf-16-le") + b"\x41")
    (tmp_path / "nul16.md").write_bytes("a\0b".encode("utf-16"))
    assert reason(files.read_note, tmp_path / "nul.md") == "binary content in a text note (NUL bytes)"
    assert reason(files.read_note, tmp_path / "utf8nul.md") == "binary content in a text note (NUL bytes)"
    assert reason(files.read_note, tmp_path / "noise.md").startswith("not text: not valid UTF-8 (byte ")
    assert "binary" in reason(files.read_note, tmp_path / "image.md")
    assert reason(files.read_note, tmp_path / "odd16.md").startswith("not valid UTF-16 after its byte-order mark")
    assert reason(files.read_note, tmp_path / "nul16.md") == "binary content in a text note (NUL characters)"
