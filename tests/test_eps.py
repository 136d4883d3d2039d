"""Hand-worked tests of the EUAA's EPS indicators (statistics.md, "EUAA early warning and
preparedness system (EPS)"): every rule of issue 13's acceptance, on a handful of rows each.
Expected counts are reasoned in the comments, never computed by the code under test."""

from __future__ import annotations

from datetime import date

from asylstat.cube import build_cube
from asylstat.dataflows.applications import ASYAPPCTZM, ASYUMACTM
from asylstat.dataflows.decisions import ASYDCFSTQ
from asylstat.dataflows.eps import (
    EPS_ACCESS,
    EPS_APP,
    EPS_DEC,
    EPS_DUB,
    EPS_PEND,
    EPS_TABLES,
    EPS_UAM,
    EPS_WITH,
)
from asylstat.dataflows.pending import ASYPENCTZM
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.domains import periods_due
from asylstat.periods import Period
from helpers import cell

JUN, JUL, AUG = Period("M", 2024, 6), Period("M", 2024, 7), Period("M", 2024, 8)
Q3 = Period("Q", 2024, 3)


def person(pid: int, citizenship: str = "IRQ", **kw):
    return {"person_id": pid, "sex": "M", "birth_date": date(1990, 1, 1),
            "citizenship": citizenship, **kw}


def app(aid: int, pid: int, lodged: date | None = date(2024, 3, 1), **kw):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged, **kw}


def dec(did: int, aid: int, day: date, outcome: str = "REJECTED", instance: str = "FIRST",
        **kw):
    return {"decision_id": did, "application_id": aid, "decision_date": day,
            "outcome": outcome, "instance": instance, **kw}


def appeal(apid: int, aid: int, against: int, lodged: date, ruling: int | None = None):
    return {"appeal_id": apid, "application_id": aid, "decision_id": against,
            "lodged_date": lodged, "appeal_decision_id": ruling}


def wd(wid: int, aid: int, day: date, kind: str = "EXPLICIT"):
    return {"withdrawal_id": wid, "application_id": aid, "withdrawal_date": day, "kind": kind}


def month_end(year: int, month: int) -> str:
    return Period("M", year, month).label


# ---------------------------------------------------------------- declarations

def test_every_eps_table_is_monthly_exact_for_the_euaa_with_citizen_first():
    for spec in EPS_TABLES:
        assert (spec.kind, spec.freq, spec.disclosure) == ("euaa", "M", "unpublished")
        assert spec.dimension_names[0] == "citizen", spec.name
        assert spec.unit == ("NR" if spec.name == "EPS_DUB" else "PER"), spec.name
    # outputs.md: monthly and quarterly runs make every month of the run; annual runs none
    assert periods_due(EPS_APP, JUL) == ((JUL,),)
    assert periods_due(EPS_APP, Q3) == ((JUL, AUG, Period("M", 2024, 9)),)
    assert periods_due(EPS_APP, Period("A", 2024)) == ()


def test_dimensions_are_in_the_order_of_outputs_md():
    assert {s.name: s.dimension_names for s in EPS_TABLES} == {
        "EPS_APP": ("citizen", "applicant"), "EPS_UAM": ("citizen",),
        "EPS_ACCESS": ("citizen", "step"), "EPS_WITH": ("citizen", "withdr"),
        "EPS_DEC": ("citizen", "decision"), "EPS_PEND": ("citizen", "duration"),
        "EPS_DUB": ("citizen", "indicator")}


# ---------------------------------------------------------------- EPS_APP and EPS_UAM

