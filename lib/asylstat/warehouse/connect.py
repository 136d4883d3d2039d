"""Connect to a warehouse by URL and check it against the contract.

``duckdb:///relative.duckdb`` (relative to the working directory), ``duckdb:////abs.duckdb``,
``postgresql://user@host:port/dbname``, ``spark://local`` or ``spark://host:7077`` (Apache
Spark: see :func:`connect_spark` and docs/engines.md). DuckDB files are opened read-only; the
environment variables ``ASYLSTAT_DUCKDB_MEMORY_LIMIT`` (e.g. ``1GB``) and
``ASYLSTAT_DUCKDB_THREADS`` bound DuckDB's memory and threads. Any other engine Ibis supports
can be added here without touching the statistics.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

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
    #: where the contract tables are for Ibis: the schema, or (DuckDB) ``(catalog, schema)``
    database: str | tuple[str, str] | None = None

    def raw(self, table: str) -> ibis.Table:
        """A contract table as stored (every version of every row)."""
        return self.con.table(table, database=self.database or self.schema)


def duckdb_path(url: str) -> Path:
    """The file of a ``duckdb:///`` URL (three slashes relative, four absolute)."""
    rest = url[len("duckdb:///"):]
    return Path(unquote(rest))


@functools.cache
def duckdb_spill_folder() -> str:
    """A folder of this process's own for DuckDB's spill files (removed when the process
    ends). DuckDB's default, ``<file>.duckdb.tmp`` beside the warehouse, is shared by every
    process reading the file — the run's notebooks run side by side — and one process
    removing or reusing another's spill files kills it."""
    parent = os.environ.get("ASYLSTAT_DUCKDB_TEMP_DIRECTORY") or tempfile.gettempdir()
    folder = tempfile.mkdtemp(prefix=f"asylstat-duckdb-{os.getpid()}-", dir=parent)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def duckdb_settings() -> dict[str, str]:
    """DuckDB settings: a spill folder of the process's own (:func:`duckdb_spill_folder`),
    and from the environment ``ASYLSTAT_DUCKDB_MEMORY_LIMIT`` (``memory_limit``, e.g.
    ``1GB``; DuckDB spills to disk beyond it) and ``ASYLSTAT_DUCKDB_THREADS``."""
    settings = {"temp_directory": duckdb_spill_folder()}
    if os.environ.get("ASYLSTAT_DUCKDB_MEMORY_LIMIT"):
        settings["memory_limit"] = os.environ["ASYLSTAT_DUCKDB_MEMORY_LIMIT"]
    if os.environ.get("ASYLSTAT_DUCKDB_THREADS"):
        settings["threads"] = os.environ["ASYLSTAT_DUCKDB_THREADS"]
    return settings


def spark_master(url: str) -> str:
    """The Spark master of a ``spark://`` URL: ``spark://local`` is local mode on
    ``cores`` threads (``?cores=2``, the default), anything else a Spark standalone master
    (``spark://host:7077``)."""
    parts = urlparse(url)
    if parts.hostname == "local":
        cores = parse_qs(parts.query).get("cores", ["2"])[0]
        if cores != "*" and not cores.isdigit():
            raise WarehouseUnreachable(f"cores={cores!r} in {url}: a number or *")
        return f"local[{cores}]"
    return f"spark://{parts.netloc}"


def connect_spark(url: str, schema: str) -> BaseBackend:
    """An Ibis connection to Spark, the warehouse in the database ``schema`` of the session's
    catalog (on a cluster: a Hive metastore configured in ``spark-defaults.conf``).

    ``?warehouse=/absolute/path.duckdb`` first copies a DuckDB warehouse into that database
    (through Parquet; for tests and demonstrations, see :func:`asylstat.warehouse.load.
    load_spark`); ``?cores=N`` sets local mode's threads. Spark runs with the UTC time zone.
    """
    from pyspark.sql import SparkSession

    from asylstat.warehouse.load import load_spark

    query = parse_qs(urlparse(url).query)
    unknown = set(query) - {"warehouse", "cores"}
    if unknown:
        raise WarehouseUnreachable(f"unknown option(s) {sorted(unknown)} in the Spark URL")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # before the JVM starts
    builder = SparkSession.builder.master(spark_master(url)).appName("asylstat")
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if "warehouse" in query:
        source = Path(query["warehouse"][0])
        if not source.is_absolute() or not source.is_file():
            raise WarehouseUnreachable(f"warehouse={source}: not an existing absolute path "
                                       "to a DuckDB file")
        load_spark(source, session, schema)
    return spark_backend().connect(session)


