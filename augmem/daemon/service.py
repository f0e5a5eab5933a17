"""Start, stop and install the daemon as a service (no heavy imports: the CLI uses this).

`start` spawns `python -m augmem daemon run` in its own session (setsid), detached from
the terminal, and waits until its socket answers; `stop` sends SIGTERM to the pid in
the lock file and waits for the lock to be released; `install` writes a systemd user
unit (Linux) or a launchd agent (macOS) and says how to enable it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from augmem.config import Settings
from augmem.daemon.client import connect
from augmem.daemon.lock import is_locked, running_pid
from augmem.errors import DaemonError
from augmem.private import open_private, private_dir

LAUNCHD_LABEL = "org.augmem.daemon"
SYSTEMD_UNIT = "augmem.service"


def lock_path(settings: Settings) -> Path:
    return settings.paths.run_dir / "daemon.lock"


def log_path(settings: Settings) -> Path:
    return settings.paths.run_dir / "daemon.log"


def start(settings: Settings, *, timeout: float = 120.0, extra_env: dict[str, str] | None = None) -> int:
    """Spawn a detached daemon and wait until it answers; returns its pid."""
    pid = running_pid(lock_path(settings))
    if pid:
        raise DaemonError(
            f"the augmem daemon is already running (pid {pid}) for {settings.paths.data_dir}",
            hint="`augmem daemon status`, or `augmem daemon stop` first",
        )
    run_dir = settings.paths.run_dir
    private_dir(run_dir)
    os.chmod(run_dir, 0o700)
    out = open_private(run_dir / "daemon.out", "ab")  # crashes before logging is set up land here
    env = {**os.environ, **(extra_env or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "augmem", "daemon", "run", "--no-stderr-log"],
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=out,
        env=env,
        cwd="/",
        start_new_session=True,
        close_fds=True,
    )
    out.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            raise DaemonError(
                f"the daemon exited during startup (code {code}): {_last_lines(run_dir)}",
                hint=f"see {log_path(settings)}",
            )
        client = connect(settings, timeout=1.0)
        if client is not None:
            client.close()
            return proc.pid
        time.sleep(0.1)
    raise DaemonError(
        f"the daemon (pid {proc.pid}) did not answer within {timeout:.0f} s",
        hint=f"it may still be starting; see {log_path(settings)}",
    )


def stop(settings: Settings, *, timeout: float = 60.0, force: bool = False) -> int | None:
    """SIGTERM the daemon and wait for it to release the lock; returns its pid (None if none ran)."""
    lock = lock_path(settings)
    pid = running_pid(lock)
    if not pid:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_locked(lock):
            return pid
        time.sleep(0.1)
    if force:
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if not is_locked(lock):
                return pid
            time.sleep(0.1)
    raise DaemonError(
        f"the daemon (pid {pid}) did not stop within {timeout:.0f} s",
        hint="it finishes the write in progress first; try again, or `augmem daemon stop --force`",
    )


def _package_root() -> str:
    """The folder that holds the running `augmem` package (the child must import the same one)."""
    import augmem

    return str(Path(augmem.__file__).resolve().parent.parent)


def _last_lines(run_dir: Path, n: int = 3) -> str:
    for name in ("daemon.out", "daemon.log"):
        try:
            lines = [ln for ln in (run_dir / name).read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            continue
        if lines:
            return " | ".join(lines[-n:])
    return "(no output)"


# -- service files -----------------------------------------------------------------------------
@dataclass
class ServiceFile:
    path: Path
    text: str
    enable: list[str]
    """Commands the user runs to enable it (augmem never runs them)."""


def service_file(settings: Settings, system: str | None = None, python: str | None = None) -> ServiceFile:
    """The unit/agent for this platform ("linux" -> systemd user unit, "darwin" -> launchd agent)."""
    system = system or sys.platform
    python = python or sys.executable
    env = {"PYTHONUNBUFFERED": "1"}
    if os.environ.get("AUGMEM_HOME"):
        env["AUGMEM_HOME"] = str(Path(os.environ["AUGMEM_HOME"]).expanduser().resolve())
    for key in ("PYTHONPATH", "ALSA_CONFIG_PATH"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    root = _package_root()
    if "site-packages" not in root and "dist-packages" not in root:  # a source checkout
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    home = Path.home()
    if system.startswith("linux"):
        env_lines = "\n".join(f'Environment="{k}={_systemd_escape(v)}"' for k, v in env.items())
        text = (
            "[Unit]\n"
            "Description=augmem background daemon (local personal memory)\n"
            "Documentation=augmem daemon --help\n\n"
            "[Service]\n"
            "Type=simple\n"
            f"ExecStart={_systemd_quote(python)} -m augmem daemon run --no-stderr-log\n"
            f"{env_lines}\n"
            "Restart=on-failure\n"
            "RestartSec=5\n"
            "TimeoutStopSec=120\n"
            "KillSignal=SIGTERM\n"
            "UMask=0077\n\n"  # what it writes is owner-only (the daemon sets this itself too)
            "[Install]\n"
            "WantedBy=default.target\n"
        )
        path = home / ".config" / "systemd" / "user" / SYSTEMD_UNIT
        return ServiceFile(
            path, text, ["systemctl --user daemon-reload", f"systemctl --user enable --now {SYSTEMD_UNIT}"]
        )
    if system == "darwin":
        from xml.sax.saxutils import escape

        args = "".join(
            f"    <string>{escape(a)}</string>\n" for a in (python, "-m", "augmem", "daemon", "run", "--no-stderr-log")
        )
        envs = "".join(f"    <key>{escape(k)}</key>\n    <string>{escape(v)}</string>\n" for k, v in env.items())
        log = escape(str(settings.paths.run_dir / "daemon.out"))
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
            '<plist version="1.0">\n<dict>\n'
            f"  <key>Label</key>\n  <string>{LAUNCHD_LABEL}</string>\n"
            f"  <key>ProgramArguments</key>\n  <array>\n{args}  </array>\n"
            f"  <key>EnvironmentVariables</key>\n  <dict>\n{envs}  </dict>\n"
            "  <key>RunAtLoad</key>\n  <true/>\n"
            "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n"
            "  <key>ProcessType</key>\n  <string>Background</string>\n"
            "  <key>Umask</key>\n  <integer>63</integer>\n"  # 0o077: what it writes is owner-only
            f"  <key>StandardOutPath</key>\n  <string>{log}</string>\n"
            f"  <key>StandardErrorPath</key>\n  <string>{log}</string>\n"
            "</dict>\n</plist>\n"
        )
        path = home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
        return ServiceFile(
            path, text, [f"launchctl bootstrap gui/$(id -u) {path}", f"(older macOS: launchctl load -w {path})"]
        )
    raise DaemonError(
        f"no service manager support for {system!r}",
        hint="run `augmem daemon start` from your session's startup instead",
    )


def install(settings: Settings, system: str | None = None) -> ServiceFile:
    sf = service_file(settings, system)
    sf.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = sf.path.with_name(f".{sf.path.name}.tmp")
    tmp.write_text(sf.text, encoding="utf-8")
    os.replace(tmp, sf.path)
    return sf


def _systemd_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")


def _systemd_quote(value: str) -> str:
    return f'"{_systemd_escape(value)}"' if any(c in value for c in ' "\\') else value.replace("%", "%%")