def test_repeated_is_not_subsequent_and_a_person_counts_once_a_month(snapshot_of):
    # July 2024, every application channel TERRITORY unless said:
    #  p1 IRQ: lodged 1 Mar (INITIAL) and again 10 Jul (INITIAL, not legally subsequent):
    #          an earlier application exists → REP (Eurostat: neither FRST nor SSEQ, TOTAL only)
    #  p2 SYR: two applications in July, 5 Jul (its first ever) and 20 Jul (SUBSEQUENT):
    #          one person; reference = the earliest of the month = the first ever → FRST
    #  p3 IRQ: resettled in July (its only application) → in no EPS or Eurostat table
    #  p4 IRQ: resettled in March, then on the territory 12 Jul: the March application is an
    #          earlier lodged application "of any channel" → REP (Eurostat: TOTAL only)
    #  p5 IRQ: lodged 2023, then SUBSEQUENT on 15 Jul → REP (Eurostat: SSEQ)
    # EPS: FRST 1 + REP 3 = TOTAL 4; IQ: REP 3, SY: FRST 1.
    snap = snapshot_of({
        "person": [person(1), person(2, "SYR"), person(3), person(4), person(5)],
        "application": [
            app(10, 1), app(11, 1, date(2024, 7, 10)),
            app(20, 2, date(2024, 7, 5)), app(21, 2, date(2024, 7, 20), legal_type="SUBSEQUENT"),
            app(30, 3, date(2024, 7, 8), channel="RESETTLEMENT"),
            app(40, 4, date(2024, 3, 1), channel="RESETTLEMENT"), app(41, 4, date(2024, 7, 12)),
            app(50, 5, date(2023, 5, 1)), app(51, 5, date(2024, 7, 15), legal_type="SUBSEQUENT")]})
    eps = build_cube(EPS_APP, snap, [JUL])
    assert cell(eps, "2024-07", applicant="FRST") == 1
    assert cell(eps, "2024-07", applicant="REP") == 3
    assert cell(eps, "2024-07") == 4
    assert cell(eps, "2024-07", citizen="IQ", applicant="REP") == 3
    assert cell(eps, "2024-07", citizen="SY", applicant="FRST") == 1
    assert set(eps.data["applicant"]) == {"FRST", "REP", "TOTAL"}
    # Eurostat, from the same records: FRST 1 (p2), SSEQ 1 (p5), TOTAL 4
    estat = build_cube(ASYAPPCTZM, snap, [JUL])
    assert [cell(estat, "2024-07", applicant=a) for a in ("FRST", "SSEQ", "TOTAL")] == [1, 1, 4]


def test_unaccompanied_minors_follow_the_reference_application(snapshot_of):
    # p1: lodged as an unaccompanied minor on 3 Jul → counted (IQ).
    # p2: aged 30, lodged as an "unaccompanied minor" on 4 Jul → counted: EPS_UAM has no age
    #     (MIGR_ASYUMACTM counts p2 under age UNK, inside its TOTAL).
    # p3: 2 Jul not unaccompanied, 9 Jul unaccompanied: the reference (earliest of the month)
    #     is not → not counted.
    # p4: resettled unaccompanied minor → excluded.
    snap = snapshot_of({
        "person": [person(1, birth_date=date(2008, 1, 1)), person(2, "SYR"),
                   person(3, birth_date=date(2009, 1, 1)), person(4, birth_date=date(2010, 1, 1))],
        "application": [app(10, 1, date(2024, 7, 3), unaccompanied_minor=True),
                        app(20, 2, date(2024, 7, 4), unaccompanied_minor=True),
                        app(30, 3, date(2024, 7, 2)),
                        app(31, 3, date(2024, 7, 9), unaccompanied_minor=True),
                        app(40, 4, date(2024, 7, 9), unaccompanied_minor=True,
                            channel="RESETTLEMENT")]})
    eps = build_cube(EPS_UAM, snap, [JUL])
    assert cell(eps, "2024-07") == 2
    assert (cell(eps, "2024-07", citizen="IQ"), cell(eps, "2024-07", citizen="SY")) == (1, 1)
    estat = build_cube(ASYUMACTM, snap, [JUL])
    assert cell(estat, "2024-07") == 2
    assert cell(estat, "2024-07", citizen="SY", age="UNK") == 1


# ---------------------------------------------------------------- EPS_ACCESS

