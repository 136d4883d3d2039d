"""The benchmark's own parts: stage timing from log lines, target verdicts, and the pandas
reference (an independent implementation of MIGR_ASYAPPCTZM, which must give the engine's
file byte for byte, or the speed comparison would compare different things)."""

from __future__ import annotations

from pathlib import Path

import pytest

from asylstat import bench
from asylstat.synthetic import build_warehouse


def test_stage_times_run_from_each_stage_line_to_the_next():
    stamped = [(2.0, "20:00:00 INFO [1/5] checking the warehouse duckdb:////x.duckdb as of T"),
               (2.5, "20:00:00 INFO connected"),
               (5.0, "20:00:03 INFO [2/5] executing the domain notebooks (run 2024)"),
               (65.0, "20:01:03 INFO [3/5] validating 35 tables"),
               (70.0, "20:01:08 INFO [3/5] checking the warehouse's data quality as of T"),
               (71.5, "20:01:09 INFO [5/5] publishing")]
    stages = bench.stage_times(stamped, wall=72.0)
    assert [s["stage"] for s in stages] == [
        "start-up (imports, parameters)", "[1/5] checking the warehouse",
        "[2/5] executing the domain notebooks", "[3/5] validating",
        "[3/5] checking the warehouse's data quality", "[5/5] publishing"]
    # 2.0 before the first line; 5.0 - 2.0; 65 - 5; 70 - 65; 71.5 - 70; 72 - 71.5
    assert [s["seconds"] for s in stages] == [2.0, 3.0, 60.0, 5.0, 1.5, 0.5]


def test_work_alongside_the_notebooks_is_timed_on_its_own_track():
    stamped = [(1.0, "20:00:00 INFO [1/5] checking the warehouse duckdb:////x.duckdb as of T"),
               (3.0, "20:00:02 INFO [2/5] executing the domain notebooks (run 2024)"),
               (3.1, "20:00:02 INFO [2/5] alongside: counting the warehouse's rows"),
               (7.0, "20:00:06 INFO [2/5] alongside: checking the warehouse's data quality"),
               (20.0, "20:00:19 INFO [2/5] alongside: done"),
               (40.0, "20:00:39 INFO [3/5] validating 35 tables")]
    stages = {s["stage"]: s["seconds"] for s in bench.stage_times(stamped, wall=50.0)}
    # the notebook stage runs from 3.0 to 40.0 whatever happens alongside
    assert stages["[2/5] executing the domain notebooks"] == 37.0
    assert stages["[2/5] alongside the notebooks: counting the warehouse's rows"] == 3.9
    assert stages["[2/5] alongside the notebooks: checking the warehouse's data quality"] == 13.0
    assert stages["[3/5] validating"] == 10.0
    assert not any("done" in name for name in stages)


def _result(scale: float, wall: float, peak: float, over_floor: float, speedup: float) -> dict:
    return {"scale": scale, "run": {"exit_code": 0, "wall_s": wall,
                                    "memory": {"peak_rusage_mb": peak}},
            "aggregation_over_floor": over_floor, "asyappctzm": {"pandas_over_engine": speedup}}


def test_targets_say_met_missed_or_not_measured():
    verdicts = bench.targets([_result(1.0, 29.0, 500, 50, 1)])
    assert [v["status"] for v in verdicts] == ["met"] + ["not measured"] * 4
    verdicts = bench.targets([_result(1.0, 31.0, 500, 50, 1),
                              _result(25.0, 299.0, 2049, 10.0, 9.9)])
    # 31 > 30 s; 299 <= 300 s; 2049 > 2048 MB; 10.0 <= 10×; 9.9 < 10× faster
    assert [v["status"] for v in verdicts] == ["missed", "met", "missed", "met", "missed"]


@pytest.fixture(scope="module")
def small_dwh(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "small.duckdb"
    build_warehouse(path, scale=0.03)
    return path


def test_the_pandas_reference_gives_the_engines_file(small_dwh):
    times, pandas_text = bench.pandas_applicants(small_dwh)
    seconds, engine_text = bench.engine_table_time(f"duckdb:///{small_dwh}")
    assert pandas_text.count("\n") > 100  # three months of cells, not an empty file
    assert pandas_text == engine_text
    assert times["total_s"] >= times["load_s"] > 0 and seconds > 0


def test_the_floor_scan_reads_every_table(small_dwh):
    assert bench.scan_floor(small_dwh, "256MB") > 0
