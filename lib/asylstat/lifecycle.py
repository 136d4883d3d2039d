"""Where a run's folder lives, from its start to its end (outputs.md, "What a run leaves").

A run is built in its *staging folder* ``<OUTPUT_DIR>/.staging/<PERIOD>/<RUN_ID>/``; it is then
published (``<OUTPUT_DIR>/<PERIOD>/``, the run it replaces going whole to
``archive/<PERIOD>/<its RUN_ID>/``) or, blocked or crashed, moved whole to
``failed/<PERIOD>/<RUN_ID>/``. Nothing is ever overwritten: a name already taken gets ``.2``,
``.3``…

**One run per period and output folder.** A run holds an OS lock (``fcntl.flock``) on
``<OUTPUT_DIR>/.staging/<PERIOD>.lock`` from before it creates its staging folder until it has
published or failed; the file says which run holds it (run id, process id, start time). A
second run of the same period in the same folder does not wait: it refuses
(:class:`RunInProgress`, exit 2) and names the first. The OS releases the lock of a killed
process, so a killed run never blocks the next one.

**Recovery.** A killed or crashed run leaves its staging folder. The next run moves every
staging folder that no live run holds (its own period's, whose lock it holds, and any other
period's whose lock is free) to ``failed/``; a period whose lock is held by a live run is left
alone. A recovered folder keeps everything but the run's shared snapshot
(``internal/shared_snapshot.duckdb`` and its write-ahead log): that file is a copy of resolved
warehouse records, recomputable, and no output; it is deleted, and the recovering run's
manifest lists the deletion under ``recovered``.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

STAGING = ".staging"
#: in a run's staging folder: its shared snapshot, warehouse records, so under internal/
SHARED_SNAPSHOT = "internal/shared_snapshot.duckdb"


# ------------------------------------------------------------------------------- the lock

@dataclass(frozen=True)
class LockHolder:
    """Who holds a period's lock, as it wrote itself in the lock file."""

    run_id: str | None
    pid: int | None
    started_at: str | None

    def describe(self) -> str:
        if self.run_id is None:
            return "a run whose details are not yet written"
        return f"run {self.run_id} (process {self.pid}, started {self.started_at})"


class RunInProgress(RuntimeError):
    """Another live run holds the lock of the period in this output folder."""

    def __init__(self, period: str, output_dir: Path, holder: LockHolder) -> None:
        self.period, self.output_dir, self.holder = period, output_dir, holder
        super().__init__(f"another run of {period} is in progress in {output_dir}: "
                         f"{holder.describe()}")


def lock_file(output_dir: Path, period: str) -> Path:
    return output_dir / STAGING / f"{period}.lock"


def _read_holder(handle: IO[str]) -> LockHolder:
    handle.seek(0)
    try:
        doc = json.loads(handle.read() or "{}")
    except ValueError:
        doc = {}
    return LockHolder(run_id=doc.get("run_id"), pid=doc.get("pid"),
                      started_at=doc.get("started_at"))


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


class PeriodLock:
    """The lock of one period in one output folder, held from :meth:`acquire` to
    :meth:`release` (or the process's end)."""

    def __init__(self, output_dir: Path, period: str) -> None:
        self.output_dir, self.period = output_dir, period
        self.path = lock_file(output_dir, period)
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self, run_id: str, started_at: str, *, patience_s: float = 0.0) -> None:
        """Take the lock and write who holds it; raise :class:`RunInProgress` naming the
        holder when a live run has it. ``patience_s``: how long to keep trying first (a run
        recovering stale folders holds another period's lock for a moment: a run of that
        period must not be refused for it)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        deadline = time.monotonic() + patience_s
        while not _try_flock(handle):
            if time.monotonic() >= deadline:
                holder = _read_holder(handle)
                handle.close()
                raise RunInProgress(self.period, self.output_dir, holder)
            time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"run_id": run_id, "pid": os.getpid(),
                                 "started_at": started_at, "period": self.period}) + "\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let the lock go (the file stays: removing it would let two runs lock two files)."""
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


# -------------------------------------------------------------------------- the folders

def staging_folder(output_dir: Path, period: str, run_id: str) -> Path:
    return output_dir / STAGING / period / run_id


def shared_snapshot_file(staging: Path) -> Path:
    """Absolute: the notebooks run in notebooks/, and OUTPUT_DIR may be relative."""
    return (staging / SHARED_SNAPSHOT).resolve()


