"""The audited workbook: layout, numeric cells, deterministic bytes, sheet names."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from asylstat.tables import Table
from asylstat.write.workbook import (
    ABOUT_SHEET,
    data_rows_xml,
    read_workbook_cells,
    shared_strings_xml,
    sheet_names,
    write_workbook,
)

TITLE = "Belgium — asylum statistics 2024-Q3"
METADATA = {"period": "2024-Q3", "as_of": "2024-10-15T08:30:00+02:00",
            "run_id": "20241015T063000Z-0123abcd", "code_version": "abc1234 (clean)"}


def make_table(name: str, dims: tuple[str, ...], rows: list[tuple], *, title: str = "A table",
               definition: str = "One unit is one person.", kind: str = "eurostat",
               freq: str = "M", unit: str = "PER") -> Table:
    data = pd.DataFrame(rows, columns=[*dims, "TIME_PERIOD", "OBS_VALUE"])
    return Table(name=name, title=title, definition=definition, kind=kind, freq=freq, unit=unit,
                 dimensions=dims, data=data)


def tables() -> list[Table]:
    apps = make_table(
        "MIGR_ASYAPPCTZM", ("citizen", "sex"),
        [("AF", "F", "2024-07", 41), ("AF", "T", "2024-07", 1234),
         ("SY", "T", "2024-07", np.int64(1_000_000))],
        title="Asylum applicants by citizenship, sex",
        definition="Persons who lodged an application in the month, counted once per month.")
    dub = make_table(
        "NAT_DUBLIN_ACCEPTANCE_RATE_BY_PARTNER", ("partner",),
        [("AT", "2024-07", 512), ("TOTAL", "2024-07", 700)],
        title="Dublin acceptance rate by partner", kind="national", unit="PCT1",
        definition="Accepted replies / all replies, in tenths of a percent.")
    return [apps, dub]


@pytest.fixture()
def written(tmp_path: Path) -> Path:
    path = tmp_path / "tables" / "2024-Q3_tables.xlsx"
    write_workbook(tables(), path, title=TITLE, metadata=METADATA)
    return path


def test_sheets_and_about(written: Path) -> None:
    wb = load_workbook(written)
    assert wb.sheetnames == [ABOUT_SHEET, "MIGR_ASYAPPCTZM", "NAT_DUBLIN_ACCEPTANCE_RATE_BY_P"]
    about = wb[ABOUT_SHEET]
    values = [c.value for row in about.iter_rows() for c in row if c.value is not None]
    assert TITLE in values
    for key, value in METADATA.items():
        assert key in values and value in values
    for table in tables():
        assert table.name in values and table.title in values
    links = {c.value: c.hyperlink.location for row in about.iter_rows() for c in row if c.hyperlink}
    assert links == {"MIGR_ASYAPPCTZM": "'MIGR_ASYAPPCTZM'!A1",
                     "NAT_DUBLIN_ACCEPTANCE_RATE_BY_P": "'NAT_DUBLIN_ACCEPTANCE_RATE_BY_P'!A1"}


def test_table_sheet_layout(written: Path) -> None:
    wb = load_workbook(written)
    ws = wb["MIGR_ASYAPPCTZM"]
    assert ws["A1"].value == "Asylum applicants by citizenship, sex" and ws["A1"].font.b
    assert ws["A2"].value.startswith("Persons who lodged") and ws["A2"].alignment.wrap_text
    assert "A2:D2" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A3"].value == ("Unit: PER (persons) · Frequency: M (monthly) · Source: eMigration "
                              "data warehouse as of 2024-10-15T08:30:00+02:00")
    header = [c.value for c in ws[5]]
    assert header == ["citizen", "sex", "TIME_PERIOD", "OBS_VALUE"]
    assert all(c.font.b for c in ws[5]) and ws["A5"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws.auto_filter.ref == "A5:D8"
    assert ws.freeze_panes == "A6"
    assert ws.column_dimensions["C"].width >= len("TIME_PERIOD")
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=6)]
    assert data == [["AF", "F", "2024-07", 41], ["AF", "T", "2024-07", 1234],
                    ["SY", "T", "2024-07", 1_000_000]]
    for row in ws.iter_rows(min_row=6):
        obs = row[-1]
        assert type(obs.value) is int and obs.data_type == "n"
        assert obs.number_format == "#,##0"
        assert all(isinstance(c.value, str) for c in row[:-1])


def test_document_dates_fixed_from_as_of(written: Path) -> None:
    wb = load_workbook(written)
    assert wb.properties.created == datetime(2024, 10, 15, 6, 30)
    assert wb.properties.modified == datetime(2024, 10, 15, 6, 30)
    with zipfile.ZipFile(written) as archive:
        infos = archive.infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])


def test_default_date_without_as_of(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(tables(), path, title="t", metadata={"period": "2024-07"})
    assert load_workbook(path).properties.created == datetime(2000, 1, 1)
    assert load_workbook(path)["MIGR_ASYAPPCTZM"]["A3"].value.endswith("eMigration data warehouse")


def test_two_writes_identical_bytes(tmp_path: Path, written: Path) -> None:
    again = tmp_path / "again.xlsx"
    write_workbook(tables(), again, title=TITLE, metadata=METADATA)
    digest = hashlib.sha256(written.read_bytes()).hexdigest()
    assert hashlib.sha256(again.read_bytes()).hexdigest() == digest
    # overwrite in place: same bytes, no temporary file left behind
    write_workbook(tables(), written, title=TITLE, metadata=METADATA)
    assert hashlib.sha256(written.read_bytes()).hexdigest() == digest
    assert [p.name for p in written.parent.iterdir()] == [written.name]


def test_read_workbook_cells(written: Path) -> None:
    cells = read_workbook_cells(written)
    assert list(cells) == [ABOUT_SHEET, "MIGR_ASYAPPCTZM", "NAT_DUBLIN_ACCEPTANCE_RATE_BY_P"]
    rows = cells["NAT_DUBLIN_ACCEPTANCE_RATE_BY_P"]
    assert rows[4] == ("partner", "TIME_PERIOD", "OBS_VALUE")
    assert rows[5:] == [("AT", "2024-07", 512), ("TOTAL", "2024-07", 700)]
    assert rows[0][0] == "Dublin acceptance rate by partner"


def test_cell_difference_is_visible(tmp_path: Path, written: Path) -> None:
    changed = tables()
    changed[0].data.loc[0, "OBS_VALUE"] = 42
    other = tmp_path / "other.xlsx"
    write_workbook(changed, other, title=TITLE, metadata=METADATA)
    a, b = read_workbook_cells(written), read_workbook_cells(other)
    assert a[ABOUT_SHEET] == b[ABOUT_SHEET] and a != b
    assert a["MIGR_ASYAPPCTZM"][5] == ("AF", "F", "2024-07", 41)
    assert b["MIGR_ASYAPPCTZM"][5] == ("AF", "F", "2024-07", 42)


def test_empty_table_sheet(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook([make_table("MIGR_ASYUNAA", ("citizen",), [])], path, title="t", metadata={})
    ws = load_workbook(path)["MIGR_ASYUNAA"]
    assert [c.value for c in ws[5]] == ["citizen", "TIME_PERIOD", "OBS_VALUE"]
    assert ws.max_row == 5 and ws.freeze_panes == "A6"


@pytest.mark.parametrize("bad", [41.0, float("nan"), None])
def test_non_integer_values_rejected(tmp_path: Path, bad: object) -> None:
    table = make_table("MIGR_X", ("citizen",), [("AF", "2024-07", 1)])
    table.data["OBS_VALUE"] = pd.Series([bad], dtype=object)
    with pytest.raises(ValueError, match="whole number"):
        write_workbook([table], tmp_path / "w.xlsx", title="t", metadata={})
    assert not list(tmp_path.iterdir())


def test_sheet_names_long_invalid_duplicate() -> None:
    names = sheet_names(["A" * 40, "A" * 35, "a" * 31, "x[1]:y*z?/w\\v", "about", "'quoted'", ""])
    assert names == ["A" * 31, "A" * 29 + "~2", "a" * 29 + "~3", "x_1__y_z__w_v", "about~2",
                     "quoted", "Table"]
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names} | {"about"}) == len(names) + 1


def test_long_and_invalid_names_in_workbook(tmp_path: Path) -> None:
    long_a = make_table("NAT_STILL_BEING_PROCESSED_BY_STAGE", ("stage",),
                        [("APPEAL", "2024-07", 3)])
    long_b = make_table("NAT_STILL_BEING_PROCESSED_BY_STAGE_AND_AGE", ("stage",),
                        [("APPEAL", "2024-07", 4)])
    odd = make_table("NAT/RATE[%]", ("stage",), [("APPEAL", "2024-07", 5)])
    path = tmp_path / "w.xlsx"
    write_workbook([long_a, long_b, odd], path, title="t", metadata={})
    wb = load_workbook(path)
    assert wb.sheetnames == [ABOUT_SHEET, "NAT_STILL_BEING_PROCESSED_BY_ST",
                             "NAT_STILL_BEING_PROCESSED_BY_~2", "NAT_RATE_%_"]
    assert wb["NAT_STILL_BEING_PROCESSED_BY_~2"]["C6"].value == 4
    about_names = [c.value for c in wb[ABOUT_SHEET]["B"]]
    assert "NAT_STILL_BEING_PROCESSED_BY_STAGE_AND_AGE" in about_names
    assert "NAT/RATE[%]" in about_names


def test_data_rows_xml_by_hand() -> None:
    # codes as indices into the shared string table, the value as a number of style 6
    cells = make_table("NAT_X", ("citizen",), [("SY", "2024-07", -1_234_567),
                                               ("AF", "2024-07", 41)], kind="national").cells
    index = pa.array(["2024-07", "AF", "SY"], pa.large_string())  # the shared strings, sorted
    assert "".join(data_rows_xml(cells, index, 6)) == (
        '<row r="6"><c r="A6" t="s"><v>1</v></c><c r="B6" t="s"><v>0</v></c>'
        '<c r="C6" s="6" t="n"><v>41</v></c></row>'
        '<row r="7"><c r="A7" t="s"><v>2</v></c><c r="B7" t="s"><v>0</v></c>'
        '<c r="C7" s="6" t="n"><v>-1234567</v></c></row>')
    assert shared_strings_xml(["A&B", " AF", "x<y>", "  "], 5) == (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" '
        'uniqueCount="4"><si><t>A&amp;B</t></si><si><t xml:space="preserve"> AF</t></si>'
        '<si><t>x&lt;y&gt;</t></si><si><t xml:space="preserve">  </t></si></sst>')


def test_awkward_codes_and_negative_values_read_back(tmp_path: Path) -> None:
    table = make_table("NAT_X", ("stage",), [
        (" AF", "2024-07", -3), ("A&B<C>", "2024-07", 0), ("=1+1", "2024-07", 5),
        ("#N/A", "2024-07", 2**40), ("é€", "2024-08", 7)], kind="national")
    path = tmp_path / "w.xlsx"
    write_workbook([table], path, title="t", metadata={})
    # sorted by code points: ' ' (0x20) < '#' (0x23) < '=' (0x3D) < 'A' (0x41) < 'é' (0xE9)
    assert read_workbook_cells(path)["NAT_X"][5:] == [
        (" AF", "2024-07", -3), ("#N/A", "2024-07", 1_099_511_627_776),
        ("=1+1", "2024-07", 5), ("A&B<C>", "2024-07", 0), ("é€", "2024-08", 7)]
    ws = load_workbook(path)["NAT_X"]
    # a code is text, never a formula or an error value, whatever it starts with
    assert [ws.cell(row, 1).data_type for row in range(6, 11)] == ["s"] * 5
    assert ws.auto_filter.ref == "A5:C10" and ws["C6"].number_format == "#,##0"


def test_code_excel_cannot_hold_rejected(tmp_path: Path) -> None:
    table = make_table("MIGR_X", ("citizen",), [("A\x01F", "2024-07", 1)])
    with pytest.raises(IllegalCharacterError):
        write_workbook([table], tmp_path / "w.xlsx", title="t", metadata={})
    assert not list(tmp_path.iterdir())


def test_about_note_can_be_replaced(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(tables(), path, title="t", metadata={}, note="Rounded figures.")
    assert read_workbook_cells(path)[ABOUT_SHEET][1][0] == "Rounded figures."


def test_large_table_round_trip(tmp_path: Path) -> None:
    # 70 citizens x 1,000 periods = 70,000 cells (more rows than the old 65,536-row limit, seven
    # pieces of 10,000 rows), given in the order i = 0..69,999 with citizen C{i % 70}, period
    # P{i // 70} and value i + 1. The sheet lists them sorted by citizen, then period: data row
    # k (0-based) is citizen k // 1000 and period k % 1000, so its value is
    # (k % 1000) * 70 + k // 1000 + 1. (Reading is openpyxl's, ~10 us a cell: kept small.)
    n = 70_000
    data = pd.DataFrame({"citizen": [f"C{i % 70:02d}" for i in range(n)],
                         "TIME_PERIOD": [f"P{i // 70:03d}" for i in range(n)],
                         "OBS_VALUE": np.arange(1, n + 1, dtype="int64")})
    big = Table(name="NAT_BIG", title="Big", definition="Many cells.", kind="national",
                freq="A", unit="NR", dimensions=("citizen",), data=data)
    path = tmp_path / "big.xlsx"
    write_workbook([big], path, title="t", metadata={})
    rows = read_workbook_cells(path)["NAT_BIG"]
    assert len(rows) == 5 + n
    assert rows[3] == ("70,000 cells listed; a cell not listed is zero.", None, None)
    assert rows[4] == ("citizen", "TIME_PERIOD", "OBS_VALUE")
    assert rows[5] == ("C00", "P000", 1)
    assert rows[5 + 1] == ("C00", "P001", 71)
    assert rows[5 + 9_999] == ("C09", "P999", 69_940)    # last row of the first piece
    assert rows[5 + 10_000] == ("C10", "P000", 11)       # first row of the second piece
    assert rows[5 + 54_321] == ("C54", "P321", 22_525)
    assert rows[-1] == ("C69", "P999", 70_000)
    assert sum(r[2] for r in rows[5:]) == n * (n + 1) // 2
    book = load_workbook(path, read_only=True)
    try:
        assert book["NAT_BIG"].max_row == 5 + n and book["NAT_BIG"].max_column == 3
    finally:
        book.close()
