"""Sound-activity gating: decide, 32 ms frame by frame, which stretches of microphone
audio are worth keeping, and cut them into clips.

Two detectors vote on every frame:

* **speech**: Silero VAD (augmem/capture/vad.py) on the stream resampled to 16 kHz. A
  frame is speech once its probability reaches `vad_threshold`, and stays speech while it
  is above `vad_threshold - 0.15` (Silero's own hysteresis). The detector sleeps through
  steady background and wakes when the level rises (`_speech_prob`).
* **sound**: an energy gate with an adaptive noise floor, for what is not speech (a
  doorbell, a dog, a guitar). The floor is the minimum frame level over the last
  `floor_window_s` (minimum statistics: speech and most sounds have gaps that dip to the
  room's level; a fan or hum does not, so the floor climbs to it within that window). A
  frame is sound when it is `margin_db` above the floor and above `min_level_db`.
  A sound that stays *steady* (its frame levels within `steady_db` for `steady_s`: a hum,
  a fan, constant noise, a held tone) is background, not an event: the floor jumps to
  it at once, and those frames stop counting as sound after the fact, so a fan that
  switches on yields no clip (the clip it opened is left with no event and is dropped).

The clip state machine (positions are stream samples):

    closed --speech frame, or `attack_s` of sound--> open (from `preroll_s` before the onset)
    open   --speech: last speech + `speech_hangover_s`; sound: last sound + `hangover_s`;
             both passed--> closed, the clip ends `tail_s` after the last active frame
    open   --`max_s` reached--> the clip is cut at the frame with the lowest speech
             probability (then the quietest) in its last `cut_search_s`; the rest goes
             on as the next clip, so nothing is lost and no word is cut through

A clip with less than `min_speech_s` of speech and less than `min_sound_s` of sound is
dropped (a cough, a click, a door knock). Any other clip is kept, at least `min_s` long:
a short one is held open until it is, so a short utterance ("yes") or a doorbell is
kept with the room around it, and a second one that follows soon joins the same clip.
Without a speech detector (mic_vad = false, or its weights missing) the energy gate
alone decides.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from augmem.errors import ConfigError

if TYPE_CHECKING:
    from augmem.capture.vad import SileroVAD

FRAME_S = 0.032
"""Decision granularity: one Silero frame (512 samples at 16 kHz)."""
VAD_RELEASE = 0.15
"""A speech run ends when the probability falls below threshold - this (silero-vad's
default), or below half the threshold when that is higher (a low threshold still ends)."""
BACKGROUND_TAU_S = 2.0
"""Time constant of the background level that wakes the detector."""
CUT_VAD_WEIGHT_DB = 100.0
"""At a max-length cut, a frame's score is max(level_db, floor) + this * speech probability:
a clear non-speech frame beats any speech frame, and among them the quietest wins. Levels
below the floor count as the floor: a stop consonant's closure inside a word ("button")
is digital silence at -107 dBFS, and must not beat the pause after the word."""


@dataclass
class GateConfig:
    margin_db: float = 10.0
    """How far above the noise floor a frame must be to count as sound."""
    min_level_db: float = -55.0
    """Frames quieter than this (dBFS RMS) are never sound, whatever the floor."""
    attack_s: float = 0.06
    """Sound (not speech) must last this long to open a clip."""
    hangover_s: float = 0.8
    """A clip opened by a sound stays open this long after the last sound frame."""
    preroll_s: float = 0.3
    """Audio from before the onset that a clip starts with, so a first syllable is kept."""
    min_s: float = 2.0
    max_s: float = 30.0
    floor_window_s: float = 5.0
    """The floor is the quietest frame level within this window."""
    initial_floor_db: float = -60.0
    vad: bool = True
    """Use the speech detector (when its weights load)."""
    vad_threshold: float = 0.5
    """Speech probability at which a frame is speech (Silero's recommended 0.5: on the
    bundled samples, speech frames sit at 0.9-1.0 and non-speech sounds peak at 0.14)."""
    vad_model: str = ""
    """A Silero VAD .onnx file to use instead of the packaged one."""
    vad_wake_db: float | None = 3.0
    """The detector wakes for a frame this far above the background level (None: it never
    sleeps). Measured over the hum + fan (tests/daemon/sounds.py): at 3 dB it slept through
    a whole minute of fan after its first second, and still heard the test sentence 5 dB
    below the fan's level (the never-sleeping detector: 8.5 dB below); at 2 dB it woke for
    a third of the minute and heard no more."""
    vad_wake_s: float = 1.0
    vad_replay_s: float = 0.25
    speech_hangover_s: float = 0.5
    """Speech pauses shorter than this stay in one clip. Silero's probability falls below
    0.35 within 2 frames of a word's end and is back up on the next word's first frame, so a
    0.4 s pause reads as ~0.35 s (the comma after "Heads up" in the bundled
    meeting_moved_to_thursday.flac is 0.26 s)."""
    min_speech_s: float = 0.2
    """A clip with this much speech is kept (padded to min_s)."""
    min_sound_s: float = 0.5
    """A clip with this much sound (not speech) is kept (padded to min_s). The bundled
    doorbell chime is ~1.5 s above a quiet room's floor; a clap or a knock is < 0.3 s."""
    tail_s: float = 0.3
    """Audio kept after the last active frame (a word's fading end)."""
    steady_s: float = 2.0
    steady_db: float = 4.0
    """Spread (10th-90th percentile) of frame levels under which a sound is steady. Measured:
    a 50 Hz hum with harmonics plus fan (pink) noise spreads 2.3 dB over 32 ms frames,
    white noise 0.4 dB; the doorbell and guitar samples fall 15+ dB in 2 s, speech 30+."""
    cut_search_s: float = 1.0
    """At max_s, the cut point is chosen within the clip's last this-many seconds."""

    @classmethod
    def from_settings(cls, settings: Any) -> GateConfig:
        """The gate configuration that augmem.config.Settings describes (ConfigError if out of range)."""
        checks = (
            ("mic_vad_threshold", 0.01, 0.99),
            ("mic_vad_hangover_seconds", 0.0, 10.0),
            ("mic_sound_margin_db", 0.0, 60.0),
            ("mic_min_clip_seconds", 0.0, 3600.0),
            ("mic_max_clip_seconds", 1.0, 3600.0),
        )
        for key, lo, hi in checks:
            value = getattr(settings, key)
            if not lo <= value <= hi:
                raise ConfigError(
                    f"{key} must be between {lo:g} and {hi:g}, not {value:g}", hint=f"fix {key} in the config file"
                )
        if settings.mic_min_clip_seconds > settings.mic_max_clip_seconds:
            raise ConfigError(
                f"mic_min_clip_seconds ({settings.mic_min_clip_seconds:g}) is longer than "
                f"mic_max_clip_seconds ({settings.mic_max_clip_seconds:g})",
                hint="make the shortest clip shorter than the longest",
            )
        return cls(
            min_s=settings.mic_min_clip_seconds,
            max_s=settings.mic_max_clip_seconds,
            margin_db=settings.mic_sound_margin_db,
            vad=settings.mic_vad,
            vad_threshold=settings.mic_vad_threshold,
            speech_hangover_s=settings.mic_vad_hangover_seconds,
        )


