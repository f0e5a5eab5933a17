"""Model artifacts on disk: finding them, hashing them once, and loading them strictly."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from augmem.errors import ArtifactError
from augmem.private import private_dir, tighten_tree, write_private

if TYPE_CHECKING:
    import torch

_CHUNK = 8 * 1024 * 1024


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def signature(path: Path) -> tuple[int, int]:
    """(size, mtime_ns) of an artifact file, or for a folder artifact a signature of every
    file's name, size and mtime: stats only, cheap enough to check on every use."""
    if path.is_dir():
        return _tree_signature(path)
    st = path.stat()
    return st.st_size, st.st_mtime_ns


class HashCache:
    """sha256 of artifact files, computed once per (path, size, mtime) and kept in a JSON file."""

    def __init__(self, file: Path):
        self.file = file
        try:
            self._data: dict[str, dict] = json.loads(file.read_text())
        except (OSError, ValueError):
            self._data = {}

    def sha256(self, path: Path) -> str:
        path = Path(path).resolve()
        size, mtime = signature(path)
        key = str(path)
        entry = self._data.get(key)
        if entry and entry["size"] == size and entry["mtime_ns"] == mtime:
            return entry["sha256"]
        digest = sha256_tree(path) if path.is_dir() else sha256_file(path)
        self._data[key] = {"size": size, "mtime_ns": mtime, "sha256": digest}
        try:
            private_dir(self.file.parent)
            tmp = self.file.with_suffix(f".{os.getpid()}.tmp")
            write_private(tmp, json.dumps(self._data, indent=1))
            os.replace(tmp, self.file)
        except OSError:
            pass  # a read-only cache dir costs a re-hash next time, nothing more
        return digest


def _tree_files(folder: Path) -> list[Path]:
    return [
        p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]


