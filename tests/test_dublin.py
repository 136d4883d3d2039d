"""Dublin III dataflows (statistics.md, "Dublin III"): hand-worked cases, one rule each.

Every expected count is reasoned in the comment beside it from the rows of the test, never
computed by the code under test. Dublin tables count events: no person is de-duplicated.
"""

from __future__ import annotations

from datetime import date

import pytest

from asylstat.cube import build_cube
from asylstat.dataflows import dublin as D
from asylstat.domains import domain
from asylstat.periods import Period
from asylstat.tables import Table

Y2023, Y2024, Y2025, Y2026 = (Period("A", y) for y in (2023, 2024, 2025, 2026))
Q3_MONTHS = Period("Q", 2024, 3).months()

ADULT = {"person_id": 1, "sex": "F", "birth_date": date(1990, 5, 5)}


def cell(table: Table, period: str, **fixed: str) -> int:
    """One cell's value (0 when absent: zero cells are omitted); the dimensions not named are at
    their total (``T`` for sex, ``TOTAL`` otherwise)."""
    frame = table.data[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, "T" if dim == "sex" else "TOTAL")]
    assert len(frame) <= 1, f"{table.name}: several rows for one cell {fixed}"
    return int(frame["OBS_VALUE"].iloc[0]) if len(frame) else 0


def build(spec, snap, *periods: Period) -> Table:
    return build_cube(spec, snap, periods)


def request(request_id: int, **values) -> dict:
    """An outgoing take-back request of person 1 to Germany dated 2024-03-01, unless told."""
    return {"request_id": request_id, "person_id": 1, "request_date": date(2024, 3, 1),
            **values}


# ---------------------------------------------------------------- declarations

def test_every_dataflow_is_declared_in_the_outputs_md_dimension_order():
    expected = {
        "DUBR": ("partner", "req_type", "leg_prov", "sex", "minor"),
        "DUBREDAC": ("partner", "req_type", "leg_prov", "sex", "minor"),
        "DUBRR": ("partner", "req_type", "leg_prov", "sex", "minor"),
        "DUBD": ("partner", "req_type", "leg_prov", "decision", "sex", "minor"),
        "DUBDR": ("partner", "req_type", "leg_prov", "decision", "sex", "minor"),
        "DUBT": ("partner", "req_type", "leg_prov", "duration", "sex", "minor"),
        "DUBRPEN": ("partner", "req_type", "sex", "minor"),
        "DUBTPEN": ("partner", "req_type", "sex", "minor"),
        "DUBRINF": ("partner", "sex", "minor"),
        "DUBRES": ("partner", "duration", "sex", "minor"),
    }
    declared = {s.name: s for s in D.ANNUAL}
    names = {f"MIGR_{b}{s}" for b in expected for s in "OI"} | {"MIGR_DUBDUNI"}
    assert set(declared) == names and len(D.ANNUAL) == 21
    for base, dims in expected.items():
        for suffix in "OI":
            spec = declared[f"MIGR_{base}{suffix}"]
            assert spec.dimension_names == dims
            assert (spec.kind, spec.freq, spec.unit, spec.reference) == ("eurostat", "A", "NR",
                                                                         None)
    assert declared["MIGR_DUBDUNI"].dimension_names == ("partner", "sex", "minor")
    dom = domain("dublin")
    annual = tuple(s for s in dom.tables if s.kind == "eurostat")
    national_monthly = [s for s in dom.tables if s.due == "months"]
    assert dom.notebook == "50_dublin.ipynb" and annual == D.ANNUAL
    assert [s.name for s in national_monthly] == [D.national_name(s.name) for s in D.ANNUAL]
    assert all((s.kind, s.freq, s.due) == ("national", "M", "months") for s in national_monthly)
    assert all(s.due == "frequency" for s in annual)
    assert not {s.name for s in national_monthly} & names
    # events, published unrounded (statistics.md, "Dissemination")
    assert all(s.disclosure == "exact" for s in dom.tables)


# ---------------------------------------------------------------- requests

