"""The benchmark's own parts (bench/asylstat_bench.py, outside the library): step timing from
the run's step events, target verdicts, and the pandas reference (an independent
implementation of MIGR_ASYAPPCTZM, which must give the engine's file byte for byte, or the
speed comparison would compare different things)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from asylstat import paths
from asylstat.events import StepEvent


def _load_bench():  # type: ignore[no-untyped-def]
    path = paths.project_root() / "bench" / "asylstat_bench.py"
    spec = importlib.util.spec_from_file_location("asylstat_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["asylstat_bench"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def _event(step: str, index: int, phase: str, at: float, seconds: float | None = None,
           track: str = "main") -> StepEvent:
    return StepEvent(step=step, index=index, total=7, phase=phase, at=at,  # type: ignore[arg-type]
                     seconds=seconds, track=track)  # type: ignore[arg-type]


def test_step_times_come_from_the_runs_own_events():
    # the process started at 1000.0 (the benchmark's clock) and had exited at 1072.0
    events = [_event("check the warehouse", 1, "start", 1002.0),
              _event("check the warehouse", 1, "end", 1005.0, 3.0),
              _event("snapshot", 2, "start", 1005.0),
              _event("snapshot", 2, "end", 1009.0, 4.0),
              _event("domain tables", 3, "start", 1009.0),
              _event("row counts", 3, "start", 1009.1, track="alongside"),
              _event("row counts", 3, "end", 1013.0, 3.9, track="alongside"),
              _event("data quality", 3, "start", 1013.0, track="alongside"),
              _event("data quality", 3, "end", 1026.0, 13.0, track="alongside"),
              _event("domain tables", 3, "end", 1065.0, 56.0),
              _event("validation", 4, "start", 1065.0),
              _event("validation", 4, "end", 1070.0, 5.0),
              _event("publish", 7, "start", 1070.0),
              _event("publish", 7, "error", 1071.5, 1.5)]
    steps = bench.step_times(events, started_at=1000.0, ended_at=1072.0)
    assert [(s["step"], s["seconds"]) for s in steps] == [
        ("start-up (imports, parameters)", 2.0),  # 1002 - 1000
        ("[1/7] check the warehouse", 3.0), ("[2/7] snapshot", 4.0),
        ("[3/7] domain tables", 56.0),  # whatever happens alongside
        ("[4/7] validation", 5.0), ("[7/7] publish (failed)", 1.5),
        ("[3/7] alongside: row counts", 3.9), ("[3/7] alongside: data quality", 13.0),
        ("exit (after the last step)", 0.5)]  # 1072 - 1071.5


def test_no_events_no_steps():
    assert bench.step_times([], started_at=0.0, ended_at=10.0) == []


def test_nothing_in_the_library_imports_the_benchmark():
    lib = paths.project_root() / "lib"
    assert not (lib / "asylstat" / "bench.py").exists()
    found = subprocess.run(["grep", "-rlE", "asylstat_bench|asylstat\\.bench|import bench",
                            str(lib)], capture_output=True, text=True)
    assert found.stdout == ""


def test_the_makefile_runs_the_benchmark_script():
    text = (paths.project_root() / "Makefile").read_text()
    assert "$(BIN)/python bench/asylstat_bench.py" in text


def _result(scale: float, wall: float, peak: float, over_floor: float, speedup: float) -> dict:
    return {"scale": scale, "run": {"exit_code": 0, "wall_s": wall,
                                    "memory": {"peak_rusage_mb": peak}},
            "aggregation_over_floor": over_floor, "asyappctzm": {"pandas_over_engine": speedup}}


def test_targets_say_met_missed_or_not_measured():
    # issue 11: 5,000 persons <= 15 s; scale 1 <= 30 s; scale 25 <= 150 s and <= 2048 MB;
    # aggregation <= 10x the floor at scale 25
    verdicts = bench.targets([_result(1.0, 29.0, 500, 50, 1)])
    assert [v["status"] for v in verdicts] == ["not measured", "met"] + ["not measured"] * 3
    verdicts = bench.targets([_result(bench.SMALL_SCALE, 15.5, 300, 90, 1),
                              _result(1.0, 31.0, 500, 50, 1),
                              _result(25.0, 149.0, 2049, 10.0, 9.9)])
    # 15.5 > 15 s; 31 > 30 s; 149 <= 150 s; 2049 > 2048 MB; 10.0 <= 10x
    assert [v["status"] for v in verdicts] == ["missed", "missed", "met", "missed", "met"]
    verdicts = bench.targets([_result(bench.SMALL_SCALE, 14.0, 300, 90, 1),
                              _result(25.0, 151.0, 2000, 10.5, 9.9)])
    assert [v["status"] for v in verdicts] == ["met", "not measured", "missed", "met",
                                               "missed"]


@pytest.fixture(scope="module")
def small_dwh(tmp_path_factory, synthetic_warehouse) -> Path:
    # a copy: the benchmark opens the file with DuckDB settings of its own
    return synthetic_warehouse.copy(tmp_path_factory.mktemp("bench") / "small.duckdb")


def test_the_pandas_reference_gives_the_engines_file(small_dwh):
    times, pandas_text = bench.pandas_applicants(small_dwh)
    seconds, engine_text = bench.engine_table_time(f"duckdb:///{small_dwh}")
    assert pandas_text.count("\n") > 100  # three months of cells, not an empty file
    assert pandas_text == engine_text
    assert times["total_s"] >= times["load_s"] > 0 and seconds > 0


def test_the_floor_scan_reads_every_table(small_dwh):
    assert bench.scan_floor(small_dwh, "256MB") > 0
