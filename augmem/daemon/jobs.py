"""The daemon's scheduled jobs (APScheduler): periodic reconcile, re-embedding batches,
transcription / OCR batches, store compaction and index upkeep, mic clip retention, config
reload.

Each job only submits work to the daemon's single writer and waits for it, so jobs
never write concurrently; `max_instances=1` + `coalesce=True` mean a slow run is never
doubled up, and a failing run is logged and the next one goes on."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from augmem.daemon.worker import BACKGROUND, RECONCILE, Cancelled
from augmem.humanize import duration
from augmem.records import JobInfo, MigrationInfo

if TYPE_CHECKING:
    from augmem.config import Settings
    from augmem.core import Augmem

log = logging.getLogger(__name__)

MIGRATE_CHECK_SECONDS = 5.0
DERIVE_CHECK_SECONDS = 5.0
CONFIG_POLL_SECONDS = 2.0
MIC_RETRY_SECONDS = 60.0
RETENTION_HOURS = 6.0
FAILED_RETRY_SECONDS = 30.0
"""A job that failed runs again this soon, then twice as late after each further failure, up to
its own interval: the reconcile at start is the only way files that were there before the daemon
get in (no watcher event names them), and its interval is half an hour."""


def retry_delay(failures_in_a_row: int, interval_s: float) -> float:
    """Seconds until a job that failed `failures_in_a_row` times (>= 1) runs again."""
    return min(FAILED_RETRY_SECONDS * 2 ** min(failures_in_a_row - 1, 16), interval_s)


class JobHost(Protocol):
    """What the jobs need of the daemon (augmem.daemon.runtime.Daemon)."""

    settings: Settings

    @property
    def stopping(self) -> bool: ...

    @property
    def core(self) -> Augmem: ...

    def submit(self, kind: str, payload: Any = None, priority: int = ..., mergeable: bool = ...) -> Future[Any]: ...

    def check_config(self) -> None: ...

    def retry_capture(self) -> None: ...


class JobRecord:
    """What status shows about one job."""

    def __init__(self) -> None:
        self.runs = 0
        self.failures = 0
        self.last_run: float | None = None
        self.last_seconds: float | None = None
        self.last_error: str | None = None
        self.last_result: object = None
        self.failures_in_a_row = 0

    def info(self, next_run: float | None) -> JobInfo:
        return JobInfo(
            runs=self.runs,
            failures=self.failures,
            last_run=self.last_run,
            last_seconds=self.last_seconds,
            last_error=self.last_error,
            next_run=next_run,
        )


class MigrationProgress:
    """Re-embedding progress: done/total from the store, rate and ETA from this run."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.active = False
        self.space = ""
        self._t0: float | None = None
        self._done0 = 0
        self.rate = 0.0

    def begin(self, done: int, total: int, space: str) -> None:
        self.done, self.total, self.space, self.active = done, total, space, True
        self._t0, self._done0, self.rate = time.monotonic(), done, 0.0

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self._t0 is not None:
            dt = time.monotonic() - self._t0
            if dt > 0:
                self.rate = max(0.0, (done - self._done0) / dt)

    def end(self) -> None:
        self.active = False

    def info(self) -> MigrationInfo:
        left = max(0, self.total - self.done)
        eta_s = left / self.rate if self.rate > 0 and left else (0.0 if not left else None)
        return MigrationInfo(
            done=self.done,
            total=self.total,
            left=left,
            active=self.active,
            rate=round(self.rate, 2),
            eta_s=None if eta_s is None else round(eta_s, 1),
            space=self.space,
        )


