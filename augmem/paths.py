"""Where augmem keeps things. `AUGMEM_HOME` relocates all of it (tests use it too)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def clips_dir(self) -> Path:
        """Microphone clips land here (temp file + rename) before anything else."""
        return self.data_dir / "clips"

    @property
    def notes_dir(self) -> Path:
        """Notes augmem writes itself (an assistant's `remember`), ingested like any other note."""
        return self.data_dir / "notes"

    @property
    def run_dir(self) -> Path:
        """Daemon lock, socket, state and logs."""
        return self.data_dir / "run"

    @property
    def hash_cache_file(self) -> Path:
        return self.cache_dir / "artifact-hashes.json"


def get_paths() -> Paths:
    """The effective locations: `AUGMEM_HOME` if set, else the platform's usual dirs."""
    home = os.environ.get("AUGMEM_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(config_dir=root, data_dir=root / "data", cache_dir=root / "cache")
    import platformdirs

    return Paths(
        config_dir=Path(platformdirs.user_config_dir("augmem")),
        data_dir=Path(platformdirs.user_data_dir("augmem")),
        cache_dir=Path(platformdirs.user_cache_dir("augmem")),
    )
