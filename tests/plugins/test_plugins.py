"""Plugins, for real: loose `*.py` files in a plugins folder ($AUGMEM_PLUGINS_DIR), entry
points of installed packages (the bundled plugins/augmem-nano4m and plugins/augmem-places,
`pip install --no-deps -e`), a package whose entry point raises on import, and
`augmem plugins`. Every hook in augmem/hookspecs.py is called here by at least one test
(test_every_hookspec_is_called_by_a_test checks that)."""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from augmem import hookspecs
from augmem.config import load_settings
from augmem.plugins import load_plugins
from augmem.records import Memory

ROOT = Path(__file__).resolve().parents[2]

HELLO = textwrap.dedent('''
    """A test plugin that implements every hook."""
    from pathlib import Path

    import click
    import numpy as np

    from augmem import hookimpl
    from augmem.models.base import Embedder, l2norm
    from augmem.models.registry import ModelSpec


    class HashEmbedder(Embedder):
        name = "hello-hash"
        modalities = frozenset({"text"})
        dim = 16
        tiers = (16,)
        storage_tiers = (16,)

        def embed_texts(self, texts, *, query=False):
            rows = [[(hash((w, i)) % 97) - 48 for i in range(16)] for w in (t.lower() for t in texts)]
            return l2norm(np.asarray(rows, np.float32).reshape(len(texts), 16))


    class NoteSource:
        """Writes one note into its folder when started (temp file + rename, as capture must)."""

        def __init__(self, settings, out_dir):
            self.out_dir = Path(out_dir)
            self.stopped = False

        def start(self):
            tmp = self.out_dir / ".hello-note.tmp"
            tmp.write_text("The hello capture source heard a humpback whale singing near the lighthouse.")
            tmp.rename(self.out_dir / "hello-whale.md")

        def stop(self):
            self.stopped = True


    @hookimpl
    def register_models(register):
        register(ModelSpec(name="hello-hash", modalities=("text",), dim=16, tiers=(16,), storage_tiers=(16,),
                           description="test model", load=lambda path, sha, device: HashEmbedder(sha),
                           aliases=("hh",)))


    @hookimpl
    def register_capture_sources(register, settings):
        register("hello", NoteSource)


    @hookimpl
    def enrich_memory(memory, settings):
        if memory.modality == "text":
            return "zebracorn marker from hello plugin"
        return None


    @hookimpl
    def recall_postprocess(query, hits, settings):
        # drop hits whose path mentions "private"; keep the rest in order
        return [h for h in hits if "private" not in h.path]


    @hookimpl
    def register_commands(cli):
        @cli.command("hello")
        @click.argument("who", default="world")
        def hello(who):
            """Say hello (from a plugin)."""
            click.echo(f"hello {who} from a plugin")
''')

BROKEN = "raise RuntimeError('boom: this plugin is broken on purpose')\n"


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "plugin-folder"
    folder.mkdir()
    (folder / "hello_plugin.py").write_text(HELLO)
    (folder / "broken_plugin.py").write_text(BROKEN)
    (folder / "_private_helper.py").write_text("raise SystemExit('never imported')\n")
    monkeypatch.setenv("AUGMEM_PLUGINS_DIR", str(folder))
    monkeypatch.delenv("AUGMEM_LOAD_PLUGINS", raising=False)  # conftest limits loading to augmem's own
    return folder


@pytest.fixture
def pm(plugin_dir):
    return load_plugins(load_settings().paths.config_dir)


def _installed(dist: str) -> bool:
    try:
        md.distribution(dist)
        return True
    except md.PackageNotFoundError:
        return False


# ------------------------------------------------------------------ loading


def test_folder_plugin_loads_and_a_broken_one_is_reported_and_skipped(pm, plugin_dir):
    loaded = dict(pm.report.loaded)
    assert loaded["hello_plugin"] == str(plugin_dir / "hello_plugin.py")
    assert (
        loaded["augmem.default_plugins.models"] == loaded["augmem.default_plugins.models_extra"] == "augmem (built in)"
    )
    failed = {name: (where, reason) for name, where, reason in pm.report.failed}
    assert failed["broken_plugin"][0] == str(plugin_dir / "broken_plugin.py")
    assert failed["broken_plugin"][1] == "RuntimeError: boom: this plugin is broken on purpose"
    assert "_private_helper" not in loaded and "_private_helper" not in failed
    assert "augmem_plugin_broken_plugin" not in sys.modules


def test_augmem_keeps_working_next_to_a_broken_plugin(pm):
    from augmem.models.registry import ModelRegistry

    names = ModelRegistry.from_plugins(pm).names()
    for name in ("aist-87m", "minilm", "teg-421m", "aegis-embed", "alm2vec-ft", "hello-hash"):
        assert name in names


