"""Shared test helpers: tiny hand-written warehouses in real DuckDB files, the session's one
synthetic warehouse (``synthetic_warehouse``, also loaded once into PostgreSQL:
``pg_synthetic``), and the one quarterly production run the end-to-end tests read
(``quarterly_run``).

Lanes (README, "Tests"): ``make check`` runs ``-m "not e2e"`` (no notebook, no browser, no
database started); ``make test`` runs everything but the tests marked ``full``; ``make
test-full`` adds them (``--full``): the full engine-parity sets whose representative subsets
run every time (``helpers.REPRESENTATIVE``)."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from asylstat.synthetic import SyntheticReport, build_warehouse
from asylstat.warehouse.connect import connect
from asylstat.warehouse.contract import contract_tables, schema_sql
from asylstat.warehouse.snapshot import Snapshot

LOADED = datetime(2020, 1, 1)
AS_OF = datetime(2030, 1, 1)

# ---------------------------------------------------------------- lanes: the full marker

def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="also run the tests marked 'full' (the full engine-parity sets; "
                          "make test-full)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``full`` are deselected unless ``--full`` is given or ``-m`` names the
    marker itself (``-m full``)."""
    if config.getoption("--full") or "full" in (config.getoption("markexpr") or ""):
        return
    full = [item for item in items if item.get_closest_marker("full")]
    if full:
        config.hook.pytest_deselected(items=full)
        items[:] = [item for item in items if not item.get_closest_marker("full")]


# ---------------------------------------------------------------- tiny hand-written warehouses

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
    "return_decision": {"ground": "IRREGULAR_STAY", "unaccompanied_minor": False},
    "return_departure": {"return_type": "VOLUNTARY", "confirmed": True},
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


# ---------------------------------------------------------------- the session's synthetic warehouse

#: the scale of the shared synthetic warehouse: about 9,000 persons and 14,000 applications,
#: every planted fault class (docs/synthetic.md), built in about 2 s
SYNTHETIC_SCALE = 0.03


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class SyntheticWarehouse:
    """The session's synthetic warehouse (default seed, ``SYNTHETIC_SCALE``). Read only: open
    it with :func:`asylstat.warehouse.connect.connect` (read-only, the workbench's settings);
    a test that writes, or that opens the file with plain ``duckdb.connect`` (DuckDB refuses
    a second connection to one file with other settings in the same process), takes a
    :meth:`copy` first."""

    path: Path
    report: SyntheticReport

    @property
    def url(self) -> str:
        return f"duckdb:///{self.path}"

    def copy(self, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, dest)
        return dest


@pytest.fixture(scope="session")
def synthetic_warehouse(tmp_path_factory: pytest.TempPathFactory
                        ) -> Iterator[SyntheticWarehouse]:
    """Built once per session; at the end of the session its bytes must be unchanged (a test
    that wrote into it would have changed what the later tests read)."""
    path = tmp_path_factory.mktemp("synthetic") / "warehouse.duckdb"
    report = build_warehouse(path, scale=SYNTHETIC_SCALE)
    built = _digest(path)
    yield SyntheticWarehouse(path=path, report=report)
    assert _digest(path) == built, ("a test wrote into the shared synthetic warehouse: "
                                    "copy it first (SyntheticWarehouse.copy)")


# ---------------------------------------------------------------- PostgreSQL

PG_URL = os.environ.get("ASYLSTAT_TEST_PG_URL", "")


def reachable_pg_server() -> str:
    """``ASYLSTAT_TEST_PG_URL`` when a server answers there; otherwise the test is skipped,
    with the reason (``make test`` and ``.ci/run`` start one with ``scripts/pg.sh``;
    ``make check`` starts none)."""
    if not PG_URL:
        pytest.skip("no PostgreSQL server: ASYLSTAT_TEST_PG_URL is not set (make test and "
                    ".ci/run start one with scripts/pg.sh; or run scripts/pg.sh start and set "
                    "ASYLSTAT_TEST_PG_URL=postgresql://postgres@127.0.0.1:55432/asylstat)")
    import psycopg

    from asylstat.params import redact_url
    from asylstat.warehouse.load import pg_conninfo

    try:
        psycopg.connect(**pg_conninfo(PG_URL), connect_timeout=5).close()
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL server reachable at {redact_url(PG_URL)} "
                    f"(ASYLSTAT_TEST_PG_URL): {str(exc).strip()}")
    return PG_URL


def drop_pg_schema(url: str, schema: str) -> None:
    import psycopg

    from asylstat.warehouse.load import pg_conninfo

    with psycopg.connect(**pg_conninfo(url), autocommit=True) as pg:
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def new_pg_schema() -> str:
    """A schema name of this test process: concurrent test runs on one server never meet."""
    return f"asylstat_test_{os.getpid()}_{secrets.token_hex(3)}"


@dataclass(frozen=True)
class PgWarehouse:
    url: str
    schema: str
    loaded: Mapping[str, int]  # table -> rows copied


