"""The warehouse contract (dwh-contract.md v2: the v1 tables and the two return tables
``return_decision`` and ``return_departure``), read from the packaged ``dwh_schema.sql``.

One source of truth: the DDL beside this module is the contract's own file; the table and
column lists used by the connection check are parsed from it, not typed again.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

#: the type families the statistics rely on; the check accepts any engine type of the family
TYPE_FAMILIES: dict[str, str] = {"BIGINT": "integer", "INTEGER": "integer", "VARCHAR": "string",
                                 "DATE": "date", "TIMESTAMP": "timestamp", "BOOLEAN": "boolean"}

_CREATE = re.compile(r"CREATE TABLE\s+\w+\.(\w+)\s*\((.*?)\);", re.S | re.I)
_COLUMN = re.compile(r"^\s*(\w+)\s+(\w+)", re.M)


def schema_sql(schema: str = "dwh") -> str:
    """The contract's DDL, for the schema named ``schema``."""
    text = (files("asylstat.warehouse") / "dwh_schema.sql").read_text(encoding="utf-8")
    return text.replace("dwh.", f"{schema}.").replace("SCHEMA IF NOT EXISTS dwh",
                                                      f"SCHEMA IF NOT EXISTS {schema}")


@cache
def contract_tables() -> dict[str, dict[str, str]]:
    """``{table: {column: contract type}}`` in the contract's order; the key is the first
    column of each table."""
    tables: dict[str, dict[str, str]] = {}
    for name, body in _CREATE.findall(schema_sql()):
        tables[name] = {col: typ.upper() for col, typ in _COLUMN.findall(body)}
    return tables


def key_column(table: str) -> str:
    """The table's key: its first column (dwh-contract.md, "System versioning")."""
    return next(iter(contract_tables()[table]))


def type_family(ibis_dtype: object) -> str:
    """The family of an Ibis data type, comparable with :data:`TYPE_FAMILIES`."""
    dt = ibis_dtype
    if getattr(dt, "is_integer", lambda: False)():
        return "integer"
    if getattr(dt, "is_decimal", lambda: False)() and getattr(dt, "scale", None) in (0, None):
        return "integer"  # NUMBER(19) on Oracle-like engines
    if getattr(dt, "is_string", lambda: False)():
        return "string"
    if getattr(dt, "is_timestamp", lambda: False)():
        return "timestamp"
    if getattr(dt, "is_date", lambda: False)():
        return "date"
    if getattr(dt, "is_boolean", lambda: False)():
        return "boolean"
    return str(dt)
