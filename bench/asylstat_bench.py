"""The benchmark (``make bench``): the quarterly production run on synthetic warehouses of
scale 1 (Belgium) and 25, measured step by step, with two reference figures taken in the
same run (issue 7). It lies outside the library (nothing in ``lib/`` imports it) and is run
with the project's virtual environment: ``.venv/bin/python bench/asylstat_bench.py``.

For each scale:

1. the warehouse ``bench/scale-<S>.duckdb`` is built once by the synthetic generator (kept);
2. ``asylstat run quarterly --period 2024-Q3 --as-of 2026-06-30`` runs as a child process with
   DuckDB's memory limit set (``ASYLSTAT_DUCKDB_MEMORY_LIMIT``) and ``ASYLSTAT_EVENTS`` naming
   a file: the run records there the start and end of each of its steps (asylstat.events, one
   JSON object per line, wall-clock times), which give the time of each step and of the work
   the run does alongside the notebooks; the executed notebooks' papermill metadata give the
   time of each domain notebook and of its table-building cell (the warehouse queries: the
   *aggregation time*); the resident memory of every process of the run is sampled, and the
   kernel's ``RUSAGE_CHILDREN`` peak of a wrapper process gives the exact peak of the largest
   single process;
3. the **floor**: one DuckDB scan reading every column of every contract table (the run
   needs them all), same memory limit, best of two;
4. the **pandas reference**: what a SAS-style extract does — load the ``person`` and
   ``application`` tables (every version) into pandas, resolve the as-of view there and compute
   MIGR_ASYAPPCTZM for the quarter's three months; its SDMX-CSV text is compared with the run's
   file, and its time with the engine's time for the same table (a fresh connection, the same
   builder the notebooks use).

The results go to ``bench/report.json`` and to the table between the markers of
``docs/benchmark.md``. Targets (issue 7): scale 1 ≤ 30 s end to end; scale 25 ≤ 5 min and
≤ 2 GB for the largest process; aggregation ≤ 10× the floor at scale 25; the engine ≥ 10× faster
than the pandas reference at scale 25.

    .venv/bin/python bench/asylstat_bench.py --scales 1,25 [--memory-limit 1GB] [--bench-dir bench]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from asylstat import paths
from asylstat.events import EVENTS_ENV, StepEvent, read_events

log = logging.getLogger(__name__)

PERIOD = "2024-Q3"
AS_OF = "2026-06-30T00:00:00Z"
#: issue 11's targets (the pandas reference of issue 7 stays a reported figure, not a target)
TARGET_SCALE1_SECONDS = 30.0
TARGET_SCALE25_SECONDS = 150.0
TARGET_SCALE25_PEAK_MB = 2048.0
TARGET_FLOOR_RATIO = 10.0
TARGET_SMALL_SECONDS = 15.0
#: the scale whose warehouse holds about 5,000 persons (scale 1 holds 524,160: 301,990 in v1)
SMALL_SCALE = 0.0095
DEFAULT_SCALES = f"{SMALL_SCALE:g},1,25"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# ----------------------------------------------------------------------------- measuring

@dataclass
class MemorySampler:
    """Samples the resident memory of a process and its descendants every ``interval``
    seconds; keeps each process's peak (its command line shortened)."""

    pid: int
    interval: float = 0.1
    peaks: dict[int, tuple[float, str]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in procs:
                try:
                    rss = proc.memory_info().rss / 2**20
                    if rss > self.peaks.get(proc.pid, (0.0, ""))[0]:
                        self.peaks[proc.pid] = (rss, _describe(proc.cmdline()))
                except psutil.Error:
                    continue
            self._stop.wait(self.interval)

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join(timeout=5)
        if not self.peaks:
            return {"largest_mb": None, "largest_process": None}
        rss, what = max(self.peaks.values())
        return {"largest_mb": round(rss, 1), "largest_process": what,
                "processes": len(self.peaks)}


def _describe(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if "ipykernel" in text:
        return "notebook kernel"
    if "asylstat.cli" in text or "asylstat run" in text:
        return "run (main process)"
    return text[:80]


def _wrapped(command: Sequence[str]) -> list[str]:
    """``command`` run under a wrapper that prints the peak resident memory of the largest
    single descendant (``RUSAGE_CHILDREN``: every descendant is waited for by its parent)."""
    code = ("import json, resource, subprocess, sys; "
            "rc = subprocess.call(sys.argv[1:]); "
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
            "sys.stderr.write('\\nBENCH-PEAK-KB ' + str(peak) + '\\n'); sys.exit(rc)")
    return [sys.executable, "-c", code, *command]


@dataclass(frozen=True)
class RunMeasure:
    exit_code: int
    wall_s: float
    steps: list[dict[str, Any]]
    notebooks: list[dict[str, Any]]
    aggregation_s: float
    memory: dict[str, Any]
    output: Path


def step_times(events: Sequence[StepEvent], started_at: float,
               ended_at: float) -> list[dict[str, Any]]:
    """Wall time of each step of the run, from its own events (``asylstat.events``: the
    duration each step measured itself), in the order the steps ended; then the work the run
    does alongside the notebooks (``[3/7] alongside: …``), each part on a row of its own. Two
    rows frame them, from the benchmark's clock (``started_at``, ``ended_at``: ``time.time()``
    when the process was started and when it had exited): the start-up before the first step
    (interpreter, imports, parameters) and the exit after the last."""
    ended = [e for e in events if e.phase in ("end", "error")]
    if not ended:
        return []
    failed = lambda e: " (failed)" if e.phase == "error" else ""  # noqa: E731
    steps = [{"step": "start-up (imports, parameters)",
              "seconds": round(min(e.at for e in events) - started_at, 2)}]
    steps += [{"step": e.label + failed(e), "seconds": round(e.seconds or 0.0, 2)}
              for e in ended if e.track == "main"]
    steps += [{"step": e.label + failed(e), "seconds": round(e.seconds or 0.0, 2)}
              for e in ended if e.track == "alongside"]
    steps.append({"step": "exit (after the last step)",
                  "seconds": round(ended_at - max(e.at for e in ended), 2)})
    return steps


def notebook_times(folder: Path) -> list[dict[str, Any]]:
    """Each executed notebook's wall time and the time of its cells that build tables
    (``nb.build(``: the warehouse queries and the roll-up), from papermill's metadata."""
    rows = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        total = nb.get("metadata", {}).get("papermill", {}).get("duration")
        build = sum(float(cell.get("metadata", {}).get("papermill", {}).get("duration") or 0)
                    for cell in nb.get("cells", [])
                    if cell.get("cell_type") == "code"
                    and ("nb.build(" in "".join(cell.get("source", ""))
                         or "nb.start(" in "".join(cell.get("source", ""))))
        rows.append({"notebook": path.name, "seconds": round(float(total or 0), 2),
                     "build_seconds": round(build, 2)})
    return rows


def run_quarterly(url: str, out: Path, memory_limit: str) -> RunMeasure:
    """The production run as a child process, measured; its step events are recorded in
    ``<out>.events.jsonl`` (replaced)."""
    events_file = out.with_name(out.name + ".events.jsonl")
    events_file.unlink(missing_ok=True)
    env = {**os.environ, "ASYLSTAT_DUCKDB_MEMORY_LIMIT": memory_limit,
           EVENTS_ENV: str(events_file.resolve())}
    command = _wrapped([sys.executable, "-m", "asylstat.cli", "run", "quarterly",
                        "--period", PERIOD, "--dwh-url", url, "--as-of", AS_OF,
                        "--output-dir", str(out)])
    stamped: list[tuple[float, str]] = []
    peak_kb = None
    started_at = time.time()
    started = time.perf_counter()
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=env)
    sampler = MemorySampler(proc.pid)
    assert proc.stderr is not None
    for line in proc.stderr:
        at = time.perf_counter() - started
        if line.startswith("BENCH-PEAK-KB "):
            peak_kb = int(line.split()[1])
            continue
        stamped.append((at, line.rstrip("\n")))
    exit_code = proc.wait()
    wall = time.perf_counter() - started
    ended_at = time.time()
    memory = sampler.stop()
    memory["peak_rusage_mb"] = round(peak_kb / 1024, 1) if peak_kb else None
    if exit_code != 0:
        tail = "\n".join(line for _, line in stamped[-15:])
        log.error("the run exited with %d:\n%s", exit_code, tail)
    notebooks = notebook_times(out / PERIOD / "notebooks")
    return RunMeasure(exit_code=exit_code, wall_s=round(wall, 2),
                      steps=step_times(read_events(events_file) if events_file.is_file()
                                       else [], started_at, ended_at),
                      notebooks=notebooks,
                      aggregation_s=round(sum(n["build_seconds"] for n in notebooks), 2),
                      memory=memory, output=out / PERIOD)


def scan_floor(path: Path, memory_limit: str, schema: str = "dwh") -> float:
    """One scan reading every column of every contract table (hashing each row), best of
    two: the least any computation over those columns can cost on this engine."""
    from asylstat.warehouse.contract import contract_tables

    best = float("inf")
    con = duckdb.connect(str(path), read_only=True,
                         config={"memory_limit": memory_limit})
    try:
        con.execute("SET enable_progress_bar = false")
        for _ in range(2):
            started = time.perf_counter()
            for table, columns in contract_tables().items():
                con.execute(f"SELECT count(*), sum(hash({', '.join(columns)})) "
                            f"FROM {schema}.{table}").fetchall()
            best = min(best, time.perf_counter() - started)
    finally:
        con.close()
    return round(best, 3)


def engine_table_time(url: str) -> tuple[float, str]:
    """The engine's time for MIGR_ASYAPPCTZM of the quarter's months on a fresh connection
    (the builder the notebooks use), and its SDMX-CSV text. One table alone: nothing is
    materialised (``materialise=False``), so the engine plans the whole table as one query,
    as it would for the pandas reference's single table; materialising pays only when many
    tables reuse the derivations."""
    from asylstat.cube import build_cube
    from asylstat.dataflows.applications import ASYAPPCTZM
    from asylstat.params import RunParameters
    from asylstat.warehouse.connect import connect
    from asylstat.warehouse.snapshot import Snapshot
    from asylstat.write.sdmx import sdmx_csv_text

    params = RunParameters.parse(kind="quarterly", period=PERIOD, dwh_url=url, as_of=AS_OF)
    started = time.perf_counter()
    snap = Snapshot(connect(url), params.as_of, materialise=False)
    table = build_cube(ASYAPPCTZM, snap, params.period.months())
    elapsed = time.perf_counter() - started
    snap.warehouse.con.disconnect()
    return round(elapsed, 3), sdmx_csv_text(table)


def time_queries() -> dict[str, float]:
    """Patch Ibis so that the time spent executing expressions in the engine (fetching
    results, materialising tables) is added up in the returned dict's ``"query_s"``: the
    *aggregation time*. For the benchmark's child processes only."""
    import functools

    import ibis.expr.types as ir
    import ibis.expr.types.core as core
    from ibis.backends.duckdb import Backend as DuckDBBackend

    spent = {"query_s": 0.0}
    depth = [0]

    def timed(method):  # type: ignore[no-untyped-def]
        @functools.wraps(method)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            depth[0] += 1
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent["query_s"] += time.perf_counter() - started
        return wrapper

    for cls in (core.Expr, ir.Value, ir.Table, ir.Column, ir.Scalar):
        for name in ("to_pyarrow", "to_pyarrow_batches", "to_pandas", "execute"):
            if name in vars(cls):  # each class's own method, once
                setattr(cls, name, timed(vars(cls)[name]))
    DuckDBBackend.create_table = timed(DuckDBBackend.create_table)
    return spent


def build_all_tables(url: str) -> dict[str, Any]:
    """Every table of every domain for the run's period, as the run builds them: the shared
    snapshot computed once, then one snapshot per domain attached to it (as each notebook
    does), after the imports: the time of the building and, within it, of the engine's
    queries."""
    import tempfile

    from asylstat.domains import all_domains, build_domain
    from asylstat.params import RunParameters
    from asylstat.run import share_snapshot
    from asylstat.warehouse.connect import connect
    from asylstat.warehouse.snapshot import Snapshot

    spent = time_queries()
    params = RunParameters.parse(kind="quarterly", period=PERIOD, dwh_url=url, as_of=AS_OF)
    domains: dict[str, float] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="asylstat-bench-") as scratch:
        writer = Snapshot(connect(url), params.as_of)
        shared = share_snapshot(writer, Path(scratch))  # as the run does
        writer.detach_shared()
        domains["(shared snapshot)"] = round(time.perf_counter() - started, 2)
        for dom in all_domains():
            began = time.perf_counter()
            snap = Snapshot(connect(url), params.as_of, shared_file=shared)
            build_domain(dom, snap, params)
            snap.detach_shared()
            domains[dom.name] = round(time.perf_counter() - began, 2)
    return {"build_s": round(time.perf_counter() - started, 2),
            "query_s": round(spent["query_s"], 2), "domains": domains}


