"""verify (outputs.md): re-do the published run from its manifest and compare.

The end-to-end story starts from the session's published quarterly run (conftest
``quarterly_run``: 2024-Q3 as of 2026-06-30, on a copy of the synthetic warehouse where the
applicant ``VERIFY_PERSON`` is planted), which it only reads:

1. a correction is loaded into a copy of that warehouse with a later ``recorded_at`` (the old
   version retired, a new one inserted); verify of the published run on that copy (given as
   ``dwh_url``), which keeps the recorded ``as_of``, reports the run identical. The warehouse
   *as of* the recorded instant is unchanged, so this one re-run shows both that the run is
   re-done identically on an unchanged warehouse and that a later correction does not reach
   it (a verify before the correction would re-do the same re-run on less data: it is left
   out to keep the test's production runs within budget);
2. a new run as of 2026-08-01 on the corrected copy, into a copy of the outputs, publishes the
   corrected figures: ``revisions.json`` lists exactly the cells the correction moves;
3. the warehouse content visible at that ``as_of`` is altered (a row with an old
   ``recorded_at``): verify of that run (with its recorded warehouse URL) exits 1 and lists
   exactly the cells that moved.

Three production runs (two of them verify re-runs). The code verify restores is the recorded
commit when the session's run was made from a clean checkout (as in CI, where
``ASYLSTAT_TEST_CLEAN_CHECKOUT`` makes it a requirement); from a working tree with uncommitted
changes, verify says it re-runs the current code, which is the code under test.

Hand-worked cells: the planted person 990000000001 (F, born 1990-05-05, KIR → Eurostat ``KI``)
lodged one application on 2024-07-10, never decided: aged 34 → ``Y18-34``, first-time. In
MIGR_ASYAPPCTZM (citizen, sex, age, applicant) they are 1 in the 8 cells of 2024-07 KI × {F, T}
× {Y18-34, TOTAL} × {FRST, TOTAL}; corrected to MHL (``MH``) those 8 cells disappear and the 8
MH cells appear, while the citizen-TOTAL cells do not move. The application is still open at
the end of July, August and September, so MIGR_ASYPENCTZM (citizen, sex, age) moves the same
way in each of the three months: 4 cells out, 4 in, per month. The person inserted in step 3
(M, born 1985-01-01, SLB → ``SB``, lodged 2024-07-12: aged 39 → ``Y35-64``) adds 1 to the 16
cells of 2024-07 {SB, TOTAL} × {M, T} × {Y35-64, TOTAL} × {FRST, TOTAL}.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from itertools import product
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from asylstat import paths
from asylstat.audit.verify import (
    EXIT_DIFFERENT,
    EXIT_IDENTICAL,
    EXIT_PARAMETERS,
    compare_run_folders,
    plan_code,
    prepare_python,
    published_integrity,
    verify_period,
    warehouse_url,
    workbook_differences,
)
from asylstat.cli import main
from asylstat.tables import Table
from asylstat.write.files import file_inventory, national_csv_text, write_json, write_text
from asylstat.write.sdmx import write_sdmx_csv
from asylstat.write.workbook import write_workbook
from conftest import (
    RUN_AS_OF,
    RUN_PERIOD,
    VERIFY_CITIZENSHIP,
    VERIFY_PERSON,
    insert_application,
    insert_person,
)

PERIOD = "2024-07"  # the hand-made runs below
MONTHS = ("2024-07", "2024-08", "2024-09")
AS_OF_1 = RUN_AS_OF  # 2026-06-30
AS_OF_2 = "2026-08-01T00:00:00Z"
CORRECTED_AT = datetime(2026, 7, 15, 9, 0)  # after AS_OF_1, before AS_OF_2
LATE_PERSON, LATE_APPLICATION = 990000000002, 990000000102
NEW_CODES = ("MHL", "SLB")


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def cells_of(path: Path) -> dict[tuple[str, ...], int]:
    """A transmission file's cells: the dimensions and TIME_PERIOD → OBS_VALUE."""
    lines = path.read_text().splitlines()[1:]
    return {tuple(line.split(",")[5:-3] + [line.split(",")[-2]]): int(line.split(",")[-1])
            for line in lines}


