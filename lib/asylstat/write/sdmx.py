"""SDMX-CSV 2.0 transmission files (outputs.md, section "SDMX-CSV transmission files").

One file per dataflow::

    STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,<dimensions...>,geo,TIME_PERIOD,OBS_VALUE
    dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,Y18-34,FRST,BE,2024-07,41

UTF-8 without byte-order mark, comma-separated, minimal quoting, every line ending with LF.
Only non-zero cells are written, sorted by the dimension columns in file order then
``TIME_PERIOD``, comparing the codes as plain byte strings, so that the same figures always give
byte-identical files. ``OBS_VALUE`` must be a whole, non-negative number: a float (even ``41.0``),
a missing value or a negative number is a programming error upstream and raises ``ValueError``
rather than being silently converted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from numbers import Integral
from pathlib import Path

import pandas as pd

from asylstat.tables import Table
from asylstat.write.cells import Cell, csv_text

log = logging.getLogger(__name__)

STRUCTURE = "dataflow"
ACTION = "I"
AGENCY = "ESTAT"
#: the SDMX agency of each transmitted table kind (outputs.md: ``ESTAT:``, ``EUAA:``,
#: ``FRONTEX:``)
AGENCIES = {"eurostat": AGENCY, "euaa": "EUAA", "frontex": "FRONTEX"}
DATAFLOW_VERSION = "1.0"
GEO = "BE"
FREQUENCIES = frozenset({"M", "Q", "A"})

#: Columns the writer adds itself; a table dimension may not reuse one of these names.
RESERVED_COLUMNS = ("STRUCTURE", "STRUCTURE_ID", "ACTION", "freq", "unit", "geo",
                    "TIME_PERIOD", "OBS_VALUE")

__all__ = ["Cell", "code_sort_key", "sdmx_csv_text", "table_cells", "write_sdmx_csv"]


def structure_id(name: str, kind: str = "eurostat") -> str:
    """``ESTAT:<DATAFLOW>(1.0)`` (``EUAA:`` or ``FRONTEX:`` for those recipients' tables)."""
    return f"{AGENCIES[kind]}:{name}({DATAFLOW_VERSION})"


def _agency_kind(table: Table) -> str:
    """The recipient whose agency id a file names: a national or public table written in the
    SDMX-CSV layout is named as Eurostat's."""
    return table.kind if table.kind in AGENCIES else "eurostat"


def header_columns(table: Table) -> list[str]:
    """The header row of the table's SDMX-CSV file."""
    return ["STRUCTURE", "STRUCTURE_ID", "ACTION", "freq", "unit", *table.dimensions,
            "geo", "TIME_PERIOD", "OBS_VALUE"]


def code_sort_key(codes: Iterable[str]) -> tuple[bytes, ...]:
    """Sort key comparing codes as plain byte strings (``'TOTAL' < 'UNK' < 'Y14-17' < 'Y_LT14'``).

    Independent of locale and of any natural ordering; for ASCII codes it is Python's own string
    order, and UTF-8 bytes keep code-point order for anything else.
    """
    return tuple(code.encode("utf-8") for code in codes)


def _check_structure(table: Table) -> None:
    """Reject a table whose shape cannot make a well-formed file."""
    if not table.name or any(c in table.name for c in ',"\r\n():'):
        raise ValueError(f"table name {table.name!r} cannot be used as a dataflow id")
    clash = [d for d in table.dimensions if d in RESERVED_COLUMNS]
    if clash:
        raise ValueError(f"{table.name}: dimension(s) {clash} clash with the SDMX-CSV columns")
    if len(set(table.dimensions)) != len(table.dimensions):
        raise ValueError(f"{table.name}: duplicated dimension in {table.dimensions}")
    missing = [c for c in table.columns if c not in table.data.columns]
    if missing:
        raise ValueError(f"{table.name}: data lacks column(s) {missing}")


def _code(table: Table, column: str, value: object) -> str:
    """One dimension or ``TIME_PERIOD`` value as its code; missing or float values are errors."""
    if isinstance(value, str):
        code = value
    elif isinstance(value, pd.Period) or (isinstance(value, Integral)
                                          and not isinstance(value, bool)):
        code = str(value)
    else:
        raise ValueError(f"{table.name}: column {column} holds {value!r} "
                         f"({type(value).__name__}); codes must be non-empty strings")
    if not code:
        raise ValueError(f"{table.name}: column {column} holds an empty code")
    return code


def obs_value(table: Table, key: tuple[str, ...], value: object, *,
              allow_negative: bool = False) -> int:
    """``value`` as a Python ``int``, or ``ValueError`` when it is not a whole number.

    Floats are refused even when integral (``41.0``): the cube builder promises integers, and a
    float means something upstream went wrong (a NaN-producing join, a mean...).
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(
            f"{table.name}: OBS_VALUE of cell {'/'.join(key)} is {value!r} "
            f"({type(value).__name__}); a whole number (int) is required, "
            "floats and missing values are not accepted")
    number = int(value)
    if number < 0 and not allow_negative:
        raise ValueError(f"{table.name}: OBS_VALUE of cell {'/'.join(key)} is negative ({number})")
    return number


def table_cells(table: Table, *, drop_zeros: bool = True, allow_negative: bool = False,
                ) -> list[Cell]:
    """The validated cells of ``table``, sorted by their codes compared as byte strings.

    Raises ``ValueError`` on a malformed table: a missing column, a missing or non-string code,
    an ``OBS_VALUE`` that is not a whole number (or negative, unless ``allow_negative``), or two
    rows for the same cell. The validation and the sort are done once per table
    (``Table.cells``); this returns them as Python tuples for the checks that look cells up.
    """
    return table.cells.select(drop_zeros=drop_zeros, allow_negative=allow_negative).pairs()


def sdmx_csv_text(table: Table) -> str:
    """The whole SDMX-CSV file of ``table``: header, then one line per non-zero cell."""
    cells = table.cells.select()
    if table.freq not in FREQUENCIES:
        raise ValueError(f"{table.name}: freq {table.freq!r} is not one of M, Q, A")
    if not table.unit:
        raise ValueError(f"{table.name}: empty unit")
    *dims, period = cells.codes
    fields = [STRUCTURE, structure_id(table.name, _agency_kind(table)), ACTION, table.freq,
              table.unit, *dims, GEO, period, cells.value_text()]
    log.debug("%s: %d cell(s) in SDMX-CSV", table.name, len(cells))
    return csv_text(header_columns(table), fields, quote=True)


def write_bytes_atomically(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    A reader never sees a partial file; on failure the temporary file is removed and ``path`` is
    left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_sdmx_csv(table: Table, path: Path) -> str:
    """Write the SDMX-CSV file of ``table`` to ``path`` atomically; return its SHA-256 (hex).

    The bytes are exactly :func:`sdmx_csv_text` encoded as UTF-8 (no byte-order mark, LF).
    """
    data = sdmx_csv_text(table).encode("utf-8")
    write_bytes_atomically(data, Path(path))
    digest = hashlib.sha256(data).hexdigest()
    log.info("wrote %s (%d bytes, sha256 %s)", path, len(data), digest)
    return digest
