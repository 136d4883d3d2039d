"""The audited Excel workbook: an "About" sheet, then one sheet per table (outputs.md).

Layout of a table sheet::

    row 1   title (bold)
    row 2   definition (wrapped, merged across the table's columns)
    row 3   Unit: … · Frequency: … · Source: eMigration data warehouse as of <as_of>
    row 4   number of cells listed; a cell not listed is zero
    row 5   header (bold, filled, autofilter): dimensions, TIME_PERIOD, OBS_VALUE
    row 6…  one row per cell, long format, OBS_VALUE as an integer cell formatted ``#,##0``

The bytes are deterministic: the document dates come from ``metadata["as_of"]`` (or
2000-01-01), and the zip container is rewritten with fixed entry dates in a fixed entry order,
so the same tables and metadata always give the same file. ``verify`` compares two workbooks
cell by cell with :func:`read_workbook_cells`; the "About" sheet (:data:`ABOUT_SHEET`) holds the
run's metadata (run id, code version...) and is expected to differ between two runs.
"""

from __future__ import annotations

import io
import logging
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from asylstat.tables import Table
from asylstat.write.sdmx import table_cells, write_bytes_atomically

log = logging.getLogger(__name__)

ABOUT_SHEET = "About"
SOURCE = "eMigration data warehouse"
NUMBER_FORMAT = "#,##0"
HEADER_ROW = 5
FIRST_DATA_ROW = 6
FREEZE_CELL = "A6"
DEFAULT_DATETIME = datetime(2000, 1, 1)
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

MAX_SHEET_NAME = 31
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
#: Names Excel keeps for itself (compared case-insensitively).
_RESERVED_SHEET_NAMES = ("History",)

UNIT_LABELS = {
    "PER": "persons",
    "NR": "number of events",
    "APP": "applications",
    "DAYS": "days",
    "PCT1": "tenths of a percent",
}
FREQ_LABELS = {"M": "monthly", "Q": "quarterly", "A": "annual"}

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(italic=True, color="595959")
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_LINK_FONT = Font(color="0563C1", underline="single")

_MIN_WIDTH, _MAX_WIDTH = 8, 60
_LINE_HEIGHT = 15.0
_MAX_ROW_HEIGHT = 409.0


def sheet_names(names: Iterable[str], reserved: Iterable[str] = (ABOUT_SHEET,)) -> list[str]:
    """Valid, unique Excel sheet names for ``names``, in order.

    Characters Excel forbids (``[]:*?/\\`` and control characters) become ``_``, leading and
    trailing apostrophes are removed, names are cut to 31 characters, and a name equal (ignoring
    case, as Excel does) to an earlier one or to a reserved one gets a ``~2``, ``~3``... suffix.
    """
    used = {r.casefold() for r in (*reserved, *_RESERVED_SHEET_NAMES)}
    result: list[str] = []
    for name in names:
        base = _FORBIDDEN_IN_SHEET_NAME.sub("_", name).strip("'") or "Table"
        candidate = base[:MAX_SHEET_NAME].rstrip("'")
        n = 2
        while candidate.casefold() in used:
            suffix = f"~{n}"
            candidate = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
            n += 1
        if candidate != name:
            log.info("table %r is on sheet %r", name, candidate)
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def document_datetime(metadata: Mapping[str, str]) -> datetime:
    """The fixed creation/modification date of the workbook: ``as_of`` in UTC, else 2000-01-01."""
    raw = metadata.get("as_of")
    if raw:
        try:
            moment = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            log.warning("as_of %r is not an ISO date; the workbook is dated %s",
                        raw, DEFAULT_DATETIME.date())
        else:
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            return moment.replace(microsecond=0)
    return DEFAULT_DATETIME


