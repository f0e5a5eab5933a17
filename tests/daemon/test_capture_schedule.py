"""Capture you can schedule: quiet hours (validated, overnight spans) in which the microphone
is closed, a pause that ends by itself (`augmem daemon pause 30m`) and survives a restart, and
status words for all of it.

The clock is injected at the lowest layer (MicrophoneCapture's `now`); the sound card is the
one thing absent here, so an input stream object stands in for PortAudio's (it records whether
it is open). `tick()` is what the capture thread calls once a second: the tests call it
themselves, so nothing waits on real time. The daemon test at the end uses the real
WAV-backed PortAudio device.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from augmem.capture.gate import GateConfig
from augmem.capture.microphone import MicrophoneCapture
from augmem.capture.state import capture_info, write_capture_state
from augmem.errors import ConfigError
from augmem.humanize import capture_words
from augmem.schedule import QuietHours
from tests.daemon.proc import DaemonProcess, short_home, wait_for, write_config


def at(hhmm: str, day: int = 10) -> float:
    return datetime(2026, 3, day, int(hhmm[:2]), int(hhmm[3:])).timestamp()


class Clock:
    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


class Stream:
    """Stands in for sounddevice.InputStream (no sound card here): open or not, nothing more."""

    opened: list[Stream] = []

    def __init__(self, **kwargs):
        self.active = False
        Stream.opened.append(self)

    def start(self):
        self.active = True

    def stop(self):
        self.active = False

    def close(self):
        self.active = False


def mic(tmp_path, clock, quiet="") -> MicrophoneCapture:
    Stream.opened = []
    return MicrophoneCapture(
        tmp_path / "clips",
        tmp_path / "run",
        lambda p: None,
        stream_factory=Stream,
        gate_config=GateConfig(vad=False),
        quiet_hours=QuietHours.parse(quiet),
        now=clock,
    )


def listening(m: MicrophoneCapture) -> bool:
    return any(s.active for s in Stream.opened) and m.state == "listening"


def test_quiet_hours_are_parsed_and_checked():
    q = QuietHours.parse("22:00-07:00")
    assert q.until(at("23:30")) == at("07:00", day=11)
    assert q.until(at("06:59")) == at("07:00")
    assert q.until(at("07:00")) is None and q.until(at("21:59")) is None
    both = QuietHours.parse("12:30-13:30, 22:00-07:00")
    assert str(both) == "12:30-13:30, 22:00-07:00"
    assert both.until(at("13:00")) == at("13:30")
    assert QuietHours.parse("22:00-23:00,23:00-01:00").until(at("22:10")) == at("01:00", day=11)  # spans join
    assert not QuietHours.parse("")
    for bad, why in (
        ("25:00-07:00", "not a span of hours"),
        ("22:00", "not a span of hours"),
        ("07:00-07:00", "starts when it ends"),
        ("22-7", "not a span of hours"),
    ):
        with pytest.raises(ValueError, match=why):
            QuietHours.parse(bad)


def test_a_bad_quiet_hours_setting_is_a_one_line_config_error(augmem_home):
    from augmem.cli import cli
    from augmem.config import load_settings
    from tests.conftest import write_config as write_home_config

    write_home_config(augmem_home, mic_quiet_hours="22:00-31:00")
    with pytest.raises(ConfigError, match="bad value for 'mic_quiet_hours'"):
        load_settings()
    out = CliRunner().invoke(cli, ["status"])
    assert out.exit_code == 2 and "mic_quiet_hours" in out.output and "Traceback" not in out.output
    write_home_config(augmem_home, mic_quiet_hours="22:00 - 07:00")
    assert load_settings().mic_quiet_hours == "22:00-07:00"


def test_nothing_is_captured_in_quiet_hours(tmp_path):
    clock = Clock(at("21:59"))
    m = mic(tmp_path, clock, quiet="22:00-07:00")
    try:
        assert m.start() == "listening" and listening(m)
        clock.t = at("22:00")
        m.tick()
        assert m.state == "quiet" and not listening(m)  # the input device is closed: nothing can be heard
        info = m.info()
        assert info["quiet_until"] == at("07:00", day=11) and info["quiet_hours"] == "22:00-07:00"
        assert "quiet hours (22:00-07:00) until" in info["message"]
        assert json.loads((tmp_path / "run" / "capture.json").read_text())["state"] == "quiet"
        m.resume()  # resuming does not override the quiet hours
        assert m.state == "quiet" and not listening(m)
        clock.t = at("06:00", day=11)
        m.tick()
        assert not listening(m)
        clock.t = at("07:00", day=11)
        m.tick()
        assert listening(m)
    finally:
        m.stop()


def test_a_timed_pause_ends_by_itself_and_survives_a_restart(tmp_path):
    clock = Clock(at("14:00"))
    m = mic(tmp_path, clock)
    m.start()
    assert listening(m)
    info = m.pause(until=at("14:30"))
    assert info["state"] == "paused" and info["paused_until"] == at("14:30") and not listening(m)
    assert "paused until 14:30" in info["message"]
    m.stop()  # the daemon goes down at 14:10 ...
    clock.t = at("14:10")
    m = mic(tmp_path, clock)  # ... and comes back still paused
    assert m.start() == "paused" and not listening(m)
    clock.t = at("14:29")
    m.tick()
    assert not listening(m)
    clock.t = at("14:30")
    m.tick()
    assert listening(m)
    state = json.loads((tmp_path / "run" / "capture.json").read_text())
    assert state["paused"] is False and state["paused_until"] is None
    m.stop()


def test_a_plain_pause_lasts_until_resumed(tmp_path):
    clock = Clock(at("14:00"))
    m = mic(tmp_path, clock)
    m.start()
    m.pause()
    clock.t = at("14:00", day=20)
    m.tick()
    assert m.state == "paused" and not listening(m)
    assert m.resume()["state"] == "listening" and listening(m)
    m.stop()


def test_status_words_without_a_daemon(tmp_path):
    run = tmp_path / "run"
    now = at("14:00")
    write_capture_state(run, paused=True, paused_until=at("14:30"))
    cap = capture_info(run, now=now)
    assert cap.paused and capture_words(cap, now) == "paused until 14:30"
    assert capture_info(run, now=at("14:31")).paused is False  # it ran out: no longer paused
    write_capture_state(run, paused=False, paused_until=None, state="listening")
    cap = capture_info(run, QuietHours.parse("22:00-07:00"), now=at("23:00"))
    assert capture_words(cap, at("23:00")) == "quiet hours until tomorrow 07:00"


def test_daemon_pause_for_a_while_through_the_cli(augmem_home):
    from augmem.cli import cli

    out = CliRunner().invoke(cli, ["daemon", "pause", "30m"])
    assert out.exit_code == 0, out.output
    assert "capture paused until " in out.output and "it will start that way" in out.output
    out = CliRunner().invoke(cli, ["status"])
    assert "capture    off (no daemon) — paused until " in out.output
    out = CliRunner().invoke(cli, ["daemon", "pause", "soon"])
    assert out.exit_code == 2 and "cannot read 'soon' as a duration" in out.output
    out = CliRunner().invoke(cli, ["daemon", "resume"])
    assert out.exit_code == 0


@pytest.mark.slow
def test_the_daemon_keeps_quiet_hours_and_a_timed_pause_with_a_real_device():
    """A real daemon with the WAV-backed PortAudio device: quiet hours around now close the
    device and status says until when; a pause of a few seconds ends by itself."""
    from tests.daemon.wavmic import DEVICE, WavMic, speech_wav

    home = short_home()
    mic_dev = WavMic(home / "mic", speech_wav(home / "speech.wav"), lead=1.0, gap=2.0).start()
    now = datetime.now()
    start, end = (now.hour * 60 + now.minute - 60) % 1440, (now.hour * 60 + now.minute + 120) % 1440
    quiet = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    write_config(
        home, model="minilm", mic_enabled=True, mic_device=DEVICE, mic_min_clip_seconds=1.0, mic_quiet_hours=quiet
    )
    d = DaemonProcess(home, **mic_dev.env)
    try:
        d.start()
        with d.client() as c:
            cap = wait_for(lambda: c.capture().state == "quiet" and c.capture(), 60, what="quiet hours")
            assert cap.quiet_until and cap.quiet_hours == quiet
        r = d.cli("status", timeout=120)
        assert "capture    quiet hours until " in r.stdout, r.stdout + r.stderr
        assert not list((home / "data" / "clips").rglob("*.flac"))
        # no quiet hours: it listens; a pause of 3 s then ends by itself
        write_config(home, model="minilm", mic_enabled=True, mic_device=DEVICE, mic_min_clip_seconds=1.0)
        with d.client() as c:
            c.reload()
            wait_for(lambda: c.capture().state == "listening", 60, what="listening")
        r = d.cli("daemon", "pause", "3s", timeout=60)
        assert r.returncode == 0 and "capture    paused until " in r.stdout, r.stdout + r.stderr
        with d.client() as c:
            wait_for(lambda: c.capture().state == "listening", 60, what="the pause to end by itself")
        wait_for(lambda: list((home / "data" / "clips").rglob("*.flac")), 60, what="a clip after the pause")
        assert d.terminate() == 0
    finally:
        d.cleanup()
        mic_dev.stop()


def _feed(m: MicrophoneCapture, samples) -> None:
    """Play samples into the open stream the way PortAudio's callback thread would."""
    import numpy as np

    stream = next(s for s in Stream.opened if s.active)
    block = m.blocksize
    for i in range(0, len(samples) - block + 1, block):
        chunk = np.asarray(samples[i : i + block], dtype=np.float32)[:, None]
        m._callback(chunk, block, None, None)
    assert stream.active


