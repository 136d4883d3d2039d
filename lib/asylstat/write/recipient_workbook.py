"""A recipient's own monthly workbook (the EUAA's EPS workbook, outputs.md:
``transmission/euaa/EPS_<PERIOD>.xlsx``), declared by a
:class:`asylstat.declaration.RecipientWorkbook`.

Layout:

- one sheet per table, in declaration order: title, definition and source lines, then two
  header rows (the code of the table's second dimension over each block of columns, when it
  has one; the month of each column) and one row per citizenship. The ``TOTAL`` row comes
  first, then the citizenships by the month's total (:func:`row_order`). Every cell of the
  grid holds a whole number; an empty combination is written 0 (a grid, not a list of
  non-zero cells);
- ``Notes``: the period, the months, the warehouse's as-of instant, and each indicator's
  definition;
- ``Revisions``: every cell of an earlier month that differs from what was last transmitted
  for it (:func:`asylstat.audit.revisions.earlier_month_revisions`), or a line saying there
  is none or that the run compared none.

The bytes are deterministic as the audited workbook's are (:mod:`asylstat.write.workbook`): the
document dates come from the as-of instant and the zip container is rewritten with fixed entry
dates in a fixed order, so the same tables, months and as-of always give the same file.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from asylstat.declaration import TOTAL, RecipientWorkbook
from asylstat.tables import Table
from asylstat.write.sdmx import write_bytes_atomically
from asylstat.write.workbook import (
    NUMBER_FORMAT,
    SOURCE,
    UNIT_LABELS,
    _deterministic_zip,
    document_datetime,
)

log = logging.getLogger(__name__)

NOTES_SHEET = "Notes"
REVISIONS_SHEET = "Revisions"
#: the row dimension of every sheet
ROWS = "citizen"
#: rows 1-3: title, definition, source; rows 4-5: headers; data from row 6
CODE_ROW, MONTH_ROW, FIRST_ROW = 4, 5, 6

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_NOTE = Font(italic=True, color="595959")
_HEADER = PatternFill(fill_type="solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class RevisedCell:
    """One cell of an earlier month whose figure differs from the one last transmitted."""

    table: str
    month: str
    key: Mapping[str, str]  # the cell's codes, TIME_PERIOD left out
    old: int | None  # None: the cell was not transmitted (zero)
    new: int | None  # None: the cell is now zero
    compared_with: str  # the run it was last transmitted in

    @property
    def difference(self) -> int:
        return (self.new or 0) - (self.old or 0)


def columns_of(table: Table, months: Sequence[str],
               code_order: Mapping[str, tuple[str, ...]]) -> list[tuple[str | None, str]]:
    """The grid's columns: ``(code, month)`` for each code of the table's second dimension
    (declared order first, then plain ASCII order) and each month; ``(None, month)`` for a
    table with citizenship only."""
    others = [d for d in table.dimensions if d != ROWS]
    if not others:
        return [(None, m) for m in months]
    if len(others) > 1:
        raise ValueError(f"{table.name}: a grid has one dimension besides {ROWS}")
    (dim,) = others
    declared = code_order.get(dim, ())
    present = set(table.data[dim])
    codes = [c for c in declared if c in present or c == TOTAL]
    codes += sorted((present - set(codes)), key=lambda c: c.encode("utf-8"))
    return [(code, m) for code in codes for m in months]


def row_order(values: Mapping[tuple[str, str | None, str], int], citizens: Sequence[str],
              months: Sequence[str]) -> list[str]:
    """The rows: ``TOTAL`` first, then the citizenships by the month's total, largest first —
    the value of the citizenship's margin column (``TOTAL`` of the second dimension, or the
    sum over a stratum's codes) in the run's last month, then over all the run's months —
    ties by code (plain ASCII)."""
    last = months[-1]

    def size(citizen: str, month_set: Sequence[str]) -> int:
        margin = [v for (c, code, m), v in values.items()
                  if c == citizen and m in month_set and code in (TOTAL, None)]
        if margin:
            return sum(margin)
        return sum(v for (c, _, m), v in values.items() if c == citizen and m in month_set)

    rest = [c for c in citizens if c != TOTAL]
    rest.sort(key=lambda c: (-size(c, [last]), -size(c, months), c.encode("utf-8")))
    return ([TOTAL] if TOTAL in citizens else []) + rest


def _grid(table: Table) -> dict[tuple[str, str | None, str], int]:
    """``{(citizen, code or None, month): value}`` of the table's cells."""
    other = [d for d in table.dimensions if d != ROWS]
    frame = table.data
    codes = frame[other[0]] if other else [None] * len(frame)
    return {(c, code, m): int(v) for c, code, m, v in
            zip(frame[ROWS], codes, frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


def _header(cell: Cell) -> None:
    cell.font = _BOLD
    cell.fill = _HEADER


def _table_sheet(ws: Worksheet, table: Table, months: Sequence[str],
                 code_order: Mapping[str, tuple[str, ...]], as_of: str) -> None:
    values = _grid(table)
    columns = columns_of(table, months, code_order)
    citizens = sorted({c for c, _, _ in values} | {TOTAL}, key=lambda c: c.encode("utf-8"))
    ws["A1"] = table.title
    ws["A1"].font = _TITLE
    ws["A2"] = table.definition
    ws["A2"].alignment = _WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(2, len(columns) + 1))
    ws.row_dimensions[2].height = 75
    ws["A3"] = (f"Unit: {UNIT_LABELS.get(table.unit, table.unit)} · exact figures · Source: "
                f"{SOURCE} as of {as_of}")
    ws["A3"].font = _NOTE
    other = [d for d in table.dimensions if d != ROWS]
    _header(ws.cell(row=CODE_ROW, column=1, value=other[0] if other else ""))
    _header(ws.cell(row=MONTH_ROW, column=1, value=ROWS))
    for i, (code, month) in enumerate(columns, start=2):
        _header(ws.cell(row=CODE_ROW, column=i, value=code or ""))
        _header(ws.cell(row=MONTH_ROW, column=i, value=month))
    for r, citizen in enumerate(row_order(values, citizens, months), start=FIRST_ROW):
        ws.cell(row=r, column=1, value=citizen)
        for i, (code, month) in enumerate(columns, start=2):
            cell = ws.cell(row=r, column=i, value=values.get((citizen, code, month), 0))
            cell.number_format = NUMBER_FORMAT
    ws.column_dimensions["A"].width = 12
    for i in range(2, len(columns) + 2):
        ws.column_dimensions[get_column_letter(i)].width = 12
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)


