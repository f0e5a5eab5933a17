"""`augmem daemon …` and `augmem watch …`: run, start, stop, inspect and install the
background daemon; choose the folders it watches. Only click is imported up front."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from augmem.records import CaptureInfo, DaemonInfo, Status


def _settings():
    from augmem.config import load_settings

    return load_settings()


@click.group()
def daemon():
    """The background daemon: watchers, microphone capture, scheduled jobs, socket API."""


@daemon.command()
@click.option(
    "--stderr-log/--no-stderr-log",
    default=True,
    show_default=True,
    help="Also write the log to stderr (the log file is always written).",
)
@click.option("--debug", is_flag=True, help="Log debug messages too.")
def run(stderr_log, debug):
    """Run the daemon in the foreground until SIGTERM or Ctrl-C."""
    import logging

    from augmem.daemon.runtime import Daemon, configure_logging

    settings = _settings()
    level = logging.DEBUG if debug else logging.INFO
    from augmem.cli.remote import answer

    code = Daemon(settings, command_line=answer).run(
        lambda: configure_logging(settings.paths.run_dir, stderr=stderr_log, level=level)
    )
    raise SystemExit(code)


@daemon.command()
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for the socket to answer.")
def start(timeout):
    """Start the daemon in the background (detached) and print its pid."""
    from augmem.daemon import service

    settings = _settings()
    pid = service.start(settings, timeout=timeout)
    click.echo(f"augmem daemon started (pid {pid}) for {settings.paths.data_dir}")
    click.echo(f"log: {service.log_path(settings)}")


@daemon.command()
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for a clean exit.")
@click.option("--force", is_flag=True, help="SIGKILL it if it has not stopped by then.")
def stop(timeout, force):
    """Stop the daemon (SIGTERM; it finishes the write in progress)."""
    from augmem.daemon import service

    settings = _settings()
    pid = service.stop(settings, timeout=timeout, force=force)
    if pid is None:
        click.echo(f"no augmem daemon is running for {settings.paths.data_dir}")
    else:
        click.echo(f"augmem daemon (pid {pid}) stopped")


@daemon.command()
@click.option("--json", "as_json", is_flag=True, help="Print the full status as JSON.")
def status(as_json):
    """Is the daemon up, what is it watching, capturing and re-embedding."""
    from augmem import codec
    from augmem.capture.state import capture_info
    from augmem.daemon.client import connect, daemon_pid

    settings = _settings()
    client = connect(settings, timeout=2.0)
    if client is None:
        pid = daemon_pid(settings)
        cap = capture_info(settings.paths.run_dir)
        if as_json:
            click.echo(json.dumps({"daemon": {"up": False, "pid": pid}, "capture": codec.to_json(cap)}, indent=2))
        elif pid:
            click.echo(f"daemon     starting or busy (pid {pid}); its socket does not answer yet")
        else:
            click.echo(f"daemon     down for {settings.paths.data_dir} (start it with `augmem daemon start`)")
            if cap.paused or cap.quiet_until:
                from augmem.humanize import capture_words

                click.echo(f"capture    {capture_words(cap)} (the daemon starts that way)")
        raise SystemExit(0 if pid else 1)
    with client:
        st = client.status()
    if as_json:
        click.echo(json.dumps(codec.to_json(st), indent=2))
        return
    _print_status(st)


def _print_status(st: Status) -> None:
    from augmem.humanize import capture_words, duration, relative_time

    d = st.daemon or DaemonInfo(up=False)
    click.echo(f"daemon     up (pid {d.pid}) for {duration(d.uptime_s or 0)}  data {d.data_dir}")
    click.echo(f"socket     {d.socket}")
    click.echo(f"log        {d.log}")
    if st.error:
        click.secho(f"core       {st.error}", fg="red")
    if d.model_error:
        click.secho(f"model      {d.model_error}", fg="red")
    elif st.model:
        click.echo(f"model      {st.model} ({st.artifact_sha256[:12]}…)")
    if d.watching:
        for i, (path, kind) in enumerate(sorted(d.watching.items())):
            click.echo(f"{'watching' if i == 0 else '':<10} {path} ({kind})")
    else:
        click.echo("watching   nothing (add folders with `augmem watch add PATH`)")
    for path, why in d.watch_errors.items():
        click.secho(f"           {path}: {why}", fg="yellow")
    cap = st.capture or CaptureInfo()
    line = f"capture    {capture_words(cap)}"
    if cap.clips:
        line += f" ({cap.clips} clips this run)"
    click.echo(line)
    mig = st.migration
    if mig and mig.total and (mig.left or mig.active):
        click.echo(f"re-embed   {mig.done}/{mig.total}  {mig.rate:.1f}/s  ETA {duration(mig.eta_s)}")
    click.echo("memories   " + (", ".join(f"{n} {m}" for m, n in sorted(st.counts.items())) or "none yet"))
    click.echo(f"queue      {d.queue} waiting" + (f", working on {d.working_on}" if d.working_on else ""))
    rec = d.last_reconcile
    if rec:
        click.echo(
            f"reconcile  {relative_time(rec.at)}: {rec.added} added, {rec.updated} updated,"
            f" {rec.removed} removed, {rec.rejected} rejected ({rec.seconds} s)"
        )
    for name, job in sorted(d.jobs.items()):
        if job.last_error:
            click.secho(f"job        {name}: last run failed: {job.last_error}", fg="yellow")


@daemon.command()
@click.argument("how_long", required=False, metavar="[DURATION | HH:MM]")
def pause(how_long):
    """Pause microphone capture: `pause` until you resume, `pause 30m` for a while, `pause 14:30`
    until then (it resumes by itself; a pause survives restarts)."""
    until = None
    if how_long:
        until = _pause_until(how_long)
    _capture("pause", until)


def _pause_until(text: str) -> float:
    """When a pause of `text` ("30m", "1h30m", or a time of day "14:30": the next one) ends."""
    import re
    from datetime import datetime, timedelta

    from augmem.timeparse import parse_duration

    now = time.time()
    m = re.fullmatch(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*", text)
    if m:
        at = datetime.fromtimestamp(now).replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0)
        if at.timestamp() <= now:
            at += timedelta(days=1)
        return at.timestamp()
    try:
        return now + parse_duration(text)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (or a time of day such as 14:30)", param_hint="DURATION") from None


@daemon.command()
def resume():
    """Resume microphone capture."""
    _capture("resume")


def _capture(op: str, until: float | None = None) -> None:
    from augmem.backend import open_backend
    from augmem.core import Augmem
    from augmem.humanize import capture_words

    backend = open_backend(_settings())
    info = backend.pause(until=until) if op == "pause" else backend.resume()
    if isinstance(backend, Augmem):
        what = capture_words(info) if op == "pause" else "resumed"
        click.echo(f"capture {what} (the daemon is not running; it will start that way)")
        return
    click.echo(f"capture    {capture_words(info)}")


@daemon.command()
def reembed():
    """Re-embed memories into the active model's space now (it also runs on its own)."""
    from augmem.daemon.client import connect
    from augmem.errors import DaemonError

    client = connect(_settings(), timeout=2.0)
    if client is None:
        raise DaemonError("the daemon is not running", hint="`augmem daemon start` (re-embedding runs in it)")
    with client:
        mig = client.reembed()
    if mig.left:
        click.echo(f"re-embedding: {mig.done}/{mig.total} done, {mig.left} to go (progress: `augmem daemon status`)")
    else:
        click.echo(f"nothing to re-embed: all {mig.total} memories are in the active space")


