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
    """augmem.paths.get_paths().run_dir / augmem.sock, without importing pathlib or dataclasses
    (tests/test_cli_entry.py checks that the two agree)."""
    home = os.environ.get("AUGMEM_HOME")
    if home:
        data = os.path.join(os.path.realpath(os.path.expanduser(home)), "data")
    else:
        import platformdirs

        data = platformdirs.user_data_dir("augmem")
    return os.path.join(data, *SOCKET)


def through_daemon(argv: list[str]) -> int | None:
    """Exit code of `augmem ARGV` answered by the daemon, its output written; None when the full
    command line must answer instead."""
    if argv[:1] != ["recall"] or "--help" in argv or "--no-daemon" in argv:
        return None
    import json
    import socket

    path = socket_path()
    if not os.path.exists(path):
        return None
    request = {"op": "cli", "argv": argv, "color": [sys.stdout.isatty(), sys.stderr.isatty()]}
    # augmem.daemon.protocol's wire format: one JSON object per line each way
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2.0)
            s.connect(path)
            s.settimeout(300.0)  # the client's call_timeout (augmem.daemon.client)
            s.sendall(json.dumps(request).encode() + b"\n")
            with s.makefile("rb") as f:
                reply = json.loads(f.readline() or b"null")
    except (OSError, ValueError):
        return None  # no daemon there, or it went: the full command line says what happened
    result = reply.get("result") if isinstance(reply, dict) and reply.get("ok") else None
    if not isinstance(result, dict):
        return None
    sys.stderr.write(result.get("err", ""))
    sys.stdout.write(result.get("out", ""))
    return int(result.get("code", 0))


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:  # click's version_option says it the same way
        from augmem import __version__

        print(f"augmem, version {__version__}")
        return
    code = through_daemon(argv)
    if code is not None:
        sys.stdout.flush()
        sys.exit(code)
    from augmem.cli import main as full

    full()
