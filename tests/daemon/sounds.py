"""Test and benchmark signals for the microphone gate: real synthesized speech (espeak-ng),
the bundled sample sounds, a quiet room, and mains hum with fan noise (all 32 kHz mono)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np

RATE = 32_000
SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples" / "audio"


def say(text: str) -> np.ndarray:
    """espeak-ng speech at 32 kHz, trimmed to its first and last audible sample."""
    import soundfile
    from scipy.signal import resample_poly

    out = subprocess.run(["espeak-ng", "-s", "150", "--stdout", text], check=True, capture_output=True).stdout
    data, sr = soundfile.read(io.BytesIO(out), dtype="float32")
    data = resample_poly(data, RATE // 1000, sr // 1000).astype(np.float32) * 0.7
    loud = np.flatnonzero(np.abs(data) > 0.01)
    return data[loud[0] : loud[-1] + 1]


def sample(name: str) -> np.ndarray:
    """A bundled sample from assets/samples/audio (all are 32 kHz mono)."""
    import soundfile

    data, sr = soundfile.read(SAMPLES / name, dtype="float32")
    assert sr == RATE, (name, sr)
    return data


def room(seconds: float, seed: int = 0, db: float = -65.0) -> np.ndarray:
    """A quiet room: white noise at `db` dBFS."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * 10 ** (db / 20)).astype(np.float32)


def fan(seconds: float, seed: int = 0, mains: float = 50.0) -> np.ndarray:
    """Mains hum (fundamental + 2 harmonics) plus a fan's pink noise: about -34 dBFS."""
    from scipy.signal import lfilter

    t = np.arange(int(seconds * RATE)) / RATE
    hum = sum(a * np.sin(2 * np.pi * mains * h * t) for h, a in ((1, 0.02), (2, 0.01), (3, 0.005)))
    white = np.random.default_rng(seed).standard_normal(t.size)
    # Paul Kellet's pink-noise filter
    pink = lfilter(
        [0.049922035, -0.095993537, 0.050612699, -0.004408786], [1, -2.494956002, 2.017265875, -0.522189400], white
    )
    return (hum + 0.01 * pink / np.std(pink)).astype(np.float32)
