"""`augmem watch …`, `augmem daemon install` and the daemon commands that work without
a running daemon (CliRunner, real config files)."""

from __future__ import annotations

import plistlib
import tomllib

import pytest
from click.testing import CliRunner

from augmem.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


def test_watch_add_list_remove(runner, augmem_home, tmp_path):
    notes, photos = tmp_path / "notes", tmp_path / "photos"
    notes.mkdir()
    photos.mkdir()
    r = runner.invoke(cli, ["watch", "add", str(notes), "--kind", "notes"])
    assert r.exit_code == 0, r.output
    assert f"watching {notes} (notes)" in r.output and "daemon is not running" in r.output
    assert runner.invoke(cli, ["watch", "add", str(photos)]).exit_code == 0
    r = runner.invoke(cli, ["watch", "add", str(notes), "--kind", "auto"])
    assert r.output.startswith("updated")
    cfg = tomllib.loads((augmem_home / "config.toml").read_text())
    assert cfg["watch"] == [{"path": str(photos), "kind": "auto"}, {"path": str(notes), "kind": "auto"}]
    r = runner.invoke(cli, ["watch", "list"])
    assert f"{photos}  (auto)" in r.output and f"{notes}  (auto)" in r.output
    assert runner.invoke(cli, ["watch", "remove", str(photos)]).exit_code == 0
    r = runner.invoke(cli, ["watch", "remove", str(photos)])
    assert r.exit_code != 0 and "is not watched" in r.output
    r = runner.invoke(cli, ["watch", "add", str(tmp_path / "missing")])
    assert r.exit_code != 0 and "not a folder" in r.output
    assert tomllib.loads((augmem_home / "config.toml").read_text())["watch"] == [{"path": str(notes), "kind": "auto"}]


def test_install_writes_a_systemd_user_unit_with_augmem_home(runner, augmem_home, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    r = runner.invoke(cli, ["daemon", "install", "--system", "linux"])
    assert r.exit_code == 0, r.output
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / "augmem.service"
    text = unit.read_text()
    assert "-m augmem daemon run" in text
    assert f'Environment="AUGMEM_HOME={augmem_home.resolve()}"' in text
    assert "WantedBy=default.target" in text and "Restart=on-failure" in text
    assert "systemctl --user enable --now augmem.service" in r.output


def test_install_writes_a_launchd_agent_on_macos(runner, augmem_home, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    r = runner.invoke(cli, ["daemon", "install", "--system", "darwin"])
    assert r.exit_code == 0, r.output
    plist = tmp_path / "home" / "Library" / "LaunchAgents" / "org.augmem.daemon.plist"
    data = plistlib.loads(plist.read_bytes())
    assert data["ProgramArguments"][1:] == ["-m", "augmem", "daemon", "run", "--no-stderr-log"]
    assert data["EnvironmentVariables"]["AUGMEM_HOME"] == str(augmem_home.resolve())
    assert data["RunAtLoad"] is True
    assert "launchctl" in r.output


def test_install_print_only_writes_nothing(runner, augmem_home, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    r = runner.invoke(cli, ["daemon", "install", "--print", "--system", "linux"])
    assert "[Service]" in r.output and not (tmp_path / "home").exists()


def test_commands_without_a_daemon(runner, augmem_home):
    r = runner.invoke(cli, ["daemon", "status"])
    assert r.exit_code == 1 and "daemon     down" in r.output
    r = runner.invoke(cli, ["daemon", "stop"])
    assert r.exit_code == 0 and "no augmem daemon is running" in r.output
    r = runner.invoke(cli, ["daemon", "pause"])
    assert r.exit_code == 0 and "paused" in r.output
    r = runner.invoke(cli, ["daemon", "status"])
    assert "capture    paused" in r.output  # remembered for the next start
    assert runner.invoke(cli, ["daemon", "resume"]).exit_code == 0
    r = runner.invoke(cli, ["daemon", "reembed"])
    assert r.exit_code != 0 and "not running" in r.output
