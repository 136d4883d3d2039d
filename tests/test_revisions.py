"""Revisions against the previous published run, and reconciliation with a reference series:
small hand-made runs written by the real writers and read back from the files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from asylstat.audit.cells import run_cells, tables_cells
from asylstat.audit.reconcile import ReconcileError, reconcile, reconcile_text
from asylstat.audit.revisions import compare_runs, write_revisions
from asylstat.tables import Table
from asylstat.write.files import national_csv_text, write_json, write_text
from asylstat.write.sdmx import write_sdmx_csv


def table(name: str, rows: list[tuple], dims: tuple[str, ...] = ("citizen", "sex"),
          kind: str = "eurostat") -> Table:
    data = pd.DataFrame(rows, columns=[*dims, "TIME_PERIOD", "OBS_VALUE"])
    return Table(name=name, title=name, definition="Persons.", kind=kind, freq="M", unit="PER",
                 dimensions=dims, data=data)


def publish_fake_run(folder: Path, tables: list[Table], run_id: str = "OLD-RUN") -> Path:
    """A published run as the production writes it: transmission files, national CSVs and a
    manifest (only the parts revisions read)."""
    for t in tables:
        if t.kind == "eurostat":
            write_sdmx_csv(t, folder / "transmission" / "eurostat" / f"{t.name}.csv")
        else:
            write_text(national_csv_text(t), folder / "tables" / "national" / f"{t.name}.csv")
    write_json({"run_id": run_id, "as_of": "2026-06-30T00:00:00.000000Z",
                "finished_at": "2026-07-01T00:00:00Z",
                "code_version": {"commit": "abc", "dirty": False}}, folder / "manifest.json")
    return folder


OLD_APP = table("MIGR_ASYAPPCTZM", [("AF", "F", "2024-07", 3), ("AF", "M", "2024-07", 2),
                                    ("SY", "F", "2024-07", 1), ("TOTAL", "T", "2024-07", 6)])
NEW_APP = table("MIGR_ASYAPPCTZM", [("AF", "F", "2024-07", 4), ("AF", "M", "2024-07", 2),
                                    ("IQ", "M", "2024-07", 1), ("TOTAL", "T", "2024-07", 7),
                                    ("ZW", "F", "2024-07", 0)])  # a zero cell is no cell
NAT_SAME = table("NAT_SUBMISSION", [("AF", "INITIAL", "2024-07", 5)],
                 dims=("citizen", "legal_type"), kind="national")
NAT_GONE = table("NAT_OLD", [("AF", "2024-07", 8)], dims=("citizen",), kind="national")
NAT_NEW = table("NAT_NEW", [("SY", "2024-07", 2)], dims=("citizen",), kind="national")
RESHAPED_OLD = table("NAT_SHAPE", [("AF", "2024-07", 1)], dims=("citizen",), kind="national")
RESHAPED_NEW = table("NAT_SHAPE", [("AF", "F", "2024-07", 1)], kind="national")


@pytest.fixture
def revisions_doc(tmp_path) -> dict:
    published = publish_fake_run(tmp_path / "2024-07",
                                 [OLD_APP, NAT_SAME, NAT_GONE, RESHAPED_OLD])
    stage = tmp_path / "stage"
    write_revisions(stage, [NEW_APP, NAT_SAME, NAT_NEW, RESHAPED_NEW], published,
                    period="2024-07", run_id="NEW-RUN", as_of="2026-08-01T00:00:00.000000Z")
    return json.loads((stage / "validation" / "revisions.json").read_text())


def test_every_changed_added_and_removed_cell_with_old_new_and_difference(revisions_doc):
    by_table = {t["table"]: t for t in revisions_doc["tables"]}
    app = by_table["MIGR_ASYAPPCTZM"]
    assert app["status"] == "revised"
    # worked by hand: AF/F 3→4, IQ/M appears (was zero), SY/F disappears, TOTAL 6→7; AF/M
    # unchanged; the zero ZW/F cell is no cell at all; order = codes as byte strings
    assert app["cells"] == [
        {"key": {"citizen": "AF", "sex": "F", "TIME_PERIOD": "2024-07"}, "change": "changed",
         "old": 3, "new": 4, "difference": 1},
        {"key": {"citizen": "IQ", "sex": "M", "TIME_PERIOD": "2024-07"}, "change": "added",
         "old": None, "new": 1, "difference": 1},
        {"key": {"citizen": "SY", "sex": "F", "TIME_PERIOD": "2024-07"}, "change": "removed",
         "old": 1, "new": None, "difference": -1},
        {"key": {"citizen": "TOTAL", "sex": "T", "TIME_PERIOD": "2024-07"},
         "change": "changed", "old": 6, "new": 7, "difference": 1},
    ]
    assert (app["cells_before"], app["cells_after"], app["changed"], app["added"],
            app["removed"], app["max_abs_difference"]) == (4, 4, 2, 1, 1, 1)


def test_tables_new_dropped_unchanged_and_restructured(revisions_doc):
    by_table = {t["table"]: t for t in revisions_doc["tables"]}
    assert [t["table"] for t in revisions_doc["tables"]] == [
        "MIGR_ASYAPPCTZM", "NAT_NEW", "NAT_OLD", "NAT_SHAPE", "NAT_SUBMISSION"]
    assert by_table["NAT_SUBMISSION"]["status"] == "unchanged"
    assert by_table["NAT_SUBMISSION"]["cells"] == []
    assert by_table["NAT_NEW"]["status"] == "new"
    assert by_table["NAT_NEW"]["cells"] == [
        {"key": {"citizen": "SY", "TIME_PERIOD": "2024-07"}, "change": "added", "old": None,
         "new": 2, "difference": 2}]
    assert by_table["NAT_OLD"]["status"] == "dropped"
    assert by_table["NAT_OLD"]["cells"][0]["difference"] == -8
    shape = by_table["NAT_SHAPE"]
    assert shape["status"] == "restructured"
    assert shape["columns_before"] == ["citizen", "TIME_PERIOD"]
    assert shape["columns_after"] == ["citizen", "sex", "TIME_PERIOD"]
    assert [c["change"] for c in shape["cells"]] == ["removed", "added"]
    s = revisions_doc["summary"]
    assert (s["tables_compared"], s["tables_revised"], s["cells_changed"], s["cells_added"],
            s["cells_removed"]) == (5, 4, 2, 1 + 1 + 1, 1 + 1 + 1)
    assert revisions_doc["previous"]["run_id"] == "OLD-RUN"
    assert revisions_doc["run_id"] == "NEW-RUN"


def test_the_html_page_lists_the_revised_cells(revisions_doc, tmp_path):
    page = (tmp_path / "stage" / "validation" / "revisions.html").read_text()
    assert "OLD-RUN" in page and "MIGR_ASYAPPCTZM (revised)" in page
    assert "citizen=IQ, sex=M, TIME_PERIOD=2024-07" in page


def test_same_inputs_same_bytes(tmp_path):
    published = publish_fake_run(tmp_path / "2024-07", [OLD_APP])
    outs = []
    for n in (1, 2):
        write_revisions(tmp_path / f"s{n}", [NEW_APP], published, period="2024-07",
                        run_id="R", as_of="A")
        outs.append((tmp_path / f"s{n}" / "validation" / "revisions.json").read_bytes())
    assert outs[0] == outs[1]


def test_first_run_of_a_period_has_nothing_to_compare(tmp_path):
    write_revisions(tmp_path / "stage", [NEW_APP], tmp_path / "2024-07", period="2024-07",
                    run_id="R", as_of="A")
    doc = json.loads((tmp_path / "stage" / "validation" / "revisions.json").read_text())
    assert doc["previous"] is None and doc["tables"] == []
    assert doc["summary"]["tables_revised"] == 0


def test_the_published_run_is_only_read(tmp_path):
    published = publish_fake_run(tmp_path / "2024-07", [OLD_APP, NAT_SAME])
    before = {p: p.read_bytes() for p in published.rglob("*") if p.is_file()}
    write_revisions(tmp_path / "stage", [NEW_APP], published, period="2024-07", run_id="R",
                    as_of="A")
    assert {p: p.read_bytes() for p in published.rglob("*") if p.is_file()} == before


def test_cells_read_from_files_equal_cells_of_the_tables(tmp_path):
    published = publish_fake_run(tmp_path / "run", [NEW_APP, NAT_SAME])
    from_files = run_cells(published)
    from_tables = tables_cells([NEW_APP, NAT_SAME])
    assert all(r.status == "unchanged" for r in compare_runs(from_files, from_tables))
    assert dict(from_files["MIGR_ASYAPPCTZM"].cells) == {
        ("AF", "F", "2024-07"): 4, ("AF", "M", "2024-07"): 2, ("IQ", "M", "2024-07"): 1,
        ("TOTAL", "T", "2024-07"): 7}


# --- reconciliation ----------------------------------------------------------------------

RUN_APP = table("MIGR_ASYAPPCTZM", [("AF", "F", "2024-07", 41), ("SY", "M", "2024-07", 5),
                                    ("TOTAL", "T", "2024-07", 46)])
RUN_ACC = table("MIGR_ASYACCM", [("AF", "F", "2024-07", 2)])


@pytest.fixture
def run_folder(tmp_path) -> Path:
    return publish_fake_run(tmp_path / "outputs" / "2024-07", [RUN_APP, RUN_ACC])


def write_reference(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_a_reference_written_differently_but_with_the_same_figures_is_identical(tmp_path,
                                                                                run_folder):
    ref = tmp_path / "sas"
    # other column order, upper-case names, an attribute column, 41.0 and spaces, a zero cell,
    # CRLF line ends; and the other dataflow in a file of another name
    write_reference(ref, "applicants_legacy.csv", (
        "STRUCTURE_ID,TIME_PERIOD,CITIZEN,SEX,OBS_VALUE,OBS_STATUS,FREQ,UNIT,GEO,STRUCTURE,ACTION\r\n"
        "ESTAT:MIGR_ASYAPPCTZM(1.0),2024-07,TOTAL,T,46,A,M,PER,BE,dataflow,I\r\n"
        "ESTAT:MIGR_ASYAPPCTZM(1.0),2024-07,AF,F,41.0,A,M,PER,BE,dataflow,I\r\n"
        "ESTAT:MIGR_ASYAPPCTZM(1.0),2024-07,SY,M, 5 ,A,M,PER,BE,dataflow,I\r\n"
        "ESTAT:MIGR_ASYAPPCTZM(1.0),2024-07,IQ,M,0,A,M,PER,BE,dataflow,I\r\n"))
    write_reference(ref, "acc.csv", (run_folder / "transmission" / "eurostat" /
                                     "MIGR_ASYACCM.csv").read_text())
    doc = reconcile(ref, run_folder)
    assert doc["identical"], reconcile_text(doc)
    app = next(f for f in doc["dataflows"] if f["dataflow"] == "MIGR_ASYAPPCTZM")
    assert "reference columns ignored: OBS_STATUS" in app["notes"]
    assert any("1 zero cell" in n for n in app["notes"])


def test_every_differing_cell_cell_on_one_side_and_missing_file_is_reported(tmp_path,
                                                                           run_folder):
    ref = tmp_path / "sas"
    header = "STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,sex,geo,TIME_PERIOD,OBS_VALUE\n"
    write_reference(ref, "MIGR_ASYAPPCTZM.csv", header + (
        "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,BE,2024-07,40\n"      # 41 in the run
        "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,IQ,F,BE,2024-07,3\n"       # not in the run
        "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,TOTAL,T,BE,2024-07,46\n"))  # SY/M missing
    write_reference(ref, "MIGR_ASYUNAA.csv", header.replace("sex,", "sex,") + (
        "dataflow,ESTAT:MIGR_ASYUNAA(1.0),I,A,PER,AF,F,BE,2024,1\n"))
    doc = reconcile(ref, run_folder)
    assert not doc["identical"]
    flows = {f["dataflow"]: f for f in doc["dataflows"]}
    app = flows["MIGR_ASYAPPCTZM"]
    key = {"freq": "M", "unit": "PER", "citizen": "AF", "sex": "F", "geo": "BE",
           "TIME_PERIOD": "2024-07"}
    assert app["differing"] == [{"key": key, "run": "41", "reference": "40", "difference": 1}]
    assert [c["key"]["citizen"] for c in app["only_in_run"]] == ["SY"]
    assert app["only_in_run"][0]["run"] == "5"
    assert [(c["key"]["citizen"], c["reference"]) for c in app["only_in_reference"]] == [
        ("IQ", "3")]
    assert flows["MIGR_ASYACCM"]["status"] == "missing_in_reference"
    assert flows["MIGR_ASYUNAA"]["status"] == "missing_in_run"
    s = doc["summary"]
    assert (s["cells_differing"], s["cells_only_in_run"], s["cells_only_in_reference"]) == (
        1, 1, 1)
    assert s["missing_in_reference"] == ["MIGR_ASYACCM"]
    assert s["missing_in_run"] == ["MIGR_ASYUNAA"]
    text = reconcile_text(doc)
    assert "M,PER,AF,F,BE,2024-07: run 41, reference 40" in text
    assert "MIGR_ASYACCM: only in the run" in text and "Result: DIFFERENT" in text


def test_unreadable_values_duplicates_and_missing_columns(tmp_path, run_folder):
    ref = tmp_path / "sas"
    write_reference(ref, "MIGR_ASYAPPCTZM.csv", (
        "STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,sex,geo,TIME_PERIOD,OBS_VALUE\n"
        "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,BE,2024-07,41\n"
        "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,BE,2024-07,41\n"
        "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,SY,M,BE,2024-07,n/a\n"
        "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,TOTAL,T,BE,2024-07,46\n"))
    write_reference(ref, "MIGR_ASYACCM.csv", (  # no sex column: cannot be matched
        "STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,geo,TIME_PERIOD,OBS_VALUE\n"
        "dataflow,ESTAT:MIGR_ASYACCM(1.0),I,M,PER,AF,BE,2024-07,2\n"))
    doc = reconcile(ref, run_folder)
    flows = {f["dataflow"]: f for f in doc["dataflows"]}
    problems = [r["problem"] for r in flows["MIGR_ASYAPPCTZM"]["faulty_rows"]]
    assert problems == ["OBS_VALUE is not a number", "cell listed more than once"] or \
        sorted(problems) == ["OBS_VALUE is not a number", "cell listed more than once"]
    assert flows["MIGR_ASYAPPCTZM"]["status"] == "different"
    assert flows["MIGR_ASYACCM"]["status"] == "not_comparable"
    assert "sex" in flows["MIGR_ASYACCM"]["problems"][0]


def test_reconcile_command_exit_status_and_json(tmp_path, run_folder, capsys):
    from asylstat.cli import main

    ref = tmp_path / "same"
    for f in (run_folder / "transmission" / "eurostat").iterdir():
        write_reference(ref, f.name, f.read_text())
    same = main(["reconcile", "--reference", str(ref), "--run", str(run_folder), "--json",
                 str(tmp_path / "r.json")])
    assert same == 0
    assert "Result: IDENTICAL" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["identical"] is True
    (ref / "MIGR_ASYACCM.csv").write_text(
        (ref / "MIGR_ASYACCM.csv").read_text().replace(",2\n", ",3\n"))
    assert main(["reconcile", "--reference", str(ref), "--run", str(run_folder)]) == 1
    assert "run 2, reference 3" in capsys.readouterr().out
    missing = main(["reconcile", "--reference", str(tmp_path / "nowhere"), "--run",
                    str(run_folder)])
    assert missing == 2 and "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as help_exit:
        main(["reconcile", "--help"])
    assert help_exit.value.code == 0 and "--reference" in capsys.readouterr().out


def test_reconcile_refuses_what_it_cannot_read(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReconcileError):
        reconcile(tmp_path / "empty", tmp_path)
