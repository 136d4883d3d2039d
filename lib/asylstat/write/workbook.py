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

Speed: openpyxl builds everything but the data rows (the "About" sheet, rows 1-5 of each table
sheet, styles, widths, filters, merged cells, print titles) plus one placeholder cell that makes
it register the ``#,##0`` style. The data rows, up to a million in an annual run, are then
streamed as XML straight into the final zip entry instead of being built cell object by cell
object: each code as an index into one shared string table (``xl/sharedStrings.xml``, the codes
of every sheet in code-point order), each value as a number (``t="n"``, written ``%.16g`` as
openpyxl writes numbers) of the ``#,##0`` cell format. Every code is written as text, never as a
formula or an error value, whatever it starts with.
"""

from __future__ import annotations

import io
import logging
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from asylstat.tables import Table
from asylstat.write.cells import TEXT, Cells
from asylstat.write.sdmx import write_bytes_atomically

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
#: The note under the title of the "About" sheet (the public workbook gives its own).
EXACT_FIGURES_NOTE = ("Exact, unrounded figures. Each table sheet lists every non-zero cell, "
                      "margins (TOTAL, T) included; a cell not listed is zero.")

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(italic=True, color="595959")
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_LINK_FONT = Font(color="0563C1", underline="single")

#: Excel's limit on the text of one cell; openpyxl cuts longer text to it.
MAX_CELL_TEXT = 32767
#: The shared string table, which holds every code of the data rows.
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHARED_STRINGS_TYPE = ("application/vnd.openxmlformats-officedocument.spreadsheetml."
                        "sharedStrings+xml")
_SHARED_STRINGS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                       "sharedStrings")
#: openpyxl numbers the workbook's relationships rId1, rId2...: this one cannot clash.
_SHARED_STRINGS_REL_ID = "rIdSharedStrings"
#: zlib level of the entries holding data rows (the others keep zipfile's default, 6).
FILL_COMPRESS_LEVEL = 1
#: Data rows formatted into one string at a time.
_ROWS_PER_CHUNK = 10_000

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
    """An internal reference such as ``'Sheet 1'!A1`` (apostrophes doubled)."""
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
                 metadata: Mapping[str, str], cell_counts: Sequence[int], note: str) -> None:
    """The first sheet: title, ``note``, run metadata and the list of tables with links."""
    ws["A1"] = title
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = note
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


def _distinct_codes(cells: Cells) -> list[list[str]]:
    """The distinct codes of each key column (dimensions, then ``TIME_PERIOD``) of ``cells``."""
    if not len(cells):
        return []
    return [pc.unique(codes).to_pylist() for codes in cells.codes]


def _column_widths(columns: Sequence[str], cells: Cells,
                   distinct: Sequence[Sequence[str]]) -> list[int]:
    """Characters needed by each column: its header, its longest code, and the widest value as
    Excel shows it with ``#,##0`` (the largest, or the most negative, value)."""
    widths = [len(c) for c in columns]
    for index, codes in enumerate(distinct):
        widths[index] = max(widths[index], *map(len, codes))
    if len(cells):
        values = cells.values
        widths[-1] = max(widths[-1], len(f"{int(values.max()):,}"),
                         len(f"{int(values.min()):,}"))
    return widths


def _write_table(ws: Worksheet, table: Table, cells: Cells,
                 distinct: Sequence[Sequence[str]], *, as_of: str | None) -> None:
    """Rows 1-5 of one table sheet and its settings (layout in the module docstring).

    Of the data rows only the value of the first cell is put in the sheet (row 6): it makes
    openpyxl register the ``#,##0`` style; :func:`_splice_data_rows` then replaces that row with
    every data row.
    """
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
                if len(cells) else "No non-zero cell: every cell of this table is zero.")
    ws["A4"].font = _NOTE_FONT

    for column, header in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=column, value=header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER

    if len(cells):
        placeholder = ws.cell(row=FIRST_DATA_ROW, column=n_columns, value=int(cells.values[0]))
        placeholder.number_format = NUMBER_FORMAT
    _set_widths(ws, _column_widths(columns, cells, distinct))

    total_width = sum(ws.column_dimensions[get_column_letter(i)].width
                      for i in range(1, n_columns + 1))
    ws.row_dimensions[2].height = _wrapped_height(table.definition, total_width)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(1, len(cells))}"
    ws.freeze_panes = FREEZE_CELL
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def text_xml(code: str) -> str:
    """``code`` as the ``<t>`` element of a string, as openpyxl writes one.

    Cut to :data:`MAX_CELL_TEXT` characters, ``&``, ``<`` and ``>`` escaped, ``xml:space`` kept
    when the text has leading or trailing blanks (openpyxl forgets it on an all-blank text, which
    a reader may then take as empty); a control character Excel cannot hold raises
    openpyxl's ``IllegalCharacterError``, as assigning it to a cell does.
    """
    text = code[:MAX_CELL_TEXT]
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{escaped}</t>"


