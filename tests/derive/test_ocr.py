"""Tesseract on rendered photos of writing (receipt, street sign) in the ways photos go
wrong, and on the text-free sample photos, which must read as nothing."""

from __future__ import annotations

import io
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from augmem.derive import ocr
from augmem.derive.base import OcrText
from augmem.errors import ArtifactError
from tests.derive.conftest import PHOTOS

FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian fonts-dejavu-core (scripts/setup.sh)
RECEIPT = ["CORNER BAKERY", "Sourdough loaf 4.20", "Croissant x2 3.10", "Oat milk 1.85", "TOTAL 9.15"]
SIGN = ["MAPLE STREET", "Parking 8am-6pm"]
RECEIPT_WORDS = {"corner", "bakery", "sourdough", "loaf", "croissant", "oat", "milk", "total", "9", "15"}
SIGN_WORDS = {"maple", "street", "parking", "8am", "6pm"}


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def render(lines, fg, bg, size=(640, 480), fs=34) -> Image.Image:
    im = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(im)
    y = 30
    for i, line in enumerate(lines):
        d.text((40, y), line, fill=fg, font=font(fs + 8 if i == 0 else fs, bold=i == 0))
        y += int(fs * 1.6)
    return im


def rotate(im: Image.Image, degrees: float, bg) -> Image.Image:
    return im.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor=bg)


def jpeg(im: Image.Image, quality: int = 40) -> Image.Image:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def gradient_receipt() -> Image.Image:
    ramp = np.linspace(40, 250, 640)[None, :, None] * np.ones((480, 1, 3))
    im = Image.fromarray(ramp.astype(np.uint8))
    d = ImageDraw.Draw(im)
    for i, line in enumerate(RECEIPT):
        d.text((40, 30 + 54 * i), line, fill=(10, 10, 10), font=font(42 if i == 0 else 34, bold=i == 0))
    return im


def sign_on_photo() -> Image.Image:
    im = Image.open(PHOTOS / "park_with_brown_dog.jpg").convert("RGB")
    d = ImageDraw.Draw(im)
    d.rectangle((380, 40, 620, 130), fill=(30, 90, 40))
    d.text((395, 50), SIGN[0], fill=(255, 255, 255), font=font(26, bold=True))
    d.text((395, 90), SIGN[1], fill=(255, 255, 255), font=font(22))
    return im


PAPER = (250, 248, 240)
CASES = {
    "receipt": (lambda: render(RECEIPT, (20, 20, 20), PAPER), RECEIPT_WORDS),
    "receipt, small and tiny print": (
        lambda: render(RECEIPT, (20, 20, 20), PAPER, (260, 200), 11).filter(ImageFilter.GaussianBlur(0.8)),
        RECEIPT_WORDS,
    ),
    "receipt +4 degrees": (lambda: rotate(render(RECEIPT, (20, 20, 20), PAPER), 4, PAPER), RECEIPT_WORDS),
    "receipt -4 degrees": (lambda: rotate(render(RECEIPT, (20, 20, 20), PAPER), -4, PAPER), RECEIPT_WORDS),
    "receipt, blurred": (
        lambda: render(RECEIPT, (20, 20, 20), PAPER).filter(ImageFilter.GaussianBlur(1.5)),
        RECEIPT_WORDS,
    ),
    "receipt, small, 5 degrees, blurred, JPEG q40": (
        lambda: jpeg(
            rotate(render(RECEIPT, (20, 20, 20), PAPER, (400, 300), 18), 5, PAPER).filter(ImageFilter.GaussianBlur(1.0))
        ),
        RECEIPT_WORDS,
    ),
    "receipt on a coloured background": (lambda: render(RECEIPT, (120, 20, 20), (240, 200, 60)), RECEIPT_WORDS),
    "receipt on a shading background": (gradient_receipt, RECEIPT_WORDS),
    "receipt in low contrast": (lambda: render(RECEIPT, (110, 110, 110), (160, 160, 160)), RECEIPT_WORDS),
    "street sign, white on blue": (lambda: render(SIGN, (255, 255, 255), (20, 60, 140), fs=48), SIGN_WORDS),
    "street sign, light on black": (lambda: render(SIGN, (230, 230, 230), (15, 15, 15), fs=48), SIGN_WORDS),
    "street sign, green on red": (lambda: render(SIGN, (20, 110, 30), (210, 70, 60), fs=48), SIGN_WORDS),
    "street sign, -4 degrees, blurred": (
        lambda: rotate(render(SIGN, (255, 255, 255), (20, 60, 140), fs=48), -4, (20, 60, 140)).filter(
            ImageFilter.GaussianBlur(1.2)
        ),
        SIGN_WORDS,
    ),
    "street sign in a park photo": (sign_on_photo, SIGN_WORDS),
}


def tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


@pytest.mark.parametrize("case", list(CASES))
def test_photos_of_writing_read_their_words(reader, case):
    make, expected = CASES[case]
    got = reader.read(make())
    assert expected <= tokens(got.text), got.text
    assert got.words == len(got.text.split()) and got.engine == reader.engine_id
    assert got.languages == ("eng",)


def test_lines_come_out_in_reading_order(reader):
    got = reader.read(render(RECEIPT, (20, 20, 20), PAPER))
    assert got.text.splitlines() == RECEIPT


