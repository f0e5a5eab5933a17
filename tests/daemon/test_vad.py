"""Speech gating with the real Silero VAD weights (the silero-vad package's ONNX file on
onnxruntime), on real synthesized speech (espeak-ng) and the bundled sample sounds, mixed
with silence, hum and noise. Nothing is mocked: the gate is fed frames directly, and the
last tests run the whole capture through PortAudio (tests/daemon/wavmic.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from itertools import pairwise

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly

from augmem.capture.gate import ActivityGate, GateConfig
from augmem.capture.vad import FRAME, StreamResampler, load_vad
from augmem.errors import CaptureError
from tests.daemon.sounds import RATE, fan, room, sample, say

BLOCK = 1024


@pytest.fixture(scope="module")
def vad():
    return load_vad()


def run(gate: ActivityGate, audio: np.ndarray, block: int = BLOCK):
    clips = []
    for i in range(0, len(audio), block):
        clips += gate.feed(audio[i : i + block])
    return clips + gate.flush()


def span(clip, rate: int = RATE) -> tuple[float, float]:
    return clip.start_sample / rate, (clip.start_sample + len(clip.samples)) / rate


# -- the detector ---------------------------------------------------------------------------
def test_the_packaged_detector_tells_speech_from_sounds(vad):
    def probs(audio):
        stream, res = vad.stream(), StreamResampler(RATE)
        x = res(audio)
        return np.array([stream(x[i : i + FRAME]) for i in range(0, len(x) - FRAME + 1, FRAME)])

    speech = probs(np.concatenate([room(0.5), sample("reminder_buy_milk_and_eggs.wav")]))
    assert np.mean(speech > 0.5) > 0.5
    for name in ("doorbell_chime.wav", "guitar_strum_g_chord.flac", "tuning_tone_a440.wav"):
        assert probs(sample(name)).max() < 0.3, name
    assert probs(fan(5)).max() < 0.3 and probs(room(5, db=-40)).max() < 0.3


def test_the_resampler_is_continuous_across_blocks():
    for src in (48_000, 44_100, 32_000, 8_000):
        x = np.sin(2 * np.pi * 440 * np.arange(src) / src).astype(np.float32)
        whole = StreamResampler(src)(x)
        res = StreamResampler(src)
        pieces = np.concatenate([res(x[i : i + 777]) for i in range(0, x.size, 777)])
        assert abs(whole.size - 16_000) <= 1
        np.testing.assert_allclose(pieces, whole[: pieces.size], atol=1e-5)


def test_missing_or_broken_weights_are_one_clear_line(tmp_path):
    with pytest.raises(CaptureError) as err:
        load_vad(tmp_path / "nope.onnx")
    assert "speech detector weights not found" in err.value.message and "\n" not in err.value.message
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx model" * 10)
    with pytest.raises(CaptureError) as err:
        load_vad(bad)
    assert err.value.message.startswith(f"cannot load the speech detector {bad}")
    assert "\n" not in err.value.message and "mic_vad = false" in err.value.hint


def test_out_of_range_settings_are_one_clear_line():
    from augmem.config import Settings
    from augmem.errors import ConfigError

    assert GateConfig.from_settings(Settings()).vad_threshold == 0.5
    with pytest.raises(ConfigError) as err:
        GateConfig.from_settings(Settings(mic_vad_threshold=1.5))
    assert err.value.message == "mic_vad_threshold must be between 0.01 and 0.99, not 1.5"
    with pytest.raises(ConfigError, match=r"mic_min_clip_seconds .* is longer than mic_max_clip_seconds"):
        GateConfig.from_settings(Settings(mic_min_clip_seconds=40.0, mic_max_clip_seconds=30.0))


# -- the gate with the detector -------------------------------------------------------------
@pytest.fixture(scope="module")
def sentence():
    """'remember to buy milk' — a 400 ms pause — 'and eggs on the way home'."""
    return say("remember to buy milk"), say("and eggs on the way home")


@pytest.mark.parametrize("where", ["quiet room", "fan and hum"])
def test_a_pause_mid_sentence_stays_in_one_clip_covering_every_word(vad, sentence, where):
    first, second = sentence
    lead, pause = 6.0, 0.4
    speech = np.concatenate([first, np.zeros(int(pause * RATE), np.float32), second])
    total = lead + speech.size / RATE + 4.0
    if where == "quiet room":
        audio = room(total)
    else:  # speech as loud as the fan: the energy gate alone barely sees it
        audio = fan(total)
        speech = speech * 0.3
    at = int(lead * RATE)
    audio[at : at + speech.size] += speech
    clips = run(ActivityGate(RATE, GateConfig(), vad), audio)
    assert len(clips) == 1, [span(c) for c in clips]
    start, end = span(clips[0])
    onset, last = lead, lead + speech.size / RATE
    assert onset - 0.5 <= start < onset  # the preroll keeps the first syllable
    assert last < end <= last + 1.0  # the last word's end, not the room after it
    assert clips[0].speech_s > 1.5


def test_a_48_khz_device_is_resampled_for_the_detector(vad, sentence):
    first, second = sentence
    audio = room(10.0)
    speech = np.concatenate([first, np.zeros(int(0.4 * RATE), np.float32), second])
    audio[3 * RATE : 3 * RATE + speech.size] += speech
    audio48 = resample_poly(audio, 3, 2).astype(np.float32)
    clips = run(ActivityGate(48_000, GateConfig(), vad), audio48, block=1536)
    assert len(clips) == 1
    start, end = span(clips[0], 48_000)
    assert 2.5 <= start < 3.0 and end > 3 + speech.size / RATE
    assert clips[0].speech_s > 1.5


@pytest.mark.parametrize("use_vad", [True, False], ids=["vad", "energy only"])
@pytest.mark.parametrize(
    "what",
    [
        "digital silence",
        "quiet room",
        "50 Hz hum + fan",
        "60 Hz hum + fan",
        "white noise",
        "a fan switching on",
        "a held tone",
    ],
)
def test_silence_hum_and_noise_give_no_clip(vad, what, use_vad):
    seconds = 20.0
    audio = {
        "digital silence": lambda: np.zeros(int(seconds * RATE), np.float32),
        "quiet room": lambda: room(seconds),
        "50 Hz hum + fan": lambda: fan(seconds),
        "60 Hz hum + fan": lambda: fan(seconds, seed=1, mains=60.0),
        "white noise": lambda: room(seconds, db=-40.0),
        "a fan switching on": lambda: np.concatenate([room(5.0), fan(seconds - 5.0)]),
        "a held tone": lambda: np.concatenate(
            [
                room(5.0),
                0.3 * np.sin(2 * np.pi * 440 * np.arange(int((seconds - 5) * RATE)) / RATE).astype(np.float32)
                + room(seconds - 5.0, 1),
            ]
        ),
    }[what]()
    gate = ActivityGate(RATE, GateConfig(), vad if use_vad else None)
    assert run(gate, audio) == []
    assert gate.speech_frames == 0


def test_the_detector_sleeps_through_steady_background_and_wakes_for_speech(vad, sentence):
    idle = ActivityGate(RATE, GateConfig(), vad)
    assert run(idle, fan(20.0)) == []
    assert idle.vad_frames <= 1.0 / 0.032 + 1  # its first second only
    first, second = sentence
    speech = np.concatenate([first, np.zeros(int(0.4 * RATE), np.float32), second]) * 0.15  # 5 dB under the fan
    audio = fan(16.0)
    audio[8 * RATE : 8 * RATE + speech.size] += speech
    spans = []
    for wake in (3.0, None):  # sleeping, and never sleeping
        clips = run(ActivityGate(RATE, GateConfig(vad_wake_db=wake), vad), audio)
        assert len(clips) == 1 and clips[0].speech_s > 1.5
        spans.append(span(clips[0]))
    (s_sleep, e_sleep), (s_awake, e_awake) = spans
    assert s_sleep < 8.0 and e_sleep > 8 + speech.size / RATE
    assert abs(s_sleep - s_awake) < 0.2 and abs(e_sleep - e_awake) < 0.2


@pytest.mark.parametrize("name", ["doorbell_chime.wav", "guitar_strum_g_chord.flac"])
def test_a_doorbell_or_a_guitar_is_kept_through_the_sound_path(vad, name):
    sound = sample(name)
    audio = room(4.0 + sound.size / RATE + 4.0)
    audio[4 * RATE : 4 * RATE + sound.size] += sound
    clips = run(ActivityGate(RATE, GateConfig(), vad), audio)
    assert len(clips) == 1
    start, end = span(clips[0])
    audible = np.flatnonzero(np.abs(sound) > 10 ** (-40 / 20))
    assert 3.6 <= start <= 4 + audible[0] / RATE
    assert end >= 4 + 1.0 and end - start >= GateConfig().min_s
    assert clips[0].speech_s == 0.0  # the detector did not call it speech


def test_a_doorbell_over_a_fan_is_kept_and_the_fan_is_not(vad):
    bell = sample("doorbell_chime.wav")
    audio = fan(16.0)
    audio[10 * RATE : 10 * RATE + bell.size] += bell
    clips = run(ActivityGate(RATE, GateConfig(), vad), audio)
    assert len(clips) == 1 and 9.5 <= span(clips[0])[0] <= 10.2


def test_a_doorbell_then_a_fan_switching_on_keeps_the_bell_not_the_fan(vad):
    bell = sample("doorbell_chime.wav")
    audio = room(16.0)
    audio[3 * RATE : 3 * RATE + bell.size] += bell
    audio[4 * RATE :] += fan(12.0)  # while the bell still rings
    clips = run(ActivityGate(RATE, GateConfig(), vad), audio)
    assert len(clips) == 1
    start, end = span(clips[0])
    assert 2.6 <= start <= 3.1 and end < 4 + GateConfig().steady_s + 0.5  # not the fan's 12 s


@pytest.fixture(scope="module")
def words():
    return [
        say(w)
        for w in (
            "apple",
            "river",
            "garden",
            "yellow",
            "window",
            "morning",
            "basket",
            "candle",
            "pencil",
            "summer",
            "kitchen",
            "orange",
            "button",
            "forest",
            "rocket",
            "silver",
        )
    ]


@pytest.mark.parametrize("use_vad", [True, False], ids=["vad", "energy only"])
def test_long_speech_is_cut_at_max_length_in_a_pause_never_mid_word(vad, words, use_vad):
    gap = int(0.3 * RATE)
    pieces, voiced = [room(1.0)], []
    at = RATE
    for w in words:
        pieces += [w, room(gap / RATE, seed=len(pieces))]
        voiced.append((at, at + w.size))
        at += w.size + gap
    pieces.append(room(3.0, 99))
    audio = np.concatenate(pieces)
    cfg = GateConfig(max_s=4.0)
    clips = run(ActivityGate(RATE, cfg, vad if use_vad else None), audio)
    assert len(clips) >= 3
    for a, b in pairwise(clips):
        cut = b.start_sample
        assert cut == a.start_sample + len(a.samples)  # contiguous: nothing lost at a cut
        assert not any(s <= cut < e for s, e in voiced), f"cut at {cut / RATE:.2f} s is inside a word"
        assert len(a.samples) <= cfg.max_s * RATE
    assert span(clips[0])[0] < voiced[0][0] / RATE and span(clips[-1])[1] > voiced[-1][1] / RATE


def test_a_short_utterance_is_kept_with_the_room_around_it(vad):
    yes = say("yes")
    assert yes.size < 0.6 * RATE
    audio = room(8.0)
    audio[3 * RATE : 3 * RATE + yes.size] += yes
    clips = run(ActivityGate(RATE, GateConfig(), vad), audio)
    assert len(clips) == 1
    start, end = span(clips[0])
    assert start < 3.0 and end > 3 + yes.size / RATE and end - start >= GateConfig().min_s


def test_a_cough_length_click_is_still_dropped(vad):
    audio = room(6.0)
    audio[2 * RATE : int(2.2 * RATE)] += 0.5
    gate = ActivityGate(RATE, GateConfig(), vad)
    assert run(gate, audio) == [] and gate.dropped_short == 1


# -- the whole capture, through PortAudio ---------------------------------------------------
CAPTURE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from augmem.capture.gate import GateConfig
    from augmem.capture.microphone import MicrophoneCapture

    out, device, vad_model = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    clips = []
    mic = MicrophoneCapture(out / "clips", out / "run", clips.append, device=device,
                            gate_config=GateConfig(vad_model=vad_model))
    state = mic.start()
    deadline = time.monotonic() + 60  # a guard against a hang, not a measurement
    while not clips and time.monotonic() < deadline:
        time.sleep(0.1)
    info = mic.info()
    mic.stop()
    print(json.dumps({"state": state, "info": info, "clips": [str(c) for c in clips]}))
    """
)