def test_take_charge_and_take_back_and_their_legal_basis(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, request_type="TAKE_CHARGE", legal_basis="ART13"),
        request(2, request_type=" take_charge\t", legal_basis="art13 "),  # normalised: TC ART13
        request(3, request_type="TAKE_BACK", legal_basis="ART18_1_B"),
        # a take charge under a take-back article: kept as is (ART18_1_B)
        request(4, request_type="TAKE_CHARGE", legal_basis="ART18_1_B"),
        request(5, request_type="TAKE_BACK", legal_basis="ART99"),  # invalid: leg_prov UNK
        request(6, request_type="TRANSFER"),  # no such type: in no Dublin table
        request(7, request_type="TAKE_BACK", direction="IN"),  # incoming: not in DUBRO
        request(8, request_type="TAKE_BACK", request_date=date(2023, 12, 31)),  # 2023
    ]})
    out = build(D.DUBRO, snap, Y2024)
    # requests 1-5 are outgoing TC/TB of 2024: 3 take charge (1, 2, 4), 2 take back (3, 5)
    assert cell(out, "2024") == 5
    assert cell(out, "2024", req_type="TC") == 3
    assert cell(out, "2024", req_type="TB") == 2
    assert cell(out, "2024", req_type="TC", leg_prov="ART13") == 2
    assert cell(out, "2024", req_type="TC", leg_prov="ART18_1_B") == 1
    assert cell(out, "2024", req_type="TB", leg_prov="UNK") == 1
    assert set(out.data["req_type"]) == {"TC", "TB", "TOTAL"}
    inc = build(D.DUBRI, snap, Y2024)
    assert cell(inc, "2024") == 1 and cell(inc, "2024", req_type="TB") == 1  # request 7


def test_eurodac_based_requests(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, eurodac_hit=True), request(2, eurodac_hit=False),
        request(3, eurodac_hit=True, reexamination_of=1),  # a re-examination: not counted
    ]})
    # only request 1 is a Eurodac-based request that is not a re-examination
    assert cell(build(D.DUBREDACO, snap, Y2024), "2024") == 1


def test_one_person_with_requests_to_three_states_counts_three_requests(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, partner_country="DEU"), request(2, partner_country="FRA"),
        request(3, partner_country="NLD")]})
    out = build(D.DUBRO, snap, Y2024)
    # events, not persons: three requests of one woman
    assert cell(out, "2024") == 3 and cell(out, "2024", sex="F") == 3
    assert [cell(out, "2024", partner=p) for p in ("DE", "FR", "NL")] == [1, 1, 1]


def test_partner_belgium_or_not_a_dublin_state_is_unk(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, partner_country="BEL"),  # Belgium itself
        request(2, partner_country="GBR"),  # not a Dublin state (any more)
        request(3, partner_country="USA"),  # not a Dublin state
        request(4, partner_country="xx"),  # invalid
        request(5, partner_country=" deu "),  # DE after normalisation
        request(6, partner_country="che"),  # Switzerland: a Dublin state, CH
        request(7, partner_country="grc"),  # Greece: EL
    ]})
    out = build(D.DUBRO, snap, Y2024)
    assert cell(out, "2024", partner="UNK") == 4  # requests 1-4
    assert cell(out, "2024", partner="DE") == 1
    assert cell(out, "2024", partner="CH") == 1
    assert cell(out, "2024", partner="EL") == 1
    assert cell(out, "2024") == 7
    counts = D.unk_counts(snap).set_index("what")["records"]
    assert counts["partner is Belgium itself (partner UNK)"] == 1  # request 1
    assert counts["partner missing, invalid or not a Dublin state (partner UNK)"] == 3  # 2-4


