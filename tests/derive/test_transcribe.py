"""Whisper base on the real sample clips: the spoken ones say their words, the sounds say
nothing (no hallucinated "Thank you"), and times are sane."""

from __future__ import annotations

import re

import numpy as np
import pytest

from augmem.derive.base import Transcript
from augmem.models.artifacts import sha256_tree
from tests.derive.conftest import AUDIO, SR, load16k

SPEECH = {  # assets/make_samples.sh: espeak-ng en-us, 150 wpm
    "meeting_moved_to_thursday.flac": {"budget", "meeting", "moved", "thursday"},
    "reminder_buy_milk_and_eggs.wav": {"remember", "buy", "milk", "eggs", "home"},
    "dog_barking_at_the_park.wav": {"dog", "barking", "park", "morning"},
}
SOUNDS = ["rain_on_window.ogg", "tuning_tone_a440.wav", "doorbell_chime.wav", "guitar_strum_g_chord.flac"]


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def assert_sane(t: Transcript, duration: float) -> None:
    assert t.segments and t.text == " ".join(s.text for s in t.segments)
    for prev, s in zip([None, *t.segments], t.segments):
        assert 0.0 <= s.start <= s.end <= duration + 1e-6, s
        assert s.text.strip() == s.text and s.text
        if prev is not None:
            assert s.start >= prev.start


@pytest.fixture(scope="module")
def spoken(transcriber) -> dict[str, tuple[Transcript, float, int]]:
    """Each spoken sample's transcript, duration and encoder passes, transcribed once."""
    out = {}
    for name in sorted(SPEECH):
        wave = load16k(AUDIO / name)
        before = transcriber.encoder_passes
        t = transcriber.transcribe(wave)
        out[name] = (t, len(wave) / SR, transcriber.encoder_passes - before)
    return out


@pytest.mark.parametrize("name", sorted(SPEECH))
def test_spoken_clips_transcribe_to_their_words(spoken, transcriber, name):
    t, duration, _ = spoken[name]
    assert SPEECH[name] <= words(t.text), t.text
    assert t.language == "en"
    assert t.engine == transcriber.engine_id
    assert_sane(t, duration)


@pytest.mark.parametrize("name", sorted(SPEECH))
def test_a_short_clip_costs_one_encoder_pass_language_detection_included(spoken, name):
    # faster-whisper alone encodes a clip's first window twice (language, then text); the
    # memo in whisper.py makes it once. If this fails, faster-whisper changed its windowing.
    assert spoken[name][2] == 1


@pytest.mark.parametrize("name", SOUNDS)
def test_sounds_without_speech_transcribe_to_nothing(transcriber, name):
    before = transcriber.encoder_passes
    t = transcriber.transcribe(load16k(AUDIO / name))
    assert t == Transcript(text="", language="", segments=[], engine=transcriber.engine_id)
    assert transcriber.encoder_passes == before  # VAD found no speech: Whisper never ran


def _synthetic_noises() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    t = np.arange(5 * SR) / SR
    claps = np.zeros(5 * SR, np.float32)
    for k in range(8):
        i = int((0.3 + 0.55 * k) * SR)
        claps[i : i + 800] += (rng.standard_normal(800) * np.exp(-np.arange(800) / 120) * 0.8).astype(np.float32)
    return {
        "digital silence": np.zeros(5 * SR, np.float32),
        "white noise": (rng.standard_normal(5 * SR) * 0.1).astype(np.float32),
        "50 Hz hum": (0.2 * np.sin(2 * np.pi * 50 * t) + 0.05 * np.sin(2 * np.pi * 150 * t)).astype(np.float32),
        "sweep": (0.3 * np.sin(2 * np.pi * (100 * t + 400 * t * t))).astype(np.float32),
        "claps": claps,
    }


def test_silence_hum_noise_and_claps_transcribe_to_nothing(transcriber):
    # Whisper alone hears " You" in a sweep and " ..." in silence; see whisper.py's evidence
    for what, wave in _synthetic_noises().items():
        assert transcriber.transcribe(wave).empty, what


def test_speech_between_silences_keeps_both_sentences_at_their_times(transcriber):
    z = lambda s: np.zeros(int(s * SR), np.float32)
    a, b = load16k(AUDIO / "reminder_buy_milk_and_eggs.wav"), load16k(AUDIO / "dog_barking_at_the_park.wav")
    wave = np.concatenate([z(3), a, z(4), b, z(2)])
    t = transcriber.transcribe(wave)
    assert SPEECH["reminder_buy_milk_and_eggs.wav"] | SPEECH["dog_barking_at_the_park.wav"] <= words(t.text)
    assert_sane(t, len(wave) / SR)
    assert t.segments[0].start >= 2.4  # VAD pads speech by 0.4 s; the first 3 s are silent
    dog = next(s for s in t.segments if "dog" in words(s.text))
    assert dog.start >= 7.0  # the second sentence starts after 3 + 4.1 + 4 s, minus padding


def test_speech_under_rain_is_still_heard(transcriber):
    speech, rain = load16k(AUDIO / "reminder_buy_milk_and_eggs.wav"), load16k(AUDIO / "rain_on_window.ogg")
    rain = np.resize(rain, len(speech))
    gain = np.sqrt(np.mean(speech**2) / np.mean(rain**2) / 10)  # 10 dB signal-to-noise
    t = transcriber.transcribe((speech + gain * rain).astype(np.float32))
    assert {"remember", "buy", "milk", "eggs"} <= words(t.text), t.text


def test_a_long_recording_is_transcribed_whole_across_windows(transcriber):
    # ~44 s, the pauses too short for VAD to cut: more than one 30 s window of speech
    clips = [load16k(AUDIO / n) for n in sorted(SPEECH)] * 3
    gap = np.zeros(SR // 2, np.float32)
    wave = np.concatenate([x for c in clips for x in (c, gap)])
    before = transcriber.encoder_passes
    t = transcriber.transcribe(wave)
    assert_sane(t, len(wave) / SR)
    assert set().union(*SPEECH.values()) <= words(t.text)
    assert t.segments[-1].end > 40.0  # the second window was transcribed too
    assert transcriber.encoder_passes - before >= 2


def test_input_checks_and_an_empty_wave(transcriber):
    with pytest.raises(ValueError, match="mono"):
        transcriber.transcribe(np.zeros((2, SR), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        transcriber.transcribe(np.full(SR, np.nan, np.float32))
    assert transcriber.transcribe(np.zeros(0, np.float32)).empty


def test_engine_id_and_json_round_trip(spoken, transcriber, whisper_folder):
    assert transcriber.engine_id == f"whisper-base@int8-d1:{sha256_tree(whisper_folder)}"
    t = spoken["meeting_moved_to_thursday.flac"][0]
    assert Transcript.from_json(t.to_json()) == t
