"""Switching the model artifact (two synthesized AIST-87M files with different hashes)
makes the running daemon re-embed every memory into the new space, in batches, with
progress in its status; recall meanwhile only ever answers from one space and says how
many memories are not migrated yet."""

from __future__ import annotations

import time

import pytest

from tests.daemon.proc import DaemonProcess, short_home, wait_for, write_config
from tests.daemon.wavmic import speech_wav

N_NOTES = 150


def _use(home, artifact, folder) -> str:
    """Point the config at `artifact`; returns that artifact's space."""
    from augmem.config import load_settings
    from augmem.core import Augmem
    from augmem.paths import Paths

    write_config(
        home, model="aist-87m", artifacts={"aist-87m": str(artifact)}, watch=[{"path": str(folder), "kind": "auto"}]
    )
    s = load_settings(Paths(config_dir=home, data_dir=home / "data", cache_dir=home / "cache"))
    return Augmem(s).active_space()


@pytest.mark.slow
def test_artifact_switch_migrates_everything_and_recall_never_mixes_spaces(aist_artifact, aist_artifact_b):
    home = short_home()
    folder = home / "memories"
    folder.mkdir()
    for i in range(N_NOTES):
        (folder / f"note{i:03d}.md").write_text(f"Garden diary {i}: planted {i % 9 + 1} rows of tomatoes and basil.\n")
    speech_wav(folder / "voice-memo.wav", "remember to water the tomatoes in the garden")
    space_b = _use(home, aist_artifact_b, folder)
    space_a = _use(home, aist_artifact, folder)  # leaves the config on artifact A
    assert space_a != space_b
    d = DaemonProcess(home)
    try:
        d.start()
        with d.client() as c:

            def settled_in(space):
                st = c.status()
                return (
                    st.space == space
                    and st.migration.left == 0
                    and sum(st.counts.values()) >= N_NOTES + 1
                    and [s.id for s in st.spaces] == [space]
                    and st
                )

            st = wait_for(lambda: settled_in(space_a), 300, interval=1.0, what="first ingest in space A")
            assert st.counts.get("audio", 0) >= 1 and st.counts["text"] == N_NOTES

            # switch the artifact: the daemon notices the config change on its own
            _use(home, aist_artifact_b, folder)
            seen_spaces, during, progress = [], [], []
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                r = c.recall("tomatoes in the garden", limit=50)
                assert r.space in (space_a, space_b)
                if not seen_spaces or seen_spaces[-1] != r.space:
                    seen_spaces.append(r.space)
                if r.space == space_b:
                    total = N_NOTES + 1
                    # only migrated memories can be hits by their own vectors; the rest are counted, never
                    # compared across spaces (a clip's transcript, embedded anew in this space, may come first)
                    own = [h for h in r.hits if h.facet not in ("transcript", "ocr")]
                    assert len(own) <= max(0, total - r.not_migrated) * 3  # a note is 1 chunk, a clip ≤ 3
                    if r.not_migrated:
                        during.append(r)
                    mig = c.status().migration
                    progress.append((mig.done, mig.total))
                    if r.not_migrated == 0 and settled_in(space_b):
                        break
                time.sleep(0.05)
            else:
                pytest.fail(f"migration did not finish: {progress[-5:]}")
            assert seen_spaces == [space_a, space_b] or seen_spaces == [space_b]  # switched once, never back
            assert during, "never saw recall while re-embedding was under way"
            dones = [p[0] for p in progress]
            assert dones == sorted(dones) and progress[-1][0] == progress[-1][1] == N_NOTES + 1
            st = c.status()
            assert [s.id for s in st.spaces] == [space_b]  # the old space is dropped once all is migrated
            assert st.counts["text"] == N_NOTES and st.counts.get("audio", 0) >= 1
            jobs = st.daemon.jobs
            assert jobs["migrate"].failures == 0
        assert d.terminate() == 0
        log = (d.run_dir / "daemon.log").read_text()
        assert "config changed: artifacts" in log and "re-embedding into" in log
    finally:
        d.cleanup()