def test_access_steps_in_different_months_and_twice_in_one_month(snapshot_of):
    # p1: made (presented) 28 Jun, registered 2 Jul, lodged 5 Aug: one step in each month.
    # p2: two applications made on 3 and 15 Jul, both registered 20 Jul, never lodged:
    #     MADE once and REG once in July.
    # p3: resettled: made and registered in July → excluded.
    # June: MADE 1. July: MADE 1 (p2), REG 2 (p1, p2), LODG 0. August: LODG 1 (p1).
    # No margin across steps (a stratum).
    snap = snapshot_of({
        "person": [person(1), person(2, "SYR"), person(3)],
        "application": [
            app(10, 1, date(2024, 8, 5), presented_date=date(2024, 6, 28),
                registered_date=date(2024, 7, 2)),
            app(20, 2, None, presented_date=date(2024, 7, 3), registered_date=date(2024, 7, 20)),
            app(21, 2, None, presented_date=date(2024, 7, 15),
                registered_date=date(2024, 7, 20)),
            app(30, 3, None, presented_date=date(2024, 7, 3), registered_date=date(2024, 7, 4),
                channel="RESETTLEMENT")]})
    t = build_cube(EPS_ACCESS, snap, [JUN, JUL, AUG])
    assert cell(t, "2024-06", step="MADE") == 1
    assert cell(t, "2024-07", step="MADE") == 1
    assert cell(t, "2024-07", step="MADE", citizen="SY") == 1
    assert cell(t, "2024-07", step="REG") == 2
    assert cell(t, "2024-07", step="LODG") == 0
    assert cell(t, "2024-08", step="LODG") == 1
    assert set(t.data["step"]) == {"MADE", "REG", "LODG"}


# ---------------------------------------------------------------- EPS_WITH

def test_a_withdrawal_counts_only_while_awaiting_a_first_instance_decision(snapshot_of):
    # Withdrawals in July 2024, one person each:
    #  p1 app 10: lodged 1 Mar, no decision, withdrawn 5 Jul → awaiting first instance: counted
    #  p2 app 20: first-instance rejection 1 Jun, withdrawn 5 Jul → not counted
    #  p3 app 30: rejection 1 Jun, appeal lodged 10 Jun and pending, withdrawn 6 Jul → not
    #  p4 app 40: rejection 1 May annulled on appeal 1 Jun, withdrawn 7 Jul (IMPLICIT) →
    #             awaiting a new first-instance decision: counted, IMPL
    #  p5 app 50: never lodged, withdrawn 8 Jul → not counted (MIGR_ASYWITHM counts it)
    #  p6 app 60: appeal pending when withdrawn 3 Jul (EXPLICIT) → not; app 61 awaiting first
    #             instance, withdrawn 20 Jul (IMPLICIT) → counted, by this one: IMPL, not EXPL
    # EPS_WITH: TOTAL 3 (p1, p4, p6), EXPL 1, IMPL 2. MIGR_ASYWITHM: all 6 persons.
    snap = snapshot_of({
        "person": [person(i) for i in range(1, 7)],
        "application": [app(10, 1), app(20, 2), app(30, 3), app(40, 4), app(50, 5, None),
                        app(60, 6), app(61, 6)],
        "decision": [dec(2, 20, date(2024, 6, 1)), dec(3, 30, date(2024, 6, 1)),
                     dec(4, 40, date(2024, 5, 1)),
                     dec(44, 40, date(2024, 6, 1), "ANNULLED", "APPEAL"),
                     dec(6, 60, date(2024, 5, 1))],
        "appeal": [appeal(1, 30, 3, date(2024, 6, 10)), appeal(2, 40, 4, date(2024, 5, 10), 44),
                   appeal(3, 60, 6, date(2024, 5, 20))],
        "withdrawal": [wd(1, 10, date(2024, 7, 5)), wd(2, 20, date(2024, 7, 5)),
                       wd(3, 30, date(2024, 7, 6)), wd(4, 40, date(2024, 7, 7), "IMPLICIT"),
                       wd(5, 50, date(2024, 7, 8)), wd(6, 60, date(2024, 7, 3)),
                       wd(7, 61, date(2024, 7, 20), "IMPLICIT")]})
    t = build_cube(EPS_WITH, snap, [JUL])
    assert cell(t, "2024-07") == 3
    assert cell(t, "2024-07", withdr="EXPL") == 1
    assert cell(t, "2024-07", withdr="IMPL") == 2
    assert cell(build_cube(ASYWITHM, snap, [JUL]), "2024-07") == 6