# --- the end-to-end story ------------------------------------------------------------------

@pytest.fixture(scope="module")
def story(tmp_path_factory, quarterly_run):
    base = tmp_path_factory.mktemp("verify")
    published = quarterly_run.out  # only read, never written
    wh = base / "warehouse.duckdb"
    shutil.copyfile(quarterly_run.warehouse, wh)
    con = duckdb.connect(str(wh))
    present = {r[0] for r in con.execute(
        "SELECT DISTINCT upper(trim(citizenship)) FROM dwh.person").fetchall()}
    assert VERIFY_CITIZENSHIP in present and not present & set(NEW_CODES), \
        "the planted citizenships must be new"
    late = con.execute("SELECT count(*) FROM dwh.person WHERE recorded_at > TIMESTAMP "
                       "'2026-06-30' OR retired_at > TIMESTAMP '2026-06-30'").fetchone()[0]
    assert late == 0, "nothing may change between the two as_of but the planted correction"
    # a correction: citizenship KIR → MHL, loaded after the run's as_of
    con.execute("UPDATE dwh.person SET retired_at = ? WHERE person_id = ? AND "
                "retired_at IS NULL", [CORRECTED_AT, VERIFY_PERSON])
    insert_person(con, VERIFY_PERSON, "F", "1990-05-05", "MHL", CORRECTED_AT)
    con.close()
    url = f"duckdb:///{wh}"
    out = base / "outputs"

    state: dict = {"published": published, "out": out, "warehouse_url": url,
                   "first_manifest": json.loads((published / RUN_PERIOD / "manifest.json")
                                                .read_text())}
    state["before_v1"] = tree_hashes(published)
    state["v1"] = verify_period(RUN_PERIOD, published, scratch=base / "scratch1", dwh_url=url)
    state["after_v1"] = tree_hashes(published)

    shutil.copytree(published, out)  # the next run of the period archives the first one
    second = subprocess.run(
        [sys.executable, "-m", "asylstat.cli", "run", "quarterly", "--period", RUN_PERIOD,
         "--dwh-url", url, "--as-of", AS_OF_2, "--output-dir", str(out)],
        capture_output=True, text=True, timeout=1200)
    assert second.returncode == 0, second.stderr[-3000:]
    state["second_manifest"] = json.loads((out / RUN_PERIOD / "manifest.json").read_text())

    con = duckdb.connect(str(wh))  # altered history: a row visible at the recorded as_of
    insert_person(con, LATE_PERSON, "M", "1985-01-01", "SLB", datetime(2024, 7, 12, 8))
    insert_application(con, LATE_APPLICATION, LATE_PERSON, "2024-07-12",
                       datetime(2024, 7, 12, 9))
    con.close()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        state["v3_exit"] = main(["verify", "--period", RUN_PERIOD, "--output-dir", str(out),
                                 "--scratch", str(base / "scratch3")])
    state["v3_text"] = err.getvalue()
    state["v3"] = json.loads((base / "scratch3" / "verify.json").read_text())
    return state


@pytest.mark.e2e
def test_verify_reports_identical_while_the_warehouse_as_of_is_unchanged(story):
    report, manifest = story["v1"], story["first_manifest"]
    assert report.exit_code == EXIT_IDENTICAL, report.message + str(report.differences)
    assert report.identical and report.differences == [] and report.integrity == []
    commit, dirty = manifest["code_version"]["commit"], manifest["code_version"]["dirty"]
    if os.environ.get("ASYLSTAT_TEST_CLEAN_CHECKOUT"):  # set by .ci/run
        assert commit and dirty is False, "CI runs on a clean checkout of a commit"
    if commit and dirty is False:
        assert report.code == f"clean checkout of the recorded commit {commit}"
    else:  # a working tree with uncommitted changes, or no git: the code under test re-runs
        assert "current code is used" in report.code, report.code
    assert "current environment is used" in report.environment
    assert report.warehouse == (f"{story['warehouse_url']} (given on the command line, not "
                                "the recorded one)")
    published = {o["path"] for o in manifest["outputs"]}
    expected = sorted(p for p in published if p.startswith(("transmission/", "tables/national/"))
                      and p.endswith(".csv")) + [f"tables/{RUN_PERIOD}_tables.xlsx"]
    assert report.files_compared == expected
    assert any(p.startswith("transmission/eurostat/MIGR_ASYAPPCTZM") for p in expected)
    # the published run, the archive and everything else under OUTPUT_DIR are untouched
    assert story["after_v1"] == story["before_v1"]
    assert not Path(report.scratch).is_relative_to(story["published"])
    assert (Path(report.scratch) / "verify.json").is_file()
    assert not (Path(report.scratch) / "code").exists()  # a checkout is cleaned up