@pytest.mark.parametrize("name", sorted(p.name for p in PHOTOS.iterdir()))
def test_sample_photos_without_writing_read_as_nothing(reader, name):
    image = ImageOps.exif_transpose(Image.open(PHOTOS / name)).convert("RGB")
    got = reader.read(image)
    assert got == OcrText(text="", words=0, engine=reader.engine_id, languages=("eng",))


def brick_wall() -> Image.Image:
    rng = np.random.default_rng(1)
    im = Image.new("RGB", (640, 480), (150, 70, 50))
    d = ImageDraw.Draw(im)
    for y in range(0, 480, 30):
        for x in range(-(y // 30 % 2) * 30, 640, 60):
            d.rectangle((x + 2, y + 2, x + 58, y + 28), fill=(170 + int(rng.integers(-20, 20)), 80, 60))
    return im


def test_textures_read_as_nothing(reader):
    rng = np.random.default_rng(1)
    noise = Image.fromarray((rng.random((480, 640, 3)) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))
    for what, im in (("noise", noise), ("bricks", brick_wall()), ("blank", Image.new("RGB", (64, 48), "white"))):
        assert reader.read(im).empty, what


def test_a_lower_confidence_bar_lets_garbage_through(reader):
    """The bar does work: with it at 0 a brick wall yields 'words'."""
    lax = ocr.TesseractReader(min_confidence=0)
    try:
        assert not lax.read(brick_wall()).empty
        assert lax.engine_id != reader.engine_id
    finally:
        lax.close()


def test_preprocessing_inverts_dark_pages_and_scales_small_and_huge_ones():
    dark = ocr.preprocess(render(SIGN, (230, 230, 230), (15, 15, 15)))
    assert dark.mode == "L" and np.median(np.asarray(dark)) > 128
    assert min(ocr.preprocess(Image.new("RGB", (260, 200), "white")).size) == 600
    assert ocr.preprocess(Image.new("RGB", (100, 20), "white")).size == (300, 60)  # at most 3x
    assert max(ocr.preprocess(Image.new("RGB", (8000, 6000), "white")).size) == ocr.MAX_LONG_SIDE
    # green on red: the red channel, where the writing is 20 on a ground of 210
    g = np.asarray(ocr.preprocess(render(SIGN, (20, 110, 30), (210, 70, 60), fs=48)))
    assert np.percentile(g, 1) < 40 and np.median(g) > 200


def test_threads_each_get_their_own_api_and_agree(reader):
    images = [CASES[c][0]() for c in ("receipt", "street sign, white on blue", "receipt -4 degrees")]
    serial = [reader.read(im).text for im in images]
    out: dict[int, list[str]] = {}

    def work(k: int) -> None:
        out[k] = [reader.read(im).text for im in images]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(v == serial for v in out.values()) and len(reader._apis) >= 2


def test_engine_id_names_version_languages_preprocessing_and_data_hash(reader):
    import hashlib

    from augmem.models.artifacts import sha256_file

    data = reader.tessdata / "eng.traineddata"
    want = hashlib.sha256(f"eng={sha256_file(data)}\n".encode()).hexdigest()
    assert reader.engine_id == f"tesseract-{reader.version}+eng@p{ocr.PREPROCESS_VERSION}:{want}"
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", reader.version)
    got = reader.read(render(SIGN, (0, 0, 0), (255, 255, 255)))
    assert OcrText.from_json(got.to_json()) == got


def test_missing_language_data_names_the_debian_package(tmp_path):
    with pytest.raises(ArtifactError) as err:
        ocr.TesseractReader(languages=("eng", "zzz"))
    assert "'zzz'" in err.value.message and "tesseract-ocr-zzz" in err.value.hint
    assert ocr.debian_package("chi_sim") == "tesseract-ocr-chi-sim"
    with pytest.raises(ArtifactError, match="not a Tesseract language code"):
        ocr.TesseractReader(languages=("../eng",))


def test_no_tesseract_data_at_all_names_the_packages_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "TESSDATA_DIRS", (str(tmp_path / "nowhere"),))
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    with pytest.raises(ArtifactError) as err:
        ocr.TesseractReader()
    assert "not installed" in err.value.message and "\n" not in err.value.message
    assert "tesseract-ocr tesseract-ocr-eng" in err.value.hint and "brew install tesseract" in err.value.hint


def test_a_damaged_traineddata_is_an_artifact_error(tmp_path, reader):
    td = tmp_path / "tessdata"
    td.mkdir()
    with open(reader.tessdata / "eng.traineddata", "rb") as src:
        (td / "eng.traineddata").write_bytes(src.read(100_000))
    with pytest.raises(ArtifactError, match="cannot load eng"):
        ocr.TesseractReader(tessdata=td)


def test_tessdata_prefix_is_honoured(tmp_path, monkeypatch, reader):
    td = tmp_path / "mine"
    td.mkdir()
    shutil.copy(reader.tessdata / "eng.traineddata", td / "eng.traineddata")
    monkeypatch.setenv("TESSDATA_PREFIX", str(td))
    r = ocr.TesseractReader()
    try:
        assert r.tessdata == td and r.engine_id == reader.engine_id  # same bytes, same id
    finally:
        r.close()
