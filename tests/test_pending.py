"""Hand-worked tests of MIGR_ASYPENCTZM, NAT_STILL_PROCESSED and NAT_STOCK_FLOW
(statistics.md, "MIGR_ASYPENCTZM" and "Still being processed").

Each test writes a handful of warehouse rows; the expected counts are reasoned in the comments
from the rule, never produced by the code under test.
"""

from __future__ import annotations

from datetime import date

from asylstat.cube import build_cube
from asylstat.dataflows.pending import (
    ASYPENCTZM,
    NAT_STILL_PROCESSED,
    NAT_STOCK_FLOW,
    lodged_on_or_before,
)
from asylstat.periods import Period
from asylstat.tables import Table

JUN, JUL, AUG = Period("M", 2024, 6), Period("M", 2024, 7), Period("M", 2024, 8)
ADULT = date(1990, 5, 5)


def cell(table: Table, period: str, **fixed: str) -> int:
    """One cell's value (0 when absent); unnamed dimensions at their total."""
    frame = table.data[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, "T" if dim == "sex" else "TOTAL")]
    assert len(frame) <= 1
    return int(frame["OBS_VALUE"].iloc[0]) if len(frame) else 0


def person(pid: int, **kw):
    return {"person_id": pid, "sex": "F", "birth_date": ADULT, "citizenship": "AFG", **kw}


def app(aid: int, pid: int, lodged: date | None, **kw):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged, **kw}


def pending(snapshot_of, rows, periods=(JUL, AUG)):
    return build_cube(ASYPENCTZM, snapshot_of(rows), periods)


def test_closed_on_the_last_day_is_not_pending_closed_the_day_after_is(snapshot_of):
    # Person 1's application is withdrawn on 31 July: closed on E = 31 July → not pending in
    # July. Person 2's is withdrawn on 1 August: still open on 31 July → pending in July, and
    # closed by 31 August → not pending in August.
    t = pending(snapshot_of, {"person": [person(1), person(2)], "application": [
        app(10, 1, date(2024, 6, 1)), app(20, 2, date(2024, 6, 1))], "withdrawal": [
        {"withdrawal_id": 1, "application_id": 10, "withdrawal_date": date(2024, 7, 31)},
        {"withdrawal_id": 2, "application_id": 20, "withdrawal_date": date(2024, 8, 1)}]})
    assert cell(t, "2024-07") == 1
    assert cell(t, "2024-08") == 0


def test_lodged_on_the_last_day_is_pending(snapshot_of):
    # lodged_date <= E: an application lodged on 31 July is pending on 31 July.
    t = pending(snapshot_of, {"person": [person(1)],
                              "application": [app(10, 1, date(2024, 7, 31))]})
    assert cell(t, "2024-07") == 1


def test_decision_without_final_date_keeps_the_case_open(snapshot_of):
    # A first-instance rejection on 10 July with final_date NULL does not close the
    # application: pending in July and August. A second person's rejection becomes final on
    # 15 August: pending in July, closed in August.
    t = pending(snapshot_of, {"person": [person(1), person(2)], "application": [
        app(10, 1, date(2024, 5, 1)), app(20, 2, date(2024, 5, 1))], "decision": [
        {"decision_id": 1, "application_id": 10, "decision_date": date(2024, 7, 10),
         "final_date": None},
        {"decision_id": 2, "application_id": 20, "decision_date": date(2024, 7, 10),
         "final_date": date(2024, 8, 15)}]})
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-08") == 1


def test_annulled_appeal_decision_never_closes(snapshot_of):
    # The appeal decision is ANNULLED with a final_date in July: an annulment never closes an
    # application, so the person stays pending in July and August.
    t = pending(snapshot_of, {"person": [person(1)], "application": [
        app(10, 1, date(2024, 3, 1))], "decision": [
        {"decision_id": 1, "application_id": 10, "decision_date": date(2024, 5, 1)},
        {"decision_id": 2, "application_id": 10, "instance": "APPEAL", "outcome": "ANNULLED",
         "decision_date": date(2024, 7, 5), "final_date": date(2024, 7, 6)}], "appeal": [
        {"appeal_id": 1, "application_id": 10, "decision_id": 1,
         "lodged_date": date(2024, 5, 20), "appeal_decision_id": 2}]})
    assert cell(t, "2024-07") == 1
    assert cell(t, "2024-08") == 1