def _notes_sheet(ws: Worksheet, declaration: RecipientWorkbook, tables: Sequence[Table], *,
                 period: str, months: Sequence[str], as_of: str) -> None:
    ws["A1"] = f"{declaration.title}, {period}"
    ws["A1"].font = _TITLE
    rows: list[tuple[str, str]] = [
        ("Period", period), ("Months", ", ".join(months)),
        ("Warehouse as of", as_of),
        ("Figures", "exact, unrounded; a citizenship with no unit in a month shows 0; rows "
                    "are ordered by the last month's total"),
    ]
    row = 3
    for label, text in rows:
        ws.cell(row=row, column=1, value=label).font = _BOLD
        ws.cell(row=row, column=2, value=text)
        row += 1
    row += 1
    for column, header in enumerate(("Sheet", "Title", "Definition"), start=1):
        _header(ws.cell(row=row, column=column, value=header))
    for table in tables:
        row += 1
        ws.cell(row=row, column=1, value=table.name)
        ws.cell(row=row, column=2, value=table.title)
        ws.cell(row=row, column=3, value=table.definition).alignment = _WRAP
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 45
    ws.column_dimensions["C"].width = 100


def _revisions_sheet(ws: Worksheet, revised: Sequence[RevisedCell] | None,
                     earlier: Sequence[str]) -> None:
    ws["A1"] = "Revised cells of earlier months"
    ws["A1"].font = _TITLE
    if revised is None or not earlier:
        ws["A2"] = "This run recomputed no earlier month (only a monthly run does)."
        ws["A2"].font = _NOTE
        return
    ws["A2"] = (f"{len(revised)} cell(s) of the earlier months, recomputed on this run's "
                "warehouse as of, differ from the figure last transmitted for that month "
                "(a cell not transmitted was zero); resend them.")
    ws["A2"].font = _NOTE
    for r, line in enumerate(earlier, start=3):
        ws.cell(row=r, column=1, value=line).font = _NOTE
    top = 4 + len(earlier)
    headers = ("Table", "Month", "Cell", "Transmitted", "Now", "Difference", "Transmitted in")
    for column, header in enumerate(headers, start=1):
        _header(ws.cell(row=top, column=column, value=header))
    for r, cell in enumerate(revised, start=top + 1):
        key = ", ".join(f"{k}={v}" for k, v in cell.key.items())
        for column, value in enumerate((cell.table, cell.month, key, cell.old or 0,
                                        cell.new or 0, cell.difference, cell.compared_with),
                                       start=1):
            ws.cell(row=r, column=column, value=value)
    for letter, width in zip("ABCDEFG", (12, 10, 40, 12, 12, 12, 30), strict=True):
        ws.column_dimensions[letter].width = width


def recipient_workbook_bytes(declaration: RecipientWorkbook, tables: Sequence[Table], *,
                             period: str, months: Sequence[str], as_of: str,
                             revised: Sequence[RevisedCell] | None = None,
                             earlier: Sequence[str] = ()) -> bytes:
    """The bytes of the workbook of ``tables`` (the declaration's, in its order) for the run
    of ``period`` and its ``months``; ``revised``: the cells of the earlier months that
    differ from what was last transmitted (``None`` when the run compared none), ``earlier``:
    one line per earlier month saying what it was compared with."""
    wb = Workbook()
    first = wb.active
    for index, table in enumerate(tables):
        ws = first if index == 0 else wb.create_sheet()
        ws.title = table.name
        _table_sheet(ws, table, months, declaration.code_order, as_of)
    notes = wb.create_sheet(NOTES_SHEET) if tables else first
    notes.title = NOTES_SHEET
    _notes_sheet(notes, declaration, tables, period=period, months=months, as_of=as_of)
    _revisions_sheet(wb.create_sheet(REVISIONS_SHEET), revised, earlier)
    wb.active = 0
    moment = document_datetime({"as_of": as_of})
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = "asylstat"
    wb.properties.lastModifiedBy = None
    wb.properties.title = f"{declaration.title}, {period}"
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook() stamps `modified` with the current time
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED)).save()
    return _deterministic_zip(raw.getvalue())


def write_recipient_workbook(declaration: RecipientWorkbook, tables: Sequence[Table],
                             folder: Path, *, period: str, months: Sequence[str], as_of: str,
                             revised: Sequence[RevisedCell] | None = None,
                             earlier: Sequence[str] = ()) -> Path:
    """Write the workbook into ``folder`` (``<stem>_<PERIOD>.xlsx``) atomically; its path."""
    path = Path(folder) / declaration.file_name(period)
    data = recipient_workbook_bytes(declaration, tables, period=period, months=months,
                                    as_of=as_of, revised=revised, earlier=earlier)
    write_bytes_atomically(data, path)
    log.info("wrote %s (%d tables, %d bytes)", path, len(tables), len(data))
    return path
