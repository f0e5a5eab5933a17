"""Reading photos and sound for the preview pane, off the UI thread (PIL, soundfile,
sounddevice are imported inside the functions: the first frame must not wait for them)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PREVIEW_PIXELS = 1024
"""Longest side of the image handed to textual-image: enough for any terminal pane."""


@dataclass
class PhotoInfo:
    image: object  # PIL.Image.Image, EXIF-oriented and thumbnailed
    width: int
    height: int
    taken: str
    """EXIF DateTimeOriginal as shown to people ("" if the photo has none)."""
    camera: str = ""


def load_photo(path: str) -> PhotoInfo:
    """Open, orient and shrink a photo; read when it was taken. Raises OSError on bad files."""
    from PIL import Image, ImageOps

    from augmem.ingest.files import exif_time

    with Image.open(path) as im:
        exif = im.getexif()
        w, h = im.size
        when = exif_time(im)  # the same reading ingest dates the memory by
        taken = datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M") if when is not None else ""
        make, model = exif.get(0x010F, ""), exif.get(0x0110, "")
        camera = " ".join(str(x).strip("\x00 ") for x in (make, model) if x).strip()
        im = ImageOps.exif_transpose(im)
        im.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
        im = im.convert("RGB")
    return PhotoInfo(image=im, width=w, height=h, taken=taken, camera=camera)


@dataclass
class SoundInfo:
    peaks: Any
    """numpy array: peak |amplitude| per bucket, in [0, 1]."""
    duration: float
    sample_rate: int
    channels: int


def load_peaks(path: str, buckets: int = 240, start_ms: int = 0, end_ms: int = 0) -> SoundInfo:
    """Peak envelope of a sound file (or of its start_ms..end_ms span), in `buckets` buckets.

    Reads block by block so an hour-long recording never sits in memory whole.
    """
    import numpy as np
    import soundfile as sf

    with sf.SoundFile(path) as f:
        sr, total = f.samplerate, f.frames
        first = min(int(start_ms * sr / 1000), total) if start_ms else 0
        last = min(int(end_ms * sr / 1000), total) if end_ms > start_ms else total
        n = max(last - first, 0)
        peaks = np.zeros(buckets, dtype=np.float32)
        if n:
            f.seek(first)
            edges = np.linspace(0, n, buckets + 1).astype(np.int64)
            pos = 0
            for block in f.blocks(blocksize=65536, frames=n, dtype="float32", always_2d=True):
                mono = np.abs(block).max(axis=1)
                # every bucket this block overlaps takes its max over the overlap
                lo = np.searchsorted(edges, pos, side="right") - 1
                hi = np.searchsorted(edges, pos + len(mono), side="left")
                for b in range(max(lo, 0), min(hi, buckets)):
                    a, z = max(edges[b] - pos, 0), min(edges[b + 1] - pos, len(mono))
                    if z > a:
                        peaks[b] = max(peaks[b], float(mono[a:z].max()))
                pos += len(mono)
        top = float(peaks.max()) if n else 0.0
        if top > 0:
            peaks = peaks / top
        return SoundInfo(peaks=peaks, duration=n / sr if sr else 0.0, sample_rate=sr, channels=f.channels)


class PlaybackError(Exception):
    """Sound cannot be played here (no output device, no PortAudio, unreadable file)."""


class Player:
    """Plays one sound at a time through sounddevice; `stop()` ends it early."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.playing: str | None = None

    def play(self, path: str, start_ms: int = 0, end_ms: int = 0) -> None:
        """Play (blocking until done or stopped); call from a worker thread."""
        try:
            import sounddevice as sd
        except OSError as exc:  # PortAudio itself is missing
            raise PlaybackError(f"cannot play sound: PortAudio is not available ({exc})") from exc
        import soundfile as sf

        try:
            sd.query_devices(kind="output")
        except (sd.PortAudioError, ValueError) as exc:
            raise PlaybackError("cannot play sound: this machine has no audio output device") from exc
        try:
            with sf.SoundFile(path) as f:
                sr = f.samplerate
                first = int(start_ms * sr / 1000)
                frames = int((end_ms - start_ms) * sr / 1000) if end_ms > start_ms else -1
                f.seek(min(first, f.frames))
                data = f.read(frames=frames, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise PlaybackError(f"cannot read {path}: {exc}") from exc
        with self._lock:
            self.playing = path
        try:
            sd.play(data, sr)
            sd.wait()
        except sd.PortAudioError as exc:
            raise PlaybackError(f"cannot play sound: {exc}") from exc
        finally:
            with self._lock:
                self.playing = None

    def stop(self) -> None:
        with self._lock:
            if self.playing is None:
                return
        import sounddevice as sd

        sd.stop()
