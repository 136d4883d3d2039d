"""Connect to a warehouse by URL and check it against the contract.

``duckdb:///relative.duckdb`` (relative to the working directory), ``duckdb:////abs.duckdb``,
``postgresql://user@host:port/dbname``. DuckDB files are opened read-only. Any other engine
Ibis supports can be added here without touching the statistics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import ibis
from ibis.backends import BaseBackend

from asylstat.params import redact_url
from asylstat.warehouse.contract import TYPE_FAMILIES, contract_tables, type_family

log = logging.getLogger(__name__)


class WarehouseError(RuntimeError):
    """The warehouse cannot be used: unreachable, or it breaks the contract's structure."""


class WarehouseUnreachable(WarehouseError):
    pass


class ContractViolation(WarehouseError):
    pass


@dataclass(frozen=True)
class Warehouse:
    """An open, contract-checked warehouse connection."""

    con: BaseBackend
    schema: str
    url: str  # without password

    def raw(self, table: str) -> ibis.Table:
        """A contract table as stored (every version of every row)."""
        return self.con.table(table, database=self.schema)


def duckdb_path(url: str) -> Path:
    """The file of a ``duckdb:///`` URL (three slashes relative, four absolute)."""
    rest = url[len("duckdb:///"):]
    return Path(unquote(rest))


def connect(url: str, schema: str = "dwh") -> Warehouse:
    """Open the warehouse read-only and check its structure; raise :class:`WarehouseError`."""
    shown = redact_url(url)
    try:
        if url.startswith("duckdb:///"):
            path = duckdb_path(url)
            if not path.is_file():
                raise WarehouseUnreachable(f"the warehouse file {path} does not exist")
            con = ibis.duckdb.connect(str(path), read_only=True)
        elif url.startswith(("postgresql://", "postgres://")):
            parts = urlparse(url)
            con = ibis.postgres.connect(
                host=parts.hostname or "localhost", port=parts.port or 5432,
                user=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                database=(parts.path or "/").lstrip("/") or None)
        else:
            raise WarehouseUnreachable(f"no engine for the warehouse URL {shown}")
    except WarehouseError:
        raise
    except Exception as exc:  # the drivers raise many kinds; all mean "cannot reach it"
        raise WarehouseUnreachable(f"cannot open the warehouse {shown}: "
                                   f"{type(exc).__name__}: {exc}") from exc
    problems = contract_problems(con, schema)
    if problems:
        raise ContractViolation(
            f"the warehouse {shown} (schema {schema}) breaks the contract: "
            + "; ".join(problems))
    log.info("connected to %s (schema %s), contract tables present", shown, schema)
    return Warehouse(con=con, schema=schema, url=shown)


def contract_problems(con: BaseBackend, schema: str) -> list[str]:
    """Every table or column of the contract that is missing or of the wrong type."""
    problems: list[str] = []
    try:
        present = set(con.list_tables(database=schema))
    except Exception as exc:
        return [f"schema {schema!r} cannot be listed ({type(exc).__name__}: {exc})"]
    for table, columns in contract_tables().items():
        if table not in present:
            problems.append(f"table {schema}.{table} is missing")
            continue
        actual = con.table(table, database=schema).schema()
        missing = [c for c in columns if c not in actual]
        if missing:
            problems.append(f"{schema}.{table} lacks column(s) {', '.join(missing)}")
        for col, typ in columns.items():
            if col in actual and type_family(actual[col]) != TYPE_FAMILIES[typ]:
                problems.append(f"{schema}.{table}.{col} is {actual[col]}, "
                                f"the contract says {typ}")
    return problems
