"""Property tests over small random warehouses (hypothesis): the margins of the pending,
withdrawal and decision tables add up, and the monthly stock–flow identity holds exactly.

Expected values are recomputed here from the output tables themselves or from the generated
rows by plain Python, never taken from the code under test.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asylstat.checks.outputs import check_margins
from asylstat.cube import CubeSpec, build_cube
from asylstat.dataflows.decisions import ASYDCFSTQ
from asylstat.dataflows.pending import ASYPENCTZM, NAT_STOCK_FLOW
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.periods import Period
from asylstat.tables import Table
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot
from conftest import AS_OF, write_warehouse

MONTHS = (Period("M", 2024, 7), Period("M", 2024, 8), Period("M", 2024, 9))
Q3 = Period("Q", 2024, 3)
START = date(2024, 5, 15)
#: Ibis compiles each query in Python (~0.5 s a table on these tiny warehouses), so each test
#: builds one or two tables and runs 20 examples to stay near 20 s.
SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

days = st.integers(min_value=0, max_value=150).map(lambda n: START + timedelta(days=n))
maybe_day = st.none() | days


@st.composite
def warehouses(draw: st.DrawFn, ordered: bool = False) -> dict[str, list[dict]]:
    """A small warehouse: up to 4 persons (person 5 is missing), 1-7 applications, decisions,
    appeals and withdrawals on random dates and codes, invalid codes included. ``ordered``:
    every closing date falls on or after its application's lodging."""
    persons = [{"person_id": p, "sex": draw(st.sampled_from(["M", "F", "x", None])),
                "birth_date": draw(st.none() | st.dates(date(1950, 1, 1), date(2024, 9, 30))),
                "citizenship": draw(st.sampled_from(["SYR", " afg", "XXX", "YUG", None]))}
               for p in range(1, 5)]
    apps = []
    for a in range(1, draw(st.integers(1, 10)) + 1):
        lodged = draw(maybe_day)
        apps.append({"application_id": a, "person_id": draw(st.integers(1, 5)),
                     "lodged_date": lodged,
                     "channel": draw(st.sampled_from(["TERRITORY", "BORDER", "RESETTLEMENT"])),
                     "unaccompanied_minor": draw(st.booleans()),
                     "dublin_closed_date": None if draw(st.booleans()) else
                     _after(draw, lodged, ordered)})
    ids = [a["application_id"] for a in apps] + [99]  # 99: a missing application
    lodged_of = {a["application_id"]: a["lodged_date"] for a in apps}
    decisions = []
    for d in range(1, draw(st.integers(0, 8)) + 1):
        aid = draw(st.sampled_from(ids))
        decisions.append({
            "decision_id": d, "application_id": aid,
            "instance": draw(st.sampled_from(["FIRST", "APPEAL"])),
            "outcome": draw(st.sampled_from(["REFUGEE", "SUBSIDIARY", "HUMANITARIAN",
                                             "REJECTED", "ANNULLED", " rejected", "??"])),
            "decision_date": draw(days),
            "final_date": None if draw(st.booleans()) else
            _after(draw, lodged_of.get(aid), ordered)})
    appeals = [{"appeal_id": i, "application_id": d["application_id"],
                "decision_id": d["decision_id"], "lodged_date": draw(days),
                "appeal_decision_id": draw(st.none() | st.integers(1, 8))}
               for i, d in enumerate(draw(st.lists(st.sampled_from(decisions), max_size=3))
                                     if decisions else [], start=1)]
    withdrawals = []
    for w in range(1, draw(st.integers(0, 5)) + 1):
        aid = draw(st.sampled_from(ids))
        withdrawals.append({"withdrawal_id": w, "application_id": aid,
                            "withdrawal_date": _after(draw, lodged_of.get(aid), ordered),
                            "kind": draw(st.sampled_from(["EXPLICIT", "IMPLICIT", "implicit ",
                                                          "OTHER"]))})
    return {"person": persons, "application": apps, "decision": decisions, "appeal": appeals,
            "withdrawal": withdrawals}


def _after(draw: st.DrawFn, lodged: date | None, ordered: bool) -> date:
    """A closing date: anywhere, or on or after ``lodged`` when ``ordered``."""
    if ordered and lodged is not None:
        return lodged + timedelta(days=draw(st.integers(0, 120)))
    return draw(days)


def build(rows: dict[str, list[dict]], specs: dict[str, tuple[CubeSpec, tuple[Period, ...]]]
          ) -> dict[str, Table]:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_warehouse(Path(tmp) / "wh.duckdb", rows)
        snap = Snapshot(connect(f"duckdb:///{path}"), AS_OF)
        return {name: build_cube(spec, snap, periods) for name, (spec, periods) in specs.items()}


def by_cell(table: Table, dim: str) -> dict[tuple, dict[str, int]]:
    """{(other codes..., period): {code of dim: value}}."""
    i = table.dimensions.index(dim)
    out: dict[tuple, dict[str, int]] = {}
    for row in table.data.itertuples(index=False, name=None):
        codes, value = row[:-1], int(row[-1])
        out.setdefault(codes[:i] + codes[i + 1:], {})[codes[i]] = value
    return out


