"""The single writer (priorities, merging, failures, shutdown) and the scheduled-job
wrapper on a real APScheduler (no overlap, a failing run does not stop the next)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from augmem.daemon.jobs import Jobs, MigrationProgress
from augmem.daemon.worker import BACKGROUND, CHANGES, INTERACTIVE, Cancelled, Worker
from augmem.humanize import duration


def test_priorities_merging_and_failures():
    ran, gate = [], threading.Event()

    def slow(p):
        gate.wait(5)
        ran.append(("slow", p))

    def boom(p):
        raise ValueError("bad batch")

    w = Worker(
        {
            "slow": slow,
            "changes": lambda p: ran.append(("changes", p)) or len(p),
            "ask": lambda p: ran.append(("ask", p)) or "answer",
            "boom": boom,
        }
    )
    w.start()
    first = w.submit("slow", 0, BACKGROUND)
    time.sleep(0.1)  # the worker is busy with "slow"; queue up the rest
    changes = [w.submit("changes", i, CHANGES, mergeable=True) for i in range(5)]
    bad = w.submit("boom", None, CHANGES)
    ask = w.submit("ask", "q", INTERACTIVE)
    gate.set()
    assert ask.result(5) == "answer"
    assert [c.result(5) for c in changes] == [5] * 5  # one call for all five
    with pytest.raises(ValueError):
        bad.result(5)
    first.result(5)
    assert ran == [("slow", [0]), ("ask", ["q"]), ("changes", [0, 1, 2, 3, 4])]
    assert w.submit("ask", "again", INTERACTIVE).result(5) == "answer"  # a failure did not stop it
    assert w.stop(5) and w.failed == 1


def test_stop_finishes_the_current_task_and_cancels_the_rest():
    started = threading.Event()
    progress = []

    def long_task(p):
        started.set()
        for i in range(100):
            w.check()  # what the core's progress callback does between batches
            progress.append(i)
            time.sleep(0.02)

    w = Worker({"long": long_task, "x": lambda p: None})
    w.start()
    running = w.submit("long")
    queued = w.submit("x")
    started.wait(5)
    time.sleep(0.1)
    assert w.stop(10)
    with pytest.raises(Cancelled):
        running.result(1)
    with pytest.raises(Cancelled):
        queued.result(1)
    assert 0 < len(progress) < 100
    with pytest.raises(Cancelled):
        w.submit("x").result(1)


def test_jobs_never_overlap_and_survive_a_failing_run():
    from apscheduler.schedulers.background import BackgroundScheduler

    fake_daemon = SimpleNamespace(stopping=False)
    jobs = Jobs(fake_daemon)
    jobs.scheduler = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})
    state = {"running": 0, "max": 0, "calls": 0}

    def flaky():
        state["calls"] += 1
        state["running"] += 1
        state["max"] = max(state["max"], state["running"])
        try:
            time.sleep(0.3)  # longer than the interval
            if state["calls"] == 1:
                raise RuntimeError("first run fails")
            return "fine"
        finally:
            state["running"] -= 1

    jobs._add("flaky", flaky, seconds=0.05)
    jobs.scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while jobs.records["flaky"].runs < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        jobs.scheduler.shutdown(wait=True)
    rec = jobs.records["flaky"]
    assert rec.runs >= 3 and rec.failures == 1
    assert rec.last_error is None and rec.last_result == "fine"
    assert state["max"] == 1


def test_migration_progress_rate_and_eta():
    m = MigrationProgress()
    m.begin(10, 110, "aist-87m:abc")
    m._t0 -= 10  # ten seconds ago
    m.update(60, 110)
    j = m.info()
    assert j.done == 60 and j.left == 50 and j.rate == pytest.approx(5.0, rel=0.05)
    assert j.eta_s == pytest.approx(10.0, rel=0.05) and duration(j.eta_s) == "10s"
    m.update(110, 110)
    assert m.info().eta_s == 0.0 and duration(m.info().eta_s) == "0s"


def test_a_failed_job_runs_again_soon_then_at_its_interval(monkeypatch):
    """The reconcile at start is the only way in for files that were there before the daemon;
    a failure there must not leave them out for the half hour of its interval."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from augmem.daemon import jobs as jobs_mod

    monkeypatch.setattr(jobs_mod, "FAILED_RETRY_SECONDS", 0.1)
    jobs = Jobs(SimpleNamespace(stopping=False))
    jobs.scheduler = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})
    calls = []

    def fails_twice():
        calls.append(time.monotonic())
        if len(calls) <= 2:
            raise RuntimeError(f"run {len(calls)} fails")
        return "fine"

    from datetime import datetime

    jobs._add("hourly", fails_twice, hours=1, next_run_time=datetime.now())
    jobs.scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # a further run would come now if the retries had not given way to the interval
        rec = jobs.records["hourly"]
        assert len(calls) == 3 and rec.failures == 2 and rec.failures_in_a_row == 0, calls
        assert rec.last_result == "fine" and rec.last_error is None
        next_run = jobs.info()["hourly"].next_run
        assert next_run is not None and next_run > time.time() + 50 * 60  # back on the hour
    finally:
        jobs.scheduler.shutdown(wait=True)


def test_retry_delay_doubles_up_to_the_interval():
    from augmem.daemon.jobs import retry_delay

    assert [retry_delay(n, 3600) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]  # as the README says
    assert retry_delay(10, 3600) == retry_delay(1000, 3600) == 3600
    assert retry_delay(1, 5) == 5  # a job that runs every few seconds anyway keeps its interval
