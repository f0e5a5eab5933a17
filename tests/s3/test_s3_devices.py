"""The S3 store beyond one process: a real daemon writing into the bucket, and two data
folders (two devices) sharing one bucket, each recalling what the other stored, with the
other device's media reported as such instead of failing to open."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from augmem.cli import cli
from augmem.config import load_settings
from augmem.core import Augmem
from augmem.mcp.content import photo_content
from augmem.paths import Paths
from augmem.records import Filters
from tests.conftest import SAMPLES, write_config
from tests.daemon.proc import DaemonProcess, short_home
from tests.s3.test_s3_store import NEEDLE, SECRET, occurrences
from tests.test_ingest_recall import make_notes


def paths_of(home: Path) -> Paths:
    return Paths(config_dir=home, data_dir=home / "data", cache_dir=home / "cache")


@pytest.mark.slow
def test_the_daemon_ingests_recalls_and_forgets_on_the_s3_store(s3, bucket, monkeypatch):
    home = short_home("augs3-")
    notes = make_notes(home / "notes")
    (notes / "secret.md").write_text(SECRET, encoding="utf-8")
    write_config(
        home, model="minilm", reconcile_minutes=600, store_uri=f"s3://{bucket}/augmem", store_options=s3.options()
    )
    daemon = DaemonProcess(home).start()
    try:
        monkeypatch.setenv("AUGMEM_HOME", str(home))
        runner = CliRunner()
        out = runner.invoke(cli, ["ingest", str(notes), "--json"], catch_exceptions=False)
        assert out.exit_code == 0, out.output
        assert "ingesting through it" in out.stderr  # the daemon did the writing
        assert json.loads(out.stdout)["added"] == 6
        assert occurrences(s3, bucket)

        out = runner.invoke(cli, ["recall", "where is the bank PIN", "--json", "-n", "1"], catch_exceptions=False)
        hit = json.loads(out.stdout)[0]
        assert hit["path"] == str(notes / "secret.md")
        with daemon.client() as client:
            st = client.status()
            assert st.daemon is not None and st.store_uri == f"s3://{bucket}/augmem"
            assert st.memories == 6

        out = runner.invoke(cli, ["forget", "--id", hit["id"], "--yes"], catch_exceptions=False)
        assert out.exit_code == 0, out.output
        assert occurrences(s3, bucket) == []
        assert daemon.terminate() == 0
    finally:
        daemon.cleanup()


def test_two_devices_share_one_bucket(s3, bucket, tmp_path, aist_artifact, monkeypatch):
    # AIST-87M (random image tower, real MiniLM text tower) so photos are memories too
    config = dict(
        model="aist-87m",
        artifacts={"aist-87m": str(aist_artifact)},
        store_uri=f"s3://{bucket}/augmem",
        store_options=s3.options(),
    )
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    for device in (laptop, phone):
        device.mkdir()
        write_config(device, **config)
    # the laptop has the notes and a photo; the phone has one note of its own
    make_notes(laptop / "notes")
    (laptop / "photos").mkdir()
    shutil.copy(SAMPLES / "photos" / "sunset_over_sea.jpg", laptop / "photos" / "sunset.jpg")
    (phone / "notes").mkdir()
    (phone / "notes" / "wifi.md").write_text("The guest wifi password is written on the fridge door.")

    a = Augmem(load_settings(paths_of(laptop)))
    assert a.ingest([laptop / "notes", laptop / "photos"]).added == 6
    b = Augmem(load_settings(paths_of(phone)))
    assert b.ingest([phone / "notes"]).added == 1

    # each device recalls what the other stored (one bucket, one store)
    assert a.recall("what is the wifi password", limit=1).hits[0].path == str(phone / "notes" / "wifi.md")
    assert b.recall("lentil soup recipe", limit=1).hits[0].path == str(laptop / "notes" / "soup.md")
    assert a.status().memories == b.status().memories == 7

    # on the phone, the laptop's files are not on this machine: previews say so instead of failing
    shutil.move(laptop, tmp_path / "laptop-elsewhere")
    photo = b.recall(None, filters=Filters(modalities=["image"])).hits[0]
    assert photo.path == str(laptop / "photos" / "sunset.jpg")
    shown = photo_content(photo)
    assert shown.image is None
    assert f"stored on another device: {photo.path} is not on this machine" in shown.text
    # and the phone's own reconcile of its folders leaves the laptop's memories alone
    assert b.ingest([phone / "notes"]).removed == 0
    assert b.status().memories == 7
    a.close()
    b.close()


def test_forgotten_on_one_device_is_gone_for_both(s3, bucket, tmp_path):
    config = dict(model="minilm", store_uri=f"s3://{bucket}/augmem", store_options=s3.options())
    one, two = tmp_path / "one", tmp_path / "two"
    for device in (one, two):
        device.mkdir()
        write_config(device, **config)
    notes = make_notes(one / "notes")
    (notes / "secret.md").write_text(SECRET, encoding="utf-8")
    a = Augmem(load_settings(paths_of(one)))
    a.ingest([notes])
    b = Augmem(load_settings(paths_of(two)))
    hit = b.recall("where is the bank PIN", limit=1).hits[0]
    assert hit.path == str(notes / "secret.md")
    assert b.forget(ids=[hit.id]) == 1
    assert occurrences(s3, bucket, NEEDLE) == []
    assert not any(h.path.endswith("secret.md") for h in a.recall("bank PIN teapot", limit=10).hits)
    a.close()
    b.close()