def _tree_signature(folder: Path) -> tuple[int, int]:
    """(total size, a hash of every file's name, size and mtime) — cheap: stats, no reads."""
    h = hashlib.sha256()
    total = 0
    for p in _tree_files(folder):
        st = p.stat()
        total += st.st_size
        h.update(f"{p.relative_to(folder)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return total, int.from_bytes(h.digest()[:7], "big")


def sha256_tree(folder: Path) -> str:
    """A folder artifact's identity: sha256 over its files' relative paths and contents."""
    h = hashlib.sha256()
    for p in _tree_files(folder):
        h.update(str(p.relative_to(folder)).encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class ArtifactLocation:
    path: Path | None
    origin: str
    """"config", "models folder", "hugging face cache", "package", or "missing"."""
    looked: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        return self.path is not None


def locate(
    name: str,
    filename: str,
    explicit: str | None,
    models_dir: Path,
    hf_repo: str | None,
    folder: bool = False,
) -> ArtifactLocation:
    """Resolution order: explicit path in config, local models folder, Hugging Face cache.
    A `folder` artifact is a whole Hub repository (its cached snapshot), not one file in it."""
    looked = []
    if explicit:
        p = Path(explicit).expanduser()
        if not p.exists():
            raise ArtifactError(
                f"the artifact configured for {name!r} does not exist: {p}",
                hint=f"fix it with `augmem models use {name} --artifact FILE`",
            )
        return ArtifactLocation(p.resolve(), "config", (str(p),))
    for candidate in (models_dir / filename, models_dir / name / filename):
        looked.append(str(candidate))
        if candidate.exists():
            return ArtifactLocation(candidate.resolve(), "models folder", tuple(looked))
    if hf_repo:
        looked.append(f"hugging face cache: {hf_repo}" + ("" if folder else f"/{filename}"))
        hit = _cached_snapshot(hf_repo) if folder else _cached_file(hf_repo, filename)
        if hit is not None:
            # a snapshot folder is kept as is (its files are links into the cache's blobs)
            return ArtifactLocation(hit if folder else hit.resolve(), "hugging face cache", tuple(looked))
    return ArtifactLocation(None, "missing", tuple(looked))


def _cached_file(hf_repo: str, filename: str) -> Path | None:
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(repo_id=hf_repo, filename=filename)
    except Exception:  # a broken cache is "not there", never a crash
        return None
    return Path(hit) if isinstance(hit, str) and Path(hit).exists() else None


WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt")


def _cached_snapshot(hf_repo: str) -> Path | None:
    """The cached snapshot of `hf_repo` at its main ref, never touching the network; only
    a snapshot that holds weights counts (a config fetched on its own leaves a partial one)."""
    try:
        from huggingface_hub import snapshot_download

        hit = Path(snapshot_download(repo_id=hf_repo, local_files_only=True))
    except Exception:  # not cached (LocalEntryNotFoundError) or a broken cache: "not there"
        return None
    if not hit.is_dir():
        return None
    indexes = list(hit.rglob("*.index.json"))
    if indexes:  # sharded weights: one index (safetensors or bin) with every listed shard there
        return hit if any(_index_complete(i) for i in indexes) else None
    return hit if any(p.name.endswith(WEIGHT_SUFFIXES) and p.exists() for p in hit.rglob("*")) else None


def _index_complete(index: Path) -> bool:
    try:
        shards = set(json.loads(index.read_text())["weight_map"].values())
    except (OSError, ValueError, KeyError, AttributeError):
        return False
    return bool(shards) and all((index.parent / s).exists() for s in shards)


def pull(name: str, hf_repo: str, filename: str, models_dir: Path, folder: bool = False) -> Path:
    """Download an artifact into the models folder with a progress bar (huggingface_hub):
    one file, or for a `folder` artifact the whole repository into models_dir/filename."""
    target = models_dir / filename if folder else models_dir
    by_hand = (
        f"hf download {hf_repo} --local-dir {target}"
        if folder
        else f"hf download {hf_repo} {filename} --local-dir {models_dir}"
    )
    if os.environ.get("HF_HUB_OFFLINE") in ("1", "true", "True"):
        raise ArtifactError(
            f"cannot download {name!r}: HF_HUB_OFFLINE is set",
            hint=f"on a machine with internet: `{by_hand}`; or `augmem models use {name} --artifact PATH`",
        )
    try:
        from huggingface_hub import hf_hub_download, snapshot_download

        private_dir(models_dir)
        if folder:
            got = snapshot_download(repo_id=hf_repo, local_dir=target)
        else:
            got = hf_hub_download(repo_id=hf_repo, filename=filename, local_dir=models_dir)
    except Exception as exc:
        what = hf_repo if folder else f"{hf_repo}/{filename}"
        raise ArtifactError(
            f"could not download {what}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            hint=f"on a machine with internet: `{by_hand}` (or `augmem models use {name} --artifact PATH`)",
        ) from exc
    # the hub chmods what it downloads to 0666 & ~umask; whatever the caller's umask was, the
    # weights and the hub's bookkeeping folder under models_dir end up owner-only
    tighten_tree(models_dir)
    return Path(got)


def _first(keys, n: int = 5) -> str:
    keys = sorted(keys)
    more = f" (+{len(keys) - n} more)" if len(keys) > n else ""
    return ", ".join(keys[:n]) + more


def load_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file, with a clear error for a damaged file."""
    from safetensors import safe_open

    try:
        tensors = {}
        with safe_open(str(path), framework="pt") as f:
            meta = dict(f.metadata() or {})
            for key in f.keys():  # noqa: SIM118 - a safetensors handle, not a dict: keys() is its API
                tensors[key] = f.get_tensor(key)
    except Exception as exc:
        raise ArtifactError(
            f"{path}: not a readable safetensors file ({type(exc).__name__}: {exc})",
            hint="the file is truncated or damaged: download or synthesize it again",
        ) from exc
    return tensors, meta


def load_strict(module: torch.nn.Module, tensors: Mapping[str, torch.Tensor], source: str) -> None:
    """`load_state_dict(strict=True)` with an error that names the first offending keys."""
    expected = module.state_dict()
    missing = expected.keys() - tensors.keys()
    unexpected = tensors.keys() - expected.keys()
    wrong = [
        f"{k} {tuple(tensors[k].shape)} != {tuple(expected[k].shape)}"
        for k in sorted(expected.keys() & tensors.keys())
        if tuple(tensors[k].shape) != tuple(expected[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys: {_first(missing)}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys: {_first(unexpected)}")
    if wrong:
        problems.append(f"{len(wrong)} wrong shapes: {'; '.join(wrong[:3])}")
    if problems:
        raise ArtifactError(
            f"{source}: layout does not match the model: " + " | ".join(problems),
            hint="is this the right model's file? `augmem models list` shows what each model expects",
        )
    module.load_state_dict(dict(tensors), strict=True)