def test_dublin_closure_closes(snapshot_of):
    # dublin_closed_date 15 July closes the application: not pending at the end of July.
    # dublin_closed_date 1 August: pending in July only.
    t = pending(snapshot_of, {"person": [person(1), person(2)], "application": [
        app(10, 1, date(2024, 6, 1), dublin_closed_date=date(2024, 7, 15)),
        app(20, 2, date(2024, 6, 1), dublin_closed_date=date(2024, 8, 1))]})
    assert cell(t, "2024-07") == 1
    assert cell(t, "2024-08") == 0


def test_resettlement_excluded(snapshot_of):
    # Only person 2's territory application counts; person 1 arrived by resettlement.
    t = pending(snapshot_of, {"person": [person(1), person(2)], "application": [
        app(10, 1, date(2024, 6, 1), channel="RESETTLEMENT"), app(20, 2, date(2024, 6, 1))]})
    assert cell(t, "2024-07") == 1


def test_person_counted_once_by_the_earliest_open_application(snapshot_of):
    # Person 1 has three applications: id 10 (lodged 1 Feb, closed by a final decision on 1
    # June), id 11 (lodged 1 April, open), id 12 (lodged 1 July, open). On 31 July the open
    # ones are 11 and 12; the reference is 11 (earliest open). One person. Age on 31 July:
    # born 31 July 2006 → 18 that day → Y18-34 (not Y14-17). Missing person 9 → UNK.
    t = pending(snapshot_of, {
        "person": [person(1, birth_date=date(2006, 7, 31))],
        "application": [app(10, 1, date(2024, 2, 1)), app(11, 1, date(2024, 4, 1)),
                        app(12, 1, date(2024, 7, 1)), app(90, 9, date(2024, 7, 1))],
        "decision": [{"decision_id": 1, "application_id": 10, "decision_date": date(2024, 5, 1),
                      "final_date": date(2024, 6, 1)}]}, periods=(JUN, JUL))
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-07", citizen="AF") == 1
    assert cell(t, "2024-07", citizen="UNK", sex="UNK", age="UNK") == 1
    # age on the last day of the month: 17 on 30 June, 18 on 31 July
    assert cell(t, "2024-06", citizen="AF", age="Y14-17") == 1
    assert cell(t, "2024-07", citizen="AF", age="Y18-34") == 1
    assert cell(t, "2024-07", citizen="AF", age="Y_LT18") == 0


def test_lodged_on_or_before_follows_plus_n_months():
    # 29 Feb 2024 + 6 months = 29 Aug ≤ 31 Aug; 1 Mar + 6 months = 1 Sep > 31 Aug.
    assert lodged_on_or_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
    # 31 Aug 2023 + 6 months = 29 Feb 2024 (last day); 1 Sep 2023 + 6 = 1 Mar 2024.
    assert lodged_on_or_before(date(2024, 2, 29), 6) == date(2023, 8, 31)
    assert lodged_on_or_before(date(2024, 7, 31), 12) == date(2023, 7, 31)


def test_still_processed_by_duration(snapshot_of):
    # E = 31 July 2024. Lodged 31 Jan 2024: + 6 months = 31 July ≤ E → M6-11.
    # Lodged 1 Feb 2024: + 6 months = 1 Aug > E → M_LT6. Lodged 31 July 2023: + 12 months =
    # 31 July 2024 → M_GE12. Lodged 1 Aug 2023 → M6-11. Resettlement included (national).
    t = build_cube(NAT_STILL_PROCESSED, snapshot_of({"person": [person(1)], "application": [
        app(10, 1, date(2024, 1, 31)), app(11, 1, date(2024, 2, 1)),
        app(12, 1, date(2023, 7, 31)), app(13, 1, date(2023, 8, 1), channel="RESETTLEMENT")]}),
        [JUL])
    assert cell(t, "2024-07") == 4
    assert cell(t, "2024-07", duration="M_LT6") == 1
    assert cell(t, "2024-07", duration="M6-11") == 2
    assert cell(t, "2024-07", duration="M_GE12") == 1
    assert cell(t, "2024-07", channel="RESETTLEMENT", duration="M6-11") == 1