class Jobs:
    """Builds and owns the BackgroundScheduler for one daemon."""

    def __init__(self, daemon: JobHost):
        self.d = daemon
        self.records: dict[str, JobRecord] = {}
        self.migration = MigrationProgress()
        self.derivation = MigrationProgress()
        """Transcription / OCR in the background: its rate and whether it runs (status shows them)."""
        self._derived_idle: tuple[object, ...] | None = None
        self._last_derive_error: str | None = None
        self._last_migrate_error: str | None = None
        self.scheduler = None

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        s = self.d.settings
        self.scheduler = BackgroundScheduler(
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            executors={"default": {"type": "threadpool", "max_workers": 4}},
        )
        now = datetime.now()
        self._add("reconcile", self.reconcile, minutes=max(s.reconcile_minutes, 0.05), next_run_time=now)
        self._add("migrate", self.migrate, seconds=MIGRATE_CHECK_SECONDS, next_run_time=now + timedelta(seconds=1))
        self._add("derive", self.derive, seconds=DERIVE_CHECK_SECONDS, next_run_time=now + timedelta(seconds=2))
        self._add("compact", self.compact, minutes=max(s.compact_minutes, 0.05))
        self._add("config", self.d.check_config, seconds=CONFIG_POLL_SECONDS)
        self._add("mic-retry", self.d.retry_capture, seconds=MIC_RETRY_SECONDS)
        self._add("retention", self.retention, hours=RETENTION_HOURS, next_run_time=now + timedelta(seconds=30))
        self.scheduler.start()

    def reschedule(self) -> None:
        """After a config change: new reconcile/compact intervals."""
        s = self.d.settings
        self.scheduler.reschedule_job("reconcile", trigger="interval", minutes=max(s.reconcile_minutes, 0.05))
        self.scheduler.reschedule_job("compact", trigger="interval", minutes=max(s.compact_minutes, 0.05))

    def run_now(self, name: str) -> None:
        self.scheduler.modify_job(name, next_run_time=datetime.now())

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def info(self) -> dict[str, JobInfo]:
        out = {}
        for name, rec in self.records.items():
            job = self.scheduler.get_job(name) if self.scheduler else None
            out[name] = rec.info(job.next_run_time.timestamp() if job and job.next_run_time else None)
        return out

    def _add(self, name: str, fn: Callable[[], object], **trigger) -> None:
        self.records[name] = JobRecord()
        next_run = trigger.pop("next_run_time", None)
        kwargs = {"next_run_time": next_run} if next_run is not None else {}
        self.scheduler.add_job(self._guarded(name, fn), "interval", id=name, name=name, **trigger, **kwargs)

    def _guarded(self, name: str, fn: Callable[[], object]) -> Callable[[], None]:
        rec = self.records[name]

        def run() -> None:
            if self.d.stopping:
                return
            t0 = time.monotonic()
            rec.runs += 1
            rec.last_run = time.time()
            try:
                rec.last_result = fn()
                rec.last_error = None
                rec.failures_in_a_row = 0
            except Cancelled:
                rec.last_error = "cancelled (shutdown)"
            except Exception as exc:  # logged; the next run goes on, soon
                rec.failures += 1
                rec.failures_in_a_row += 1
                rec.last_error = f"{type(exc).__name__}: {exc}"
                every = self._interval(name)
                delay = retry_delay(rec.failures_in_a_row, every)
                log.error(
                    "job %s failed: %s (trying again in %s)",
                    name,
                    rec.last_error,
                    duration(delay),
                    exc_info=not _is_augmem_error(exc),
                )
                if delay < every and not self.d.stopping:
                    try:
                        self.scheduler.modify_job(name, next_run_time=datetime.now() + timedelta(seconds=delay))
                    except Exception as why:  # the scheduler is shutting down: the daemon is too
                        log.info("job %s not rescheduled: %s", name, why)
            finally:
                rec.last_seconds = round(time.monotonic() - t0, 3)

        run.__name__ = f"augmem_{name}"
        return run

    def _interval(self, name: str) -> float:
        """The job's interval now, in seconds (`reschedule` changes it after a config edit)."""
        job = self.scheduler.get_job(name) if self.scheduler else None
        return job.trigger.interval.total_seconds() if job is not None else math.inf

    # -- the jobs ------------------------------------------------------------------------
    def reconcile(self) -> dict:
        report = self.d.submit("reconcile", priority=RECONCILE).result()
        return report

    def migrate(self) -> MigrationInfo | None:
        core = self.d.core
        try:
            space = core.active_space()
            done, total = core.migration_state()
            extra_spaces = [sp for sp in core.store.spaces() if sp != space]
        except Exception as exc:
            msg = f"{type(exc).__name__}: {exc}"
            if msg != self._last_migrate_error:  # say it once, not every few seconds
                log.warning("re-embedding check failed: %s", msg)
                self._last_migrate_error = msg
            return None
        self._last_migrate_error = None
        self.migration.update(done, total)
        self.migration.space = space
        if done >= total and not extra_spaces:
            return None
        log.info("re-embedding into %s: %d of %d done", space, done, total)
        self.migration.begin(done, total, space)
        try:
            while not self.d.stopping:
                n = self.d.submit("migrate", priority=BACKGROUND).result()
                done, total = self.d.core.migration_state()
                self.migration.update(done, total)
                if n == 0:
                    break
                log.info(
                    "re-embedded %d; %d of %d done (%.1f/s, ETA %s)",
                    n,
                    done,
                    total,
                    self.migration.rate,
                    duration(self.migration.info().eta_s),
                )
        finally:
            self.migration.end()
        return self.migration.info()

    def derive(self) -> dict[str, int] | None:
        """Transcribe and OCR what has no derivation by the current engines, a batch at a time
        through the single writer (so interactive work goes first between batches)."""
        try:
            key = self._derive_key()
        except Exception as exc:
            msg = f"{type(exc).__name__}: {exc}"
            if msg != self._last_derive_error:  # say it once, not every few seconds
                log.warning("derived-text check failed: %s", msg)
                self._last_derive_error = msg
            return None
        self._last_derive_error = None
        if key == self._derived_idle:
            return None  # nothing written since a check that found nothing to do
        done = 0
        t0 = time.monotonic()
        self.derivation.begin(0, 0, "")
        try:
            while not self.d.stopping:
                key = self._derive_key()  # before the batch: a write during it makes the next check look again
                n = self.d.submit("derive", priority=BACKGROUND).result()
                done += n
                self.derivation.update(done, done)
                if n == 0:
                    self._derived_idle = key
                    break
                log.info("derived text for %d more files (%.2f/s)", n, done / max(time.monotonic() - t0, 1e-9))
        finally:
            self.derivation.end()
        return {"derived": done}

    def _derive_key(self) -> tuple[object, ...]:
        """What derivation depends on: the ledger, the space, the cache and the engines' settings."""
        core = self.d.core
        s = core.settings
        return (
            core.store.versions(core.active_space()),
            core.store.derived_version(),
            s.transcriber,
            tuple(s.ocr_languages),
        )

    def compact(self) -> dict:
        return self.d.submit("compact", priority=BACKGROUND).result()

    def retention(self) -> dict | None:
        days = self.d.settings.mic_retention_days
        if not days or days <= 0:
            return None
        return self.d.submit("retention", days, priority=BACKGROUND).result()


def _is_augmem_error(exc: BaseException) -> bool:
    from augmem.errors import AugmemError

    return isinstance(exc, AugmemError)
