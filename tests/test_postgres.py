"""The same statistics on a real PostgreSQL server as on DuckDB, byte for byte.

A warehouse is written as a DuckDB file, copied into PostgreSQL by
:func:`asylstat.warehouse.load.load_postgres` (COPY), and tables are built on both engines: the
representative tables (``helpers.REPRESENTATIVE``: their queries use every operation any
table's query uses) on every run, every table of every domain with ``make test-full`` (marker
``full``). The server is the one at ``ASYLSTAT_TEST_PG_URL`` (``make test`` and ``.ci/run``
start one with ``scripts/pg.sh`` and set it; ``make check`` starts none); without a reachable
server these tests are skipped, with the reason. Each load goes into a schema of its own,
dropped afterwards, so that concurrent test runs on one server do not meet.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from asylstat.cube import build_cube
from asylstat.dataflows.applications import ASYAPPCTZM
from asylstat.params import RunParameters
from asylstat.periods import Period
from asylstat.warehouse.connect import connect
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.load import load_postgres
from asylstat.warehouse.snapshot import Snapshot
from conftest import drop_pg_schema, new_pg_schema, reachable_pg_server, write_warehouse
from helpers import REPRESENTATIVE, REPRESENTATIVE_MADE, cell, run_texts, text_of

AS_OF = "2026-06-30T00:00:00Z"


@pytest.fixture(scope="module")
def pg_url() -> str:
    return reachable_pg_server()


@pytest.fixture(scope="module")
def pg_schema(pg_url: str) -> Iterator[str]:
    """A fresh schema name for this module; dropped at the end."""
    schema = new_pg_schema()
    yield schema
    drop_pg_schema(pg_url, schema)


# ------------------------------------------------------------------ hand-worked edge cases

EDGE_ROWS = {
    "person": [
        # codes with white space and lower case: 'syr ' → SY, 'f' → F
        {"person_id": 1, "sex": "f", "birth_date": date(2008, 2, 29), "citizenship": "syr "},
        # an empty-string citizenship (not NULL) and sex → UNK; birth date NULL → age UNK
        {"person_id": 2, "sex": "", "birth_date": None, "citizenship": ""},
        # two versions: the one recorded exactly at as_of is visible (recorded_at <= T)
        {"person_id": 3, "sex": "M", "birth_date": date(1990, 1, 1), "citizenship": "AFG",
         "recorded_at": datetime(2020, 1, 1), "retired_at": datetime(2025, 1, 1, 12)},
        {"person_id": 3, "sex": "F", "birth_date": date(1990, 1, 1), "citizenship": "AFG",
         "recorded_at": datetime(2025, 1, 1, 12)},
        # a version retired exactly at as_of is no longer visible (retired_at > T fails)
        {"person_id": 4, "sex": "M", "birth_date": date(1990, 1, 1), "citizenship": "IRQ",
         "recorded_at": datetime(2020, 1, 1), "retired_at": datetime(2025, 1, 1, 12)},
    ],
    "application": [
        {"application_id": 10, "person_id": 1, "lodged_date": date(2024, 7, 3)},
        {"application_id": 20, "person_id": 2, "lodged_date": date(2024, 7, 31)},
        {"application_id": 30, "person_id": 3, "lodged_date": date(2024, 7, 1)},
        {"application_id": 40, "person_id": 4, "lodged_date": date(2024, 7, 15)},
        # lodged on 1 August: not July
        {"application_id": 50, "person_id": 1, "lodged_date": date(2024, 8, 1)},
    ],
}
EDGE_AS_OF = datetime(2025, 1, 1, 12)


@pytest.fixture(scope="module")
def edge_snapshots(tmp_path_factory, pg_url, pg_schema) -> tuple[Snapshot, Snapshot]:
    path = write_warehouse(tmp_path_factory.mktemp("edge") / "edge.duckdb", EDGE_ROWS)
    schema = f"{pg_schema}_edge"
    load_postgres(path, pg_url, schema=schema)
    duck = Snapshot(connect(f"duckdb:///{path}"), EDGE_AS_OF)
    pg = Snapshot(connect(pg_url, schema), EDGE_AS_OF)
    yield duck, pg
    drop_pg_schema(pg_url, schema)


def test_edge_cases_give_the_hand_worked_counts_on_postgres(edge_snapshots):
    duck, pg = edge_snapshots
    jul = Period("M", 2024, 7)
    on_pg = build_cube(ASYAPPCTZM, pg, [jul])
    # July: persons 1, 2, 3 (person 4's only version was retired at as_of: a missing person,
    # counted with UNK attributes) → 4 persons, all first-time.
    assert cell(on_pg, "2024-07") == 4
    assert cell(on_pg, "2024-07", applicant="FRST") == 4
    # person 1: 'syr ' → SY, 'f' → F, born 29 Feb 2008 → 16 on 3 July 2024 → Y14-17
    assert cell(on_pg, "2024-07", citizen="SY", sex="F", age="Y14-17", applicant="FRST") == 1
    # person 2: empty strings → UNK, NULL birth date → UNK
    assert cell(on_pg, "2024-07", citizen="UNK", sex="UNK", age="UNK") == 2  # persons 2 and 4
    # person 3: the version recorded exactly at as_of (sex F) wins over the retired one (M)
    assert cell(on_pg, "2024-07", citizen="AF", sex="F") == 1
    assert cell(on_pg, "2024-07", citizen="AF", sex="M") == 0
    assert cell(on_pg, "2024-07", citizen="IQ") == 0
    assert text_of(on_pg) == text_of(build_cube(ASYAPPCTZM, duck, [jul]))


# ------------------------------------------------------------------ a synthetic warehouse

def test_the_copy_holds_every_row_version_exactly(synthetic_warehouse, pg_synthetic):
    duck = connect(synthetic_warehouse.url)
    pg = connect(pg_synthetic.url, pg_synthetic.schema)
    for table, columns in contract_tables().items():
        order = list(columns)
        a = duck.raw(table).order_by(order).to_pyarrow()
        b = pg.raw(table).order_by(order).to_pyarrow()
        assert pg_synthetic.loaded[table] == a.num_rows > 0, table
        assert a.to_pylist() == b.to_pylist(), table  # NULL vs '' and microseconds kept


RUNS = [("quarterly", "2024-Q3"), ("annual", "2024")]


def texts_on_both(synthetic_warehouse, pg_synthetic, names) -> dict[tuple[str, str], dict]:
    """``{(kind, period): {"duckdb": {table: text}, "postgres": {table: text}}}`` for the
    tables in ``names`` (every table when None) of every domain."""
    engines = {"duckdb": (synthetic_warehouse.url, "dwh"),
               "postgres": (pg_synthetic.url, pg_synthetic.schema)}
    out: dict[tuple[str, str], dict] = {}
    for kind, period in RUNS:
        out[(kind, period)] = {}
        for engine, (url, schema) in engines.items():
            params = RunParameters.parse(kind=kind, period=period, dwh_url=url, schema=schema,
                                         as_of=AS_OF)
            snap = Snapshot(connect(url, schema), params.as_of)
            out[(kind, period)][engine] = run_texts(snap, params, names)
    return out


@pytest.fixture(scope="module")
def representative_texts(synthetic_warehouse, pg_synthetic) -> dict[tuple[str, str], dict]:
    return texts_on_both(synthetic_warehouse, pg_synthetic, REPRESENTATIVE)


@pytest.fixture(scope="module")
def texts_by_engine(synthetic_warehouse, pg_synthetic) -> dict[tuple[str, str], dict]:
    return texts_on_both(synthetic_warehouse, pg_synthetic, None)


def assert_identical(texts: dict, kind: str, period: str) -> None:
    duck = texts[(kind, period)]["duckdb"]
    pg = texts[(kind, period)]["postgres"]
    assert sorted(pg) == sorted(duck)
    differing = [name for name in duck if duck[name] != pg[name]]
    assert not differing, f"differ on PostgreSQL: {differing}"
    # the comparison is not vacuous: most tables have cells
    with_cells = [name for name, text in duck.items() if text.count("\n") > 1]
    assert len(with_cells) >= 0.8 * len(duck), (len(with_cells), len(duck))


@pytest.mark.parametrize(("kind", "period"), RUNS)
def test_the_representative_tables_are_byte_identical_on_postgres(representative_texts, kind,
                                                                  period):
    assert_identical(representative_texts, kind, period)
    # the quarterly run makes 12 of them, the annual run 7 (the Dublin tables under their
    # Eurostat names; no monthly or quarterly table)
    assert sorted(representative_texts[(kind, period)]["duckdb"]) == \
        sorted(REPRESENTATIVE_MADE[kind])


@pytest.mark.full
@pytest.mark.parametrize(("kind", "period"), RUNS)
def test_every_table_is_byte_identical_on_postgres(texts_by_engine, kind, period):
    assert_identical(texts_by_engine, kind, period)


@pytest.mark.full
def test_every_domain_contributes_to_the_comparison(texts_by_engine):
    quarterly = texts_by_engine[("quarterly", "2024-Q3")]["duckdb"]
    annual = texts_by_engine[("annual", "2024")]["duckdb"]
    # the quarterly run holds the monthly applicant flow, the annual one the Dublin flows
    assert "MIGR_ASYAPPCTZM" in quarterly and "MIGR_ASYDCFSTQ" in quarterly
    assert "MIGR_ASYDCFINA" in annual and "MIGR_DUBRO" in annual
    assert ",2024-07," in quarterly["MIGR_ASYAPPCTZM"]
    assert ",2024-Q3," in quarterly["MIGR_ASYDCFSTQ"]


# ------------------------------------------------------------------ end to end (papermill)

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asylstat.cli", *args], capture_output=True,
                          text=True, timeout=1200)


@pytest.mark.e2e
def test_a_production_run_on_postgres_publishes_the_files_duckdb_gives(
        quarterly_run, pg_url, pg_schema, tmp_path):
    # The real run (papermill notebooks, scrapbook, writers) on PostgreSQL, on the warehouse of
    # the session's DuckDB run (conftest.quarterly_run) with the same period and as_of: every
    # transmission file and national CSV it publishes must be, byte for byte, the file DuckDB's
    # tables give, built directly by the library; so must the DuckDB run's (which saves a
    # second DuckDB run here).
    schema = f"{pg_schema}_run"
    source = tmp_path / "warehouse.duckdb"  # load_postgres opens it with plain DuckDB
    source.write_bytes(quarterly_run.warehouse.read_bytes())
    load_postgres(source, pg_url, schema=schema)
    try:
        result = _cli("run", "quarterly", "--period", "2024-Q3", "--dwh-url", pg_url,
                      "--schema", schema, "--as-of", AS_OF, "--output-dir",
                      str(tmp_path / "outputs"))
    finally:
        drop_pg_schema(pg_url, schema)
    assert result.returncode == 0, result.stderr[-3000:]
    params = RunParameters.parse(kind="quarterly", period="2024-Q3", dwh_url=quarterly_run.url,
                                 as_of=AS_OF)
    expected = run_texts(Snapshot(connect(quarterly_run.url), params.as_of), params)
    for run in (tmp_path / "outputs" / "2024-Q3", quarterly_run.period_dir):
        # every recipient's files: Eurostat's, Frontex's (and the EUAA's)
        sent = {p.stem: p for p in run.glob("transmission/*/*.csv")}
        national = {p.stem: p for p in (run / "tables" / "national").glob("*.csv")}
        assert sorted([*sent, *national]) == sorted(expected)
        assert {"MIGR_ASYAPPCTZM", "MIGR_ASYDCFSTQ", "MIGR_EIRTN1", "FX_RET"} <= set(sent)
        differing = [name for name, path in {**sent, **national}.items()
                     if path.read_bytes() != expected[name].encode("utf-8")]
        assert not differing, f"the run in {run} differs from DuckDB's tables in {differing}"
