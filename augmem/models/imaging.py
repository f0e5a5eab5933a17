"""Image preprocessing shared by the MobileNetV4 towers (AIST-87M, TEG-421M)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def preprocess_image(image: Image.Image, size: int, crop_pct: float = 1.0) -> np.ndarray:
    """timm's eval transform: EXIF orientation, RGB, shorter side -> size / crop_pct
    (bicubic), centre crop size x size, ImageNet mean/std; returns (3, size, size) float32."""
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    w, h = image.size
    short = max(size, round(size / crop_pct))
    scale = short / min(w, h)
    nw, nh = max(short, round(w * scale)), max(short, round(h * scale))
    image = image.resize((nw, nh), Image.Resampling.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    image = image.crop((left, top, left + size, top + size))
    x = np.asarray(image, dtype=np.float32) / 255.0
    return ((x - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)
