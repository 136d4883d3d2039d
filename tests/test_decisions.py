"""Hand-worked tests of MIGR_ASYDCFSTQ, MIGR_ASYDCFINA, MIGR_ASYUNAA, NAT_APPEALS and
NAT_APPEAL_DURATION (statistics.md). Expected counts are reasoned in the comments."""

from __future__ import annotations

from datetime import date

from asylstat.cube import build_cube
from asylstat.dataflows.decisions import (
    ASYDCFINA,
    ASYDCFSTQ,
    ASYUNAA,
    NAT_APPEAL_DURATION,
    NAT_APPEALS,
)
from asylstat.periods import Period
from asylstat.tables import Table

Q3, Y = Period("Q", 2024, 3), Period("A", 2024)


def cell(table: Table, period: str, **fixed: str) -> int:
    """One cell's value (0 when absent); unnamed dimensions at their total."""
    frame = table.data[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, "T" if dim == "sex" else "TOTAL")]
    assert len(frame) <= 1
    return int(frame["OBS_VALUE"].iloc[0]) if len(frame) else 0


def person(pid: int, **kw):
    return {"person_id": pid, "sex": "F", "birth_date": date(1990, 1, 1), "citizenship": "ERI",
            **kw}


def app(aid: int, pid: int, lodged: date = date(2024, 1, 10), **kw):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged, **kw}


def dec(did: int, aid: int, day: date, outcome: str = "REJECTED", instance: str = "FIRST", **kw):
    return {"decision_id": did, "application_id": aid, "decision_date": day,
            "outcome": outcome, "instance": instance, **kw}


def test_latest_first_instance_decision_of_the_quarter_wins(snapshot_of):
    # Person 1: REJECTED 1 July, SUBSIDIARY 1 Sept (latest) → POS_SPROT only.
    # Person 2: same date 5 Aug, ids 7 (REFUGEE) and 8 (REJECTED): highest id wins → NEG.
    # Person 3: HUMANITARIAN 30 Sept (last day of the quarter) and REFUGEE 1 Oct (next
    # quarter) → POS_HUM.
    t = build_cube(ASYDCFSTQ, snapshot_of({
        "person": [person(1), person(2), person(3)],
        "application": [app(10, 1), app(11, 1), app(20, 2), app(30, 3)],
        "decision": [dec(1, 10, date(2024, 7, 1)), dec(2, 11, date(2024, 9, 1), "SUBSIDIARY"),
                     dec(7, 20, date(2024, 8, 5), "REFUGEE"), dec(8, 20, date(2024, 8, 5)),
                     dec(9, 30, date(2024, 9, 30), "HUMANITARIAN"),
                     dec(10, 30, date(2024, 10, 1), "REFUGEE")]}), [Q3])
    assert cell(t, "2024-Q3") == 3
    assert cell(t, "2024-Q3", decision="POS_SPROT") == 1
    assert cell(t, "2024-Q3", decision="POS_HUM") == 1
    assert cell(t, "2024-Q3", decision="POS_RFG") == 0
    assert cell(t, "2024-Q3", decision="POS") == 2
    assert cell(t, "2024-Q3", decision="NEG") == 1


def test_annulled_and_out_of_scope_decisions_are_not_counted(snapshot_of):
    # Person 1: REJECTED 1 July, then a first-instance record 'ANNULLED' 1 Sept (not a
    # decision: not counted, and it does not displace the rejection) → NEG.
    # Person 2: resettlement → excluded. Person 3: an APPEAL decision → not first instance.
    # Decision 6 on application 99 (missing) cannot be placed → not counted.
    # Person 4: outcome ' refugee ' normalises to REFUGEE → POS_RFG.
    t = build_cube(ASYDCFSTQ, snapshot_of({
        "person": [person(1), person(2), person(3), person(4)],
        "application": [app(10, 1), app(20, 2, channel="RESETTLEMENT"), app(30, 3),
                        app(40, 4)],
        "decision": [dec(1, 10, date(2024, 7, 1)), dec(2, 10, date(2024, 9, 1), "ANNULLED"),
                     dec(3, 20, date(2024, 7, 1), "REFUGEE"),
                     dec(4, 30, date(2024, 7, 1), "REFUGEE", "APPEAL"),
                     dec(6, 99, date(2024, 7, 1)), dec(5, 40, date(2024, 8, 1), " refugee ")]}),
        [Q3])
    assert cell(t, "2024-Q3") == 2
    assert cell(t, "2024-Q3", decision="NEG") == 1
    assert cell(t, "2024-Q3", decision="POS_RFG") == 1


def test_final_decisions_in_appeal_exclude_annulments(snapshot_of):
    # Appeal decisions in 2024: person 1 REJECTED (final_date NULL: counted anyway) → NEG;
    # person 2 ANNULLED → not a final decision, not counted; person 3 REFUGEE then
    # ANNULLED later (annulment ignored) → POS_RFG. Age at the decision date: person 3 born
    # 2 March 2006, decided 1 March 2024 → 17 → Y14-17.
    t = build_cube(ASYDCFINA, snapshot_of({
        "person": [person(1), person(2), person(3, birth_date=date(2006, 3, 2))],
        "application": [app(10, 1), app(20, 2), app(30, 3)],
        "decision": [dec(1, 10, date(2024, 5, 1), instance="APPEAL"),
                     dec(2, 20, date(2024, 5, 1), "ANNULLED", "APPEAL"),
                     dec(3, 30, date(2024, 3, 1), "REFUGEE", "APPEAL"),
                     dec(4, 30, date(2024, 6, 1), "ANNULLED", "APPEAL")]}), [Y])
    assert cell(t, "2024") == 2
    assert cell(t, "2024", decision="NEG") == 1
    assert cell(t, "2024", decision="POS_RFG") == 1
    assert cell(t, "2024", decision="POS_RFG", age="Y14-17") == 1


