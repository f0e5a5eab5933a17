"""Capture edge cases: no input device (the daemon keeps running and says why), and
retention of old microphone clips."""

from __future__ import annotations

import os
import time

import numpy as np
import soundfile

from tests.daemon.proc import DaemonProcess, short_home, wait_for, write_config


def test_no_input_device_is_reported_and_the_daemon_keeps_running():
    home = short_home()
    notes = home / "notes"
    notes.mkdir()
    write_config(
        home,
        model="minilm",
        watch=[{"path": str(notes), "kind": "notes"}],
        mic_enabled=True,
        mic_device="no-such-microphone",
    )
    d = DaemonProcess(home)
    try:
        d.start()
        with d.client() as c:
            cap = wait_for(lambda: c.status().capture, 30, what="capture state")
            assert cap.state == "unavailable"
            assert "no microphone" in cap.message and "no-such-microphone" in cap.message
            assert c.status().daemon.watching == {str(notes): "notes"}  # the rest runs
            assert c.pause().state == "paused" and c.resume().state == "unavailable"
        r = d.cli("daemon", "status", timeout=60)
        assert "capture    unavailable — no microphone" in r.stdout
        assert d.terminate() == 0
        log = (d.run_dir / "daemon.log").read_text()
        assert "microphone capture unavailable: no microphone" in log
    finally:
        d.cleanup()


def test_retention_deletes_and_forgets_old_clips(augmem_home):
    from augmem.config import load_settings
    from augmem.core import Augmem
    from augmem.daemon.runtime import Daemon
    from tests.conftest import write_config as write_home_config

    write_home_config(augmem_home, model="minilm", mic_retention_days=7.0)
    settings = load_settings()
    clips = settings.paths.clips_dir / "2020-01-01"
    clips.mkdir(parents=True)
    old, new = clips / "mic-old.flac", settings.paths.clips_dir / "mic-new.flac"
    for i, p in enumerate((old, new)):
        soundfile.write(p, np.random.default_rng(i).standard_normal(32000).astype("float32") * 0.1, 32000)
    week_ago = time.time() - 8 * 86400
    os.utime(old, (week_ago, week_ago))
    core = Augmem(settings)
    core.ingest([settings.paths.clips_dir], source="mic")  # pending rows (minilm does not embed audio)
    assert set(core.store.get_sources()) == {str(old), str(new)}
    d = Daemon(settings)
    result = d._do_retention([settings.mic_retention_days])
    assert result == {"deleted": 1, "forgotten": 1}
    assert not old.exists() and not clips.exists() and new.exists()
    assert set(d.core.store.get_sources()) == {str(new)}