def assert_margins(table: Table, spec: CubeSpec) -> None:
    for dim in spec.dimensions:
        for result in check_margins(table, dim):
            assert result.status == "pass", (result.rule, result.examples)


def closing_dates(rows: dict[str, list[dict]]) -> dict[int, date]:
    """Plain-Python closure (statistics.md): earliest withdrawal, final date of a decision not
    annulled (after normalising the outcome), Dublin closure."""
    close: dict[int, list[date]] = {}
    for w in rows["withdrawal"]:
        close.setdefault(w["application_id"], []).append(w["withdrawal_date"])
    for d in rows["decision"]:
        if d["final_date"] is not None and d["outcome"].strip().upper() != "ANNULLED":
            close.setdefault(d["application_id"], []).append(d["final_date"])
    for a in rows["application"]:
        if a["dublin_closed_date"] is not None:
            close.setdefault(a["application_id"], []).append(a["dublin_closed_date"])
    return {aid: min(dates) for aid, dates in close.items()}


def pending_persons_by_hand(rows: dict[str, list[dict]], end: date) -> int:
    closed = closing_dates(rows)
    return len({a["person_id"] for a in rows["application"]
                if a["channel"] != "RESETTLEMENT" and a["lodged_date"] is not None
                and a["lodged_date"] <= end
                and (a["application_id"] not in closed or closed[a["application_id"]] > end)})


@SETTINGS
@given(warehouses())
def test_stock_flow_identity_on_any_warehouse(rows):
    flow = build(rows, {"flow": (NAT_STOCK_FLOW, MONTHS)})["flow"]
    # the identity, per month and channel (TOTAL included): the residual is DIFFERENCE
    for (channel, period), m in by_cell(flow, "measure").items():
        residual = (m.get("OPEN_START", 0) + m.get("LODGED", 0) - m.get("CLOSED", 0)
                    - m.get("OPEN_END", 0))
        assert residual == m.get("DIFFERENCE", 0), (channel, period, m)
    # the stock at the end of a month is the stock at the start of the next
    cells = by_cell(flow, "measure")
    for (channel, period), m in cells.items():
        following = {"2024-07": "2024-08", "2024-08": "2024-09"}.get(period)
        if following:
            assert m.get("OPEN_END", 0) == cells.get((channel, following), {}).get(
                "OPEN_START", 0)


@SETTINGS
@given(warehouses())
def test_pending_persons_margins_and_recount(rows):
    pen = build(rows, {"pen": (ASYPENCTZM, MONTHS)})["pen"]
    # the pending persons agree with a plain-Python recount, and the margins add up
    assert_margins(pen, ASYPENCTZM)
    for month in MONTHS:
        total = pen.data[(pen.data.citizen == "TOTAL") & (pen.data.sex == "T")
                         & (pen.data.age == "TOTAL") & (pen.data.TIME_PERIOD == month.label)]
        got = int(total.OBS_VALUE.iloc[0]) if len(total) else 0
        assert got == pending_persons_by_hand(rows, month.end)


@SETTINGS
@given(warehouses(ordered=True))
def test_stock_flow_closes_exactly_when_closures_follow_lodging(rows):
    flow = build(rows, {"flow": (NAT_STOCK_FLOW, MONTHS)})["flow"]
    assert "DIFFERENCE" not in set(flow.data["measure"])
    for m in by_cell(flow, "measure").values():
        assert (m.get("OPEN_START", 0) + m.get("LODGED", 0) - m.get("CLOSED", 0)
                == m.get("OPEN_END", 0))


@SETTINGS
@given(warehouses())
def test_decision_margins(rows):
    dec = build(rows, {"dec": (ASYDCFSTQ, (Q3,))})["dec"]
    assert_margins(dec, ASYDCFSTQ)
    for key, d in by_cell(dec, "decision").items():
        assert d.get("POS", 0) == d.get("POS_RFG", 0) + d.get("POS_SPROT", 0) + d.get(
            "POS_HUM", 0), key
        assert d.get("TOTAL", 0) == d.get("POS", 0) + d.get("NEG", 0), key
    assert_positive_integers(dec)


@SETTINGS
@given(warehouses())
def test_withdrawal_margins(rows):
    wd = build(rows, {"wd": (ASYWITHM, MONTHS)})["wd"]
    assert_margins(wd, ASYWITHM)
    for key, w in by_cell(wd, "withdr").items():
        assert w.get("TOTAL", 0) == w.get("EXPL", 0) + w.get("IMPL", 0) + w.get("UNK", 0), key
    assert_positive_integers(wd)


def assert_positive_integers(table: Table) -> None:
    assert (table.data["OBS_VALUE"] > 0).all()
    assert str(table.data["OBS_VALUE"].dtype) == "int64"
