"""The audited workbook: layout, numeric cells, deterministic bytes, sheet names."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from asylstat.tables import Table
from asylstat.write.workbook import (
    ABOUT_SHEET,
    read_workbook_cells,
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