def test_minor_from_age_on_the_request_date_and_the_request_flag(snapshot_of):
    people = [
        {"person_id": 1, "sex": "F", "birth_date": date(2006, 3, 1)},  # 18 on 2024-03-01
        {"person_id": 2, "sex": "M", "birth_date": date(2006, 3, 2)},  # 17 on 2024-03-01
        {"person_id": 3, "sex": "X", "birth_date": None},  # unknown age, sex X → UNK
        {"person_id": 4, "sex": "m", "birth_date": date(2024, 6, 1)},  # born after the request
    ]
    snap = snapshot_of({"person": people, "dublin_request": [
        request(1, person_id=1, unaccompanied_minor=True),  # 18: ADU whatever the flag
        request(2, person_id=2, unaccompanied_minor=True),  # 17, unaccompanied: UAM
        request(3, person_id=2, unaccompanied_minor=False),  # 17, accompanied: ACM
        request(4, person_id=3),  # no birth date: UNK
        request(5, person_id=4),  # birth date after the request date: UNK
        request(6, person_id=99),  # person missing: sex UNK, minor UNK
    ]})
    out = build(D.DUBRO, snap, Y2024)
    assert cell(out, "2024", minor="ADU") == 1
    assert cell(out, "2024", minor="UAM") == 1
    assert cell(out, "2024", minor="ACM") == 1
    assert cell(out, "2024", minor="UNK") == 3  # requests 4, 5, 6
    assert cell(out, "2024", sex="UNK") == 2  # person 3 (X) and the missing person
    assert cell(out, "2024", sex="M") == 3  # person 2 twice and person 4 ('m')
    assert cell(out, "2024", sex="M", minor="UNK") == 1  # person 4


def test_minor_of_a_transfer_is_the_age_on_the_request_date(snapshot_of):
    # 17 on the request date (2024-01-10), 18 on the transfer date (2024-06-01)
    snap = snapshot_of({
        "person": [{"person_id": 1, "sex": "M", "birth_date": date(2006, 5, 1)}],
        "dublin_request": [request(1, request_date=date(2024, 1, 10), unaccompanied_minor=True,
                                   reply="ACCEPTED", reply_date=date(2024, 1, 20))],
        "dublin_transfer": [{"transfer_id": 1, "request_id": 1,
                             "transfer_date": date(2024, 6, 1)}]})
    out = build(D.DUBTO, snap, Y2024)
    assert cell(out, "2024", minor="UAM") == 1 and cell(out, "2024", minor="ADU") == 0


def test_re_examination_request_and_its_reply(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, request_type="TAKE_CHARGE", legal_basis="ART9", reply="REJECTED",
                reply_date=date(2024, 3, 20)),
        request(2, request_type="TAKE_CHARGE", legal_basis="ART9", reexamination_of=1,
                request_date=date(2024, 4, 1), reply="ACCEPTED", reply_date=date(2024, 4, 10)),
        # re-examines a request missing from the warehouse: still counted
        request(3, reexamination_of=999, request_date=date(2024, 5, 1)),
    ]})
    # DUBRO: request 1 only (2 and 3 are re-examinations)
    assert cell(build(D.DUBRO, snap, Y2024), "2024") == 1
    rr = build(D.DUBRRO, snap, Y2024)
    assert cell(rr, "2024") == 2  # requests 2 and 3
    assert cell(rr, "2024", req_type="TC", leg_prov="ART9") == 1  # request 2
    # DUBDO: the rejection of request 1 only
    d = build(D.DUBDO, snap, Y2024)
    assert cell(d, "2024") == 1 and cell(d, "2024", decision="REJ") == 1
    assert cell(d, "2024", decision="ACC") == 0
    # DUBDRO: the acceptance of re-examination request 2
    dr = build(D.DUBDRO, snap, Y2024)
    assert cell(dr, "2024", decision="ACC_EXPL") == 1
    assert cell(dr, "2024", decision="ACC") == 1 and cell(dr, "2024") == 1
    assert cell(dr, "2024", decision="REJ") == 0