def test_load_plugins_env_limits_what_loads(plugin_dir, monkeypatch):
    monkeypatch.setenv("AUGMEM_LOAD_PLUGINS", "hello_plugin")
    pm = load_plugins(load_settings().paths.config_dir)
    assert "hello_plugin" in dict(pm.report.loaded) and not pm.report.failed
    monkeypatch.setenv("AUGMEM_LOAD_PLUGINS", "")
    pm = load_plugins(load_settings().paths.config_dir)
    assert [n for n, _ in pm.report.loaded] == [
        "augmem.default_plugins.models",
        "augmem.default_plugins.models_extra",
        "augmem.default_plugins.transcribers",
    ]


def test_config_dir_plugins_folder_is_searched(tmp_path, monkeypatch):
    monkeypatch.delenv("AUGMEM_LOAD_PLUGINS", raising=False)
    cfg = load_settings().paths.config_dir
    (cfg / "plugins").mkdir(parents=True)
    (cfg / "plugins" / "hello_plugin.py").write_text(HELLO)
    pm = load_plugins(cfg)
    assert dict(pm.report.loaded)["hello_plugin"] == str(cfg / "plugins" / "hello_plugin.py")


# ------------------------------------------------------------------ each hook


def test_register_models_fills_the_registry(pm):
    from augmem.models.registry import ModelRegistry

    registry = ModelRegistry.from_plugins(pm)
    assert {"teg-421m", "aegis-embed", "alm2vec-ft", "hello-hash"} <= set(registry.names())
    assert registry.get("teg").name == "teg-421m" and registry.get("alm2vec-ft").requires_gpu
    assert registry.get("hh").load(Path("unused"), "a" * 64, "cpu").embed_texts(["hi", "there"]).shape == (2, 16)


def test_registering_models_imports_no_torch():
    code = (
        "import sys; from augmem.plugins import load_plugins; from augmem.models.registry import ModelRegistry; "
        "import pathlib; r = ModelRegistry.from_plugins(load_plugins(pathlib.Path('.'))); "
        "assert 'teg-421m' in r.names(); "
        "heavy = [m for m in ('torch', 'transformers', 'timm', 'augmem.models.teg') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUGMEM_LOAD_PLUGINS": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_register_capture_sources_lists_sources_and_refuses_bad_names(pm, plugin_dir):
    from augmem.capture.sources import registered_sources

    (plugin_dir / "greedy_plugin.py").write_text(
        textwrap.dedent("""
        from augmem import hookimpl

        @hookimpl
        def register_capture_sources(register, settings):
            register("mic", object)          # augmem's own
            register("../escape", object)    # would leave the captures folder
    """)
    )
    found, refused = registered_sources(load_plugins(load_settings().paths.config_dir), load_settings())
    assert [s.name for s in found] == ["hello"]
    assert refused == {"mic": "the name is already taken", "../escape": "not a plain name (letters, digits, - and _)"}


def test_plugin_command_through_the_real_cli(plugin_dir):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "augmem", "hello", "cli"], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello cli from a plugin"


def test_enricher_and_postprocess_in_a_real_ingest_and_recall(use_minilm, plugin_dir, tmp_path):
    """The pipeline calls enrich_memory and recall calls recall_postprocess (MiniLM, LanceDB)."""
    from augmem.core import Augmem

    notes = tmp_path / "notes"
    (notes / "private").mkdir(parents=True)
    (notes / "walk.md").write_text("We walked the dog in the park and it barked at squirrels.")
    (notes / "private" / "diary.md").write_text("The dog barked all night; I did not sleep.")
    settings = load_settings()
    mem = Augmem(settings, plugin_manager=load_plugins(settings.paths.config_dir))
    report = mem.ingest([notes])
    assert report.added == 2 and not report.rejected
    result = mem.recall("dog barking")
    assert [Path(h.path).name for h in result.hits] == ["walk.md"]  # the private note was filtered out
    assert "zebracorn marker from hello plugin" in result.hits[0].text
    found = mem.recall("zebracorn")  # enrichment text is searchable
    assert found.hits and Path(found.hits[0].path).name == "walk.md"


def test_recall_postprocess_plugins_compose(use_minilm, plugin_dir, tmp_path):
    """Each recall_postprocess plugin gets the hits the one before it returned: the hello plugin
    drops private notes, this one (registered first, so it runs last) keeps the top hit only."""
    from augmem.core import Augmem

    (plugin_dir / "a_top_one_plugin.py").write_text(
        textwrap.dedent("""
        from augmem import hookimpl

        @hookimpl
        def recall_postprocess(query, hits, settings):
            assert not any("private" in h.path for h in hits), "ran before the private filter"
            return hits[:1]
    """)
    )
    notes = tmp_path / "notes"
    (notes / "private").mkdir(parents=True)
    (notes / "private" / "dog.md").write_text("The dog barked at the park all morning.")
    (notes / "walk.md").write_text("We walked the dog in the park and it barked at squirrels.")
    (notes / "soup.md").write_text("Lentil soup: onions, carrots, cumin, red lentils.")
    settings = load_settings()
    mem = Augmem(settings, plugin_manager=load_plugins(settings.paths.config_dir))
    mem.ingest([notes])
    assert [Path(h.path).name for h in mem.recall("dog barking at the park").hits] == ["walk.md"]