@dataclass
class Clip:
    samples: np.ndarray
    """float32 mono."""
    start_sample: int
    """Index (in the stream) of the clip's first sample."""
    peak_db: float
    speech_s: float = 0.0
    """Seconds of frames the speech detector called speech."""


def level_db(block: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) if block.size else 0.0
    return 20.0 * np.log10(max(rms, 1e-10))


class _Frame:
    __slots__ = ("level", "loud", "prob", "s0", "s1", "speech")

    def __init__(self, s0: int, s1: int, level: float, prob: float, speech: bool, loud: bool):
        self.s0, self.s1, self.level, self.prob, self.speech, self.loud = s0, s1, level, prob, speech, loud


NEVER = -(10**18)


class ActivityGate:
    """Feed blocks of any size in stream order; get finished clips back.

    `vad` is a loaded speech detector (or None: the energy gate alone). The gate runs in
    the capture consumer thread: the detector costs ~0.2 ms a frame.
    """

    def __init__(self, samplerate: int, config: GateConfig | None = None, vad: SileroVAD | None = None):
        self.sr = int(samplerate)
        self.cfg = config or GateConfig()
        cfg = self.cfg
        self._detector = vad if (vad is not None and cfg.vad) else None
        self._vad = self._detector.stream() if self._detector is not None else None
        self.vad_name = vad.name if self._vad is not None else ""
        if self._vad is not None:
            from augmem.capture.vad import FRAME, StreamResampler

            self._resample = StreamResampler(self.sr)
            self._vad_frame = FRAME
        self._vad_buf = np.zeros(0, np.float32)
        self._frames16: deque[np.ndarray] = deque()  # 16 kHz frames waiting for their decision
        self._asleep: deque[np.ndarray] = deque(maxlen=max(1, round(cfg.vad_replay_s / FRAME_S)))
        self._awake_until = -1  # the detector runs on frames before this index (see _speech_prob)
        self._bg_db: float | None = None
        self.vad_frames = 0  # frames the detector ran on (the rest it slept through)
        self._pending: deque[float] = deque()  # levels of frames waiting for their probability
        self._ana = np.zeros(0, np.float32)  # stream samples from frame `_k_level` on
        self._k_level = 0  # next frame to measure
        self._k = 0  # next frame to decide
        self._chunks: deque[np.ndarray] = deque()  # the audio a clip may still need
        self._buf_start = 0
        self._pos = 0  # stream samples fed
        self._minstat: deque[tuple[int, float]] = deque()  # (frame end, level), increasing levels
        self._min_floor = cfg.initial_floor_db
        self._steady_floor = -200.0
        self.floor_db = cfg.initial_floor_db
        keep = max(cfg.steady_s, cfg.cut_search_s, cfg.preroll_s + cfg.attack_s) + 4 * FRAME_S
        self._recent: deque[_Frame] = deque(maxlen=int(np.ceil(keep / FRAME_S)))
        self._attack_frames = max(1, int(np.ceil(cfg.attack_s / FRAME_S - 1e-9)))
        self._steady_frames = max(2, round(cfg.steady_s / FRAME_S))
        self._in_speech = False
        self._run = 0  # consecutive sound frames while closed
        self.active = False
        self._clip_start = 0
        self._emitted_to = 0  # end of the last clip: the next one never overlaps it
        self._last_speech = NEVER
        self._last_sound = NEVER
        self._clip_speech = 0  # speech frames in the open clip
        self._clip_sound = 0  # sound frames in the open clip
        self._clip_peak = -200.0
        self.dropped_short = 0
        self.speech_frames = 0

    @property
    def threshold_db(self) -> float:
        return max(self.floor_db + self.cfg.margin_db, self.cfg.min_level_db)

    @property
    def speech(self) -> bool:
        """Whether the detector hears speech right now."""
        return self._in_speech

    def feed(self, block: np.ndarray) -> list[Clip]:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if block.size == 0:
            return []
        self._chunks.append(block)
        self._pos += block.size
        self._measure(block)
        if self._vad is not None:
            self._vad_buf = np.concatenate((self._vad_buf, self._resample(block)))
            n = self._vad_frame
            while self._vad_buf.size >= n:
                self._frames16.append(self._vad_buf[:n])
                self._vad_buf = self._vad_buf[n:]
        out: list[Clip] = []
        while self._pending and (self._vad is None or self._frames16):
            level = self._pending.popleft()
            prob = self._speech_prob(level, self._frames16.popleft()) if self._vad is not None else 0.0
            out += self._decide(level, prob)
        self._trim()
        return out

    def flush(self) -> list[Clip]:
        """End of stream (pause, shutdown): close an open clip (kept if it holds speech or a sound)."""
        if not self.active:
            return []
        clip = self._emit(self._clip_start, self._pos, keep=self._is_event())
        self.active = False
        return [clip] if clip is not None else []

    # -- analysis ---------------------------------------------------------------------------
    def _edge(self, k: int) -> int:
        """First stream sample of frame k."""
        return (k * self.sr * 32) // 1000

    def _measure(self, block: np.ndarray) -> None:
        self._ana = np.concatenate((self._ana, block))
        base = self._edge(self._k_level)
        while True:
            a, b = self._edge(self._k_level), self._edge(self._k_level + 1)
            if b > self._pos:
                break
            self._pending.append(level_db(self._ana[a - base : b - base]))
            self._k_level += 1
        self._ana = self._ana[self._edge(self._k_level) - base :]

    def _speech_prob(self, level: float, frame: np.ndarray) -> float:
        """The detector's probability for the next frame, or 0 while it sleeps.

        The detector is most of the gate's cost (~0.2 ms of a 32 ms frame), so it sleeps
        through steady background: it runs while a clip is open or speech is heard, and
        for `vad_wake_s` after any frame `vad_wake_db` above the background level (a slow
        average of frame levels). Speech never leaves a room's level steady: syllables
        swing 10-30 dB. On waking it first replays the last `vad_replay_s` it slept
        through, from a fresh state, so it hears a word's onset in context.
        """
        cfg = self.cfg
        k = self._k
        bg, lvl = self._bg_db, max(level, -100.0)
        self._bg_db = lvl if bg is None else bg + (lvl - bg) * FRAME_S / BACKGROUND_TAU_S
        if cfg.vad_wake_db is not None and not (self.active or self._in_speech):
            if bg is None or level > bg + cfg.vad_wake_db:
                if k >= self._awake_until and self._asleep:  # waking up
                    self._vad = self._detector.stream()
                    for past in self._asleep:
                        self._vad(past)
                        self.vad_frames += 1
                    self._asleep.clear()
                self._awake_until = k + max(1, round(cfg.vad_wake_s / FRAME_S))
            elif k >= self._awake_until:
                self._asleep.append(frame)
                return 0.0
        self._asleep.clear()  # a replay is only ever of the frames just before waking
        self.vad_frames += 1
        return self._vad(frame)

    def _track_floor(self, db: float, end: int) -> None:
        # a monotonic deque: the window's minimum is at the front, O(1) per frame
        while self._minstat and self._minstat[-1][1] >= db:
            self._minstat.pop()
        self._minstat.append((end, db))
        window = int(self.cfg.floor_window_s * self.sr)
        while self._minstat[0][0] < end - window:
            self._minstat.popleft()
        self._min_floor = self._minstat[0][1]
        self._steady_floor = min(self._steady_floor, db)  # a steady sound that stops: back down
        self.floor_db = max(self._min_floor, self._steady_floor)

    def _steady(self) -> bool:
        """Have the last `steady_s` of frames been one steady, speechless sound?"""
        if len(self._recent) < self._steady_frames:
            return False
        window = list(self._recent)[-self._steady_frames :]
        if not all(f.loud for f in window):  # not one sound all along (and no speech in it)
            return False
        levels = np.fromiter((f.level for f in window), np.float64, len(window))
        lo, hi = np.percentile(levels, (10, 90))
        if hi - lo > self.cfg.steady_db:
            return False
        self._steady_floor = float(levels.min())
        self.floor_db = max(self._min_floor, self._steady_floor)
        for f in window:  # it was background all along
            if f.loud and self.active and f.s0 >= self._clip_start:
                self._clip_sound -= 1
            f.loud = False
        return True

    # -- the state machine ------------------------------------------------------------------
    def _decide(self, level: float, prob: float) -> list[Clip]:
        cfg = self.cfg
        k = self._k
        self._k += 1
        s0, s1 = self._edge(k), self._edge(k + 1)
        self._track_floor(level, s1)
        if self._vad is not None:
            thr = cfg.vad_threshold
            self._in_speech = prob >= (max(thr - VAD_RELEASE, thr / 2) if self._in_speech else thr)
        speech = self._in_speech
        loud = not speech and level > self.threshold_db
        frame = _Frame(s0, s1, level, prob, speech, loud)
        self._recent.append(frame)
        if loud and self._steady():
            loud = False
            self._run = 0
            # the last real sound ended before the steady stretch (maybe before what _recent holds)
            loud_ends = [f.s1 for f in self._recent if f.loud]
            steady_from = self._recent[-self._steady_frames].s0
            self._last_sound = max(loud_ends) if loud_ends else min(self._last_sound, steady_from)
        self.speech_frames += speech

        if not self.active:
            self._run = self._run + 1 if loud else 0
            if speech:
                self._open(s0)
            elif self._run >= self._attack_frames:
                self._open(self._edge(k - self._run + 1))
            else:
                return []
        if speech:
            self._last_speech = s1
            self._clip_speech += 1
        if loud:
            self._last_sound = s1
            self._clip_sound += 1
        self._clip_peak = max(self._clip_peak, level)
        return self._maybe_close(s1)

    def _open(self, onset: int) -> None:
        self.active = True
        self._run = 0
        self._clip_start = max(onset - int(self.cfg.preroll_s * self.sr), self._emitted_to, 0)
        self._clip_speech = self._clip_sound = 0
        self._last_speech = self._last_sound = NEVER
        self._clip_peak = -200.0
        # a sound's attack run, before the current frame (which _decide counts)
        for f in list(self._recent)[:-1]:
            if f.s0 >= onset:
                self._clip_peak = max(self._clip_peak, f.level)
                if f.loud:
                    self._last_sound = max(self._last_sound, f.s1)
                    self._clip_sound += 1

    def _is_event(self) -> bool:
        """Enough speech or sound in the open clip to keep it."""
        return (
            self._clip_speech * FRAME_S >= self.cfg.min_speech_s - 1e-9
            or self._clip_sound * FRAME_S >= self.cfg.min_sound_s - 1e-9
        )

    def _maybe_close(self, now: int) -> list[Clip]:
        cfg, sr = self.cfg, self.sr
        if now - self._last_speech >= cfg.speech_hangover_s * sr and now - self._last_sound >= cfg.hangover_s * sr:
            end = min(max(self._last_speech, self._last_sound, self._clip_start) + int(cfg.tail_s * sr), now)
            event = self._is_event()
            if event:  # a short one is padded to min_s with the room after it
                end = max(end, self._clip_start + int(cfg.min_s * sr))
                if end > now:
                    return []
            clip = self._emit(self._clip_start, end, keep=event)
            self.active = False
            return [clip] if clip is not None else []
        if now - self._clip_start >= cfg.max_s * sr:
            cut = self._cut_point(now)
            rest = [f for f in self._recent if f.s0 >= cut]
            rest_speech, rest_sound = sum(f.speech for f in rest), sum(f.loud for f in rest)
            self._clip_speech -= rest_speech
            self._clip_sound -= rest_sound
            clip = self._emit(self._clip_start, cut, keep=self._is_event())  # the part before the cut
            self._clip_start, self._clip_speech, self._clip_sound = cut, rest_speech, rest_sound
            self._clip_peak = max((f.level for f in rest), default=-200.0)
            return [clip] if clip is not None else []
        return []

    def _cut_point(self, now: int) -> int:
        """The middle of the least speech-like, quietest frame in the clip's last second.

        A frame's loudness is the loudest within two frames of it, so the middle of a
        pause beats a one-frame dip inside a word (which matters most without the detector).
        """
        sr = self.sr
        lo = max(now - int(self.cfg.cut_search_s * sr), self._clip_start + int(self.cfg.min_s * sr))
        frames = list(self._recent)
        best, best_score = None, None
        for i, f in enumerate(frames):
            if f.s0 < lo:
                continue
            near = max(g.level for g in frames[max(0, i - 2) : i + 3])
            score = max(near, self.floor_db) + CUT_VAD_WEIGHT_DB * f.prob
            if best_score is None or score < best_score:
                best, best_score = f, score
        return now if best is None else (best.s0 + best.s1) // 2

    # -- audio ------------------------------------------------------------------------------
    def _emit(self, start: int, end: int, keep: bool) -> Clip | None:
        """The clip [start, end), or None (counted in dropped_short) when it holds no event."""
        self._emitted_to = max(self._emitted_to, end)
        if not keep:
            self.dropped_short += 1
            return None
        return Clip(
            samples=self._take(start, end),
            start_sample=start,
            peak_db=self._clip_peak,
            speech_s=round(self._clip_speech * FRAME_S, 3),
        )

    def _take(self, start: int, end: int) -> np.ndarray:
        data = np.concatenate(self._chunks) if len(self._chunks) > 1 else self._chunks[0]
        if len(self._chunks) > 1:  # keep it as one chunk: the next take is a slice
            self._chunks = deque([data])
        return data[start - self._buf_start : end - self._buf_start].astype(np.float32, copy=True)

    def _trim(self) -> None:
        """Drop audio no clip can need any more."""
        if self.active:
            keep_from = self._clip_start
        else:
            onset = self._edge(max(0, self._k - self._run - 1))  # the earliest possible next onset
            keep_from = max(onset - int(self.cfg.preroll_s * self.sr), self._emitted_to)
        while len(self._chunks) > 1 and self._buf_start + self._chunks[0].size <= keep_from:
            self._buf_start += self._chunks.popleft().size
