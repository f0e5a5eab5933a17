"""The sound-activity gate's energy path alone (no speech detector: mic_vad = false, or its
weights missing) on real synthesized speech (espeak-ng) over room noise. test_vad.py has
the gate with the detector."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import soundfile

from augmem.capture.gate import ActivityGate, GateConfig
from tests.daemon.wavmic import RATE, speech_wav

BLOCK = 1024


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> np.ndarray:
    path = speech_wav(tmp_path_factory.mktemp("speech") / "s.wav", "the dog is barking at the park near the river")
    data, sr = soundfile.read(path, dtype="float32")
    assert sr == RATE
    return data


def noise(seconds: float, db: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * 10 ** (db / 20)).astype(np.float32)


def run(gate: ActivityGate, audio: np.ndarray, block: int = BLOCK):
    clips = []
    for i in range(0, len(audio), block):
        clips += gate.feed(audio[i : i + block])
    return clips + gate.flush()


def test_one_utterance_gives_one_clip_around_the_speech(speech):
    lead = 2.0
    audio = np.concatenate(
        [noise(lead, -65), speech + noise(len(speech) / RATE, -65, 1)[: len(speech)], noise(3.0, -65, 2)]
    )
    clips = run(ActivityGate(RATE, GateConfig(min_s=1.0)), audio)
    assert len(clips) == 1
    clip = clips[0]
    start = clip.start_sample / RATE
    dur = len(clip.samples) / RATE
    voiced = np.flatnonzero(np.abs(speech) > 0.05)
    first, last = lead + voiced[0] / RATE, lead + voiced[-1] / RATE
    assert first - 0.45 <= start <= first  # the preroll keeps the first syllable
    assert start + dur >= last  # nothing of the speech is cut off
    assert dur <= (last - first) + 0.3 + 1.2  # preroll + a little hangover, not the silence after
    np.testing.assert_array_equal(clip.samples[:BLOCK], audio[clip.start_sample : clip.start_sample + BLOCK])


def test_room_noise_alone_gives_nothing_and_sets_the_floor():
    gate = ActivityGate(RATE, GateConfig(min_s=1.0))
    assert run(gate, noise(10, -50)) == []
    assert -52 < gate.floor_db < -48


def test_a_hum_that_starts_becomes_the_floor(speech):
    """A fan switching on is a steady sound: the floor jumps to it and the clip it opened is
    dropped (it held no event); speech over the fan is still caught."""
    hum = 0.05 * np.sin(2 * np.pi * 120 * np.arange(int(20 * RATE)) / RATE).astype(np.float32)
    audio = np.concatenate([noise(2, -65), hum + noise(20, -65, 1)])
    speech_at = int(14 * RATE)
    audio[speech_at : speech_at + len(speech)] += speech * 2
    gate = ActivityGate(RATE, GateConfig(min_s=1.0, max_s=30.0))
    clips = run(gate, audio)
    assert len(clips) == 1 and gate.dropped_short == 1  # the fan's onset opened one, then it was background
    start, end = clips[0].start_sample / RATE, (clips[0].start_sample + len(clips[0].samples)) / RATE
    assert 13.5 <= start <= 14.0 and end >= 14 + len(speech) / RATE - 0.5
    assert gate.floor_db > -30  # the floor is the hum now


def test_long_sound_is_cut_at_max_and_short_blips_are_dropped(speech):
    talk = np.concatenate([speech] * 5)  # ~14 s of continuous talking
    gate = ActivityGate(RATE, GateConfig(min_s=1.0, max_s=4.0))
    clips = run(gate, np.concatenate([noise(1, -65), talk, noise(2, -65, 3)]))
    assert len(clips) >= 3
    assert all(len(c.samples) <= 4.0 * RATE + BLOCK for c in clips)
    # consecutive cut clips are contiguous: nothing lost at a cut
    for a, b in pairwise(clips):
        if a.start_sample + len(a.samples) >= b.start_sample - BLOCK:
            assert b.start_sample == a.start_sample + len(a.samples)
    blip = np.concatenate([noise(2, -65), 0.5 * np.ones(int(0.3 * RATE), np.float32), noise(3, -65, 4)])
    gate = ActivityGate(RATE, GateConfig(min_s=1.0))
    assert run(gate, blip) == [] and gate.dropped_short == 1