def test_implicit_acceptance_and_the_decision_margins(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, reply="ACCEPTED", reply_date=date(2024, 3, 10)),
        request(2, reply=" implicit_acceptance", reply_date=date(2024, 3, 15)),
        request(3, reply="IMPLICIT_ACCEPTANCE", reply_date=date(2024, 3, 15)),
        request(4, reply="REJECTED", reply_date=date(2024, 3, 12)),
        request(5, reply="ANSWERED", reply_date=date(2024, 3, 12)),  # not a decision code
        request(6, reply="ACCEPTED", reply_date=None),  # reply without date: no reply
        request(7, reply="ACCEPTED", reply_date=date(2025, 1, 2)),  # replied in 2025
    ]})
    d = build(D.DUBDO, snap, Y2024)
    assert cell(d, "2024", decision="ACC_EXPL") == 1  # request 1
    assert cell(d, "2024", decision="ACC_IMPL") == 2  # requests 2 and 3
    assert cell(d, "2024", decision="ACC") == 3  # = 1 + 2
    assert cell(d, "2024", decision="REJ") == 1  # request 4
    assert cell(d, "2024") == 4  # = ACC + REJ
    assert set(d.data["decision"]) == {"ACC_EXPL", "ACC_IMPL", "ACC", "REJ", "TOTAL"}


# ---------------------------------------------------------------- stocks

def test_reply_after_the_period_end_leaves_the_request_pending(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, request_date=date(2024, 12, 10), reply="ACCEPTED",
                reply_date=date(2025, 1, 5)),
        request(2, request_date=date(2024, 7, 1), reply="REJECTED", reply_date=date(2024, 7, 9)),
        request(3, request_date=date(2024, 7, 1), reply="REJECTED", reply_date=None),
        request(4, request_date=date(2024, 7, 1), reply=None, reply_date=date(2024, 7, 9)),
        request(5, request_date=date(2025, 1, 3)),  # made after the end of 2024
        request(6, request_date=date(2024, 7, 1), request_type="INFO",
                legal_basis="ART34"),  # information requests are not in this stock
        request(7, request_date=date(2024, 8, 1), reexamination_of=2),  # re-exams included
    ]})
    pending = build(D.DUBRPENO, snap, Y2024, Y2025)
    # end of 2024: request 1 (its reply is dated 2025), 3 and 4 (only one of reply and reply
    # date is set: unanswered) and 7; not 2 (replied), 5 (later), 6 (INFO)
    assert cell(pending, "2024") == 4
    # end of 2025: 1 is replied; 3, 4, 5 and 7 are still pending
    assert cell(pending, "2025") == 4
    # the reply to request 1 counts in 2025, not in 2024
    d = build(D.DUBDO, snap, Y2024, Y2025)
    assert cell(d, "2025") == 1 and cell(d, "2024") == 1  # 2024: the rejection of request 2
    # request 1 is not yet accepted at the end of 2024: not awaiting transfer then
    tp = build(D.DUBTPENO, snap, Y2024, Y2025)
    assert cell(tp, "2024") == 0 and cell(tp, "2025") == 0  # 2025: its 6 months ran out


def test_accepted_request_awaits_transfer_until_its_time_limit(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        # accepted 15 March: the 6-month limit is 15 September 2024
        request(1, reply="ACCEPTED", reply_date=date(2024, 3, 15)),
        # the same, with the limit extended to 18 months (art. 29(2))
        request(2, reply="ACCEPTED", reply_date=date(2024, 3, 15),
                transfer_deadline=date(2025, 9, 15)),
        # implicitly accepted 15 March, transferred 10 August
        request(3, reply="IMPLICIT_ACCEPTANCE", reply_date=date(2024, 3, 15)),
        # rejected: never awaiting transfer
        request(4, reply="REJECTED", reply_date=date(2024, 3, 15)),
    ], "dublin_transfer": [{"transfer_id": 1, "request_id": 3,
                            "transfer_date": date(2024, 8, 10)}]})
    monthly = build(D.NATIONAL_MONTHLY[D.ANNUAL.index(D.DUBTPENO)], snap, *Q3_MONTHS)
    assert monthly.name == "NAT_DUBTPENO" and monthly.kind == "national"
    # 31 July: 1, 2, 3 (3 is transferred only on 10 August)
    assert cell(monthly, "2024-07") == 3
    # 31 August: 1 (31 Aug <= 15 Sep) and 2
    assert cell(monthly, "2024-08") == 2
    # 30 September: 1's time limit expired on 15 September without transfer: no longer
    # awaiting; 2 is within its extended deadline
    assert cell(monthly, "2024-09") == 1
    annual = build(D.DUBTPENO, snap, Y2024, Y2025)
    assert cell(annual, "2024") == 1  # request 2 (31 Dec 2024 <= 15 Sep 2025)
    assert cell(annual, "2025") == 0  # 31 Dec 2025 is past 15 Sep 2025


