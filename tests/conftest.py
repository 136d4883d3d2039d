"""Shared test helpers: tiny hand-written warehouses in real DuckDB files, and the one
quarterly production run the end-to-end tests read (``quarterly_run``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from asylstat.synthetic import build_warehouse
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


# ---------------------------------------------------------------- the shared production run

RUN_PERIOD = "2024-Q3"
RUN_AS_OF = "2026-06-30T00:00:00Z"


@dataclass(frozen=True)
class ProductionRun:
    """A published quarterly run (through the command line, as make runs it) on a small
    synthetic warehouse with the privacy canary planted. Read only: a test that writes
    copies it first."""

    warehouse: Path
    url: str
    out: Path  # OUTPUT_DIR
    planted: Mapping[str, int]  # fault class -> planted count (docs/synthetic.md)
    said: str  # the command's closing message (stdout)

    @property
    def period_dir(self) -> Path:
        return self.out / RUN_PERIOD


@pytest.fixture(scope="session")
def quarterly_run(tmp_path_factory) -> ProductionRun:
    """One production run shared by the end-to-end tests that only read what it left (the
    layout, the transmission files, the workbook, the reports, the privacy scan, the
    data-quality findings): each full run costs about a minute on two cores."""
    from canary import plant_canary

    base = tmp_path_factory.mktemp("quarterly_run")
    warehouse = base / "warehouse.duckdb"
    planted = dict(build_warehouse(warehouse, scale=0.03).planted_faults)
    plant_canary(warehouse)
    url = f"duckdb:///{warehouse}"
    out = base / "outputs"
    result = subprocess.run(
        [sys.executable, "-m", "asylstat.cli", "run", "quarterly", "--period", RUN_PERIOD,
         "--dwh-url", url, "--as-of", RUN_AS_OF, "--output-dir", str(out)],
        capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return ProductionRun(warehouse=warehouse, url=url, out=out, planted=planted,
                         said=result.stdout)
