"""Models by name. Filled through the `register_models` hook, so the CLI, the daemon and
plugins all see the same list; building a model (and importing torch) happens only in
`load`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from augmem.errors import ArtifactError, UnknownModelError
from augmem.models.artifacts import ArtifactLocation, HashCache, locate

if TYPE_CHECKING:
    from augmem.config import Settings
    from augmem.models.base import Embedder


@dataclass(frozen=True)
class ModelOption:
    """One option a model's `load` accepts, set per model in the config."""

    help: str
    env: str = ""
    """An environment variable read when the config does not set the option (the way these
    were set before they were options); the config's value wins."""
    parse: Callable[[object], object] = str
    """Checks and normalises a value; raises ValueError saying what is wrong."""
    folder: bool = False
    """The value is a folder: `models use` refuses one that does not exist and saves it
    absolute. At run time a missing folder is the model's to report (TEG-421M still embeds
    photos and clips without its tokenizer)."""


def choice(*allowed: str) -> Callable[[object], str]:
    """An option parser accepting one of `allowed` (any case)."""

    def parse(value: object) -> str:
        v = str(value).strip().lower()
        if v not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return v

    return parse


def whole_number(value: object) -> int:
    """An option parser for a positive whole number."""
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ValueError("is not a whole number") from None
    if n < 1:
        raise ValueError("must be 1 or more")
    return n


def one_of_tiers(*tiers: int) -> Callable[[object], int]:
    """An option parser for one of a model's Matryoshka tiers."""

    def parse(value: object) -> int:
        n = whole_number(value)
        if n not in tiers:
            raise ValueError(f"is not one of the tiers {', '.join(map(str, tiers))}")
        return n

    return parse


def prompt_text(value: object) -> str:
    """An option parser for a prompt put before texts: kept verbatim (a trailing space is
    part of it); "none" or "off" means no prompt, as does an empty string in the config
    (on the command line `--opt KEY=` unsets the option, which brings the default back)."""
    text = str(value)
    return "" if text.strip().lower() in ("none", "off") else text


def folder_path(value: object) -> str:
    """An option parser for a folder: `~` expanded and made absolute (`models use` runs in
    the user's folder; a daemon, which reads the saved value, runs elsewhere)."""
    return str(Path(str(value)).expanduser().resolve())


@dataclass(frozen=True)
class ModelSpec:
    """What augmem knows about a model before loading it."""

    name: str
    modalities: tuple[str, ...]
    dim: int
    tiers: tuple[int, ...]
    storage_tiers: tuple[int, ...]
    description: str
    load: Callable[..., Embedder]
    """load(artifact_path, artifact_sha256, device, **options) -> Embedder; options are
    only passed when the user set some (see `options`)."""
    artifact_filename: str | None = None
    hf_repo: str | None = None
    size_bytes: int | None = None
    experimental: bool = False
    caveat: str = ""
    synth: Callable[..., None] | None = None
    """synth(out_path, **options): write a random-init artifact with the published layout."""
    find: Callable[[], Path | None] | None = None
    """For artifacts that ship inside a Python package: where that package put it."""
    aliases: tuple[str, ...] = field(default_factory=tuple)
    requires_gpu: bool = False
    artifact_is_folder: bool = False
    """The artifact is a folder (a whole Hub repository), not a single file."""
    options: Mapping[str, ModelOption] = field(default_factory=dict, hash=False)
    """Options `load` accepts, set per model in the config's `[model_options.NAME]` table
    or with `augmem models use NAME --opt KEY=VALUE`; an option's env variable overrides both."""
    variant: Callable[[Path, Mapping[str, object]], str] | None = None
    """variant(artifact_path, options) -> a suffix for the space id when options change the
    vectors themselves (aegis-embed at 6 layers: "@6L"), so such vectors get their own space."""
    candidate_tier: int | None = None
    """The tier two-stage recall gathers candidates from before re-ranking them on the full
    vector; None = the smallest stored tier. A `candidate_tier` model option overrides it
    (see `choose_candidate_tier`)."""


class _Named(Protocol):
    name: str
    aliases: tuple[str, ...]


S = TypeVar("S", bound=_Named)


class NamedSpecs(Generic[S]):
    """Specs by name and alias, any case: what the model and transcriber registries share."""

    kind = "model"
    """What the specs are, for the unknown-name message."""

    def __init__(self, specs: Iterable[S] = ()) -> None:
        self._specs: dict[str, S] = {}
        self._aliases: dict[str, str] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: S) -> None:
        self._specs[spec.name] = spec
        for alias in spec.aliases:
            self._aliases[alias.lower()] = spec.name

    def names(self) -> list[str]:
        return list(self._specs)

    def specs(self) -> list[S]:
        return list(self._specs.values())

    def get(self, name: str) -> S:
        key = self._aliases.get(name.lower(), name.lower())
        for spec_name, spec in self._specs.items():
            if spec_name.lower() == key:
                return spec
        raise UnknownModelError(
            f"unknown {self.kind} {name!r}", hint=f"known {self.kind}s: " + (", ".join(self._specs) or "(none)")
        )


