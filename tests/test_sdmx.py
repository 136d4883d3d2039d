"""SDMX-CSV transmission files: exact bytes as outputs.md prescribes."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asylstat.tables import Table
from asylstat.write.sdmx import code_sort_key, sdmx_csv_text, write_sdmx_csv

DIMS = ("citizen", "sex", "age", "applicant")
HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,sex,age,applicant,geo,TIME_PERIOD,OBS_VALUE\n"
)


def make_table(rows: list[tuple], *, dims: tuple[str, ...] = DIMS, name: str = "MIGR_ASYAPPCTZM",
               freq: str = "M", unit: str = "PER", obs_dtype: str | None = None) -> Table:
    data = pd.DataFrame(rows, columns=[*dims, "TIME_PERIOD", "OBS_VALUE"])
    if obs_dtype:
        data["OBS_VALUE"] = data["OBS_VALUE"].astype(obs_dtype)
    return Table(name=name, title="Applicants", definition="Persons.", kind="eurostat",
                 freq=freq, unit=unit, dimensions=dims, data=data)


# Rows deliberately out of order, with a zero cell and numpy integers.
ROWS = [
    ("SY", "T", "TOTAL", "TOTAL", "2024-08", 7),
    ("AF", "F", "Y18-34", "FRST", "2024-07", 41),
    ("AF", "F", "Y_LT14", "FRST", "2024-07", 3),
    ("AF", "F", "Y14-17", "FRST", "2024-07", 2),
    ("AF", "F", "UNK", "FRST", "2024-07", 0),
    ("AF", "F", "TOTAL", "FRST", "2024-07", 46),
    ("AF", "F", "TOTAL", "FRST", "2024-06", 12),
    ("SY", "T", "TOTAL", "TOTAL", "2024-07", 1234567),
]

EXPECTED = (
    "STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,sex,age,applicant,geo,TIME_PERIOD,OBS_VALUE\n"
    "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,TOTAL,FRST,BE,2024-06,12\n"
    "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,TOTAL,FRST,BE,2024-07,46\n"
    "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,Y14-17,FRST,BE,2024-07,2\n"
    "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,Y18-34,FRST,BE,2024-07,41\n"
    "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,AF,F,Y_LT14,FRST,BE,2024-07,3\n"
    "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,SY,T,TOTAL,TOTAL,BE,2024-07,1234567\n"
    "dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,SY,T,TOTAL,TOTAL,BE,2024-08,7\n"
)


def test_exact_text() -> None:
    assert sdmx_csv_text(make_table(ROWS)) == EXPECTED


def test_exact_bytes_on_disk_and_digest(tmp_path: Path) -> None:
    path = tmp_path / "transmission" / "eurostat" / "MIGR_ASYAPPCTZM.csv"
    digest = write_sdmx_csv(make_table(ROWS), path)
    raw = path.read_bytes()
    assert raw == EXPECTED.encode("ascii")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw and raw.endswith(b"\n")
    assert digest == hashlib.sha256(raw).hexdigest()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_two_writes_are_byte_identical(tmp_path: Path) -> None:
    first = write_sdmx_csv(make_table(ROWS), tmp_path / "a.csv")
    shuffled = make_table(list(reversed(ROWS)), obs_dtype="int32")
    second = write_sdmx_csv(shuffled, tmp_path / "b.csv")
    assert first == second
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    # overwriting in place gives the same file again
    assert write_sdmx_csv(make_table(ROWS), tmp_path / "a.csv") == first


def test_zero_cells_dropped() -> None:
    text = sdmx_csv_text(make_table([("AF", "F", "UNK", "FRST", "2024-07", 0),
                                     ("AF", "F", "TOTAL", "FRST", "2024-07", np.int64(5))]))
    assert ",UNK," not in text
    assert text.splitlines()[1].endswith(",TOTAL,FRST,BE,2024-07,5")
    assert len(text.splitlines()) == 2


def test_all_zero_or_empty_table_is_header_only() -> None:
    assert sdmx_csv_text(make_table([])) == HEADER
    assert sdmx_csv_text(make_table([("AF", "F", "UNK", "FRST", "2024-07", 0)])) == HEADER


def test_ascii_order_not_natural_or_locale_order() -> None:
    # Natural/locale order would put Y_LT14 before Y14-17 and lower-case next to upper-case;
    # byte order puts digits < upper case < '_' < lower case.
    rows = [("AF", "T", age, "TOTAL", "2024-07", 1)
            for age in ("Y_LT14", "Y14-17", "UNK", "TOTAL", "Y_GE65", "Y35-64", "Y18-34")]
    rows += [(c, "T", "TOTAL", "TOTAL", "2024-07", 1) for c in ("aa", "Zz", "ZW")]
    lines = sdmx_csv_text(make_table(rows)).splitlines()[1:]
    ages = [line.split(",")[7] for line in lines if line.split(",")[5] == "AF"]
    assert ages == ["TOTAL", "UNK", "Y14-17", "Y18-34", "Y35-64", "Y_GE65", "Y_LT14"]
    assert [line.split(",")[5] for line in lines][-3:] == ["ZW", "Zz", "aa"]


def test_sort_is_by_dimension_columns_in_file_order_then_period() -> None:
    dims = ("partner", "req_type", "sex")
    rows = [("AT", "TC", "F", "2024", 1), ("AT", "TB", "M", "2024", 2),
            ("AT", "TB", "F", "2025", 3), ("AT", "TB", "F", "2024", 4)]
    text = sdmx_csv_text(make_table(rows, dims=dims, name="MIGR_DUBRO", freq="A", unit="NR"))
    assert text == (
        "STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,partner,req_type,sex,geo,TIME_PERIOD,OBS_VALUE\n"
        "dataflow,ESTAT:MIGR_DUBRO(1.0),I,A,NR,AT,TB,F,BE,2024,4\n"
        "dataflow,ESTAT:MIGR_DUBRO(1.0),I,A,NR,AT,TB,F,BE,2025,3\n"
        "dataflow,ESTAT:MIGR_DUBRO(1.0),I,A,NR,AT,TB,M,BE,2024,2\n"
        "dataflow,ESTAT:MIGR_DUBRO(1.0),I,A,NR,AT,TC,F,BE,2024,1\n"
    )


def test_minimal_quoting() -> None:
    rows = [("A,B", "F", 'say "x"', "FRST", "2024-07", 1),
            ("C\rD", "F", "E\nF", "FRST", "2024-07", 2)]
    lines = sdmx_csv_text(make_table(rows)).split("\n")
    assert lines[1].startswith('dataflow,ESTAT:MIGR_ASYAPPCTZM(1.0),I,M,PER,"A,B",F,"say ""x""",')
    assert 'PER,"C\rD",F,"E' in lines[2]
    parsed = list(csv.reader(io.StringIO(sdmx_csv_text(make_table(rows)), newline="")))
    assert parsed[1][5:8] == ["A,B", "F", 'say "x"'] and parsed[2][5:8] == ["C\rD", "F", "E\nF"]


