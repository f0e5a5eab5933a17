"""Finding files and decoding them into what a model embeds, with a one-line reason for
every file that cannot be used. No embedding happens here."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from augmem.errors import RejectedItem

NOTE_EXT = {".md", ".markdown", ".txt", ".text", ".org", ".rst"}
PHOTO_EXT = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff"}
AUDIO_EXT = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif"}

MAX_NOTE_BYTES = 16 * 1024 * 1024
MAX_PHOTO_BYTES = 256 * 1024 * 1024
MAX_AUDIO_BYTES = 512 * 1024 * 1024
MAX_PHOTO_PIXELS = 200_000_000
CLIP_SECONDS = 10.0
"""Long recordings are cut into clips of this length (the card's benchmark clip)."""

IGNORED_NAMES = ("*~", "*.swp", "*.swx", "*.swo", "*.tmp", "*.part", "*.crdownload", ".#*", "4913", "#*#")
"""Editors' temp and swap files and half-finished downloads: never memories (ingest and the watchers)."""


def modality_for(path: Path) -> str | None:
    """ "text" | "image" | "audio" from the file extension, or None for other files."""
    ext = path.suffix.lower()
    if ext in NOTE_EXT:
        return "text"
    if ext in PHOTO_EXT:
        return "image"
    if ext in AUDIO_EXT:
        return "audio"
    return None


def is_ignored(path: Path, exclude: Sequence[str] = ()) -> bool:
    """Hidden files, editor temp files, and the user's exclusions."""
    name = path.name
    if name.startswith("."):
        return True
    return any(fnmatch.fnmatch(name, p) for p in IGNORED_NAMES) or any(
        fnmatch.fnmatch(str(path), p) or fnmatch.fnmatch(name, p) for p in exclude
    )


@dataclass
class Found:
    path: Path
    size: int
    mtime: float
    modality: str


def walk(roots: Sequence[str | Path], exclude: Sequence[str] = ()) -> Iterator[Found | tuple[str, str]]:
    """Yield every candidate file under `roots` (recursively), or (path, reason) for what
    cannot be read: unreadable folders, symlink loops, broken links. Symlinked folders are
    followed once each (tracked by device + inode), so a loop cannot recurse forever."""
    seen_dirs: set[tuple[int, int]] = set()

    def visit_file(p: Path) -> Iterator[Found | tuple[str, str]]:
        modality = modality_for(p)
        if modality is None or is_ignored(p, exclude):
            return
        try:
            st = p.stat()
        except OSError as exc:
            yield str(p), os_reason(exc)
            return
        if not p.is_file():
            return
        yield Found(p, st.st_size, st.st_mtime, modality)

    def visit_dir(d: Path) -> Iterator[Found | tuple[str, str]]:
        try:
            st = d.stat()
        except OSError as exc:
            yield str(d), os_reason(exc)
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            yield str(d), os_reason(exc)
            return
        for entry in entries:
            p = Path(entry.path)
            if entry.name.startswith(".") or is_ignored(p, exclude):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError as exc:
                yield str(p), os_reason(exc)
                continue
            if is_dir:
                yield from visit_dir(p)
            elif entry.is_symlink() and not os.path.exists(p):
                yield str(p), _symlink_reason(p)
            else:
                yield from visit_file(p)

    for root in roots:
        r = Path(root).expanduser()
        r = Path(os.path.abspath(r))
        if r.is_dir():
            yield from visit_dir(r)
        elif r.exists():
            if modality_for(r) is None:
                yield str(r), f"unsupported file type {r.suffix or '(no extension)'!r}"
            else:
                yield from visit_file(r)
        elif r.is_symlink():
            yield str(r), _symlink_reason(r)
        else:
            yield str(r), "no such file or folder"


def _symlink_reason(p: Path) -> str:
    try:
        p.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
    return f"broken symlink (points to {os.readlink(p)})"


def os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or type(exc).__name__


def _check_size(size: int, limit: int, what: str) -> None:
    if size == 0:
        raise RejectedItem("empty file (0 bytes)")
    if size > limit:
        raise RejectedItem(f"too large for a {what} ({size / 2**20:,.0f} MiB > {limit / 2**20:,.0f} MiB)")


# -- notes --------------------------------------------------------------------------------
_BOMS = (  # longest first: the UTF-32 LE BOM begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
PREFERRED_LEGACY = "cp1252"
"""The legacy encoding chosen when several decode a note equally cleanly (see _decode_legacy)."""


def read_note(path: Path, size: int) -> str:
    """A note's text: UTF-8 (the common case, decoded strictly and first), a BOM's UTF-8,
    UTF-16 or UTF-32, or a legacy 8-bit encoding charset-normalizer finds. Binary content
    (NUL bytes without a UTF-16/32 BOM, or no plausible encoding) is rejected."""
    _check_size(size, MAX_NOTE_BYTES, "note")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RejectedItem(os_reason(exc)) from exc
    text = decode_note(data)
    if not text.strip():
        raise RejectedItem("note has no text")
    return text


def decode_note(data: bytes) -> str:
    """Bytes of a note -> its text, or RejectedItem with the reason."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                name = codec.replace("-sig", "")
                raise RejectedItem(f"not valid {name.upper()} after its byte-order mark (byte {exc.start})") from exc
            if "\x00" in text:
                raise RejectedItem("binary content in a text note (NUL characters)")
            return text
    if b"\x00" in data:
        raise RejectedItem("binary content in a text note (NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    return _decode_legacy(data, first_bad)


def _decode_legacy(data: bytes, first_bad: int) -> str:
    """charset-normalizer's reading of non-UTF-8 bytes.

    On short Western notes its first guess is often wrong: "café crème" in Latin-1 came
    back as cp1006 ("cafﻠ crﻟme"), a Spanish line as cp852 ("Ma˝ana"), a French one as
    cp1250 ("ŕ Genčve"), each with a mess ratio of 0.0, the same as cp1252's. So among the
    matches as clean as the best, one that cp1252 decodes identically wins; Cyrillic
    (cp1251), Greek (cp1253), Polish (cp1250), Shift-JIS and GB18030 notes never had
    cp1252 among their cleanest matches and keep their own encoding."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise RejectedItem(
            f"not text: not valid UTF-8 (byte {first_bad}: {data[first_bad : first_bad + 1]!r}) "
            "and no other plausible encoding (binary content?)"
        )
    for m in matches:
        if m.chaos <= best.chaos and PREFERRED_LEGACY in m.could_be_from_charset:
            try:
                return data.decode(PREFERRED_LEGACY)
            except UnicodeDecodeError:  # cp1252 leaves 5 bytes undefined; then trust the best
                break
    return str(best)


# -- photos -------------------------------------------------------------------------------
_heif_registered = False


@dataclass(frozen=True)
class PhotoInfo:
    """A decoded photo's size as displayed (after EXIF orientation) and capture time."""

    width: int
    height: int
    captured_at: float | None


def _open_image(path: Path, size: int):
    """Pillow's lazy image (header read, no pixels yet), refused by its header dimensions."""
    global _heif_registered
    import warnings

    from PIL import Image, UnidentifiedImageError

    _check_size(size, MAX_PHOTO_BYTES, "photo")
    if path.suffix.lower() in (".heic", ".heif") and not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            _heif_registered = True
        except ImportError as exc:
            raise RejectedItem("HEIC needs the package pillow-heif") from exc
    Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow warns between 1x and 2x its limit and raises above; we refuse above 1x
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError as exc:
        m = re.search(r"\((\d+) pixels\)", str(exc))
        px = f"{int(m.group(1)) / 1e6:,.0f} MP" if m else "too many pixels"
        raise RejectedItem(
            f"image too large ({px} in its header; the limit is {MAX_PHOTO_PIXELS / 1e6:,.0f} MP)"
        ) from exc
    except UnidentifiedImageError as exc:
        raise RejectedItem("not a readable image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise RejectedItem(f"corrupt image: {_first_line(exc)}") from exc
    w, h = im.size
    if w <= 0 or h <= 0 or w * h > MAX_PHOTO_PIXELS:
        im.close()
        raise RejectedItem(
            f"image too large ({w:,} x {h:,} pixels in its header; the limit is {MAX_PHOTO_PIXELS / 1e6:,.0f} MP)"
        )
    return im


def _first_line(exc: BaseException) -> str:
    return str(exc).split("\n")[0] or type(exc).__name__


def check_photo(path: Path, size: int) -> PhotoInfo:
    """Decode a photo's header and all of its data, cheaply: a JPEG is decoded at 1/8 scale
    (libjpeg still entropy-decodes every byte of every scan, so a cut-off file fails), other
    formats in full. Returns the displayed size and the capture time."""

    im = _open_image(path, size)
    try:
        w, h = im.size
        when = exif_time(im)
        try:
            orientation = int(im.getexif().get(0x0112) or 1)
        except (ValueError, TypeError, OSError):
            orientation = 1
        if im.format == "JPEG":
            im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))
        with _decoding():
            im.load()
    finally:
        im.close()
    if orientation in (5, 6, 7, 8):  # rotated a quarter turn: displayed sideways
        w, h = h, w
    return PhotoInfo(width=w, height=h, captured_at=when)