def shared_strings_xml(codes: Sequence[str], references: int) -> str:
    """The shared string table (``xl/sharedStrings.xml``) holding ``codes`` in order;
    ``references`` is the number of cells that refer to it."""
    items = "".join(f"<si>{text_xml(code)}</si>" for code in codes)
    return (f'<sst xmlns="{_MAIN_NS}" count="{references}" uniqueCount="{len(codes)}">'
            f"{items}</sst>")


def _text(pieces: Sequence[pa.Array | str]) -> pa.Array:
    """Per row, the concatenation of ``pieces`` (text arrays, or a text repeated)."""
    return pc.binary_join_element_wise(
        *(pa.scalar(p, TEXT) if isinstance(p, str) else p for p in pieces),
        pa.scalar("", TEXT))


def _number_text(values: np.ndarray) -> pa.Array:
    """Each value as openpyxl writes a number (``%.16g``): for a whole number below 10^16,
    its decimal digits."""
    if len(values) and int(np.abs(values).max()) >= 10**16:
        return pa.array([f"{v:.16g}" for v in values.tolist()], TEXT)
    return pc.cast(pa.array(values), TEXT)


def data_rows_xml(cells: Cells, codes: pa.Array, number_style: int,
                  *, first_row: int = FIRST_DATA_ROW) -> Iterator[str]:
    """The ``<row>`` elements of ``cells`` from ``first_row`` on, in pieces of
    :data:`_ROWS_PER_CHUNK` rows: each code as its index in the shared string table ``codes``
    (every code, sorted), each value as a number of cell format ``number_style`` (the index of
    the ``#,##0`` format). Built column by column (pyarrow), not row by row."""
    n_codes = len(cells.codes)
    value_column = get_column_letter(n_codes + 1)
    for start in range(0, len(cells), _ROWS_PER_CHUNK):
        stop = min(start + _ROWS_PER_CHUNK, len(cells))
        row = pc.cast(pa.array(np.arange(first_row + start, first_row + stop)), TEXT)
        pieces: list[pa.Array | str] = ['<row r="', row, '">']
        for i, column in enumerate(cells.codes, start=1):
            index = pc.cast(pc.index_in(column.slice(start, stop - start), value_set=codes),
                            TEXT)
            pieces += [f'<c r="{get_column_letter(i)}', row, '" t="s"><v>', index, "</v></c>"]
        pieces += [f'<c r="{value_column}', row, f'" s="{number_style}" t="n"><v>',
                   _number_text(cells.values[start:stop]), "</v></c></row>"]
        rows = _text(pieces)
        whole = pc.binary_join(pa.LargeListArray.from_arrays(
            pa.array([0, len(rows)], pa.int64()), rows), pa.scalar("", TEXT))
        yield whole[0].as_py()


def _splice_data_rows(sheet_xml: bytes, *, cells: Cells, codes: pa.Array,
                      number_style: int) -> bytes:
    """The sheet openpyxl wrote (rows 1-5 and the placeholder row 6) with the placeholder
    replaced by every data row and the ``<dimension>`` widened to the last data row."""
    text = sheet_xml.decode("utf-8")
    start = text.find(f'<row r="{FIRST_DATA_ROW}"')
    end = text.find("</sheetData>")
    last = get_column_letter(len(cells.codes) + 1)
    head, n = re.subn(r'<dimension ref="[^"]*"',
                      f'<dimension ref="A1:{last}{HEADER_ROW + len(cells)}"', text[:start], count=1)
    if start < 0 or end < start or n != 1:
        raise RuntimeError("unexpected worksheet XML from openpyxl: no placeholder row "
                           f"{FIRST_DATA_ROW} or no <dimension> to replace")
    rows = data_rows_xml(cells, codes, number_style)
    return "".join([head, *rows, text[end:]]).encode("utf-8")


