"""The pivot of a table (issue 15): hand-worked on NAT_STOCK_FLOW and NAT_REGISTRATION_DELAYS,
whose strata must never be summed, and on a small count table with margins."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from asylstat.cube import build_cube
from asylstat.dataflows.applications import NAT_REGISTRATION_DELAYS
from asylstat.dataflows.pending import NAT_STOCK_FLOW
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.notebook import summary
from asylstat.periods import Period
from asylstat.pivot import period_order, pivot
from asylstat.sections import section_html, table_section
from asylstat.tables import Table

JUL, AUG, Q3 = Period("M", 2024, 7), Period("M", 2024, 8), Period("Q", 2024, 3)


def app(aid: int, pid: int, lodged: date | None, **kw):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged, **kw}


@pytest.fixture
def stock_flow(snapshot_of) -> Table:
    # the warehouse of test_pending.test_stock_flow_by_hand, territory channel:
    #  10 lodged 1 June, open                → July OPEN_START, OPEN_END; August the same
    #  11 lodged 1 June, withdrawn 10 July   → July OPEN_START, CLOSED
    #  12 lodged 5 July, open                → July LODGED, OPEN_END; August OPEN_START, OPEN_END
    #  13 lodged 5 July, Dublin-closed 20 July → July LODGED, CLOSED
    #  14 lodged 5 July, withdrawn 1 June (closed before lodged: a fault) → July LODGED,
    #     DIFFERENCE
    # July: OPEN_START 2, LODGED 3, CLOSED 2, OPEN_END 2, DIFFERENCE 1.
    # August: OPEN_START 2 (10, 12), OPEN_END 2, nothing lodged or closed: zero cells.
    return build_cube(NAT_STOCK_FLOW, snapshot_of({
        "person": [{"person_id": 1}], "application": [
            app(10, 1, date(2024, 6, 1)), app(11, 1, date(2024, 6, 1)),
            app(12, 1, date(2024, 7, 5)),
            app(13, 1, date(2024, 7, 5), dublin_closed_date=date(2024, 7, 20)),
            app(14, 1, date(2024, 7, 5))],
        "withdrawal": [
            {"withdrawal_id": 1, "application_id": 11, "withdrawal_date": date(2024, 7, 10)},
            {"withdrawal_id": 2, "application_id": 14, "withdrawal_date": date(2024, 6, 1)}]}),
        [JUL, AUG])


def test_stock_flow_measures_side_by_side_never_summed(stock_flow):
    pv = pivot(stock_flow, NAT_STOCK_FLOW.dimensions, [JUL, AUG])
    # measure is a stratum: its five values are rows, with no total row (the old summary
    # showed July as 2 + 3 + 2 + 2 + 1 = 10, a number that means nothing); channel is fixed
    # at its total (every channel here is TERRITORY, so TOTAL = TERRITORY)
    # rows in the measure's reading order: the stock at the start, the flows, the stock at
    # the end, the difference
    expected = pd.DataFrame(
        {"2024-07": [2, 3, 2, 2, 1], "2024-08": [2, 0, 0, 2, 0]},
        index=pd.Index(["OPEN_START", "LODGED", "CLOSED", "OPEN_END", "DIFFERENCE"],
                       name="measure"), dtype="Int64")
    expected.columns.name = "TIME_PERIOD"
    pd.testing.assert_frame_equal(pv.frame, expected, check_index_type=False,
                                  check_column_type=False)
    assert pv.fixed == (("channel", "TOTAL"),)
    assert pv.strata == ("measure",)
    assert "TOTAL" not in pv.frame.index
    assert 10 not in set(pv.frame["2024-07"])


def test_stock_flow_by_channel_keeps_the_measures_as_rows(stock_flow):
    # rows by channel: measure, a stratum, cannot be fixed at a total and stays in the rows
    pv = pivot(stock_flow, NAT_STOCK_FLOW.dimensions, [JUL], rows="channel")
    assert list(pv.frame.index.names) == ["channel", "measure"]
    # channel's total comes last; July's TERRITORY and TOTAL cells are the same figures
    assert [c for c, _ in pv.frame.index][-5:] == ["TOTAL"] * 5
    assert pv.frame.loc[("TOTAL", "LODGED"), "2024-07"] == 3
    assert pv.frame.loc[("TERRITORY", "LODGED"), "2024-07"] == 3


def test_registration_delays_quantiles_never_summed(snapshot_of):
    # the rows of test_measures.test_registration_and_lodging_delays, built for July and
    # August:
    # July REGISTERED days 0, 40, 5, 1 → N 4, P50 1, P90 40; LODGED 2, 41, 1 → N 3, P50 2,
    # P90 41. August: person 3 lodged app 3 on 1 Aug, presented 5 Jul → 27 days: LODGED N 1,
    # P50 27, P90 27; nobody registered in August: no REGISTERED figure at all (a median of
    # nobody is not 0 days: shown empty).
    def application(aid, pid, presented, registered, lodged, **kw):
        return {"application_id": aid, "person_id": pid, "presented_date": presented,
                "registered_date": registered, "lodged_date": lodged, **kw}
    rows = {"person": [{"person_id": i} for i in (1, 2, 3, 4)], "application": [
        application(1, 1, date(2024, 7, 1), date(2024, 7, 1), date(2024, 7, 3)),
        application(2, 2, date(2024, 6, 1), date(2024, 7, 11), date(2024, 7, 12)),
        application(3, 3, date(2024, 7, 5), date(2024, 7, 10), date(2024, 8, 1)),
        application(4, 3, date(2024, 7, 6), date(2024, 7, 20), None),
        application(5, 4, date(2024, 7, 1), date(2024, 7, 2), date(2024, 7, 2),
                    channel="RESETTLEMENT")]}
    table = NAT_REGISTRATION_DELAYS.build(snapshot_of(rows), [JUL, AUG])
    pv = pivot(table, NAT_REGISTRATION_DELAYS.dimensions, [JUL, AUG])
    na = pd.NA
    expected = pd.DataFrame(
        {"2024-07": [4, 1, 40, 3, 2, 41], "2024-08": [na, na, na, 1, 27, 27]},
        index=pd.MultiIndex.from_tuples(
            [("REGISTERED", "N"), ("REGISTERED", "P50"), ("REGISTERED", "P90"),
             ("LODGED", "N"), ("LODGED", "P50"), ("LODGED", "P90")],
            names=["step", "stat"]), dtype="Int64")
    expected.columns.name = "TIME_PERIOD"
    pd.testing.assert_frame_equal(pv.frame, expected, check_index_type=False,
                                  check_column_type=False)
    assert pv.fixed == ()
    assert pv.strata == ("step", "stat")
    # the old summary gave July 3 + 2 + 41 + 4 + 1 + 40 = 91
    assert 91 not in set(pv.frame["2024-07"].dropna())


def _withdrawals() -> Table:
    # MIGR_ASYWITHM cells by hand: 2 women (AF: 1 EXPL, SY: 1 IMPL) in July; its margins as
    # the cube makes them. Only the cells with sex = T, age = TOTAL, withdr = TOTAL matter.
    rows = [("AF", "T", "TOTAL", "TOTAL", "2024-07", 1),
            ("SY", "T", "TOTAL", "TOTAL", "2024-07", 1),
            ("TOTAL", "T", "TOTAL", "TOTAL", "2024-07", 2),
            ("AF", "F", "TOTAL", "TOTAL", "2024-07", 1),
            ("SY", "T", "TOTAL", "TOTAL", "2024-09", 4),
            ("TOTAL", "T", "TOTAL", "TOTAL", "2024-09", 4)]
    data = pd.DataFrame(rows, columns=["citizen", "sex", "age", "withdr", "TIME_PERIOD",
                                       "OBS_VALUE"]).astype({"OBS_VALUE": "int64"})
    return Table(name=ASYWITHM.name, title=ASYWITHM.title, definition=ASYWITHM.definition,
                 kind="eurostat", freq="M", unit="PER", dimensions=ASYWITHM.dimension_names,
                 data=data)


def test_count_table_margins_last_zero_months_shown_as_zero():
    table = _withdrawals()
    pv = pivot(table, ASYWITHM.dimensions, [JUL, AUG, Period("M", 2024, 9)])
    # August was made and has no cell: every count is 0 (an absent cell of a count is zero);
    # TOTAL is the table's own margin (2 in July: AF 1 + SY 1), placed last, not recomputed
    assert list(pv.frame.index) == ["AF", "SY", "TOTAL"]
    assert pv.frame.loc["TOTAL"].tolist() == [2, 0, 4]
    assert pv.frame.loc["AF"].tolist() == [1, 0, 0]
    assert pv.fixed == (("sex", "T"), ("age", "TOTAL"), ("withdr", "TOTAL"))


def test_periods_read_months_first_then_the_quarter_then_the_year():
    assert period_order([Q3, AUG, Period("A", 2024), JUL]) == ["2024-07", "2024-08", "2024-Q3",
                                                                "2024"]


def test_summary_adds_nothing(stock_flow):
    line = summary([stock_flow]).iloc[0]
    assert line["cells"] == len(stock_flow.data)
    assert line["periods"] == "2024-07, 2024-08"
    assert not any(str(c).startswith("total") for c in summary([stock_flow]).columns)


def test_section_shows_definition_pivot_validation_and_no_comparison(stock_flow):
    section = table_section(stock_flow, NAT_STOCK_FLOW, [JUL, AUG], published=None)
    assert section.revision is None
    assert all(r.status == "pass" for r in section.validation)
    text = section_html(section)
    assert "section-NAT_STOCK_FLOW" in text and NAT_STOCK_FLOW.definition[:40] in text
    assert "never added up" in text and "nothing to compare with" in text


def test_section_changes_against_the_published_run(stock_flow, tmp_path):
    # the published run's NAT_STOCK_FLOW differs from the new one in July, channel TERRITORY
    # and TOTAL alike (one application, all on TERRITORY):
    #   LODGED was 2, is 3 → up (2 cells);  CLOSED was 3, is 2 → down (2 cells);
    #   DIFFERENCE was absent (0), is 1 → new (2 cells);
    #   OPEN_END, OPEN_START unchanged; a RESETTLEMENT OPEN_START cell of 1 is gone (1 cell)
    from asylstat.sections import published_run
    from asylstat.write.files import national_csv_text

    old = stock_flow.data.copy()
    july = old["TIME_PERIOD"] == "2024-07"
    old.loc[july & (old["measure"] == "LODGED"), "OBS_VALUE"] = 2
    old.loc[july & (old["measure"] == "CLOSED"), "OBS_VALUE"] = 3
    old = old[~(july & (old["measure"] == "DIFFERENCE"))]
    gone = pd.DataFrame([["OPEN_START", "RESETTLEMENT", "2024-07", 1]], columns=old.columns)
    old = pd.concat([old, gone], ignore_index=True).astype({"OBS_VALUE": "int64"})
    folder = tmp_path / "2024-Q3"
    (folder / "tables" / "national").mkdir(parents=True)
    (folder / "tables" / "national" / "NAT_STOCK_FLOW.csv").write_text(
        national_csv_text(replace(stock_flow, data=old)), encoding="utf-8")
    section = table_section(stock_flow, NAT_STOCK_FLOW, [JUL, AUG],
                            published=published_run(folder))
    assert section.changes == {"up": 2, "down": 2, "new": 2, "gone": 1}
    assert "2 cells up, 2 down, 2 new" in section_html(section)


def test_a_table_without_dimensions_is_one_row():
    data = pd.DataFrame({"TIME_PERIOD": ["2024-07", "2024-08"], "OBS_VALUE": [7, 9]})
    table = Table(name="T", title="t", definition="d", kind="national", freq="M", unit="NR",
                  dimensions=(), data=data.astype({"OBS_VALUE": "int64"}))
    pv = pivot(table, (), [JUL, AUG])
    assert pv.frame.loc["T"].tolist() == [7, 9]


def test_sections_show_each_table_then_its_sql_folded(stock_flow):
    from asylstat.sections import Sections

    table = replace(stock_flow, query="-- the query\nSELECT 1 GROUP BY 1\n")
    section = table_section(table, NAT_STOCK_FLOW, [JUL, AUG], published=None)
    outputs = Sections(sections=(section,), engine="duckdb").outputs()
    assert [m for m, _ in outputs] == ["text/html", "text/html", "text/markdown"]
    # the SQL is a listing of its own, folded, never inside the HTML of the figures
    assert "SELECT" not in outputs[1][1]
    assert outputs[2][1].startswith("<details class='sql' id='sql-NAT_STOCK_FLOW'>")
    assert "```sql\n-- the query\nSELECT 1 GROUP BY 1\n```" in outputs[2][1]