def load_photo(path: Path, size: int):
    """A fully decoded, EXIF-oriented RGB PIL image and its capture time (or None)."""
    from PIL import ImageOps

    im = _open_image(path, size)
    try:
        when = exif_time(im)
        with _decoding():
            im.load()  # decode now: a truncated file fails here, not later in the model
            image = ImageOps.exif_transpose(im).convert("RGB")
    finally:
        im.close()
    return image, when


@contextmanager
def _decoding() -> Iterator[None]:
    """Pillow's decoding failures as a one-line reason."""
    from PIL import Image

    try:
        yield
    except Image.DecompressionBombError as exc:
        raise RejectedItem(f"image too large ({_first_line(exc)})") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise RejectedItem(f"corrupt image: {_first_line(exc)}") from exc


def exif_time(im) -> float | None:
    """EXIF DateTimeOriginal (else DateTime) as unix seconds in local time, or None."""
    try:
        exif = im.getexif()
        value = exif.get_ifd(0x8769).get(36867) or exif.get(306)
        if not value:
            return None
        return datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S").timestamp()
    except (ValueError, TypeError, KeyError, AttributeError, OSError):
        return None


# -- audio --------------------------------------------------------------------------------
AUDIO_BLOCK_FRAMES = 1 << 16
"""Audio is decoded in blocks of this many frames (1.4 s at 48 kHz), so checking an hour
holds one block, not the hour."""
TRUNCATED_AUDIO_TOLERANCE = 0.01
"""A file whose header promises more frames than decode (beyond this share) is cut off."""


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int


