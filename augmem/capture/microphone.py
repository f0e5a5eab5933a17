"""Microphone capture: PortAudio (sounddevice) → queue → speech/sound gate → FLAC clips.

The PortAudio callback only copies the block onto a bounded queue; a consumer thread
gates the audio (Silero VAD for speech plus an energy gate for other sounds, see
gate.py) and cuts clips. Every clip is written to the clips folder first (a
hidden temp file, then an atomic rename) and only then handed on (`on_clip(path)`), so
a crash never loses a clip that was already cut: the next reconcile finds it on disk.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from augmem.capture.gate import ActivityGate, Clip, GateConfig
from augmem.capture.state import capture_paused, capture_window, write_capture_state
from augmem.errors import CaptureError
from augmem.private import fsync_dir, open_private, private_dir
from augmem.schedule import QuietHours, Window

log = logging.getLogger(__name__)

TARGET_RATE = 32_000
"""Clips are stored at 32 kHz mono (what the audio towers expect)."""
BLOCK_SECONDS = 0.032
TICK_SECONDS = 1.0
"""How often the consumer thread checks the schedule (a timed pause ending, quiet hours)."""
QUEUE_BLOCKS = 2_000
"""About a minute of audio; beyond that the consumer is stuck and blocks are dropped (counted)."""

StreamFactory = Callable[..., Any]
"""Builds an input stream with sounddevice.InputStream's keyword arguments."""


def _sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio shared library is missing
        raise CaptureError(
            f"PortAudio is not available: {exc}",
            hint="install it (Debian/Ubuntu: apt install libportaudio2; macOS: brew install portaudio)",
        ) from exc
    return sounddevice


def resolve_device(spec: str) -> int | str | None:
    """Settings' mic_device: "" = the system default, a number = a device index, else a name (substring)."""
    spec = (spec or "").strip()
    if not spec:
        return None
    return int(spec) if spec.isdigit() else spec