def _insert_before(xml: bytes, closing: str, element: str) -> bytes:
    """``xml`` with ``element`` inserted just before its last ``closing`` tag."""
    text = xml.decode("utf-8")
    at = text.rfind(closing)
    if at < 0:
        raise RuntimeError(f"unexpected package XML from openpyxl: no {closing}")
    return (text[:at] + element + text[at:]).encode("utf-8")


def _deterministic_zip(data: bytes,
                       fill: Mapping[str, Callable[[bytes], bytes]] | None = None,
                       add: Mapping[str, bytes] | None = None) -> bytes:
    """Re-zip an xlsx with fixed entry dates and attributes, ``[Content_Types].xml`` first and the
    other entries in sorted order.

    ``fill`` maps an entry name to a function of the entry's bytes that gives its new content,
    compressed at :data:`FILL_COMPRESS_LEVEL`; ``add`` holds new entries.
    """
    fill, add = fill or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = sorted({*source.namelist(), *add},
                       key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            content = add[name] if name in add else source.read(name)
            if name in fill:
                # Rewritten entries, the data rows above all, are compressed fast: about 3x
                # faster than zlib's default level, for a file about a quarter larger.
                target.writestr(info, fill[name](content), compresslevel=FILL_COMPRESS_LEVEL)
            else:
                target.writestr(info, content)
    return out.getvalue()


#: the last sheet of the audited workbook: each table's definition and the SQL that counted it
DEFINITIONS_SHEET = "Definitions"
#: the SQL of a table is cut, at line ends, into cells of at most this many characters
SQL_PART = 32_000


def sql_parts(text: str, limit: int = SQL_PART) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends when it can be (a
    longer line is cut where it must), that put together give ``text`` back."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return parts


def _write_definitions(ws: Worksheet, tables: Sequence[Table]) -> None:
    """The definitions sheet: per table its title, definition and unit, then the SQL the
    engine ran to count it (asylstat.queries), in parts when longer than a cell holds."""
    ws["A1"] = "How each table is computed"
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = ("The SQL each table was counted with, compiled for the run's engine, followed "
                "by the definitions of the engine tables it reads (the as-of views of the "
                "contract tables and the shared derivations); a long text is cut, at line "
                "ends, into numbered parts.")
    ws["A2"].font = _NOTE_FONT
    headers = ("Table", "Title", "Definition", "Unit", "Part", "SQL")
    for column, header in enumerate(headers, start=1):
        cell = ws.cell(row=4, column=column, value=header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
    row = 4
    for table in tables:
        for number, part in enumerate(sql_parts(table.query) or [""], start=1):
            row += 1
            ws.cell(row=row, column=1, value=table.name)
            if number == 1:
                ws.cell(row=row, column=2, value=table.title)
                ws.cell(row=row, column=3, value=table.definition).alignment = _WRAP_TOP
                ws.cell(row=row, column=4, value=table.unit)
            ws.cell(row=row, column=5, value=number)
            ws.cell(row=row, column=6, value=part)
    _set_widths(ws, [24, 40, 80, 6, 5, 100])
    ws.freeze_panes = "A5"


#: a sheet written before the table sheets: its title and the function that fills it
ExtraSheet = tuple[str, Callable[[Worksheet], None]]


def workbook_bytes(tables: Sequence[Table], *, title: str, metadata: Mapping[str, str],
                   note: str = EXACT_FIGURES_NOTE, definitions: bool = False,
                   views: Callable[[Sequence[str]], Sequence[ExtraSheet]] | None = None
                   ) -> bytes:
    """The bytes of the workbook :func:`write_workbook` writes. ``views``: given the table
    sheets' names, the sheets to put between the "About" sheet and them (the public
    workbooks' views of each table, :mod:`asylstat.report.readable`)."""
    names = sheet_names((t.name for t in tables),
                        reserved=(ABOUT_SHEET, DEFINITIONS_SHEET) if definitions
                        else (ABOUT_SHEET,))
    as_of = metadata.get("as_of")
    wb = Workbook()
    about = wb.active
    about.title = ABOUT_SHEET
    sheets: list[tuple[Worksheet, Cells]] = []
    all_codes: set[str] = set()
    extra = list(views(names)) if views is not None else []
    extra_names = sheet_names((t for t, _ in extra), reserved=(ABOUT_SHEET, *names))
    for (_, fill_sheet), extra_name in zip(extra, extra_names, strict=True):
        fill_sheet(wb.create_sheet(title=extra_name))
    for table, name in zip(tables, names, strict=True):
        cells = table.cells.select(drop_zeros=False, allow_negative=True)
        distinct = _distinct_codes(cells)
        all_codes.update(*distinct)
        ws = wb.create_sheet(title=name)
        _write_table(ws, table, cells, distinct, as_of=str(as_of) if as_of else None)
        sheets.append((ws, cells))
    _write_about(about, tables, names, title=title, metadata=metadata,
                 cell_counts=[len(cells) for _, cells in sheets], note=note)
    if definitions:
        _write_definitions(wb.create_sheet(title=DEFINITIONS_SHEET), tables)
    wb.active = 0

    moment = document_datetime(metadata)
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = "asylstat"
    wb.properties.lastModifiedBy = None
    wb.properties.title = title

    # Codes in code-point order, each once; the table is built before anything is written, so
    # that a code Excel cannot hold fails here.
    codes = sorted(all_codes)
    references = sum(len(cells) * len(cells.codes) for _, cells in sheets)
    strings = shared_strings_xml(codes, references).encode("utf-8") if codes else None
    code_array = pa.array(codes, TEXT)

    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook() stamps `modified` with the current time.
    # Stored, not compressed: the entries are compressed once, by _deterministic_zip.
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED)).save()
    # After saving, each sheet knows its part name and the placeholder its style index.
    fill: dict[str, Callable[[bytes], bytes]] = {
        ws.path.lstrip("/"): partial(
            _splice_data_rows, cells=cells, codes=code_array,
            number_style=ws.cell(row=FIRST_DATA_ROW, column=len(cells.codes) + 1).style_id)
        for ws, cells in sheets if len(cells)}
    add = {}
    if strings is not None:
        add[SHARED_STRINGS_PART] = strings
        fill["[Content_Types].xml"] = partial(
            _insert_before, closing="</Types>",
            element=f'<Override PartName="/{SHARED_STRINGS_PART}" '
                    f'ContentType="{_SHARED_STRINGS_TYPE}" />')
        fill["xl/_rels/workbook.xml.rels"] = partial(
            _insert_before, closing="</Relationships>",
            element=f'<Relationship Type="{_SHARED_STRINGS_REL}" Target="sharedStrings.xml" '
                    f'Id="{_SHARED_STRINGS_REL_ID}" />')
    return _deterministic_zip(raw.getvalue(), fill, add)


def write_workbook(tables: Sequence[Table], path: Path, *, title: str,
                   metadata: Mapping[str, str], note: str = EXACT_FIGURES_NOTE,
                   definitions: bool = False,
                   views: Callable[[Sequence[str]], Sequence[ExtraSheet]] | None = None
                   ) -> None:
    """Write the audited workbook of ``tables`` to ``path`` atomically (temporary file, replace).

    ``metadata`` (period, as_of, run_id, code version...) is listed on the "About" sheet in the
    given order; ``metadata["as_of"]`` also dates the document and the source line of each sheet.
    ``note`` is the line under the title of the "About" sheet. ``definitions``: a last sheet
    (:data:`DEFINITIONS_SHEET`) with each table's definition and the SQL that counted it.
    ``views``: sheets before the table sheets (as :func:`workbook_bytes`).
    Raises ``ValueError`` when a table holds a non-integer value or a malformed code, and
    openpyxl's ``IllegalCharacterError`` for a code holding a control character.
    """
    data = workbook_bytes(tables, title=title, metadata=metadata, note=note,
                          definitions=definitions, views=views)
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
