"""The domain notebooks' narratives come from the report's message catalogues (one narrative
system): whole sentences worked out by hand on a few hand-written cells of each table."""

from __future__ import annotations

import pandas as pd

from asylstat.report import applications, decisions, dublin, pending, withdrawals
from asylstat.tables import Table

NNBSP = "\u202f"


def table(name: str, dims: tuple[str, ...], cells: list[tuple[dict[str, str], str, int]],
          freq: str = "M") -> Table:
    """A table of the given cells; a dimension a cell does not name is at its total."""
    rows = [{**{d: codes.get(d, "T" if d == "sex" else "TOTAL") for d in dims},
             "TIME_PERIOD": period, "OBS_VALUE": value} for codes, period, value in cells]
    data = pd.DataFrame(rows, columns=[*dims, "TIME_PERIOD", "OBS_VALUE"])
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    return Table(name=name, title="t", definition="d.", kind="eurostat", freq=freq,
                 unit="PER", dimensions=dims, data=data)


PERSONS = ("citizen", "sex", "age")


def applicant_tables() -> list[Table]:
    appctzm = table("MIGR_ASYAPPCTZM", (*PERSONS, "applicant"), [
        ({}, "2024-07", 1), ({"applicant": "FRST"}, "2024-07", 1),
        ({"citizen": "AF"}, "2024-07", 1),
        ({}, "2024-08", 1235), ({"applicant": "FRST"}, "2024-08", 1000),
        ({"applicant": "SSEQ"}, "2024-08", 200),
        ({"citizen": "SY"}, "2024-08", 700), ({"citizen": "AF"}, "2024-08", 535)])
    umactm = table("MIGR_ASYUMACTM", (*PERSONS, "applicant"), [({}, "2024-08", 3)])
    accm = table("MIGR_ASYACCM", PERSONS, [({}, "2024-08", 2)])
    submission = table("NAT_SUBMISSION", ("citizen", "legal_type", "channel", "uam"), [
        ({}, "2024-07", 5), ({}, "2024-Q3", 16), ({"legal_type": "SUBSEQUENT"}, "2024-Q3", 1)])
    registration = table("NAT_REGISTRATION", ("step", "channel"), [
        ({"step": "BACKLOG"}, "2024-Q3", 1), ({"step": "BACKLOG", "channel": "BORDER"},
                                              "2024-Q3", 1)])
    delays = table("NAT_REGISTRATION_DELAYS", ("step", "stat"), [
        ({"step": "REGISTERED", "stat": "P50"}, "2024-Q3", 0),
        ({"step": "REGISTERED", "stat": "P90"}, "2024-Q3", 1)])
    return [appctzm, umactm, accm, submission, registration, delays]


def test_applications_narrative():
    # July: 1 applicant (singular), 1 first-time; August: 1,235, of whom 1,000 and 200.
    # Citizenships over both months: SY 700, AF 1 + 535 = 536. Q3 (national): 1 subsequent of
    # 16 applications = 6.25 % → 6.3 % (half away from zero); backlog 1 person; P50 0, P90 1.
    assert applications.narrative_for(applicant_tables()).split("\n") == [
        "- **July 2024**: 1 applicant, of whom 1 first-time and 0 subsequent; 0 unaccompanied "
        "minors; 0 under the accelerated procedure.",
        "- **August 2024**: 1,235 applicants, of whom 1,000 first-time and 200 subsequent; 3 "
        "unaccompanied minors; 2 under the accelerated procedure.",
        "- Largest citizenships over the period: Syria (700) and Afghanistan (536).",
        "- **Q3 2024** (national definitions, resettlement included): 16 applications lodged, "
        "6.3% of them subsequent; 1 person presented but not yet registered at the end of the "
        "period.",
        "- Median time from presentation to registration: 0 days; nine in ten registered "
        "within 1 day.",
    ]


def test_the_same_narrative_in_french():
    text = applications.narrative_for(applicant_tables(), lang="fr").split("\n")
    assert text[1].startswith(f"- **août 2024** : 1{NNBSP}235 demandeurs, dont 1{NNBSP}000 pour "
                              "la première fois et 200 ultérieurs ;")
    assert "6,3\u00a0% ultérieures" in text[3]


def test_applications_narrative_without_monthly_tables():
    assert applications.narrative_for(applicant_tables()[3:]).split("\n")[0] == (
        "The Eurostat applicant tables are monthly: this run's period has none.")


