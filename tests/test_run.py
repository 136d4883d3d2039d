"""The production run end to end: papermill executes the real notebooks on a small synthetic
warehouse; the outputs are read back (SDMX-CSV, the workbook with openpyxl, the manifest)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import openpyxl
import pytest

from asylstat.cube import build_cube
from asylstat.domains import all_domains, spec_of
from asylstat.params import RunParameters
from asylstat.periods import Period
from asylstat.run import EXIT_BLOCKED, recover_stale_staging, run_production
from asylstat.scraps import read_tables
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot
from asylstat.write.sdmx import sdmx_csv_text

AS_OF = "2026-06-30T00:00:00Z"
APPLICANT_FLOWS = ("MIGR_ASYAPPCTZM", "MIGR_ASYUMACTM", "MIGR_ASYACCM")
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def small_dwh(quarterly_run) -> str:
    return quarterly_run.url


@pytest.fixture(scope="module")
def published(quarterly_run) -> Path:
    return quarterly_run.out


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asylstat.cli", *args], capture_output=True,
                          text=True, timeout=900)


def test_quarterly_run_leaves_the_outputs_layout(published):
    run = published / "2024-Q3"
    manifest = json.loads((run / "manifest.json").read_text())
    for key in ("run_id", "period", "as_of", "started_at", "finished_at", "code_version",
                "lock_sha256", "warehouse", "parameters", "outputs", "validation"):
        assert key in manifest, key
    assert manifest["period"] == "2024-Q3"
    assert manifest["as_of"] == "2026-06-30T00:00:00.000000Z"
    assert set(manifest["code_version"]) == {"commit", "dirty"}
    assert manifest["warehouse"]["row_counts"]["application"] > 0
    # every listed output exists with its hash; nothing unlisted but the manifest
    listed = {o["path"] for o in manifest["outputs"]}
    on_disk = {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()}
    assert on_disk - listed == {"manifest.json"}
    assert (run / "notebooks" / "10_applications.ipynb").is_file()
    # outputs.md's layout, every folder there although the run was given a relative OUTPUT_DIR
    assert {p.name for p in run.iterdir()} >= {
        "manifest.json", "notebooks", "transmission", "tables", "public", "reports",
        "validation", "internal"}
    assert {path.split("/")[0] for path in listed} >= {"public", "reports", "tables"}
    assert not (published / ".staging" / "2024-Q3").exists() or not any(
        (published / ".staging" / "2024-Q3").iterdir())
    assert manifest["validation"].get("error", {}).get("fail", 0) == 0


def test_applicant_transmission_files_hold_three_months_in_the_exact_format(published):
    folder = published / "2024-Q3" / "transmission" / "eurostat"
    for name in APPLICANT_FLOWS:
        raw = (folder / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        lines = raw.decode("utf-8").splitlines()
        dims = "citizen,sex,age,applicant" if name != "MIGR_ASYACCM" else "citizen,sex,age"
        assert lines[0] == ("STRUCTURE,STRUCTURE_ID,ACTION,freq,unit," + dims
                            + ",geo,TIME_PERIOD,OBS_VALUE")
        rows = [line.split(",") for line in lines[1:]]
        assert {r[-2] for r in rows} == {"2024-07", "2024-08", "2024-09"}
        assert all(r[:5] == ["dataflow", f"ESTAT:{name}(1.0)", "I", "M", "PER"] for r in rows)
        assert all(r[-3] == "BE" and r[-1].isdigit() and int(r[-1]) > 0 for r in rows)
        keys = [r[5:-1] for r in rows]
        assert keys == sorted(keys) and len(set(map(tuple, keys))) == len(keys)


def test_return_and_frontex_files_are_written_in_the_exact_format(published, small_dwh):
    # outputs.md: the four return dataflows for the quarter (freq Q, ESTAT), the Frontex
    # dataflows for the three months (freq M, FRONTEX) in transmission/frontex/ — never in
    # public/ — each the library's table for the same warehouse and instant
    run = published / "2024-Q3"
    params = RunParameters.parse(kind="quarterly", period="2024-Q3", dwh_url=small_dwh,
                                 as_of=AS_OF)
    snap = Snapshot(connect(small_dwh), params.as_of)
    layout = {"MIGR_EIORD1": ("eurostat", "ESTAT", "Q", "citizen,sex,age"),
              "MIGR_EIRTN1": ("eurostat", "ESTAT", "Q", "citizen,sex,age"),
              "MIGR_EIRT_TYPE": ("eurostat", "ESTAT", "Q", "citizen,c_rtn,assist"),
              "MIGR_EIRT_DEST": ("eurostat", "ESTAT", "Q", "citizen,c_dest"),
              "FX_RDEC": ("frontex", "FRONTEX", "M", "citizen,ground"),
              "FX_RET": ("frontex", "FRONTEX", "M", "citizen,c_rtn,assist")}
    for name, (folder, agency, freq, dims) in layout.items():
        text = (run / "transmission" / folder / f"{name}.csv").read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0] == ("STRUCTURE,STRUCTURE_ID,ACTION,freq,unit," + dims
                            + ",geo,TIME_PERIOD,OBS_VALUE")
        rows = [line.split(",") for line in lines[1:]]
        assert rows and all(r[:5] == ["dataflow", f"{agency}:{name}(1.0)", "I", freq, "PER"]
                            for r in rows)
        periods = {"Q": {"2024-Q3"}, "M": {"2024-07", "2024-08", "2024-09"}}[freq]
        assert {r[-2] for r in rows} == periods
        spec = spec_of(name)
        table = build_cube(spec, snap, sorted(Period.parse(p, freq) for p in periods))
        assert text == sdmx_csv_text(table)
    public = {p.name for p in (run / "public").rglob("*")}
    assert "MIGR_EIORD1.csv" in public and not any(p.startswith("FX_") for p in public)
    assert not (run / "public" / "national").exists() or not list(
        (run / "public" / "national").glob("FX_*"))


def test_transmitted_figures_equal_a_direct_computation(published, small_dwh):
    # the notebook → scrapbook → writer path loses nothing: compare with the library called
    # directly on the same warehouse and instant
    params = RunParameters.parse(kind="quarterly", period="2024-Q3", dwh_url=small_dwh,
                                 as_of=AS_OF)
    snap = Snapshot(connect(small_dwh), params.as_of)
    table = build_cube(spec_of("MIGR_ASYAPPCTZM"), snap, Period("Q", 2024, 3).months())
    written = (published / "2024-Q3" / "transmission" / "eurostat" /
               "MIGR_ASYAPPCTZM.csv").read_text()
    assert written == sdmx_csv_text(table)


def test_workbook_reads_back_with_openpyxl(published):
    path = published / "2024-Q3" / "tables" / "2024-Q3_tables.xlsx"
    book = openpyxl.load_workbook(path)
    assert "About" in book.sheetnames
    for name in (*APPLICANT_FLOWS, "NAT_REGISTRATION", "NAT_SUBMISSION"):
        sheet = book[name]
        assert sheet.freeze_panes == "A6"
        assert sheet["A1"].value and sheet["A2"].value  # title and definition
        header = [c.value for c in sheet[5]]
        assert header[-2:] == ["TIME_PERIOD", "OBS_VALUE"]
        first = sheet.cell(row=6, column=len(header))
        assert isinstance(first.value, int) and first.number_format == "#,##0"
    # the workbook's grand total equals the transmission file's
    sheet = book["MIGR_ASYAPPCTZM"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=6)]
    book_total = {r[4]: r[5] for r in rows if r[:4] == ["TOTAL", "T", "TOTAL", "TOTAL"]}
    csv_rows = (published / "2024-Q3" / "transmission" / "eurostat" /
                "MIGR_ASYAPPCTZM.csv").read_text().splitlines()[1:]
    csv_total = {r.split(",")[10]: int(r.split(",")[11]) for r in csv_rows
                 if r.split(",")[5:9] == ["TOTAL", "T", "TOTAL", "TOTAL"]}
    assert book_total == csv_total and len(csv_total) == 3


def test_executed_notebooks_have_no_error_and_show_no_microdata(published):
    for path in (published / "2024-Q3" / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for c in nb.cells:
            for out in c.get("outputs", []):
                assert out.get("output_type") != "error", (path.name, out.get("ename"))
                html = out.get("data", {}).get("text/html", "")
                for column in ("person_id", "application_id", "birth_date", "request_id"):
                    assert column not in html, (path.name, column)


def test_an_inconsistent_output_blocks_transmission(quarterly_run, tmp_path, monkeypatch):
    import asylstat.run as run_module

    def notebooks_with_a_broken_margin(params, out_dir, shared_snapshot=None):
        # the session run's executed notebooks stand in for executing them again; their
        # tables are read back and one cell of MIGR_ASYAPPCTZM is changed
        shutil.copytree(quarterly_run.period_dir / "notebooks", out_dir)
        tables = [t for dom in all_domains() for t in read_tables(out_dir / dom.notebook)]
        for t in tables:
            if t.name == "MIGR_ASYAPPCTZM":
                t.data.loc[t.data.index[0], "OBS_VALUE"] += 1  # breaks a margin
        return tables

    monkeypatch.setattr(run_module, "run_notebooks", notebooks_with_a_broken_margin)
    params = RunParameters.parse(kind="quarterly", period="2024-Q3", dwh_url=quarterly_run.url,
                                 as_of=AS_OF, output_dir=tmp_path)
    outcome = run_production(params)
    assert outcome.exit_code == EXIT_BLOCKED
    assert "no transmission file" in outcome.message and "MIGR_ASYAPPCTZM" in outcome.message
    failed = list((tmp_path / "failed" / "2024-Q3").iterdir())
    assert len(failed) == 1
    assert not (failed[0] / "transmission").exists()
    assert not (failed[0] / "public").exists() and not (failed[0] / "reports").exists()
    assert (failed[0] / "validation" / "validation.json").is_file()
    assert (failed[0] / "notebooks" / "10_applications.ipynb").is_file()
    assert not (tmp_path / "2024-Q3").exists()


@pytest.mark.parametrize("args,code,words", [
    (["run", "quarterly", "--period", "2024-Q5"], 2, "PERIOD"),
    (["run", "monthly", "--period", "2024-13"], 2, "PERIOD"),
    (["run", "quarterly", "--period", "2024-07"], 2, "PERIOD"),
    (["run", "quarterly", "--period", "2024-Q3", "--as-of", "2024-02-30"], 2, "AS_OF"),
    (["run", "quarterly", "--period", "2024-Q3", "--colour", "red"], 2, "unrecognized"),
])
def test_bad_parameters_fail_before_anything_runs(args, code, words, tmp_path):
    out = tmp_path / "out"
    result = cli(*args, "--output-dir", str(out), "--dwh-url", "duckdb:////nonexistent.duckdb")
    assert result.returncode == code
    assert words in result.stderr
    assert not out.exists()


def test_unreachable_warehouse_fails_with_status_3_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = cli("run", "quarterly", "--period", "2024-Q3", "--output-dir", str(out),
                 "--dwh-url", f"duckdb:///{tmp_path / 'missing.duckdb'}")
    assert result.returncode == 3
    assert "cannot be used" in result.stderr and "Nothing was written" in result.stderr
    assert not out.exists()


def test_a_killed_runs_staging_goes_to_failed(tmp_path):
    stale = tmp_path / ".staging" / "2024-Q3" / "20260101T000000Z-deadbeef"
    (stale / "notebooks").mkdir(parents=True)
    (stale / "notebooks" / "10_applications.ipynb").write_text("{}")
    recover_stale_staging(tmp_path)
    moved = tmp_path / "failed" / "2024-Q3" / "20260101T000000Z-deadbeef"
    assert (moved / "notebooks" / "10_applications.ipynb").is_file()
    assert not stale.exists()


def test_run_id_format():
    import re

    from asylstat.run import new_run_id
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}",
                        new_run_id(datetime(2024, 9, 10, 8, 0, 1)))