def check_audio(path: Path, size: int) -> AudioInfo:
    """Decode a recording's header and every sample, block by block, keeping none of them."""
    _, info = _decode_audio(path, size, keep=False)
    return info


def load_audio(path: Path, size: int, sample_rate: int) -> tuple[np.ndarray, float]:
    """Mono float32 at `sample_rate` and the duration in seconds."""
    waves, info = load_audio_for(path, size, (sample_rate,))
    return waves[sample_rate], info.duration_s


def load_audio_for(path: Path, size: int, sample_rates: Sequence[int]) -> tuple[dict[int, np.ndarray], AudioInfo]:
    """One decode, mono float32 at each of `sample_rates` (an embedder's rate and the
    transcriber's 16 kHz, say), and the recording's AudioInfo."""
    mono, info = _decode_audio(path, size, keep=True)
    assert mono is not None
    return {sr: resample(mono, info.sample_rate, sr) for sr in dict.fromkeys(sample_rates)}, info


def _decode_audio(path: Path, size: int, keep: bool) -> tuple[np.ndarray | None, AudioInfo]:
    import soundfile as sf

    _check_size(size, MAX_AUDIO_BYTES, "recording")
    if path.suffix.lower() == ".wav":
        _check_wav_complete(path, size)
    blocks: list[np.ndarray] = []
    frames = 0
    try:
        with sf.SoundFile(str(path)) as f:
            sr, channels, promised = int(f.samplerate), int(f.channels), int(f.frames)
            if sr <= 0 or channels <= 0:
                raise RejectedItem(f"unreadable audio: header says {sr} Hz, {channels} channels")
            for block in f.blocks(blocksize=AUDIO_BLOCK_FRAMES, dtype="float32", always_2d=True):
                mono = block.mean(axis=1) if channels > 1 else block[:, 0]
                if not np.isfinite(mono).all():
                    raise RejectedItem("audio contains NaN or infinite samples")
                frames += len(mono)
                if keep:
                    blocks.append(mono.astype(np.float32, copy=True))
    except RejectedItem:
        raise
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError, EOFError) as exc:
        raise RejectedItem(f"unreadable audio: {_audio_reason(exc)}") from exc
    if frames == 0:
        raise RejectedItem("audio has no samples")
    if 0 < promised < 2**62 and frames < promised * (1 - TRUNCATED_AUDIO_TOLERANCE):
        raise RejectedItem(f"truncated audio ({frames / sr:,.1f} s of the {promised / sr:,.1f} s its header promises)")
    info = AudioInfo(duration_s=frames / sr, sample_rate=sr, channels=channels)
    return (np.concatenate(blocks) if keep else None), info


