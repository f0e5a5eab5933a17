"""Text in photos with Tesseract 5, in process through tesserocr.

tesserocr rather than pytesseract: pytesseract starts a `tesseract` process per image, which
loads the language data again each time; tesserocr keeps one initialised API per thread and
hands it the PIL image directly, and its iterator gives each word's confidence. Its wheels
bundle libtesseract, so only the language data (Debian `tesseract-ocr-eng`, Homebrew
`tesseract`) has to come from the system.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from augmem.derive.base import OcrText, TextReader
from augmem.errors import ArtifactError

if TYPE_CHECKING:
    from PIL import Image

    from augmem.models.artifacts import HashCache

PREPROCESS_VERSION = 1
"""Bump when preprocessing or word filtering changes what comes out (part of engine_id)."""

# Evidence for the numbers below (tesseract 5.5.4 from the tesserocr 2.13 wheel, Debian's
# eng.traineddata 4.1.0), over 16 rendered text images (a receipt and a street sign: dark on
# light, light on dark, coloured backgrounds, green on red, a left-to-right gradient, low
# contrast, +-4 and 5 degrees, Gaussian blur 1-2 px, 260x200 px at 11 px, JPEG q40, a sign
# pasted onto a sample photo) and 9 text-free images (the 7 sample photos, blurred noise,
# a brick wall):
# * Page segmentation AUTO found no word at all in any text-free image; SPARSE_TEXT found
#   words in 6 of 9 (frets read as "TIT", bricks as "L" at confidence 89), so AUTO it is.
# * Sauvola (Tesseract's thresholding_method=2) instead of global Otsu: recall of the
#   expected words 194/204 vs 165/204; it rescues the gradient background (1/15 -> 15/15)
#   and the blurred, rotated small receipt (0/15 -> 15/15).
# * Upscaling the short side to 600 px lifted the tiny receipt's weakest true word from
#   confidence 15 to 91; upscaling everything to 1600 px broke +-4 degree pages (0/15), so
#   only small images are scaled.
# * +-4-5 degrees: Tesseract's own layout analysis deskews them (15/15 at native size and
#   with the 600 px upscaling);
#   a deskew pass of ours (Tesseract's AnalyseLayout angle, then rotate) changed nothing
#   and doubled the time, so there is none.
# * Colour: luminance unless a colour channel separates much better (see `_gray`).
# * Word confidence, through this reader end to end: recall 253/258 and not one word from a
#   text-free image for every threshold from 40 to 80; at 20 the brick wall reads as
#   "EE ees Se) one" and a misread "Batre" (40) slips in. 60 is the middle of that plateau.
MIN_WORD_CONFIDENCE = 60
UPSCALE_SHORT_SIDE = 600
MAX_UPSCALE = 3.0
MAX_LONG_SIDE = 4000
"""Bigger photos are scaled down to this long side first. A 48 MP receipt (8064x6048) took
4.9-7.9 s at full size and 3.2-3.5 s at 4000 px for the same words; at 2000 px its 40 px
writing (10 px by then) lost words."""
SAUVOLA = "2"

TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",  # Debian 12+, Ubuntu 22.04+
    "/usr/share/tesseract-ocr/4.00/tessdata",  # Debian 11, Ubuntu 20.04
    "/usr/share/tessdata",  # Fedora, Arch
    "/opt/homebrew/share/tessdata",  # Homebrew on Apple silicon
    "/usr/local/share/tessdata",  # Homebrew on Intel, source builds
)
INSTALL_HINT = "Debian/Ubuntu: sudo apt-get install tesseract-ocr tesseract-ocr-eng; Homebrew: brew install tesseract"
_LANG_RE = re.compile(r"^[A-Za-z0-9_]+$")


def debian_package(lang: str) -> str:
    """Debian's package for a Tesseract language: chi_sim -> tesseract-ocr-chi-sim."""
    return "tesseract-ocr-" + lang.lower().replace("_", "-")


def _candidates(explicit: str | Path | None) -> list[Path]:
    if explicit:
        return [Path(explicit).expanduser()]
    out = []
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:  # Tesseract 4+ takes the tessdata folder itself; 3.x took its parent
        out += [Path(prefix), Path(prefix) / "tessdata"]
    return out + [Path(d) for d in TESSDATA_DIRS]