# ---------------------------------------------------------------- EPS_PEND

def test_six_months_after_lodging_on_month_ends_31_august_and_29_february(snapshot_of):
    # Open applications, never decided, one person (and citizenship) each:
    #  AF lodged 31 Aug 2023: + 6 months = 29 Feb 2024 (a leap year) → on 31 Jan 2024 M_LT6,
    #     on 29 Feb 2024 exactly six months: M_GE6
    #  SY lodged 29 Feb 2024: + 6 months = 29 Aug 2024 → on 31 Jul M_LT6, on 31 Aug M_GE6
    #  ER lodged 31 Aug 2024: + 6 months = 28 Feb 2025 → on 31 Jan 2025 M_LT6, on 28 Feb 2025
    #     exactly six months: M_GE6
    #  IQ lodged 1 Mar 2024: + 6 months = 1 Sep 2024 → on 31 Aug 2024 still M_LT6
    snap = snapshot_of({
        "person": [person(1, "AFG"), person(2, "SYR"), person(3, "ERI"), person(4)],
        "application": [app(10, 1, date(2023, 8, 31)), app(20, 2, date(2024, 2, 29)),
                        app(30, 3, date(2024, 8, 31)), app(40, 4, date(2024, 3, 1))]})
    months = [Period("M", 2024, 1), Period("M", 2024, 2), JUL, AUG, Period("M", 2025, 1),
              Period("M", 2025, 2)]
    t = build_cube(EPS_PEND, snap, months)
    assert cell(t, "2024-01", citizen="AF", duration="M_LT6") == 1
    assert cell(t, "2024-02", citizen="AF", duration="M_GE6") == 1
    assert cell(t, "2024-07", citizen="SY", duration="M_LT6") == 1
    assert cell(t, "2024-08", citizen="SY", duration="M_GE6") == 1
    assert cell(t, "2025-01", citizen="ER", duration="M_LT6") == 1
    assert cell(t, "2025-02", citizen="ER", duration="M_GE6") == 1
    assert cell(t, "2024-08", citizen="IQ", duration="M_LT6") == 1
    # on 31 Aug 2024: AF and SY six months or more, IQ not yet, ER lodged that day
    assert (cell(t, "2024-08", duration="M_GE6"), cell(t, "2024-08", duration="M_LT6"),
            cell(t, "2024-08")) == (2, 2, 4)


def test_pending_at_first_instance_only(snapshot_of):
    # On 31 July 2024, one person each:
    #  p1 app 10: lodged 1 Jul, a Dublin request sent, Dublin procedure in progress → counted
    #  p2 app 20: lodged 1 Jul, Dublin closure 20 Jul → closed, in no stock
    #  p3 app 30: lodged 10 Jan, rejected 1 Apr, appeal 15 Apr annulled 20 Jun → awaiting a
    #             new first-instance decision: counted; 10 Jan + 6 months = 10 Jul → M_GE6
    #  p4 app 40: rejected 1 Jun, not final, no appeal → open (MIGR_ASYPENCTZM) but not EPS
    #  p5 app 50: appeal pending → open but not EPS
    #  p6 app 60 lodged 1 Jan 2023 with an appeal pending, and app 61 lodged 15 Jul 2024 with
    #     no decision → counted once, by app 61 (the earliest lodged *awaiting* one): M_LT6
    #     (by app 60 it would be M_GE6)
    #  p7 app 70: resettled, lodged 1 Jul → excluded
    # EPS_PEND: TOTAL 3 (p1, p3, p6): M_LT6 2 (p1, p6), M_GE6 1 (p3). MIGR_ASYPENCTZM: 5.
    snap = snapshot_of({
        "person": [person(i) for i in range(1, 8)],
        "application": [
            app(10, 1, date(2024, 7, 1)),
            app(20, 2, date(2024, 7, 1), dublin_closed_date=date(2024, 7, 20)),
            app(30, 3, date(2024, 1, 10)), app(40, 4), app(50, 5),
            app(60, 6, date(2023, 1, 1)), app(61, 6, date(2024, 7, 15)),
            app(70, 7, date(2024, 7, 1), channel="RESETTLEMENT")],
        "dublin_request": [{"request_id": 1, "person_id": 1, "application_id": 10,
                            "request_date": date(2024, 7, 10)}],
        "decision": [dec(3, 30, date(2024, 4, 1)),
                     dec(33, 30, date(2024, 6, 20), "ANNULLED", "APPEAL"),
                     dec(4, 40, date(2024, 6, 1)), dec(5, 50, date(2024, 5, 1)),
                     dec(6, 60, date(2024, 1, 1))],
        "appeal": [appeal(1, 30, 3, date(2024, 4, 15), 33), appeal(2, 50, 5, date(2024, 5, 20)),
                   appeal(3, 60, 6, date(2024, 1, 20))]})
    t = build_cube(EPS_PEND, snap, [JUL])
    assert cell(t, "2024-07") == 3
    assert cell(t, "2024-07", duration="M_LT6") == 2
    assert cell(t, "2024-07", duration="M_GE6") == 1
    assert cell(build_cube(ASYPENCTZM, snap, [JUL]), "2024-07") == 5


