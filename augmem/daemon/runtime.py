"""The daemon's composition root: one process per data folder that owns the lock, the
warm core (model loaded once), the folder watchers, microphone capture, the scheduled
jobs and the socket API, and shuts all of them down in order on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from augmem.capture.sources import CaptureSource
from augmem.capture.state import capture_info, write_capture_state
from augmem.config import Settings, load_settings
from augmem.daemon import ops
from augmem.daemon.client import SOCKET_NAME
from augmem.daemon.lock import DaemonLock
from augmem.daemon.worker import CHANGES, INTERACTIVE, Worker
from augmem.errors import AugmemError
from augmem.private import private_dir, protect_process, secure_home
from augmem.records import CaptureInfo, DaemonInfo, IngestReport, MigrationInfo, ReconcileInfo, ResidentInfo, Status
from augmem.schedule import QuietHours


def one_blas_thread() -> None:
    """numpy's BLAS on one thread for the daemon's life. OpenBLAS's idle worker threads spin for a
    while after each multi-threaded call, and a recall makes a few small BLAS calls (the resident
    scan, the re-ranks) between torch's embedding and LanceDB's full text: the spin took the core
    they needed. At 1M memories, in process, one thread took a recall's CPU from 191 to 105 ms
    and its wall time from 106 to 92 ms (the 32-d scan alone is ~5 ms slower on one thread)."""
    import numpy  # noqa: F401  (threadpoolctl limits the BLAS libraries already loaded)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


CommandLine = Callable[[Any, list[str], tuple[bool, bool]], "dict[str, Any] | None"]
"""(backend, argv, (stdout is a terminal, stderr is a terminal)) -> {"out", "err", "code"} or None."""

log = logging.getLogger("augmem.daemon")

LOG_NAME = "daemon.log"
LOCK_NAME = "daemon.lock"
LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 3
WATCH_SOURCES = {"notes": "notes", "photos": "photos", "audio": "audio", "auto": None}
"""A watched folder's kind -> the memories' source (auto: decided by file type)."""
RELOAD_KEYS_CORE = (
    "model",
    "artifacts",
    "artifact_sha256",
    "model_options",
    "tiers",
    "store_uri",
    "store_options",
    "device",
)
RELOAD_KEYS_DERIVE = ("transcriber", "ocr_languages")
"""The core swaps its engines by itself when these change: the warm model stays."""
RELOAD_KEYS_MIC = (
    "mic_enabled",
    "mic_device",
    "mic_min_clip_seconds",
    "mic_max_clip_seconds",
    "mic_vad",
    "mic_vad_threshold",
    "mic_vad_hangover_seconds",
    "mic_sound_margin_db",
    "mic_quiet_hours",
)


def configure_logging(run_dir: Path, *, stderr: bool = False, level: int = logging.INFO) -> Path:
    """Log to run_dir/daemon.log (rotated at 5 MB, 3 kept), and to stderr when asked."""
    private_dir(run_dir)
    path = run_dir / LOG_NAME
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    fh = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    os.chmod(path, 0o600)  # the handler opens with plain open(); rotated files follow the process umask
    fh.setFormatter(fmt)
    root.addHandler(fh)
    if stderr:
        sh = logging.StreamHandler()
        sh.setFormatter(fmt)
        root.addHandler(sh)
    for noisy in ("watchdog", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Every job catches and logs its own errors; apscheduler's "skipped: maximum number of
    # running instances reached" is the designed behaviour for a long re-embedding run.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    return path


class Daemon:
    """`Daemon(settings).run()` blocks until SIGTERM/SIGINT (or `stop()`), then returns 0."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        stream_factory: Callable[..., Any] | None = None,
        command_line: CommandLine | None = None,
    ):
        self.settings = settings or load_settings()
        self._command_line = command_line
        """Answers whole command lines sent by `augmem.entry` (augmem.cli.remote.answer, given by
        `augmem daemon run`: the command line is a layer above the daemon)."""
        self.paths = self.settings.paths
        self.run_dir = self.paths.run_dir
        self.socket_path = self.run_dir / SOCKET_NAME
        self.lock = DaemonLock(self.run_dir / LOCK_NAME, self.paths.data_dir)
        self._stream_factory = stream_factory
        self._stop = threading.Event()
        self._core = None
        self._core_lock = threading.Lock()
        self.worker = Worker(
            {
                "changes": self._do_changes,
                "clip": self._do_clips,
                "ingest": self._do_ingest,
                "forget": self._do_forget,
                "finish-forgetting": self._do_finish_forgetting,
                "reconcile": self._do_reconcile,
                "migrate": self._do_migrate,
                "derive": self._do_derive,
                "compact": self._do_compact,
                "retention": self._do_retention,
                "reload": self._do_reload,
                "warmup": self._do_warmup,
            }
        )
        self.watcher = None
        self.mic = None
        self.jobs = None
        self.server = None
        self.started_at: float | None = None
        self._config_mtime = self._config_stamp()
        self.last_reconcile: ReconcileInfo | None = None
        self.sources: dict[str, tuple[Path, CaptureSource]] = {}
        """Running capture sources from plugins: name -> (their folder, the source)."""
        self.source_state: dict[str, str] = {}
        """Every plugin capture source and how it fares, for status."""
        self.backend = ops.DaemonBackend(self)
        """The contract as this daemon answers it on its socket."""
        self.model_error: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def core(self):
        with self._core_lock:
            if self._core is None:
                from augmem.core import Augmem

                # resident: recall's vector tiers stay in memory (augmem.store.resident)
                self._core = Augmem(self.settings, resident=True)
            return self._core

    def run(self, setup_logging: Callable[[], object] | None = None) -> int:
        """Take the lock (DaemonError naming the running daemon's pid), then `setup_logging()`
        (so a refused second daemon never touches the first one's log), start, and serve."""
        protect_process()
        self.lock.acquire()
        one_blas_thread()
        try:
            if setup_logging is not None:
                setup_logging()
            said = secure_home(
                self.paths, [w.path for w in self.settings.watch], deep=True, store_uri=self.settings.store_uri
            )
            if said:
                log.warning("%s", said)
            self._start()
            if threading.current_thread() is threading.main_thread():
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, self._on_signal)
                if hasattr(signal, "SIGHUP"):
                    signal.signal(signal.SIGHUP, lambda *_: self.submit("reload", priority=INTERACTIVE))
            while not self._stop.wait(1.0):
                pass
            return 0
        finally:
            self._shutdown()
            self.lock.release()
            log.info("daemon stopped")

    def stop(self) -> None:
        self._stop.set()

    def _on_signal(self, signum, _frame) -> None:
        if self._stop.is_set():
            log.warning("second %s: already shutting down", signal.Signals(signum).name)
            return
        log.info("%s received: shutting down", signal.Signals(signum).name)
        self._stop.set()

    def _start(self) -> None:
        from augmem.daemon.jobs import Jobs
        from augmem.daemon.server import SocketServer
        from augmem.daemon.watcher import FolderWatcher

        self.started_at = time.time()
        log.info("daemon starting (pid %d) for %s", os.getpid(), self.paths.data_dir)
        private_dir(self.paths.clips_dir)
        self._preimport()
        self.worker.start()
        self.submit("finish-forgetting", priority=INTERACTIVE)
        self.submit("warmup", priority=INTERACTIVE)
        self.server = SocketServer(self.socket_path, self.dispatch)
        self.server.start()
        log.info("socket %s", self.socket_path)
        self.watcher = FolderWatcher(self._on_changes, exclude=self.settings.exclude)
        self.watcher.start()
        self._start_sources()
        self.watcher.set_folders(self._watch_folders())
        self._start_capture()
        self.jobs = Jobs(self)
        self.jobs.start()

    def _preimport(self) -> None:
        """Import the core's lazily-loaded modules here, on one thread, before the worker and
        socket threads start: two threads importing into a package whose __init__ imports its
        own submodules can see a partially initialised module (seen with augmem.models)."""
        import importlib

        for name in (
            "augmem.models",
            "augmem.models.registry",
            "augmem.plugins",
            "augmem.store",
            "augmem.ingest.pipeline",
            "augmem.ingest.files",
        ):
            try:
                importlib.import_module(name)
            except ImportError as exc:
                log.warning("cannot import %s: %s", name, exc)
        try:
            _ = self.core.registry  # loads the plugins (entry points) once, here
        except AugmemError as exc:
            log.error("plugins: %s", exc)

    def _shutdown(self) -> None:
        self._stop.set()
        steps: list[tuple[str, Callable[[], object]]] = [
            ("socket", lambda: self.server and self.server.stop()),
            ("watchers", lambda: self.watcher and self.watcher.stop()),
            ("capture sources", self._stop_sources),
            ("microphone", lambda: self.mic and self.mic.stop()),
            ("writer", lambda: self.worker.stop(timeout=120)),
            ("scheduler", lambda: self.jobs and self.jobs.stop()),
            ("core", lambda: self._core and self._core.close()),
        ]
        for name, step in steps:
            try:
                step()
            except Exception:
                log.exception("stopping %s failed", name)

    # -- hand-offs -----------------------------------------------------------------------------
    def submit(self, kind: str, payload: Any = None, priority: int = CHANGES, mergeable: bool = False) -> Future:
        return self.worker.submit(kind, payload, priority, mergeable)

    def _on_changes(self, batch) -> None:  # debouncer thread
        self.submit("changes", batch, CHANGES, mergeable=True)

    def _on_clip(self, path: Path) -> None:  # mic consumer thread
        self.submit("clip", str(path), CHANGES, mergeable=True)

    def _watch_folders(self) -> list[tuple[str, str]]:
        """The configured folders, and the folder of every running capture source (kind auto)."""
        return [(w.path, w.kind) for w in self.settings.watch] + [(str(d), "auto") for d, _ in self.sources.values()]

    def _source_for(self, root: str, kind: str) -> str | None:
        """The source name for files under a watched folder: the capture source's own name for
        its folder, else by the folder's kind (None: by file type)."""
        for name, (folder, _src) in self.sources.items():
            if os.path.abspath(root) == str(folder):
                return name
        return WATCH_SOURCES.get(kind)

    def _start_sources(self) -> None:
        """Start the capture sources plugins register (`register_capture_sources`); each writes
        into its own folder under <data>/captures/, which is watched like any other."""
        from augmem.capture.sources import registered_sources

        try:
            found, refused = registered_sources(self.core.plugins, self.settings)
        except Exception as exc:  # a plugin's hook failing must not stop the daemon
            log.error("capture sources could not be listed: %s", exc)
            return
        self.source_state.update({name: f"refused: {why}" for name, why in refused.items()})
        for reg in found:
            folder = (self.paths.data_dir / "captures" / reg.name).absolute()
            try:
                private_dir(folder)
                source = reg.factory(self.settings, folder)
                source.start()
            except Exception as exc:
                self.source_state[reg.name] = f"failed: {type(exc).__name__}: {exc}"
                log.error("capture source %s failed to start: %s", reg.name, exc)
                continue
            self.sources[reg.name] = (folder, source)
            self.source_state[reg.name] = f"running, writing into {folder}"
            log.info("capture source %s started (%s)", reg.name, folder)

    def _stop_sources(self) -> None:
        for name, (_folder, source) in list(self.sources.items()):
            try:
                source.stop()
                self.source_state[name] = "stopped"
            except Exception:
                log.exception("capture source %s failed to stop", name)
        self.sources.clear()

    # -- the writer's handlers (all on the worker thread) ------------------------------------------
    def _do_warmup(self, _payloads) -> None:
        try:  # the resident tier loads in the background while the model loads here
            self.core.prepare_recall(count=False)
        except AugmemError as exc:  # no artifact, an empty store: the first recall tries again
            log.info("recall not prepared: %s", exc)
        try:
            t0 = time.monotonic()
            emb = self.core.embedder()
            self.model_error = None
            log.info("model %s ready (%.1f s)", getattr(emb, "name", "?"), time.monotonic() - t0)
        except AugmemError as exc:
            self.model_error = str(exc)
            log.error("cannot load the model: %s", exc)
            return
        try:
            self.core.prepare_recall()
        except AugmemError as exc:
            log.info("recall not prepared: %s", exc)

    def _do_changes(self, batches) -> dict:
        from augmem.ingest.files import modality_for

        ingest: dict[str | None, set[str]] = defaultdict(set)
        forget: set[str] = set()
        roots: set[tuple[str, str]] = set()
        for batch in batches:
            for ch in batch:
                if ch.gone:
                    if ch.is_dir or modality_for(Path(ch.path)) is None:
                        roots.add((ch.root, ch.kind))  # a folder went away: reconcile its watch
                    else:
                        forget.add(ch.path)
                elif ch.is_dir or modality_for(Path(ch.path)) is not None:
                    ingest[self._source_for(ch.root, ch.kind)].add(ch.path)
        for paths in ingest.values():  # a new folder is walked whole: drop its files
            dirs = [p.rstrip("/") + "/" for p in paths if os.path.isdir(p)]
            if dirs:
                paths.difference_update({p for p in paths if any(p.startswith(d) for d in dirs)})
        out: dict[str, Any] = {}
        core = self.core
        if forget and self.settings.forget_deleted:
            out["forgotten"] = core.forget(paths=sorted(forget))
            log.info("forgot %d deleted file(s)", out["forgotten"])
        for source, paths in ingest.items():
            rep = core.ingest(sorted(paths), source=source, progress=self.worker.check, derive=False)
            self._log_report("changed", rep)
            out.setdefault("reports", []).append(rep.to_json())
        for root, kind in roots:
            if self.settings.forget_deleted:
                rep = core.ingest(
                    [root],
                    source=self._source_for(root, kind),
                    forget_missing=True,
                    progress=self.worker.check,
                    derive=False,
                )
                self._log_report("reconciled", rep)
        return out

    def _do_clips(self, paths) -> IngestReport:
        rep = self.core.ingest(sorted(set(paths)), source="mic", progress=self.worker.check, derive=False)
        self._log_report("mic", rep)
        return rep

    def _do_ingest(self, payloads) -> IngestReport:
        ((paths, source, forget_missing, force),) = payloads
        rep = self.core.ingest(
            paths, source=source, forget_missing=forget_missing, force=force, progress=self.worker.check, derive=False
        )
        self._log_report("ingest", rep)
        return rep

    def _do_forget(self, payloads) -> int:
        ((ids, paths, filters),) = payloads
        return self.core.forget(ids=ids, paths=paths, filters=filters)

    def _do_finish_forgetting(self, _payloads) -> int:
        """A forget a crash interrupted is finished before anything else is written."""
        n = self.core.finish_forgetting()
        if n:
            log.info("finished the interrupted forget of %d file(s)", n)
        return n

    def _do_reconcile(self, _payloads) -> ReconcileInfo:
        core, total = self.core, IngestReport()
        groups: dict[str | None, list[str]] = defaultdict(list)
        for path, kind in self._watch_folders():
            p = Path(path).expanduser()
            if p.is_dir():
                groups[self._source_for(path, kind)].append(str(p.absolute()))
            else:
                log.warning("watched folder %s is missing; skipped", p)
        clips = self.paths.clips_dir
        if clips.is_dir() and any(clips.iterdir()):
            groups["mic"].append(str(clips))
        t0 = time.monotonic()
        for source, roots in groups.items():
            rep = core.ingest(roots, source=source, forget_missing=True, progress=self.worker.check, derive=False)
            self._log_report("reconcile", rep)
            total.add(rep)
        self.last_reconcile = ReconcileInfo(
            at=time.time(),
            seconds=round(time.monotonic() - t0, 2),
            added=total.added,
            updated=total.updated,
            skipped=total.skipped,
            pending=total.pending,
            removed=total.removed,
            rejected=len(total.rejected),
        )
        return self.last_reconcile

    def _do_migrate(self, _payloads) -> int:
        return self.core.migrate_batch(32)

    def _do_derive(self, _payloads) -> int:
        """One batch of transcription / OCR (the job loops until there is nothing left)."""
        from augmem.ingest.derive import BATCH

        return self.core.derive(limit=BATCH, progress=self.worker.check)

    def _do_compact(self, _payloads) -> dict:
        store = self.core.store
        if not hasattr(store, "optimize"):
            return {}
        report = store.optimize()
        log.info("store upkeep: %s", report)
        return report

    def _do_retention(self, payloads) -> dict:
        days = payloads[0]
        cutoff = time.time() - days * 86400
        old = []
        for p in self.paths.clips_dir.rglob("*.flac"):
            try:
                if p.stat().st_mtime < cutoff:
                    old.append(p)
            except OSError:
                continue
        if not old:
            return {"deleted": 0}
        for p in old:
            p.unlink(missing_ok=True)
        n = self.core.forget(paths=[str(p) for p in old])
        for folder in sorted({p.parent for p in old}, reverse=True):
            try:
                folder.rmdir()  # only if empty
            except OSError:
                pass
        log.info("retention: deleted %d microphone clip(s) older than %g days", len(old), days)
        return {"deleted": len(old), "forgotten": n}

    def _do_reload(self, _payloads) -> dict:
        new = load_settings(self.paths)
        old = self.settings
        changed = [
            k
            for k in (
                "watch",
                "exclude",
                *RELOAD_KEYS_CORE,
                *RELOAD_KEYS_DERIVE,
                *RELOAD_KEYS_MIC,
                "reconcile_minutes",
                "compact_minutes",
                "forget_deleted",
                "mic_retention_days",
            )
            if getattr(old, k) != getattr(new, k)
        ]
        self.settings = new
        if not changed:
            return {"changed": []}
        log.info("config changed: %s", ", ".join(changed))
        if any(k in changed for k in RELOAD_KEYS_CORE):
            with self._core_lock:
                old_core, self._core = self._core, None
            if old_core is not None:
                old_core.close()
            self._do_warmup(None)
            if self.jobs:
                self.jobs.run_now("migrate")
        else:
            with self._core_lock:
                if self._core is not None:
                    self._core.settings = new
        if self.jobs and any(k in changed for k in RELOAD_KEYS_DERIVE):
            self.jobs.run_now("derive")  # another transcriber or other OCR languages: derive again
        if self.watcher and ("watch" in changed or "exclude" in changed):
            self.watcher.exclude = list(new.exclude)
            self.watcher.set_folders(self._watch_folders())
            if self.jobs:
                self.jobs.run_now("reconcile")
        if any(k in changed for k in RELOAD_KEYS_MIC):
            if self.mic:
                self.mic.stop()
                self.mic = None
            self._start_capture()
        if self.jobs and ("reconcile_minutes" in changed or "compact_minutes" in changed):
            self.jobs.reschedule()
        return {"changed": changed}

    def _log_report(self, what: str, rep) -> None:
        if self.jobs and (rep.added or rep.updated or rep.pending):
            self.jobs.run_now("derive")  # what came in may have words to find: start on them now
        if rep.added or rep.updated or rep.removed or rep.rejected:
            log.info(
                "%s: %d added, %d updated, %d removed, %d skipped, %d pending, %d rejected",
                what,
                rep.added,
                rep.updated,
                rep.removed,
                rep.skipped,
                rep.pending,
                len(rep.rejected),
            )
        for path, reason in rep.rejected[:20]:
            log.warning("skipped %s: %s", path, reason)

    # -- config + capture ------------------------------------------------------------------------
    def _config_stamp(self) -> tuple | None:
        try:
            st = self.paths.config_file.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def check_config(self) -> None:
        stamp = self._config_stamp()
        if stamp != self._config_mtime:
            self._config_mtime = stamp
            self.submit("reload", priority=INTERACTIVE).result()

    def _start_capture(self) -> None:
        s = self.settings
        if not s.mic_enabled:
            write_capture_state(
                self.run_dir,
                state="off",
                device="",
                message="microphone capture is off (set mic_enabled = true to turn it on)",
            )
            return
        from augmem.capture.gate import GateConfig
        from augmem.capture.microphone import MicrophoneCapture
        from augmem.errors import ConfigError

        try:
            gate = GateConfig.from_settings(s)
        except ConfigError as exc:
            write_capture_state(self.run_dir, state="error", device="", message=exc.message)
            log.error("microphone capture: %s", exc.message)
            return
        self.mic = MicrophoneCapture(
            self.paths.clips_dir,
            self.run_dir,
            self._on_clip,
            device=s.mic_device,
            min_clip_seconds=s.mic_min_clip_seconds,
            max_clip_seconds=s.mic_max_clip_seconds,
            stream_factory=self._stream_factory,
            gate_config=gate,
            quiet_hours=QuietHours.parse(s.mic_quiet_hours),
        )
        self.mic.start()

    def retry_capture(self) -> None:
        if self.mic is not None:
            self.mic.retry()

    def capture_info(self) -> CaptureInfo:
        if self.mic is not None:
            return CaptureInfo(**self.mic.info())
        return capture_info(self.run_dir, QuietHours.parse(self.settings.mic_quiet_hours))

    def set_paused(self, paused: bool, until: float | None = None) -> CaptureInfo:
        """Pause (until resumed, or until `until`) or resume microphone capture; the pause is
        written down, so it survives restarts, and a timed one ends by itself."""
        if self.mic is not None:
            return CaptureInfo(**(self.mic.pause(until) if paused else self.mic.resume()))
        write_capture_state(self.run_dir, paused=paused, paused_until=until if paused else None)
        return self.capture_info()

    def discard_capture(self) -> None:
        """Drop the microphone clip being recorded right now (a forget reaching up to now takes it)."""
        if self.mic is not None:
            self.mic.discard_in_progress()

    def start_reembed(self) -> MigrationInfo:
        """Nudge the re-embedding job now; returns its progress."""
        if self.jobs:
            self.jobs.run_now("migrate")
        done, total = self.core.migration_state()
        info = self.jobs.migration.info() if self.jobs else MigrationInfo()
        info.done, info.total, info.left = done, total, max(0, total - done)
        return info

    # -- the socket API --------------------------------------------------------------------------
    def dispatch(self, req: dict[str, Any]) -> Any:
        """Answer one socket request: the contract's operations (augmem.daemon.ops), ping, reload
        and cli (a whole `augmem recall …` command line, augmem.cli.remote)."""
        op = req["op"]
        if op == "ping":
            return {"pid": os.getpid(), "data_dir": str(self.paths.data_dir)}
        if op == "reload":
            return self.submit("reload", priority=INTERACTIVE).result()
        if op == "cli":  # a command line sent whole by augmem.entry; None: the client runs it itself
            if self._command_line is None:
                return None
            color = req.get("color") or (False, False)
            argv = [str(a) for a in req.get("argv") or ()]
            return self._command_line(self.backend, argv, (bool(color[0]), bool(color[1])))
        return ops.dispatch(self.backend, req)

    def _resident_info(self) -> ResidentInfo | None:
        core = self._core
        resident = core.store.resident if core is not None else None
        return resident.info() if resident is not None else None

    def status(self) -> Status:
        try:
            out = self.core.status()
        except AugmemError as exc:
            out = Status(error=str(exc))
        jobs = self.jobs
        out.daemon = DaemonInfo(
            up=True,
            pid=os.getpid(),
            data_dir=str(self.paths.data_dir),
            socket=str(self.socket_path),
            log=str(self.run_dir / LOG_NAME),
            started_at=self.started_at,
            uptime_s=round(time.time() - self.started_at, 1) if self.started_at else None,
            watching=dict(self.watcher.folders) if self.watcher else {},
            watch_errors=dict(self.watcher.errors) if self.watcher else {},
            queue=self.worker.pending(),
            working_on=self.worker.current,
            model_error=self.model_error,
            last_reconcile=self.last_reconcile,
            jobs=jobs.info() if jobs else {},
            capture_sources=dict(self.source_state),
            resident=self._resident_info(),
        )
        out.capture = self.capture_info()
        mig = jobs.migration.info() if jobs else MigrationInfo()
        if out.space:
            mig.done, mig.total, mig.left = out.migrated, out.migrated + out.not_migrated, out.not_migrated
        out.migration = mig
        if jobs:
            for d in (out.transcripts, out.ocr):
                if d is not None:
                    d.active, d.rate = jobs.derivation.active, jobs.derivation.rate
        return out
