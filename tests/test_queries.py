"""The SQL behind each table (issue 15, item 2): it is the query that counted the table, it
names what it reads, and it is the same text in every run (the workbook holds it and verify
compares the workbook cell by cell)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from asylstat.cube import base_counts, records_for
from asylstat.dataflows.applications import NAT_REGISTRATION_DELAYS
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.domains import build_table
from asylstat.measures import durations_query
from asylstat.periods import Period
from asylstat.queries import run_periods, table_query, table_sql
from asylstat.warehouse.snapshot import Snapshot
from asylstat.write.workbook import (
    DEFINITIONS_SHEET,
    read_workbook_cells,
    sql_parts,
    write_workbook,
)

JUL, Q3 = Period("M", 2024, 7), Period("Q", 2024, 3)

# three persons withdraw in July 2024: 1 explicitly (twice: counted once), 2 implicitly,
# 3's withdrawal is in August (not July)
ROWS = {
    "person": [{"person_id": i, "sex": "F", "birth_date": date(1990, 1, 1),
                "citizenship": "AFG"} for i in (1, 2, 3)],
    "application": [{"application_id": i, "person_id": i, "lodged_date": date(2024, 6, 1)}
                    for i in (1, 2, 3)],
    "withdrawal": [
        {"withdrawal_id": 1, "application_id": 1, "withdrawal_date": date(2024, 7, 3)},
        {"withdrawal_id": 2, "application_id": 1, "withdrawal_date": date(2024, 7, 9)},
        {"withdrawal_id": 3, "application_id": 2, "withdrawal_date": date(2024, 7, 4),
         "kind": "IMPLICIT"},
        {"withdrawal_id": 4, "application_id": 3, "withdrawal_date": date(2024, 8, 4)}],
}


def test_the_query_shown_is_the_one_that_counts(snapshot_of):
    snap = snapshot_of(ROWS)
    query = table_query(ASYWITHM, snap, [JUL]).to_pyarrow().to_pandas()
    # persons 1 (EXPL) and 2 (IMPL) in July: two base cells of one person each
    assert sorted(zip(query["withdr"], query["OBS_VALUE"], strict=True)) == [("EXPL", 1),
                                                                              ("IMPL", 1)]
    counts = base_counts(ASYWITHM, records_for(ASYWITHM.records, snap, [JUL]))
    pd.testing.assert_frame_equal(
        query.sort_values("withdr").reset_index(drop=True)[list(counts.columns)]
        .astype(counts.dtypes.to_dict()),
        counts.sort_values("withdr").reset_index(drop=True))


def test_duration_query_is_the_frequency_table(snapshot_of):
    snap = snapshot_of({"person": [{"person_id": 1}], "application": [
        {"application_id": 1, "person_id": 1, "presented_date": date(2024, 7, 1),
         "registered_date": date(2024, 7, 4), "lodged_date": date(2024, 7, 4)}]})
    frame = durations_query(NAT_REGISTRATION_DELAYS, snap, [JUL]).to_pyarrow().to_pandas()
    # one person, 3 days to registration and 3 to lodging: one row per step
    assert sorted(zip(frame["step"], frame["days"], frame["n"], strict=True)) == [
        ("LODGED", 3, 1), ("REGISTERED", 3, 1)]


def test_sql_names_what_it_reads_and_is_the_same_in_every_run(tmp_path, snapshot_of):
    snap = snapshot_of(ROWS)
    build_table(ASYWITHM, snap, Q3)  # as a notebook does: the views are made first
    text = table_sql(ASYWITHM, snap, Q3)
    assert "GROUP BY" in text.sql.upper()
    views = dict(text.views)
    # the query reads the shared derivations, which read the as-of views of the contract
    # tables: each with its definition, down to the warehouse's own tables
    assert "asylstat_withdrawals" in views and "asylstat_persons" in views
    assert '"withdrawal"' in "".join(views.values())
    assert "recorded_at" in "".join(views.values())
    # a second snapshot of the same warehouse (new temporary tables, new in-memory tables)
    again = Snapshot(snap.warehouse, snap.as_of)
    build_table(ASYWITHM, again, Q3)
    assert table_sql(ASYWITHM, again, Q3) == text
    assert run_periods(ASYWITHM, Q3) == list(Q3.months())


def test_sql_parts_cut_at_line_ends_and_put_back_together():
    text = "".join(f"line {i}\n" for i in range(1000)) + "x" * 25 + "\n"
    parts = sql_parts(text, limit=100)
    assert "".join(parts) == text
    assert all(len(p) <= 100 for p in parts)
    assert all(p.endswith("\n") for p in parts)
    assert sql_parts("y" * 250, limit=100) == ["y" * 100, "y" * 100, "y" * 50]


def test_workbook_definitions_sheet(tmp_path, snapshot_of):
    snap = snapshot_of(ROWS)
    table = build_table(ASYWITHM, snap, Q3)
    from dataclasses import replace

    from asylstat.queries import table_sql as sql_of
    table = replace(table, query=sql_of(ASYWITHM, snap, Q3).script())
    path = tmp_path / "book.xlsx"
    write_workbook([table], path, title="t", metadata={"as_of": "2026-06-30T00:00:00Z"},
                   definitions=True)
    sheets = read_workbook_cells(path)
    assert list(sheets)[-1] == DEFINITIONS_SHEET
    rows = [r for r in sheets[DEFINITIONS_SHEET][4:] if r[0] == ASYWITHM.name]
    assert rows[0][1] == ASYWITHM.title and rows[0][3] == "PER"
    assert "".join(r[5] for r in rows) == table.query
    # without definitions (the public workbooks) there is no such sheet
    write_workbook([table], path, title="t", metadata={})
    assert DEFINITIONS_SHEET not in read_workbook_cells(path)



def test_sql_of_a_production_notebook_lists_the_shared_derivations(tmp_path, snapshot_of):
    # a production run computes the shared derivations into a file its notebooks attach: the
    # query reads them there, and the SQL shows how each was derived
    from asylstat.domains import all_domains

    all_domains()
    snap = snapshot_of(ROWS)
    shared = tmp_path / "shared.duckdb"
    snap.write_shared(shared)  # then attached read-only, as the notebooks do
    build_table(ASYWITHM, snap, Q3)
    text = table_sql(ASYWITHM, snap, Q3)
    assert '"asylstat_shared"."main"."withdrawals"' in text.sql
    views = dict(text.views)
    assert {"withdrawals", "persons", "applications"} <= set(views)
    assert '"withdrawal"' in views["withdrawals"]


def test_sql_is_the_same_in_two_processes(snapshot_of):
    # the run's workbook holds the SQL and verify compares it cell by cell with a re-run: a
    # new process has other string hashes (Ibis writes EXCLUDE lists in set order), other
    # temporary and in-memory table names
    import os
    import subprocess
    import sys

    url = snapshot_of(ROWS).warehouse.url
    script = (
        "from datetime import datetime\n"
        "from asylstat.dataflows.withdrawals import ASYWITHM\n"
        "from asylstat.domains import build_table\n"
        "from asylstat.periods import Period\n"
        "from asylstat.queries import table_sql\n"
        "from asylstat.warehouse.connect import connect\n"
        "from asylstat.warehouse.snapshot import Snapshot\n"
        f"snap = Snapshot(connect({url!r}), datetime(2030, 1, 1))\n"
        "build_table(ASYWITHM, snap, Period('Q', 2024, 3))\n"
        "print(table_sql(ASYWITHM, snap, Period('Q', 2024, 3)).script())\n")
    texts = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
             for seed in ("1", "2")]
    assert "EXCLUDE" in texts[0] and texts[0] == texts[1]