# ---------------------------------------------------------------- EPS_DEC

def test_first_instance_decisions_of_the_month_by_the_latest(snapshot_of):
    # p1 IRQ: rejected 3 Jul, refugee status 20 Jul → July once, by the latest: POS_RFG
    # p2 SYR: rejected 31 Jul, subsidiary protection 2 Aug → July NEG, August POS_SPROT; in
    #         the quarter (MIGR_ASYDCFSTQ) once, by the latest: POS_SPROT
    # p3 IRQ: a decision in appeal in July → not first instance, not counted
    # p4 IRQ: resettled, rejected in July → excluded
    snap = snapshot_of({
        "person": [person(1), person(2, "SYR"), person(3), person(4)],
        "application": [app(10, 1), app(20, 2), app(30, 3), app(40, 4, channel="RESETTLEMENT")],
        "decision": [dec(1, 10, date(2024, 7, 3)), dec(2, 10, date(2024, 7, 20), "REFUGEE"),
                     dec(3, 20, date(2024, 7, 31)), dec(4, 20, date(2024, 8, 2), "SUBSIDIARY"),
                     dec(5, 30, date(2024, 7, 5), "REFUGEE", "APPEAL"),
                     dec(6, 40, date(2024, 7, 5))]})
    t = build_cube(EPS_DEC, snap, [JUL, AUG])
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-07", citizen="IQ", decision="POS_RFG") == 1
    assert cell(t, "2024-07", citizen="SY", decision="NEG") == 1
    assert cell(t, "2024-07", decision="POS") == 1
    assert cell(t, "2024-08", citizen="SY", decision="POS_SPROT") == 1
    # summed over the months the SY person counts twice; once in the quarter
    q = build_cube(ASYDCFSTQ, snap, [Q3])
    assert cell(q, "2024-Q3", citizen="SY") == 1
    assert cell(t, "2024-07", citizen="SY") + cell(t, "2024-08", citizen="SY") == 2


# ---------------------------------------------------------------- EPS_DUB

