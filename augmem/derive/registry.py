"""augmem's own transcribers and the registry outside the app (tests, benches); in the app
they arrive through the `register_transcribers` hook (augmem.default_plugins.transcribers)."""

from __future__ import annotations

from pathlib import Path

from augmem.derive.base import TranscriberRegistry, TranscriberSpec, make_private
from augmem.errors import ArtifactError


def default_transcribers() -> list[TranscriberSpec]:
    """augmem's own transcribers: Whisper base (from the PyPI packages, offline) and the
    other Whisper sizes (downloaded by `augmem models pull`)."""
    from augmem.derive.whisper import whisper_specs

    return whisper_specs()


def default_registry() -> TranscriberRegistry:
    return TranscriberRegistry(default_transcribers())


def pull_transcriber(name: str, models_dir: Path, registry: TranscriberRegistry | None = None) -> Path:
    """Download the transcriber's folder into `<models_dir>/<artifact_folder>` with a
    progress bar (huggingface_hub.snapshot_download), owner-only. Needs the network."""
    from augmem.models.artifacts import pull

    spec = (registry or default_registry()).get(name)
    if not spec.hf_repo:
        raise ArtifactError(
            f"transcriber {spec.name!r} has no download source", hint="install the package that ships it"
        )
    models_dir.mkdir(parents=True, exist_ok=True)
    folder = pull(spec.name, spec.hf_repo, spec.artifact_folder, models_dir, folder=True)
    make_private(folder)
    return folder