def find_tessdata(languages: tuple[str, ...], tessdata: str | Path | None = None) -> Path:
    """The first tessdata folder holding `<lang>.traineddata` for every language; a clear
    ArtifactError naming the package to install when there is none."""
    for lang in languages:
        if not _LANG_RE.match(lang):
            raise ArtifactError(
                f"OCR language {lang!r} is not a Tesseract language code",
                hint="codes look like eng, deu, fra, chi_sim (see `tesseract --list-langs`)",
            )
    dirs = [d for d in _candidates(tessdata) if d.is_dir()]
    for d in dirs:
        if all((d / f"{lang}.traineddata").is_file() for lang in languages):
            return d
    with_data = [d for d in dirs if any(d.glob("*.traineddata"))]
    if not with_data:
        looked = ", ".join(str(d) for d in _candidates(tessdata))
        raise ArtifactError(
            f"Tesseract's language data is not installed (no *.traineddata in {looked})",
            hint=INSTALL_HINT + "; or set TESSDATA_PREFIX to a tessdata folder",
        )
    d = with_data[0]
    missing = [lang for lang in languages if not (d / f"{lang}.traineddata").is_file()]
    raise ArtifactError(
        f"OCR language {missing[0]!r} is not installed (no {missing[0]}.traineddata in {d})",
        hint=f"Debian/Ubuntu: sudo apt-get install {' '.join(debian_package(m) for m in missing)}; "
        "Homebrew: brew install tesseract-lang",
    )


def _import_tesserocr():
    try:
        import tesserocr
    except ImportError as exc:
        raise ArtifactError(
            "OCR needs Tesseract through the Python package tesserocr, which is not installed",
            # Linux wheels bundle libtesseract; on macOS there is no wheel (tesserocr 2.13), so
            # pip builds it against Homebrew's library
            hint="pip install tesserocr (macOS: brew install tesseract pkg-config first); "
            "the language data: " + INSTALL_HINT,
        ) from exc
    return tesserocr


# -- preprocessing ---------------------------------------------------------------------------
def _otsu_separation(channel: np.ndarray) -> float:
    """Otsu's between-class variance at its best threshold: how cleanly one threshold splits
    this channel into two populations (writing and its background)."""
    hist = np.bincount(channel.ravel(), minlength=256).astype(np.float64)
    p = hist / hist.sum()
    levels = np.arange(256, dtype=np.float64)
    w0 = np.cumsum(p)
    mu = np.cumsum(p * levels)
    w1 = 1.0 - w0
    valid = (w0 > 0) & (w1 > 0)
    between = np.zeros(256)
    between[valid] = (mu[-1] * w0[valid] - mu[valid]) ** 2 / (w0[valid] * w1[valid])
    return float(between.max())


def _gray(rgb: Image.Image) -> Image.Image:
    """Luminance, unless one colour channel separates writing from background much better:
    green (20,110,30) on red (210,70,60) is 74 on 110 in luminance but 20 on 210 in red;
    luminance read 2 of its 5 words, the red channel all 5."""
    lum = rgb.convert("L")
    best, best_sep = lum, _otsu_separation(np.asarray(lum))
    for band in rgb.split():
        sep = _otsu_separation(np.asarray(band))
        if sep > 1.5 * best_sep:  # a clear win only; on grey writing all channels tie
            best, best_sep = band, sep
    return best


def preprocess(image: Image.Image) -> Image.Image:
    """What Tesseract gets: one grey channel, dark writing on a light page, the histogram
    stretched, small images scaled up and huge ones down. Binarisation is Tesseract's own
    (Sauvola, set on the API)."""
    from PIL import Image, ImageOps

    rgb = image.convert("RGB")
    if max(rgb.size) > MAX_LONG_SIDE:  # shrink first: everything after costs per pixel
        s = MAX_LONG_SIDE / max(rgb.size)
        rgb = rgb.resize((max(1, round(rgb.width * s)), max(1, round(rgb.height * s))), Image.LANCZOS)
    gray = _gray(rgb)
    if float(np.median(np.asarray(gray))) < 128:  # mostly dark: light writing on a dark ground
        gray = ImageOps.invert(gray)
    gray = ImageOps.autocontrast(gray, cutoff=1)
    if min(gray.size) < UPSCALE_SHORT_SIDE:
        s = min(MAX_UPSCALE, UPSCALE_SHORT_SIDE / max(1, min(gray.size)))
        gray = gray.resize((max(1, round(gray.width * s)), max(1, round(gray.height * s))), Image.LANCZOS)
    return gray


