"""The contract's wire format: records to JSON and back by their type hints, refusals that
name the field, path arguments made absolute before they leave, and the daemon's dispatch
refusing what the contract does not name — over a real Unix socket."""

from __future__ import annotations

import os

import pytest

from augmem import codec, contract
from augmem.daemon.client import DaemonClient
from augmem.daemon.ops import dispatch
from augmem.daemon.server import SocketServer
from augmem.errors import AugmemError
from augmem.records import DayCount, Filters, Hit, IngestReport, RecallResult, Rejection, Segment, Status


def test_records_round_trip():
    hit = Hit(
        id="m",
        modality="audio",
        source="mic",
        path="/c.flac",
        score=0.5,
        captured_at=1.5,
        facet="transcript",
        transcript="hello there",
        segments=[Segment(0.0, 1.2, "hello there")],
        language="en",
    )
    assert codec.from_json(Hit, codec.to_json(hit)) == hit
    report = IngestReport(added=2, rejected=[Rejection("/x.jpg", "corrupt image: cut off")])
    assert codec.from_json(IngestReport, codec.to_json(report)) == report
    assert codec.from_json(list[DayCount], codec.to_json([DayCount("2026-12-01", {"text": 3})])) == [
        DayCount("2026-12-01", {"text": 3})
    ]
    assert codec.from_json(Status, codec.to_json(Status(model="minilm"))).model == "minilm"


@pytest.mark.parametrize(
    "tp, data, message",
    [
        (Hit, {"id": "x"}, "Hit needs 'modality'"),
        (
            Hit,
            {"id": "x", "modality": "text", "source": "n", "path": "/p", "score": "high", "captured_at": 0},
            "score: expected a number",
        ),
        (Filters, {"modalities": ["text"], "colour": "red"}, "Filters has no field 'colour'"),
        (DayCount, {"day": "2026-01-01"}, "DayCount needs 'counts'"),
        (list[int], [1, True], "expected a whole number"),
    ],
)
def test_a_value_of_the_wrong_shape_is_refused_naming_the_field(tp, data, message):
    with pytest.raises(codec.CodecError, match=message):
        codec.from_json(tp, data)


def test_the_daemons_dispatch_refuses_what_the_contract_does_not_name():
    class Core:
        def forget(self, *, ids=(), paths=()):
            return len(ids) + len(paths)

    assert dispatch(Core(), {"op": "forget", "ids": ["a", "b"]}) == 2
    with pytest.raises(AugmemError, match="forget: unknown argument 'everything'"):
        dispatch(Core(), {"op": "forget", "everything": True})
    with pytest.raises(AugmemError, match=r"bad request: forget.ids"):
        dispatch(Core(), {"op": "forget", "ids": "a"})


def test_every_contract_operation_is_a_client_method_with_the_same_signature():
    import inspect

    for op in contract.OPS:
        mine = inspect.signature(getattr(DaemonClient, op))
        assert list(mine.parameters)[1:] == list(contract.op_signature(op).parameters), op


def test_path_arguments_leave_the_client_absolute(tmp_path, monkeypatch):
    """A real socket: what reaches the daemon is the absolute path, `~` expanded."""
    seen = []

    def answer(request):
        seen.append(request)
        return codec.to_json(IngestReport() if request["op"] == "ingest" else RecallResult())

    server = SocketServer(tmp_path / "s.sock", answer)
    server.start()
    try:
        monkeypatch.chdir(tmp_path)
        with DaemonClient(tmp_path / "s.sock") as client:
            client.ingest(["notes", "~/photos"], source="notes")
            client.recall("x", like="memo.flac")
    finally:
        server.stop()
    ingest, recall = seen
    assert ingest["paths"] == [str(tmp_path / "notes"), os.path.expanduser("~/photos")]
    assert ingest["source"] == "notes" and ingest["force"] is False and ingest["forget_missing"] is True
    assert recall["like"] == str(tmp_path / "memo.flac") and recall["query"] == "x"
