"""augmem-places: searchable words for photos from their EXIF data, offline.

An `enrich_memory` hook: for a photo it returns a line such as

    photo taken in Paris, France · Saturday evening · June 2024 · summer · camera Google Pixel 7

so `augmem recall "evening in paris"` finds it through full-text search even when the
model's picture of it does not say so. Places come from GPS tags and a small bundled
gazetteer (cities.csv: ~290 world cities, name, country, latitude, longitude, written
for this plugin from public geographic facts) by great-circle distance; times from
DateTimeOriginal (the camera's local wall clock). Nothing leaves the machine.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from augmem import hookimpl

__version__ = "0.1.0"

IN_KM = 30.0
NEAR_KM = 150.0
_EARTH_KM = 6371.0088


@dataclass(frozen=True)
class City:
    name: str
    country: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def cities() -> tuple[City, ...]:
    with resources.files(__package__).joinpath("cities.csv").open(encoding="utf-8") as f:
        return tuple(City(r["name"], r["country"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest(lat: float, lon: float) -> tuple[City, float]:
    return min(((c, distance_km(lat, lon, c.lat, c.lon)) for c in cities()), key=lambda cd: cd[1])


def place_words(lat: float, lon: float) -> str:
    city, km = nearest(lat, lon)
    where = f"{city.name}, {city.country}"
    if km <= IN_KM:
        return f"photo taken in {where}"
    if km <= NEAR_KM:
        return f"photo taken near {where}"
    return f"photo taken {km:,.0f} km from {where}"


def time_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 21:
        return "evening"
    return "night"


def season(month: int, lat: float | None) -> str:
    north = (
        "winter",
        "winter",
        "spring",
        "spring",
        "spring",
        "summer",
        "summer",
        "summer",
        "autumn",
        "autumn",
        "autumn",
        "winter",
    )
    s = north[month - 1]
    if lat is not None and lat < 0:  # southern hemisphere
        s = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}[s]
    return s


def when_words(when: datetime, lat: float | None) -> list[str]:
    return [f"{when:%A} {time_of_day(when.hour)}", f"{when:%B %Y}", season(when.month, lat)]


def _degrees(dms, ref) -> float | None:
    try:
        d, m, s = (float(x) for x in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if str(ref).upper().startswith(("S", "W")) else value


@dataclass(frozen=True)
class PhotoFacts:
    lat: float | None = None
    lon: float | None = None
    taken: datetime | None = None
    camera: str = ""


def read_exif(path: Path) -> PhotoFacts:
    """GPS position, DateTimeOriginal and camera of a photo; missing or broken tags are None."""
    from PIL import ExifTags, Image

    try:
        with Image.open(path) as img:
            exif = img.getexif()
            gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
            sub = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # not an image, or unreadable EXIF: nothing to add
        return PhotoFacts()
    lat = lon = None
    if gps:
        lat, lon = _degrees(gps.get(2), gps.get(1, "N")), _degrees(gps.get(4), gps.get(3, "E"))
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            lat = lon = None
    taken = None
    for raw in (sub.get(36867), exif.get(306)):  # DateTimeOriginal, then DateTime
        try:
            taken = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
            break
        except (TypeError, ValueError):
            continue
    make = str(exif.get(271, "")).strip("\x00 ")
    model = str(exif.get(272, "")).strip("\x00 ")
    camera = model if make and model.lower().startswith(make.lower()) else " ".join(p for p in (make, model) if p)
    return PhotoFacts(lat, lon, taken, camera)


def describe(path: Path, fallback_time: float | None = None) -> str | None:
    """The searchable line for one photo, or None when its EXIF says nothing useful."""
    facts = read_exif(path)
    parts = []
    if facts.lat is not None:
        parts.append(place_words(facts.lat, facts.lon))
    when = facts.taken
    if when is None and fallback_time:
        when = datetime.fromtimestamp(fallback_time)
    if when is not None and (facts.taken is not None or parts):
        parts.extend(when_words(when, facts.lat))
    if facts.camera:
        parts.append(f"camera {facts.camera}")
    return " · ".join(parts) or None


@hookimpl
def enrich_memory(memory, settings):
    """Place, time of day, season and camera words for photos (from EXIF)."""
    if getattr(memory, "modality", None) != "image":
        return None
    return describe(Path(memory.path), getattr(memory, "captured_at", None))