def test_pending_narrative():
    pen = table("MIGR_ASYPENCTZM", PERSONS, [({}, "2024-07", 23558), ({}, "2024-08", 1)])
    still = table("NAT_STILL_PROCESSED", ("stage", "duration", "channel"), [
        ({}, "2024-07", 9), ({}, "2024-Q3", 10), ({"stage": "AWAIT_FIRST"}, "2024-Q3", 6),
        ({"stage": "FIRST_NOT_FINAL"}, "2024-Q3", 3),
        ({"stage": "APPEAL_PENDING"}, "2024-Q3", 1)])
    # July: 10 + 5 − 4 = 11 expected, 10 found: a difference of 1 (1 counted)
    flow = table("NAT_STOCK_FLOW", ("measure", "channel"), [
        ({"measure": "OPEN_START"}, "2024-07", 10), ({"measure": "LODGED"}, "2024-07", 5),
        ({"measure": "CLOSED"}, "2024-07", 4), ({"measure": "OPEN_END"}, "2024-07", 10),
        ({"measure": "DIFFERENCE"}, "2024-07", 1)])
    assert pending.narrative_for([pen, still, flow]).split("\n") == [
        "- **July 2024**: 23,558 persons had an application pending on the last day of the "
        "month (MIGR_ASYPENCTZM).",
        "- **August 2024**: 1 person had an application pending on the last day of the month "
        "(MIGR_ASYPENCTZM).",
        "- Still being processed on the last day of Q3 2024: 10 applications (6 awaiting a "
        "first-instance decision, 3 with a first-instance decision not yet final, 1 with an "
        "appeal pending and 0 with an appeal decided, not yet final).",
        "- **July 2024** (applications): 10 open at the start + 5 lodged − 4 closed = 11; 10 "
        "open at the end. **Difference 1**: applications closed before they were lodged (1 "
        "counted) — a warehouse fault to report to ICT.",
    ]


def test_withdrawals_narrative():
    wd = table("MIGR_ASYWITHM", (*PERSONS, "withdr"), [
        ({}, "2024-07", 308), ({"withdr": "EXPL"}, "2024-07", 112),
        ({"withdr": "IMPL"}, "2024-07", 194), ({"withdr": "UNK"}, "2024-07", 2)])
    waived = table("NAT_WAIVED", ("kind", "stage", "channel"), [
        ({}, "2024-Q3", 5), ({"stage": "NOT_LODGED"}, "2024-Q3", 1),
        ({"stage": "AWAIT_FIRST"}, "2024-Q3", 2), ({"stage": "APPEAL_PENDING"}, "2024-Q3", 2)])
    assert withdrawals.narrative_for([wd, waived]).split("\n") == [
        "- **July 2024**: 308 persons withdrew an application (112 explicitly, 194 implicitly "
        "and 2 of unknown kind).",
        "- Waived in Q3 2024: 5 applications, 3 of them before any first-instance decision.",
    ]
    assert withdrawals.narrative_for([waived]).split("\n")[0] == (
        "- The Eurostat withdrawals table is monthly: this run's period has none.")


def test_decisions_narrative_for_a_year():
    # final decisions in appeal: 3 of 8 positive = 37.5 %; 1 unaccompanied minor (singular);
    # appeals of 2024: 5 lodged, 4 decided of which 1 annulled, 7 pending, median 1 day
    fina = table("MIGR_ASYDCFINA", (*PERSONS, "decision"), [
        ({}, "2024", 8), ({"decision": "POS"}, "2024", 3)], freq="A")
    unaa = table("MIGR_ASYUNAA", PERSONS, [({}, "2024", 1)], freq="A")
    appeals = table("NAT_APPEALS", ("measure", "outcome"), [
        ({"measure": "LODGED"}, "2024", 5), ({"measure": "DECIDED"}, "2024", 4),
        ({"measure": "DECIDED", "outcome": "ANNULLED"}, "2024", 1),
        ({"measure": "PENDING"}, "2024", 7)])
    duration = table("NAT_APPEAL_DURATION", ("stat",), [({"stat": "P50"}, "2024", 1)])
    assert decisions.narrative_for([fina, unaa, appeals, duration]).split("\n") == [
        "- **2024**: 8 persons received a final decision in appeal, 3 positive: recognition "
        "rate 37.5%.",
        "- **2024**: 1 applicant considered an unaccompanied minor (MIGR_ASYUNAA).",
        "- Appeals in 2024: 5 lodged, 4 decided (1 annulment), 7 pending at the end; median "
        "duration 1 day.",
    ]
    assert decisions.narrative_for([]) == "- No decision table is due for this run's period."


def test_dublin_narrative_without_tables():
    assert dublin.narrative_for([]) == "The run made no Dublin table."
    assert dublin.narrative_for([], lang="nl") == "De run maakte geen Dublintabel."