# ----------------------------------------------------------------------- pandas reference

def _as_of_view(frame: pd.DataFrame, key: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """dwh-contract.md "System versioning" and statistics.md "Warehouse faults", in pandas."""
    visible = frame[(frame["recorded_at"] <= as_of)
                    & (frame["retired_at"].isna() | (frame["retired_at"] > as_of))]
    latest = visible.groupby(key)["recorded_at"].transform("max")
    visible = visible[visible["recorded_at"] == latest]
    counts = visible.groupby(key)[key].transform("size")
    return visible[counts == 1].drop(columns=["recorded_at", "retired_at"])


def _recode(values: pd.Series, mapper: Any) -> pd.Series:
    mapping = {raw: mapper(raw) for raw in values.dropna().unique()}
    return values.map(mapping).fillna(mapper(None))


def _age_group(on: pd.Series, birth: pd.Series) -> pd.Series:
    """statistics.md, "Age", vectorised: completed years, then the Eurostat groups; a NULL
    birth date or a negative age is UNK."""
    on = pd.to_datetime(on)
    birth = pd.to_datetime(birth)
    before = ((on.dt.month * 100 + on.dt.day) < (birth.dt.month * 100 + birth.dt.day))
    age = (on.dt.year - birth.dt.year - before.astype(float)).to_numpy(dtype=float)
    known = ~np.isnan(age)
    age = np.where(known, age, -1.0)
    groups = np.select([known & (age >= 0) & (age <= 13), known & (age >= 14) & (age <= 17),
                        known & (age >= 18) & (age <= 34), known & (age >= 35) & (age <= 64),
                        known & (age >= 65)],
                       ["Y_LT14", "Y14-17", "Y18-34", "Y35-64", "Y_GE65"], default="UNK")
    return pd.Series(groups, index=on.index, dtype=object)


def pandas_applicants(path: Path, schema: str = "dwh") -> tuple[dict[str, float], str]:
    """MIGR_ASYAPPCTZM of the quarter computed the SAS way: extract the microdata (every
    version of ``person`` and ``application``) into pandas, then compute there. Returns the
    seconds spent loading and computing, and the SDMX-CSV text."""
    from asylstat.codes import contract_code, eurostat_citizen, eurostat_sex
    from asylstat.cube import finish, roll_up
    from asylstat.dataflows.applications import ASYAPPCTZM
    from asylstat.params import parse_as_of
    from asylstat.periods import Period
    from asylstat.tables import Table
    from asylstat.write.sdmx import sdmx_csv_text

    as_of = pd.Timestamp(parse_as_of(AS_OF))
    started = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    person = con.execute(f"SELECT * FROM {schema}.person").df()
    app = con.execute(f"SELECT * FROM {schema}.application").df()
    con.close()
    loaded = time.perf_counter()

    person = _as_of_view(person, "person_id", as_of)
    person = pd.DataFrame({"person_id": person["person_id"], "birth_date": person["birth_date"],
                           "citizen": _recode(person["citizenship"], eurostat_citizen),
                           "sex": _recode(person["sex"], eurostat_sex)})
    app = _as_of_view(app, "application_id", as_of)
    for column in ("legal_type", "channel", "procedure"):
        app[column] = _recode(app[column], contract_code("application", column))
    lodged = app[app["lodged_date"].notna()].sort_values(["lodged_date", "application_id"])
    first = lodged.groupby("person_id", sort=False)["application_id"].first()
    parts = []
    for month in Period.parse(PERIOD, "Q").months():
        start, end = pd.Timestamp(month.start), pd.Timestamp(month.end)
        rows = lodged[(lodged["lodged_date"] >= start) & (lodged["lodged_date"] <= end)
                      & (lodged["channel"] != "RESETTLEMENT")]
        subsequent = (rows["legal_type"] == "SUBSEQUENT").groupby(rows["person_id"]).any()
        reference = rows.drop_duplicates("person_id", keep="first")  # sorted: the earliest
        is_first = reference["application_id"].to_numpy() == \
            first.reindex(reference["person_id"]).to_numpy()
        is_sseq = subsequent.reindex(reference["person_id"]).to_numpy()
        reference = reference.assign(
            period=month.label,
            applicant=np.select([is_first, is_sseq], ["FRST", "SSEQ"], default="NONE"))
        parts.append(reference[["period", "person_id", "lodged_date", "applicant"]])
    records = pd.concat(parts, ignore_index=True).merge(person, on="person_id", how="left")
    records["citizen"] = records["citizen"].fillna("UNK")
    records["sex"] = records["sex"].fillna("UNK")
    records["age"] = _age_group(records["lodged_date"], records["birth_date"])
    base = (records.groupby(["period", "citizen", "sex", "age", "applicant"])
            .size().rename("OBS_VALUE").reset_index())
    base = base.astype({c: object for c in base.columns[:-1]}).astype({"OBS_VALUE": "int64"})
    cube = finish(roll_up(base, ASYAPPCTZM.dimensions), ASYAPPCTZM.dimension_names)
    table = Table(name=ASYAPPCTZM.name, title=ASYAPPCTZM.title,
                  definition=ASYAPPCTZM.definition, kind="eurostat", freq="M", unit="PER",
                  dimensions=ASYAPPCTZM.dimension_names, data=cube)
    done = time.perf_counter()  # the file text is not timed, as for the engine
    text = sdmx_csv_text(table)
    return {"load_s": round(loaded - started, 3), "compute_s": round(done - loaded, 3),
            "total_s": round(done - started, 3)}, text


def _in_child(function: str, *args: str) -> dict[str, Any]:
    """Run ``function(*args)`` of this module in a fresh process (its memory is its own);
    returns its JSON result with the process's peak memory."""
    code = ("import json, resource, sys; "
            f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
            "import asylstat_bench as bench; "
            f"out = bench._child_{function}(*sys.argv[1:]); "
            "out['peak_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1); "
            "print('BENCH-JSON ' + json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        log.error("%s failed (exit %d): %s", function, done.returncode, reason)
        return {"failed": f"exit {done.returncode}: {reason[:300]}"}
    marked = [line.split("BENCH-JSON ", 1)[1] for line in done.stdout.splitlines()
              if "BENCH-JSON " in line]  # a progress bar may precede it on its line
    return json.loads(marked[-1])


def _child_pandas(path: str) -> dict[str, Any]:
    times, text = pandas_applicants(Path(path))
    return {**times, "sdmx": text}


def _child_tables(url: str, memory_limit: str) -> dict[str, Any]:
    os.environ["ASYLSTAT_DUCKDB_MEMORY_LIMIT"] = memory_limit
    return build_all_tables(url)


def _child_engine(url: str, memory_limit: str) -> dict[str, Any]:
    os.environ["ASYLSTAT_DUCKDB_MEMORY_LIMIT"] = memory_limit
    seconds, text = engine_table_time(url)
    return {"seconds": seconds, "sdmx": text}


# --------------------------------------------------------------------------- the benchmark

def ensure_warehouse(folder: Path, scale: float) -> tuple[Path, float | None]:
    """``bench/scale-<S>.duckdb``, built by the generator (in its own process) when absent."""
    path = folder / f"scale-{scale:g}.duckdb"
    if path.is_file():
        return path, None
    folder.mkdir(parents=True, exist_ok=True)
    log.info("building the scale-%g warehouse %s (scale 25: about 4 minutes, 4.5 GB)",
             scale, path)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "asylstat.synthetic", "--out", str(path),
                    "--scale", f"{scale:g}", "-q"], check=True)
    return path, round(time.perf_counter() - started, 1)