def test_awaiting_transfer_on_the_last_day_of_the_time_limit(snapshot_of):
    # accepted 31 August 2024: + 6 months is 28 February 2025, the last day of a month
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, reply="ACCEPTED", reply_date=date(2024, 8, 31))]})
    months = (Period("M", 2025, 2), Period("M", 2025, 3))
    out = build(D.NATIONAL_MONTHLY[D.ANNUAL.index(D.DUBTPENO)], snap, *months)
    assert cell(out, "2025-02") == 1  # E = 28 Feb 2025 <= 28 Feb 2025
    assert cell(out, "2025-03") == 0


# ---------------------------------------------------------------- transfers

def _accepted(request_id: int, reply_date: date, **values) -> dict:
    return request(request_id, request_date=date(2023, 6, 1), reply="ACCEPTED",
                   reply_date=reply_date, **values)


def test_transfer_duration_at_the_6_12_18_month_boundaries(snapshot_of):
    aug31 = date(2024, 8, 31)
    transfers = [  # (request accepted on reply_date, transfer date, expected duration)
        (aug31, date(2024, 8, 31), "M0-6"),  # the day of the acceptance
        (aug31, date(2025, 2, 28), "M0-6"),  # 31 Aug + 6 months = 28 Feb 2025
        (aug31, date(2025, 3, 1), "M6-12"),
        (aug31, date(2025, 8, 31), "M6-12"),  # + 12 months = 31 Aug 2025
        (aug31, date(2025, 9, 1), "M12-18"),
        (aug31, date(2026, 2, 28), "M12-18"),  # + 18 months = 28 Feb 2026
        (aug31, date(2026, 3, 1), "M_GT18"),
        (date(2023, 8, 31), date(2024, 2, 29), "M0-6"),  # leap year: + 6 months = 29 Feb
        (date(2023, 8, 31), date(2024, 3, 1), "M6-12"),
        (date(2024, 3, 15), date(2024, 9, 15), "M0-6"),  # same day number 6 months later
        (date(2024, 3, 15), date(2024, 9, 16), "M6-12"),
        (date(2024, 3, 15), date(2024, 3, 14), "UNK"),  # transferred before the acceptance
    ]
    rows = [_accepted(i, reply) for i, (reply, _, _) in enumerate(transfers, 1)]
    moves = [{"transfer_id": i, "request_id": i, "transfer_date": t}
             for i, (_, t, _) in enumerate(transfers, 1)]
    snap = snapshot_of({"person": [ADULT], "dublin_request": rows, "dublin_transfer": moves})
    out = build(D.DUBTO, snap, Y2024, Y2025, Y2026)
    # 2024: 31 Aug 2024 (M0-6), 29 Feb 2024 (M0-6), 1 Mar 2024 (M6-12), 15 Sep (M0-6),
    # 16 Sep (M6-12), 14 Mar (UNK)
    assert cell(out, "2024", duration="M0-6") == 3
    assert cell(out, "2024", duration="M6-12") == 2
    assert cell(out, "2024", duration="UNK") == 1
    assert cell(out, "2024") == 6
    # 2025: 28 Feb (M0-6), 1 Mar and 31 Aug (M6-12), 1 Sep (M12-18)
    assert cell(out, "2025", duration="M0-6") == 1
    assert cell(out, "2025", duration="M6-12") == 2
    assert cell(out, "2025", duration="M12-18") == 1
    # 2026: 28 Feb (M12-18), 1 Mar (M_GT18)
    assert cell(out, "2026", duration="M12-18") == 1
    assert cell(out, "2026", duration="M_GT18") == 1


