"""The socket API on a real Unix socket: owner-only permissions, the peer uid check,
JSON errors with hints, and a client that stays light."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from augmem.daemon import protocol
from augmem.daemon.client import DaemonClient, connect
from augmem.daemon.server import SocketServer
from augmem.errors import AugmemError, DaemonError, StoreError
from tests.daemon.proc import ROOT


def dispatch(req):
    op = req["op"]
    if op == "ping":
        return {"pid": os.getpid()}
    if op == "forget":
        raise StoreError("the store is read-only", hint="check the folder's permissions")
    if op == "timeline":
        raise RuntimeError("boom")
    return {"echo": req}


@pytest.fixture
def server():
    folder = Path(tempfile.mkdtemp(prefix="augs-", dir="/tmp"))
    srv = SocketServer(folder / "run" / "augmem.sock", dispatch)
    srv.start()
    yield srv
    srv.stop()
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def raw(path: Path, *lines: bytes) -> list[dict]:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(str(path))
        f = s.makefile("rb")
        out = []
        for line in lines:
            s.sendall(line)
            out.append(json.loads(f.readline()))
        return out


def test_socket_file_is_0600_in_a_0700_folder(server):
    assert stat.S_IMODE(server.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(server.path.parent.stat().st_mode) == 0o700


def test_requests_and_errors_are_one_json_line_each(server):
    ok, bad_json, unknown, refused, crashed, not_object = raw(
        server.path,
        b'{"op": "ping"}\n',
        b"{nope\n",
        b'{"op": "format-disk"}\n',
        b'{"op": "forget"}\n',
        b'{"op": "timeline"}\n',
        b"[1, 2]\n",
    )
    assert ok == {"ok": True, "result": {"pid": os.getpid()}}
    assert bad_json["ok"] is False and bad_json["error"].startswith("bad request")
    assert unknown["ok"] is False and "recall" in unknown["hint"]
    assert refused == {"ok": False, "error": "the store is read-only", "hint": "check the folder's permissions"}
    assert crashed["ok"] is False and "boom" in crashed["error"] and crashed["hint"] == "see the daemon log"
    assert not_object["ok"] is False


def test_client_raises_the_daemons_message_and_hint(server):
    with DaemonClient(server.path) as c:
        assert c.ping()["pid"] == os.getpid()
        with pytest.raises(AugmemError) as err:
            c.forget(paths=["/x"])
        assert err.value.message == "the store is read-only" and err.value.hint == "check the folder's permissions"


def test_connect_returns_none_without_a_daemon(tmp_path, augmem_home):
    from augmem.config import load_settings

    settings = load_settings()
    assert connect(settings) is None  # no socket file
    path = settings.paths.run_dir / "augmem.sock"
    path.parent.mkdir(parents=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))  # a stale socket file: nobody listens
    s.close()
    assert connect(settings) is None


def test_a_too_long_socket_path_is_a_clear_error(tmp_path):
    with pytest.raises(DaemonError) as err:
        SocketServer(tmp_path / ("x" * 120) / "augmem.sock", dispatch)
    assert "AUGMEM_HOME" in err.value.hint


def _ping_as_nobody(path: Path) -> dict:
    """Fork, become uid/gid 65534 ("nobody"), ping the socket, return the reply (or the error)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgid(65534)
            os.setuid(65534)
            reply = raw(path, b'{"op": "ping"}\n')[0]
            os.write(w, json.dumps(reply).encode())
        except BaseException as exc:
            os.write(w, json.dumps({"child_error": type(exc).__name__}).encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    with os.fdopen(r) as fh:
        return json.loads(fh.read())


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another uid (the 0600 mode test covers this)")
def test_a_connection_from_another_uid_is_refused(server):
    # as created: the file modes keep other users out
    assert _ping_as_nobody(server.path) == {"child_error": "PermissionError"}
    # opened up (0666 in 0755 folders), only the SO_PEERCRED check stands in the way
    os.chmod(server.path.parent.parent, 0o755)
    os.chmod(server.path.parent, 0o755)
    os.chmod(server.path, 0o666)
    reply = _ping_as_nobody(server.path)
    assert reply.get("ok") is False, reply
    assert "uid 65534" in reply["error"] and "refused" in reply["error"]
    assert raw(server.path, b'{"op": "ping"}\n')[0]["ok"] is True  # the owner still gets in


def test_peer_uid_of_a_real_socket_pair():
    a, b = socket.socketpair(socket.AF_UNIX)
    with a, b:
        assert protocol.peer_uid(a) == os.getuid()
        assert protocol.peer_allowed(a) == (True, "")
        allowed, why = protocol.peer_allowed(a, owner_uid=os.getuid() + 1)
        assert not allowed and f"uid {os.getuid()}" in why


def test_importing_the_client_stays_light():
    code = (
        "import sys, json; import augmem.daemon.client, augmem.backend;"
        "print(json.dumps(sorted(m for m in ('torch', 'numpy', 'lancedb', 'pyarrow', 'transformers',"
        " 'augmem.core', 'augmem.store', 'augmem.models') if m in sys.modules)))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []
