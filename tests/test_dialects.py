"""The SQL of every dataflow compiles for the engines a production warehouse or a larger
installation may use (Oracle, SQL Server, Trino; PostgreSQL and DuckDB), and parses back.

Every run compiles the queries of the representative tables (``helpers.REPRESENTATIVE``) for
every dialect, and checks that those queries use every kind of operation any table's query
uses: a dialect's compiler translates operation by operation, so that cover is what makes the
subset stand for the rest. ``make test-full`` (marker ``full``) compiles every query shape.

The queries are built on a real small DuckDB snapshot (``Snapshot.with_codes`` asks the engine for
the distinct raw codes to build its CASE maps), read lazily so that each query starts from the
contract tables themselves, then compiled with ``ibis.to_sql(expr, dialect=…)`` and parsed with
sqlglot for that dialect. A query must read only the contract's tables in the warehouse schema
(or small in-memory tables the workbench writes itself), and call no function that sqlglot does
not know in that dialect (a DuckDB-only function leaking into Oracle SQL, for instance).
"""

from __future__ import annotations

from datetime import datetime

import ibis
import pytest
import sqlglot
from ibis.common.graph import Graph
from sqlglot import exp

import asylstat.cube as cube_module
from asylstat.cube import PERIOD, CubeSpec, base_query, count_query
from asylstat.domains import all_domains, all_specs, spec_of
from asylstat.measures import DAYS, DurationSpec
from asylstat.periods import Period
from asylstat.warehouse.connect import connect
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.snapshot import Snapshot
from helpers import REPRESENTATIVE

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
def snap(synthetic_warehouse) -> Snapshot:
    return Snapshot(connect(synthetic_warehouse.url), datetime(2026, 6, 30), materialise=False)


@pytest.fixture(scope="module")
def queries(snap) -> dict[str, ibis.Table]:
    """One engine query per distinct query shape, named by its first table."""
    first_of_shape: dict[tuple, CubeSpec | DurationSpec] = {}
    for spec in every_spec():
        first_of_shape.setdefault(query_shape(spec), spec)
    return {spec.name: engine_query(spec, snap) for spec in first_of_shape.values()}


def operations(query: ibis.Table) -> set[tuple[str, str]]:
    """Every kind of operation in a query's expression tree, with its result type."""
    return {(type(node).__name__, str(getattr(node, "dtype", "")))
            for node in Graph.from_bfs(query.op())}


def test_the_representative_tables_use_every_operation_of_every_table(snap):
    specs = {spec.name: spec for spec in every_spec()}
    assert REPRESENTATIVE <= set(specs), REPRESENTATIVE - set(specs)
    used = {name: operations(engine_query(spec, snap)) for name, spec in specs.items()}
    covered = set().union(*(used[name] for name in REPRESENTATIVE))
    missing = {name: sorted(ops - covered) for name, ops in used.items() if ops - covered}
    assert not missing, ("operations no representative table uses (add one of these tables "
                         f"to helpers.REPRESENTATIVE): {missing}")
    assert len(covered) > 40  # not vacuous: the queries use dozens of kinds of operation
    # every domain has a representative table
    for dom in all_domains():
        assert {spec.name for spec in dom.tables} & REPRESENTATIVE, dom.name


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
def together_sets() -> list:
    """Each set of tables counted together (one engine query per set)."""
    all_specs()  # every module declaring a set is imported
    return list({id(t): t for t in cube_module._TOGETHER.values()}.values())


@pytest.fixture(scope="module")
def together_queries(snap, together_sets) -> dict[str, ibis.Table]:
    """The one query of each set of tables counted together, named by its first table."""
    return {t.members[0].spec.name: t.query(snap, periods_for(t.members[0].spec))
            for t in together_sets}


def representative_sets(together_sets) -> set[str]:
    """The sets counted together with a representative table among their members."""
    return {t.members[0].spec.name for t in together_sets
            if {m.spec.name for m in t.members} & REPRESENTATIVE}


def test_the_representative_sets_counted_together_use_every_operation_of_every_set(
        together_queries, together_sets):
    used = {name: operations(q) for name, q in together_queries.items()}
    chosen = representative_sets(together_sets)
    covered = set().union(*(used[name] for name in chosen))
    missing = {name: sorted(ops - covered) for name, ops in used.items() if ops - covered}
    assert not missing, ("operations no representative set counted together uses (add one "
                         f"of these tables to helpers.REPRESENTATIVE): {missing}")
    assert len(covered) > 40


@pytest.mark.parametrize("dialect", ["mssql", "oracle", "postgres", "trino"])
def test_the_representative_queries_compile_and_parse_back(queries, together_queries,
                                                           together_sets, dialect):
    # DuckDB's SQL is what every other test executes; the last test below also compiles it
    shapes = {query_shape(spec_of(name)) for name in REPRESENTATIVE}
    chosen = {name: q for name, q in queries.items() if query_shape(spec_of(name)) in shapes}
    assert len(chosen) == len(shapes) >= 6
    sets = representative_sets(together_sets)  # the applicants and two Dublin pairs
    assert "MIGR_ASYAPPCTZM" in sets and len(sets) >= 3
    chosen |= {f"{name} (counted together)": together_queries[name] for name in sets}
    problems = _problems(chosen, dialect)
    assert not problems, "\n".join(problems)


@pytest.mark.full
@pytest.mark.parametrize("dialect", ["mssql", "oracle", "postgres", "trino"])
def test_every_dataflow_compiles_and_parses_back(queries, dialect):
    # compiling the 37 query shapes takes about 30 s per dialect on 2 cores
    problems = _problems(queries, dialect)
    assert not problems, "\n".join(problems)


@pytest.mark.full
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