def test_transfer_without_acceptance_or_request(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, reply="REJECTED", reply_date=date(2024, 3, 10)),  # not an acceptance
        request(2, reply="ACCEPTED", reply_date=None),  # no reply date
        request(3, reply="IMPLICIT_ACCEPTANCE", reply_date=date(2024, 3, 15),
                request_type="TAKE_CHARGE", legal_basis="ART8"),
        request(4, request_type="OTHER", reply="ACCEPTED", reply_date=date(2024, 3, 15)),
        request(5, direction="IN", reply="ACCEPTED", reply_date=date(2024, 3, 15)),
    ], "dublin_transfer": [
        {"transfer_id": 1, "request_id": 1, "transfer_date": date(2024, 5, 1)},
        {"transfer_id": 2, "request_id": 2, "transfer_date": date(2024, 5, 1)},
        {"transfer_id": 3, "request_id": 3, "transfer_date": date(2024, 5, 1)},
        {"transfer_id": 4, "request_id": 4, "transfer_date": date(2024, 5, 1)},  # no table
        {"transfer_id": 5, "request_id": 42, "transfer_date": date(2024, 5, 1)},  # missing
        {"transfer_id": 6, "request_id": 5, "transfer_date": date(2024, 5, 1)},  # incoming
    ]})
    out = build(D.DUBTO, snap, Y2024)
    # transfers 1 and 2: duration UNK (no dated acceptance); 3: M0-6, TC ART8
    assert cell(out, "2024") == 3
    assert cell(out, "2024", duration="UNK") == 2
    assert cell(out, "2024", duration="M0-6", req_type="TC", leg_prov="ART8") == 1
    assert cell(build(D.DUBTI, snap, Y2024), "2024") == 1  # transfer 6
    counts = D.unk_counts(snap).set_index("what")["records"]
    assert counts["request missing or not a take-charge/take-back request (not counted)"] == 2


# ---------------------------------------------------------------- information requests

def test_information_requests_answered_in_35_and_36_days(snapshot_of):
    def info(request_id: int, reply_date: date | None, reply: str | None = "ANSWERED") -> dict:
        return request(request_id, request_type="INFO", legal_basis="ART34",
                       request_date=date(2024, 1, 1), reply=reply, reply_date=reply_date)

    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        info(1, date(2024, 2, 5)),  # 1 Jan + 35 days = 5 Feb: D0-35
        info(2, date(2024, 2, 6)),  # 36 days: D_GT35
        info(3, date(2024, 1, 1)),  # 0 days: D0-35
        info(4, date(2023, 12, 30)),  # answered before the request: UNK
        info(5, None, reply=None),  # not answered
        info(6, date(2024, 1, 9), reply="REJECTED"),  # not an answer
    ]})
    requests = build(D.DUBRINFO, snap, Y2023, Y2024)
    assert cell(requests, "2024") == 6  # every request of 1 Jan 2024
    answers = build(D.DUBRESO, snap, Y2023, Y2024)
    # by answer date: answer 4 is dated 30 Dec 2023
    assert cell(answers, "2024", duration="D0-35") == 2  # 1 and 3
    assert cell(answers, "2024", duration="D_GT35") == 1  # 2
    assert cell(answers, "2024") == 3
    assert cell(answers, "2023", duration="UNK") == 1 and cell(answers, "2023") == 1
    # information requests are in no take-charge/take-back table
    assert cell(build(D.DUBRO, snap, Y2024), "2024") == 0
    assert cell(build(D.DUBRPENO, snap, Y2024), "2024") == 0


# ---------------------------------------------------------------- unilateral decisions

