"""Warehouse access: connection by URL, the contract check, the as-of view."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from asylstat.warehouse.connect import ContractViolation, WarehouseUnreachable, connect
from asylstat.warehouse.contract import contract_tables, key_column
from asylstat.warehouse.snapshot import Snapshot
from conftest import write_warehouse


def test_contract_is_read_from_the_packaged_ddl():
    tables = contract_tables()
    assert list(tables) == ["person", "application", "decision", "appeal", "withdrawal",
                            "dublin_request", "dublin_transfer", "dublin_unilateral"]
    assert tables["application"]["lodged_date"] == "DATE"
    assert key_column("dublin_request") == "request_id"


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
