"""`augmem mcp` as an assistant uses it: a real server subprocess over stdio, driven by the
official SDK's client. List the tools, remember then recall, read a memory's content (a note's
text, a photo as an image, a clip's transcript or that it has none), forget only with confirm,
errors as one-line MCP errors, the daemon when it runs, and two devices sharing one bucket."""

from __future__ import annotations

import base64
import io
import json
import shutil
import stat
from pathlib import Path

import anyio
import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import BlobResourceContents, ImageContent, TextResourceContents
from PIL import Image

from augmem.config import load_settings
from augmem.core import Augmem
from tests.conftest import SAMPLES, write_config
from tests.daemon.proc import DaemonProcess, short_home
from tests.mcp.conftest import mcp_session, text_of

TOOLS = {"recall", "remember", "forget", "status", "read_memory"}
NOTE = "The spare key to the allotment shed is under the blue flowerpot by the water butt."


def no_traceback(*texts: str) -> None:
    for t in texts:
        assert "Traceback" not in t and 'File "' not in t, t


def test_tools_and_resource_templates_are_listed(use_minilm):
    async def scenario() -> None:
        async with mcp_session(use_minilm) as s:
            tools = {t.name: t for t in (await s.list_tools()).tools}
            assert set(tools) == TOOLS
            forget = tools["forget"].input_schema
            assert forget["required"] == ["id"] and forget["properties"]["confirm"]["default"] is False
            assert tools["forget"].annotations.destructive_hint is True
            assert tools["recall"].annotations.read_only_hint is True
            kinds = json.dumps(tools["recall"].input_schema["properties"]["modality"])
            assert all(k in kinds for k in ("note", "photo", "audio"))
            templates = {t.uri_template for t in (await s.list_resource_templates()).resource_templates}
            assert templates == {"memory://{id}", "memory://{id}/image"}

    anyio.run(scenario)


def test_remember_recall_read_and_forget_with_confirmation(use_minilm, tmp_path):
    notes_dir = use_minilm / "data" / "notes"

    async def scenario() -> None:
        async with mcp_session(use_minilm) as s:
            res = await s.call_tool("remember", {"text": NOTE, "title": "Allotment shed key"})
            assert not res.is_error, text_of(res)
            memory_id, path = res.structured_content["id"], Path(res.structured_content["path"])
            # a note file augmem owns: in <data>/notes (0700), the file 0600, named by time and first words
            assert path.parent == notes_dir and path.name.endswith("-allotment-shed-key.md")
            assert stat.S_IMODE(notes_dir.stat().st_mode) == 0o700
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert path.read_text() == f"# Allotment shed key\n\n{NOTE}\n"
            assert not [p for p in notes_dir.iterdir() if p.name.startswith(".")]  # no temp file left

            res = await s.call_tool("recall", {"query": "where did I hide the key for the shed", "limit": 3})
            assert not res.is_error, text_of(res)
            top = res.structured_content["hits"][0]
            assert top["id"] == memory_id and top["path"] == str(path)
            assert {"id", "kind", "time", "path", "score", "snippet", "uri", "text"} <= set(top)
            assert top["kind"] == "note" and "blue flowerpot" in top["snippet"] and top["on_this_machine"]
            assert memory_id in text_of(res) and "blue flowerpot" in text_of(res)

            res = await s.call_tool("read_memory", {"id": memory_id})
            assert not res.is_error and NOTE in text_of(res)
            read = await s.read_resource(f"memory://{memory_id}")
            (contents,) = read.contents
            assert isinstance(contents, TextResourceContents) and NOTE in contents.text

            # the same text again is not a second memory (ingest deduplicates by content)
            res = await s.call_tool("remember", {"text": NOTE, "title": "Allotment shed key"})
            assert not res.is_error and res.structured_content["stored"] is False
            assert len(list(notes_dir.glob("*.md"))) == 1

            # forget refuses without confirm, saying what it would delete; nothing changes
            res = await s.call_tool("forget", {"id": memory_id})
            assert res.is_error
            refusal = text_of(res)
            assert "\n" not in refusal and "confirm=true" in refusal and str(path) in refusal
            assert path.exists()
            hits = (await s.call_tool("recall", {"query": "shed key flowerpot"})).structured_content["hits"]
            assert hits and hits[0]["id"] == memory_id

            res = await s.call_tool("forget", {"id": memory_id, "confirm": True})
            assert not res.is_error, text_of(res)
            assert not path.exists()  # augmem wrote it, so forgetting deletes the note file too
            hits = (await s.call_tool("recall", {"query": "shed key flowerpot"})).structured_content["hits"]
            assert all(h["id"] != memory_id for h in hits)
            assert (await s.call_tool("read_memory", {"id": memory_id})).is_error

    anyio.run(scenario)


def test_bad_input_comes_back_as_one_line_errors(use_minilm):
    async def scenario() -> None:
        async with mcp_session(use_minilm) as s:
            cases = {
                "recall": [
                    ({"query": "x", "since": "last blue moon"}, "cannot read 'last blue moon' as a time"),
                    ({"query": "x", "limit": "many"}, "limit: Input should be a valid integer"),
                    ({"query": "x", "limit": 1000}, "limit must be between 1 and 100"),
                    ({"query": "x", "modality": "smell"}, "modality"),
                    ({}, "nothing to recall"),
                ],
                "read_memory": [({"id": "0123456789abcdef"}, "no memory with id '0123456789abcdef'")],
                "forget": [({"id": "0123456789abcdef", "confirm": True}, "no memory with id")],
                "remember": [({"text": "   "}, "nothing to remember")],
            }
            for tool, calls in cases.items():
                for args, expected in calls:
                    res = await s.call_tool(tool, args)
                    message = text_of(res)
                    assert res.is_error, (tool, args, message)
                    assert expected in message and "\n" not in message, (tool, args, message)
                    no_traceback(message)
            with pytest.raises(MCPError, match="no memory with id 'nope'"):
                await s.read_resource("memory://nope")
            # the server is still there after all that
            assert not (await s.call_tool("status", {})).is_error

    anyio.run(scenario)