@pytest.mark.e2e
def test_a_correction_recorded_after_as_of_leaves_verify_identical(story):
    report = story["v1"]  # made after the correction was loaded
    assert report.exit_code == EXIT_IDENTICAL, report.message + str(report.differences)
    assert report.as_of == "2026-06-30T00:00:00.000000Z"
    assert report.rerun_exit == 0


@pytest.mark.e2e
def test_a_new_run_with_a_later_as_of_shows_the_correction_in_revisions(story):
    out, first = story["out"], story["first_manifest"]
    doc = json.loads((out / RUN_PERIOD / "validation" / "revisions.json").read_text())
    assert doc["previous"]["run_id"] == first["run_id"]
    assert story["second_manifest"]["previous_run_id"] == first["run_id"]
    assert (out / "archive" / RUN_PERIOD / first["run_id"] / "manifest.json").is_file()
    tables = {t["table"]: t for t in doc["tables"]}

    def moved(name: str) -> set:
        columns = tables[name]["columns"]  # (the JSON's key objects have sorted names)
        return {(c["change"], tuple(c["key"][k] for k in columns), c["old"], c["new"],
                 c["difference"]) for c in tables[name]["cells"]}

    app = {("removed", ("KI", *rest, "2024-07"), 1, None, -1)
           for rest in product(("F", "T"), ("TOTAL", "Y18-34"), ("FRST", "TOTAL"))}
    app |= {("added", ("MH", *rest, "2024-07"), None, 1, 1)
            for rest in product(("F", "T"), ("TOTAL", "Y18-34"), ("FRST", "TOTAL"))}
    assert len(app) == 16
    assert moved("MIGR_ASYAPPCTZM") == app
    pending = {("removed", ("KI", sex, age, month), 1, None, -1)
               for sex, age, month in product(("F", "T"), ("TOTAL", "Y18-34"), MONTHS)}
    pending |= {("added", ("MH", sex, age, month), None, 1, 1)
                for sex, age, month in product(("F", "T"), ("TOTAL", "Y18-34"), MONTHS)}
    assert len(pending) == 24
    assert moved("MIGR_ASYPENCTZM") == pending
    # only citizenship was corrected: a table without a citizen dimension cannot move
    for t in doc["tables"]:
        if t["status"] != "unchanged":
            assert "citizen" in t["columns"], t["table"]
    assert tables["MIGR_ASYACCM"]["status"] == "unchanged"  # a regular procedure
    assert tables["MIGR_ASYDCFSTQ"]["status"] == "unchanged"  # never decided