def _speech_then_nothing(tmp_path, discard: bool) -> list:
    import numpy as np
    import soundfile
    from scipy.signal import resample_poly

    from tests.conftest import SAMPLES

    voice, sr = soundfile.read(SAMPLES / "audio" / "reminder_buy_milk_and_eggs.wav", dtype="float32")
    voice = voice.mean(axis=1) if voice.ndim > 1 else voice
    voice = resample_poly(voice, 32000, sr).astype(np.float32)
    room = (np.random.default_rng(0).standard_normal(48000) * 10 ** (-65 / 20)).astype(np.float32)
    m = mic(tmp_path, Clock(at("14:00")))
    m._gate_config.min_s = 1.0
    m.start()
    _feed(m, np.concatenate([room, voice[: 2 * 32000]]))  # a clip is being recorded ...
    if discard:
        m.discard_in_progress()  # ... when "forget the last 10 minutes" comes
    m.stop()  # stopping keeps a clip in progress (flushes it), unless it was forgotten
    return sorted((tmp_path / "clips").rglob("*.flac"))


def test_a_forget_reaching_now_drops_the_clip_being_recorded(tmp_path):
    assert len(_speech_then_nothing(tmp_path / "kept", discard=False)) == 1  # control: the clip lands
    assert _speech_then_nothing(tmp_path / "forgotten", discard=True) == []