def test_an_unreachable_store_is_a_one_line_error(augmem_home):
    write_config(
        augmem_home,
        model="minilm",
        store_uri="s3://gone-bucket/augmem",
        store_options={"endpoint": "http://127.0.0.1:9", "access_key_id": "k", "secret_access_key": "s"},
    )

    async def scenario() -> None:
        async with mcp_session(augmem_home) as s:
            res = await s.call_tool("recall", {"query": "anything"})
            message = text_of(res)
            assert res.is_error and "\n" not in message
            assert "cannot reach s3://gone-bucket/augmem" in message and "http://127.0.0.1:9" in message
            no_traceback(message)

    anyio.run(scenario)


def test_a_photo_is_image_content_and_a_clip_says_it_has_no_transcript(use_aist, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(SAMPLES / "photos" / "snowy_mountains.jpg", media / "mountains.jpg")
    shutil.copy(SAMPLES / "audio" / "doorbell_chime.wav", media / "doorbell.wav")
    core = Augmem(load_settings())
    assert core.ingest([media]).added == 2
    core.close()

    async def scenario() -> None:
        async with mcp_session(use_aist) as s:
            photo = (await s.call_tool("recall", {"modality": "photo"})).structured_content["hits"][0]
            res = await s.call_tool("read_memory", {"id": photo["id"]})
            assert not res.is_error, text_of(res)
            (image,) = [b for b in res.content if isinstance(b, ImageContent)]
            assert image.mime_type == "image/jpeg"
            decoded = Image.open(io.BytesIO(base64.b64decode(image.data)))
            assert decoded.format == "JPEG" and max(decoded.size) <= 1024
            assert "mountains.jpg" in text_of(res)
            blob = (await s.read_resource(f"memory://{photo['id']}/image")).contents[0]
            assert isinstance(blob, BlobResourceContents) and blob.mime_type == "image/jpeg"
            assert base64.b64decode(blob.blob)[:2] == b"\xff\xd8"

            clip = (await s.call_tool("recall", {"modality": "audio"})).structured_content["hits"][0]
            res = await s.call_tool("read_memory", {"id": clip["id"]})
            assert not res.is_error and "doorbell.wav" in text_of(res)
            # a transcript when the clip has one (derived text), else this line, never an error
            assert clip.get("transcript") or "no transcript yet" in text_of(res)

            # the photo's file is gone from this machine (another device stored it): say so
            (media / "mountains.jpg").unlink()
            res = await s.call_tool("read_memory", {"id": photo["id"]})
            assert not res.is_error
            assert not [b for b in res.content if isinstance(b, ImageContent)]
            assert f"stored on another device: {media / 'mountains.jpg'} is not on this machine" in text_of(res)
            with pytest.raises(MCPError, match="stored on another device"):
                await s.read_resource(f"memory://{photo['id']}/image")

    anyio.run(scenario)


@pytest.mark.slow
def test_it_uses_the_running_daemon(monkeypatch):
    home = short_home("augm-")
    write_config(home, model="minilm", reconcile_minutes=600)
    daemon = DaemonProcess(home).start()
    try:

        async def scenario() -> str:
            async with mcp_session(home) as s:
                status = await s.call_tool("status", {})
                assert not status.is_error
                assert status.structured_content["daemon"]["pid"] == daemon.proc.pid
                assert "daemon: running" in text_of(status)
                res = await s.call_tool("remember", {"text": NOTE})
                assert not res.is_error, text_of(res)
                memory_id = res.structured_content["id"]
                read = await s.call_tool("read_memory", {"id": memory_id})  # the daemon's `memory` op
                assert not read.is_error and NOTE in text_of(read)
                return memory_id

        memory_id = anyio.run(scenario)
        # the daemon wrote it: its warm core answers for it
        with daemon.client() as client:
            hit = client.recall("spare key allotment shed", limit=1).hits[0]
            assert hit.id == memory_id
    finally:
        daemon.terminate()
        daemon.cleanup()


def test_two_assistants_on_two_devices_share_one_bucket(s3, bucket, tmp_path):
    config = dict(model="minilm", store_uri=f"s3://{bucket}/augmem", store_options=s3.options())
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    for device in (laptop, phone):
        device.mkdir()
        write_config(device, **config)

    async def scenario() -> None:
        async with mcp_session(laptop) as s:
            res = await s.call_tool("remember", {"text": NOTE})
            assert not res.is_error, text_of(res)
            path = res.structured_content["path"]
        Path(path).rename(tmp_path / "moved-away.md")  # the note file is on the laptop only
        async with mcp_session(phone) as s:
            hit = (await s.call_tool("recall", {"query": "where is the shed key"})).structured_content["hits"][0]
            assert hit["path"] == path and hit["on_this_machine"] is False
            res = await s.call_tool("read_memory", {"id": hit["id"]})
            # a note's text lives in the store, so the phone still shows it, and says where it is from
            assert not res.is_error and NOTE in text_of(res)
            assert "stored on another device" in text_of(res)

    anyio.run(scenario)
