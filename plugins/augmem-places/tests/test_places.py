"""augmem-places: EXIF -> place, time-of-day, season and camera words."""

from __future__ import annotations

import importlib.metadata as md
from datetime import datetime
from pathlib import Path

import augmem_places as places
import pytest
from PIL import ExifTags, Image

from augmem.records import Memory


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    return float(d), float(m), round((value - d - m / 60) * 3600, 2)


def photo(path: Path, lat=None, lon=None, when: str | None = None, make="", model="") -> Path:
    exif = Image.Exif()
    if make:
        exif[271] = make
    if model:
        exif[272] = model
    if when:
        exif.get_ifd(ExifTags.IFD.Exif)[36867] = when
    if lat is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    Image.new("RGB", (64, 48), (90, 120, 200)).save(path, exif=exif)
    return path


def test_gazetteer_is_bundled_and_sane():
    rows = places.cities()
    assert len(rows) >= 200
    assert all(-90 <= c.lat <= 90 and -180 <= c.lon <= 180 for c in rows)
    assert len({(c.name, c.country) for c in rows}) == len(rows)


def test_distance_is_great_circle():
    paris, london = (48.86, 2.35), (51.51, -0.13)
    assert places.distance_km(*paris, *london) == pytest.approx(343, abs=5)
    assert places.distance_km(0, 0, 0, 180) == pytest.approx(20_015, rel=1e-3)


def test_a_photo_in_paris_in_the_evening(tmp_path):
    p = photo(tmp_path / "p.jpg", 48.8584, 2.2945, "2024:06:15 19:42:00", "Google", "Pixel 7")
    text = places.describe(p)
    assert text == "photo taken in Paris, France · Saturday evening · June 2024 · summer · camera Google Pixel 7"


def test_southern_hemisphere_and_west_longitudes(tmp_path):
    p = photo(tmp_path / "ba.jpg", -34.58, -58.42, "2023:01:10 07:05:00", "Canon", "Canon EOS R6")
    text = places.describe(p)
    assert "in Buenos Aires, Argentina" in text and "Tuesday morning" in text and "summer" in text
    assert "camera Canon EOS R6" in text  # the make is not repeated


def test_far_from_any_city_says_how_far(tmp_path):
    p = photo(tmp_path / "sea.jpg", 40.0, -40.0, "2022:12:24 23:30:00")
    text = places.describe(p)
    assert " km from " in text and "night" in text and "winter" in text


def test_nothing_to_say(tmp_path):
    assert places.describe(photo(tmp_path / "plain.jpg")) is None
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    assert places.describe(tmp_path / "broken.jpg") is None


def test_hook_only_enriches_photos(tmp_path):
    p = photo(tmp_path / "x.jpg", 35.0116, 135.7681, "2021:04:03 13:00:00")
    mem = Memory(
        id="1",
        modality="image",
        source="photos",
        path=str(p),
        content_sha256="0",
        size=1,
        mtime=0.0,
        captured_at=datetime(2021, 4, 3, 13).timestamp(),
    )
    assert "in Kyoto, Japan" in places.enrich_memory(memory=mem, settings=None)
    note = Memory(
        id="2", modality="text", source="notes", path=str(p), content_sha256="0", size=1, mtime=0.0, captured_at=0.0
    )
    assert places.enrich_memory(memory=note, settings=None) is None


def test_installed_entry_point_runs_through_augmem(tmp_path, monkeypatch):
    try:
        md.distribution("augmem-places")
    except md.PackageNotFoundError:
        pytest.skip("augmem-places is not installed: pip install --no-deps -e plugins/augmem-places")
    from augmem.plugins import load_plugins

    monkeypatch.setenv("AUGMEM_LOAD_PLUGINS", "places")
    pm = load_plugins(tmp_path)
    p = photo(tmp_path / "y.jpg", 52.37, 4.90, "2020:10:01 18:00:00")
    mem = Memory(
        id="1", modality="image", source="photos", path=str(p), content_sha256="0", size=1, mtime=0.0, captured_at=0.0
    )
    assert any("Amsterdam, Netherlands" in t for t in pm.hook.enrich_memory(memory=mem, settings=None) if t)