@pytest.mark.parametrize("weights", ["packaged", "missing"])
def test_capture_through_portaudio_gates_speech_with_or_without_the_detector(tmp_path, sentence, weights):
    from tests.daemon.proc import ROOT
    from tests.daemon.wavmic import DEVICE, WavMic

    first, second = sentence
    speech = np.concatenate([first, np.zeros(int(0.4 * RATE), np.float32), second])
    wav = tmp_path / "speech.wav"
    soundfile.write(wav, speech, RATE, subtype="FLOAT")
    model = "" if weights == "packaged" else str(tmp_path / "no-such-silero.onnx")
    with WavMic(tmp_path / "mic", wav, lead=2.0, gap=3.0) as mic:
        env = {**os.environ, **mic.env, "PYTHONPATH": str(ROOT)}
        r = subprocess.run(
            [sys.executable, "-c", CAPTURE, str(tmp_path), DEVICE, model],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(r.stdout)
    assert result["state"] == "listening" and result["clips"], result
    message = result["info"]["message"]  # what the capture state file (and `augmem status`) said
    if weights == "packaged":
        assert result["info"]["vad"].startswith("silero-vad (silero_vad.onnx")
        assert message == f"listening on {result['info']['device']}"
    else:
        note = "speech detection off: speech detector weights not found"
        assert result["info"]["vad"].startswith(note)
        assert note in message and message.endswith("gating by sound level only)")
        assert message.count("speech detection off") == 1
    clip, sr = soundfile.read(result["clips"][0], dtype="float32")
    assert sr == RATE
    # one clip holds the whole sentence (both halves), with little room around it
    assert speech.size / RATE < clip.size / RATE < speech.size / RATE + 2.0