def test_unilateral_decisions_partner_unknown_and_minor(snapshot_of):
    people = [ADULT, {"person_id": 2, "sex": "M", "birth_date": date(2008, 1, 1)}]
    snap = snapshot_of({"person": people, "dublin_unilateral": [
        {"unilateral_id": 1, "person_id": 1, "decision_date": date(2024, 4, 1),
         "partner_country": None},  # no partner: UNK
        {"unilateral_id": 2, "person_id": 2, "decision_date": date(2024, 4, 1),
         "partner_country": "fra"},  # FR; 16 on the decision date: ACM (no flag recorded)
        {"unilateral_id": 3, "person_id": 1, "decision_date": date(2024, 4, 2),
         "partner_country": "BEL"},  # Belgium itself: UNK
    ]})
    out = build(D.DUBDUNI, snap, Y2024)
    assert cell(out, "2024") == 3
    assert cell(out, "2024", partner="UNK") == 2  # decisions 1 and 3
    assert cell(out, "2024", partner="FR", minor="ACM", sex="M") == 1
    assert cell(out, "2024", minor="ADU") == 2
    assert cell(out, "2024", minor="UAM") == 0


# ---------------------------------------------------------------- national monthly variants

def test_monthly_national_variant_counts_by_month(snapshot_of):
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        request(1, request_date=date(2024, 7, 31)), request(2, request_date=date(2024, 8, 1)),
        request(3, request_date=date(2024, 8, 31)), request(4, request_date=date(2024, 10, 1))]})
    out = build(D.NATIONAL_MONTHLY[0], snap, *Q3_MONTHS)
    assert (out.name, out.kind, out.freq) == ("NAT_DUBRO", "national", "M")
    # July: 1; August: 2 and 3; September: none (request 4 is in October)
    assert [cell(out, m.label) for m in Q3_MONTHS] == [1, 2, 0]


# ---------------------------------------------------------------- the report

def test_rates_by_partner_from_exact_figures(snapshot_of):
    rows = [request(i, partner_country="DEU", reply=reply, reply_date=date(2024, 3, 10))
            for i, reply in enumerate(["ACCEPTED", "ACCEPTED", "IMPLICIT_ACCEPTANCE",
                                       "REJECTED", "REJECTED", "REJECTED"], 1)]
    moves = [{"transfer_id": 1, "request_id": 1, "transfer_date": date(2024, 5, 1)}]
    snap = snapshot_of({"person": [ADULT], "dublin_request": rows, "dublin_transfer": moves})
    tables = [build(spec, snap, Y2024) for spec in (D.DUBRO, D.DUBDO, D.DUBTO)]
    from asylstat.rates import as_percent, tenths_of_percent
    from asylstat.report.dublin import chart_for, narrative_for, rates_by_partner

    def rate(numerator: int, denominator: int) -> float | None:
        return as_percent(tenths_of_percent(numerator, denominator))

    rates = rates_by_partner(tables).set_index(["direction", "partner"])
    de = rates.loc[("OUT", "DE")]
    # 3 acceptances of 6 replies: 50.0%; 1 transfer of 3 acceptances: 33.3%
    assert (de["replies"], de["accepted"], de["transfers"]) == (6, 3, 1)
    assert de["acceptance_rate"] == 50.0 and de["transfer_rate"] == 33.3
    assert rate(1, 8) == 12.5 and rate(1, 16) == 6.3 and rate(1, 0) is None  # half up
    text = narrative_for(tables)
    assert "acceptance rate 50.0%" in text and "transfer rate 33.3% of acceptances" in text
    assert "6 replies" in text and "Germany (6)" in text
    assert chart_for(tables) is not None


@pytest.mark.parametrize(("reply", "later", "expected"), [
    (date(2024, 8, 31), date(2025, 2, 28), True),
    (date(2024, 8, 31), date(2025, 3, 1), False),
    (date(2023, 8, 31), date(2024, 2, 29), True),
    (date(2024, 1, 31), date(2024, 7, 31), True),
    (date(2024, 1, 31), date(2024, 8, 1), False),
])
def test_plus_six_months_in_the_engine(reply, later, expected):
    import ibis

    t = ibis.memtable({"r": [reply], "t": [later]}, schema={"r": "date", "t": "date"})
    value = t.select(ok=D.on_or_before_plus_months(t.t, t.r, 6)).to_pyarrow()
    assert value.column(0).to_pylist() == [expected]