def test_unaccompanied_minor_age_groups_at_the_birthdays(snapshot_of):
    # Age at lodging (all lodged 15 March 2024 except where said):
    #  p1 born 16 Mar 2010 → 13 (birthday tomorrow) → Y_LT14
    #  p2 born 15 Mar 2010 → 14 on the day          → Y14-15
    #  p3 born 16 Mar 2008 → 15                     → Y14-15
    #  p4 born 15 Mar 2008 → 16                     → Y16-17
    #  p5 born 16 Mar 2006 → 17                     → Y16-17
    #  p6 born 15 Mar 2006 → 18                     → UNK (18 or more)
    #  p7 unaccompanied_minor false → not counted; p8 resettlement → not counted
    #  p9 two UAM applications: 1 Feb 2024 (age 13, born 20 Feb 2010) and 1 March (14): the
    #     earliest is the reference → Y_LT14, counted once
    born = {1: date(2010, 3, 16), 2: date(2010, 3, 15), 3: date(2008, 3, 16),
            4: date(2008, 3, 15), 5: date(2006, 3, 16), 6: date(2006, 3, 15),
            7: date(2010, 1, 1), 8: date(2010, 1, 1), 9: date(2010, 2, 20)}
    lodged = date(2024, 3, 15)
    apps = [app(10 * p, p, lodged, unaccompanied_minor=True) for p in range(1, 7)]
    apps += [app(70, 7, lodged), app(80, 8, lodged, unaccompanied_minor=True,
                                     channel="RESETTLEMENT"),
             app(91, 9, date(2024, 3, 1), unaccompanied_minor=True),
             app(90, 9, date(2024, 2, 1), unaccompanied_minor=True)]
    t = build_cube(ASYUNAA, snapshot_of({
        "person": [person(p, birth_date=b) for p, b in born.items()], "application": apps}), [Y])
    assert cell(t, "2024") == 7
    assert cell(t, "2024", age="Y_LT14") == 2
    assert cell(t, "2024", age="Y14-15") == 2
    assert cell(t, "2024", age="Y16-17") == 2
    assert cell(t, "2024", age="UNK") == 1
    assert "Y_LT18" not in set(t.data["age"])


def test_appeals_lodged_decided_pending_and_median(snapshot_of):
    # Q3 2024 (E = 30 Sept), applications all lodged 10 Jan; appeals:
    #  1 lodged 1 July, decided REJECTED 11 July (10 days)
    #  2 lodged 1 July, decided ANNULLED 21 July (20 days)
    #  3 lodged 1 June, decided REFUGEE 1 Aug (61 days)
    #  4 lodged 1 Sept, decided 1 Oct (after E) → pending on E
    #  5 lodged 1 March, no decision → pending on E
    # LODGED in Q3: 1, 2, 4 → 3. DECIDED in Q3: decisions 101, 102, 103 → 3 (REJECTED 1,
    # ANNULLED 1, REFUGEE 1). PENDING: 4 and 5 → 2. Median of 10, 20, 61 (n = 3, the 2nd
    # smallest) = 20 days. In July alone: 10 and 20 → n = 2, the 1st smallest = 10.
    apps = [app(a, 1) for a in range(1, 6)]
    decs = [dec(a, a, date(2024, 5, 1)) for a in range(1, 6)]
    decs += [dec(101, 1, date(2024, 7, 11), instance="APPEAL"),
             dec(102, 2, date(2024, 7, 21), "ANNULLED", "APPEAL"),
             dec(103, 3, date(2024, 8, 1), "REFUGEE", "APPEAL"),
             dec(104, 4, date(2024, 10, 1), instance="APPEAL")]
    lodged = {1: date(2024, 7, 1), 2: date(2024, 7, 1), 3: date(2024, 6, 1),
              4: date(2024, 9, 1), 5: date(2024, 3, 1)}
    appeals = [{"appeal_id": a, "application_id": a, "decision_id": a, "lodged_date": d,
                "appeal_decision_id": 100 + a if a < 5 else None} for a, d in lodged.items()]
    snap = snapshot_of({"person": [person(1)], "application": apps, "decision": decs,
                        "appeal": appeals})
    t = build_cube(NAT_APPEALS, snap, [Q3])
    assert cell(t, "2024-Q3", measure="LODGED") == 3
    assert cell(t, "2024-Q3", measure="DECIDED") == 3
    for outcome in ("REJECTED", "ANNULLED", "REFUGEE"):
        assert cell(t, "2024-Q3", measure="DECIDED", outcome=outcome) == 1
    assert cell(t, "2024-Q3", measure="PENDING") == 2
    durations = NAT_APPEAL_DURATION.build(snap, [Q3])
    assert cell(durations, "2024-Q3", stat="P50") == 20
    assert cell(durations, "2024-Q3", stat="N") == 3
    assert cell(NAT_APPEAL_DURATION.build(snap, [Period("M", 2024, 7)]), "2024-07",
                stat="P50") == 10
