"""Atomic publication, proven by killing a run in the middle of a notebook (outputs.md, "What a
run leaves"): the published run of the period stays whole, nothing is half-published, the next
run moves the leftover staging folder to ``failed/`` and publishes, and nothing in the archive
or in ``failed/`` is ever overwritten. While the first run executes its notebooks, a second run
of the period refuses (exit 2) and names it (issue 11). The killed run's shared snapshot
(warehouse records) is deleted when its folder is recovered, and the recovering run's manifest
says so."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from asylstat.params import RunParameters
from asylstat.run import STAGING, run_production

PERIOD = "2024-Q3"  # the period of the session's run (conftest.quarterly_run)
AS_OF = "2026-06-30T00:00:00Z"
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                 reason="reads the process tree from /proc")]


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (kernels run in sessions of their own, not in its group)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture(scope="module")
def killed(tmp_path_factory, quarterly_run):
    base = tmp_path_factory.mktemp("kill")
    # the published run: a copy of the session's run (same warehouse, as_of and period)
    url, out = quarterly_run.url, base / "outputs"
    shutil.copytree(quarterly_run.out, out)
    params = RunParameters.parse(kind="quarterly", period=PERIOD, dwh_url=url, as_of=AS_OF,
                                 output_dir=out)
    state = {"out": out, "params": params,
             "manifest_bytes": (out / PERIOD / "manifest.json").read_bytes(),
             "published_before": tree_hashes(out / PERIOD)}

    proc = subprocess.Popen(
        [sys.executable, "-m", "asylstat.cli", "run", "quarterly", "--period", PERIOD,
         "--dwh-url", url, "--as-of", AS_OF, "--output-dir", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 900
    try:
        while True:  # a notebook is being written and a kernel is executing it
            notebooks = list((out / STAGING / PERIOD).glob("*/notebooks/*.ipynb"))
            kernels = [p for p in descendants(proc.pid) if "ipykernel" in command_line(p)]
            if notebooks and kernels:
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no notebook started executing"
            time.sleep(0.2)
        state["kernels_seen"] = len(kernels)
        # a second run of the same period into the same folder, while the first runs
        state["first_run_id"] = notebooks[0].parents[1].name
        state["first_pid"] = proc.pid
        state["second"] = subprocess.run(
            [sys.executable, "-m", "asylstat.cli", "run", "quarterly", "--period", PERIOD,
             "--dwh-url", url, "--as-of", AS_OF, "--output-dir", str(out)],
            capture_output=True, text=True, timeout=600)
        state["first_alive_after_second"] = proc.poll() is None
        state["staging_after_second"] = sorted(
            p.name for p in (out / STAGING / PERIOD).iterdir() if p.is_dir())
    finally:
        tree = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)  # the run's whole process group...
        for pid in tree:  # ...and the kernels it started in their own sessions
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=60)
    state["returncode"] = proc.returncode
    leftovers = [p for p in (out / STAGING / PERIOD).iterdir() if p.is_dir()]
    state["leftovers"] = leftovers
    state["leftover_hashes"] = {p.name: tree_hashes(p) for p in leftovers}
    state["after_kill"] = tree_hashes(out / PERIOD)
    state["top_after_kill"] = sorted(p.name for p in out.iterdir())

    # folders already in the archive and in failed/ under the names the next run will want
    first_id = json.loads(state["manifest_bytes"])["run_id"]
    state["first_id"] = first_id
    sentinels = [out / "archive" / PERIOD / first_id / "earlier.txt",
                 *(out / "failed" / PERIOD / p.name / "earlier.txt" for p in leftovers)]
    for s in sentinels:
        s.parent.mkdir(parents=True)
        s.write_text("an earlier run kept here; never to be overwritten\n")
    state["sentinels"] = sentinels

    state["next"] = run_production(params)
    return state


def test_the_killed_run_died_while_a_kernel_executed_a_notebook(killed):
    assert killed["returncode"] == -signal.SIGKILL
    assert killed["kernels_seen"] >= 1
    assert len(killed["leftovers"]) == 1  # its staging folder, left behind
    assert any(n.startswith("notebooks/") for n in killed["leftover_hashes"][
        killed["leftovers"][0].name])


def test_a_second_run_of_the_period_refused_and_named_the_first(killed):
    second = killed["second"]
    assert second.returncode == 2, second.stderr[-2000:]
    assert (f"Another run of {PERIOD} is in progress in {killed['out']}: run "
            f"{killed['first_run_id']} (process {killed['first_pid']}, started ") in second.stderr
    # the first run went on, and its staging folder is the only one: the second made none
    assert killed["first_alive_after_second"]
    assert killed["staging_after_second"] == [killed["first_run_id"]]
    assert killed["leftovers"][0].name == killed["first_run_id"]


def test_the_published_run_is_intact_and_nothing_is_half_published(killed):
    assert killed["after_kill"] == killed["published_before"]  # manifest.json included
    manifest = json.loads(killed["manifest_bytes"])
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    # every file hashes as the manifest says, and nothing else is there but the manifest
    assert {k: v for k, v in killed["after_kill"].items() if k != "manifest.json"} == listed
    # no half-published period, no archive, no stray folder: only the staging area was touched
    assert killed["top_after_kill"] == [STAGING, PERIOD]


def test_the_next_run_moves_the_leftover_to_failed_and_publishes(killed):
    out, nxt = killed["out"], killed["next"]
    assert nxt.exit_code == 0, nxt.message
    leftover = killed["leftovers"][0]
    assert not leftover.exists()
    assert not any(p.is_dir() for p in (out / STAGING / PERIOD).iterdir())
    # the killed run's shared snapshot (warehouse records) was in its internal/; a run that
    # ends removes its own
    left = killed["leftover_hashes"][leftover.name]
    assert "internal/shared_snapshot.duckdb" in left
    assert not (out / PERIOD / "internal" / "shared_snapshot.duckdb").exists()
    # failed/<PERIOD>/<id> was taken (by a planted folder): the leftover went to <id>.2, whole
    # but for its shared snapshot, deleted there: no warehouse record beyond internal/'s
    # data-quality keys stays in failed/
    moved = out / "failed" / PERIOD / f"{leftover.name}.2"
    snapshot_files = {n for n in left if n.startswith("internal/shared_snapshot.duckdb")}
    assert tree_hashes(moved) == {n: h for n, h in left.items() if n not in snapshot_files}
    assert not [p for p in moved.rglob("*") if ".duckdb" in p.name]
    new_manifest = json.loads((out / PERIOD / "manifest.json").read_text())
    # the recovering run's manifest says what it moved and what it deleted
    assert new_manifest["recovered"] == [{
        "run_id": leftover.name, "period": PERIOD,
        "moved_to": f"failed/{PERIOD}/{leftover.name}.2", "removed": sorted(snapshot_files)}]
    assert new_manifest["run_id"] != killed["first_id"]
    # same warehouse, same as_of: no revision against the run it replaces
    revisions = json.loads((out / PERIOD / "validation" / "revisions.json").read_text())
    assert revisions["previous"]["run_id"] == killed["first_id"]
    assert revisions["summary"]["tables_revised"] == 0 and revisions["tables"]


def test_the_archive_is_never_overwritten(killed):
    out, first_id = killed["out"], killed["first_id"]
    for sentinel in killed["sentinels"]:  # the folders that were there are untouched
        assert sentinel.read_text() == "an earlier run kept here; never to be overwritten\n"
        assert [p.name for p in sentinel.parent.iterdir()] == ["earlier.txt"]
    # the replaced run went whole to the next free name beside it
    archived = out / "archive" / PERIOD / f"{first_id}.2"
    assert tree_hashes(archived) == killed["published_before"]
    # same warehouse, same as_of: the next run's transmission files are byte-identical
    sent = sorted((archived / "transmission" / "eurostat").iterdir())
    assert [f.name for f in sent] == sorted(
        f.name for f in (out / PERIOD / "transmission" / "eurostat").iterdir())
    # a quarterly run: the six monthly and quarterly asylum tables and the four return tables
    assert len(sent) == 10
    for f in sent:
        assert f.read_bytes() == (out / PERIOD / "transmission" / "eurostat" /
                                  f.name).read_bytes()