def test_still_processed_by_stage(snapshot_of):
    # Stages on E = 31 July, all applications lodged 1 Jan 2024 and open:
    #  10 no decision                                              → AWAIT_FIRST
    #  11 first-instance rejection 1 July, no appeal               → FIRST_NOT_FINAL
    #  12 rejection 1 May, appeal lodged 20 May, not decided       → APPEAL_PENDING
    #  13 rejection 1 May, appeal annulled 1 July, no new decision → AWAIT_FIRST
    #  14 rejection 1 May, appeal decided (REJECTED) 1 July, final_date NULL → APPEAL_DECIDED
    #  15 rejection 1 May, appeal decided 1 August (after E)       → APPEAL_PENDING
    #  16 first-instance decision dated 1 August (after E)         → AWAIT_FIRST
    apps = [app(a, 1, date(2024, 1, 1)) for a in range(10, 17)]
    dec = [{"decision_id": 11, "application_id": 11, "decision_date": date(2024, 7, 1)},
           *({"decision_id": a, "application_id": a, "decision_date": date(2024, 5, 1)}
             for a in (12, 13, 14, 15)),
           {"decision_id": 16, "application_id": 16, "decision_date": date(2024, 8, 1)},
           {"decision_id": 113, "application_id": 13, "instance": "APPEAL",
            "outcome": "ANNULLED", "decision_date": date(2024, 7, 1)},
           {"decision_id": 114, "application_id": 14, "instance": "APPEAL",
            "decision_date": date(2024, 7, 1)},
           {"decision_id": 115, "application_id": 15, "instance": "APPEAL",
            "decision_date": date(2024, 8, 1)}]
    appeals = [{"appeal_id": a, "application_id": a, "decision_id": a,
                "lodged_date": date(2024, 5, 20),
                "appeal_decision_id": None if a == 12 else 100 + a} for a in (12, 13, 14, 15)]
    t = build_cube(NAT_STILL_PROCESSED, snapshot_of({
        "person": [person(1)], "application": apps, "decision": dec, "appeal": appeals}), [JUL])
    assert cell(t, "2024-07") == 7
    assert cell(t, "2024-07", stage="AWAIT_FIRST") == 3
    assert cell(t, "2024-07", stage="FIRST_NOT_FINAL") == 1
    assert cell(t, "2024-07", stage="APPEAL_PENDING") == 2
    assert cell(t, "2024-07", stage="APPEAL_DECIDED") == 1


def test_stock_flow_by_hand(snapshot_of):
    # July 2024, all territory:
    #  10 lodged 1 June, open                → OPEN_START, OPEN_END
    #  11 lodged 1 June, withdrawn 10 July   → OPEN_START, CLOSED
    #  12 lodged 5 July, open                → LODGED, OPEN_END
    #  13 lodged 5 July, Dublin-closed 20 July → LODGED, CLOSED
    #  14 lodged 5 July, withdrawn 1 June (before lodging: a warehouse fault) → LODGED and
    #     DIFFERENCE; never open, not closed in July
    # OPEN_START 2 + LODGED 3 − CLOSED 2 = 3; OPEN_END 2; difference 1 = the faulty one.
    t = build_cube(NAT_STOCK_FLOW, snapshot_of({"person": [person(1)], "application": [
        app(10, 1, date(2024, 6, 1)), app(11, 1, date(2024, 6, 1)),
        app(12, 1, date(2024, 7, 5)),
        app(13, 1, date(2024, 7, 5), dublin_closed_date=date(2024, 7, 20)),
        app(14, 1, date(2024, 7, 5))], "withdrawal": [
        {"withdrawal_id": 1, "application_id": 11, "withdrawal_date": date(2024, 7, 10)},
        {"withdrawal_id": 2, "application_id": 14, "withdrawal_date": date(2024, 6, 1)}]}),
        [JUL])
    expected = {"OPEN_START": 2, "LODGED": 3, "CLOSED": 2, "OPEN_END": 2, "DIFFERENCE": 1}
    assert {m: cell(t, "2024-07", measure=m) for m in expected} == expected
