"""Copy a warehouse (a DuckDB file, such as the synthetic demonstration warehouse) into another
engine: a PostgreSQL schema, or Parquet files that Spark reads.

This is a tool for tests, demonstrations and the benchmark, never part of a production run
(the workbench only reads its warehouse). The copy is exact: every row version of every
contract table, NULLs and empty strings kept apart, timestamps to the microsecond.

PostgreSQL: the schema is (re)created from the contract's DDL (``dwh_schema.sql``), then each
table is streamed with ``COPY … FROM STDIN`` (CSV written by DuckDB, read back in chunks).

    python -m asylstat.warehouse.load data/demo.duckdb postgresql://postgres@127.0.0.1:55432/asylstat
"""

from __future__ import annotations

import argparse
import atexit
import logging
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import duckdb

from asylstat.warehouse.contract import contract_tables, schema_sql

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CHUNK = 1 << 20


def _check_name(schema: str) -> str:
    if not _NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


def _no_progress_bar(con: duckdb.DuckDBPyConnection) -> None:
    """No DuckDB progress bar on the terminal; inside a Jupyter kernel DuckDB refuses the
    setting unless ipywidgets is installed, and draws no bar there anyway."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass


def pg_conninfo(url: str) -> dict[str, object]:
    """psycopg connection arguments of a ``postgresql://user[:password]@host[:port]/db`` URL
    (a password is better given by ``PGPASSWORD`` or a pgpass file)."""
    parts = urlparse(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://…")
    args: dict[str, object] = {"host": parts.hostname or "localhost",
                               "port": parts.port or 5432,
                               "dbname": unquote(parts.path.lstrip("/")) or "postgres"}
    if parts.username:
        args["user"] = unquote(parts.username)
    if parts.password:
        args["password"] = unquote(parts.password)
    return args


def load_postgres(source: Path, url: str, schema: str = "dwh",
                  source_schema: str = "dwh") -> dict[str, int]:
    """Replace the PostgreSQL schema ``schema`` by a copy of the DuckDB warehouse ``source``;
    returns the rows copied per table. The whole load is one transaction."""
    import psycopg

    _check_name(schema)
    _check_name(source_schema)
    counts: dict[str, int] = {}
    src = duckdb.connect(str(source), read_only=True)
    try:
        _no_progress_bar(src)
        with (tempfile.TemporaryDirectory(prefix="asylstat-load-") as tmp,
              psycopg.connect(**pg_conninfo(url)) as pg):  # type: ignore[arg-type]
            with pg.cursor() as cur:
                cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                cur.execute(schema_sql(schema))
                for table, columns in contract_tables().items():
                    started = time.perf_counter()
                    names = ", ".join(columns)
                    csv = Path(tmp) / f"{table}.csv"
                    # DuckDB writes NULL as an empty field and an empty string as "": the
                    # same convention as PostgreSQL's CSV format
                    src.execute(f"COPY (SELECT {names} FROM {source_schema}.{table}) "
                                f"TO '{csv}' (FORMAT csv, HEADER false, "
                                "TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')")
                    with (cur.copy(f"COPY {schema}.{table} ({names}) FROM STDIN "
                                   "(FORMAT csv)") as copy, csv.open("rb") as handle):
                        while chunk := handle.read(_CHUNK):
                            copy.write(chunk)
                    csv.unlink()
                    cur.execute(f"SELECT count(*) FROM {schema}.{table}")
                    row = cur.fetchone()
                    counts[table] = int(row[0]) if row else 0
                    log.info("copied %s.%s: %d rows in %.1f s", schema, table, counts[table],
                             time.perf_counter() - started)
                cur.execute("ANALYZE")
    finally:
        src.close()
    return counts


def export_parquet(source: Path, folder: Path, source_schema: str = "dwh") -> dict[str, Path]:
    """Each contract table of the DuckDB warehouse ``source`` as ``folder/<table>.parquet``
    (what Spark reads: see :func:`load_spark`)."""
    _check_name(source_schema)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    src = duckdb.connect(str(source), read_only=True)
    try:
        _no_progress_bar(src)
        for table, columns in contract_tables().items():
            target = folder / f"{table}.parquet"
            src.execute(f"COPY (SELECT {', '.join(columns)} FROM {source_schema}.{table}) "
                        f"TO '{target}' (FORMAT parquet)")
            files[table] = target
    finally:
        src.close()
    return files


def load_spark(source: Path, session: Any, schema: str = "dwh",
               source_schema: str = "dwh") -> dict[str, Path]:
    """Copy the DuckDB warehouse ``source`` into the database ``schema`` of a Spark session:
    each contract table as Parquet in a temporary folder (removed when the process ends),
    declared as a table over those files. Returns the Parquet file of each table."""
    _check_name(schema)
    folder = Path(tempfile.mkdtemp(prefix="asylstat-spark-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    files = export_parquet(source, folder, source_schema)
    session.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    for table, path in files.items():
        session.sql(f"DROP TABLE IF EXISTS {schema}.{table}")
        session.sql(f"CREATE TABLE {schema}.{table} USING parquet LOCATION '{path}'")
    log.info("copied %s into Spark (%s): %s", source, schema, ", ".join(files))
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m asylstat.warehouse.load",
        description="Copy a DuckDB warehouse into a PostgreSQL schema (replacing it).")
    parser.add_argument("source", type=Path, help="the DuckDB warehouse file")
    parser.add_argument("url", help="postgresql://user@host:port/dbname")
    parser.add_argument("--schema", default="dwh", help="target schema (default dwh)")
    parser.add_argument("--source-schema", default="dwh", help="schema in the DuckDB file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stderr)
    if not args.source.is_file():
        parser.error(f"{args.source} does not exist")
    counts = load_postgres(args.source, args.url, args.schema, args.source_schema)
    log.info("loaded %d rows into %s", sum(counts.values()), args.schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
