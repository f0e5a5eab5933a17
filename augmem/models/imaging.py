"""Image preprocessing shared by the MobileNetV4 towers (AIST-87M, TEG-421M).

The reference is timm's own eval pipeline, `create_transform(**resolve_data_config(model))`
(timm/data/transforms_factory.py `transforms_imagenet_eval`, crop_mode "center"):

    Resize(floor(size / crop_pct))   torchvision: shorter side -> that many pixels, the
                                     longer side -> int(new_short * long / short)
                                     (truncated, not rounded); no resize if already there
    CenterCrop(size)                 top = int(round((h - size) / 2)), Python's round
    ToTensor, Normalize(mean, std)   float32: x / 255, then (x - mean) / std

`preprocess_image` repeats that arithmetic on PIL images without torchvision, so the
pixels agree exactly (tests/models/test_imaging.py checks it against timm's transform).
The data config (size, crop, interpolation, mean, std) comes from timm's pretrained cfg
of the encoder the model card names: `image_config("mobilenetv4_conv_medium.e180_r384_in12k")`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_INTERPOLATION = {
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "nearest": Image.Resampling.NEAREST,
    "lanczos": Image.Resampling.LANCZOS,
}


@dataclass(frozen=True)
class ImageConfig:
    """What timm's `resolve_data_config` gives for one pretrained encoder."""

    size: int
    crop_pct: float = 1.0
    interpolation: str = "bicubic"
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    source: str = ""
    """Where the values came from (a timm pretrained cfg name, or "default")."""

    def __post_init__(self) -> None:
        if self.interpolation not in _INTERPOLATION:
            raise ValueError(f"unsupported interpolation {self.interpolation!r}")
        if not 0.0 < self.crop_pct <= 1.0:
            raise ValueError(f"crop_pct must be in (0, 1], got {self.crop_pct}")


def image_config(encoder_name: str) -> ImageConfig:
    """The eval data config timm resolves for a pretrained encoder name such as
    "mobilenetv4_conv_medium.e180_r384_in12k" (a bare architecture name means timm's
    default tag). Read from timm's code, offline. Raises ValueError for a name timm does
    not know, or one whose transform is not a centre crop."""
    from timm.data import resolve_data_config
    from timm.models import get_pretrained_cfg

    name = encoder_name.strip().removeprefix("hf-hub:").removeprefix("timm/")
    cfg = get_pretrained_cfg(name)
    if cfg is None:
        raise ValueError(f"timm has no pretrained config named {encoder_name!r}")
    data = resolve_data_config(pretrained_cfg=cfg.to_dict())
    _channels, height, width = data["input_size"]
    if height != width or data.get("crop_mode", "center") != "center":
        raise ValueError(f"{encoder_name}: only square centre-crop transforms are supported ({data})")
    return ImageConfig(
        size=int(height),
        crop_pct=float(data["crop_pct"]),
        interpolation=data["interpolation"],
        mean=tuple(data["mean"]),
        std=tuple(data["std"]),
        source=name,
    )


def resized_size(width: int, height: int, short: int) -> tuple[int, int]:
    """(w, h) after torchvision's Resize(short) of a width x height image: the shorter
    side becomes `short`, the longer one int(short * long / short_side)."""
    if width <= height:
        return short, int(short * height / width)
    return int(short * width / height), short


def preprocess_image(image: Image.Image, cfg: ImageConfig) -> np.ndarray:
    """timm's eval transform for `cfg`, after EXIF orientation and conversion to RGB:
    returns (3, size, size) float32."""
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    w, h = image.size
    nw, nh = resized_size(w, h, math.floor(cfg.size / cfg.crop_pct))
    if (nw, nh) != (w, h):
        image = image.resize((nw, nh), _INTERPOLATION[cfg.interpolation])
    top = round((nh - cfg.size) / 2.0)
    left = round((nw - cfg.size) / 2.0)
    image = image.crop((left, top, left + cfg.size, top + cfg.size))
    x = np.asarray(image, dtype=np.float32) / np.float32(255.0)
    mean = np.asarray(cfg.mean, np.float32)
    std = np.asarray(cfg.std, np.float32)
    return ((x - mean) / std).transpose(2, 0, 1).copy()
