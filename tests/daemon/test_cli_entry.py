"""`augmem recall …` sent whole to a running daemon (augmem.entry, augmem.cli.remote): the same
output and exit code as the full command line through the same daemon, without importing click
or augmem's records and config; everything else falls back to the full command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from augmem.entry import socket_path, through_daemon
from augmem.paths import get_paths
from tests.daemon.proc import ROOT, DaemonProcess, short_home, wait_for, write_config

NOTES = {
    "bread.md": "Baked sourdough bread on Sunday morning.",
    "dentist.md": "The dentist moved my appointment to Thursday.",
    "soup.md": "Lentil soup: cumin, garlic, lemon.",
    "bike.md": "Fixed the flat tyre on my bike.",
}
LIGHT = ("click", "augmem.records", "augmem.config", "augmem.cli", "augmem.daemon.client", "pathlib")
"""What the client of a daemon-answered recall must not import."""


@pytest.fixture(scope="module")
def daemon():
    home = short_home("auge-")
    notes = home / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text + "\n")
    write_config(home, model="minilm", watch=[{"path": str(notes), "kind": "notes"}])
    d = DaemonProcess(home)
    try:
        d.start()
        with d.client() as c:
            wait_for(lambda: c.status().counts.get("text", 0) >= len(NOTES), 300, what="the notes to be ingested")
        yield d
    finally:
        d.cleanup()


def run(d: DaemonProcess, entry: str, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`augmem ARGS` through `entry` ("augmem.entry" or the full "augmem.cli"), and which of LIGHT it imported."""
    code = (
        "import sys, json\n"
        f"sys.argv = ['augmem', *{list(args)!r}]\n"
        f"from {entry} import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    print('\\nIMPORTED=' + json.dumps([m for m in {LIGHT!r} if m in sys.modules]), file=sys.stderr)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], env=d.env, capture_output=True, text=True, cwd=str(ROOT), timeout=120
    )
    err, _, imported = r.stderr.rpartition("\nIMPORTED=")
    r.stderr = err
    return r, json.loads(imported)


@pytest.mark.parametrize(
    "args",
    [
        ("recall", "sourdough bread"),
        ("recall", "appointment", "--json"),
        ("recall", "food", "-m", "text", "--since", "1w", "-n", "2"),
        ("recall", "nothing", "-m", "audio"),
    ],
    ids=["table", "json", "filters", "no-hits"],
)
def test_a_recall_answered_whole_by_the_daemon_prints_what_the_full_command_line_prints(daemon, args):
    quick, imported = run(daemon, "augmem.entry", *args)
    full, full_imported = run(daemon, "augmem.cli", *args)
    assert quick.returncode == full.returncode == 0, quick.stderr + full.stderr
    assert quick.stdout == full.stdout and quick.stderr == full.stderr
    assert imported == [] and "click" in full_imported
    if "--json" in args:
        assert json.loads(quick.stdout)[0]["path"].endswith("dentist.md")
    elif args[1] == "sourdough bread":
        assert "bread.md" in quick.stdout.splitlines()[2]  # the best hit, under the table's header
    elif args[1] == "nothing":
        assert quick.stdout == "no memories found\n"


@pytest.mark.parametrize(
    "args",
    [
        ("recall", "x", "--since", "the day after never"),  # a bad value: click's message, exit 2
        ("recall",),  # nothing to recall by
        ("recall", "--help"),
        ("recall", "x", "-n", "0"),
        ("recall", "--like", "missing.png"),
    ],
    ids=["bad-since", "no-query", "help", "bad-limit", "like-missing"],
)
def test_what_the_daemon_does_not_answer_the_full_command_line_does(daemon, args):
    quick, imported = run(daemon, "augmem.entry", *args)
    full, _ = run(daemon, "augmem.cli", *args)
    assert (quick.returncode, quick.stdout, quick.stderr) == (full.returncode, full.stdout, full.stderr)
    assert "click" in imported  # answered by the full command line
    if args != ("recall", "--help"):
        assert quick.returncode == 2 and quick.stderr.strip()


def test_version_needs_no_click(daemon):
    quick, imported = run(daemon, "augmem.entry", "--version")
    full, _ = run(daemon, "augmem.cli", "--version")
    assert quick.stdout == full.stdout and quick.stdout.startswith("augmem, version ")
    assert imported == []


def test_the_socket_path_is_the_one_the_daemon_listens_on(monkeypatch, tmp_path):
    monkeypatch.setenv("AUGMEM_HOME", str(tmp_path / "a" / ".." / "home"))
    assert socket_path() == str(get_paths().run_dir / "augmem.sock")
    monkeypatch.delenv("AUGMEM_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "person"))
    for xdg in (str(tmp_path / "xdg"), "  ", None):
        if xdg is None:
            monkeypatch.delenv("XDG_DATA_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_DATA_HOME", xdg)
        assert socket_path() == str(get_paths().run_dir / "augmem.sock")
    # and finding it imports nothing beyond os and sys, with or without AUGMEM_HOME
    banned = (*LIGHT, "typing", "re")
    code = f"import sys, augmem.entry; augmem.entry.socket_path(); print([m for m in {banned!r} if m in sys.modules])"
    env = {k: v for k, v in os.environ.items() if k != "AUGMEM_HOME"}
    assert (
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=str(ROOT)).stdout
        == "[]\n"
    )


def test_no_daemon_or_a_dead_socket_means_the_full_command_line(monkeypatch, tmp_path):
    home = tmp_path / "home"
    monkeypatch.setenv("AUGMEM_HOME", str(home))
    assert through_daemon(["recall", "x"]) is None  # no socket file at all
    path = socket_path()
    os.makedirs(os.path.dirname(path))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)  # a socket file nobody listens on (a daemon killed with -9)
    s.close()
    assert through_daemon(["recall", "x"]) is None
    assert through_daemon(["status"]) is None and through_daemon(["recall", "x", "--no-daemon"]) is None


def test_the_daemon_renders_styles_as_the_full_command_line_does_and_drops_them_off_a_terminal(augmem_home):
    from click.testing import CliRunner

    from augmem.cli import cli
    from augmem.cli.remote import answer
    from augmem.core import Augmem
    from tests.conftest import SAMPLES
    from tests.conftest import write_config as write_home_config

    write_home_config(augmem_home, model="auto")  # no AIST-87M weights here: minilm, and a notice about it
    core = Augmem()
    photo = next((SAMPLES / "photos").iterdir())
    core.ingest([SAMPLES / "notes", photo])  # the photo waits for its own vector: recall says so
    try:
        styled = answer(core, ["recall", "lentil soup", "-n", "3"], (True, True))
        plain = answer(core, ["recall", "lentil soup", "-n", "3"], (False, False))
    finally:
        core.close()
    full = CliRunner().invoke(cli, ["recall", "lentil soup", "-n", "3", "--no-daemon"], color=True)
    assert full.exit_code == 0, full.output
    assert styled is not None and plain is not None
    assert (styled["out"], styled["err"]) == (full.stdout, full.stderr)
    assert "\x1b[" in styled["err"] and "\x1b[" not in plain["err"]  # the pending notice, yellow on a terminal
    assert plain["err"].strip() and plain["out"] == styled["out"] and "lentil" in plain["out"].lower()
