"""Sound-activity gating: decide, block by block, which stretches of microphone audio
are worth keeping, and cut them into clips.

An energy gate with an adaptive noise floor: the floor is the minimum block level
over the last `floor_window_s` seconds (minimum statistics: speech always has pauses
that dip to the room's level, a fan or hum that starts does not, so the floor climbs
to it within that window and the gate closes again). A block counts as "sound" when it
is `margin_db` above the floor (and above an absolute minimum); a clip opens after
`attack_s` of sound (with `preroll_s` of audio from before, so first syllables are
kept) and closes after `hangover_s` of quiet. Clips shorter than `min_s` are dropped,
longer than `max_s` are cut. (silero-vad would be a better speech detector; it is not
a dependency.)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class GateConfig:
    margin_db: float = 10.0
    """How far above the noise floor a block must be to count as sound."""
    min_level_db: float = -55.0
    """Blocks quieter than this (dBFS RMS) are never sound, whatever the floor."""
    attack_s: float = 0.06
    hangover_s: float = 0.8
    preroll_s: float = 0.3
    min_s: float = 2.0
    max_s: float = 30.0
    floor_window_s: float = 5.0
    """The floor is the quietest block level within this window."""
    initial_floor_db: float = -60.0


@dataclass
class Clip:
    samples: np.ndarray
    """float32 mono."""
    start_sample: int
    """Index (in the stream) of the clip's first sample."""
    peak_db: float


def level_db(block: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) if block.size else 0.0
    return 20.0 * np.log10(max(rms, 1e-10))


class ActivityGate:
    """Feed blocks in stream order; get finished clips back."""

    def __init__(self, samplerate: int, config: GateConfig | None = None):
        self.sr = samplerate
        self.cfg = config or GateConfig()
        self.floor_db = self.cfg.initial_floor_db
        self._levels: deque[tuple[float, float]] = deque()  # (block end in seconds, level dB)
        self.active = False
        self._pos = 0  # stream samples seen
        self._sound_run = 0.0  # seconds of consecutive sound while closed
        self._quiet_run = 0.0  # seconds of consecutive quiet while open
        self._pre: deque[np.ndarray] = deque()
        self._pre_len = 0
        self._clip: list[np.ndarray] = []
        self._clip_len = 0
        self._clip_start = 0
        self._clip_peak = -200.0
        self.dropped_short = 0

    @property
    def threshold_db(self) -> float:
        return max(self.floor_db + self.cfg.margin_db, self.cfg.min_level_db)

    def feed(self, block: np.ndarray) -> list[Clip]:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        n = block.size
        if n == 0:
            return []
        dur = n / self.sr
        db = level_db(block)
        self._track_floor(db, (self._pos + n) / self.sr)
        loud = db > self.threshold_db
        out: list[Clip] = []
        if not self.active:
            self._sound_run = self._sound_run + dur if loud else 0.0
            self._push_preroll(block)
            if self._sound_run >= self.cfg.attack_s:
                self._open()
        else:
            self._clip.append(block)
            self._clip_len += n
            self._clip_peak = max(self._clip_peak, db)
            self._quiet_run = 0.0 if loud else self._quiet_run + dur
            if self._quiet_run >= self.cfg.hangover_s:
                clip = self._close(trim_tail=True)
                if clip is not None:
                    out.append(clip)
            elif self._clip_len >= self.cfg.max_s * self.sr:
                clip = self._close(trim_tail=False)
                if clip is not None:
                    out.append(clip)
                self._open(start=self._pos + n)  # still sounding: carry on in a new clip
        self._pos += n
        return out

    def flush(self) -> list[Clip]:
        """End of stream (pause, shutdown): close an open clip if it is long enough."""
        if not self.active:
            return []
        clip = self._close(trim_tail=False)
        return [clip] if clip is not None else []

    # -- internals --------------------------------------------------------------------------
    def _track_floor(self, db: float, now: float) -> None:
        # a monotonic deque: the window's minimum is at the front, O(1) per block
        while self._levels and self._levels[-1][1] >= db:
            self._levels.pop()
        self._levels.append((now, db))
        while self._levels[0][0] < now - self.cfg.floor_window_s:
            self._levels.popleft()
        self.floor_db = self._levels[0][1]

    def _push_preroll(self, block: np.ndarray) -> None:
        self._pre.append(block)
        self._pre_len += block.size
        keep = int(self.cfg.preroll_s * self.sr) + block.size  # the preroll plus the current block
        while len(self._pre) > 1 and self._pre_len - self._pre[0].size >= keep:
            self._pre_len -= self._pre.popleft().size

    def _open(self, start: int | None = None) -> None:
        """Open a clip: with the preroll (the current block is its last), or empty from `start`."""
        self.active = True
        self._quiet_run = 0.0
        self._sound_run = 0.0
        if start is None:
            self._clip = list(self._pre)
            self._clip_len = self._pre_len
            self._clip_start = self._pos + self._pre[-1].size - self._pre_len
        else:
            self._clip, self._clip_len = [], 0
            self._clip_start = start
        self._pre.clear()
        self._pre_len = 0
        self._clip_peak = -200.0

    def _close(self, trim_tail: bool) -> Clip | None:
        self.active = False
        data = np.concatenate(self._clip) if self._clip else np.zeros(0, np.float32)
        if trim_tail:  # keep a little of the hangover, not all of it
            keep_tail = int(min(self._quiet_run, 0.3) * self.sr)
            cut = int(self._quiet_run * self.sr) - keep_tail
            if 0 < cut < data.size:
                data = data[:-cut]
        self._clip, self._clip_len, self._quiet_run = [], 0, 0.0
        if data.size < self.cfg.min_s * self.sr:
            self.dropped_short += 1
            return None
        return Clip(samples=data.astype(np.float32, copy=False), start_sample=self._clip_start,
                    peak_db=self._clip_peak)
