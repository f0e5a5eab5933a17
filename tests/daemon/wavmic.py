"""A real capture device backed by a WAV file, for tests and benchmarks on machines
without a sound card.

ALSA's `file` plugin reads its `infile` as the captured audio (its `null` slave needs
no hardware). The null slave has no clock, so a regular infile would be captured
~1000x faster than real time; instead the infile is a FIFO that a feeder process
fills at the real-time rate, in chunks of exactly the capture block size (a short
read would leave stale samples in the period). PortAudio, sounddevice and augmem's
capture code all run for real; nothing is mocked.

The feeder plays a loop: `lead` seconds of faint noise, the speech, `gap` seconds of
faint noise, ... (or noise only), continuing where it was when a reader comes back
(as a room does while capture is paused).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

RATE = 32_000
CHUNK = 1024  # frames; must equal MicrophoneCapture's blocksize at 32 kHz (0.032 s)
DEVICE = "wavmic"

FEEDER = textwrap.dedent(
    """
    import os, sys, time, signal
    import numpy as np
    fifo, program = sys.argv[1], sys.argv[2]
    chunk, rate, lead_ahead = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    data = np.fromfile(program, dtype="<i2")
    rng = np.random.default_rng()
    pos = 0
    t0 = None
    sent = 0
    while True:
        fd = os.open(fifo, os.O_WRONLY)
        if t0 is None:
            t0 = time.monotonic()
        else:  # time passed while nobody listened: the room went on
            t0 = time.monotonic() - sent / rate
        try:
            while True:
                if pos + chunk > len(data):
                    pos = 0
                # fresh dither on every pass, so no two clips are byte-identical
                block = data[pos:pos + chunk] + rng.integers(-2, 3, chunk).astype("<i2")
                os.write(fd, block.astype("<i2").tobytes())
                pos += chunk
                sent += chunk
                ahead = sent / rate - (time.monotonic() - t0)
                if ahead > lead_ahead:
                    time.sleep(ahead - lead_ahead)
        except OSError:
            os.close(fd)
    """
)


def speech_wav(path: Path, text: str = "the dog is barking at the park near the river") -> Path:
    """Synthesize speech with espeak-ng, as 32 kHz mono float32 WAV."""
    import soundfile

    raw = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), text], check=True, capture_output=True)
    data, sr = soundfile.read(raw, dtype="float32")
    raw.unlink()
    if data.ndim > 1:
        data = data.mean(axis=1)
    from scipy.signal import resample_poly

    data = resample_poly(data, RATE, sr).astype(np.float32) if sr != RATE else data
    soundfile.write(path, data * 0.7, RATE, subtype="FLOAT")
    return path


class WavMic:
    """An ALSA capture device named `wavmic` that plays `speech` (or only noise) in a loop."""

    def __init__(
        self,
        folder: Path,
        speech: Path | None,
        *,
        lead: float = 1.5,
        gap: float = 3.0,
        noise_db: float = -65.0,
        lead_ahead: float = 0.25,
    ):
        import soundfile

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        noise_amp = 10 ** (noise_db / 20)

        def noise(seconds: float) -> np.ndarray:
            return (rng.standard_normal(int(seconds * RATE)) * noise_amp).astype(np.float32)

        if speech is not None:
            voice, sr = soundfile.read(speech, dtype="float32")
            assert sr == RATE, sr
            program = np.concatenate([noise(lead), voice + noise(len(voice) / RATE)[: len(voice)], noise(gap)])
        else:
            program = noise(10.0)
        self.program_seconds = program.size / RATE
        self.program = self.folder / "program.s16"
        (np.clip(program, -1, 1) * 32767).astype("<i2").tofile(self.program)
        self.fifo = self.folder / "mic.fifo"
        if not self.fifo.exists():
            os.mkfifo(self.fifo)
        self.conf = self.folder / "asound.conf"
        self.conf.write_text(
            "</usr/share/alsa/alsa.conf>\n"
            f"pcm.{DEVICE} {{\n"
            "  type plug\n"
            "  slave {\n"
            f'    pcm {{ type file; slave.pcm null; file /dev/null; infile "{self.fifo}"; format raw }}\n'
            f"    format S16_LE\n    rate {RATE}\n    channels 1\n"
            "  }\n"
            '  hint { show on description "augmem test microphone (a WAV file through a FIFO)" }\n'
            "}\n"
        )
        self.lead_ahead = lead_ahead
        self.proc: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        """Environment for a process that should see the device (PortAudio reads it at startup)."""
        return {"ALSA_CONFIG_PATH": str(self.conf)}

    def start(self) -> WavMic:
        script = self.folder / "feeder.py"
        script.write_text(FEEDER)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(self.fifo),
                str(self.program),
                str(CHUNK),
                str(RATE),
                str(self.lead_ahead),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def __enter__(self) -> WavMic:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
