"""Build a synthetic, contract-conformant eMigration warehouse as a DuckDB file."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from ._faults import plant_faults
from ._generate import generate
from ._returns import RETURN_STREAM, generate_returns, plant_return_faults
from ._write import TABLE_COLUMNS, schema_ddl, write_table

log = logging.getLogger(__name__)

#: the catalog name under which the file being built is attached (see build_warehouse)
BUILD_CATALOG = "asylstat_synthetic_build"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class SyntheticReport:
    """What was built.

    row_counts      rows per table, all versions included
    planted_faults  fault class → exact number planted (definitions in docs/synthetic.md)
    """

    row_counts: dict[str, int]
    planted_faults: dict[str, int]


def build_warehouse(
    path: str | Path, *, scale: float = 1.0, seed: int = 8622007, schema: str = "dwh",
) -> SyntheticReport:
    """Generate a synthetic warehouse into the DuckDB file ``path`` (replaced atomically; its
    folder is created when absent).

    The content depends only on ``scale`` and ``seed``: same arguments, same tables. Any file
    name works: DuckDB names a database file's catalog after the file (``dwh.duckdb`` is
    catalog ``dwh``), which would make ``dwh.person`` ambiguous with the schema ``dwh``, so the
    file is written through an attachment under a catalog name of its own
    (:data:`BUILD_CATALOG`).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    log.info("generating synthetic warehouse: scale=%s seed=%s", scale, seed)
    world = generate(rng, scale)
    faults = plant_faults(rng, world)
    # the return tables (contract v2) come last, from a stream of their own: every v1 table
    # stays exactly what it was before they existed
    returns_rng = np.random.Generator(np.random.PCG64([seed, RETURN_STREAM]))
    generate_returns(returns_rng, world, scale)
    faults = dict(sorted({**faults, **plant_return_faults(returns_rng, world)}.items()))
    counts: dict[str, int] = {}
    try:
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"ATTACH {_sql_string(str(tmp))} AS {BUILD_CATALOG}")
            con.execute(f"USE {BUILD_CATALOG}")
            con.execute(schema_ddl(schema))
            for table in TABLE_COLUMNS:
                counts[table] = write_table(con, world, table, schema)
            con.execute(f"CHECKPOINT {BUILD_CATALOG}")
            con.execute("USE memory")
            con.execute(f"DETACH {BUILD_CATALOG}")
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    log.info("synthetic warehouse written to %s", path)
    return SyntheticReport(row_counts=counts, planted_faults=faults)