# ------------------------------------------------------------------ entry points


def _broken_distribution(site: Path) -> None:
    """A real installed distribution (dist-info on sys.path) whose entry point raises."""
    dist = site / "augmem_broken_example-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: augmem-broken-example\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[augmem]\nbroken_ep = augmem_broken_example\n")
    (site / "augmem_broken_example.py").write_text("raise ImportError('needs a library that is not installed')\n")


def test_a_broken_entry_point_is_reported_and_skipped(tmp_path, monkeypatch):
    site = tmp_path / "site"
    _broken_distribution(site)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("AUGMEM_LOAD_PLUGINS", "broken_ep")
    pm = load_plugins(load_settings().paths.config_dir)
    ((name, where, reason),) = pm.report.failed
    assert name == "broken_ep" and "augmem-broken-example" in where
    assert reason == "ImportError: needs a library that is not installed"
    specs = []
    pm.hook.register_models(register=specs.append)
    assert "aist-87m" in {s.name for s in specs}


@pytest.mark.skipif(
    not (_installed("augmem-nano4m") and _installed("augmem-places")),
    reason="bundled plugins not installed: pip install --no-deps -e plugins/augmem-nano4m -e plugins/augmem-places",
)
def test_bundled_plugins_load_through_entry_points(tmp_path, monkeypatch):
    monkeypatch.delenv("AUGMEM_LOAD_PLUGINS", raising=False)
    pm = load_plugins(load_settings().paths.config_dir)
    loaded = dict(pm.report.loaded)
    assert loaded["nano4m"] == "entry point augmem_nano4m (augmem-nano4m)"
    assert loaded["places"] == "entry point augmem_places (augmem-places)"
    specs = []
    pm.hook.register_models(register=specs.append)
    nano = {s.name: s for s in specs}["nano4m-audio"]
    assert nano.experimental and "4.5" in nano.caveat
    from PIL import ExifTags, Image

    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[1], gps[2], gps[3], gps[4] = "N", (38.0, 43.0, 12.0), "W", (9.0, 8.0, 24.0)
    exif.get_ifd(ExifTags.IFD.Exif)[36867] = "2025:08:02 20:15:00"
    Image.new("RGB", (32, 32)).save(tmp_path / "lisbon.jpg", exif=exif)
    photo = Memory(
        id="p",
        modality="image",
        source="photos",
        path=str(tmp_path / "lisbon.jpg"),
        content_sha256="0",
        size=1,
        mtime=0.0,
        captured_at=0.0,
    )
    words = [t for t in pm.hook.enrich_memory(memory=photo, settings=None) if t]
    assert words == ["photo taken in Lisbon, Portugal · Saturday evening · August 2025 · summer"]


# ------------------------------------------------------------------ `augmem plugins`


def test_plugins_command_lists_loaded_and_failed(pm, plugin_dir):
    from augmem.cli.plugins_cmd import plugins

    out = CliRunner().invoke(plugins, [])
    assert out.exit_code == 0, out.output
    assert "hello_plugin" in out.output and str(plugin_dir / "hello_plugin.py") in out.output
    assert "enrich_memory" in out.output
    assert "failed to load" in out.output
    assert "broken_plugin" in out.output and "RuntimeError: boom" in out.output

    data = json.loads(CliRunner().invoke(plugins, ["--json"]).output)
    hello = next(p for p in data["loaded"] if p["name"] == "hello_plugin")
    assert hello["hooks"] == sorted(
        ["enrich_memory", "recall_postprocess", "register_capture_sources", "register_commands", "register_models"]
    )
    assert data["failed"] == [
        {
            "name": "broken_plugin",
            "from": str(plugin_dir / "broken_plugin.py"),
            "reason": "RuntimeError: boom: this plugin is broken on purpose",
        }
    ]


# ------------------------------------------------------------------ the meta-test


def test_every_hookspec_has_a_caller_in_augmem():
    """A hook nothing calls is a promise to plugin authors that augmem does not keep."""
    specs = {
        name for name, fn in vars(hookspecs).items() if callable(fn) and getattr(fn, "augmem_spec", None) is not None
    }
    assert specs, "no hookspecs found"
    used: set[str] = set()
    for file in (ROOT / "augmem").rglob("*.py"):
        if file.name == "hookspecs.py":
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            # pm.hook.NAME(...) and chain(pm.hook.NAME, ...) both read the attribute pm.hook.NAME
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "hook":
                used.add(node.attr)
    missing = sorted(specs - used)
    assert not missing, f"hookspecs that nothing under augmem/ calls: {missing}"