@pytest.fixture(scope="session")
def pg_synthetic(synthetic_warehouse: SyntheticWarehouse, tmp_path_factory
                 ) -> Iterator[PgWarehouse]:
    """The session's synthetic warehouse copied once into a schema of its own on the test
    server (dropped at the end); skipped without a server."""
    from asylstat.warehouse.load import load_postgres

    url = reachable_pg_server()
    schema = new_pg_schema()
    source = synthetic_warehouse.copy(tmp_path_factory.mktemp("pg") / "warehouse.duckdb")
    try:
        yield PgWarehouse(url=url, schema=schema,
                          loaded=load_postgres(source, url, schema=schema))
    finally:
        drop_pg_schema(url, schema)


# ---------------------------------------------------------------- the shared production run

RUN_PERIOD = "2024-Q3"
RUN_AS_OF = "2026-06-30T00:00:00Z"

#: the applicant whose citizenship test_verify.py corrects (its cells are worked out there):
#: F, born 1990-05-05, KIR (Kiribati, absent from the synthetic warehouse), one initial
#: application lodged 2024-07-10 in the regular procedure, never decided
VERIFY_PERSON, VERIFY_APPLICATION = 990000000001, 990000000101
VERIFY_CITIZENSHIP = "KIR"


def insert_person(con: duckdb.DuckDBPyConnection, person_id: int, sex: str, birth: str,
                  citizenship: str, recorded_at: datetime) -> None:
    con.execute("INSERT INTO dwh.person VALUES (?, ?, ?, ?, ?, NULL)",
                [person_id, sex, birth, citizenship, recorded_at])


def insert_application(con: duckdb.DuckDBPyConnection, application_id: int, person_id: int,
                       lodged: str, recorded_at: datetime) -> None:
    con.execute(
        "INSERT INTO dwh.application (application_id, person_id, principal_application_id, "
        "legal_type, channel, presented_date, registered_date, lodged_date, procedure, "
        "unaccompanied_minor, dublin_closed_date, recorded_at, retired_at) VALUES "
        "(?, ?, NULL, 'INITIAL', 'TERRITORY', ?, ?, ?, 'REGULAR', false, NULL, ?, NULL)",
        [application_id, person_id, lodged, lodged, lodged, recorded_at])


def plant_verify_person(path: Path) -> None:
    con = duckdb.connect(str(path))
    have = {r[0] for r in con.execute(
        "SELECT DISTINCT upper(trim(citizenship)) FROM dwh.person").fetchall()}
    assert VERIFY_CITIZENSHIP not in have, "the planted citizenship must be new"
    insert_person(con, VERIFY_PERSON, "F", "1990-05-05", VERIFY_CITIZENSHIP,
                  datetime(2024, 7, 10, 8))
    insert_application(con, VERIFY_APPLICATION, VERIFY_PERSON, "2024-07-10",
                       datetime(2024, 7, 10, 9))
    con.close()


@dataclass(frozen=True)
class ProductionRun:
    """A published quarterly run (through the command line, as make runs it) on a copy of the
    session's synthetic warehouse with the privacy canary (canary.py) and the verify
    applicant (``plant_verify_person``) planted. Read only, the warehouse and the outputs
    alike: a test that writes copies them first."""

    warehouse: Path
    url: str
    out: Path  # OUTPUT_DIR
    planted: Mapping[str, int]  # fault class -> planted count (docs/synthetic.md)
    said: str  # the command's closing message (stdout)

    @property
    def period_dir(self) -> Path:
        return self.out / RUN_PERIOD


@pytest.fixture(scope="session")
def quarterly_run(tmp_path_factory, synthetic_warehouse: SyntheticWarehouse) -> ProductionRun:
    """One production run shared by the end-to-end tests: those that only read what it left
    (the layout, the transmission files, the workbook, the reports, the privacy scan, the
    data-quality findings) and those that start from it (verify re-does it, the killed run
    and the PostgreSQL run are compared with it): each full run costs about a minute on two
    cores."""
    from canary import plant_canary

    base = tmp_path_factory.mktemp("quarterly_run")
    warehouse = synthetic_warehouse.copy(base / "warehouse.duckdb")
    plant_canary(warehouse)
    plant_verify_person(warehouse)
    url = f"duckdb:///{warehouse}"
    out = base / "outputs"
    # started from its folder with a relative OUTPUT_DIR, as `make quarterly` does by default:
    # the notebooks run in notebooks/, so any path taken relative to the process's working
    # directory while a notebook executes would land in the wrong place
    result = subprocess.run(
        [sys.executable, "-m", "asylstat.cli", "run", "quarterly", "--period", RUN_PERIOD,
         "--dwh-url", url, "--as-of", RUN_AS_OF, "--output-dir", "outputs"],
        capture_output=True, text=True, timeout=1800, cwd=base)
    assert result.returncode == 0, result.stderr[-3000:]
    return ProductionRun(warehouse=warehouse, url=url, out=out,
                         planted=dict(synthetic_warehouse.report.planted_faults),
                         said=result.stdout)