@pytest.mark.parametrize("bad", [41.0, float("nan"), 2.5, None, "41", True, -1, np.float64(3)])
def test_non_whole_or_negative_values_rejected(bad: object) -> None:
    table = make_table([("AF", "F", "TOTAL", "FRST", "2024-07", 1)])
    table.data["OBS_VALUE"] = pd.Series([bad], dtype=object)
    with pytest.raises(ValueError, match="MIGR_ASYAPPCTZM.*OBS_VALUE"):
        sdmx_csv_text(table)


def test_float_column_rejected_even_when_integral() -> None:
    with pytest.raises(ValueError, match="whole number"):
        sdmx_csv_text(make_table([("AF", "F", "TOTAL", "FRST", "2024-07", 41)],
                                 obs_dtype="float64"))


def test_nullable_integer_missing_rejected() -> None:
    table = make_table([("AF", "F", "TOTAL", "FRST", "2024-07", 41)], obs_dtype="Int64")
    assert sdmx_csv_text(table).endswith(",41\n")
    # a table's cells are validated once, when first used: the missing value is in a new table
    data = table.data.copy()
    data.loc[0, "OBS_VALUE"] = pd.NA
    with pytest.raises(ValueError):
        sdmx_csv_text(dataclasses.replace(table, data=data))


def test_missing_code_rejected() -> None:
    with pytest.raises(ValueError, match="citizen"):
        sdmx_csv_text(make_table([(None, "F", "TOTAL", "FRST", "2024-07", 41)]))