@pytest.mark.e2e
def test_altered_warehouse_content_at_as_of_makes_verify_list_the_changed_cells(story):
    assert story["v3_exit"] == EXIT_DIFFERENT, story["v3_text"]
    report = story["v3"]
    assert report["warehouse"] == story["warehouse_url"]  # the recorded one
    diffs = {d["path"]: d for d in report["differences"]}
    app = diffs["transmission/eurostat/MIGR_ASYAPPCTZM.csv"]
    assert app["problem"] == "bytes differ"
    published = cells_of(story["out"] / RUN_PERIOD / "transmission" / "eurostat" /
                         "MIGR_ASYAPPCTZM.csv")
    expected = {}
    for cit, sex, age, applicant in product(("SB", "TOTAL"), ("M", "T"), ("Y35-64", "TOTAL"),
                                            ("FRST", "TOTAL")):
        key = (cit, sex, age, applicant, "2024-07")
        old = published.get(key)  # SB cells were absent; TOTAL cells had a value
        expected[key] = (old, (old or 0) + 1)
    dims = ("citizen", "sex", "age", "applicant", "TIME_PERIOD")
    listed = {tuple(c["key"][d] for d in dims): (c["published"], c["rerun"])
              for c in app["cells"]}
    assert listed == expected
    assert all(v[0] is None for k, v in listed.items() if k[0] == "SB")
    assert app["cells_differing"] == 16
    book = diffs[f"tables/{RUN_PERIOD}_tables.xlsx"]
    assert book["problem"] == "cells differ"
    assert "MIGR_ASYAPPCTZM" in book["sheets_differing"]
    assert "NOT identical" in story["v3_text"]
    assert "transmission/eurostat/MIGR_ASYAPPCTZM.csv: bytes differ (16 cells)" in \
        story["v3_text"]


# --- the parts, on hand-made runs ----------------------------------------------------------

def small_table(name: str, rows: list[tuple], kind: str = "eurostat") -> Table:
    data = pd.DataFrame(rows, columns=["citizen", "sex", "TIME_PERIOD", "OBS_VALUE"])
    return Table(name=name, title=name, definition="Persons.", kind=kind, freq="M",
                 unit="PER", dimensions=("citizen", "sex"), data=data)


def fake_run(folder: Path, tables: list[Table], run_id: str) -> Path:
    for t in tables:
        if t.kind == "eurostat":
            write_sdmx_csv(t, folder / "transmission" / "eurostat" / f"{t.name}.csv")
        else:
            write_text(national_csv_text(t), folder / "tables" / "national" / f"{t.name}.csv")
    write_workbook(tables, folder / "tables" / f"{PERIOD}_tables.xlsx", title="T",
                   metadata={"run_id": run_id, "period": PERIOD, "as_of": "2026-06-30",
                             "code_version": run_id + "-commit"})
    write_json({"run_id": run_id, "outputs": file_inventory(folder)}, folder / "manifest.json")
    return folder


A = small_table("MIGR_A", [("AF", "F", PERIOD, 3), ("SY", "M", PERIOD, 2)])
A_CHANGED = small_table("MIGR_A", [("AF", "F", PERIOD, 3), ("SY", "M", PERIOD, 5)])
N = small_table("NAT_N", [("AF", "T", PERIOD, 7)], kind="national")


def test_two_runs_with_the_same_tables_compare_identical_despite_their_metadata(tmp_path):
    one = fake_run(tmp_path / "one", [A, N], "RUN-1")
    two = fake_run(tmp_path / "two", [A, N], "RUN-2")  # other run id and code version
    assert (one / "tables" / f"{PERIOD}_tables.xlsx").read_bytes() != \
        (two / "tables" / f"{PERIOD}_tables.xlsx").read_bytes()
    result = compare_run_folders(one, two, PERIOD)
    assert result["differences"] == []
    assert result["files_compared"] == ["tables/national/NAT_N.csv",
                                        "transmission/eurostat/MIGR_A.csv",
                                        f"tables/{PERIOD}_tables.xlsx"]


def test_a_changed_cell_is_listed_in_the_csv_and_at_its_workbook_address(tmp_path):
    one = fake_run(tmp_path / "one", [A, N], "RUN-1")
    two = fake_run(tmp_path / "two", [A_CHANGED], "RUN-2")
    diffs = {d["path"]: d for d in compare_run_folders(one, two, PERIOD)["differences"]}
    assert diffs["tables/national/NAT_N.csv"]["problem"] == "missing from the re-run"
    csv_diff = diffs["transmission/eurostat/MIGR_A.csv"]
    assert csv_diff["cells"] == [{"key": {"citizen": "SY", "sex": "M", "TIME_PERIOD": PERIOD},
                                  "published": 2, "rerun": 5, "difference": 3}]
    # sheet MIGR_A: header on row 5, cells from row 6 sorted (AF/F, SY/M); columns citizen,
    # sex, TIME_PERIOD, OBS_VALUE → SY/M's value is D7
    book = workbook_differences(one / "tables" / f"{PERIOD}_tables.xlsx",
                                two / "tables" / f"{PERIOD}_tables.xlsx")
    assert {"sheet": "MIGR_A", "cell": "D7", "published": 2, "rerun": 5} in book
    assert {"sheet": None, "problem": "sheets differ", "published": ["About", "MIGR_A", "NAT_N"],
            "rerun": ["About", "MIGR_A"]} in book