def bench_scale(folder: Path, scale: float, memory_limit: str,
                direct: bool = True) -> dict[str, Any]:
    path, built_s = ensure_warehouse(folder, scale)
    url = f"duckdb:///{path.resolve()}"
    out = folder / f"out-{scale:g}"
    log.info("scale %g: the quarterly run", scale)
    run = run_quarterly(url, out, memory_limit)
    log.info("scale %g: run %.1f s (exit %d); the floor scan", scale, run.wall_s, run.exit_code)
    floor = scan_floor(path, memory_limit)
    log.info("scale %g: floor %.2f s; the engine and pandas computing MIGR_ASYAPPCTZM", scale,
             floor)
    if direct:
        log.info("scale %g: every table built directly, queries timed", scale)
        direct_result = _in_child("tables", url, memory_limit)
    else:  # the notebooks' table-building cells (imports included): an upper bound
        direct_result = {"skipped": True, "query_s": run.aggregation_s}
    direct = direct_result
    engine = _in_child("engine", url, memory_limit)
    reference = _in_child("pandas", str(path))
    published = run.output / "transmission" / "eurostat" / "MIGR_ASYAPPCTZM.csv"
    run_text = published.read_text(encoding="utf-8") if published.is_file() else None
    con = duckdb.connect(str(path), read_only=True)
    rows = {t: con.execute(f"SELECT count(*) FROM dwh.{t}").fetchone()[0]  # type: ignore[index]
            for t in ("person", "application", "decision", "dublin_request")}
    con.close()
    measure = {"wall_s": run.wall_s, "steps": run.steps, "memory": run.memory}
    (out / "run-measure.json").write_text(json.dumps(measure, indent=2), encoding="utf-8")
    return {
        "scale": scale, "warehouse": str(path), "warehouse_mb": round(path.stat().st_size / 2**20),
        "warehouse_rows": rows, "warehouse_build_s": built_s,
        "duckdb_memory_limit": memory_limit,
        "run": {"exit_code": run.exit_code, "wall_s": run.wall_s, "steps": run.steps,
                "notebooks": run.notebooks, "aggregation_s": run.aggregation_s,
                "memory": run.memory},
        "tables_direct": direct,
        "floor_scan_s": floor,
        "aggregation_s": direct.get("query_s"),
        "aggregation_over_floor": (round(direct["query_s"] / floor, 1)
                                   if floor and "query_s" in direct else None),
        "asyappctzm": {
            "engine_s": engine.get("seconds"), "engine_peak_mb": engine.get("peak_mb"),
            "engine_failed": engine.get("failed"),
            "pandas_load_s": reference.get("load_s"),
            "pandas_compute_s": reference.get("compute_s"),
            "pandas_total_s": reference.get("total_s"), "pandas_peak_mb": reference.get("peak_mb"),
            "pandas_failed": reference.get("failed"),
            "pandas_over_engine": (round(reference["total_s"] / engine["seconds"], 1)
                                   if "total_s" in reference and "seconds" in engine else None),
            "identical_to_run": run_text is not None and reference.get("sdmx") == run_text,
            "engine_identical_to_run": run_text is not None and engine.get("sdmx") == run_text,
            "pandas_identical_to_engine": ("sdmx" in reference and "sdmx" in engine
                                           and reference["sdmx"] == engine["sdmx"]),
        },
    }


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of issue 11 with the measured figure and met / missed (or not measured)."""
    by_scale = {r["scale"]: r for r in results}
    small, s1, s25 = by_scale.get(SMALL_SCALE), by_scale.get(1.0), by_scale.get(25.0)

    def row(name: str, value: float | None, limit: float, unit: str, higher: bool = False):
        if value is None:
            return {"target": name, "value": None, "limit": limit, "unit": unit,
                    "status": "not measured"}
        met = value >= limit if higher else value <= limit
        return {"target": name, "value": value, "limit": limit, "unit": unit,
                "status": "met" if met else "missed"}

    ok = lambda r: r is not None and r["run"]["exit_code"] == 0  # noqa: E731
    persons = (small or {}).get("warehouse_rows", {}).get("person")
    return [
        row(f"scale {SMALL_SCALE:g} ({persons or 'about 5,000'} persons): quarterly run end to end",
            small["run"]["wall_s"] if ok(small) else None, TARGET_SMALL_SECONDS, "s"),
        row("scale 1: quarterly run end to end", s1["run"]["wall_s"] if ok(s1) else None,
            TARGET_SCALE1_SECONDS, "s"),
        row("scale 25: quarterly run end to end", s25["run"]["wall_s"] if ok(s25) else None,
            TARGET_SCALE25_SECONDS, "s"),
        row("scale 25: peak memory of the largest process",
            s25["run"]["memory"]["peak_rusage_mb"] if ok(s25) else None,
            TARGET_SCALE25_PEAK_MB, "MB"),
        row("scale 25: aggregation time / one-scan floor",
            s25["aggregation_over_floor"] if s25 else None, TARGET_FLOOR_RATIO, "×"),
    ]


def _steps_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """A result's timed steps (a report written before the run had step events calls them
    ``stages``, timed from its log lines)."""
    return result["run"].get("steps") or result["run"].get("stages") or []


def _step_name(row: dict[str, Any]) -> str:
    return str(row.get("step") or row.get("stage"))


def markdown_table(report: dict[str, Any]) -> str:
    """The report as Markdown tables (figures only; the prose of docs/benchmark.md stays)."""
    results = report["results"]
    scales = [f"scale {r['scale']:g}" for r in results]
    lines = [f"Measured {report['measured_at']} on {report['machine']} "
             "(`make bench`; each scale's DuckDB memory limit in its column).",
             "", "| | " + " | ".join(scales) + " |", "|---|" + "---:|" * len(scales)]

    def add(label: str, values: list[Any]) -> None:
        lines.append(f"| {label} | " + " | ".join("–" if v is None else str(v)
                                                  for v in values) + " |")

    add("warehouse rows: person / application",
        [f"{r['warehouse_rows']['person']:,} / {r['warehouse_rows']['application']:,}"
         for r in results])
    add("DuckDB memory limit per process", [r.get("duckdb_memory_limit") for r in results])
    add("run exit status", [r["run"]["exit_code"] for r in results])
    add("**quarterly run, end to end (s)**", [f"**{r['run']['wall_s']}**" for r in results])
    step_names: list[str] = []
    for r in results:
        step_names += [_step_name(s) for s in _steps_of(r) if _step_name(s) not in step_names]
    for name in step_names:
        add(f"&nbsp;&nbsp;{name} (s)",
            [next((s["seconds"] for s in _steps_of(r) if _step_name(s) == name), None)
             for r in results])
    nb_names: list[str] = []
    for r in results:
        nb_names += [n["notebook"] for n in r["run"]["notebooks"] if n["notebook"] not in nb_names]
    for name in nb_names:
        add(f"&nbsp;&nbsp;&nbsp;&nbsp;notebook {name}: total / building tables (s)",
            [next((f"{n['seconds']} / {n['build_seconds']}" for n in r["run"]["notebooks"]
                   if n["notebook"] == name), None) for r in results])
    add("notebook cells that import, connect and build (s)",
        [r["run"]["aggregation_s"] for r in results])
    add("every table built directly, one snapshot per domain (s)",
        [r.get("tables_direct", {}).get("build_s", "skipped") for r in results])
    add("**aggregation time (s)**: engine queries of the direct build, or (when it is "
        "skipped) the notebooks' table-building cells",
        [f"**{r.get('aggregation_s')}**" for r in results])
    add("**one-scan floor (s)**", [f"**{r['floor_scan_s']}**" for r in results])
    add("aggregation / floor", [r["aggregation_over_floor"] for r in results])
    add("**peak memory, largest process (MB)**",
        [f"**{r['run']['memory']['peak_rusage_mb']}** ({r['run']['memory']['largest_process']})"
         for r in results])
    add("MIGR_ASYAPPCTZM in the engine (s)", [r["asyappctzm"]["engine_s"] for r in results])
    add("MIGR_ASYAPPCTZM in pandas: load + compute (s)",
        [f"{r['asyappctzm']['pandas_load_s']} + {r['asyappctzm']['pandas_compute_s']}"
         for r in results])
    add("pandas peak memory (MB)", [r["asyappctzm"]["pandas_peak_mb"] for r in results])
    add("**pandas / engine**", [f"**{r['asyappctzm']['pandas_over_engine']}×**"
                                for r in results])
    add("pandas result identical to the engine's (and to the run's file)",
        [f"{r['asyappctzm'].get('pandas_identical_to_engine')} "
         f"({r['asyappctzm'].get('identical_to_run')})" for r in results])
    lines += ["", "| target (issue 11) | measured | limit | |", "|---|---:|---:|---|"]
    for t in report["targets"]:
        value = "–" if t["value"] is None else f"{t['value']} {t['unit']}"
        lines.append(f"| {t['target']} | {value} | {t['limit']:g} {t['unit']} | "
                     f"**{t['status']}** |")
    return "\n".join(lines)


def write_docs(report: dict[str, Any], doc: Path) -> None:
    """Replace the figures between the markers of ``doc`` (the prose around them stays)."""
    table = markdown_table(report)
    text = doc.read_text(encoding="utf-8") if doc.is_file() else f"# Benchmark\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/asylstat_bench.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=DEFAULT_SCALES,
                        help=f"comma-separated (default {DEFAULT_SCALES})")
    parser.add_argument("--memory-limit", default="768MB",
                        help="DuckDB memory limit per process (default 768MB)")
    parser.add_argument("--skip-direct", action="store_true",
                        help="skip building every table directly (aggregation time is then "
                             "the notebooks' table-building cells, imports included)")
    parser.add_argument("--bench-dir", type=Path, default=paths.project_root() / "bench")
    parser.add_argument("--doc", type=Path,
                        default=paths.project_root() / "docs" / "benchmark.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stderr)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    previous: dict[float, dict[str, Any]] = {}
    report_path = args.bench_dir / "report.json"
    if report_path.is_file():  # a scale not re-measured keeps its last figures
        for r in json.loads(report_path.read_text()).get("results", []):
            previous[float(r["scale"])] = r
    for scale in scales:  # the report is rewritten after each scale
        previous[scale] = bench_scale(args.bench_dir, scale, args.memory_limit,
                                      direct=not args.skip_direct)
        previous[scale]["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        previous[scale]["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
        results = [previous[s] for s in sorted(previous)]
        report = {"measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                  "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                             f"Python {platform.python_version()}, DuckDB {duckdb.__version__}",
                  "period": PERIOD, "as_of": AS_OF, "duckdb_memory_limit": args.memory_limit,
                  "results": results, "targets": targets(results)}
        args.bench_dir.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        write_docs(report, args.doc)
    for t in report["targets"]:
        log.info("%-62s %s (%s %s, limit %g)", t["target"], t["status"], t["value"], t["unit"],
                 t["limit"])
    log.info("report: %s and %s", report_path, args.doc)
    return 0 if all(r["run"]["exit_code"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