def test_each_outgoing_dublin_indicator(snapshot_of):
    # July 2024, requests OUT unless said:
    #  r1 TAKE_CHARGE 3 Jul (person 2, SYR), accepted 20 Jul → REQ, ACC (SY)
    #  r2 TAKE_BACK 20 Jun, implicitly accepted 5 Jul, transferred 30 Jul → ACC, TRF (its
    #     request is June's)
    #  r3 re-examination of r4, 10 Jul, rejected 25 Jul → REQ (re-examinations included), REJ
    #  r4 TAKE_CHARGE 1 May, rejected 20 May → nothing in July
    #  r5 INFO 11 Jul, answered 15 Jul → excluded (information request)
    #  r6 IN TAKE_CHARGE 12 Jul, accepted 16 Jul, transferred 25 Jul → excluded (incoming)
    #  r7 TAKE_BACK 13 Jul, reply ACCEPTED without a reply date → REQ, no reply yet
    #  a unilateral decision (art. 17(1)) 8 Jul → ART17
    # July: REQ 3, ACC 2, REJ 1, ART17 1, TRF 1; SY: REQ 1, ACC 1.
    def req(rid: int, day: date, pid: int = 1, **kw):
        return {"request_id": rid, "person_id": pid, "request_date": day, **kw}

    snap = snapshot_of({
        "person": [person(1), person(2, "SYR")],
        "dublin_request": [
            req(1, date(2024, 7, 3), 2, request_type="TAKE_CHARGE", legal_basis="ART12_2",
                reply="ACCEPTED", reply_date=date(2024, 7, 20)),
            req(2, date(2024, 6, 20), reply="IMPLICIT_ACCEPTANCE", reply_date=date(2024, 7, 5)),
            req(3, date(2024, 7, 10), reexamination_of=4, reply="REJECTED",
                reply_date=date(2024, 7, 25)),
            req(4, date(2024, 5, 1), request_type="TAKE_CHARGE", legal_basis="ART12_2",
                reply="REJECTED", reply_date=date(2024, 5, 20)),
            req(5, date(2024, 7, 11), request_type="INFO", legal_basis="ART34",
                reply="ANSWERED", reply_date=date(2024, 7, 15)),
            req(6, date(2024, 7, 12), direction="IN", request_type="TAKE_CHARGE",
                legal_basis="ART12_2", reply="ACCEPTED", reply_date=date(2024, 7, 16)),
            req(7, date(2024, 7, 13), reply="ACCEPTED")],
        "dublin_transfer": [
            {"transfer_id": 1, "request_id": 2, "transfer_date": date(2024, 7, 30)},
            {"transfer_id": 2, "request_id": 6, "transfer_date": date(2024, 7, 25)}],
        "dublin_unilateral": [{"unilateral_id": 1, "person_id": 1, "partner_country": "FRA",
                               "decision_date": date(2024, 7, 8)}]})
    t = build_cube(EPS_DUB, snap, [JUL])
    got = {i: cell(t, "2024-07", indicator=i) for i in ("REQ", "ACC", "REJ", "ART17", "TRF")}
    assert got == {"REQ": 3, "ACC": 2, "REJ": 1, "ART17": 1, "TRF": 1}
    assert cell(t, "2024-07", citizen="SY", indicator="REQ") == 1
    assert cell(t, "2024-07", citizen="SY", indicator="ACC") == 1
    assert cell(t, "2024-06", indicator="REQ") == 0  # June was not asked for
    assert set(t.data["indicator"]) == set(got)


# ---------------------------------------------------------------- consistency with Eurostat

def test_eps_decisions_over_a_quarter_against_the_quarter_is_a_warning(snapshot_of):
    # Q3 2024, first-instance decisions:
    #  p1 IRQ: rejected 31 Jul and granted subsidiary protection 2 Aug → in EPS_DEC in July
    #          and in August (2), once in MIGR_ASYDCFSTQ (1)
    #  p2 SYR: rejected 10 Sep only → 1 and 1
    # Per citizenship: IQ 2 > 1 (flagged), SY 1 = 1; TOTAL 3 > 2 (flagged) → 2 cells, warning.
    from asylstat.checks.warnings import monthly_decision_warnings

    snap = snapshot_of({
        "person": [person(1), person(2, "SYR")],
        "application": [app(10, 1), app(20, 2)],
        "decision": [dec(1, 10, date(2024, 7, 31)), dec(2, 10, date(2024, 8, 2), "SUBSIDIARY"),
                     dec(3, 20, date(2024, 9, 10))]})
    tables = [build_cube(ASYDCFSTQ, snap, [Q3]), build_cube(EPS_DEC, snap, Q3.months())]
    (result,) = monthly_decision_warnings(tables)
    assert (result.severity, result.status, result.count) == ("warning", "fail", 2)
    assert result.examples[0] == (
        "2024-Q3, citizen TOTAL: 3 persons decided in 2024-07…2024-09 (EPS_DEC, summed) > 2 "
        "in the quarter (MIGR_ASYDCFSTQ): 1 decided in two or more months of the quarter")
    assert "citizen IQ: 2 persons" in result.examples[1]
    assert "decided at first instance in two months" in result.message
    # without p1's August decision the months add up to the quarter: the warning passes
    snap = snapshot_of({
        "person": [person(1), person(2, "SYR")],
        "application": [app(10, 1), app(20, 2)],
        "decision": [dec(1, 10, date(2024, 7, 31)), dec(3, 20, date(2024, 9, 10))]})
    tables = [build_cube(ASYDCFSTQ, snap, [Q3]), build_cube(EPS_DEC, snap, Q3.months())]
    assert [(r.status, r.count) for r in monthly_decision_warnings(tables)] == [("pass", 0)]
    # a monthly run makes no quarterly table: nothing to compare
    assert monthly_decision_warnings(tables[1:]) == []