def _sheet_ref(sheet: str, cell: str = "A1") -> str:
    """An internal reference such as ``'NAT_X'!A1`` (apostrophes doubled)."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _link(ws: Worksheet, row: int, column: int, text: str, sheet: str) -> None:
    """A cell holding ``text`` that jumps to cell A1 of ``sheet``."""
    cell = ws.cell(row=row, column=column, value=text)
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=_sheet_ref(sheet), display=text)
    cell.font = _LINK_FONT


def _set_widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(
            _MIN_WIDTH, min(_MAX_WIDTH, width + 2))


def _wrapped_height(text: str, width: float) -> float:
    """Approximate height of a row holding ``text`` wrapped over ``width`` characters."""
    per_line = max(1, int(width))
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.splitlines() or [""])
    return min(_MAX_ROW_HEIGHT, _LINE_HEIGHT * lines)


def _describe(code: str, labels: Mapping[str, str]) -> str:
    label = labels.get(code)
    return f"{code} ({label})" if label else code


def _write_about(ws: Worksheet, tables: Sequence[Table], names: Sequence[str], *, title: str,
                 metadata: Mapping[str, str], cell_counts: Sequence[int]) -> None:
    """The first sheet: title, run metadata, notes and the list of tables with links."""
    ws["A1"] = title
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = ("Exact, unrounded figures. Each table sheet lists every non-zero cell, margins "
                "(TOTAL, T) included; a cell not listed is zero.")
    ws["A2"].font = _NOTE_FONT
    row = 4
    ws.cell(row=row, column=1, value="Run").font = _BOLD
    for key, value in metadata.items():
        row += 1
        ws.cell(row=row, column=1, value=str(key))
        ws.cell(row=row, column=2, value="" if value is None else str(value))
    row += 2
    headers = ("Sheet", "Table", "Title", "Kind", "Frequency", "Unit", "Cells")
    for column, header in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=column, value=header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
    ws.cell(row=row - 1, column=1, value="Contents").font = _BOLD
    for table, name, count in zip(tables, names, cell_counts, strict=True):
        row += 1
        _link(ws, row, 1, name, name)
        ws.cell(row=row, column=2, value=table.name)
        ws.cell(row=row, column=3, value=table.title)
        ws.cell(row=row, column=4, value=table.kind)
        ws.cell(row=row, column=5, value=table.freq)
        ws.cell(row=row, column=6, value=table.unit)
        count_cell = ws.cell(row=row, column=7, value=count)
        count_cell.number_format = NUMBER_FORMAT
    widths = [max([len("Contents"), len("Sheet"), *(len(str(k)) for k in metadata),
                   *(len(n) for n in names)]),
              max([len("Table"), *(len(str(v)) for v in metadata.values()),
                   *(len(t.name) for t in tables)]),
              max([len("Title"), *(len(t.title) for t in tables)]),
              len("national"), len("Frequency"), 6, 8]
    _set_widths(ws, widths)


def _write_table(ws: Worksheet, table: Table, *, as_of: str | None) -> int:
    """One table sheet (layout in the module docstring); returns the number of cells."""
    cells = table_cells(table, drop_zeros=False, allow_negative=True)
    columns = table.columns
    n_columns = len(columns)
    last = get_column_letter(n_columns)

    ws["A1"] = table.title
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = table.definition
    ws["A2"].alignment = _WRAP_TOP
    ws.merge_cells(f"A2:{last}2")
    source = f"Source: {SOURCE} as of {as_of}" if as_of else f"Source: {SOURCE}"
    ws["A3"] = (f"Unit: {_describe(table.unit, UNIT_LABELS)} · "
                f"Frequency: {_describe(table.freq, FREQ_LABELS)} · {source}")
    ws["A3"].font = _NOTE_FONT
    ws["A4"] = (f"{len(cells):,} cells listed; a cell not listed is zero."
                if cells else "No non-zero cell: every cell of this table is zero.")
    ws["A4"].font = _NOTE_FONT

    for column, header in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=column, value=header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER

    widths = [len(c) for c in columns]
    for offset, (key, value) in enumerate(cells):
        row = FIRST_DATA_ROW + offset
        for column, code in enumerate(key, start=1):
            ws.cell(row=row, column=column, value=code)
            widths[column - 1] = max(widths[column - 1], len(code))
        cell = ws.cell(row=row, column=n_columns, value=value)
        cell.number_format = NUMBER_FORMAT
        widths[-1] = max(widths[-1], len(f"{value:,}"))
    _set_widths(ws, widths)

    total_width = sum(ws.column_dimensions[get_column_letter(i)].width
                      for i in range(1, n_columns + 1))
    ws.row_dimensions[2].height = _wrapped_height(table.definition, total_width)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(1, len(cells))}"
    ws.freeze_panes = FREEZE_CELL
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    return len(cells)


def _deterministic_zip(data: bytes) -> bytes:
    """Re-zip an xlsx with fixed entry dates and attributes, ``[Content_Types].xml`` first and the
    other entries in sorted order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


def workbook_bytes(tables: Sequence[Table], *, title: str, metadata: Mapping[str, str]) -> bytes:
    """The bytes of the workbook :func:`write_workbook` writes."""
    names = sheet_names(t.name for t in tables)
    as_of = metadata.get("as_of")
    wb = Workbook()
    about = wb.active
    about.title = ABOUT_SHEET
    counts = []
    for table, name in zip(tables, names, strict=True):
        counts.append(_write_table(wb.create_sheet(title=name), table,
                                   as_of=str(as_of) if as_of else None))
    _write_about(about, tables, names, title=title, metadata=metadata, cell_counts=counts)
    wb.active = 0

    moment = document_datetime(metadata)
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = "asylstat"
    wb.properties.lastModifiedBy = None
    wb.properties.title = title

    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook() stamps `modified` with the current time.
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _deterministic_zip(raw.getvalue())


def write_workbook(tables: Sequence[Table], path: Path, *, title: str,
                   metadata: Mapping[str, str]) -> None:
    """Write the audited workbook of ``tables`` to ``path`` atomically (temporary file, replace).

    ``metadata`` (period, as_of, run_id, code version...) is listed on the "About" sheet in the
    given order; ``metadata["as_of"]`` also dates the document and the source line of each sheet.
    Raises ``ValueError`` when a table holds a non-integer value or a malformed code.
    """
    data = workbook_bytes(tables, title=title, metadata=metadata)
    write_bytes_atomically(data, Path(path))
    log.info("wrote %s (%d tables, %d bytes)", path, len(tables), len(data))


def read_workbook_cells(path: Path) -> dict[str, list[tuple]]:
    """The values of every row of every sheet, by sheet name, in sheet order (for ``verify``)."""
    wb = load_workbook(Path(path), read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()