def _audio_reason(exc: BaseException) -> str:
    """libsndfile's message without the path it repeats; for bytes it cannot place at all it
    says "File does not exist or is not a regular file (possibly a pipe?)" about a file that
    exists, so that one is reworded."""
    msg = re.sub(r"^Error opening '.*?': ", "", _first_line(exc))
    msg = re.sub(r"^Error ?: ?", "", msg).strip().rstrip(".")
    if "not a regular file" in msg or "Format not recognised" in msg:
        return "not a recognised audio format"
    return msg or type(exc).__name__


def _check_wav_complete(path: Path, size: int) -> None:
    """libsndfile quietly reads what is there of a cut-off WAV; we want to know it is cut."""
    import struct

    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
                return  # not a plain RIFF/WAVE: let the decoder judge it
            while True:
                chunk = f.read(8)
                if len(chunk) < 8:
                    raise RejectedItem("truncated WAV (no data chunk)")
                cid, n = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"data":
                    if n != 0xFFFFFFFF and f.tell() + n > size:
                        raise RejectedItem(f"truncated WAV ({size - f.tell():,} of {n:,} data bytes present)")
                    return
                f.seek(n + (n & 1), 1)
    except OSError as exc:
        raise RejectedItem(os_reason(exc)) from exc


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    if sr_in == sr_out:
        return x.astype(np.float32, copy=False)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(sr_in, sr_out)
    return resample_poly(x, sr_out // g, sr_in // g).astype(np.float32)


def split_clips(wave: np.ndarray, sample_rate: int, clip_seconds: float = CLIP_SECONDS) -> list[tuple[int, int]]:
    """Sample spans of consecutive clips; a short tail (< 1/4 clip) joins the previous clip."""
    return clip_spans(len(wave), sample_rate, clip_seconds)


def split_clips_ms(duration_ms: int) -> list[tuple[int, int]]:
    """The same clips as `split_clips`, in milliseconds, from a recording's length alone."""
    return clip_spans(duration_ms, 1000)


def clip_spans(length: int, sample_rate: int, clip_seconds: float = CLIP_SECONDS) -> list[tuple[int, int]]:
    """Spans of consecutive clips over `length` samples at `sample_rate`."""
    n = int(clip_seconds * sample_rate)
    if length <= n:
        return [(0, length)]
    spans = [(i, min(i + n, length)) for i in range(0, length, n)]
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < n // 4:
        last = spans.pop()
        spans[-1] = (spans[-1][0], last[1])
    return spans