def test_a_broken_consistency_rule_is_an_error(snapshot_of):
    # EPS_APP with one applicant fewer than MIGR_ASYAPPCTZM for SY breaks the declared
    # equality: validation fails it as an error (blocking transmission).
    from dataclasses import replace

    from asylstat.checks.outputs import validate_outputs
    from asylstat.domains import spec_of

    snap = snapshot_of({"person": [person(1, "SYR"), person(2, "SYR")],
                        "application": [app(10, 1, date(2024, 7, 1)),
                                        app(20, 2, date(2024, 7, 2))]})
    eps, estat = build_cube(EPS_APP, snap, [JUL]), build_cube(ASYAPPCTZM, snap, [JUL])
    results = {r.rule: r for r in validate_outputs([eps, estat], spec_of)}
    assert results["EPS_APP.equals.MIGR_ASYAPPCTZM"].status == "pass"
    data = eps.data.copy()
    data.loc[(data.citizen == "SY") & (data.applicant == "TOTAL"), "OBS_VALUE"] = 1
    broken = replace(eps, data=data)
    results = {r.rule: r for r in validate_outputs([broken, estat], spec_of)}
    rule = results["EPS_APP.equals.MIGR_ASYAPPCTZM"]
    assert (rule.severity, rule.status, rule.count) == ("error", "fail", 1)


# ---------------------------------------------------------------- the notebook's narrative

def test_the_eps_notebook_narrative_quotes_each_month():
    # July: 3 applicants, 1 repeated; 2 withdrawn; 4 decided; 10 pending, 3 for six months
    # or more; Dublin: 5 requests, 1 transfer. August: only 1 applicant (singular form).
    import pandas as pd

    from asylstat.report import eps as report
    from asylstat.tables import Table

    def made(spec, rows):
        data = pd.DataFrame(rows, columns=[*spec.dimension_names, "TIME_PERIOD", "OBS_VALUE"])
        return Table(name=spec.name, title="t", definition="d.", kind="euaa", freq="M",
                     unit=spec.unit, dimensions=spec.dimension_names,
                     data=data.astype({"OBS_VALUE": "int64"}))

    tables = [
        made(EPS_APP, [("TOTAL", "TOTAL", "2024-07", 3), ("TOTAL", "REP", "2024-07", 1),
                       ("TOTAL", "TOTAL", "2024-08", 1)]),
        made(EPS_WITH, [("TOTAL", "TOTAL", "2024-07", 2)]),
        made(EPS_DEC, [("TOTAL", "TOTAL", "2024-07", 4)]),
        made(EPS_PEND, [("TOTAL", "TOTAL", "2024-07", 10), ("TOTAL", "M_GE6", "2024-07", 3)]),
        made(EPS_DUB, [("TOTAL", "REQ", "2024-07", 5), ("TOTAL", "TRF", "2024-07", 1)])]
    lines = report.narrative_for(tables).splitlines()
    assert lines[0] == (
        "- **July 2024**: 3 applicants (1 repeated); 2 withdrawals awaiting a first-instance "
        "decision; 4 first-instance decisions; 10 persons awaiting a first-instance decision "
        "at the end of the month, 3 for six months or more; outgoing Dublin: 5 requests, 1 "
        "transfers.")
    assert lines[1].startswith("- **August 2024**: 1 applicant (0 repeated)")
    assert report.narrative_for([]) == "- The EPS tables are monthly: an annual run makes none."
    assert report.chart_for(tables) is not None and report.chart_for([]) is None
