"""The public workbooks laid out as people read them (issue 15, item 7): a view of each table in
the reader's language before its long form."""

from __future__ import annotations

import openpyxl
import pandas as pd

from asylstat.dataflows.applications import ASYAPPCTZM
from asylstat.dataflows.pending import ASYPENCTZM
from asylstat.report.public import write_public
from asylstat.tables import Table

PERIOD = "2024-Q3"
META = {"period": PERIOD, "as_of": "2026-06-30T00:00:00.000000Z"}
MONTHS = ("2024-07", "2024-08", "2024-09")


def exact(spec, by_citizen: dict[str, tuple[int, int, int]]) -> Table:
    """A table of ``spec`` holding, for each citizenship, its three months at sex T, age
    TOTAL (and applicant TOTAL), plus one cell of another breakdown that the view leaves out."""
    rest = {"sex": "T", "age": "TOTAL", "applicant": "TOTAL"}
    rows = [{"citizen": c, **{d: rest[d] for d in spec.dimension_names[1:]},
             "TIME_PERIOD": m, "OBS_VALUE": v}
            for c, values in by_citizen.items() for m, v in zip(MONTHS, values, strict=True)
            if v]
    rows.append({"citizen": "AF", **{d: rest[d] for d in spec.dimension_names[1:]},
                 "sex": "F", "TIME_PERIOD": "2024-07", "OBS_VALUE": 12})
    data = pd.DataFrame(rows)[[*spec.dimension_names, "TIME_PERIOD", "OBS_VALUE"]]
    return Table(name=spec.name, title=spec.title, definition=spec.definition, kind="eurostat",
                 freq="M", unit="PER", dimensions=spec.dimension_names,
                 data=data.astype({"OBS_VALUE": "int64"}))


def view_rows(path, sheet):
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [tuple(r) for r in book[sheet].iter_rows(values_only=True)]
    book.close()
    return rows


def test_french_workbook_shows_citizenships_by_name_the_months_and_their_sum(tmp_path):
    # exact figures → rounded to the nearest multiple of 5, each cell alone:
    #   AF 12, 13, 3 → 10, 15, 5 (sum 30); SY 41, 0, 7 → 40, (0: no cell), 5 (sum 45)
    #   TOTAL 53, 13, 10 → 55, 15, 10 (sum 80: the sum of the rounded months, a multiple of 5;
    #   not 30 + 45 = 75: the total is the table's own, rounded alone)
    table = exact(ASYAPPCTZM, {"AF": (12, 13, 3), "SY": (41, 0, 7), "TOTAL": (53, 13, 10)})
    write_public([table], tmp_path, period=PERIOD, metadata=META)
    rows = view_rows(tmp_path / f"{PERIOD}_public_fr.xlsx", "Vue MIGR_ASYAPPCTZM")
    assert rows[4] == ("Nationalité", "Code", "juillet 2024", "août 2024", "septembre 2024",
                       "Somme des mois")
    assert rows[5:] == [("Afghanistan", "AF", 10, 15, 5, 30), ("Syrie", "SY", 40, 0, 5, 45),
                        ("Total", "TOTAL", 55, 15, 10, 80)]
    assert all(v % 5 == 0 for row in rows[5:] for v in row[2:])
    assert "personnes" in rows[1][0] and "multiple de 5" in rows[1][0]
    assert "sex = T" in rows[2][0]  # the other breakdowns at their total, said in the header
    # the long form stays, on the sheet named after the table, after the views
    book = openpyxl.load_workbook(tmp_path / f"{PERIOD}_public_fr.xlsx", read_only=True)
    assert book.sheetnames == ["About", "Vue MIGR_ASYAPPCTZM", "MIGR_ASYAPPCTZM"]
    book.close()


def test_each_language_names_the_countries_its_way(tmp_path):
    table = exact(ASYAPPCTZM, {"DE": (5, 5, 5), "TOTAL": (5, 5, 5)})
    write_public([table], tmp_path, period=PERIOD, metadata=META)
    assert view_rows(tmp_path / f"{PERIOD}_public_nl.xlsx",
                     "Overzicht MIGR_ASYAPPCTZM")[5][:2] == ("Duitsland", "DE")
    assert view_rows(tmp_path / f"{PERIOD}_public.xlsx",
                     "View MIGR_ASYAPPCTZM")[5][:2] == ("Germany", "DE")


def test_a_stock_is_never_summed_over_its_months(tmp_path):
    # persons pending at the end of each month: the same persons month after month, so the
    # view shows the months and no sum
    table = exact(ASYPENCTZM, {"AF": (20, 20, 25), "TOTAL": (20, 20, 25)})
    write_public([table], tmp_path, period=PERIOD, metadata=META)
    rows = view_rows(tmp_path / f"{PERIOD}_public.xlsx", "View MIGR_ASYPENCTZM")
    assert rows[4] == ("Citizenship", "Code", "July 2024", "August 2024", "September 2024")
    assert rows[5:] == [("Afghanistan", "AF", 20, 20, 25), ("Total", "TOTAL", 20, 20, 25)]


def test_a_table_without_dimensions_has_its_view(tmp_path):
    # a report table of one figure per month (events, not rounded): one row; September, a
    # month of the run without a cell, is 0; the sum of the months 3 + 4 + 0 = 7
    data = pd.DataFrame({"TIME_PERIOD": ["2024-07", "2024-08"], "OBS_VALUE": [3, 4]})
    table = Table(name="RPT_ONE", title="one", definition="d", kind="national", freq="M",
                  unit="NR", dimensions=(), data=data.astype({"OBS_VALUE": "int64"}),
                  disclosure="exact")
    write_public([table], tmp_path, period=PERIOD, metadata=META)
    rows = view_rows(tmp_path / f"{PERIOD}_public.xlsx", "View RPT_ONE")
    assert rows[4][2:] == ("July 2024", "August 2024", "September 2024", "Sum of the months")
    assert rows[5] == ("RPT_ONE", "RPT_ONE", 3, 4, 0, 7)


def test_a_measure_missing_in_a_month_is_an_empty_cell_and_never_summed(tmp_path):
    # a duration table: N persons and their median days; nobody in August, so no figure at
    # all that month (empty, not 0), and days are not counts: no sum of the months
    data = pd.DataFrame({"stat": ["N", "P50", "N", "P50"],
                         "TIME_PERIOD": ["2024-07", "2024-07", "2024-09", "2024-09"],
                         "OBS_VALUE": [15, 40, 5, 12]})
    table = Table(name="RPT_DAYS", title="days", definition="d", kind="national", freq="M",
                  unit="DAYS", dimensions=("stat",), data=data.astype({"OBS_VALUE": "int64"}))
    write_public([table], tmp_path, period=PERIOD, metadata=META)
    rows = view_rows(tmp_path / f"{PERIOD}_public.xlsx", "View RPT_DAYS")
    assert rows[4][2:] == ("July 2024", "August 2024", "September 2024")
    assert rows[5:] == [("N", "N", 15, None, 5), ("P50", "P50", 40, None, 12)]
