"""A table's cells, validated and sorted once and kept with the table (``Table.cells``).

Every writer and check reads a table's cells: the transmission file, the national CSV, both
workbooks, the public tables and their check, the report's tables and checks, the revisions.
They all want the same thing — every row of ``table.data`` as a key of codes (the dimensions
in order, then ``TIME_PERIOD``) and a whole number, sorted by the codes compared as byte
strings (the transmission files' order) — so it is computed once per table, column by column
(NumPy, pyarrow), and each consumer takes the selection it needs (:meth:`Cells.select`: zero
cells dropped or kept, negative values refused or allowed).

The validation is that of :func:`asylstat.write.sdmx.table_cells` (outputs.md): codes are
non-empty strings (or integers and ``pd.Period`` values, written as their text), values whole
numbers (a float, even ``41.0``, a bool or a missing value is a programming error upstream),
one row per cell. A column that is not plainly text or integers goes through the same checks
value by value, so that a malformed table fails with the same message as before.

The text of a CSV file is built from the columns too (:func:`csv_text`): pyarrow joins the
fields of every line and the lines of the file, no Python loop per row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from asylstat.tables import Table

log = logging.getLogger(__name__)

TEXT = pa.large_string()
#: characters that make an SDMX-CSV field need quotes (minimal quoting)
_NEEDS_QUOTES = r'[,"\r\n]'

Cell = tuple[tuple[str, ...], int]


@dataclass(frozen=True, eq=False)
class Cells:
    """Validated cells of one table, sorted by their codes compared as byte strings.

    name     the table's name (for messages)
    columns  the key columns: the dimensions in order, then ``TIME_PERIOD``
    codes    one text array per key column (no missing value, no empty code)
    values   ``OBS_VALUE`` as int64, in the same order
    order    the position of each cell's row in ``table.data`` (to align per-row facts)
    """

    name: str
    columns: tuple[str, ...]
    codes: tuple[pa.Array, ...]
    values: np.ndarray
    order: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def take(self, rows: np.ndarray) -> Cells:
        """The cells at ``rows`` (a boolean mask or sorted positions), still sorted."""
        positions = pa.array(np.flatnonzero(rows) if rows.dtype == bool else rows)
        return Cells(self.name, self.columns, tuple(c.take(positions) for c in self.codes),
                     self.values[rows], self.order[rows])

    def select(self, *, drop_zeros: bool = True, allow_negative: bool = False) -> Cells:
        """The cells a consumer wants: zero cells left out (``drop_zeros``; logged, as zero
        cells are never transmitted) and a negative value an error unless ``allow_negative``
        (counts are never negative; a change of a rate may be)."""
        if not allow_negative and len(self) and self.values.min() < 0:
            at = int(np.flatnonzero(self.values < 0)[0])
            raise ValueError(f"{self.name}: OBS_VALUE of cell {'/'.join(self.key(at))} is "
                             f"negative ({int(self.values[at])})")
        if not drop_zeros:
            return self
        zero = self.values == 0
        dropped = int(zero.sum())
        if not dropped:
            return self
        log.warning("%s: %d zero cell(s) dropped; zero cells are never transmitted",
                    self.name, dropped)
        return self.take(~zero)

    def key(self, at: int) -> tuple[str, ...]:
        return tuple(str(c[at]) for c in self.codes)

    def keys(self) -> list[tuple[str, ...]]:
        return list(zip(*(c.to_pylist() for c in self.codes), strict=True))

    def pairs(self) -> list[Cell]:
        """``(codes, value)`` per cell, Python strings and ints (the old ``table_cells``)."""
        return list(zip(self.keys(), self.values.tolist(), strict=True))

    @cached_property
    def mapping(self) -> dict[tuple[str, ...], int]:
        """Codes → value, for the checks that look cells up (built once, on first use)."""
        return dict(self.pairs())

    def value_text(self) -> pa.Array:
        """``OBS_VALUE`` as text (``str(int)``)."""
        return pc.cast(pa.array(self.values), TEXT)


# ---------------------------------------------------------------- validation
def _code_column(table: Table, column: str) -> pa.Array:
    """A key column as text; anything but non-empty strings (or integers, ``pd.Period``)
    raises ``ValueError`` (:func:`asylstat.write.sdmx._code`)."""
    from asylstat.write.sdmx import _code

    series = table.data[column]
    if (pd.api.types.is_string_dtype(series.dtype) and not series.isna().any()
            and pd.api.types.infer_dtype(series, skipna=False) == "string"):
        codes = pa.array(series.to_numpy(dtype=object), TEXT)
        if len(codes) and pc.any(pc.equal(codes, "")).as_py():
            raise ValueError(f"{table.name}: column {column} holds an empty code")
        return codes
    return pa.array([_code(table, column, v) for v in series.tolist()], TEXT)


def _value_column(table: Table, codes: Sequence[pa.Array]) -> np.ndarray:
    """``OBS_VALUE`` as int64; floats, bools and missing values raise ``ValueError``
    (:func:`asylstat.write.sdmx.obs_value`)."""
    from asylstat.write.sdmx import obs_value

    series = table.data["OBS_VALUE"]
    if (pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype) and not series.isna().any()):
        return series.to_numpy(dtype=np.int64)
    values = series.tolist()
    keys = zip(*(c.to_pylist() for c in codes), strict=True) if codes else iter(())
    return np.array([obs_value(table, key, value, allow_negative=True)
                     for key, value in zip(keys, values, strict=True)], dtype=np.int64)


def _byte_ranks(codes: pa.Array) -> np.ndarray:
    """Per row, the rank of its code among the column's distinct codes compared as byte
    strings (pyarrow compares text by its UTF-8 bytes)."""
    encoded = codes.dictionary_encode()
    order = pc.array_sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[encoded.indices.to_numpy(zero_copy_only=False)]


def validated_cells(table: Table) -> Cells:
    """Every row of ``table`` as a validated cell, sorted by codes compared as byte strings;
    ``ValueError`` on a malformed table (a missing column, a missing, empty or non-string
    code, a value that is not a whole number, two rows for the same cell). Zero cells are
    kept and negative values allowed here: :meth:`Cells.select` decides."""
    from asylstat.write.sdmx import _check_structure

    _check_structure(table)
    columns = (*table.dimensions, "TIME_PERIOD")
    codes = tuple(_code_column(table, c) for c in columns)
    values = _value_column(table, codes)
    ranks = [_byte_ranks(c) for c in codes]
    order = np.lexsort(ranks[::-1]) if len(values) else np.arange(0)
    sorted_ranks = [r[order] for r in ranks]
    if len(values) > 1:
        same = np.ones(len(values) - 1, dtype=bool)
        for r in sorted_ranks:
            same &= r[1:] == r[:-1]
        if same.any():
            at = int(order[int(np.flatnonzero(same)[0]) + 1])
            raise ValueError(f"{table.name}: cell {'/'.join(str(c[at]) for c in codes)} "
                             "appears more than once")
    positions = pa.array(order)
    return Cells(table.name, columns, tuple(c.take(positions) for c in codes), values[order],
                 order)


# ---------------------------------------------------------------- CSV text
def quote_minimal(field: str) -> str:
    """Minimal quoting: quote a field only when it holds a comma, a quote or a line break.

    Written by hand because the ``csv`` module, with an LF line terminator, leaves a field
    holding a lone carriage return unquoted.
    """
    if any(c in field for c in ',"\r\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def _quoted(codes: pa.Array) -> pa.Array:
    """:func:`quote_minimal` on every field of ``codes``."""
    needs = pc.match_substring_regex(codes, _NEEDS_QUOTES)
    if not len(codes) or not pc.any(needs).as_py():
        return codes
    quoted = pc.binary_join_element_wise(
        pa.scalar('"', TEXT), pc.replace_substring(codes, '"', '""'), pa.scalar('"', TEXT),
        pa.scalar("", TEXT))
    return pc.if_else(needs, quoted, codes)


def csv_text(header: Sequence[str], fields: Sequence[pa.Array | str], *,
             quote: bool) -> str:
    """A CSV file: ``header``, then one line per row of ``fields`` (text arrays of one length,
    or a text repeated on every line), comma-separated, each line ending with LF; with
    ``quote``, each field quoted when it needs it (:func:`quote_minimal`)."""
    def prepared(field: pa.Array | str) -> pa.Array | pa.Scalar:
        if isinstance(field, str):
            return pa.scalar(quote_minimal(field) if quote else field, TEXT)
        return _quoted(field) if quote else field

    head = ",".join(quote_minimal(h) if quote else h for h in header) + "\n"
    arrays = [f for f in fields if not isinstance(f, str)]
    if not arrays or not len(arrays[0]):
        return head
    lines = pc.binary_join_element_wise(*(prepared(f) for f in fields),
                                        pa.scalar(",", TEXT))
    lines = pc.binary_join_element_wise(lines, pa.scalar("\n", TEXT), pa.scalar("", TEXT))
    whole = pc.binary_join(pa.LargeListArray.from_arrays(
        pa.array([0, len(lines)], pa.int64()), lines), pa.scalar("", TEXT))
    return head + whole[0].as_py()


def cells_csv_text(cells: Cells) -> str:
    """A national, public or report table as CSV: the key columns, ``OBS_VALUE``; no quoting
    (codes hold no comma)."""
    return csv_text([*cells.columns, "OBS_VALUE"], [*cells.codes, cells.value_text()],
                    quote=False)
