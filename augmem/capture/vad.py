"""Speech detection for the microphone gate: Silero VAD v6 on onnxruntime, one 32 ms
frame (512 samples at 16 kHz) at a time, plus the streaming resampler that feeds it.

Why onnxruntime and not the TorchScript model next to it: the daemon may run with no
torch loaded (a text-only model, or before the first embed), and the detector runs on
every frame for as long as the microphone is on. Measured on this machine (2 cores,
one thread each): `import onnxruntime` takes 50 ms and +31 MiB RSS (+22 MiB for the
session), one frame costs ~0.2 ms of CPU (0.7 % of a core in real time); `import torch`
takes 3.6 s and +595 MiB, and the TorchScript model ~0.8 ms a frame. Both runtimes load
the same weights from the `silero-vad` package; faster-whisper ships the same v6 model
(another ONNX export: h/c state inputs instead of one `state`) and is used when it is
the one installed.

Nothing here imports the `silero_vad` or `faster_whisper` packages (the first imports
torch, the second ctranslate2): their files are found through package metadata.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
from pathlib import Path

import numpy as np

from augmem.errors import CaptureError

log = logging.getLogger(__name__)

VAD_RATE = 16_000
FRAME = 512
"""Samples per detector frame at 16 kHz (32 ms): the only frame size Silero v5+/v6 takes."""
CONTEXT = 64
"""Silero v5+ wants the last 64 samples of the previous frame prepended to each frame."""

HINT = "install it with `pip install silero-vad onnxruntime` (or set mic_vad = false to gate by sound level only)"


def weight_candidates() -> list[Path]:
    """Where packaged Silero VAD ONNX weights may be, best first (existing files only)."""
    out = []
    for dist, rel in (
        ("silero-vad", "silero_vad/data/silero_vad.onnx"),
        ("faster-whisper", "faster_whisper/assets/silero_vad_v6.onnx"),
    ):
        try:
            path = Path(str(importlib.metadata.distribution(dist).locate_file(rel)))
        except importlib.metadata.PackageNotFoundError:
            continue
        if path.is_file():
            out.append(path)
    return out


class SileroVAD:
    """A loaded Silero VAD session; `stream()` gives a detector with its own recurrent state.

    The session is shared (onnxruntime's `run` is thread-safe); each capture stream gets
    its own state, so a paused-and-resumed stream starts fresh.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            import onnxruntime
        except ImportError as exc:
            raise CaptureError(f"speech detection needs onnxruntime ({exc})", hint=HINT) from exc
        opts = onnxruntime.SessionOptions()
        # One thread: a frame is ~0.2 ms of work, thread-pool wake-ups would cost more
        # than they save, and the daemon shares the machine with the person's own work.
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(
                str(self.path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf/NoSuchFile
            raise CaptureError(f"cannot load the speech detector {self.path}: {_one_line(exc)}", hint=HINT) from exc
        inputs = {i.name for i in self.session.get_inputs()}
        if {"input", "state", "sr"} <= inputs:
            self.kind = "state"  # the silero-vad package's export
        elif {"input", "h", "c"} <= inputs:
            self.kind = "hc"  # faster-whisper's export
        else:
            raise CaptureError(f"{self.path} is not a Silero VAD model (inputs {sorted(inputs)})", hint=HINT)
        self.name = f"silero-vad ({self.path.name}, onnxruntime)"

    def stream(self) -> VadStream:
        return VadStream(self)


class VadStream:
    """Speech probability of consecutive 512-sample 16 kHz frames of one stream."""

    def __init__(self, vad: SileroVAD):
        self.vad = vad
        self._sr = np.array(VAD_RATE, dtype=np.int64)
        self._context = np.zeros(CONTEXT, np.float32)
        if vad.kind == "state":
            self._state = np.zeros((2, 1, 128), np.float32)
        else:
            self._h = np.zeros((1, 1, 128), np.float32)
            self._c = np.zeros((1, 1, 128), np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        x = np.empty((1, CONTEXT + FRAME), np.float32)
        x[0, :CONTEXT] = self._context
        x[0, CONTEXT:] = frame
        self._context = x[0, -CONTEXT:].copy()
        if self.vad.kind == "state":
            out, self._state = self.vad.session.run(None, {"input": x, "state": self._state, "sr": self._sr})
        else:
            out, self._h, self._c = self.vad.session.run(None, {"input": x, "h": self._h, "c": self._c})
        return float(np.asarray(out).reshape(-1)[0])


def load_vad(path: str | Path | None = None) -> SileroVAD:
    """The Silero VAD from `path`, or from the first installed package that ships it.

    Raises CaptureError (one line, with a hint) when no weights can be found or loaded.
    """
    if path:
        if not Path(path).is_file():
            raise CaptureError(f"speech detector weights not found: {path}", hint=HINT)
        return SileroVAD(path)
    found = weight_candidates()
    if not found:
        raise CaptureError(
            "speech detection is off: no Silero VAD weights installed "
            "(neither the silero-vad nor the faster-whisper package is present)",
            hint=HINT,
        )
    errors = []
    for candidate in found:
        try:
            return SileroVAD(candidate)
        except CaptureError as exc:
            errors.append(exc.message)
    raise CaptureError("; ".join(errors), hint=HINT)


class StreamResampler:
    """Resample a stream block by block to `dst` Hz, continuous across blocks.

    A low-pass FIR (the last input samples carried between blocks) then linear
    interpolation at the exact output instants (computed from integer sample counts, so
    an hour of audio does not drift). Good enough for a detector, cheap enough for every
    block: for an integer ratio (32 or 48 kHz to 16 kHz) only the kept outputs are
    filtered, one 512 x 31 matrix-vector product on a strided view (~20 us a block;
    scipy's lfilter with carried state took 220 us). The filter's group delay (15 input samples, 0.5 ms at
    32 kHz) is well under a frame and ignored.
    """

    TAPS = 31

    def __init__(self, src: int, dst: int = VAD_RATE):
        self.src, self.dst = int(src), int(dst)
        self._in = 0  # input samples consumed
        self._out = 0  # output samples produced
        self._step = self.src // self.dst if self.src % self.dst == 0 else 0
        if self.src > self.dst:
            # a Hamming-windowed sinc, cut off at 0.45 * dst, unit gain at DC (what
            # scipy.signal.firwin makes; importing scipy.signal costs 77 MiB of RSS)
            n = np.arange(self.TAPS) - (self.TAPS - 1) / 2
            fc = 0.9 * self.dst / self.src
            taps = fc * np.sinc(fc * n) * np.hamming(self.TAPS)
            self._taps = (taps / taps.sum()).astype(np.float32)[::-1].copy()
            self._hist = np.zeros(self.TAPS - 1, np.float32)  # the input just before this block
        else:
            self._taps = None
        self._last = np.float32(0.0)  # the previous block's last (filtered) sample

    def __call__(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        if self.src == self.dst or x.size == 0:
            return x
        end = self._in + x.size  # input samples available after this block
        # output k sits at input position k * src / dst; emit all with position <= end - 1
        last_k = ((end - 1) * self.dst) // self.src
        ks = np.arange(self._out, last_k + 1, dtype=np.int64)
        if self._step:  # integer ratio: filter only at the kept positions
            buf = np.concatenate((self._hist, x))
            first = int(ks[0]) * self._step - self._in if ks.size else 0  # window start in buf
            # a strided view: row i is buf[first + i*step : first + i*step + TAPS] (no copy;
            # np.lib.stride_tricks.sliding_window_view costs 60 us of Python per call)
            windows = np.ndarray(
                (ks.size, self.TAPS), np.float32, buffer=buf, offset=first * 4, strides=(self._step * 4, 4)
            )
            out = windows @ self._taps
            self._hist = buf[-(self.TAPS - 1) :].copy()
        else:
            if self._taps is not None:
                buf = np.concatenate((self._hist, x))
                y = np.convolve(buf, self._taps[::-1], mode="valid")
                self._hist = buf[-(self.TAPS - 1) :].copy()
            else:
                y = x
            pos = ks * self.src / self.dst - self._in  # relative to this block's first sample
            grid = np.arange(-1, x.size, dtype=np.float64)  # -1 is the previous block's last sample
            out = np.interp(pos, grid, np.concatenate(([self._last], y)))
            self._last = np.float32(y[-1])
        self._in, self._out = end, int(last_k + 1)
        return out.astype(np.float32, copy=False)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
