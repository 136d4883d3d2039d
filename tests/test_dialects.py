"""The SQL of every dataflow compiles for the engines a production warehouse or a larger
installation may use (Oracle, SQL Server, Trino; PostgreSQL and DuckDB), and parses back.

The queries are built on a real small DuckDB snapshot (``Snapshot.with_codes`` asks the engine for
the distinct raw codes to build its CASE maps), read lazily so that each query starts from the
contract tables themselves, then compiled with ``ibis.to_sql(expr, dialect=…)`` and parsed with
sqlglot for that dialect. A query must read only the contract's tables in the warehouse schema
(or small in-memory tables the workbench writes itself), and call no function that sqlglot does
not know in that dialect (a DuckDB-only function leaking into Oracle SQL, for instance).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import ibis
import pytest
import sqlglot
from sqlglot import exp

import asylstat.cube as cube_module
from asylstat.cube import PERIOD, CubeSpec, base_query, count_query
from asylstat.domains import all_specs
from asylstat.measures import DAYS, DurationSpec
from asylstat.periods import Period
from asylstat.synthetic import build_warehouse
from asylstat.warehouse.connect import connect
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.snapshot import Snapshot

#: Ibis dialect → sqlglot dialect
DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "oracle": "oracle", "mssql": "tsql",
            "trino": "trino"}
#: functions sqlglot parses as "anonymous" that the engine does have (PostgreSQL's make_date,
#: SQL Server's datetime2fromparts)
KNOWN_FUNCTIONS = {"postgres": {"MAKE_DATE"}, "mssql": {"DATETIME2FROMPARTS"}}
QUARTER = Period.parse("2024-Q3", "Q")
YEAR = Period.parse("2024", "A")


def periods_for(spec: CubeSpec | DurationSpec) -> tuple[Period, ...]:
    return {"M": QUARTER.months(), "Q": (QUARTER,), "A": (YEAR,)}[spec.freq]


def every_spec() -> list[CubeSpec | DurationSpec]:
    return list(all_specs())


def engine_query(spec: CubeSpec | DurationSpec, snap: Snapshot) -> ibis.Table:
    """What the builder sends to the engine for ``spec``: records, reference record, counts."""
    records = spec.records(snap, periods_for(spec))
    if isinstance(spec, DurationSpec):
        strata = [d.name for d in spec.groups]
        return count_query(records, [PERIOD, *strata, DAYS], spec.reference, strata, name="n")
    return base_query(spec, records)


def query_shape(spec: CubeSpec | DurationSpec) -> tuple:
    """Two tables of one shape (the same records, reference and dimensions) send the same
    query for different periods: the monthly national Dublin tables and their Eurostat
    twins. Compiling one of each shape keeps the test within its time."""
    return (spec.records, getattr(spec, "reference", None), spec.dimension_names,
            getattr(spec, "where_reference", None))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Snapshot:
    """A small synthetic warehouse, read lazily."""
    path: Path = tmp_path_factory.mktemp("dialects") / "small.duckdb"
    build_warehouse(path, scale=0.01)
    return Snapshot(connect(f"duckdb:///{path}"), datetime(2026, 6, 30), materialise=False)


@pytest.fixture(scope="module")
def queries(small) -> dict[str, ibis.Table]:
    """One engine query per distinct query shape, named by its first table."""
    snap = small
    first_of_shape: dict[tuple, CubeSpec | DurationSpec] = {}
    for spec in every_spec():
        first_of_shape.setdefault(query_shape(spec), spec)
    return {spec.name: engine_query(spec, snap) for spec in first_of_shape.values()}


def test_every_declared_table_has_a_query(queries):
    specs = {spec.name: spec for spec in every_spec()}
    assert len(specs) == len(every_spec())  # names are unique
    compiled_shapes = {query_shape(specs[name]) for name in queries}
    for name, spec in specs.items():
        assert query_shape(spec) in compiled_shapes, name
    # the national Dublin tables share their Eurostat twins' query: 58 tables, 37 shapes
    # when this test was written; at least one table per domain and shape is compiled
    assert len(queries) < len(specs)
    assert "NAT_DUBTO" not in queries and "MIGR_DUBTO" in queries
    # the five domains' Eurostat flows are all there (outputs.md, the dataflow table)
    for name in ("MIGR_ASYAPPCTZM", "MIGR_ASYPENCTZM", "MIGR_ASYWITHM", "MIGR_ASYDCFSTQ",
                 "MIGR_ASYDCFINA", "MIGR_ASYUNAA", "MIGR_DUBTO", "MIGR_DUBTPENI"):
        assert name in queries, name


def _read_tables(tree: exp.Expression) -> set[tuple[str, str]]:
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return {(t.db, t.name) for t in tree.find_all(exp.Table) if t.name not in ctes}


@pytest.mark.parametrize("dialect", ["mssql", "oracle", "postgres", "trino"])
def test_every_dataflow_compiles_and_parses_back(queries, dialect):
    # DuckDB's SQL is what every other test executes; the test below also compiles it
    # (compiling 37 queries takes about 30 s per dialect on 2 cores)
    problems = _problems(queries, dialect)
    assert not problems, "\n".join(problems)


def _problems(queries: dict[str, ibis.Table], dialect: str) -> list[str]:
    """What is wrong with each query's SQL in ``dialect`` (nothing, for a good query)."""
    read = DIALECTS[dialect]
    contract = {("dwh", name) for name in contract_tables()}
    problems: list[str] = []
    for name, query in sorted(queries.items()):
        sql = ibis.to_sql(query, dialect=dialect)
        try:
            statements = sqlglot.parse(sql, read=read)
        except sqlglot.errors.ParseError as exc:
            problems.append(f"{name}: does not parse as {read}: {str(exc)[:200]}")
            continue
        if len(statements) != 1 or statements[0] is None:
            problems.append(f"{name}: {len(statements)} statements")
            continue
        tree = statements[0]
        if not isinstance(tree, exp.Query):
            problems.append(f"{name}: not a query but {type(tree).__name__}")
        tables = _read_tables(tree)
        foreign = {t for t in tables if t not in contract
                   and not t[1].startswith("ibis_pandas_memtable_")}
        if foreign:
            problems.append(f"{name}: reads {sorted(foreign)}, not contract tables")
        if not tables & contract:
            problems.append(f"{name}: reads no contract table")
        unknown = {f.name.upper() for f in tree.find_all(exp.Anonymous)}
        unknown -= KNOWN_FUNCTIONS.get(dialect, set())
        if unknown:
            problems.append(f"{name}: functions unknown to {read}: {sorted(unknown)}")
    return problems


