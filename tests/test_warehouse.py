"""Warehouse access: connection by URL, the contract check, the as-of view."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import duckdb
import pytest

from asylstat.codes import contract_code, eurostat_destination, is_dublin_state
from asylstat.warehouse.connect import ContractViolation, WarehouseUnreachable, connect
from asylstat.warehouse.contract import contract_tables, key_column
from asylstat.warehouse.snapshot import Snapshot
from conftest import write_warehouse


def test_contract_is_read_from_the_packaged_ddl():
    tables = contract_tables()
    assert list(tables) == ["person", "application", "decision", "appeal", "withdrawal",
                            "dublin_request", "dublin_transfer", "dublin_unilateral",
                            "return_decision", "return_departure"]
    assert tables["application"]["lodged_date"] == "DATE"
    assert key_column("dublin_request") == "request_id"
    # contract v2
    assert key_column("return_decision") == "return_decision_id"
    assert key_column("return_departure") == "departure_id"
    assert tables["return_decision"]["voluntary_departure_days"] == "INTEGER"
    assert list(tables["return_departure"]) == [
        "departure_id", "person_id", "return_decision_id", "departure_date", "return_type",
        "assisted", "destination_country", "confirmed", "recorded_at", "retired_at"]


def test_packaged_ddl_is_the_contracts_own_file():
    shared = Path("/work/shared/spec/dwh_schema.sql")
    if not shared.is_file():
        pytest.skip("the shared specification is not on this machine")
    packaged = (files("asylstat.warehouse") / "dwh_schema.sql").read_text(encoding="utf-8")
    assert packaged == shared.read_text(encoding="utf-8")


def test_missing_file_is_unreachable(tmp_path):
    with pytest.raises(WarehouseUnreachable, match="does not exist"):
        connect(f"duckdb:///{tmp_path / 'nope.duckdb'}")


def test_unreachable_postgres_server():
    with pytest.raises(WarehouseUnreachable, match="cannot open"):
        connect("postgresql://nobody@127.0.0.1:1/none")


def test_missing_table_and_column_are_named(tmp_path):
    path = write_warehouse(tmp_path / "w.duckdb", {})
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE dwh.dublin_unilateral")
    con.execute("ALTER TABLE dwh.application DROP COLUMN lodged_date")
    con.execute("ALTER TABLE dwh.person ALTER COLUMN birth_date TYPE VARCHAR")
    con.close()
    with pytest.raises(ContractViolation) as info:
        connect(f"duckdb:///{path}")
    message = str(info.value)
    assert "dwh.dublin_unilateral is missing" in message
    assert "dwh.application lacks column(s) lodged_date" in message
    assert "dwh.person.birth_date" in message and "DATE" in message


def test_other_schema_name(tmp_path):
    path = write_warehouse(tmp_path / "w.duckdb", {}, schema="stat")
    with pytest.raises(ContractViolation, match="schema 'dwh'|dwh.person is missing"):
        connect(f"duckdb:///{path}")
    assert connect(f"duckdb:///{path}", "stat").schema == "stat"


def test_duckdb_is_opened_read_only(tmp_path):
    path = write_warehouse(tmp_path / "w.duckdb", {})
    wh = connect(f"duckdb:///{path}")
    with pytest.raises(Exception, match="read-only|read only"):
        wh.con.raw_sql("CREATE TABLE dwh.x (a INT)")


def test_as_of_view(tmp_path):
    # key 1: v1 recorded 2020, retired 2022; v2 recorded 2022 → as of 2021: v1; 2023: v2
    # key 2: recorded 2024 → invisible as of 2023
    # key 3: deleted (retired 2022, no successor) → visible 2021 only
    # key 4: two versions, both recorded 2020 → ambiguous: absent
    # key 5: v1 2020 and v2 2021 both current (a load fault) → v2 (latest recorded_at)
    p = {"sex": "M"}
    rows = {"person": [
        {"person_id": 1, "citizenship": "V1", "recorded_at": datetime(2020, 1, 1),
         "retired_at": datetime(2022, 1, 1), **p},
        {"person_id": 1, "citizenship": "V2", "recorded_at": datetime(2022, 1, 1), **p},
        {"person_id": 2, "citizenship": "V1", "recorded_at": datetime(2024, 1, 1), **p},
        {"person_id": 3, "citizenship": "V1", "recorded_at": datetime(2020, 1, 1),
         "retired_at": datetime(2022, 1, 1), **p},
        {"person_id": 4, "citizenship": "A", "recorded_at": datetime(2020, 1, 1), **p},
        {"person_id": 4, "citizenship": "B", "recorded_at": datetime(2020, 1, 1), **p},
        {"person_id": 5, "citizenship": "V1", "recorded_at": datetime(2020, 1, 1), **p},
        {"person_id": 5, "citizenship": "V2", "recorded_at": datetime(2021, 1, 1), **p}]}
    wh = connect(f"duckdb:///{write_warehouse(tmp_path / 'w.duckdb', rows)}")

    def view(as_of):
        frame = Snapshot(wh, as_of).table("person").to_pyarrow().to_pylist()
        return {r["person_id"]: r["citizenship"] for r in frame}

    assert view(datetime(2021, 6, 1)) == {1: "V1", 3: "V1", 5: "V2"}
    assert view(datetime(2023, 1, 1)) == {1: "V2", 5: "V2"}
    # the instant itself: recorded_at <= T is visible, retired_at = T is not
    assert view(datetime(2022, 1, 1)) == {1: "V2", 5: "V2"}


# ------------------------------------------------------------------ contract v2: returns

def v1_warehouse(path: Path) -> Path:
    """A contract-v1 warehouse: every table but the two return tables (contract v2)."""
    write_warehouse(path, {})
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE dwh.return_decision")
    con.execute("DROP TABLE dwh.return_departure")
    con.close()
    return path


def test_v1_warehouse_is_refused_naming_both_return_tables(tmp_path):
    path = v1_warehouse(tmp_path / "v1.duckdb")
    with pytest.raises(ContractViolation) as info:
        connect(f"duckdb:///{path}")
    message = str(info.value)
    assert "table dwh.return_decision is missing" in message
    assert "table dwh.return_departure is missing" in message
    assert "dwh.person" not in message  # the v1 tables are fine


def test_v1_warehouse_exits_3_through_the_command_line(tmp_path):
    path = v1_warehouse(tmp_path / "v1.duckdb")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "asylstat.cli", "run", "quarterly", "--period", "2024-Q3",
         "--as-of", "2026-06-30", "--dwh-url", f"duckdb:///{path}", "--output-dir", str(out)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "return_decision" in result.stderr and "return_departure" in result.stderr
    assert not out.exists()


def test_return_column_of_the_wrong_type_is_named(tmp_path):
    path = write_warehouse(tmp_path / "w.duckdb", {})
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE dwh.return_decision ALTER COLUMN voluntary_departure_days "
                "TYPE VARCHAR")
    con.execute("ALTER TABLE dwh.return_departure DROP COLUMN confirmed")
    con.close()
    with pytest.raises(ContractViolation) as info:
        connect(f"duckdb:///{path}")
    message = str(info.value)
    assert "dwh.return_decision.voluntary_departure_days" in message and "INTEGER" in message
    assert "dwh.return_departure lacks column(s) confirmed" in message


def test_integer_column_accepts_any_integer_type(tmp_path):
    # an engine may store voluntary_departure_days as BIGINT or SMALLINT: same family
    path = write_warehouse(tmp_path / "w.duckdb", {})
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE dwh.return_decision ALTER COLUMN voluntary_departure_days "
                "TYPE BIGINT")
    con.close()
    assert connect(f"duckdb:///{path}").schema == "dwh"


def _decision(rd_id, recorded, **values):
    return {"return_decision_id": rd_id, "person_id": 7, "decision_date": date(2024, 7, 1),
            "ground": "IRREGULAR_STAY", "voluntary_departure_days": 30,
            "unaccompanied_minor": False, "recorded_at": recorded, **values}


def _departure(dep_id, recorded, **values):
    return {"departure_id": dep_id, "person_id": 7, "return_decision_id": 1,
            "departure_date": date(2024, 8, 1), "return_type": "VOLUNTARY",
            "assisted": True, "destination_country": "GEO", "confirmed": True,
            "recorded_at": recorded, **values}


def test_as_of_view_of_the_return_tables(snapshot_of):
    # return_decision
    #   1: corrected: v1 (IRREGULAR_STAY, recorded 2024-07-03, retired 2024-09-01), v2
    #      (withdrawn 2024-08-20, recorded 2024-09-01) → as of 2024-08: v1; 2025: v2
    #   2: two versions both recorded 2024-07-05 (a tie) → ambiguous: absent at any instant
    #   3: recorded 2025-02-01 → invisible as of 2024-12-31, visible as of 2025-06-30
    #   4: two current versions (a load fault), recorded 2024-07-10 and 2024-07-20 → the later
    # return_departure
    #   10: first recorded unconfirmed (2024-08-03), confirmed by a new version 2024-09-10
    #   11: tie → absent;  12: recorded after as_of → absent
    t = datetime
    rows = {
        "return_decision": [
            _decision(1, t(2024, 7, 3), retired_at=t(2024, 9, 1)),
            _decision(1, t(2024, 9, 1), withdrawn_date=date(2024, 8, 20)),
            _decision(2, t(2024, 7, 5), ground="PUBLIC_ORDER"),
            _decision(2, t(2024, 7, 5), ground="END_OF_STAY"),
            _decision(3, t(2025, 2, 1), ground="IP_REJECTED", application_id=99),
            _decision(4, t(2024, 7, 10), voluntary_departure_days=0),
            _decision(4, t(2024, 7, 20), voluntary_departure_days=7),
        ],
        "return_departure": [
            _departure(10, t(2024, 8, 3), confirmed=False, retired_at=t(2024, 9, 10)),
            _departure(10, t(2024, 9, 10)),
            _departure(11, t(2024, 8, 5), return_type="FORCED"),
            _departure(11, t(2024, 8, 5), return_type="VOLUNTARY"),
            _departure(12, t(2025, 1, 15)),
        ],
    }

    def decisions(as_of):
        snap = snapshot_of(rows, as_of)
        return {r["return_decision_id"]: (r["ground"], r["withdrawn_date"],
                                          r["voluntary_departure_days"])
                for r in snap.table("return_decision").to_pyarrow().to_pylist()}

    def departures(as_of):
        snap = snapshot_of(rows, as_of)
        return {r["departure_id"]: r["confirmed"]
                for r in snap.view("return_departure").to_pyarrow().to_pylist()}

    assert decisions(t(2024, 8, 1)) == {1: ("IRREGULAR_STAY", None, 30),
                                        4: ("IRREGULAR_STAY", None, 7)}
    assert decisions(t(2024, 12, 31)) == {1: ("IRREGULAR_STAY", date(2024, 8, 20), 30),
                                          4: ("IRREGULAR_STAY", None, 7)}
    assert set(decisions(t(2025, 6, 30))) == {1, 3, 4}
    assert departures(t(2024, 9, 1)) == {10: False}
    assert departures(t(2024, 12, 31)) == {10: True}
    # version columns are dropped as for every table
    snap = snapshot_of(rows, t(2025, 6, 30))
    assert "recorded_at" not in snap.view("return_departure").columns


def test_return_codes_are_normalised(snapshot_of):
    rows = {"return_decision": [
        _decision(1, datetime(2024, 7, 1), ground=" ip_rejected "),
        _decision(2, datetime(2024, 7, 1), ground="Public_Order\t"),
        _decision(3, datetime(2024, 7, 1), ground="EXPULSION"),
    ], "return_departure": [
        _departure(10, datetime(2024, 8, 1), return_type="forced", destination_country=" geo"),
        _departure(11, datetime(2024, 8, 1), return_type="VOL", destination_country="YUG"),
        _departure(12, datetime(2024, 8, 1), destination_country=None),
        _departure(13, datetime(2024, 8, 1), destination_country="grc\n"),
    ]}
    snap = snapshot_of(rows)
    rd = snap.with_codes(snap.view("return_decision"), "return_decision",
                         ground=("ground", contract_code("return_decision", "ground")))
    assert {r["return_decision_id"]: r["ground"] for r in rd.to_pyarrow().to_pylist()} == {
        1: "IP_REJECTED", 2: "PUBLIC_ORDER", 3: "UNK"}
    dep = snap.with_codes(snap.view("return_departure"), "return_departure",
                          c_rtn=("return_type", contract_code("return_departure",
                                                              "return_type")),
                          dest=("destination_country", eurostat_destination))
    assert {r["departure_id"]: (r["c_rtn"], r["dest"]) for r in dep.to_pyarrow().to_pylist()
            } == {10: ("FORCED", "GE"), 11: ("UNK", "UNK"), 12: ("VOLUNTARY", "UNK"),
                  13: ("VOLUNTARY", "EL")}


def test_dublin_states_for_returns():
    assert is_dublin_state(" bel ") and is_dublin_state("NOR") and is_dublin_state("lie")
    assert not is_dublin_state("GBR") and not is_dublin_state("TUR")
    assert not is_dublin_state(None) and not is_dublin_state("")