def test_duplicate_cell_rejected() -> None:
    row = ("AF", "F", "TOTAL", "FRST", "2024-07", 41)
    with pytest.raises(ValueError, match="more than once"):
        sdmx_csv_text(make_table([row, row]))


def test_bad_structure_rejected() -> None:
    with pytest.raises(ValueError, match="freq"):
        sdmx_csv_text(make_table([], freq="W"))
    with pytest.raises(ValueError, match="clash"):
        sdmx_csv_text(make_table([], dims=("citizen", "geo")))
    table = make_table([])
    with pytest.raises(ValueError, match="lacks"):
        sdmx_csv_text(Table(**{**table.__dict__, "data": table.data.drop(columns="age")}))


def test_failed_write_leaves_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "MIGR_ASYAPPCTZM.csv"
    write_sdmx_csv(make_table(ROWS), path)
    with pytest.raises(ValueError):
        write_sdmx_csv(make_table([("AF", "F", "TOTAL", "FRST", "2024-07", 1.5)]), path)
    assert path.read_bytes() == EXPECTED.encode()
    assert len(list(tmp_path.iterdir())) == 1


codes = st.text(alphabet="AFMTUNKYZ_-0123456789_az", min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(codes, codes, st.sampled_from(["2024-07", "2024-08", "2024-09"])),
                       st.integers(min_value=0, max_value=10**9), max_size=40))
def test_property_sorted_no_zeros_round_trip(cells: dict) -> None:
    rows = [(c, s, p, v) for (c, s, p), v in cells.items()]
    table = make_table(rows, dims=("citizen", "sex"))
    text = sdmx_csv_text(table)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    body = parsed[1:]
    assert parsed[0][-3:] == ["geo", "TIME_PERIOD", "OBS_VALUE"]
    assert {(r[5], r[6], r[8]): int(r[9]) for r in body} == {k: v for k, v in cells.items() if v}
    keys = [code_sort_key((r[5], r[6], r[8])) for r in body]
    assert keys == sorted(keys)
    assert all(r[:5] == ["dataflow", "ESTAT:MIGR_ASYAPPCTZM(1.0)", "I", "M", "PER"] and r[7] == "BE"
               for r in body)
    assert sdmx_csv_text(make_table(list(reversed(rows)), dims=("citizen", "sex"))) == text


def test_cells_computed_once_and_selected_per_use() -> None:
    # worked by hand from ROWS: 8 rows, one of them zero (AF/F/UNK/FRST/2024-07)
    table = make_table(ROWS)
    cells = table.cells
    assert table.cells is cells                        # kept with the table, not recomputed
    assert len(cells) == 8
    assert cells.keys()[:3] == [("AF", "F", "TOTAL", "FRST", "2024-06"),
                                ("AF", "F", "TOTAL", "FRST", "2024-07"),
                                ("AF", "F", "UNK", "FRST", "2024-07")]
    assert cells.values.tolist() == [12, 46, 0, 2, 41, 3, 1234567, 7]
    transmitted = cells.select()                       # zero cells left out
    assert len(transmitted) == 7 and 0 not in transmitted.values.tolist()
    assert cells.select(drop_zeros=False) is cells
    negative = make_table([("AF", "F", "TOTAL", "FRST", "2024-07", -3)])
    assert negative.cells.select(allow_negative=True).pairs() == [
        (("AF", "F", "TOTAL", "FRST", "2024-07"), -3)]
    with pytest.raises(ValueError, match="negative"):
        negative.cells.select()


def test_each_recipient_has_its_agency_in_the_structure_id() -> None:
    """outputs.md: ``ESTAT:`` for Eurostat, ``EUAA:`` for the EPS dataflows, ``FRONTEX:`` for
    Frontex's."""
    for kind, agency in (("eurostat", "ESTAT"), ("euaa", "EUAA"), ("frontex", "FRONTEX")):
        data = pd.DataFrame({"citizen": ["MA"], "TIME_PERIOD": ["2024-07"], "OBS_VALUE": [4]})
        made = Table(name="X_FLOW", title="t", definition="d", kind=kind, freq="M",
                     unit="PER", dimensions=("citizen",), data=data)
        assert sdmx_csv_text(made).splitlines()[1] == (
            f"dataflow,{agency}:X_FLOW(1.0),I,M,PER,MA,BE,2024-07,4")
