"""Property tests of the Dublin dataflows over small random Dublin warehouses (hypothesis):
margins add up, ACC = ACC_EXPL + ACC_IMPL, TOTAL = ACC + REJ, replies never exceed the requests
that could be replied to, the stocks agree with an independent Python reading of
statistics.md, and the engine's "+ N months" agrees with :func:`asylstat.periods.add_months`.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asylstat.checks.outputs import check_margins
from asylstat.codes import dublin_partner, normalise
from asylstat.cube import build_cube
from asylstat.dataflows import dublin as D
from asylstat.periods import Period, add_months
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot
from conftest import AS_OF, write_warehouse

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
START = date(2023, 1, 1)
YEARS = (Period("A", 2023), Period("A", 2024), Period("A", 2025))

DIRECTIONS = ["OUT", "IN", " out", "in ", "SIDEWAYS"]
PARTNERS = ["DEU", "FRA", "BEL", "USA", "ita", " nld ", "che"]
TYPES = ["TAKE_CHARGE", "TAKE_BACK", "INFO", "take_back ", "OTHER"]
BASES = ["ART8", "ART13", "ART18_1_B", "ART34", "BAD"]
REPLIES = [None, "ACCEPTED", "IMPLICIT_ACCEPTANCE", "REJECTED", "ANSWERED",
           " implicit_acceptance", "MAYBE"]
days = st.integers(min_value=0, max_value=3 * 365 - 1)


@st.composite
def warehouses(draw, ordered: bool = False) -> dict:
    """A small random Dublin warehouse. Dates lie in 2023–2025; with ``ordered``, replies and
    transfers never precede what they follow (real time order), else anything goes."""
    people = [{"person_id": i,
               "sex": draw(st.sampled_from(["M", "F", "X", None, " f"])),
               "birth_date": draw(st.one_of(st.none(), st.dates(date(1995, 1, 1),
                                                                 date(2025, 12, 31))))}
              for i in range(1, 4)]  # person 4 is missing from the warehouse
    n = draw(st.integers(min_value=0, max_value=12))
    requests = []
    for i in range(1, n + 1):
        made = START + timedelta(days=draw(days))
        reply = draw(st.sampled_from(REPLIES))
        low = 0 if ordered else -20
        reply_date = draw(st.one_of(st.none(), st.integers(low, 500).map(
            lambda k, made=made: made + timedelta(days=k))))
        if ordered and reply_date is not None and reply_date > date(2025, 12, 31):
            reply_date = None
        requests.append({
            "request_id": i, "person_id": draw(st.integers(1, 4)),
            "direction": draw(st.sampled_from(DIRECTIONS)),
            "partner_country": draw(st.sampled_from(PARTNERS)),
            "request_type": draw(st.sampled_from(TYPES)),
            "legal_basis": draw(st.sampled_from(BASES)),
            "eurodac_hit": draw(st.booleans()), "unaccompanied_minor": draw(st.booleans()),
            "reexamination_of": draw(st.one_of(st.none(), st.integers(1, n + 2))),
            "request_date": made, "reply": reply, "reply_date": reply_date,
            "transfer_deadline": draw(st.one_of(st.none(), st.integers(200, 560).map(
                lambda k, made=made: made + timedelta(days=k)))),
        })
    transfers = []
    for t in range(1, draw(st.integers(0, 5)) + 1):
        target = draw(st.integers(1, n + 1))  # n + 1: a missing request
        base = next((r["reply_date"] or r["request_date"] for r in requests
                     if r["request_id"] == target), START)
        moved = (base + timedelta(days=draw(st.integers(0, 600))) if ordered
                 else START + timedelta(days=draw(days)))
        transfers.append({"transfer_id": t, "request_id": target, "transfer_date": moved})
    unilateral = [{"unilateral_id": u, "person_id": draw(st.integers(1, 4)),
                   "partner_country": draw(st.sampled_from([None, *PARTNERS])),
                   "decision_date": START + timedelta(days=draw(days))}
                  for u in range(1, draw(st.integers(0, 3)) + 1)]
    return {"person": people, "dublin_request": requests, "dublin_transfer": transfers,
            "dublin_unilateral": unilateral}


def snapshot(rows: dict, folder: str) -> Snapshot:
    path = write_warehouse(Path(folder) / "wh.duckdb", rows)
    return Snapshot(connect(f"duckdb:///{path}"), AS_OF)


def cells(table) -> dict[tuple[str, ...], int]:
    keys = [*table.dimensions, "TIME_PERIOD"]
    return {tuple(r[:-1]): int(r[-1])
            for r in table.data[[*keys, "OBS_VALUE"]].itertuples(index=False, name=None)}


@SETTINGS
@given(rows=warehouses(), spec=st.sampled_from(D.ANNUAL + D.NATIONAL_MONTHLY[:2]))
def test_every_margin_is_the_sum_of_its_parts(rows, spec):
    periods = YEARS if spec.freq == "A" else Period("A", 2024).months()
    with tempfile.TemporaryDirectory() as folder:
        table = build_cube(spec, snapshot(rows, folder), periods)
    assert (table.data["OBS_VALUE"] > 0).all()
    for dim in spec.dimensions:
        for result in check_margins(table, dim):
            assert result.status == "pass", result.message + str(result.examples)


@SETTINGS
@given(rows=warehouses(), spec=st.sampled_from([D.DUBDO, D.DUBDI, D.DUBDRO, D.DUBDRI]))
def test_acceptances_and_rejections_add_up(rows, spec):
    with tempfile.TemporaryDirectory() as folder:
        table = build_cube(spec, snapshot(rows, folder), YEARS)
    values = cells(table)
    i = table.dimensions.index("decision")
    others = {k[:i] + k[i + 1:] for k in values}
    for rest in others:
        def v(code: str, rest: tuple[str, ...] = rest) -> int:
            return values.get(rest[:i] + (code,) + rest[i:], 0)
        assert v("ACC") == v("ACC_EXPL") + v("ACC_IMPL")
        assert v("TOTAL") == v("ACC") + v("REJ")


#: three cubes per example: fewer examples keep the test near 20 s
@settings(SETTINGS, max_examples=15)
@given(rows=warehouses(ordered=True), direction=st.sampled_from(["O", "I"]))
def test_replies_never_exceed_the_requests_that_could_be_replied_to(rows, direction):
    """A (non re-examination) request replied in year Y was made in Y, or made earlier and
    still without a reply at the end of Y - 1 (dates in time order). So, per partner and
    request type: replies(Y) <= requests(Y) + awaiting a reply at the end of Y - 1."""
    specs = {s.name: s for s in D.ANNUAL}
    with tempfile.TemporaryDirectory() as folder:
        snap = snapshot(rows, folder)
        replies = build_cube(specs[f"MIGR_DUBD{direction}"], snap, YEARS)
        requests = build_cube(specs[f"MIGR_DUBR{direction}"], snap, YEARS)
        pending = build_cube(specs[f"MIGR_DUBRPEN{direction}"], snap,
                             (Period("A", 2022), *YEARS[:-1]))

    def by(table, **fixed) -> Counter:
        frame = table.data
        for dim, code in fixed.items():
            frame = frame[frame[dim] == code]
        return Counter({(p, r, y): int(v) for p, r, y, v in frame[
            ["partner", "req_type", "TIME_PERIOD", "OBS_VALUE"]].itertuples(index=False)})

    made = by(requests, leg_prov="TOTAL", sex="T", minor="TOTAL")
    answered = by(replies, leg_prov="TOTAL", decision="TOTAL", sex="T", minor="TOTAL")
    waiting = by(pending, sex="T", minor="TOTAL")
    for (partner, req_type, year), n in answered.items():
        before = str(int(year) - 1)
        assert n <= made[(partner, req_type, year)] + waiting[(partner, req_type, before)]


# ---------------------------------------------------------------- an independent reading

def _code(raw: str | None, valid: set[str]) -> str | None:
    code = normalise(raw)
    return code if code in valid else None


def _stocks_by_hand(rows: dict, end: date) -> tuple[Counter, Counter]:
    """Requests awaiting a reply / a transfer on ``end`` by partner, straight from the rows
    and statistics.md (outgoing take-charge and take-back requests, re-examinations included)."""
    first_transfer: dict[int, date] = {}
    for t in rows["dublin_transfer"]:
        rid = t["request_id"]
        first_transfer[rid] = min(t["transfer_date"], first_transfer.get(rid, t["transfer_date"]))
    awaiting_reply, awaiting_transfer = Counter(), Counter()
    for r in rows["dublin_request"]:
        if _code(r["direction"], {"OUT"}) is None:
            continue
        if _code(r["request_type"], {"TAKE_CHARGE", "TAKE_BACK"}) is None:
            continue
        partner = dublin_partner(r["partner_country"])
        replied = (r["reply"] is not None and r["reply_date"] is not None
                   and r["reply_date"] <= end)
        if r["request_date"] <= end and not replied:
            awaiting_reply[partner] += 1
        accepted = _code(r["reply"], {"ACCEPTED", "IMPLICIT_ACCEPTANCE"}) is not None
        limit = r["transfer_deadline"] or (add_months(r["reply_date"], 6)
                                           if r["reply_date"] else None)
        moved = first_transfer.get(r["request_id"])
        if (accepted and replied and (moved is None or moved > end)
                and limit is not None and end <= limit):
            awaiting_transfer[partner] += 1
    return awaiting_reply, awaiting_transfer


#: two cubes of three months per example: fewer examples keep the test near 20 s
@settings(SETTINGS, max_examples=15)
@given(rows=warehouses())
def test_stocks_agree_with_an_independent_reading_of_the_rules(rows):
    months = Period("Q", 2024, 1).months()
    with tempfile.TemporaryDirectory() as folder:
        snap = snapshot(rows, folder)
        nat = {s.name: s for s in D.NATIONAL_MONTHLY}
        rpen = build_cube(nat["NAT_DUBRPENO"], snap, months)
        tpen = build_cube(nat["NAT_DUBTPENO"], snap, months)
    for month in months:
        replies, transfers = _stocks_by_hand(rows, month.end)
        for table, expected in ((rpen, replies), (tpen, transfers)):
            frame = table.data[(table.data["TIME_PERIOD"] == month.label)
                               & (table.data["req_type"] == "TOTAL")
                               & (table.data["sex"] == "T") & (table.data["minor"] == "TOTAL")]
            got = dict(zip(frame["partner"], frame["OBS_VALUE"].astype(int), strict=True))
            want = {p: n for p, n in expected.items() if n}
            if want:
                want["TOTAL"] = sum(want.values())
            assert got == want, (table.name, month.label)


@settings(max_examples=25, deadline=None)
@given(pairs=st.lists(st.tuples(st.dates(date(2020, 1, 1), date(2030, 12, 31)),
                                st.integers(0, 700), st.sampled_from([6, 12, 18])),
                      min_size=1, max_size=60))
def test_plus_n_months_in_the_engine_is_calendar_arithmetic(pairs):
    # later dates near the boundary most of the time: reply + N months ± a few days
    rows = [(r, add_months(r, n) + timedelta(days=(k % 7) - 3) if k < 500
             else r + timedelta(days=k), n) for r, k, n in pairs]
    t = ibis.memtable({"r": [r for r, _, _ in rows], "t": [x for _, x, _ in rows],
                       "n": [n for _, _, n in rows]},
                      schema={"r": "date", "t": "date", "n": "int64"})
    expr = ibis.cases(*[(t.n == n, D.on_or_before_plus_months(t.t, t.r, n)) for n in (6, 12, 18)])
    got = t.select(ok=expr).to_pyarrow().column(0).to_pylist()
    assert got == [x <= add_months(r, n) for r, x, n in rows]
