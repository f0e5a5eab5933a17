"""AIST-87M: parity by counting, strict artifacts, and the runtime contract."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from augmem.errors import ArtifactError
from augmem.models.aist import AIST87M, COUNTS, TOTAL, component_counts, load
from augmem.models.artifacts import HashCache, load_safetensors, sha256_file
from augmem.models.base import tier_view


def test_parity_counts_match_the_card():
    counts = component_counts(AIST87M())
    assert {k: v[0] for k, v in counts.items()} == COUNTS
    assert counts["image_encoder"][1] == 462
    assert counts["audio_encoder"][1] == 312
    assert all(counts[k][1] == 14 for k in ("text_projection", "image_projection", "audio_projection"))
    assert sum(v[0] for v in counts.values()) == TOTAL == 87_186_755


def test_synth_round_trip_is_strict_and_exact(aist_artifact, aist_embedder):
    tensors, meta = load_safetensors(aist_artifact)
    assert meta["model"] == "AIST-87M" and int(meta["parameter_count"]) == TOTAL
    assert sum(t.numel() for t in tensors.values()) == TOTAL
    state = aist_embedder.model.state_dict()
    assert state.keys() == tensors.keys()
    for key in (
        "text_encoder.backbone.embeddings.word_embeddings.weight",
        "audio_encoder.classifier.5.weight",
        "image_projection.blocks.1.linear.weight",
    ):
        assert np.array_equal(state[key].numpy(), tensors[key].numpy())


def test_embeddings_meet_the_runtime_contract(aist_embedder):
    rng = np.random.default_rng(0)
    texts = ["a dog barking at the park", "lentil soup with cumin", "x"]
    images = [Image.fromarray(rng.integers(0, 255, (300 + 40 * i, 420, 3), dtype=np.uint8)) for i in range(3)]
    clips = [rng.standard_normal(32_000 * s).astype(np.float32) * 0.1 for s in (1, 3, 3)]
    for z in (aist_embedder.embed_texts(texts), aist_embedder.embed_images(images), aist_embedder.embed_audio(clips)):
        assert z.shape == (3, 1280) and z.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
        for k in aist_embedder.tiers:
            t = tier_view(z, k)
            np.testing.assert_allclose(np.linalg.norm(t, axis=1), 1.0, atol=1e-5)
            cos = (t * z[:, :k]).sum(1) / np.linalg.norm(z[:, :k], axis=1)
            np.testing.assert_allclose(cos, 1.0, atol=1e-5)  # a tier is the renormalised prefix


def test_batch_equals_single_and_is_deterministic(aist_embedder):
    rng = np.random.default_rng(1)
    texts = ["short", "a much longer sentence about the mountains in winter and a frozen lake"]
    batch = aist_embedder.embed_texts(texts)
    single = np.concatenate([aist_embedder.embed_texts([t]) for t in texts])
    np.testing.assert_allclose(batch, single, atol=1e-5)
    np.testing.assert_array_equal(aist_embedder.embed_texts(texts), batch)
    images = [Image.fromarray(rng.integers(0, 255, (400, 500, 3), dtype=np.uint8)) for _ in range(2)]
    np.testing.assert_allclose(
        aist_embedder.embed_images(images)[1], aist_embedder.embed_images(images[1:])[0], atol=1e-4
    )
    clips = [rng.standard_normal(32_000 * 2).astype(np.float32) * 0.1 for _ in range(2)]
    np.testing.assert_allclose(aist_embedder.embed_audio(clips)[1], aist_embedder.embed_audio(clips[1:])[0], atol=1e-4)


def test_image_preprocessing_honours_exif_orientation(aist_embedder, tmp_path):
    upright = Image.new("RGB", (480, 320), (0, 0, 0))
    upright.paste((255, 255, 255), (0, 0, 480, 100))  # a white band at the top
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a camera writes for orientation 6
    exif = Image.Exif()
    exif[0x0112] = 6
    p = tmp_path / "rotated.jpg"
    stored.save(p, exif=exif, quality=95)
    with Image.open(p) as im:
        z_rot = aist_embedder.embed_images([im])
    z_up = aist_embedder.embed_images([upright])
    z_wrong = aist_embedder.embed_images([stored])
    assert float((z_rot @ z_up.T)[0, 0]) > float((z_rot @ z_wrong.T)[0, 0])


def test_truncated_artifact_is_a_clear_error(aist_artifact, tmp_path):
    bad = tmp_path / "truncated.safetensors"
    bad.write_bytes(aist_artifact.read_bytes()[:50_000_000])
    with pytest.raises(ArtifactError, match="truncated or damaged"):
        load(bad, "x")


def test_wrong_keys_name_the_first_offenders(aist_artifact, tmp_path):
    from safetensors.torch import save_file

    tensors, meta = load_safetensors(aist_artifact)
    tensors["image_projection.extra.weight"] = tensors.pop("image_projection.proj_out.weight")
    tensors["text_projection.proj_in.bias"] = tensors["text_projection.proj_in.bias"][:10].clone()
    bad = tmp_path / "wrong.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(ArtifactError) as err:
        load(bad, "x")
    msg = str(err.value)
    assert "image_projection.proj_out.weight" in msg and "image_projection.extra.weight" in msg
    assert "text_projection.proj_in.bias (10,) != (1920,)" in msg


def test_hash_is_cached_by_path_size_and_mtime(aist_artifact, tmp_path):
    import os

    f = tmp_path / "a.bin"
    f.write_bytes(b"one")
    cache = HashCache(tmp_path / "hashes.json")
    first = cache.sha256(f)
    assert first == sha256_file(f)
    st = f.stat()
    f.write_bytes(b"two")  # same size: only the mtime tells the change
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert HashCache(tmp_path / "hashes.json").sha256(f) == first  # served from the cache file
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert HashCache(tmp_path / "hashes.json").sha256(f) == sha256_file(f) != first


def test_a_pinned_hash_refuses_another_file(augmem_home, aist_artifact, tmp_path):
    import subprocess
    import sys

    from augmem.config import load_settings
    from augmem.core import Augmem
    from tests.conftest import write_config

    wrong = "0" * 64
    write_config(
        augmem_home, model="aist-87m", artifacts={"aist-87m": str(aist_artifact)}, artifact_sha256={"aist-87m": wrong}
    )
    with pytest.raises(ArtifactError, match="does not match the pinned 0000000000000000"):
        Augmem(load_settings()).active_space()
    right = sha256_file(aist_artifact)
    write_config(
        augmem_home, model="aist-87m", artifacts={"aist-87m": str(aist_artifact)}, artifact_sha256={"aist-87m": right}
    )
    assert Augmem(load_settings()).active_space() == f"aist-87m:{right}"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "augmem",
            "models",
            "use",
            "aist-87m",
            "--artifact",
            str(aist_artifact),
            "--sha256",
            wrong,
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "does not match the pinned" in out.stderr


def test_folder_artifacts_hash_once_until_a_file_changes(tmp_path):
    import os

    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "sub" / "weights.bin").write_bytes(b"abc")
    cache = HashCache(tmp_path / "h.json")
    first = cache.sha256(folder)
    st = (folder / "sub" / "weights.bin").stat()
    (folder / "sub" / "weights.bin").write_bytes(b"xyz")  # same size, mtime restored: the cache answers
    os.utime(folder / "sub" / "weights.bin", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert HashCache(tmp_path / "h.json").sha256(folder) == first
    os.utime(folder / "sub" / "weights.bin", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert HashCache(tmp_path / "h.json").sha256(folder) != first


def test_precision_is_a_model_option_from_the_config(augmem_home, aist_artifact, monkeypatch):
    from augmem.config import load_settings
    from augmem.core import Augmem
    from tests.conftest import write_config

    write_config(
        augmem_home,
        model="aist-87m",
        artifacts={"aist-87m": str(aist_artifact)},
        model_options={"aist-87m": {"precision": "bf16"}},
    )
    monkeypatch.setenv("AUGMEM_PRECISION", "fp32")  # read only where the config sets nothing
    core = Augmem(load_settings())
    assert core.embedder().precision == "bf16"
    assert core.active_space() == f"aist-87m:{sha256_file(aist_artifact)}"  # precision keeps the space
    write_config(augmem_home, model="aist-87m", artifacts={"aist-87m": str(aist_artifact)})
    monkeypatch.setenv("AUGMEM_PRECISION", "FP32")
    assert Augmem(load_settings()).embedder().precision == "fp32"
    monkeypatch.setenv("AUGMEM_PRECISION", "fast")
    with pytest.raises(ArtifactError, match=r"option precision = 'fast' \(\$AUGMEM_PRECISION\) must be one of") as err:
        Augmem(load_settings()).embedder()
    assert "unset $AUGMEM_PRECISION" in err.value.hint
    status = Augmem(load_settings()).status()  # status still answers, and says what is wrong
    assert status.space is None and "AUGMEM_PRECISION" in status.notice
    monkeypatch.delenv("AUGMEM_PRECISION")
    write_config(
        augmem_home,
        model="aist-87m",
        artifacts={"aist-87m": str(aist_artifact)},
        model_options={"aist-87m": {"precison": "bf16"}},
    )
    with pytest.raises(ArtifactError, match="aist-87m has no option 'precison'"):
        Augmem(load_settings()).embedder()


def test_resolve_precision():
    from augmem.models.aist import resolve_precision

    assert resolve_precision("fp32", "cpu") == "fp32" and resolve_precision("auto", "cuda") == "bf16"
    with pytest.raises(ValueError):
        resolve_precision("fp8", "cpu")
    # what bf16 covers and how far it may drift: tests/models/test_aist_fidelity.py