def remove_shared_snapshot_files(folder: Path) -> list[str]:
    """Delete a run folder's shared snapshot and its write-ahead log; the paths removed,
    relative to ``folder``."""
    removed = []
    path = folder / SHARED_SNAPSHOT
    for leftover in (path, path.with_name(path.name + ".wal")):
        if leftover.is_file():
            leftover.unlink()
            removed.append(leftover.relative_to(folder).as_posix())
    return removed


def unused(path: Path) -> Path:
    """``path`` itself, or ``path.2``, ``path.3``… so that nothing is ever overwritten."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


@dataclass(frozen=True)
class Recovered:
    """A staging folder left by a killed or crashed run, moved to ``failed/``."""

    run_id: str
    period: str
    moved_to: str
    removed: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"run_id": self.run_id, "period": self.period, "moved_to": self.moved_to,
                "removed": list(self.removed)}


#: how long a run keeps trying to take its period's lock before it refuses (see acquire)
LOCK_PATIENCE_S = 2.0
#: what the lock file says while a run holds another period's lock to recover its folders
RECOVERING = "(none: stale staging folders are being moved to failed/)"


def recover_stale_staging(output_dir: Path, *, holding: PeriodLock | None = None
                          ) -> list[Recovered]:
    """Move to ``failed/`` every staging folder that no live run holds, deleting its shared
    snapshot (see the module's docstring). ``holding``: the lock the calling run holds (its
    own period's folders are then stale by definition: no other run can hold that lock)."""
    staging_root = output_dir / STAGING
    if not staging_root.is_dir():
        return []
    recovered: list[Recovered] = []
    for period_dir in sorted(p for p in staging_root.iterdir() if p.is_dir()):
        period = period_dir.name
        mine = holding is not None and holding.held and holding.period == period
        lock = None if mine else PeriodLock(output_dir, period)
        if lock is not None:
            try:
                lock.acquire(run_id=RECOVERING, started_at="")
            except RunInProgress as busy:
                log.info("a run of %s is in progress (%s): its staging folder is left alone",
                         period, busy.holder.describe())
                continue
        try:
            for run_dir in sorted(p for p in period_dir.iterdir() if p.is_dir()):
                recovered.append(_move_to_failed(output_dir, period, run_dir))
        finally:
            if lock is not None:
                lock.release()
    return recovered


def _move_to_failed(output_dir: Path, period: str, run_dir: Path) -> Recovered:
    target = unused(output_dir / "failed" / period / run_dir.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    log.warning("an earlier run did not finish: moving %s to %s", run_dir, target)
    os.replace(run_dir, target)
    removed = remove_shared_snapshot_files(target)
    if removed:
        log.warning("removed the unfinished run's shared snapshot (warehouse records) from "
                    "%s: %s", target, ", ".join(removed))
    return Recovered(run_id=run_dir.name, period=period,
                     moved_to=target.relative_to(output_dir).as_posix(),
                     removed=tuple(removed))


def publish(staging: Path, output_dir: Path, period: str, run_id: str,
            previous_run_id: str | None) -> Path:
    """Move the complete run to ``<OUTPUT_DIR>/<PERIOD>/``, the previous one to the archive."""
    target = output_dir / period
    if target.exists():
        archived = unused(output_dir / "archive" / period
                          / (previous_run_id or f"unknown-{run_id}"))
        archived.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, archived)
        log.info("previous run of %s archived to %s", period, archived)
    os.replace(staging, target)
    return target


def publish_beside(staging: Path, output_dir: Path, name: str, run_id: str) -> Path:
    """Move a complete run to ``<output_dir>/<name>/<run_id>/``, beside the earlier runs of
    ``name``, which are kept (an answer to a question: questions.md, "What an answer
    leaves")."""
    target = unused(output_dir / name / run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)
    return target


def published_run_id(folder: Path) -> str | None:
    """The run id in a run folder's manifest (None when it cannot be read)."""
    try:
        return str(json.loads((folder / "manifest.json").read_text())["run_id"])
    except (OSError, ValueError, KeyError):
        return None


def fail(staging: Path, output_dir: Path, period: str, run_id: str) -> Path:
    """Move a blocked or crashed run whole to ``failed/<PERIOD>/<RUN_ID>/``."""
    target = unused(output_dir / "failed" / period / run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)
    return target