#: Spark settings of a workbench session (a cluster's own settings come from its
#: spark-defaults.conf; these only fix what the statistics rely on or what is noise)
SPARK_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}


def spark_backend() -> Any:
    """Ibis' PySpark backend, with the session-local temporary tables it lacks: a temporary
    view over a locally checkpointed result (computed once, kept by the executors), which is
    what :class:`~asylstat.warehouse.snapshot.Snapshot` materialises its as-of views into."""
    import ibis.expr.types as ir
    from ibis.backends.pyspark import Backend

    class SparkBackend(Backend):  # type: ignore[misc]
        def create_table(self, name: str, /, obj: Any = None, *, temp: bool | None = None,
                         **kwargs: Any) -> ir.Table:
            if not temp or obj is None or kwargs.get("database") is not None:
                return super().create_table(name, obj, temp=temp, **kwargs)
            table = obj if isinstance(obj, ir.Expr) else ibis.memtable(obj)
            self._run_pre_execute_hooks(table)
            frame = self._session.sql(self.compile(table)).localCheckpoint(eager=True)
            frame.createOrReplaceTempView(name)
            return self.table(name)

    return SparkBackend()


def connect(url: str, schema: str = "dwh") -> Warehouse:
    """Open the warehouse read-only and check its structure; raise :class:`WarehouseError`."""
    shown = redact_url(url)
    database: str | tuple[str, str] = schema
    try:
        if url.startswith("duckdb:///"):
            path = duckdb_path(url)
            if not path.is_file():
                raise WarehouseUnreachable(f"the warehouse file {path} does not exist")
            con = ibis.duckdb.connect(str(path), read_only=True, **duckdb_settings())
            # DuckDB names the file's catalog after the file: ``dwh.duckdb`` is catalog
            # ``dwh``, and a bare ``dwh.person`` would be ambiguous with the schema ``dwh``
            database = (con.current_catalog, schema)
        elif url.startswith(("postgresql://", "postgres://")):
            parts = urlparse(url)
            con = ibis.postgres.connect(
                host=parts.hostname or "localhost", port=parts.port or 5432,
                user=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                database=(parts.path or "/").lstrip("/") or None)
        elif url.startswith("spark://"):
            con = connect_spark(url, schema)
        else:
            raise WarehouseUnreachable(f"no engine for the warehouse URL {shown}")
    except WarehouseError:
        raise
    except Exception as exc:  # the drivers raise many kinds; all mean "cannot reach it"
        raise WarehouseUnreachable(f"cannot open the warehouse {shown}: "
                                   f"{type(exc).__name__}: {exc}") from exc
    problems = contract_problems(con, schema, database)
    if problems:
        raise ContractViolation(
            f"the warehouse {shown} (schema {schema}) breaks the contract: "
            + "; ".join(problems))
    log.info("connected to %s (schema %s), contract tables present", shown, schema)
    return Warehouse(con=con, schema=schema, url=shown, database=database)


def contract_problems(con: BaseBackend, schema: str,
                      database: str | tuple[str, str] | None = None) -> list[str]:
    """Every table or column of the contract that is missing or of the wrong type
    (``database``: where Ibis finds ``schema``, see :class:`Warehouse`)."""
    problems: list[str] = []
    database = database or schema
    try:
        present = set(con.list_tables(database=database))
    except Exception as exc:
        return [f"schema {schema!r} cannot be listed ({type(exc).__name__}: {exc})"]
    for table, columns in contract_tables().items():
        if table not in present:
            problems.append(f"table {schema}.{table} is missing")
            continue
        actual = con.table(table, database=database).schema()
        missing = [c for c in columns if c not in actual]
        if missing:
            problems.append(f"{schema}.{table} lacks column(s) {', '.join(missing)}")
        for col, typ in columns.items():
            if col in actual and type_family(actual[col]) != TYPE_FAMILIES[typ]:
                problems.append(f"{schema}.{table}.{col} is {actual[col]}, "
                                f"the contract says {typ}")
    return problems
