"""The command line as a user runs it: real processes, a temp AUGMEM_HOME."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, write_config


def augmem(*args, env=None, input=None, check=True, cwd=None) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [sys.executable, "-m", "augmem", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=input,
        timeout=300,
        cwd=cwd,
    )
    if check and out.returncode != 0:
        raise AssertionError(f"augmem {' '.join(args)} -> {out.returncode}\n{out.stdout}\n{out.stderr}")
    return out


def test_help_and_light_commands_do_not_import_torch():
    code = (
        "import sys; from click.testing import CliRunner; from augmem.cli import cli; "
        "r = CliRunner().invoke(cli, sys.argv[1:]); assert r.exit_code == 0, r.output; "
        "heavy = [m for m in ('torch', 'lancedb', 'transformers', 'timm', 'textual') if m in sys.modules]; "
        "print(heavy)"
    )
    for args in (["--help"], ["recall", "--help"], ["config"], ["models", "list"]):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip().splitlines()[-1] == "[]", (args, out.stdout)


def test_config_shows_values_and_their_origin(augmem_home):
    write_config(augmem_home, model="minilm", exclude=["*.bak"])
    out = augmem("config", "--json", env={"AUGMEM_FORGET_DELETED": "false"})
    cfg = json.loads(out.stdout)
    assert cfg["model"] == {"value": "minilm", "from": f"file {augmem_home / 'config.toml'}"}
    assert cfg["forget_deleted"] == {"value": False, "from": "env AUGMEM_FORGET_DELETED"}
    assert cfg["reconcile_minutes"]["from"] == "default"
    assert cfg["store_uri"]["value"] == str(augmem_home / "data" / "store")


def test_bad_config_is_a_clear_error(augmem_home):
    (augmem_home / "config.toml").write_text("modle = 'minilm'\n")
    out = augmem("status", check=False)
    assert out.returncode == 2
    assert "unknown setting 'modle'" in out.stderr and "Traceback" not in out.stderr


def test_ingest_recall_json_and_table_through_the_cli(use_minilm, tmp_path):
    out = augmem("ingest", str(SAMPLES / "notes"), "--json")
    report = json.loads(out.stdout)
    assert report["added"] == len(list((SAMPLES / "notes").iterdir())) and report["rejected"] == []
    hits = json.loads(augmem("recall", "how do I make lentil soup", "--json", "--no-daemon").stdout)
    assert Path(hits[0]["path"]).name == "lentil-soup-recipe.md"
    assert {"id", "modality", "path", "score", "captured_at", "text"} <= hits[0].keys()
    table = augmem("recall", "fixing a flat tyre on my bike", "-n", "2", "--no-daemon").stdout
    assert "bike-flat-tyre-repair.txt" in table.splitlines()[2]
    assert augmem("recall", "soup", "--since", "bogus", check=False).returncode == 2


def test_status_and_models_list_say_what_is_missing(augmem_home):
    out = augmem("models", "list", "--json")
    models = {m["name"]: m for m in json.loads(out.stdout)}
    assert models["minilm"]["present"] and not models["aist-87m"]["present"]
    assert models["minilm"]["active"]  # "auto" falls back to the offline text model
    st = augmem("status").stdout
    assert "AIST-87M weights not found" in st and "augmem models pull aist-87m" in st


def test_models_use_with_artifact_and_a_missing_pull_offline(augmem_home, aist_artifact):
    augmem("models", "use", "aist-87m", "--artifact", str(aist_artifact))
    cfg = json.loads(augmem("config", "--json").stdout)
    assert cfg["model"]["value"] == "aist-87m"
    assert cfg["artifacts"]["value"] == {"aist-87m": str(aist_artifact)}
    out = augmem("models", "pull", "aist-87m", check=False, env={"HF_HUB_OFFLINE": "1"})
    assert out.returncode == 2 and "HF_HUB_OFFLINE" in out.stderr and "augmem models use" in out.stderr


def _hub_cache_entry(hub: Path, repo: str, files: dict[str, Path]) -> Path:
    """A Hugging Face cache entry as huggingface_hub lays it out: content-addressed blobs,
    a snapshot folder of links to them, and refs/main naming that snapshot."""
    import hashlib

    root = hub / f"models--{repo.replace('/', '--')}"
    rev = hashlib.sha1(repo.encode()).hexdigest()
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(rev)
    (root / "blobs").mkdir()
    for name, src in files.items():
        blob = root / "blobs" / hashlib.sha256(src.read_bytes()).hexdigest()
        blob.write_bytes(src.read_bytes())
        link = root / "snapshots" / rev / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    return root / "snapshots" / rev


def test_artifacts_are_found_in_the_hugging_face_cache(augmem_home, aist_artifact, tmp_path):
    hub = tmp_path / "hub"
    _hub_cache_entry(hub, "augmem/AIST-87M", {"AIST-87M.safetensors": aist_artifact})
    config, index, shard = tmp_path / "config.json", tmp_path / "index.json", tmp_path / "shard"
    bin_index = tmp_path / "bin-index.json"  # the .bin shards are never fetched: this index stays incomplete
    config.write_text('{"architectures": ["StandIn"]}')
    index.write_text('{"weight_map": {"a": "model-1.safetensors", "b": "model-2.safetensors"}}')
    bin_index.write_text('{"weight_map": {"a": "pytorch_model-1.bin"}}')
    shard.write_bytes(b"weights")
    env = {"HF_HUB_CACHE": str(hub)}

    def models() -> dict:
        return {m["name"]: m for m in json.loads(augmem("models", "list", "--json", env=env).stdout)}

    # a config fetched on its own, then one shard of two: a partial snapshot is not the model
    _hub_cache_entry(
        hub,
        "cara-ai/ALM2Vec-FT",
        {"config.json": config, "model.safetensors.index.json": index, "model-1.safetensors": shard},
    )
    got = models()
    assert got["aist-87m"]["present"] and got["aist-87m"]["origin"] == "hugging face cache"
    assert got["aist-87m"]["active"]  # "auto" picks AIST-87M once its weights are anywhere it looks
    assert not got["alm2vec-ft"]["present"]
    shutil.rmtree(hub / "models--cara-ai--ALM2Vec-FT")
    alm = _hub_cache_entry(
        hub,
        "cara-ai/ALM2Vec-FT",
        {
            "config.json": config,
            "model.safetensors.index.json": index,
            "pytorch_model.bin.index.json": bin_index,
            "model-1.safetensors": shard,
            "model-2.safetensors": shard,
        },
    )
    got = models()
    assert got["alm2vec-ft"]["origin"] == "hugging face cache" and got["alm2vec-ft"]["artifact"] == str(alm)
    # the cached file loads and works, and it is the very same space as the file it came from
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "soup.md").write_text("Lentil soup: onions, carrots, cumin, simmer forty minutes.")
    augmem("ingest", str(notes), env=env)
    hits = json.loads(augmem("recall", "lentil soup", "--json", "--no-daemon", env=env).stdout)
    assert [Path(h["path"]).name for h in hits] == ["soup.md"]
    st = augmem("status", "--json", env=env).stdout
    from augmem.models.artifacts import sha256_file

    assert sha256_file(aist_artifact) in st


def test_pull_says_how_to_get_folder_models_by_hand(augmem_home):
    out = augmem("models", "pull", "alm2vec-ft", check=False, env={"HF_HUB_OFFLINE": "1"})
    assert out.returncode == 2 and "HF_HUB_OFFLINE" in out.stderr
    assert "hf download cara-ai/ALM2Vec-FT --local-dir" in out.stderr
    assert str(augmem_home) in out.stderr  # into the models folder, where locate looks
    out = augmem("models", "pull", "aegis-embed", check=False)
    assert out.returncode == 2 and "names no repository" in out.stderr and "--repo ORG/NAME" in out.stderr
    assert augmem("models", "pull", "minilm", check=False).returncode == 2  # ships in its package


def test_models_use_sets_and_unsets_options(augmem_home, aist_artifact, tmp_path):
    augmem("models", "use", "aist-87m", "--artifact", str(aist_artifact), "--opt", "precision=BF16")
    opts = lambda: json.loads(augmem("config", "--json").stdout)["model_options"]["value"]
    assert opts() == {"aist-87m": {"precision": "bf16"}}  # saved as the model reads it
    assert "precision = 'bf16'" in augmem("models", "info", "aist-87m").stdout
    out = augmem("models", "use", "aist-87m", "--opt", "precison=fp32", check=False)
    assert out.returncode == 2 and "no option 'precison'" in out.stderr and "precision" in out.stderr
    out = augmem("models", "use", "aist-87m", "--opt", "precision=fast", check=False)
    assert (
        out.returncode == 2 and "precision = 'fast'" in out.stderr and "must be one of auto, fp32, bf16" in out.stderr
    )
    assert opts() == {"aist-87m": {"precision": "bf16"}}  # a refused change leaves the config alone
    augmem("models", "use", "aist-87m", "--opt", "precision=")
    assert opts() == {"aist-87m": {}}
    # a folder option typed relative to where the user is, saved absolute (a daemon runs elsewhere)
    (tmp_path / "tok").mkdir()
    augmem("models", "use", "teg-421m", "--opt", "tokenizer=tok", cwd=tmp_path)
    assert opts()["teg-421m"] == {"tokenizer": str(tmp_path / "tok")}
    out = augmem("models", "use", "teg-421m", "--opt", "tokenizer=nowhere", check=False, cwd=tmp_path)
    assert out.returncode == 2 and "is not an existing folder" in out.stderr


def test_forget_by_query_asks_first(use_minilm, tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "a.md").write_text("The spare key is under the blue flowerpot by the door.")
    (notes / "b.md").write_text("Buy oat milk and bananas.")
    augmem("ingest", str(notes))
    out = augmem("forget", "--query", "where is the spare key", "-n", "1", input="n\n")
    assert "nothing forgotten" in out.stdout
    out = augmem("forget", "--query", "where is the spare key", "-n", "1", input="y\n")
    assert "forgot 1 memory" in out.stdout
    hits = json.loads(augmem("recall", "spare key flowerpot", "--json", "--no-daemon").stdout)
    assert [Path(h["path"]).name for h in hits] == ["b.md"]


@pytest.mark.slow
def test_demo_runs_on_the_bundled_samples(augmem_home, tmp_path):
    from dataclasses import replace

    from augmem.config import load_settings
    from augmem.core import Augmem

    # the demo's store already holds the samples of another checkout, since moved or deleted
    old = tmp_path / "old-checkout" / "notes"
    shutil.copytree(SAMPLES / "notes", old)
    settings = load_settings()
    core = Augmem(replace(settings, store_uri=str(settings.paths.data_dir / "demo-store")))
    try:
        core.ingest([old], derive=False)
        assert str(old / "beach-trip-packing-list.md") in core.store.get_sources()
    finally:
        core.close()
    shutil.rmtree(old.parent)
    out = augmem("demo", "--query", "what do I pack for the beach", "-n", "3")
    assert "rejected 0" in out.stdout
    assert out.stdout.count("beach-trip-packing-list.md") == 1, out.stdout  # this checkout's only