@daemon.command()
@click.option("--print", "print_only", is_flag=True, help="Print the unit instead of writing it.")
@click.option(
    "--system", type=click.Choice(["linux", "darwin"]), help="Write the file for this OS (default: this one)."
)
def install(print_only, system):
    """Write a systemd user unit (Linux) or launchd agent (macOS) that runs the daemon at login."""
    from augmem.daemon import service

    settings = _settings()
    if print_only:
        sf = service.service_file(settings, system)
        click.echo(sf.text, nl=False)
        return
    sf = service.install(settings, system)
    click.echo(f"wrote {sf.path}")
    click.echo("enable it with:")
    for cmd in sf.enable:
        click.echo(f"  {cmd}")


@daemon.command()
@click.option("--lines", "-n", default=30, show_default=True)
def log(lines):
    """Show the end of the daemon's log."""
    from collections import deque

    from augmem.daemon import service

    path = service.log_path(_settings())
    if not path.exists():
        click.echo(f"no log yet at {path}")
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in deque(fh, maxlen=lines):
            click.echo(line.rstrip("\n"))


# -- watch ---------------------------------------------------------------------------------------
@click.group()
def watch():
    """Folders the daemon watches (new and changed files become memories)."""


@watch.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["notes", "photos", "audio", "auto"]),
    default="auto",
    show_default=True,
    help="What the folder holds (auto: by file type).",
)
def watch_add(path, kind):
    """Watch a folder."""
    from augmem.config import Watch, save_settings
    from augmem.errors import ConfigError

    settings = _settings()
    p = path.expanduser().resolve()
    if not p.is_dir():
        raise ConfigError(f"{p}: not a folder", hint="watch a folder (it is searched recursively)")
    items = [w for w in settings.watch if Path(w.path).expanduser().resolve() != p]
    existed = len(items) != len(settings.watch)
    items.append(Watch(path=str(p), kind=kind))
    save_settings(settings, watch=items)
    click.echo(f"{'updated' if existed else 'watching'} {p} ({kind})")
    _tell_daemon(settings, f"run `augmem ingest {p}` now, or start the daemon: `augmem daemon start`")


@watch.command("remove")
@click.argument("path", type=click.Path(path_type=Path))
def watch_remove(path):
    """Stop watching a folder (its memories stay; `augmem forget` removes them)."""
    from augmem.config import save_settings
    from augmem.errors import ConfigError

    settings = _settings()
    p = path.expanduser().resolve()
    items = [w for w in settings.watch if Path(w.path).expanduser().resolve() != p]
    if len(items) == len(settings.watch):
        known = ", ".join(w.path for w in settings.watch) or "(none)"
        raise ConfigError(f"{p} is not watched", hint=f"watched folders: {known}")
    save_settings(settings, watch=items)
    click.echo(f"no longer watching {p}")
    _tell_daemon(settings, None)


@watch.command("list")
@click.option("--json", "as_json", is_flag=True)
def watch_list(as_json):
    """List watched folders."""
    settings = _settings()
    if as_json:
        click.echo(
            json.dumps(
                [{"path": w.path, "kind": w.kind, "exists": Path(w.path).is_dir()} for w in settings.watch], indent=2
            )
        )
        return
    if not settings.watch:
        click.echo("no watched folders (add one with `augmem watch add PATH`)")
        return
    for w in settings.watch:
        missing = "" if Path(w.path).expanduser().is_dir() else "  (missing)"
        click.echo(f"{w.path}  ({w.kind}){missing}")


def _tell_daemon(settings, hint_if_down: str | None) -> None:
    from augmem.daemon.client import connect

    client = connect(settings, timeout=2.0)
    if client is None:
        if hint_if_down:
            click.echo(f"the daemon is not running: {hint_if_down}")
        return
    t0 = time.monotonic()
    with client:
        client.reload()
    click.echo(f"the daemon picked it up ({time.monotonic() - t0:.1f} s)")