# -- the reader -----------------------------------------------------------------------------
class TesseractReader(TextReader):
    """OCR with Tesseract: one initialised API per thread (an API is not thread-safe, and
    initialising one loads the language data, ~0.1 s), created on first use there."""

    name = "tesseract"

    def __init__(
        self,
        languages: tuple[str, ...] | list[str] = ("eng",),
        tessdata: str | Path | None = None,
        min_confidence: float = MIN_WORD_CONFIDENCE,
        hash_cache: HashCache | None = None,
    ):
        self._tesserocr = _import_tesserocr()
        self.languages = tuple(languages) or ("eng",)
        self.tessdata = find_tessdata(self.languages, tessdata)
        self.min_confidence = float(min_confidence)
        first = self._tesserocr.tesseract_version().splitlines()[0].strip()  # "tesseract 5.5.4"
        self.version = first.split()[-1]
        h = hashlib.sha256()
        for lang in self.languages:
            f = self.tessdata / f"{lang}.traineddata"
            h.update(f"{lang}={_sha256(f, hash_cache)}\n".encode())
        self.data_sha256 = h.hexdigest()
        self._local = threading.local()
        self._apis: list = []
        self._lock = threading.Lock()
        self._api()  # fail now, not on the first photo, when the data cannot be loaded

    @property
    def engine_id(self) -> str:
        extra = "" if self.min_confidence == MIN_WORD_CONFIDENCE else f"-c{self.min_confidence:g}"
        return f"tesseract-{self.version}+{'+'.join(self.languages)}@p{PREPROCESS_VERSION}{extra}:{self.data_sha256}"

    def _api(self):
        api = getattr(self._local, "api", None)
        if api is not None:
            return api
        t = self._tesserocr
        try:
            api = t.PyTessBaseAPI(path=str(self.tessdata) + os.sep, lang="+".join(self.languages), psm=t.PSM.AUTO)
        except RuntimeError as exc:
            raise ArtifactError(
                f"Tesseract cannot load {'+'.join(self.languages)} from {self.tessdata} ({exc})",
                hint="the .traineddata files are damaged or too old; reinstall them: " + INSTALL_HINT,
            ) from exc
        api.SetVariable("thresholding_method", SAUVOLA)
        with self._lock:
            self._apis.append(api)
        self._local.api = api
        return api

    def read(self, image: Image.Image) -> OcrText:
        t = self._tesserocr
        api = self._api()
        api.SetImage(preprocess(image))
        api.Recognize()
        lines: list[list[str]] = []
        it = api.GetIterator()
        level = t.RIL.WORD
        for word in t.iterate_level(it, level):
            try:
                text = word.GetUTF8Text(level)
            except RuntimeError:  # an empty word box
                continue
            if not lines or word.IsAtBeginningOf(t.RIL.TEXTLINE):
                lines.append([])
            text = text.strip()
            # a word without a letter or digit ("|", "—") is a ruling line or a shadow
            if word.Confidence(level) >= self.min_confidence and any(c.isalnum() for c in text):
                lines[-1].append(text)
        api.Clear()
        kept = [" ".join(words) for words in lines if words]
        return OcrText(
            text="\n".join(kept),
            words=sum(len(words) for words in lines),
            engine=self.engine_id,
            languages=self.languages,
        )

    def close(self) -> None:
        with self._lock:
            apis, self._apis = self._apis, []
        for api in apis:
            api.End()
        self._local = threading.local()


def _sha256(path: Path, hash_cache: HashCache | None) -> str:
    if hash_cache is not None:
        return hash_cache.sha256(path)
    from augmem.models.artifacts import sha256_file

    return sha256_file(path)
