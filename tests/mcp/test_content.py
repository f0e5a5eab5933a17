"""The pieces behind the MCP tools, on real files: the notes folder augmem owns, memories as
content (a note rebuilt from the store, a photo's bounded JPEG), and one-line tool errors."""

from __future__ import annotations

import io
import os
import stat

import pytest
from PIL import Image

from augmem.errors import AugmemError
from augmem.mcp import notes
from augmem.mcp.content import encode_jpeg, hit_json, note_content, recall_text
from augmem.mcp.errors import tidy_error
from augmem.mcp.server import parse_filters
from augmem.records import Hit, RecallResult

NOW = 1_780_000_000.0


def test_a_note_is_written_owner_only_named_by_time_and_first_words(tmp_path):
    folder = tmp_path / "notes"
    path = notes.write_note(folder, "Café au lait with Zoë — at 7:30, then the Ørsted lecture!", now=NOW)
    assert path.name.endswith("-cafe-au-lait-with-zoe-at.md") and path.name[:4].isdigit()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    again = notes.write_note(folder, "Café au lait with Zoë — at 7:30, then the Ørsted lecture!", now=NOW)
    assert again != path and again.name.endswith("-2.md") and path.exists()  # never overwrites a note
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name, again.name])  # no temp files
    assert notes.owns(folder, str(path)) and not notes.owns(folder, str(tmp_path / "elsewhere.md"))
    assert notes.write_note(folder, "!!! ???", now=NOW).name.endswith("-note.md")


def test_a_loosened_notes_folder_is_tightened_and_bad_notes_refused(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    notes.write_note(folder, "hello", now=NOW)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with pytest.raises(AugmemError, match="nothing to remember"):
        notes.write_note(folder, " \n\t ")
    with pytest.raises(AugmemError, match="too long"):
        notes.write_note(folder, "x" * (notes.MAX_NOTE_BYTES + 1))


def hit(**kw) -> Hit:
    base = dict(id="a1", modality="text", source="notes", path="/far/away/note.md", score=0.5, captured_at=NOW)
    return Hit(**{**base, **kw})


def test_a_note_on_another_device_is_rebuilt_from_its_stored_chunks():
    chunks = [
        hit(id="c2", text="Second paragraph.", chunk_start=20, chunk_end=37),
        hit(id="c1", text="First paragraph.", chunk_start=0, chunk_end=16),
    ]
    c = note_content(chunks[0], chunks)
    assert c.text.endswith("First paragraph.\n\nSecond paragraph.")
    assert "stored on another device: /far/away/note.md is not on this machine" in c.text
    assert c.meta["origin"] == "store" and c.mime_type == "text/markdown"


def test_hits_carry_every_field_and_derived_text_when_there_is_some():
    h = hit(modality="audio", path="/far/away/memo.wav", chunk_start=10_000, chunk_end=20_000)
    data = hit_json(h)
    assert {"id", "modality", "source", "path", "score", "captured_at", "text", "size"} <= set(data)
    assert data["kind"] == "audio" and data["uri"] == "memory://a1" and data["on_this_machine"] is False
    text = recall_text(RecallResult(hits=[h]), "memo", now=NOW)
    assert "0:10–0:20" in text and "stored on another device" in text
    h.transcript = "call the plumber about the boiler"  # a field the derived-text work adds to Hit
    assert "said: call the plumber about the boiler" in recall_text(RecallResult(hits=[h]), "memo", now=NOW)


def test_a_photo_becomes_a_bounded_jpeg():
    noisy = Image.effect_noise((3000, 2000), 120).convert("RGB")  # incompressible: worst case for size
    data = encode_jpeg(noisy, pixels=1024, max_bytes=200_000)
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG" and max(im.size) <= 1024 and len(data) <= 200_000


def test_tool_arguments_are_checked_in_one_line():
    assert parse_filters("photos", "2d", None, "mic").modalities == ["image"]
    assert parse_filters("any", None, None, None).modalities is None
    with pytest.raises(AugmemError, match="unknown kind of memory 'smell'"):
        parse_filters("smell", None, None, None)
    with pytest.raises(AugmemError, match="'until' must come after 'since'"):
        parse_filters(None, "2026-05-02", "2026-05-01 08:00", None)
    pydantic_text = (
        "Error executing tool recall: 2 validation errors for recallArguments\nlimit\n  Input should be "
        "a valid integer [type=int_parsing, input_value='x', input_type=str]\n    For further "
        "information visit https://errors.pydantic.dev/2/v/int_parsing\nquery\n  Input should be a "
        "valid string [type=string_type, input_value=3, input_type=int]"
    )
    assert tidy_error(pydantic_text) == (
        "Error executing tool recall: bad arguments: limit: Input should be a valid "
        "integer; query: Input should be a valid string"
    )
    assert tidy_error("one\n  two") == "one two"
