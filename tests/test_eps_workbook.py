"""The EPS workbook (outputs.md: ``transmission/euaa/EPS_<PERIOD>.xlsx``) read back with
openpyxl, and the revisions of earlier months (issue 13, items 2 and 3). Expected values by
hand."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from asylstat.audit.revisions import (
    EARLIER_MONTHS,
    compared_months,
    earlier_month_revisions,
    last_transmitted,
    write_revisions,
)
from asylstat.dataflows.eps import EPS_APP, EPS_DUB, EPS_TABLES, WORKBOOK
from asylstat.domains import earlier_month_tables, earlier_months
from asylstat.periods import Period
from asylstat.tables import Table
from asylstat.write.recipient_workbook import (
    FIRST_ROW,
    recipient_workbook_bytes,
    write_recipient_workbook,
)
from asylstat.write.sdmx import write_sdmx_csv

AS_OF = "2024-10-15T00:00:00.000000Z"


def table(spec, rows: list[tuple]) -> Table:
    data = pd.DataFrame(rows, columns=[*spec.dimension_names, "TIME_PERIOD", "OBS_VALUE"])
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    return Table(name=spec.name, title=spec.title, definition=spec.definition, kind=spec.kind,
                 freq=spec.freq, unit=spec.unit, dimensions=spec.dimension_names, data=data,
                 disclosure=spec.disclosure)


# a quarter's EPS_APP: in September (the run's last month) SY 5 > AF 3 > IQ 0, though IQ
# had the most applicants over the quarter (9); AF and ER tie in September (3) and AF is
# larger over the quarter (4 against 3)
APP = table(EPS_APP, [
    ("AF", "FRST", "2024-09", 3), ("AF", "TOTAL", "2024-07", 1), ("AF", "TOTAL", "2024-09", 3),
    ("AF", "FRST", "2024-07", 1),
    ("ER", "REP", "2024-09", 3), ("ER", "TOTAL", "2024-09", 3),
    ("IQ", "FRST", "2024-07", 9), ("IQ", "TOTAL", "2024-07", 9),
    ("SY", "FRST", "2024-09", 4), ("SY", "REP", "2024-09", 1), ("SY", "TOTAL", "2024-09", 5),
    ("TOTAL", "FRST", "2024-07", 10), ("TOTAL", "FRST", "2024-09", 7),
    ("TOTAL", "REP", "2024-09", 4), ("TOTAL", "TOTAL", "2024-07", 10),
    ("TOTAL", "TOTAL", "2024-09", 11)])
DUB = table(EPS_DUB, [("SY", "TRF", "2024-08", 2), ("SY", "REQ", "2024-08", 1),
                      ("TOTAL", "TRF", "2024-08", 2), ("TOTAL", "REQ", "2024-08", 1)])
MONTHS = ["2024-07", "2024-08", "2024-09"]


def sheet_rows(path: Path, name: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in book[name].iter_rows(values_only=True)]
    finally:
        book.close()


def test_the_workbook_reads_back_one_sheet_per_indicator_months_as_columns(tmp_path):
    path = write_recipient_workbook(WORKBOOK, [APP, DUB], tmp_path, period="2024-Q3",
                                    months=MONTHS, as_of=AS_OF)
    assert path.name == "EPS_2024-Q3.xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["EPS_APP", "EPS_DUB", "Notes", "Revisions"]
    book.close()
    rows = sheet_rows(path, "EPS_APP")
    # column blocks in the declared order TOTAL, FRST, REP, each with the three months
    assert rows[FIRST_ROW - 3][:4] == ("applicant", "TOTAL", "TOTAL", "TOTAL")
    assert rows[FIRST_ROW - 3][4:] == ("FRST",) * 3 + ("REP",) * 3
    assert rows[FIRST_ROW - 2] == ("citizen", *MONTHS * 3)
    grid = rows[FIRST_ROW - 1:]
    # TOTAL first; then by September's total: SY 5, AF 3 = ER 3 (AF has more over the
    # quarter, 4 > 3), IQ 0 last
    assert [r[0] for r in grid] == ["TOTAL", "SY", "AF", "ER", "IQ"]
    # SY: TOTAL 0, 0, 5 | FRST 0, 0, 4 | REP 0, 0, 1 (empty cells are written 0)
    assert grid[1] == ("SY", 0, 0, 5, 0, 0, 4, 0, 0, 1)
    assert grid[4] == ("IQ", 9, 0, 0, 9, 0, 0, 0, 0, 0)
    # a stratum has no TOTAL block: REQ then TRF, in the declared order
    dub = sheet_rows(path, "EPS_DUB")
    assert dub[FIRST_ROW - 3] == ("indicator", *("REQ",) * 3, *("TRF",) * 3)
    assert dub[FIRST_ROW - 1] == ("TOTAL", 0, 1, 0, 0, 2, 0)
    notes = {r[0]: r[1] for r in sheet_rows(path, "Notes") if r and r[0]}
    assert notes["Warehouse as of"] == AS_OF
    assert notes["Months"] == "2024-07, 2024-08, 2024-09"
    assert notes["EPS_APP"] == EPS_APP.title
    assert "only a monthly run" in sheet_rows(path, "Revisions")[1][0]


def test_the_workbook_bytes_are_deterministic():
    first = recipient_workbook_bytes(WORKBOOK, [APP, DUB], period="2024-Q3", months=MONTHS,
                                     as_of=AS_OF)
    again = recipient_workbook_bytes(WORKBOOK, [APP, DUB], period="2024-Q3", months=MONTHS,
                                     as_of=AS_OF)
    assert first == again
    other = recipient_workbook_bytes(WORKBOOK, [APP, DUB], period="2024-Q3", months=MONTHS,
                                     as_of="2024-10-16T00:00:00.000000Z")
    assert other != first  # the as-of is in the file


def test_a_monthly_run_recomputes_the_two_months_before_its_own():
    assert WORKBOOK.earlier_months(Period("M", 2024, 8)) == (Period("M", 2024, 6),
                                                              Period("M", 2024, 7))
    assert WORKBOOK.earlier_months(Period("M", 2025, 1)) == (Period("M", 2024, 11),
                                                              Period("M", 2024, 12))
    assert earlier_months(Period("Q", 2024, 3)) == ()
    assert earlier_months(Period("A", 2024)) == ()


# ---------------------------------------------------------------- revisions

def publish(out: Path, period: str, tables: list[Table], *, run_id: str, finished: str) -> Path:
    """A published run folder as a run leaves it: its EUAA transmission files and manifest."""
    folder = out / period
    folder.mkdir(parents=True, exist_ok=True)
    for t in tables:
        write_sdmx_csv(t, folder / "transmission" / t.kind / f"{t.name}.csv")
    (folder / "manifest.json").write_text(json.dumps(
        {"run_id": run_id, "as_of": "x", "finished_at": finished, "code_version": None}))
    return folder


def test_the_last_transmission_of_a_month_is_the_run_that_finished_last(tmp_path):
    jul = Period("M", 2024, 7)
    assert last_transmitted(tmp_path, jul) is None
    publish(tmp_path, "2024-07", [], run_id="A", finished="2024-08-10T00:00:00Z")
    assert last_transmitted(tmp_path, jul) == tmp_path / "2024-07"
    publish(tmp_path, "2024-Q3", [], run_id="B", finished="2024-10-10T00:00:00Z")
    assert last_transmitted(tmp_path, jul) == tmp_path / "2024-Q3"
    assert last_transmitted(tmp_path, Period("M", 2024, 6)) is None  # Q2 never published


def test_a_correction_between_two_as_of_instants_is_listed(snapshot_of, tmp_path):
    # Person 1 lodged on 10 July 2024 as IRQ (presented the same day, never registered nor
    # decided); on 5 September the citizenship is corrected to SYR (a new version of the
    # person). Person 2 (AFG) lodged on 12 June, unchanged.
    # The July run, as of 1 September, transmitted July with person 1 under IQ in EPS_APP
    # (FRST, TOTAL), EPS_ACCESS (MADE, LODG: presented and lodged on 10 July) and EPS_PEND
    # (M_LT6, TOTAL: awaiting a first-instance decision on 31 July, lodged 3 weeks before).
    # The August run, as of 10 September, recomputes June and July: in July each of these six
    # IQ cells disappears (1 → 0) and the same six SY cells appear (0 → 1); the citizenship
    # TOTAL rows are unchanged, and so are EPS_UAM, EPS_WITH, EPS_DEC, EPS_DUB (nothing in
    # July). June was never transmitted: not compared.
    rows = {
        "person": [
            {"person_id": 1, "sex": "M", "birth_date": date(1990, 1, 1), "citizenship": "IRQ",
             "recorded_at": datetime(2024, 7, 10)},
            {"person_id": 1, "sex": "M", "birth_date": date(1990, 1, 1), "citizenship": "SYR",
             "recorded_at": datetime(2024, 9, 5)},
            {"person_id": 2, "sex": "F", "birth_date": date(1990, 1, 1), "citizenship": "AFG",
             "recorded_at": datetime(2024, 6, 12)}],
        "application": [{"application_id": 10, "person_id": 1,
                         "lodged_date": date(2024, 7, 10), "recorded_at": datetime(2024, 7, 10)},
                        {"application_id": 20, "person_id": 2,
                         "lodged_date": date(2024, 6, 12), "recorded_at": datetime(2024, 6, 12)}]}
    july, august = Period("M", 2024, 7), Period("M", 2024, 8)
    before = snapshot_of(rows, as_of=datetime(2024, 9, 1))
    out = tmp_path / "outputs"
    publish(out, "2024-07", [spec.build(before, [july]) for spec in EPS_TABLES],
            run_id="20240901T000000Z-aaaaaaaa", finished="2024-09-01T00:05:00Z")

    after = snapshot_of(rows, as_of=datetime(2024, 9, 10))
    earlier = earlier_month_tables(after, august)
    assert {t.name for t in earlier} == {s.name for s in EPS_TABLES}
    assert all(set(t.data["TIME_PERIOD"]) <= {"2024-06", "2024-07"} for t in earlier)
    section, revised = earlier_month_revisions(earlier, out, earlier_months(august))
    got = {(c.table, c.month, tuple(c.key.values()), c.old, c.new) for c in revised}
    moved = {("EPS_APP", "FRST"), ("EPS_APP", "TOTAL"), ("EPS_ACCESS", "MADE"),
             ("EPS_ACCESS", "LODG"), ("EPS_PEND", "M_LT6"), ("EPS_PEND", "TOTAL")}
    assert got == ({(name, "2024-07", ("IQ", code), 1, None) for name, code in moved}
                   | {(name, "2024-07", ("SY", code), None, 1) for name, code in moved})
    assert section["summary"] == {"cells_revised": 12, "cells_changed": 0, "cells_added": 6,
                                  "cells_removed": 6}
    june, july_doc = section["comparisons"]
    assert {t["status"] for t in june["tables"]} == {"not_transmitted"}
    statuses = {t["table"]: t["status"] for t in july_doc["tables"]}
    assert [statuses.pop(n) for n in ("EPS_APP", "EPS_ACCESS", "EPS_PEND")] == ["revised"] * 3
    assert set(statuses.values()) == {"unchanged"}
    assert july_doc["compared_with"]["run_id"] == "20240901T000000Z-aaaaaaaa"

    # revisions.json: the existing content as before, the section of its own beside it
    stage = tmp_path / "stage"
    doc = write_revisions(stage, [], out / "2024-08", period="2024-08", run_id="R",
                          as_of="2024-09-10", earlier=section)
    written = json.loads((stage / "validation" / "revisions.json").read_text())
    assert written == doc
    assert written[EARLIER_MONTHS]["summary"]["cells_revised"] == 12
    assert {"period", "run_id", "as_of", "previous", "note", "summary", "tables"} <= set(written)
    page = (stage / "validation" / "revisions.html").read_text()
    assert "Earlier months: revisions to resend" in page
    assert "2024-06, no published run transmitted it: not compared" in page
    assert "<td>EPS_APP</td><td>citizen=SY, applicant=TOTAL, TIME_PERIOD=2024-07</td>" in page

    # the workbook's revisions sheet lists the twelve cells
    lines = compared_months(section)
    assert lines[0] == "2024-06: no published run transmitted it, not compared"
    assert lines[1].startswith("2024-07: against the run 20240901T000000Z-aaaaaaaa of 2024-07")
    path = write_recipient_workbook(
        WORKBOOK, [spec.build(after, [august]) for spec in EPS_TABLES], tmp_path,
        period="2024-08", months=["2024-08"], as_of="2024-09-10T00:00:00Z", revised=revised,
        earlier=lines)
    sheet = sheet_rows(path, "Revisions")
    header = sheet.index(("Table", "Month", "Cell", "Transmitted", "Now", "Difference",
                          "Transmitted in"))
    listed = [r[:6] for r in sheet[header + 1:]]
    assert len(listed) == 12
    assert {r for r in listed if r[0] == "EPS_APP"} == {
        ("EPS_APP", "2024-07", "citizen=IQ, applicant=FRST", 1, 0, -1),
        ("EPS_APP", "2024-07", "citizen=IQ, applicant=TOTAL", 1, 0, -1),
        ("EPS_APP", "2024-07", "citizen=SY, applicant=FRST", 0, 1, 1),
        ("EPS_APP", "2024-07", "citizen=SY, applicant=TOTAL", 0, 1, 1)}


@pytest.mark.e2e
def test_a_quarterly_run_writes_the_seven_eps_files_and_the_workbook(quarterly_run):
    folder = quarterly_run.period_dir / "transmission" / "euaa"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{s.name}.csv" for s in EPS_TABLES] + ["EPS_2024-Q3.xlsx"])
    header = (folder / "EPS_APP.csv").read_text().splitlines()[:2]
    assert header[0] == ("STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,applicant,geo,"
                         "TIME_PERIOD,OBS_VALUE")
    assert header[1].startswith("dataflow,EUAA:EPS_APP(1.0),I,M,PER,")
    book = openpyxl.load_workbook(folder / "EPS_2024-Q3.xlsx", read_only=True)
    assert book.sheetnames == [*(s.name for s in EPS_TABLES), "Notes", "Revisions"]
    months = [r for r in book["EPS_UAM"].iter_rows(min_row=FIRST_ROW - 1, max_row=FIRST_ROW - 1,
                                                    values_only=True)][0]
    assert months == ("citizen", "2024-07", "2024-08", "2024-09")
    book.close()
    # the EPS tables are in no public file (the report's rounded RPT_EPS figures are)
    public = quarterly_run.period_dir / "public"
    assert not list(public.rglob("EPS_*"))
    book = openpyxl.load_workbook(public / "2024-Q3_public.xlsx", read_only=True)
    assert not [name for name in book.sheetnames if name.startswith("EPS_")]
    book.close()
