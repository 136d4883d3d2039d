"""Two runs in one output folder (issue 11, "Safe together"), without executing notebooks: a
child process stands for a run in progress by holding its period's lock exactly as a run does
(``PeriodLock``), with a staging folder holding a shared snapshot. A second run of that period
refuses (exit 2) naming the first, and writes nothing; recovery never moves a staging folder
whose period a live run holds, moves the others to ``failed/`` without their shared snapshot,
and once the holder is killed the OS frees the lock."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from asylstat.lifecycle import STAGING, PeriodLock, RunInProgress, recover_stale_staging
from asylstat.params import RunParameters
from asylstat.run import EXIT_PARAMETERS, run_production
from asylstat.synthetic import build_warehouse

AS_OF = "2026-06-30T00:00:00Z"
FIRST_ID = "20261204T050000Z-0123abcd"
STARTED = "2026-12-04T05:00:00.000000Z"


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def make_staging(out: Path, period: str, run_id: str) -> Path:
    """A staging folder as a run leaves it mid-way: a notebook and the shared snapshot."""
    folder = out / STAGING / period / run_id
    (folder / "notebooks").mkdir(parents=True)
    (folder / "notebooks" / "10_applications.ipynb").write_text("{}")
    (folder / "internal").mkdir()
    (folder / "internal" / "shared_snapshot.duckdb").write_bytes(b"warehouse records")
    (folder / "internal" / "shared_snapshot.duckdb.wal").write_bytes(b"more records")
    return folder


class Holder:
    """A child process holding ``period``'s lock in ``out`` until it is killed."""

    def __init__(self, out: Path, period: str) -> None:
        code = textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from asylstat.lifecycle import PeriodLock
            lock = PeriodLock(Path({str(out)!r}), {period!r})
            lock.acquire({FIRST_ID!r}, {STARTED!r})
            print("locked", flush=True)
            time.sleep(600)
        """)
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "locked"

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture
def holder(tmp_path) -> Iterator[Holder]:
    running = Holder(tmp_path / "out", "2024-Q3")
    yield running
    running.kill()


@pytest.fixture(scope="module")
def tiny_dwh(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    build_warehouse(path, scale=0.002)
    return f"duckdb:///{path}"


def test_a_second_run_of_the_period_refuses_and_names_the_first(holder, tmp_path, tiny_dwh):
    out = tmp_path / "out"
    first = make_staging(out, "2024-Q3", FIRST_ID)
    before, top_before = tree(out), sorted(p.name for p in out.iterdir())
    params = RunParameters.parse(kind="quarterly", period="2024-Q3", dwh_url=tiny_dwh,
                                 as_of=AS_OF, output_dir=out)
    outcome = run_production(params)
    assert outcome.exit_code == EXIT_PARAMETERS == 2
    assert "Another run of 2024-Q3 is in progress" in outcome.message
    for fact in (FIRST_ID, f"process {holder.proc.pid}", STARTED):
        assert fact in outcome.message, fact
    # the first run's staging folder, its shared snapshot included, is untouched; nothing new
    assert first.is_dir() and tree(out) == before
    assert sorted(p.name for p in out.iterdir()) == top_before == [STAGING]


def test_the_command_line_exits_2_with_the_message(holder, tmp_path, tiny_dwh):
    out = tmp_path / "out"
    make_staging(out, "2024-Q3", FIRST_ID)
    before = tree(out)
    done = subprocess.run([sys.executable, "-m", "asylstat.cli", "run", "quarterly",
                           "--period", "2024-Q3", "--dwh-url", tiny_dwh, "--as-of", AS_OF,
                           "--output-dir", str(out)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert f"in progress in {out}: run {FIRST_ID} (process {holder.proc.pid}" in done.stderr
    assert tree(out) == before


def test_recovery_leaves_a_live_runs_period_alone_and_strips_the_others(holder, tmp_path):
    out = tmp_path / "out"
    live = make_staging(out, "2024-Q3", FIRST_ID)
    live_files = tree(live)
    stale = make_staging(out, "2024-08", "20261201T000000Z-deadbeef")
    recovered = recover_stale_staging(out)
    # the live run's folder stays where it is, whole
    assert tree(live) == live_files
    # the other period's leftover goes to failed/, without its shared snapshot
    assert not stale.exists()
    moved = out / "failed" / "2024-08" / "20261201T000000Z-deadbeef"
    assert sorted(tree(moved)) == ["notebooks/10_applications.ipynb"]
    assert [r.as_dict() for r in recovered] == [{
        "run_id": "20261201T000000Z-deadbeef", "period": "2024-08",
        "moved_to": "failed/2024-08/20261201T000000Z-deadbeef",
        "removed": ["internal/shared_snapshot.duckdb", "internal/shared_snapshot.duckdb.wal"]}]
    # killed, the holder's lock is freed by the OS: its folder is then stale and recovered
    holder.kill()
    again = recover_stale_staging(out)
    assert [r.run_id for r in again] == [FIRST_ID] and not live.exists()
    assert sorted(tree(out / "failed" / "2024-Q3" / FIRST_ID)) == [
        "notebooks/10_applications.ipynb"]


def test_a_run_recovers_its_own_periods_leftovers_while_holding_the_lock(tmp_path):
    out = tmp_path / "out"
    leftover = make_staging(out, "2024-Q3", FIRST_ID)
    lock = PeriodLock(out, "2024-Q3")
    lock.acquire("20261204T060000Z-feedface", STARTED)
    try:
        # the lock file names its holder; a second lock of the period is refused
        held = json.loads((out / STAGING / "2024-Q3.lock").read_text())
        assert held["run_id"] == "20261204T060000Z-feedface" and held["pid"] == os.getpid()
        with pytest.raises(RunInProgress, match="20261204T060000Z-feedface"):
            PeriodLock(out, "2024-Q3").acquire("20261204T060001Z-00000000", STARTED)
        recovered = recover_stale_staging(out, holding=lock)
    finally:
        lock.release()
    assert [r.run_id for r in recovered] == [FIRST_ID] and not leftover.exists()
    # released: the period can be locked again
    again = PeriodLock(out, "2024-Q3")
    again.acquire("20261204T060002Z-11111111", STARTED)
    again.release()


def test_a_run_waits_a_moment_for_a_lock_held_only_by_a_recovery(tmp_path):
    # another run holds the period's lock for an instant while it moves stale folders: the
    # run waits up to its patience instead of refusing; a lock held longer is refused
    import threading

    out = tmp_path / "out"
    recovering = PeriodLock(out, "2024-08")
    recovering.acquire("(recovery)", "")
    with pytest.raises(RunInProgress, match=r"\(recovery\)"):
        PeriodLock(out, "2024-08").acquire("20261204T060000Z-0000aaaa", STARTED)
    threading.Timer(0.3, recovering.release).start()
    run = PeriodLock(out, "2024-08")
    run.acquire("20261204T060000Z-0000aaaa", STARTED, patience_s=5.0)
    assert run.held
    run.release()
