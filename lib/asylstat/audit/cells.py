"""The cells of a run's CSV outputs, read back from the files or taken from the tables.

A *cell* is a key (the table's dimension codes in file order, then ``TIME_PERIOD``) and a whole
number. Only non-zero cells are kept, as in the files: a cell that is absent is zero
(statistics.md, "Cells").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asylstat.tables import TRANSMITTED_KINDS, Table
from asylstat.write.sdmx import table_cells

TRANSMISSION_DIR = Path("transmission") / "eurostat"
#: every recipient's folder of transmission files (outputs.md: Eurostat, the EUAA, Frontex)
TRANSMISSION_DIRS = tuple(Path("transmission") / kind for kind in TRANSMITTED_KINDS)
NATIONAL_DIR = Path("tables") / "national"
#: the SDMX-CSV columns before a dataflow's own dimensions, and after them
SDMX_PREFIX = ("STRUCTURE", "STRUCTURE_ID", "ACTION", "freq", "unit")
SDMX_SUFFIX = ("geo", "TIME_PERIOD", "OBS_VALUE")

Key = tuple[str, ...]


class CellFileError(ValueError):
    """A CSV output that does not have the layout the run writes."""


@dataclass(frozen=True)
class TableCells:
    """The non-zero cells of one table. ``columns`` names the parts of each key."""

    name: str
    kind: str
    columns: tuple[str, ...]
    cells: Mapping[Key, int] = field(repr=False)
    source: str = ""


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a UTF-8 CSV file (minimal quoting, as the writers produce)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise CellFileError(f"{path} is empty (not even a header row)")
    return rows[0], [r for r in rows[1:] if r]


def _cells(path: Path, rows: Iterable[Sequence[str]], key_at: Sequence[int],
           value_at: int) -> dict[Key, int]:
    cells: dict[Key, int] = {}
    for number, row in enumerate(rows, start=2):
        key = tuple(row[i] for i in key_at)
        try:
            value = int(row[value_at])
        except (ValueError, IndexError):
            raise CellFileError(f"{path}, line {number}: OBS_VALUE {row[value_at:]!r} is not "
                                "a whole number") from None
        if key in cells:
            raise CellFileError(f"{path}, line {number}: cell {'/'.join(key)} appears twice")
        if value:
            cells[key] = value
    return cells


def sdmx_file_cells(path: Path) -> TableCells:
    """The cells of a transmission file (outputs.md layout); the key leaves out the columns that
    are the same on every line (``STRUCTURE`` … ``unit``, ``geo``)."""
    header, rows = read_csv(path)
    n = len(header)
    if (tuple(header[:len(SDMX_PREFIX)]) != SDMX_PREFIX
            or tuple(header[-len(SDMX_SUFFIX):]) != SDMX_SUFFIX):
        raise CellFileError(f"{path} does not start with {','.join(SDMX_PREFIX)} or end with "
                            f"{','.join(SDMX_SUFFIX)}")
    dims = list(range(len(SDMX_PREFIX), n - len(SDMX_SUFFIX)))
    short = [r for r in rows if len(r) != n]
    if short:
        raise CellFileError(f"{path}: a line has {len(short[0])} fields, the header {n}")
    key_at = [*dims, n - 2]
    kind = Path(path).parent.name
    return TableCells(name=Path(path).stem,
                      kind=kind if kind in TRANSMITTED_KINDS else "eurostat",
                      columns=tuple(header[i] for i in key_at),
                      cells=_cells(path, rows, key_at, n - 1), source=str(path))


def national_file_cells(path: Path) -> TableCells:
    """The cells of a national table CSV: dimensions, ``TIME_PERIOD``, ``OBS_VALUE``."""
    header, rows = read_csv(path)
    n = len(header)
    if n < 2 or tuple(header[-2:]) != ("TIME_PERIOD", "OBS_VALUE"):
        raise CellFileError(f"{path} does not end with TIME_PERIOD,OBS_VALUE")
    short = [r for r in rows if len(r) != n]
    if short:
        raise CellFileError(f"{path}: a line has {len(short[0])} fields, the header {n}")
    key_at = list(range(n - 1))
    return TableCells(name=Path(path).stem, kind="national", columns=tuple(header[:-1]),
                      cells=_cells(path, rows, key_at, n - 1), source=str(path))


def run_cells(folder: Path) -> dict[str, TableCells]:
    """Every table of a run folder, read from its transmission files and national CSVs."""
    folder = Path(folder)
    out: dict[str, TableCells] = {}
    for transmission in TRANSMISSION_DIRS:
        for path in sorted((folder / transmission).glob("*.csv")):
            out[path.stem] = sdmx_file_cells(path)
    for path in sorted((folder / NATIONAL_DIR).glob("*.csv")):
        out[path.stem] = national_file_cells(path)
    return out


def tables_cells(tables: Sequence[Table]) -> dict[str, TableCells]:
    """The same for tables in memory (the run being made): exactly the cells the writers put in
    the files, zero cells left out (negative values allowed, as in the workbook)."""
    return {t.name: TableCells(name=t.name, kind=t.kind, columns=(*t.dimensions, "TIME_PERIOD"),
                               cells=dict(table_cells(t, allow_negative=True)), source="")
            for t in tables}
