"""A capture source from a plugin, in a real daemon: a loose plugin file registers a source
through `register_capture_sources`; the daemon starts it, the note it writes is captured
(watched, ingested under the source's name) and recallable, and the daemon stops it at
shutdown."""

from __future__ import annotations

import textwrap

from tests.daemon.proc import DaemonProcess, short_home, wait_for, write_config

PLUGIN = textwrap.dedent('''
    """Writes a note a moment after it starts, from its own thread, as a real capture would."""
    import threading
    from pathlib import Path

    from augmem import hookimpl


    class WhaleWatch:
        def __init__(self, settings, out_dir):
            self.out_dir = Path(out_dir)
            self.timer = threading.Timer(1.0, self.capture)

        def capture(self):
            tmp = self.out_dir / ".sighting.tmp"
            tmp.write_text("Log: a humpback whale breached twice beside the ferry at dawn.\\n")
            tmp.rename(self.out_dir / "sighting.md")

        def start(self):
            self.timer.start()

        def stop(self):
            self.timer.cancel()
            (self.out_dir.parent / "whales-stopped").write_text("stopped")


    @hookimpl
    def register_capture_sources(register, settings):
        register("whales", WhaleWatch)
''')


def test_a_plugin_capture_source_is_started_captured_and_stopped():
    home = short_home()
    plugins = home / "plugins"
    plugins.mkdir()
    (plugins / "whale_watch.py").write_text(PLUGIN)
    write_config(home, model="minilm", reconcile_minutes=60)
    d = DaemonProcess(home, AUGMEM_PLUGINS_DIR=str(plugins), AUGMEM_LOAD_PLUGINS="whale_watch")
    try:
        d.start()
        captured = home / "data" / "captures" / "whales" / "sighting.md"
        with d.client() as c:
            st = c.status()
            assert st.daemon.capture_sources["whales"].startswith("running")
            assert str(captured.parent) in st.daemon.watching

            def found():
                hits = c.recall("whale jumping out of the sea near a boat", limit=3).hits
                return [h for h in hits if h.path == str(captured)]

            (hit,) = wait_for(found, 120, what="the captured note to be recallable")
            assert hit.source == "whales" and "humpback" in hit.text
        assert d.terminate() == 0
        assert (home / "data" / "captures" / "whales-stopped").read_text() == "stopped"
    finally:
        d.cleanup()
