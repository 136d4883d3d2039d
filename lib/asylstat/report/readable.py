"""Workbooks laid out as people read them (issue 15, item 7): a view of each public table in the
reader's language, before its long form.

A view is the notebooks' pivot (:mod:`asylstat.pivot`) written to a worksheet: the table's main
breakdown as rows, labelled in the reader's language (country names from Babel's CLDR data,
:meth:`~asylstat.report.i18n.Translator.country`) with the code in the column beside; the
periods as columns, named in words; the other breakdowns at their total (said in the header);
the totals last; the unit and the rounding in the header; numeric cells with a number format.
It shows only figures the public table holds, except one column: for a table of counts over
the months of the run (not a stock, :attr:`asylstat.cube.CubeSpec.stock`), the *sum of the
months*, labelled so, is added after them — the sum of the figures shown, so a multiple of 5
when they are rounded.

The long form (one row per figure, for filtering) stays on a sheet of its own
(:mod:`asylstat.write.workbook`) and in the CSV files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from asylstat.cube import Dimension
from asylstat.dataflows.dimensions import margin_code
from asylstat.declaration import DimensionLike
from asylstat.periods import Period
from asylstat.pivot import pivot
from asylstat.report.i18n import Translator
from asylstat.report.rounding import BASE
from asylstat.tables import Table

#: breakdowns whose codes are countries (Eurostat geo codes): labelled by name
GEO_DIMENSIONS = frozenset({"citizen", "partner", "c_dest"})
#: the message naming each unit (literal ids: the catalogue test finds them in the code)
UNIT_MESSAGES = {"PER": "wb.unit.PER", "NR": "wb.unit.NR", "APP": "wb.unit.APP",
                 "DAYS": "wb.unit.DAYS", "PCT1": "wb.unit.PCT1"}
#: the message naming each labelled breakdown
DIMENSION_MESSAGES = {"citizen": "wb.dim.citizen", "partner": "wb.dim.partner",
                      "c_dest": "wb.dim.c_dest"}
HEADER_ROW = 5
NUMBER_FORMAT = "#,##0"

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_NOTE = Font(italic=True, color="595959")
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill(fill_type="solid", fgColor="F2F2F2")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))


@dataclass(frozen=True)
class View:
    """What one sheet shows: header lines, column titles, and rows of labels then figures."""

    title: str
    notes: tuple[str, ...]
    columns: tuple[str, ...]
    #: how many leading columns are labels and codes (the rest are figures)
    label_columns: int
    rows: tuple[tuple[object, ...], ...]
    #: indexes in ``rows`` of the total rows (shaded)
    total_rows: frozenset[int]


def period_of(label: str) -> Period:
    """A period from its label (``2024-07``, ``2024-Q3``, ``2024``)."""
    freq = "Q" if "-Q" in label else "M" if "-" in label else "A"
    return Period.parse(label, freq)


def dimensions_of(table: Table) -> tuple[DimensionLike, ...]:
    """Dimensions for a table without a declaration (the report's tables): each with its margin
    code when the table holds it, else a stratum (no total)."""
    return tuple(Dimension(d, total=margin_code(d) if margin_code(d) in set(table.data[d])
                           else None) for d in table.dimensions)


def declared_dimensions(table: Table) -> tuple[Sequence[DimensionLike], bool]:
    """A table's dimensions and whether it is a stock, from its declaration when it has one
    with the same dimensions (the domain tables), else from its cells (the report's tables:
    no stock)."""
    from asylstat.domains import spec_of

    try:
        spec = spec_of(table.name)
    except KeyError:
        return dimensions_of(table), False
    if tuple(spec.dimension_names) != tuple(table.dimensions):
        return dimensions_of(table), False
    return spec.dimensions, bool(getattr(spec, "stock", False))


def _label(dim: DimensionLike, code: str, tr: Translator) -> str:
    if dim.name in GEO_DIMENSIONS:
        return tr.text("wb.total") if code == dim.total else tr.country(code)
    if code == dim.total:
        return tr.text("wb.total")
    return tr.text("wb.unknown") if code == "UNK" else code


def view(table: Table, dimensions: Sequence[DimensionLike], tr: Translator, *,
         rounded: bool, stock: bool, months: Sequence[Period] = ()) -> View:
    """The view of the public ``table`` (module docstring). ``rounded``: its counts are
    rounded (said in the header); ``stock``: its months are never added up; ``months``: the
    run's months, all shown for a monthly table (a month without a cell is a month of zeros,
    not a month the run did not make)."""
    periods = {period_of(p) for p in set(table.data["TIME_PERIOD"])}
    if all(p.freq == "M" for p in periods):
        periods |= set(months)
    pv = pivot(table, dimensions, periods)
    by_name = {d.name: d for d in dimensions}
    row_dims = list(pv.frame.index.names)
    main = by_name.get(row_dims[0], Dimension(row_dims[0], total=None))
    months = [p for p in pv.frame.columns]
    summed = (table.is_count and not stock and len(months) > 1
              and all(period_of(p).freq == "M" for p in months))
    columns = [tr.text(DIMENSION_MESSAGES[main.name]) if main.name in DIMENSION_MESSAGES
               else main.name, tr.text("wb.code"), *row_dims[1:],
               *(tr.period(p) for p in months),
               *([tr.text("wb.sum_months")] if summed else [])]
    rows, totals = [], set()
    for n, (key, values) in enumerate(pv.frame.iterrows()):
        codes = key if isinstance(key, tuple) else (key,)
        figures = [None if pd.isna(v) else int(v) for v in values.tolist()]
        if summed:
            figures.append(sum(v or 0 for v in figures))
        rows.append((_label(main, codes[0], tr), codes[0], *codes[1:], *figures))
        if codes[0] == main.total:
            totals.add(n)
    notes = [tr.text("wb.unit", unit=tr.text(UNIT_MESSAGES[table.unit]))
             if table.unit in UNIT_MESSAGES else table.unit,
             tr.text("wb.rounded", base=BASE) if rounded else tr.text("wb.exact")]
    if pv.fixed:
        notes.append(tr.text("wb.fixed", list=tr.join([f"{d} = {c}" for d, c in pv.fixed])))
    if pv.strata:
        notes.append(tr.text("wb.strata", list=tr.join(list(pv.strata))))
    return View(title=f"{table.name}: {table.title}", notes=tuple(notes),
                columns=tuple(columns), label_columns=len(row_dims) + 1,
                rows=tuple(rows), total_rows=frozenset(totals))


def write_view(ws: Worksheet, shown: View, long_sheet: str, tr: Translator) -> None:
    """``shown`` on ``ws``: title, notes (and where the long form is), column titles on row
    :data:`HEADER_ROW`, then the rows; figures numeric with :data:`NUMBER_FORMAT`."""
    ws["A1"] = shown.title
    ws["A1"].font = _TITLE
    notes = [*shown.notes, tr.text("wb.long", sheet=long_sheet)]
    ws["A2"] = " ".join(notes[:2])
    ws["A3"] = " ".join(notes[2:])
    for cell in (ws["A2"], ws["A3"]):
        cell.font = _NOTE
    for column, title in enumerate(shown.columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=column, value=title)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        if column > shown.label_columns:
            cell.alignment = Alignment(horizontal="right", wrap_text=True)
    for n, row in enumerate(shown.rows):
        for column, value in enumerate(row, start=1):
            cell = ws.cell(row=HEADER_ROW + 1 + n, column=column, value=value)
            if column > shown.label_columns:
                cell.number_format = NUMBER_FORMAT
            if n in shown.total_rows:
                cell.font = _BOLD
                cell.fill = _TOTAL_FILL
    widths = [max([len(str(shown.columns[i])), *(len(str(r[i])) for r in shown.rows)]) + 2
              for i in range(len(shown.columns))]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 45)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=shown.label_columns + 1)


def view_writers(tables: Sequence[Table], long_sheets: Sequence[str], tr: Translator,
                 dimensions: Callable[[Table], tuple[Sequence[DimensionLike], bool]],
                 rounded: Callable[[Table], bool], run_period: str
                 ) -> list[tuple[str, Callable[[Worksheet], None]]]:
    """For :func:`asylstat.write.workbook.workbook_bytes`: per table, the title of its view
    sheet and the function that writes it. ``dimensions(table)`` gives the table's
    dimensions and whether it is a stock; ``run_period`` is the run's period label."""
    months = period_of(run_period).months()
    out = []
    for table, long_sheet in zip(tables, long_sheets, strict=True):
        dims, stock = dimensions(table)
        shown = view(table, dims, tr, rounded=rounded(table), stock=stock, months=months)

        def write(ws: Worksheet, shown: View = shown, long_sheet: str = long_sheet) -> None:
            write_view(ws, shown, long_sheet, tr)

        out.append((f"{tr.text('wb.view')} {table.name}", write))
    return out