# ---------------------------------------------------------------- national: time limit
def test_transfers_within_and_after_the_transfer_time_limit(snapshot_of):
    march15 = date(2024, 3, 15)
    snap = snapshot_of({"person": [ADULT], "dublin_request": [
        # accepted 15 March: the 6-month limit ends on 15 September 2024
        request(1, reply="ACCEPTED", reply_date=march15),
        request(2, reply="ACCEPTED", reply_date=march15),
        # the limit extended to 15 September 2025 (art. 29(2))
        request(3, reply="ACCEPTED", reply_date=march15, transfer_deadline=date(2025, 9, 15)),
        # a recorded deadline is used as recorded, even before acceptance + 6 months
        request(8, reply="ACCEPTED", reply_date=march15, transfer_deadline=date(2024, 8, 31)),
        request(4, reply="REJECTED", reply_date=date(2024, 3, 10)),  # no acceptance
        request(5, reply="ACCEPTED", reply_date=date(2024, 9, 20)),
        # incoming from France, implicitly accepted 1 February: limit 1 August 2024
        request(6, direction="IN", partner_country="FRA", reply="IMPLICIT_ACCEPTANCE",
                reply_date=date(2024, 2, 1)),
    ], "dublin_transfer": [
        {"transfer_id": 1, "request_id": 1, "transfer_date": date(2024, 9, 15)},  # WITHIN
        {"transfer_id": 2, "request_id": 2, "transfer_date": date(2024, 9, 16)},  # AFTER
        {"transfer_id": 7, "request_id": 2, "transfer_date": date(2024, 9, 20)},  # AFTER
        {"transfer_id": 3, "request_id": 3, "transfer_date": date(2024, 9, 16)},  # WITHIN
        {"transfer_id": 8, "request_id": 8, "transfer_date": date(2024, 9, 10)},  # AFTER
        {"transfer_id": 4, "request_id": 4, "transfer_date": date(2024, 9, 20)},  # UNK
        {"transfer_id": 5, "request_id": 5, "transfer_date": date(2024, 9, 19)},  # UNK: before
        {"transfer_id": 6, "request_id": 6, "transfer_date": date(2024, 8, 1)},   # WITHIN, IN
    ]})
    spec = D.NAT_DUBT_TIME_LIMIT
    assert (spec.kind, spec.unit, spec.disclosure, spec.due) == ("national", "NR", "exact",
                                                                 "months_and_run")
    out = build(spec, snap, *Q3_MONTHS)
    out_ = {"direction": "OUT"}
    # September, outgoing, all to Germany: 1 and 3 within; 2 (twice: each transfer counts)
    # and 8 after; 4 and 5 UNK: 7 transfers
    assert cell(out, "2024-09", **out_, limit="WITHIN") == 2
    assert cell(out, "2024-09", **out_, limit="AFTER") == 3
    assert cell(out, "2024-09", **out_, limit="UNK") == 2
    assert cell(out, "2024-09", **out_) == 7
    assert cell(out, "2024-09", **out_, partner="DE", limit="AFTER") == 3
    # August: the incoming transfer from France, on the last day of its limit
    assert cell(out, "2024-08", direction="IN", partner="FR", limit="WITHIN") == 1
    assert cell(out, "2024-08", direction="IN") == 1
    assert cell(out, "2024-08", **out_) == 0 and cell(out, "2024-07", direction="IN") == 0
    # a stratum: no margin across the two directions
    assert set(out.data["direction"]) == {"OUT", "IN"}
    # the same transfers as MIGR_DUBTO and MIGR_DUBTI count
    assert cell(build(D.DUBTO, snap, Y2024), "2024") == 7
    assert cell(build(D.DUBTI, snap, Y2024), "2024") == 1
