"""The warehouse *as of* one instant (dwh-contract.md, "System versioning"; statistics.md,
"Warehouse faults").

The as-of view of a table holds the rows with ``recorded_at <= T`` and (``retired_at`` NULL or
``> T``). When several versions of one key are visible, the one with the latest ``recorded_at``
is used; when several share that latest ``recorded_at``, the key is *ambiguous* and treated as
missing. Everything here is an Ibis expression: it runs inside the engine.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
from ibis import _

from asylstat.codes import Mapper
from asylstat.warehouse.connect import Warehouse
from asylstat.warehouse.contract import contract_tables, key_column

log = logging.getLogger(__name__)

_VERSION_COLUMNS = ("recorded_at", "retired_at")


def visible_versions(raw: ibis.Table, as_of: datetime) -> ibis.Table:
    """Rows of ``raw`` visible at ``as_of`` (every visible version, duplicates included)."""
    instant = ibis.literal(as_of, type="timestamp")
    return raw.filter(_.recorded_at <= instant, _.retired_at.isnull() | (_.retired_at > instant))


def resolve_versions(visible: ibis.Table, key: str) -> ibis.Table:
    """One row per key: the latest ``recorded_at``; a key whose latest ``recorded_at`` is shared
    by several rows is dropped (ambiguous: treated as missing).

    One window, one sort: within each key, newest first, the first row is kept unless the
    next row has the same ``recorded_at`` (a tie on the latest). Two windows (the latest per
    key, then the rows per key at it) give the same rows 2.5x slower at scale 25."""
    newest_first = ibis.window(group_by=visible[key], order_by=visible.recorded_at.desc())
    ranked = visible.mutate(_rank=ibis.row_number().over(newest_first),
                            _next=visible.recorded_at.lead().over(newest_first))
    return ranked.filter(ranked._rank == 0,
                         ranked._next.isnull() | (ranked._next != ranked.recorded_at)
                         ).drop("_rank", "_next")


#: every :func:`shared` derivation by key, for :meth:`Snapshot.write_shared`
SHARED: dict[str, Callable[[Snapshot], ibis.Table]] = {}

#: the alias under which a shared snapshot file is attached to a DuckDB connection
SHARED_CATALOG = "asylstat_shared"
_SHARED_DB = (SHARED_CATALOG, "main")
_SHARED_ABOUT = "asylstat_snapshot"


def shared(builder: Callable[[Snapshot], ibis.Table]) -> Callable[[Snapshot], ibis.Table]:
    """Decorator for a derivation used by many tables (``persons(snap)``,
    ``applications(snap)``): computed once per snapshot and materialised in the engine, so
    that every statistic built on it reads a small table instead of recompiling it."""
    key = f"{builder.__module__}.{builder.__qualname__}"
    SHARED[key] = builder

    @functools.wraps(builder)
    def wrapper(snap: Snapshot) -> ibis.Table:
        return snap.derived(key, builder)

    return wrapper


def _derived_name(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.rsplit(".", 1)[-1].lower())[:40]


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


class Snapshot:
    """The warehouse as of ``as_of``: resolved tables and code mappings, built lazily."""

    def __init__(self, warehouse: Warehouse, as_of: datetime, *, materialise: bool = True,
                 shared_file: Path | None = None) -> None:
        self.warehouse = warehouse
        self.as_of = as_of
        self.materialise = materialise
        self._tables: dict[str, ibis.Table] = {}
        self._derived: dict[str, ibis.Table] = {}
        self._codes: dict[tuple[str, str], dict[str | None, str]] = {}
        #: small results computed from this snapshot and shared by the run's stages, by the
        #: key of the module that keeps them (the cube builder's counts per period: the
        #: report's tables and the comparisons of the output warnings count earlier periods
        #: of the same tables once)
        self.memo: dict[str, Any] = {}
        #: how each table this snapshot made (or attached) in the engine was defined, by its
        #: name in the engine: the as-of views and shared derivations that the queries read
        #: (:mod:`asylstat.queries` shows them beside each table's query, for the audit trail)
        self.sources: dict[str, Callable[[], ibis.Table]] = {}
        self._writing_shared = False
        self._shared_attached = False
        if shared_file is not None:
            self._attach_shared(shared_file)

    # ------------------------------------------------------------ the shared snapshot file
    # A production run on DuckDB computes the shared derivations once, into a DuckDB file of
    # its staging area, and its notebooks attach that file read-only instead of each
    # computing them again (docs/engines.md, "The shared snapshot"). The file holds resolved
    # warehouse records: the run deletes it when it ends.

    def write_shared(self, path: Path) -> None:
        """Compute every :func:`shared` derivation into the new DuckDB file ``path``, then use
        it read-only as the notebooks will (DuckDB warehouses only). The modules declaring
        them must have been imported (``asylstat.domains.all_domains()`` does it)."""
        if not SHARED:
            raise RuntimeError("no shared derivation is declared: import the dataflows first "
                               "(asylstat.domains.all_domains())")
        con = self.warehouse.con
        con.raw_sql(f"ATTACH '{_sql_path(path)}' AS {SHARED_CATALOG} (READ_WRITE)")
        self._writing_shared = True
        try:
            for key, builder in sorted(SHARED.items()):
                self.derived(key, builder)
            about = ibis.memtable({"as_of": [self.as_of.isoformat()],
                                   "warehouse": [self.warehouse.url]})
            con.create_table(_SHARED_ABOUT, about, database=_SHARED_DB)
        finally:
            self._writing_shared = False
            con.raw_sql(f"DETACH {SHARED_CATALOG}")
        self._derived.clear()
        self._attach_shared(path)

    def detach_shared(self) -> None:
        """Stop using the shared snapshot file (before the run removes it)."""
        if self._shared_attached:
            self._derived.clear()
            self.warehouse.con.raw_sql(f"DETACH {SHARED_CATALOG}")
            self._shared_attached = False

    def _attach_shared(self, path: Path) -> None:
        con = self.warehouse.con
        con.raw_sql(f"ATTACH '{_sql_path(path)}' AS {SHARED_CATALOG} (READ_ONLY)")
        self._shared_attached = True
        about = con.table(_SHARED_ABOUT, database=_SHARED_DB).to_pyarrow().to_pylist()
        if about != [{"as_of": self.as_of.isoformat(), "warehouse": self.warehouse.url}]:
            raise ValueError(f"the shared snapshot {path} was made for {about}, not for "
                             f"{self.warehouse.url} as of {self.as_of.isoformat()}")
        present = set(con.list_tables(database=_SHARED_DB))
        for key, builder in SHARED.items():
            if _derived_name(key) in present:
                self._derived[key] = con.table(_derived_name(key), database=_SHARED_DB)
                self.sources[_derived_name(key)] = functools.partial(builder, self)
        log.info("using the run's shared snapshot %s (%d derivations)", path,
                 len(self._derived))

    def visible(self, name: str) -> ibis.Table:
        """Every version of ``name`` visible at ``as_of`` (for data-quality counts)."""
        return visible_versions(self.warehouse.raw(name), self.as_of)

    def view(self, name: str) -> ibis.Table:
        """The as-of view of a contract table, one row per key, version columns dropped, as a
        lazy expression: for a derivation that is itself materialised (:func:`shared`), so
        that the large tables are written to the engine once per snapshot, not twice."""
        if name not in contract_tables():
            raise KeyError(f"{name} is not a contract table")
        return resolve_versions(self.visible(name), key_column(name)).drop(*_VERSION_COLUMNS)

    def table(self, name: str) -> ibis.Table:
        """The as-of view of a contract table (:meth:`view`), materialised once."""
        if name not in self._tables:
            self._tables[name] = self._materialised(name, self.view(name))
        return self._tables[name]

    def derived(self, key: str, builder: Callable[[Snapshot], ibis.Table]) -> ibis.Table:
        """``builder(self)``, built once and materialised (see :func:`shared`)."""
        if key not in self._derived:
            name = _derived_name(key)
            if self._writing_shared:
                self._derived[key] = self.warehouse.con.create_table(
                    name, builder(self), database=_SHARED_DB)
            else:
                self._derived[key] = self._materialised(name, builder(self))
        return self._derived[key]

    def _materialised(self, name: str, view: ibis.Table) -> ibis.Table:
        """The as-of view computed once into a session-local temporary table of the engine
        (never a warehouse table), so that every statistic reads a small resolved table
        instead of resolving versions again. Falls back to the lazy view when the engine or
        the account does not allow temporary tables."""
        if not self.materialise:
            return view
        temp_name = f"asylstat_{name}_{uuid.uuid4().hex[:8]}".lower()
        try:
            made = self.warehouse.con.create_table(temp_name, view, temp=True)
            self.sources[temp_name] = lambda: view
            return made
        except Exception as exc:  # engines differ in what they refuse; the view still works
            log.warning("cannot materialise the as-of view of %s (%s: %s); reading it lazily",
                        name, type(exc).__name__, exc)
            self.materialise = False
            return view

    def distinct_raw(self, name: str, column: str) -> list[str | None]:
        """The distinct raw values of a code column among the versions visible at ``as_of``
        (a small list; a superset of the as-of view's values, read without resolving the
        versions: a mapping for a value the view does not hold is never used)."""
        values = self.visible(name).select(column).distinct().to_pyarrow()
        return sorted(values.column(0).to_pylist(), key=lambda v: (v is None, v or ""))

    def code_map(self, name: str, column: str, mapper: Mapper) -> dict[str | None, str]:
        """``{raw value: code}`` for every raw value present, by the pure ``mapper``."""
        key = (name, column, mapper.__qualname__, id(mapper))
        if key not in self._codes:
            self._codes[key] = {raw: mapper(raw) for raw in self.distinct_raw(name, column)}
        return self._codes[key]

    def with_codes(self, table: ibis.Table, name: str,
                   **codes: tuple[str, Mapper]) -> ibis.Table:
        """``table`` with one code column per keyword: ``out=(column, mapper)`` puts the code
        of ``table[column]`` by ``mapper`` into ``out`` (which may replace ``column``).

        The mapping is computed in Python over the distinct raw values (exact ``str.strip()``
        semantics on every engine) and applied in the engine as a left join with a small
        mapping table: one hash probe per row however many raw variants there are (a CASE
        with one branch per variant costs 13x more on a citizenship column of ~900 variants).
        """
        for out, (column, mapper) in codes.items():
            mapping = self.code_map(name, column, mapper)
            default = mapper(None)
            pairs = {raw: code for raw, code in mapping.items()
                     if raw is not None and code != default}
            if not pairs:
                table = table.mutate(**{out: ibis.literal(default, type="string")})
                continue
            raw_col, code_col = f"_raw_{out}", f"_code_{out}"
            lookup = ibis.memtable({raw_col: list(pairs), code_col: list(pairs.values())},
                                   schema={raw_col: "string", code_col: "string"})
            joined = table.left_join(lookup, table[column] == lookup[raw_col])
            table = joined.mutate(**{out: joined[code_col].fill_null(default)}).drop(
                raw_col, code_col)
        return table