class ModelRegistry(NamedSpecs[ModelSpec]):
    @classmethod
    def from_plugins(cls, pm) -> ModelRegistry:
        reg = cls()
        pm.hook.register_models(register=reg.register)
        return reg

    def locate(self, spec: ModelSpec, settings: Settings) -> ArtifactLocation:
        """Where this model's artifact is: config path, models folder, HF cache, or a package."""
        if spec.find is not None and not settings.artifacts.get(spec.name):
            p = spec.find()
            return ArtifactLocation(p, "package" if p else "missing", ("python package",))
        return locate(
            spec.name,
            spec.artifact_filename or f"{spec.name}.safetensors",
            settings.artifacts.get(spec.name),
            settings.paths.models_dir,
            spec.hf_repo,
            folder=spec.artifact_is_folder,
        )

    def active_name(self, settings: Settings) -> str:
        """The configured model; "auto" = aist-87m when its artifact is present, else minilm."""
        if settings.model != "auto":
            return self.get(settings.model).name
        try:
            if self.locate(self.get("aist-87m"), settings).present:
                return "aist-87m"
        except (UnknownModelError, ArtifactError):
            pass
        return "minilm"

    def load(self, name: str, settings: Settings, device: str | None = None) -> Embedder:
        spec = self.get(name)
        where = self.locate(spec, settings)
        if not where.present:
            raise ArtifactError(
                f"no artifact for model {spec.name!r} (looked in: {'; '.join(where.looked)})",
                hint=(
                    f"`augmem models pull {spec.name}` on a machine with internet, copy the file into "
                    f"{settings.paths.models_dir}, or `augmem models use {spec.name} --artifact FILE`"
                ),
            )
        sha = self.artifact_sha256(spec, where.path, settings)
        options = self.options(spec, settings)
        return spec.load(where.path, sha, resolve_device(device or settings.device), **options)

    def options(self, spec: ModelSpec, settings: Settings, env: bool = True) -> dict[str, object]:
        """The model's options: the config's `[model_options.NAME]`, else each option's
        environment variable, checked and normalised. Unknown or bad ones are refused."""
        configured = dict(settings.model_options.get(spec.name, {}))
        unknown = sorted(set(configured) - set(spec.options))
        if unknown:
            known = ", ".join(spec.options) or "none"
            raise ArtifactError(
                f"{spec.name} has no option {unknown[0]!r} (config: [model_options.{spec.name}])",
                hint=f"its options: {known}; remove it with `augmem models use {spec.name} --opt {unknown[0]}=`",
            )
        out = {}
        for key, opt in spec.options.items():
            value, origin = configured.get(key), f"[model_options.{spec.name}] in the config"
            fix = f"change it with `augmem models use {spec.name} --opt {key}=VALUE`"
            if value is None and env and opt.env and os.environ.get(opt.env, "").strip():
                value, origin, fix = os.environ[opt.env].strip(), f"${opt.env}", f"unset ${opt.env} or fix it"
            if value is None:
                continue
            try:
                out[key] = opt.parse(value)
            except ValueError as exc:
                raise ArtifactError(
                    f"{spec.name}: option {key} = {value!r} ({origin}) {exc}", hint=f"{key}: {opt.help}; {fix}"
                ) from exc
        return out

    def candidate_tier(self, spec: ModelSpec, settings: Settings, stored_tiers) -> int | None:
        """The tier recall should gather candidates from, or None for one full-vector search
        (see `choose_candidate_tier`), from the spec and its configured `candidate_tier`."""
        return choose_candidate_tier(spec, self.options(spec, settings), stored_tiers)

    def space(self, spec: ModelSpec, path: Path, settings: Settings) -> str:
        """The embedding space id `name[variant]:sha256` for this artifact and the configured options."""
        sha = self.artifact_sha256(spec, path, settings)
        suffix = spec.variant(path, self.options(spec, settings)) if spec.variant else ""
        return f"{spec.name}{suffix}:{sha}"

    def artifact_sha256(self, spec: ModelSpec, path: Path, settings: Settings) -> str:
        """The artifact's sha256 (cached by path, size, mtime), checked against a pin if set."""
        sha = HashCache(settings.paths.hash_cache_file).sha256(path)
        pinned = settings.artifact_sha256.get(spec.name)
        if pinned and pinned.lower() != sha:
            raise ArtifactError(
                f"{path}: sha256 {sha[:16]}… does not match the pinned {pinned[:16]}… for {spec.name!r}",
                hint=f"the file changed or is not the release you pinned; re-download it, or re-pin with "
                f"`augmem models use {spec.name} --artifact FILE --sha256 NEW`",
            )
        return sha


def choose_candidate_tier(spec: ModelSpec, options: Mapping[str, object], stored_tiers) -> int | None:
    """Which stored tier two-stage recall gathers candidates from; None = no first stage
    (search the full vector directly).

    Wanted: the `candidate_tier` option, else the spec's `candidate_tier`, else the smallest
    stored tier (what recall did before models could say). Only a stored tier can be
    searched, so a wanted tier that is not stored becomes the smallest stored tier at least
    as large (never a coarser one than asked for). A tier as large as the largest stored one
    means a single full-vector search."""
    stored = sorted({int(t) for t in stored_tiers})
    if not stored:
        return None
    wanted = options.get("candidate_tier") or spec.candidate_tier or stored[0]
    tier = next((t for t in stored if t >= int(wanted)), stored[-1])
    return None if tier >= stored[-1] else tier


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"
