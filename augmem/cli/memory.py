"""The memory commands: ingest, recall, status, forget, config, demo."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from augmem.cli.output import table
from augmem.humanize import KIND_NAMES, capture_words, duration, human_size, relative_time, short_path, snippet
from augmem.records import Filters, IngestReport, RecallResult, Status

MODALITY_NAMES = {
    "text": "text",
    "note": "text",
    "notes": "text",
    "image": "image",
    "photo": "image",
    "photos": "image",
    "audio": "audio",
    "clip": "audio",
    "sound": "audio",
}


def _settings():
    from augmem.config import load_settings

    return load_settings()


def _progress_bar(label: str):
    """A tqdm bar on stderr, updated by the core's progress callback."""
    from tqdm import tqdm

    bar = {"t": None}

    def update(done: int, total: int, item: str) -> None:
        if bar["t"] is None:
            bar["t"] = tqdm(
                total=total, desc=label, unit="file", file=sys.stderr, leave=False, disable=not sys.stderr.isatty()
            )
        bar["t"].n = done
        bar["t"].set_postfix_str(Path(item).name[:30], refresh=True)

    def close() -> None:
        if bar["t"] is not None:
            bar["t"].close()

    return update, close


def print_report(report: IngestReport, as_json: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    click.echo(
        f"added {report.added}, updated {report.updated}, skipped {report.skipped} (unchanged), "
        f"pending {report.pending}, removed {report.removed}, rejected {len(report.rejected)}"
        f" — {report.memories} memories embedded"
        + (
            f"; {report.transcribed} recordings transcribed, {report.read} photos read for text"
            if report.transcribed or report.read
            else ""
        )
    )
    for path, reason in report.rejected:
        click.echo(f"  rejected {short_path(path, 60)}: {reason}")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", help="Source name to record (default: notes / photos / audio by file type).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--force", is_flag=True, help="Re-embed even unchanged files.")
def ingest(paths, source, as_json, force):
    """Add files or folders (recursively) to your memory."""
    from augmem.backend import open_backend
    from augmem.core import Augmem

    backend = open_backend(_settings())
    if not isinstance(backend, Augmem):  # one writer per store: let the running daemon do it
        click.echo("the daemon is running: ingesting through it", err=True)
        print_report(backend.ingest([str(p) for p in paths], source=source, force=force), as_json)
        return
    if backend.notice():
        click.secho(backend.notice(), fg="yellow", err=True)
    update, close = _progress_bar("ingest")
    try:
        report = backend.ingest(paths, source=source, progress=update, force=force)
    finally:
        close()
    print_report(report, as_json)


def parse_filters(modality, source, since, until) -> Filters:
    from augmem.timeparse import parse_span

    mods = None
    if modality:
        try:
            mods = sorted({MODALITY_NAMES[m.lower()] for m in modality})
        except KeyError as exc:
            raise click.BadParameter(
                f"unknown modality {exc.args[0]!r} (text, image, audio)", param_hint="--modality"
            ) from None
    try:
        t0, t1 = parse_span(since, until)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return Filters(modalities=mods, sources=list(source) or None, since=t0, until=t1)


def print_hits(result: RecallResult, as_json: bool) -> None:
    out, err = render_hits(result, as_json)
    click.echo(err, err=True, nl=False)
    click.echo(out, nl=False)


def render_hits(result: RecallResult, as_json: bool) -> tuple[str, str]:
    """What recall prints: (stdout, stderr), styled (click.echo drops the styles off a terminal).
    The daemon renders with this too when it answers a command line (augmem.cli.remote)."""
    if as_json:
        return json.dumps([h.to_json() for h in result.hits], indent=2, ensure_ascii=False) + "\n", ""
    err = ""
    if result.notice:
        err += click.style(result.notice, fg="yellow") + "\n"
    if result.not_migrated:
        err += (
            click.style(
                f"{result.not_migrated} memories are still being re-embedded for the active model "
                "and are not searched yet.",
                fg="yellow",
            )
            + "\n"
        )
    if not result.hits:
        return "no memories found\n", err
    rows = []
    for i, h in enumerate(result.hits, 1):
        what = snippet(h.text) if h.modality == "text" else Path(h.path).name
        if h.modality == "audio" and h.chunk_start:
            what += f" @{h.chunk_start / 1000:.0f}s"  # a later clip of a long recording
        derived = h.transcript or h.ocr_text  # what the clip says, what the photo shows in writing
        if derived:
            what += ": " + snippet(f"“{derived}”", 48)
        rows.append(
            [
                str(i),
                KIND_NAMES.get(h.modality, h.modality),
                relative_time(h.captured_at),
                short_path(h.path, 36),
                f"{h.score:.3f}",
                what,
            ]
        )
    return table(rows, ["#", "kind", "when", "where", "score", "snippet"]) + "\n", err


def recall_request(query, like, modality, source, since, until) -> tuple[str | None, Filters]:
    """(query text, filters) of recall's arguments; a usage error when there is nothing to recall by."""
    text = " ".join(query).strip() or None
    if not text and not like:
        raise click.UsageError('give a query, e.g. augmem recall "dog barking at park", or --like FILE')
    return text, parse_filters(modality, source, since, until)


@click.command()
@click.argument("query", nargs=-1)
@click.option(
    "--like",
    "like",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Query by example: find memories like this file.",
)
@click.option("--modality", "-m", multiple=True, help="text, image or audio (repeatable).")
@click.option("--source", "-s", multiple=True, help="Only memories from this source (repeatable).")
@click.option("--since", help="Only memories captured after this: 2d, 1w, 3h, today, 2026-05-01.")
@click.option("--until", help="Only memories captured before this (same forms as --since).")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--instruct", help="An instruction for instruction-aware models (e.g. ALM2Vec-FT).")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.option("--no-daemon", is_flag=True, help="Answer in this process even if the daemon is up.")
def recall(query, like, modality, source, since, until, limit, instruct, as_json, no_daemon):
    """Recall memories by describing them, across notes, photos and audio."""
    from augmem.backend import open_backend

    text, filters = recall_request(query, like, modality, source, since, until)
    backend = open_backend(_settings(), use_daemon=not no_daemon)
    result = backend.recall(text, like=str(like) if like else None, filters=filters, limit=limit, instruction=instruct)
    print_hits(result, as_json)


@click.command()
@click.option("--json", "as_json", is_flag=True)
def status(as_json):
    """What is in your memory, which model is active, and what the daemon is doing."""
    from augmem import codec
    from augmem.backend import open_backend

    st = open_backend(_settings()).status()
    if as_json:
        click.echo(json.dumps(codec.to_json(st), indent=2))
        return
    print_status(st)


def print_status(st: Status) -> None:
    """`augmem status` as text (the same record whether the daemon or this process answered)."""
    if st.error:  # the daemon answered, but could not read the store or the model
        click.secho(f"error      {st.error}", fg="red")
    if st.notice:
        click.secho(st.notice, fg="yellow")
    if st.model:
        name, _, sha = (st.space or f"{st.model}:—").partition(":")
        click.echo(f"model      {st.model} ({st.model_setting})  artifact {st.artifact or 'missing'}")
        click.echo(f"space      {name}:{sha[:16]}…  tiers {', '.join(map(str, st.tiers))}")
        click.echo(f"store      {st.store_uri}  ({human_size(st.store_bytes)})")
        click.echo("memories   " + (", ".join(f"{n} {m}" for m, n in sorted(st.counts.items())) or "none yet"))
        click.echo(f"pending    {st.pending} (the active model cannot embed them)   rejected {st.rejected}")
        for label, d, what, found in (
            ("transcripts", st.transcripts, "recordings", "with speech"),
            ("photo text", st.ocr, "photos", "with text"),
        ):
            if d is not None and not (d.done or d.waiting) and d.error:
                click.echo(f"{label:<12} {d.error}")  # off, or no engine and nothing to do
            elif d is not None and (d.done or d.waiting):
                line = f"{label:<12} {d.done} of {d.done + d.waiting} {what} ({d.found} {found})"
                if d.waiting:
                    line += f", {d.waiting} waiting" + (f" ({d.rate:.1f}/s)" if d.active else "")
                click.echo(line)
                if d.error:
                    click.secho(f"{'':<12} {d.error}", fg="yellow")
        if len(st.spaces) > 1 or st.not_migrated:
            click.echo(f"migration  {st.migrated} done, {st.not_migrated} to re-embed")
            for space in st.spaces:
                click.echo(f"           {space.model}:{space.sha256[:12]}  {space.rows} memories")
    d = st.daemon
    cap = st.capture
    if d is not None:
        click.echo(f"daemon     up (pid {d.pid})")
        if d.resident is not None:
            r = d.resident
            click.echo(
                f"recall     {r.state}: {r.rows:,} rows in memory ({human_size(r.bytes)})"
                + (f", loaded in {r.load_seconds:.1f} s" if r.load_seconds is not None else "")
            )
        if cap:
            click.echo(f"capture    {capture_words(cap)}")
        mig = st.migration
        if mig and mig.left:
            click.echo(f"re-embed   {mig.done}/{mig.total}  {mig.rate:.1f}/s  ETA {duration(mig.eta_s)}")
    else:
        click.echo("daemon     down (start it with `augmem daemon start`)")
        if cap and (cap.paused or cap.quiet_until):
            click.echo(f"capture    off (no daemon) — {capture_words(cap)} when it starts")
        elif cap and cap.state != "off":
            click.echo(f"capture    off — last state {cap.state}")


@click.command()
@click.argument("targets", nargs=-1)
@click.option("--id", "ids", multiple=True, help="Forget the memory with this id.")
@click.option("--path", "paths", multiple=True, type=click.Path(path_type=Path), help="Forget memories of this file.")
@click.option("--query", help="Forget what this query recalls (asks first).")
@click.option("--limit", "-n", default=5, show_default=True, help="How many query results to consider.")
@click.option("--since", help="Forget what was captured since then: 10m, 2h, today, 14:30, 2026-05-01 14:30.")
@click.option("--until", help="… and before then (same forms; with --since, or alone).")
@click.option(
    "--between",
    nargs=2,
    metavar="START END",
    help="Forget what was captured between two times (--between 09:00 10:30).",
)
@click.option("--modality", "-m", multiple=True, help="Only text, image or audio memories (repeatable).")
@click.option("--source", "-s", multiple=True, help="Only memories from this source, e.g. mic (repeatable).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def forget(targets, ids, paths, query, limit, since, until, between, modality, source, yes):
    """Forget memories (by id, path, query, or a stretch of time) and purge them from disk.

    `augmem forget --since 10m` forgets the last ten minutes; microphone clips augmem recorded
    are deleted from disk, your own files are only forgotten (they stay where they are)."""
    from augmem.backend import open_backend

    by_filters = bool(since or until or between or modality or source)
    if by_filters and (targets or ids or paths or query):
        raise click.UsageError(
            "forget either by id / --path / --query, or by --since / --until / --between / "
            "-m / --source, not both at once"
        )
    if between and (since or until):
        raise click.UsageError("give --between START END, or --since / --until, not both")
    if between:
        since, until = between
    filters = parse_filters(modality, source, since, until) if by_filters else None
    backend = open_backend(_settings())
    if filters is not None:
        _forget_by_filters(backend, filters, yes)
        return
    ids = list(ids)
    paths = [str(p.expanduser().absolute()) for p in paths]
    for t in targets:  # bare arguments: an existing path, else an id
        (paths if Path(t).exists() else ids).append(str(Path(t).absolute()) if Path(t).exists() else t)
    if query:
        hits = backend.recall(query, limit=limit).hits
        if not hits:
            click.echo("nothing matches")
            return
        click.echo(
            table(
                [
                    [str(i), KIND_NAMES.get(h.modality, h.modality), short_path(h.path, 50), f"{h.score:.3f}"]
                    for i, h in enumerate(hits, 1)
                ],
                ["#", "kind", "where", "score"],
            )
        )
        ids.extend(h.id for h in hits)
    if not ids and not paths:
        raise click.UsageError("say what to forget: an id, --path FILE, --query TEXT, or --since 10m")
    if not yes and not click.confirm(f"Forget {len(ids) + len(paths)} item(s) for good?", default=False):
        click.echo("nothing forgotten")
        return
    n = backend.forget(ids=ids, paths=paths)
    click.echo(f"forgot {n} memor{'y' if n == 1 else 'ies'} and purged them from the store")


_PLURALS = {"text": ("note", "notes"), "image": ("photo", "photos"), "audio": ("recording", "recordings")}


def _forget_by_filters(backend, filters: Filters, yes: bool) -> None:
    """Show what a stretch of time (and the other filters) takes, ask, forget."""
    from augmem.humanize import stretch

    plan = backend.forget_plan(filters, examples=5)
    what = stretch(filters.since, filters.until)
    scope = ", ".join(filter(None, [", ".join(filters.modalities or []), ", ".join(filters.sources or [])]))
    where = f"{what}" + (f" ({scope})" if scope else "")
    if not plan.count:
        click.echo(f"nothing was captured {where}: nothing to forget")
        return
    kinds = ", ".join(f"{n} {_PLURALS.get(m, (m, m))[n != 1]}" for m, n in sorted(plan.by_modality.items()))
    click.echo(f"{plan.count} memor{'y' if plan.count == 1 else 'ies'} captured {where}: {kinds}")
    rows = [
        [
            KIND_NAMES.get(e.modality, e.modality or "?"),
            relative_time(e.captured_at) if e.captured_at else "?",
            short_path(e.path, 56),
            "deleted from disk" if e.deletes_file else "forgotten; the file stays",
        ]
        for e in plan.examples
    ]
    click.echo(table(rows, ["kind", "when", "where", "what happens"]))
    if plan.count > len(plan.examples):
        click.echo(f"… and {plan.count - len(plan.examples)} more")
    if plan.deletes:
        kept = plan.count - plan.deletes
        click.echo(
            f"{plan.deletes} recorded by augmem (microphone clips) are deleted from disk"
            + (f"; {kept} of your own files stay on disk, forgotten" if kept else "")
        )
    if not yes and not click.confirm(f"Forget {'it' if plan.count == 1 else 'them'} for good?", default=False):
        click.echo("nothing forgotten")
        return
    n = backend.forget(filters=filters)
    click.echo(f"forgot {n} memor{'y' if n == 1 else 'ies'} and purged them from the store")


@click.command()
@click.option("--json", "as_json", is_flag=True)
def config(as_json):
    """Show the effective settings and where each value came from."""
    s = _settings()
    items = s.public_items()
    if as_json:
        click.echo(json.dumps({k: {"value": v, "from": o} for k, v, o in items}, indent=2, default=str))
        return
    click.echo(f"config file: {s.paths.config_file}{'' if s.paths.config_file.exists() else ' (not created yet)'}")
    click.echo(f"data dir:    {s.paths.data_dir}")
    click.echo(
        table(
            [[k, json.dumps(v, default=str) if not isinstance(v, str) else v, o] for k, v, o in items],
            ["setting", "value", "from"],
        )
    )
    _print_object_storage(s)


def _print_object_storage(s) -> None:
    """What the store will be opened with when it is in object storage: the config's
    [store_options], the AWS_* variables it falls back to, augmem's defaults (secrets hidden)."""
    from augmem.store import objectstore

    uri = s.effective_store_uri
    if not objectstore.is_object_store(uri):
        return
    opts = objectstore.resolve_with_origins(uri, s.store_options)
    click.echo(f"\nobject storage ({uri}):")
    rows = [[k, "***" if k in objectstore.SECRETS and v else v, o] for k, (v, o) in sorted(opts.items())]
    click.echo(table(rows, ["option", "value", "from"]))


DEMO_QUERIES = (
    "dog barking at park",
    "what do I pack for the beach",
    "soup recipe",
    "sunset over the sea",
    "doorbell ringing",
    "meeting moved to thursday",
)


def samples_dir() -> Path:
    """The bundled sample memories: in the wheel (augmem/_samples) or the source tree (assets/)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_samples", here.parent / "assets" / "samples"):
        if candidate.is_dir():
            return candidate
    from augmem.errors import AugmemError

    raise AugmemError("the bundled sample memories are missing", hint="reinstall augmem")


@click.command()
@click.option("--query", "queries", multiple=True, help="Queries to run (default: a few examples).")
@click.option("--limit", "-n", default=3, show_default=True)
def demo(queries, limit):
    """Ingest the bundled sample memories and recall from them."""
    from dataclasses import replace

    from augmem.core import Augmem

    settings = _settings()
    # the demo keeps its own store, so it never mixes samples into your memories
    settings = replace(settings, store_uri=str(settings.paths.data_dir / "demo-store"))
    settings._origins = {}
    aug = Augmem(settings)
    folder = samples_dir()
    click.echo(f"augmem demo: ingesting the sample memories in {folder}")
    click.echo(f"model: {aug.active_model}  store: {settings.store_uri}")
    if aug.notice():
        click.secho(aug.notice(), fg="yellow")
    update, close = _progress_bar("ingest")
    try:
        # the demo's store holds this copy of augmem's samples only: ones ingested from another
        # checkout (moved, deleted or a second clone) answered every query once more each
        inside = str(folder.absolute()) + os.sep
        stale = [p for p in aug.store.get_sources() if not p.startswith(inside)]
        if stale:
            aug.store.delete(paths=stale)
        kinds = [folder / k for k in ("notes", "photos", "audio") if (folder / k).is_dir()]
        report = aug.ingest(kinds or [folder], progress=update)
    finally:
        close()
    print_report(report)
    for q in queries or DEMO_QUERIES:
        click.echo(f'\n$ augmem recall "{q}"')
        result = aug.recall(q, limit=limit)
        result.notice = ""
        print_hits(result, False)
