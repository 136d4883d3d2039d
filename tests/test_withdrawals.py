"""Hand-worked tests of MIGR_ASYWITHM and NAT_WAIVED (statistics.md, "MIGR_ASYWITHM" and
"Waived"). Expected counts are reasoned in the comments, never computed by the code."""

from __future__ import annotations

from datetime import date

from asylstat.cube import build_cube
from asylstat.dataflows.withdrawals import ASYWITHM, NAT_WAIVED
from asylstat.periods import Period
from asylstat.tables import Table

JUL, AUG = Period("M", 2024, 7), Period("M", 2024, 8)


def cell(table: Table, period: str, **fixed: str) -> int:
    """One cell's value (0 when absent); unnamed dimensions at their total."""
    frame = table.data[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, "T" if dim == "sex" else "TOTAL")]
    assert len(frame) <= 1
    return int(frame["OBS_VALUE"].iloc[0]) if len(frame) else 0


def person(pid: int, **kw):
    return {"person_id": pid, "sex": "M", "birth_date": date(1990, 1, 1), "citizenship": "IRQ",
            **kw}


def app(aid: int, pid: int, lodged: date | None = date(2024, 3, 1), **kw):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged, **kw}


def wd(wid: int, aid: int, day: date, kind: str = "EXPLICIT"):
    return {"withdrawal_id": wid, "application_id": aid, "withdrawal_date": day, "kind": kind}


def test_two_withdrawals_of_one_person_in_a_month_count_once_by_the_earliest(snapshot_of):
    # Person 1 withdraws two applications in July: IMPLICIT on 20 July (id 1) and EXPLICIT on
    # 5 July (id 2). One person; the reference is the earliest (5 July) → EXPL, not IMPL.
    # Person 2: two withdrawals the same day, ids 3 (IMPLICIT) and 4 (EXPLICIT): the lowest
    # id is the reference → IMPL.
    t = build_cube(ASYWITHM, snapshot_of({
        "person": [person(1), person(2)],
        "application": [app(10, 1), app(11, 1), app(20, 2), app(21, 2)],
        "withdrawal": [wd(1, 10, date(2024, 7, 20), "IMPLICIT"), wd(2, 11, date(2024, 7, 5)),
                       wd(4, 21, date(2024, 7, 9)), wd(3, 20, date(2024, 7, 9), "IMPLICIT")]}),
        [JUL])
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-07", withdr="EXPL") == 1
    assert cell(t, "2024-07", withdr="IMPL") == 1


def test_unknown_and_unnormalised_kinds(snapshot_of):
    # ' implicit ' normalises to IMPLICIT → IMPL; 'ABANDONED' and '' are not contract codes →
    # UNK. TOTAL = EXPL + IMPL + UNK = 0 + 1 + 2 = 3.
    t = build_cube(ASYWITHM, snapshot_of({
        "person": [person(1), person(2), person(3)],
        "application": [app(10, 1), app(20, 2), app(30, 3)],
        "withdrawal": [wd(1, 10, date(2024, 7, 1), " implicit "),
                       wd(2, 20, date(2024, 7, 2), "ABANDONED"), wd(3, 30, date(2024, 7, 3), "")]}),
        [JUL])
    assert cell(t, "2024-07", withdr="IMPL") == 1
    assert cell(t, "2024-07", withdr="UNK") == 2
    assert cell(t, "2024-07", withdr="EXPL") == 0
    assert cell(t, "2024-07") == 3


def test_scope_missing_application_and_month_bounds(snapshot_of):
    # Counted in July: person 1 (withdrawn 31 July, an application never lodged: counted
    # "whether or not the application had been lodged"). Not counted: person 2 (resettlement),
    # the withdrawal of application 99 (missing from the warehouse: cannot be placed),
    # person 3 (withdrawn 1 August → August). Person 3's age at the withdrawal date: born
    # 1 Aug 2006 → 18 on 1 Aug 2024 → Y18-34.
    t = build_cube(ASYWITHM, snapshot_of({
        "person": [person(1), person(2), person(3, birth_date=date(2006, 8, 1))],
        "application": [app(10, 1, lodged=None), app(20, 2, channel="RESETTLEMENT"),
                        app(30, 3)],
        "withdrawal": [wd(1, 10, date(2024, 7, 31)), wd(2, 20, date(2024, 7, 10)),
                       wd(3, 99, date(2024, 7, 10)), wd(4, 30, date(2024, 8, 1))]}),
        [JUL, AUG])
    assert cell(t, "2024-07") == 1
    assert cell(t, "2024-08") == 1
    assert cell(t, "2024-08", age="Y18-34") == 1


def test_waived_by_kind_and_stage(snapshot_of):
    # National, all channels, applications:
    #  10 never lodged, withdrawn 3 July (EXPLICIT)            → NOT_LODGED
    #  20 lodged 1 March, no decision, withdrawn 4 July (IMPLICIT), resettlement → AWAIT_FIRST
    #  30 first-instance rejection 1 June, withdrawn 5 July    → FIRST_NOT_FINAL
    #  40 appeal lodged 10 June and pending, withdrawn 6 July  → APPEAL_PENDING
    #  40 also withdrawn again 20 July: one application, counted once by the earliest
    t = build_cube(NAT_WAIVED, snapshot_of({
        "person": [person(1)],
        "application": [app(10, 1, lodged=None), app(20, 1, channel="RESETTLEMENT"),
                        app(30, 1), app(40, 1)],
        "decision": [{"decision_id": 3, "application_id": 30, "decision_date": date(2024, 6, 1)},
                     {"decision_id": 4, "application_id": 40, "decision_date": date(2024, 6, 1)}],
        "appeal": [{"appeal_id": 1, "application_id": 40, "decision_id": 4,
                    "lodged_date": date(2024, 6, 10)}],
        "withdrawal": [wd(1, 10, date(2024, 7, 3)), wd(2, 20, date(2024, 7, 4), "IMPLICIT"),
                       wd(3, 30, date(2024, 7, 5)), wd(4, 40, date(2024, 7, 6)),
                       wd(5, 40, date(2024, 7, 20), "IMPLICIT")]}), [JUL])
    assert cell(t, "2024-07") == 4
    assert cell(t, "2024-07", kind="EXPLICIT") == 3
    assert cell(t, "2024-07", kind="IMPLICIT") == 1
    for stage in ("NOT_LODGED", "AWAIT_FIRST", "FIRST_NOT_FINAL", "APPEAL_PENDING"):
        assert cell(t, "2024-07", stage=stage) == 1, stage
    assert cell(t, "2024-07", channel="RESETTLEMENT", stage="AWAIT_FIRST") == 1
