"""System versioning of entity rows and writing them into DuckDB through Arrow, in chunks.

An entity row carries its values in their final state plus timestamps: ``_t0`` (first
version recorded), ``_t<column>`` (the column's value became known then; before, the version
shows NULL), ``_tfix`` with ``_old_<column>`` (before the correction the version shows the old
value) and ``_tdel`` (the last version is retired then, without successor). ``NO_TIME`` means
"no such event".
"""

from __future__ import annotations

import importlib.resources
import logging
import re

import duckdb
import numpy as np
import pyarrow as pa

from ._util import NA_BOOL, NA_CODE, NA_DATE, NA_ID, NO_TIME, Columns, World

log = logging.getLogger(__name__)

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "sex", "birth_date", "citizenship"),
    "application": ("application_id", "person_id", "principal_application_id", "legal_type",
                    "channel", "presented_date", "registered_date", "lodged_date", "procedure",
                    "unaccompanied_minor", "dublin_closed_date"),
    "decision": ("decision_id", "application_id", "instance", "decision_date", "outcome",
                 "rejection_ground", "final_date"),
    "appeal": ("appeal_id", "application_id", "decision_id", "lodged_date",
               "appeal_decision_id"),
    "withdrawal": ("withdrawal_id", "application_id", "withdrawal_date", "kind"),
    "dublin_request": ("request_id", "direction", "partner_country", "person_id",
                       "application_id", "request_type", "legal_basis", "eurodac_hit",
                       "unaccompanied_minor", "reexamination_of", "request_date", "reply",
                       "reply_date", "transfer_deadline"),
    "dublin_transfer": ("transfer_id", "request_id", "transfer_date"),
    "dublin_unilateral": ("unilateral_id", "person_id", "application_id", "partner_country",
                          "decision_date", "legal_basis"),
    "return_decision": ("return_decision_id", "person_id", "application_id", "decision_date",
                        "ground", "voluntary_departure_days", "unaccompanied_minor",
                        "withdrawn_date"),
    "return_departure": ("departure_id", "person_id", "return_decision_id", "departure_date",
                         "return_type", "assisted", "destination_country", "confirmed"),
}
CHUNK = 1_000_000


def schema_ddl(schema: str) -> str:
    """The contract DDL (packaged copy) with the schema name substituted."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise ValueError(f"invalid schema name: {schema!r}")
    text = (importlib.resources.files("asylstat.warehouse") / "dwh_schema.sql").read_text(
        encoding="utf-8")
    return re.sub(r"\bdwh\b", schema, text)


def version_rows(cols: Columns, columns: tuple[str, ...]) -> tuple[Columns, np.ndarray,
                                                                    np.ndarray]:
    """Expand entity rows into versions: (values, recorded_at, retired_at) in seconds."""
    n = len(cols["_t0"])
    late = [c for c in columns if f"_t{c}" in cols]
    times = [cols["_t0"], *(cols[f"_t{c}"] for c in late)]
    if "_tfix" in cols:
        times.append(cols["_tfix"])
    m = np.sort(np.stack(times, axis=1), axis=1)
    same = np.zeros_like(m, dtype=bool)
    same[:, 1:] = m[:, 1:] == m[:, :-1]
    m[same] = NO_TIME
    m = np.sort(m, axis=1)
    valid = m != NO_TIME
    ent = np.repeat(np.arange(n), valid.sum(axis=1))
    start = m[valid]
    nxt = np.concatenate([m[:, 1:], np.full((n, 1), NO_TIME)], axis=1)[valid]
    end = np.where(nxt == NO_TIME, cols["_tdel"][ent], nxt)
    out: Columns = {}
    for c in columns:
        v = cols[c][ent]
        if c in late:
            t = cols[f"_t{c}"][ent]
            v = np.where((t != NO_TIME) & (start < t), _na(v), v)
        if f"_old_{c}" in cols:
            t = cols["_tfix"][ent]
            v = np.where((t != NO_TIME) & (start < t), cols[f"_old_{c}"][ent], v)
        out[c] = v.astype(cols[c].dtype)
    return out, start, end


def _na(v: np.ndarray) -> np.generic:
    if v.dtype == np.int8:
        return NA_BOOL
    if v.dtype == np.int16:
        return NA_CODE
    if v.dtype == np.int32:
        return NA_DATE
    if v.dtype == np.int64:
        return NA_ID
    raise TypeError(f"column of dtype {v.dtype} cannot be NULL")


def to_arrow(world: World, table: str, values: Columns, start: np.ndarray,
             end: np.ndarray) -> pa.Table:
    """Arrow table of version rows (codes decoded, NULL sentinels masked)."""
    arrays, names = [], []
    for c, v in values.items():
        if v.dtype == np.int16:
            words = pa.array(world.vocab[(table, c)], type=pa.string())
            arr = words.take(pa.array(v, mask=v < 0))
        elif v.dtype == np.int32:
            arr = pa.array(v, type=pa.date32(), mask=v == NA_DATE)
        elif v.dtype == np.int64:  # identifiers, and counts such as voluntary_departure_days
            arr = pa.array(v, type=pa.int64(), mask=v == NA_ID)
        elif v.dtype == np.int8:  # a nullable boolean: 1 true, 0 false, NA_BOOL NULL
            arr = pa.array(v == 1, type=pa.bool_(), mask=v == NA_BOOL)
        else:
            arr = pa.array(v, type=pa.bool_())
        arrays.append(arr)
        names.append(c)
    arrays.append(pa.array(start * 1_000_000, type=pa.timestamp("us")))
    arrays.append(pa.array(np.where(end == NO_TIME, 0, end) * 1_000_000,
                           type=pa.timestamp("us"), mask=end == NO_TIME))
    names += ["recorded_at", "retired_at"]
    return pa.Table.from_arrays(arrays, names=names)


def write_table(con: duckdb.DuckDBPyConnection, world: World, table: str, schema: str) -> int:
    """Version, sort (key, recorded_at) and insert one table; returns the number of rows."""
    cols = world.tables[table]
    columns = TABLE_COLUMNS[table]
    key = cols[columns[0]]
    order = np.lexsort((cols["_t0"], key))
    total = 0
    select = ", ".join((*columns, "recorded_at", "retired_at"))
    for lo in range(0, len(order), CHUNK):
        idx = order[lo:lo + CHUNK]
        chunk = {k: v[idx] for k, v in cols.items()}
        values, start, end = version_rows(chunk, columns)
        o = np.lexsort((start, values[columns[0]]))
        values = {k: v[o] for k, v in values.items()}
        arrow = to_arrow(world, table, values, start[o], end[o])
        con.register("_synthetic_chunk", arrow)
        con.execute(f"INSERT INTO {schema}.{table} SELECT {select} FROM _synthetic_chunk")
        con.unregister("_synthetic_chunk")
        total += arrow.num_rows
    log.info("wrote %s: %d rows", table, total)
    return total