def test_a_published_file_edited_after_publication_is_reported(tmp_path):
    run = fake_run(tmp_path / "one", [A], "RUN-1")
    manifest = json.loads((run / "manifest.json").read_text())
    assert published_integrity(run, manifest) == []
    (run / "transmission" / "eurostat" / "MIGR_A.csv").write_text("tampered\n")
    (run / "extra.txt").write_text("x")
    assert published_integrity(run, manifest) == [
        {"path": "transmission/eurostat/MIGR_A.csv",
         "problem": "changed since publication (size or SHA-256 differs from the manifest)"},
        {"path": "extra.txt", "problem": "not listed in the manifest"}]


@pytest.fixture
def tiny_repo(tmp_path) -> tuple[Path, str]:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    (repo / "f.txt").write_text("x")
    subprocess.run([*git, "add", "f.txt"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "one"], cwd=repo, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          text=True, check=True).stdout.strip()
    return repo, head


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_which_code_verify_restores(tiny_repo):
    repo, head = tiny_repo
    assert plan_code({"commit": head, "dirty": False}, repo).commit == head
    dirty = plan_code({"commit": head, "dirty": True}, repo)
    assert dirty.commit is None and "uncommitted changes" in dirty.note
    assert "current code is used" in dirty.note
    unknown = plan_code({"commit": "0" * 40, "dirty": False}, repo)
    assert unknown.commit is None and "is not in the repository" in unknown.note
    assert plan_code({"commit": None, "dirty": None}, repo).commit is None
    assert plan_code(None, repo).commit is None


def test_which_environment_verify_uses(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("pandas==3.1.1\n")
    same = hashlib.sha256(lock.read_bytes()).hexdigest()
    assert prepare_python(same, tmp_path, tmp_path, lock).python == sys.executable
    unknown = prepare_python("f" * 64, tmp_path, tmp_path, lock)  # no lock with that hash
    assert unknown.python == sys.executable and "current environment is used" in unknown.note
    assert not (tmp_path / "venv").exists()


def test_credentials_never_come_from_the_manifest():
    manifest = {"parameters": {"dwh_url": "postgresql://stat:***@db.example:5432/dwh"}}
    assert warehouse_url(manifest) == "postgresql://stat@db.example:5432/dwh"
    assert warehouse_url({"parameters": {"dwh_url": "duckdb:////data/w.duckdb"}}) == \
        "duckdb:////data/w.duckdb"


def test_nothing_published_or_a_bad_period_is_a_parameter_error(tmp_path):
    assert verify_period("2024-07", tmp_path).exit_code == EXIT_PARAMETERS
    bad = verify_period("2024-13", tmp_path)
    assert bad.exit_code == EXIT_PARAMETERS and "PERIOD" in bad.message
    assert not any(tmp_path.iterdir())  # nothing written


def test_verify_command_line_and_make_target(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["verify", "--help"])
    assert done.value.code == 0 and "--period" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["verify", "--period", "2024-07", "--colour", "red"])
    assert done.value.code == 2
    assert main(["verify", "--period", "2024-07", "--output-dir", str(tmp_path)]) == 2
    assert "no published run" in capsys.readouterr().err
    if shutil.which("make"):
        dry = subprocess.run(["make", "-n", "verify", "PERIOD=2024-Q3",
                              f"OUTPUT_DIR={tmp_path}"], cwd=paths.project_root(),
                             capture_output=True, text=True, check=True)
        assert f'asylstat verify --period "2024-Q3" --output-dir "{tmp_path}"' in dry.stdout
        helped = subprocess.run(["make", "help"], cwd=paths.project_root(),
                                capture_output=True, text=True, check=True)
        assert "make verify" in helped.stdout