@pytest.fixture(scope="module")
def together_queries(small) -> dict[str, ibis.Table]:
    """The one query of each set of tables counted together, named by its first table."""
    all_specs()  # every module declaring a set is imported
    sets = {id(t): t for t in cube_module._TOGETHER.values()}.values()
    return {t.members[0].spec.name: t.query(small, periods_for(t.members[0].spec))
            for t in sets}


@pytest.mark.parametrize("dialect", ["mssql", "oracle", "postgres", "trino"])
def test_tables_counted_together_compile_and_parse_back(together_queries, dialect):
    # the Dublin pairs (ten) and the three applicant tables
    assert len(together_queries) == 11 and "MIGR_ASYAPPCTZM" in together_queries
    problems = _problems(together_queries, dialect)
    assert not problems, "\n".join(problems)


def test_the_compiled_duckdb_sql_is_what_the_engine_answers(queries, tmp_path):
    # the SQL text shown for audit gives the same counts as the expression it was made from
    query = queries["MIGR_ASYAPPCTZM"]
    backend = query._find_backend()
    from_expr = query.to_pyarrow().sort_by([(c, "ascending") for c in query.columns])
    from_sql = backend.sql(ibis.to_sql(query, dialect="duckdb")).to_pyarrow()
    from_sql = from_sql.sort_by([(c, "ascending") for c in query.columns])
    assert from_expr.num_rows > 0
    assert from_sql.equals(from_expr)