def resample(samples: np.ndarray, src_rate: int, dst_rate: int = TARGET_RATE) -> np.ndarray:
    if src_rate == dst_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(src_rate), int(dst_rate))
    return resample_poly(samples, dst_rate // g, src_rate // g).astype(np.float32)


class MicrophoneCapture:
    """One input device, gated into clips in `clips_dir`. start/pause/resume/stop are thread-safe."""

    def __init__(
        self,
        clips_dir: Path,
        run_dir: Path,
        on_clip: Callable[[Path], None],
        *,
        device: str = "",
        min_clip_seconds: float = 2.0,
        max_clip_seconds: float = 30.0,
        samplerate: int = TARGET_RATE,
        blocksize: int | None = None,
        stream_factory: StreamFactory | None = None,
        gate_config: GateConfig | None = None,
        quiet_hours: QuietHours | None = None,
        now: Callable[[], float] = time.time,
    ):
        self.clips_dir = Path(clips_dir)
        self.run_dir = Path(run_dir)
        self.on_clip = on_clip
        self.device_spec = device
        self.samplerate = samplerate
        self.blocksize = blocksize or int(samplerate * BLOCK_SECONDS)
        self._stream_factory = stream_factory
        self._gate_config = gate_config or GateConfig()
        self._gate_config.min_s = min_clip_seconds
        self._gate_config.max_s = max_clip_seconds
        self._lock = threading.RLock()
        self._q: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._stream = None
        self._stream_rate = samplerate
        self._session: _Session | None = None
        self._consumer: threading.Thread | None = None
        self._vad = None  # the loaded speech detector (shared by every stream's gate)
        self._vad_note = ""  # why there is none, said once in the state message
        self._stopping = threading.Event()
        self.clips = 0
        self.dropped_blocks = 0
        self.overflows = 0
        self.state = "off"
        self.message = ""
        self.device_name = ""
        self.quiet_hours = quiet_hours or QuietHours()
        self.now = now
        """The wall clock the schedule is read on (a test passes a controllable one)."""
        self._window = Window(True)
        self._next_tick = 0.0

    # -- control -----------------------------------------------------------------------------
    def start(self) -> str:
        """Start listening (unless paused). A missing device is reported in the state, not raised."""
        with self._lock:
            if self._consumer is None:
                self._stopping.clear()
                self._consumer = threading.Thread(target=self._consume, name="augmem-mic", daemon=True)
                self._consumer.start()
            self._window = self._scheduled()
            if not self._window.listen:
                self._hold(self._window)
                return self.state
            return self._open()

    def pause(self, until: float | None = None) -> dict:
        """Stop listening until resumed, or until `until` (unix seconds): then it resumes by itself.
        Written down, so a restart keeps it."""
        with self._lock:
            write_capture_state(self.run_dir, paused=True, paused_until=until)
            self._window = self._scheduled()
            if self._window.listen:  # a pause that already ended
                write_capture_state(self.run_dir, paused=False, paused_until=None)
                self._open()
            else:
                self._close()
                self._hold(self._window)
            return self.info()

    def resume(self) -> dict:
        with self._lock:
            write_capture_state(self.run_dir, paused=False, paused_until=None)
            self._window = self._scheduled()
            if not self._window.listen:  # quiet hours: it listens when they end
                self._hold(self._window)
            elif self._stream is None:
                self._open()
            return self.info()

    def tick(self) -> None:
        """Follow the schedule: a timed pause or quiet hours that ended open the stream again,
        quiet hours that began close it. Called about once a second by the consumer thread."""
        with self._lock:
            if self._consumer is None:
                return
            was, now = self._window, self._scheduled()
            self._window = now
            if now == was:
                return
            if now.listen:
                if was.reason == "paused":
                    write_capture_state(self.run_dir, paused=False, paused_until=None)
                    log.info("microphone: the timed pause is over")
                elif was.reason == "quiet":
                    log.info("microphone: quiet hours are over")
                if self._stream is None and self.state in ("paused", "quiet"):
                    self._open()
            else:
                self._close()
                self._hold(now)

    def _scheduled(self) -> Window:
        return capture_window(self.run_dir, self.quiet_hours, self.now())

    def _hold(self, w: Window) -> None:
        """Not listening, by the user's pause or the quiet hours: say so, and until when."""
        until = _clock(w.until, self.now())
        if w.reason == "quiet":
            self._set_state("quiet", f"quiet hours ({self.quiet_hours}) until {until}: nothing is captured")
        elif w.until is not None:
            self._set_state("paused", f"paused until {until} (`augmem daemon resume` to listen now)")
        else:
            self._set_state("paused", "paused by the user (`augmem daemon resume` to listen again)")

    def discard_in_progress(self) -> None:
        """Drop the clip being recorded and the audio queued for it (a forget of the last minutes
        came): listening goes on with a fresh gate, and nothing heard before now is written."""
        with self._lock:
            old = self._session
            if old is None:
                return
            old.discarded = True
            if self._stream is not None:
                self._session = _Session(ActivityGate(self._stream_rate, self._gate_config, self._vad))
            log.info("microphone: dropped the clip in progress (forgotten)")

    def retry(self) -> None:
        """Called periodically: reopen a device that was missing or failed."""
        with self._lock:
            if self.state in ("unavailable", "error") and self._scheduled().listen:
                self._open(quiet=True)

    def stop(self) -> None:
        """Close the stream, write the clip in progress (if long enough), end the consumer."""
        with self._lock:
            self._close()
            self._stopping.set()
            consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.join(timeout=30)
        if self.state not in ("paused", "quiet", "unavailable"):
            self._set_state("off", "the daemon is not running")

    def info(self) -> dict:
        gate = self._session.gate if self._session else None
        w = self._window
        return {
            "state": self.state,
            "paused": self.state == "paused",
            "paused_until": w.until if w.reason == "paused" else None,
            "quiet_hours": str(self.quiet_hours),
            "quiet_until": w.until if w.reason == "quiet" else None,
            "message": self.message,
            "device": self.device_name,
            "samplerate": self._stream_rate,
            "clips": self.clips,
            "dropped_blocks": self.dropped_blocks,
            "overflows": self.overflows,
            "floor_db": round(float(gate.floor_db), 1) if gate else None,
            "sounding": bool(gate and gate.active),
            "speech": bool(gate and gate.speech),
            "vad": self._vad.name if self._vad is not None and self._gate_config.vad else (self._vad_note or "off"),
            "clips_dir": str(self.clips_dir),
        }

    # -- stream ------------------------------------------------------------------------------
    def _open(self, quiet: bool = False) -> str:
        if self._stream is not None:
            return self.state
        self._load_vad()
        try:
            stream, rate, name = self._make_stream()  # callbacks begin at stream.start()
            self._session = _Session(ActivityGate(rate, self._gate_config, self._vad))
            self._stream_rate = rate
            stream.start()
        except CaptureError as exc:
            if not quiet or self.state != "unavailable":
                log.warning("microphone capture unavailable: %s", exc)
            self._set_state("unavailable", str(exc))
            return self.state
        except Exception as exc:  # PortAudioError and friends: report, keep the daemon running
            log.warning("microphone capture failed to start: %s", exc)
            self._set_state("error", f"cannot open the input device: {exc}")
            return self.state
        self._stream = stream
        self.device_name = name
        log.info(
            "microphone capture listening on %s at %d Hz (%s)",
            name,
            rate,
            self._vad.name if self._vad else "sound level only",
        )
        message = f"listening on {name}"
        if self._vad_note:
            message += f" ({self._vad_note}; gating by sound level only)"
        self._set_state("listening", message)
        return self.state

    def _load_vad(self) -> None:
        """Load the speech detector once; if it cannot be loaded, the energy gate works alone."""
        if self._vad is not None or self._vad_note or not self._gate_config.vad:
            return
        from augmem.capture.vad import load_vad

        try:
            self._vad = load_vad(self._gate_config.vad_model or None)
        except CaptureError as exc:
            self._vad_note = (
                exc.message if exc.message.startswith("speech detection") else f"speech detection off: {exc.message}"
            )
            log.warning("microphone: %s (hint: %s)", self._vad_note, exc.hint)

    def _make_stream(self):
        if self._stream_factory is not None:
            factory, sd = self._stream_factory, None
        else:
            sd = _sounddevice()
            factory = sd.InputStream
        device = resolve_device(self.device_spec)
        name = str(device) if device is not None else "the default input device"
        if sd is not None:
            try:
                dev = sd.query_devices(device, kind="input")
            except (ValueError, sd.PortAudioError) as exc:
                what = f"input device {device!r}" if device is not None else "a default input device"
                raise CaptureError(
                    f"no microphone: cannot find {what} ({exc})",
                    hint="plug one in, or set mic_device (see `python -m sounddevice`)",
                ) from exc
            name = dev["name"]
        kwargs = dict(
            device=device, channels=1, dtype="float32", callback=self._callback, finished_callback=self._finished
        )
        try:
            return factory(samplerate=self.samplerate, blocksize=self.blocksize, **kwargs), self.samplerate, name
        except Exception as exc:
            if sd is None or not isinstance(exc, sd.PortAudioError):
                raise
            rate = int(dev["default_samplerate"])
            if rate == self.samplerate:
                raise
            log.info("%s does not take %d Hz (%s); capturing at %d Hz and resampling", name, self.samplerate, exc, rate)
            block = int(rate * BLOCK_SECONDS)
            return factory(samplerate=rate, blocksize=block, **kwargs), rate, name

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:
                log.warning("closing the input stream: %s", exc)
            if self._session is not None:
                self._put((self._session, None))

    def _callback(self, indata, frames, time_info, status) -> None:
        # PortAudio's thread: copy and hand off, nothing else.
        session = self._session
        if session is None:
            return
        if status and status.input_overflow:
            self.overflows += 1
        if session.t0 is None:
            session.t0 = time.time() - frames / self._stream_rate
        self._put((session, indata[:, 0].copy()))

    def _finished(self) -> None:
        if self._stream is not None and not self._stopping.is_set():
            # The stream ended on its own (device unplugged, server gone): try again later.
            log.warning("the input stream stopped unexpectedly; will retry")
            threading.Thread(target=self._lost, daemon=True).start()

    def _lost(self) -> None:
        with self._lock:
            if self._stream is not None:
                self._close()
                self._set_state("error", "the input stream stopped unexpectedly (device gone?)")

    def _put(self, item) -> None:
        try:
            self._q.put_nowait(item)
        except queue.Full:
            self.dropped_blocks += 1

    # -- consumer ----------------------------------------------------------------------------
    def _consume(self) -> None:
        while True:
            if time.monotonic() >= self._next_tick:
                self._next_tick = time.monotonic() + TICK_SECONDS
                try:
                    self.tick()
                except Exception:
                    log.exception("microphone schedule check failed; continuing")
            try:
                session, block = self._q.get(timeout=0.2)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            if session.discarded:  # forgotten while it was being recorded
                continue
            try:
                if block is not None:
                    clips = session.gate.feed(block)
                else:  # the stream closed (pause, stop): keep the clip in progress
                    clips = session.gate.flush()
                for clip in clips:
                    self._save(clip, session)
            except Exception:
                log.exception("microphone clip processing failed; continuing")

    def _save(self, clip: Clip, session: _Session) -> Path | None:
        import soundfile

        rate = session.gate.sr
        t0 = session.t0 or time.time()
        start = t0 + clip.start_sample / rate
        stamp = datetime.fromtimestamp(start)
        folder = self.clips_dir / stamp.strftime("%Y-%m-%d")
        private_dir(folder)
        name = f"mic-{stamp.strftime('%Y%m%d-%H%M%S')}-{int(stamp.microsecond / 1000):03d}.flac"
        final = folder / name
        tmp = folder / f".{name}.part"
        data = resample(clip.samples, rate)
        try:
            with open_private(tmp, "wb") as fh:  # what the microphone heard: owner-only
                soundfile.write(fh, np.clip(data, -1.0, 1.0), TARGET_RATE, format="FLAC", subtype="PCM_16")
                fh.flush()
                os.fsync(fh.fileno())
            end = start + data.size / TARGET_RATE
            os.utime(tmp, (end, end))  # a recording's mtime is when it ended (ingest derives its start)
            os.replace(tmp, final)
            fsync_dir(folder)
        except OSError as exc:
            log.error("could not write microphone clip %s: %s", final, exc)
            tmp.unlink(missing_ok=True)
            return None
        self.clips += 1
        log.info("microphone clip %s (%.1f s, peak %.0f dBFS)", final, data.size / TARGET_RATE, clip.peak_db)
        self._set_state(self.state, self.message)
        try:
            self.on_clip(final)
        except Exception:
            log.exception("handing on clip %s failed (the next reconcile will pick it up)", final)
        return final

    def _set_state(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        try:
            write_capture_state(
                self.run_dir,
                state=state,
                paused=(state == "paused") or capture_paused(self.run_dir, self.now()),
                message=message,
                device=self.device_name,
                clips=self.clips,
            )
        except OSError as exc:
            log.warning("cannot write the capture state: %s", exc)


class _Session:
    """One open stream's gate and clock (a resumed stream gets a fresh one)."""

    def __init__(self, gate: ActivityGate):
        self.gate = gate
        self.t0: float | None = None  # wall time of the stream's first sample
        self.discarded = False
        """Forgotten while recording: its audio is dropped, not cut into clips."""


def _clock(ts: float | None, now: float) -> str:
    """A moment as a person reads it in a state message: "14:30", "tomorrow 07:00"."""
    from augmem.humanize import clock_time

    return clock_time(ts, now) if ts is not None else "further notice"
