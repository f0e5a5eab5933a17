"""Image preprocessing against timm itself: the pixels our towers see are the pixels
timm's `create_transform(**resolve_data_config(model))` gives, for AIST-87M's encoder and
for whatever encoder a TEG-421M artifact names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import timm
import torch
from PIL import Image, ImageOps
from timm.data import create_transform, resolve_data_config

from augmem.errors import ArtifactError
from augmem.models import aist, teg
from augmem.models.imaging import ImageConfig, image_config, preprocess_image, resized_size

PHOTOS = sorted((Path(__file__).resolve().parents[2] / "assets" / "samples" / "photos").iterdir())


def _timm_transform(name: str):
    model = timm.create_model(name, pretrained=False, num_classes=0)
    return create_transform(**resolve_data_config({}, model=model))


def _odd_images() -> list[Image.Image]:
    """Sizes where rounding and truncation disagree (500 x 333: 384 * 500 / 333 = 576.58),
    portrait and landscape, an image already at the target size, a tiny one that must be
    upscaled, and modes that need converting."""
    rng = np.random.default_rng(7)

    def noise(w, h):
        return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))

    rgba = Image.fromarray(rng.integers(0, 256, (301, 457, 4), dtype=np.uint8), "RGBA")
    gray = Image.fromarray(rng.integers(0, 256, (640, 333), dtype=np.uint8), "L")
    return [noise(500, 333), noise(333, 500), noise(384, 384), noise(385, 1000), noise(97, 61), rgba, gray]


def _reference(transform, image: Image.Image) -> np.ndarray:
    """timm's pixels for what our preprocessing starts from (EXIF-oriented RGB)."""
    image = ImageOps.exif_transpose(image)
    return transform(image.convert("RGB")).numpy()


@pytest.mark.parametrize("name", ["mobilenetv4_conv_medium.e180_r384_in12k", "mobilenetv4_conv_medium"])
def test_pixels_equal_timms_transform(name):
    transform = _timm_transform(name)
    cfg = image_config(name)
    images = [Image.open(p) for p in PHOTOS] + _odd_images()
    for image in images:
        ours = preprocess_image(image, cfg)
        ref = _reference(transform, image)
        assert ours.shape == ref.shape == (3, cfg.size, cfg.size) and ours.dtype == np.float32
        np.testing.assert_array_equal(ours, ref)  # bit for bit, not merely close


def test_data_configs_come_from_timms_pretrained_cfg():
    r384 = image_config("mobilenetv4_conv_medium.e180_r384_in12k")
    assert (r384.size, r384.crop_pct, r384.interpolation) == (384, 1.0, "bicubic")
    assert r384.mean == (0.485, 0.456, 0.406) and r384.std == (0.229, 0.224, 0.225)
    default = image_config("timm/mobilenetv4_conv_medium")  # a hub-style name; timm's default tag
    assert (default.size, default.crop_pct) == (256, 0.95)
    assert aist.image_preprocessing() == r384
    with pytest.raises(ValueError, match="no pretrained config"):
        image_config("mobilenetv4_conv_enormous.e1_r999")


def test_resize_arithmetic_is_torchvisions():
    assert resized_size(500, 333, 384) == (576, 384)  # int(576.58), not round
    assert resized_size(333, 500, 384) == (384, 576)
    assert resized_size(300, 300, 269) == (269, 269)
    with pytest.raises(ValueError):
        ImageConfig(384, crop_pct=1.2)


def test_teg_takes_its_preprocessing_from_the_named_encoder():
    named = teg.image_config_from_metadata({"image_encoder_name": "mobilenetv4_conv_medium.e180_r384_in12k"}, "f")
    assert (named.size, named.crop_pct) == (384, 1.0)
    bare = teg.image_config_from_metadata({"image_encoder_name": "mobilenetv4_conv_medium"}, "f")
    assert (bare.size, bare.crop_pct) == (256, 0.95) and bare.source == "mobilenetv4_conv_medium"
    fallback = teg.image_config_from_metadata({}, "f")
    assert fallback == teg.FALLBACK_IMAGE_CONFIG and (fallback.size, fallback.crop_pct) == (256, 0.95)
    with pytest.raises(ArtifactError, match="image_encoder_name 'resnet_imaginary'"):
        teg.image_config_from_metadata({"image_encoder_name": "resnet_imaginary"}, "f")


def test_teg_embedder_uses_the_metadata(tmp_path):
    from safetensors.torch import save_file

    from augmem.models.artifacts import load_safetensors

    src = tmp_path / "teg-small.safetensors"
    teg.synth(src, small=True, seed=5, tokenizer=False)
    tensors, meta = load_safetensors(src)
    assert meta["image_encoder_name"] == "mobilenetv4_conv_medium" and "image_size" not in meta
    assert teg.TEG421MEmbedder(src, "x").image_config.size == 256
    meta["image_encoder_name"] = "mobilenetv4_conv_medium.e180_r384_in12k"
    renamed = tmp_path / "teg-384.safetensors"
    save_file(tensors, str(renamed), metadata=meta)
    emb = teg.TEG421MEmbedder(renamed, "x")
    assert emb.image_config.size == 384
    photo = Image.open(PHOTOS[0])
    z = emb.embed_images([photo])
    with torch.inference_mode():
        x = torch.from_numpy(_reference(_timm_transform(meta["image_encoder_name"]), photo))[None]
        ref = emb.model.embed_image(x).numpy()
    np.testing.assert_allclose(z, ref, atol=1e-6)
