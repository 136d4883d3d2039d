"""The SQL behind each table: what the engine ran to count it (issue 15, "How it is computed").

A table's figures come from one engine query (:func:`table_query`): the cube builder's count
(:func:`asylstat.cube.base_query`, or the one query of its :class:`~asylstat.cube.CountedTogether`
set) or a duration table's frequency table (:func:`asylstat.measures.durations_query`),
built for the periods the run makes the table for. The query reads tables the snapshot made
in the engine beforehand (the as-of views of the contract tables, the shared derivations)
and small in-memory tables (code mappings, period bounds); :func:`views_sql` gives the
definition of each of those, so that the audit trail shows everything that was counted.

The text is made deterministic (:func:`normalise`): the random parts of temporary-table and
in-memory-table names are replaced by stable ones, so that two runs with the same code and
parameters show the same SQL (``asylstat verify`` compares the workbook cell by cell).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.operations as ops

from asylstat.cube import CubeSpec, base_query, counted_together, records_for
from asylstat.declaration import TableSpec
from asylstat.domains import periods_due
from asylstat.measures import DurationSpec, durations_query
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot

#: a temporary table made by the snapshot: ``asylstat_<name>_<8 hex digits>``
_TEMP = re.compile(r"\basylstat_([a-z0-9_]+)_[0-9a-f]{8}\b")
#: an in-memory table as Ibis names it (a random suffix per process)
_MEMTABLE = re.compile(r"\bibis_[a-z]+_memtable_[a-z0-9]+\b")
#: DuckDB's ``* EXCLUDE (...)``: Ibis lists the dropped columns in set order, which changes
#: from one process to the next (string hashing); the order means nothing
_EXCLUDE = re.compile(r"EXCLUDE \(([^()]*)\)")
#: a table named in a query: a quoted identifier, possibly qualified
_NAMED = re.compile(r'"asylstat_shared"\."main"\."([a-z0-9_]+)"|"(asylstat_[a-z0-9_]+)"')


@dataclass(frozen=True)
class QueryText:
    """A table's query as SQL, and the definitions of the engine tables it reads."""

    sql: str
    #: name in ``sql`` (normalised) → the SQL that defined it, or a description of an
    #: in-memory table; in the order a reader needs them (each after what reads it)
    views: tuple[tuple[str, str], ...] = ()

    def script(self) -> str:
        """One SQL text: the query, then each engine table it reads with its definition."""
        parts = [f"-- the query that counted the table\n{self.sql}"]
        parts += [f"-- {name}: a table the engine made before the query, as\n{sql}"
                  if not sql.startswith("--") else f"-- {name}:\n{sql}"
                  for name, sql in self.views]
        return "\n\n".join(parts) + "\n"


def run_periods(spec: TableSpec, period: Period) -> list[Period]:
    """Every period a run of ``period`` makes ``spec`` for, in one list (one query)."""
    return [p for group in periods_due(spec, period) for p in group]


def table_query(spec: CubeSpec | DurationSpec, snap: Snapshot,
                periods: Sequence[Period]) -> ibis.Table:
    """The engine query that counts ``spec`` for ``periods`` (not executed)."""
    if isinstance(spec, DurationSpec):
        return durations_query(spec, snap, periods)
    together = counted_together(spec)
    if together is not None:
        return together.query(snap, periods)
    return base_query(spec, records_for(spec.records, snap, periods))


def _memtable_names(expr: ibis.Table) -> dict[str, str]:
    """The random name of each in-memory table of ``expr`` → a stable name from its
    content (the same table gets the same name in every run)."""
    out = {}
    for op in expr.op().find(ops.InMemoryTable):
        frame = op.data.to_frame()
        digest = hashlib.sha256(
            (",".join(frame.columns) + "\n" + frame.to_csv(index=False)).encode()).hexdigest()
        out[op.name] = f"memtable_{digest[:10]}"
    return out


def normalise(sql: str, memtables: dict[str, str]) -> str:
    """``sql`` the same in every run: temporary tables without their random suffix, in-memory
    tables named by a digest of their content, the columns of each ``EXCLUDE`` sorted."""
    sql = _MEMTABLE.sub(lambda m: memtables.get(m.group(0), "memtable"), sql)
    sql = _EXCLUDE.sub(lambda m: "EXCLUDE (" + ", ".join(
        sorted(c.strip() for c in m.group(1).split(","))) + ")", sql)
    return _TEMP.sub(lambda m: f"asylstat_{m.group(1)}", sql)


def _describe_memtable(op: ops.InMemoryTable) -> str:
    frame = op.data.to_frame()
    return (f"-- an in-memory table made by the code (a code mapping or period bounds): "
            f"{len(frame)} row(s), columns {', '.join(frame.columns)}")


def query_text(expr: ibis.Table, snap: Snapshot) -> QueryText:
    """``expr`` compiled for the snapshot's engine, and every engine table it reads
    (recursively) with its own definition, all with stable names."""
    memtables: dict[str, str] = {}
    described: dict[str, str] = {}

    def compile_(e: ibis.Table) -> str:
        names = _memtable_names(e)
        memtables.update(names)
        for op in e.op().find(ops.InMemoryTable):
            described.setdefault(names[op.name], _describe_memtable(op))
        return normalise(ibis.to_sql(e), memtables)

    sql = compile_(expr)
    sources = {_TEMP.sub(lambda m: f"asylstat_{m.group(1)}", name): thunk
               for name, thunk in snap.sources.items()}
    views: dict[str, str] = {}
    pending = [sql]
    while pending:
        text = pending.pop(0)
        for match in _NAMED.finditer(text):
            name = match.group(1) or match.group(2)
            if name in views or name not in sources:
                continue
            views[name] = compile_(sources[name]())
            pending.append(views[name])
        for name in re.findall(r"\bmemtable_[0-9a-f]{10}\b", text):
            if name not in views and name in described:
                views[name] = described[name]
    return QueryText(sql=sql, views=tuple(views.items()))


def table_sql(spec: CubeSpec | DurationSpec, snap: Snapshot, period: Period) -> QueryText:
    """The query that counted ``spec`` in a run of ``period``, as :func:`query_text`."""
    return query_text(table_query(spec, snap, run_periods(spec, period)), snap)
