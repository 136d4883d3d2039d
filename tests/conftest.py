"""Shared test helpers: tiny hand-written warehouses in real DuckDB files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from asylstat.warehouse.connect import connect
from asylstat.warehouse.contract import contract_tables, schema_sql
from asylstat.warehouse.snapshot import Snapshot

LOADED = datetime(2020, 1, 1)
AS_OF = datetime(2030, 1, 1)

#: values a test need not write: the non-null columns get a neutral default
DEFAULTS: dict[str, dict[str, Any]] = {
    "application": {"legal_type": "INITIAL", "channel": "TERRITORY",
                    "presented_date": None, "unaccompanied_minor": False},
    "decision": {"instance": "FIRST", "outcome": "REJECTED"},
    "withdrawal": {"kind": "EXPLICIT"},
    "dublin_request": {"direction": "OUT", "partner_country": "DEU", "request_type": "TAKE_BACK",
                       "legal_basis": "ART18_1_B", "eurodac_hit": True,
                       "unaccompanied_minor": False},
    "dublin_unilateral": {"legal_basis": "ART17_1"},
}


def write_warehouse(path: Path, rows: Mapping[str, Iterable[Mapping[str, Any]]],
                    schema: str = "dwh") -> Path:
    """A contract warehouse at ``path`` holding exactly ``rows`` (per table, dicts of column
    values; unspecified columns take DEFAULTS or NULL; ``recorded_at`` defaults to 2020-01-01).
    An application's ``presented_date`` defaults to its ``lodged_date``."""
    con = duckdb.connect(str(path))
    con.execute(schema_sql(schema))
    for table, table_rows in rows.items():
        columns = list(contract_tables()[table])
        for row in table_rows:
            full = {**DEFAULTS.get(table, {}), "recorded_at": LOADED, **row}
            if table == "application" and full.get("presented_date") is None:
                full["presented_date"] = full.get("lodged_date") or date(2020, 1, 1)
            unknown = set(full) - set(columns)
            assert not unknown, f"unknown column(s) {unknown} for {table}"
            values = [full.get(c) for c in columns]
            con.execute(f"INSERT INTO {schema}.{table} ({', '.join(columns)}) VALUES "
                        f"({', '.join('?' for _ in columns)})", values)
    con.close()
    return path


@pytest.fixture
def snapshot_of(tmp_path: Path):
    """``snapshot_of(rows, as_of=AS_OF)`` → a Snapshot of a fresh warehouse holding ``rows``."""
    counter = iter(range(1_000_000))

    def make(rows: Mapping[str, Iterable[Mapping[str, Any]]],
             as_of: datetime = AS_OF) -> Snapshot:
        path = write_warehouse(tmp_path / f"wh{next(counter)}.duckdb", rows)
        return Snapshot(connect(f"duckdb:///{path}"), as_of)

    return make
