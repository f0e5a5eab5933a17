"""The `augmem` command's first step: `augmem recall …` answered by a running daemon before
click, augmem's records, its config or anything else is imported.

A recall through the daemon spent most of its 220-250 ms importing the command line (click
and augmem's records, config and client, ~140 ms on the project's 2-core machine; bench/cli.py)
to send one request and print the reply. Here the client sends its arguments instead: the
daemon parses them with the same click command, runs the recall in process and renders the
same text (`augmem.cli.remote`), and this process writes it out. Only os, sys, socket and json
are imported (`augmem --version` needs no more). Anything else (another command, `--help`,
`--like FILE`, bad arguments, no daemon, a daemon that declines or errs) runs the full command
line as before, so its messages and exit codes stay the full command line's own.
"""

from __future__ import annotations

import os
import sys

SOCKET = ("run", "augmem.sock")
"""The daemon's socket under the data folder (augmem.paths.Paths.run_dir, augmem.daemon.client)."""


def socket_path() -> str:
    """augmem.paths.get_paths().run_dir / augmem.sock, without importing pathlib or dataclasses,
    nor platformdirs on Linux and macOS (it imports pathlib, re and tempfile): the same folders
    it names there, spelled out (tests/daemon/test_cli_entry.py checks that the two agree)."""
    home = os.environ.get("AUGMEM_HOME")
    if home:
        data = os.path.join(os.path.realpath(os.path.expanduser(home)), "data")
    elif sys.platform == "linux":
        xdg = os.environ.get("XDG_DATA_HOME", "")
        data = os.path.join(xdg if xdg.strip() else os.path.expanduser("~/.local/share"), "augmem")
    elif sys.platform == "darwin":
        data = os.path.expanduser("~/Library/Application Support/augmem")
    else:
        import platformdirs

        data = platformdirs.user_data_dir("augmem")
    return os.path.join(data, *SOCKET)


def through_daemon(argv: list[str]) -> int | None:
    """Exit code of `augmem ARGV` answered by the daemon, its output written; None when the full
    command line must answer instead (never once the request reached the daemon, so a recall
    is not run twice: a daemon that then fails to answer gets the client's own message)."""
    if argv[:1] != ["recall"] or "--help" in argv or "--no-daemon" in argv:
        return None
    import json
    import socket

    path = socket_path()
    if not os.path.exists(path):
        return None
    request = {"op": "cli", "argv": argv, "color": [sys.stdout.isatty(), sys.stderr.isatty()]}
    # augmem.daemon.protocol's wire format: one JSON object per line each way
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.settimeout(2.0)
            s.connect(path)
            s.settimeout(300.0)  # the client's call_timeout (augmem.daemon.client)
            s.sendall(json.dumps(request).encode() + b"\n")
        except OSError:
            return None  # no daemon there, or it went: the full command line says what happened
        try:
            with s.makefile("rb") as f:
                reply = json.loads(f.readline() or b"null")
        except TimeoutError:
            return _failed(
                "the daemon did not answer 'recall' in time", "see `augmem daemon status` and the daemon log"
            )
        except (OSError, ValueError) as exc:
            return _failed(f"lost the connection to the daemon: {exc}", "restart it with `augmem daemon start`")
    result = reply.get("result") if isinstance(reply, dict) and reply.get("ok") else None
    if not isinstance(result, dict):
        return None  # declined (None), or refused (an older daemon without the op): the full command line
    try:
        sys.stderr.write(result.get("err", ""))
        sys.stdout.write(result.get("out", ""))
        sys.stdout.flush()
    except BrokenPipeError:  # `augmem recall … | head`: quiet, as click is
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return int(result.get("code", 0))


def _failed(message: str, hint: str) -> int:
    """The full command line's way of saying a daemon error (augmem.cli.Group.invoke): exit 2."""
    sys.stderr.write(f"error: {message}\n  hint: {hint}\n")
    return 2


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:  # click's version_option says it the same way
        from augmem import __version__

        print(f"augmem, version {__version__}")
        return
    code = through_daemon(argv)
    if code is not None:
        sys.exit(code)
    from augmem.cli import main as full

    full()
