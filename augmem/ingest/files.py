"""Finding files and decoding them into what a model embeds, with a one-line reason for
every file that cannot be used. No embedding happens here."""

from __future__ import annotations

import errno
import fnmatch
import os
from collections.abc import Iterator, Sequence
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
    """"text" | "image" | "audio" from the file extension, or None for other files."""
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


def walk(
    roots: Sequence[str | Path], exclude: Sequence[str] = ()
) -> Iterator[Found | tuple[str, str]]:
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
            yield str(p), _os_reason(exc)
            return
        if not p.is_file():
            return
        yield Found(p, st.st_size, st.st_mtime, modality)

    def visit_dir(d: Path) -> Iterator[Found | tuple[str, str]]:
        try:
            st = d.stat()
        except OSError as exc:
            yield str(d), _os_reason(exc)
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            yield str(d), _os_reason(exc)
            return
        for entry in entries:
            p = Path(entry.path)
            if entry.name.startswith(".") or is_ignored(p, exclude):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError as exc:
                yield str(p), _os_reason(exc)
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


def _os_reason(exc: OSError) -> str:
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
def read_note(path: Path, size: int) -> str:
    _check_size(size, MAX_NOTE_BYTES, "note")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RejectedItem(_os_reason(exc)) from exc
    if b"\x00" in data[:8192]:
        raise RejectedItem("binary content in a text note (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RejectedItem(f"not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r})") from exc
    if not text.strip():
        raise RejectedItem("note has no text")
    return text


# -- photos -------------------------------------------------------------------------------
_heif_registered = False


def load_photo(path: Path, size: int):
    """A fully decoded, EXIF-oriented RGB PIL image and its capture time (or None)."""
    global _heif_registered
    from PIL import Image, ImageOps, UnidentifiedImageError

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
        with Image.open(path) as im:
            when = exif_time(im)
            im.load()  # decode now: a truncated file fails here, not later in the model
            image = ImageOps.exif_transpose(im).convert("RGB")
    except Image.DecompressionBombError as exc:
        raise RejectedItem(f"image too large ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise RejectedItem("not a readable image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        msg = str(exc).split("\n")[0] or type(exc).__name__
        raise RejectedItem(f"corrupt image: {msg}") from exc
    return image, when


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
def load_audio(path: Path, size: int, sample_rate: int) -> tuple[np.ndarray, float]:
    """Mono float32 at `sample_rate` and the duration in seconds."""
    import soundfile as sf

    _check_size(size, MAX_AUDIO_BYTES, "recording")
    if path.suffix.lower() == ".wav":
        _check_wav_complete(path, size)
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as exc:
        msg = str(exc).split("\n")[0] or type(exc).__name__
        raise RejectedItem(f"unreadable audio: {msg}") from exc
    if data.shape[0] == 0:
        raise RejectedItem("audio has no samples")
    mono = data.mean(axis=1)
    if not np.isfinite(mono).all():
        raise RejectedItem("audio contains NaN or infinite samples")
    duration = len(mono) / sr
    return resample(mono, sr, sample_rate), duration


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
        raise RejectedItem(_os_reason(exc)) from exc


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    if sr_in == sr_out:
        return x.astype(np.float32, copy=False)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(sr_in, sr_out)
    return resample_poly(x, sr_out // g, sr_in // g).astype(np.float32)


def split_clips(wave: np.ndarray, sample_rate: int, clip_seconds: float = CLIP_SECONDS) -> list[tuple[int, int]]:
    """Sample spans of consecutive clips; a short tail (< 1/4 clip) joins the previous clip."""
    n = int(clip_seconds * sample_rate)
    if len(wave) <= n:
        return [(0, len(wave))]
    spans = [(i, min(i + n, len(wave))) for i in range(0, len(wave), n)]
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < n // 4:
        last = spans.pop()
        spans[-1] = (spans[-1][0], last[1])
    return spans
