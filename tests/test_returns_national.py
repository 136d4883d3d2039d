"""Hand-worked tests of the national removal tables (statistics.md, "Returns", "National removal
tables"): NAT_RETURN_DECISIONS, NAT_DEPARTURES, NAT_RETURN_UAM and NAT_RETURN_RATE. Expected
counts and rates are reasoned in the comments, never computed by the code under test."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from asylstat.checks.outputs import check_within
from asylstat.cohorts import NO_EVENT, cohort_rates
from asylstat.cube import build_cube
from asylstat.dataflows.returns import (
    EIRTN1,
    NAT_DEPARTURES,
    NAT_RETURN_DECISIONS,
    NAT_RETURN_RATE,
    NAT_RETURN_UAM,
    cohort_quarters,
)
from asylstat.domains import build_table
from asylstat.periods import Period
from helpers import cell

Q3 = Period("Q", 2024, 3)
AUGUST = Period("M", 2024, 8)


def person(pid: int, citizenship: str | None = "MAR", **kw):
    return {"person_id": pid, "sex": "M", "birth_date": date(1990, 1, 1),
            "citizenship": citizenship, **kw}


def decision(rid: int, pid: int, day: date, **kw):
    return {"return_decision_id": rid, "person_id": pid, "decision_date": day, **kw}


def departure(did: int, pid: int, rid: int | None, day: date, destination: str | None,
              **kw):
    return {"departure_id": did, "person_id": pid, "return_decision_id": rid,
            "departure_date": day, "destination_country": destination, **kw}


# ---------------------------------------------------------------- NAT_RETURN_DECISIONS
def test_return_decisions_count_persons_by_the_ground_of_their_earliest_decision(snapshot_of):
    # Person 1 (Morocco): decisions on 20 July (IP_REJECTED, id 10), 5 July (IRREGULAR_STAY,
    # id 11) and 2 August (PUBLIC_ORDER, id 12). July: the earliest is 5 July → IRR (not IPR);
    # August: PUB; the quarter: once, by 5 July → IRR.
    # Person 2 (Algeria): ' end_of_stay ' on 10 July (normalised → EOS); the decision of
    # 1 July (id 21) was withdrawn, so it is void and cannot be the reference → EOS.
    # Person 3 (France): an EU citizen, not a third-country national → nowhere.
    # Person 4 (XXX → UNK citizenship): ground 'LEGACY' is no contract code → UNK, on 30 Sept.
    snap = snapshot_of({
        "person": [person(1), person(2, "DZA"), person(3, "FRA"), person(4, "XXX")],
        "return_decision": [
            decision(10, 1, date(2024, 7, 20), ground="IP_REJECTED"),
            decision(11, 1, date(2024, 7, 5), ground="IRREGULAR_STAY"),
            decision(12, 1, date(2024, 8, 2), ground="PUBLIC_ORDER"),
            decision(20, 2, date(2024, 7, 10), ground=" end_of_stay "),
            decision(21, 2, date(2024, 7, 1), withdrawn_date=date(2024, 7, 15)),
            decision(30, 3, date(2024, 7, 3)),
            decision(40, 4, date(2024, 9, 30), ground="LEGACY")]})
    t = build_table(NAT_RETURN_DECISIONS, snap, Q3)
    assert t.freq == "Q"  # the months and the quarter, in one table of the run's frequency
    # July: persons 1 (IRR) and 2 (EOS)
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-07", ground="IRR") == 1
    assert cell(t, "2024-07", ground="EOS") == 1
    assert cell(t, "2024-07", ground="IPR") == 0
    # August: person 1 again, by its only decision of August (PUB)
    assert cell(t, "2024-08") == 1
    assert cell(t, "2024-08", ground="PUB") == 1
    # September: person 4, UNK ground and citizenship
    assert cell(t, "2024-09", ground="UNK", citizen="UNK") == 1
    # the quarter: persons 1, 2, 4 once each; person 1 by 5 July (IRR), not PUB
    assert cell(t, "2024-Q3") == 3
    assert cell(t, "2024-Q3", ground="IRR", citizen="MA") == 1
    assert cell(t, "2024-Q3", ground="PUB") == 0
    assert cell(t, "2024-Q3", citizen="FR") == 0


# ---------------------------------------------------------------- NAT_DEPARTURES
def test_departures_by_type_assistance_and_destination_group_include_dublin_states(
        snapshot_of):
    # Every person has a counted decision on 1 June 2024 (ids = 10 x person), except person 6.
    # p1 Morocco: FORCED, not assisted, to Morocco, 10 July → ORIGIN / ENF / NAS.
    # p2 Algeria: VOLUNTARY, assisted, to Germany (a Dublin state), 12 July → DUBLIN / VOL /
    #   AS: a departure, but not a return to a third country: in NAT_DEPARTURES only.
    # p3 Afghanistan: to ' tur ' (→ TR, another third country), assisted NULL, 15 July →
    #   OTHER_THIRD / VOL / UNK.
    # p4 Georgia: to Belgium (not a departure from it) and an unconfirmed one to Georgia →
    #   neither counted: p4 is nowhere.
    # p5 Albania: 3 August to Albania (id 51), 20 August destination NULL (id 50): the latest
    #   (20 August) is the reference → UNK destination, in August and the quarter.
    # p6 Morocco: decision of 15 July, departure dated 14 July, before it → not counted.
    # p7 unknown citizenship (NULL): to Türkiye → OTHER_THIRD (the citizenship is unknown).
    june = date(2024, 6, 1)
    snap = snapshot_of({
        "person": [person(1), person(2, "DZA"), person(3, "AFG"), person(4, "GEO"),
                   person(5, "ALB"), person(6), person(7, None)],
        "return_decision": [decision(10 * p, p, june) for p in (1, 2, 3, 4, 5, 7)]
                           + [decision(60, 6, date(2024, 7, 15))],
        "return_departure": [
            departure(1, 1, 10, date(2024, 7, 10), "MAR", return_type="FORCED",
                      assisted=False),
            departure(2, 2, 20, date(2024, 7, 12), "DEU", assisted=True),
            departure(3, 3, 30, date(2024, 7, 15), " tur "),
            departure(4, 4, 40, date(2024, 7, 16), "BEL", assisted=True),
            departure(5, 4, 40, date(2024, 7, 17), "GEO", confirmed=False, assisted=True),
            departure(51, 5, 50, date(2024, 8, 3), "ALB", assisted=True),
            departure(50, 5, 50, date(2024, 8, 20), None, assisted=False),
            departure(6, 6, 60, date(2024, 7, 14), "MAR", assisted=True),
            departure(7, 7, 70, date(2024, 7, 20), "TUR", assisted=True)]})
    t = build_table(NAT_DEPARTURES, snap, Q3)
    # July: p1, p2, p3, p7; August: p5; the quarter: p1, p2, p3, p5, p7
    assert (cell(t, "2024-07"), cell(t, "2024-08"), cell(t, "2024-Q3")) == (4, 1, 5)
    assert cell(t, "2024-Q3", dest_group="ORIGIN") == 1  # p1 (p5's reference is UNK)
    assert cell(t, "2024-Q3", dest_group="DUBLIN") == 1  # p2
    assert cell(t, "2024-Q3", dest_group="OTHER_THIRD") == 2  # p3, p7
    assert cell(t, "2024-Q3", dest_group="UNK") == 1  # p5, 20 August
    assert cell(t, "2024-Q3", c_rtn="ENF") == 1  # p1
    assert cell(t, "2024-Q3", c_rtn="VOL") == 4
    assert cell(t, "2024-Q3", assist="AS") == 2  # p2, p7
    assert cell(t, "2024-Q3", assist="NAS") == 2  # p1, p5 (its reference, 20 August)
    assert cell(t, "2024-Q3", assist="UNK") == 1  # p3
    assert cell(t, "2024-Q3", c_rtn="VOL", assist="AS", dest_group="DUBLIN") == 1
    # the Eurostat returns of the quarter: the same persons but p2 (to a Dublin state)
    returned = build_cube(EIRTN1, snap, [Q3])
    assert cell(returned, "2024-Q3") == 4
    assert cell(returned, "2024-Q3", citizen="DZ") == 0


# ---------------------------------------------------------------- NAT_RETURN_UAM
def test_unaccompanied_minors_by_their_reference_decision(snapshot_of):
    # p1 (born 5 July 2008) unaccompanied on 5 July 2024, aged 16 → July, Y14-17.
    # p2: earliest decision of July (3 July) not flagged, a later one (20 July) flagged: the
    #   reference decision decides → not counted.
    # p3 (born 10 Aug 2006) flagged on 10 Aug 2024, his 18th birthday → Y18-34, as recorded.
    # p4: flagged but the decision was withdrawn → void.
    # p5 (born 1 Jan 2012) flagged on 9 Sept 2024, aged 12 → Y_LT14.
    snap = snapshot_of({
        "person": [person(1, birth_date=date(2008, 7, 5)), person(2),
                   person(3, birth_date=date(2006, 8, 10)), person(4, birth_date=date(2010, 1, 1)),
                   person(5, "AFG", birth_date=date(2012, 1, 1))],
        "return_decision": [
            decision(10, 1, date(2024, 7, 5), unaccompanied_minor=True),
            decision(20, 2, date(2024, 7, 3)),
            decision(21, 2, date(2024, 7, 20), unaccompanied_minor=True),
            decision(30, 3, date(2024, 8, 10), unaccompanied_minor=True),
            decision(40, 4, date(2024, 8, 1), unaccompanied_minor=True,
                     withdrawn_date=date(2024, 8, 5)),
            decision(50, 5, date(2024, 9, 9), unaccompanied_minor=True)]})
    t = build_table(NAT_RETURN_UAM, snap, Q3)
    assert cell(t, "2024-07") == 1 and cell(t, "2024-07", age="Y14-17") == 1
    assert cell(t, "2024-08") == 1 and cell(t, "2024-08", age="Y18-34") == 1
    assert cell(t, "2024-09", age="Y_LT14", citizen="AF") == 1
    assert cell(t, "2024-Q3") == 3
    assert cell(t, "2024-Q3", age="Y_LT18") == 2  # p1 and p5
    # declared invariant: within the persons ordered to leave (p2 is among them in July)
    decisions = build_table(NAT_RETURN_DECISIONS, snap, Q3)
    assert cell(decisions, "2024-07") == 2
    (rule,) = NAT_RETURN_UAM.invariants
    assert check_within(t, decisions, rule).status == "pass"


# ---------------------------------------------------------------- NAT_RETURN_RATE
def _cohort_rows():
    """Cohorts 2023-Q4, 2024-Q1 and 2024-Q2 (see the test)."""
    return {
        "person": [person(p) for p in range(1, 9)] + [person(9, "DEU")],
        "return_decision": [
            decision(10, 1, date(2024, 2, 10)),
            decision(20, 2, date(2024, 3, 1)),
            decision(30, 3, date(2024, 1, 15)),
            decision(40, 4, date(2024, 2, 1)),
            decision(50, 5, date(2023, 12, 20)),
            decision(51, 5, date(2024, 1, 10)),
            decision(60, 6, date(2024, 6, 30)),
            decision(70, 7, date(2024, 5, 1)),
            decision(71, 7, date(2024, 4, 2)),
            decision(80, 8, date(2024, 2, 15), withdrawn_date=date(2024, 3, 1)),
            decision(90, 9, date(2024, 2, 15))],
        "return_departure": [
            departure(1, 1, 10, date(2024, 9, 5), "MAR"),
            departure(2, 2, 20, date(2024, 3, 20), "MAR"),
            departure(3, 3, 30, date(2024, 4, 10), "DEU"),
            departure(5, 5, 50, date(2024, 1, 5), "MAR"),
            departure(6, 6, 60, date(2024, 10, 2), "MAR"),
            departure(7, 7, 71, date(2024, 4, 20), "MAR"),
            departure(9, 9, 90, date(2024, 3, 1), "MAR")]}


def rates(table) -> dict[tuple[str, str], int]:
    return {(c, e): int(v) for c, e, v in
            zip(table.data["cohort"], table.data["elapsed"], table.data["OBS_VALUE"],
                strict=True)}


def test_cohort_return_rate_of_a_quarterly_run(snapshot_of):
    # Cohort 2024-Q1 (decisions dated January to March 2024), 5 persons:
    #   p1 decided 10 Feb, returned 5 Sept: two quarters later (Q3) → from elapsed 2;
    #   p2 decided 1 March, returned 20 March → from elapsed 0;
    #   p3 decided 15 Jan, left for Germany (a Dublin state): not a return → never;
    #   p4 decided 1 Feb, no departure → never;
    #   p5 decided 10 Jan (its earliest decision of the quarter): its only return, 5 Jan,
    #      is before it → never in this cohort;
    #   not in it: p8 (decision withdrawn: void) and p9 (a German: not a third-country
    #   national).
    #   elapsed 0: 1/5 = 20.0 % → 200; 1 (by 30 June): still 1/5 → 200; 2 (by 30 Sept):
    #   2/5 = 40.0 % → 400; no elapsed 3: the fourth quarter had not ended by the run's end.
    # Cohort 2023-Q4: p5 (decided 20 Dec 2023, returned 5 Jan 2024) → 0 (listed: a rate
    #   of 0.0 %, not a missing cell), then 100.0 % from elapsed 1 to elapsed 3 (2024-Q3).
    # Cohort 2024-Q2: p6 (decided 30 June, returned 2 Oct, after the run's end: not yet) and
    #   p7 (counted once, by 2 April; returned 20 April) → 1/2 = 50.0 % → 500 at 0 and 1.
    # No other cohort has a person (2022-Q4 … 2023-Q3, 2024-Q3): no cell.
    t = build_table(NAT_RETURN_RATE, snapshot_of(_cohort_rows()), Q3)
    assert (t.unit, t.freq, t.disclosure) == ("PCT1", "Q", "exact")
    assert set(t.data["TIME_PERIOD"]) == {"2024-Q3"}
    assert rates(t) == {
        ("2023-Q4", "0"): 0, ("2023-Q4", "1"): 1000, ("2023-Q4", "2"): 1000,
        ("2023-Q4", "3"): 1000,
        ("2024-Q1", "0"): 200, ("2024-Q1", "1"): 200, ("2024-Q1", "2"): 400,
        ("2024-Q2", "0"): 500, ("2024-Q2", "1"): 500}


def test_cohort_return_rate_of_a_monthly_run_stops_at_the_last_quarter_ended(snapshot_of):
    # A run of August 2024 sees the quarters ended by 31 August: up to 2024-Q2. p1's return
    # (5 September) is after it: cohort 2024-Q1 stays at 1/5 = 200 at elapsed 0 and 1.
    # 2023-Q4: 0, 1000, 1000 (elapsed 0 to 2); 2024-Q2: 500 at elapsed 0 only.
    t = build_table(NAT_RETURN_RATE, snapshot_of(_cohort_rows()), AUGUST)
    assert (t.freq, set(t.data["TIME_PERIOD"])) == ("M", {"2024-08"})
    assert rates(t) == {
        ("2023-Q4", "0"): 0, ("2023-Q4", "1"): 1000, ("2023-Q4", "2"): 1000,
        ("2024-Q1", "0"): 200, ("2024-Q1", "1"): 200, ("2024-Q2", "0"): 500}


def test_cohorts_are_the_eight_quarters_ended_by_the_runs_end():
    labels = lambda run: [q.label for q in cohort_quarters(run)]  # noqa: E731
    assert labels(Q3) == ["2022-Q4", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1",
                          "2024-Q2", "2024-Q3"]
    assert labels(AUGUST)[-1] == "2024-Q2" and labels(AUGUST)[0] == "2022-Q3"
    assert labels(Period("M", 2024, 9))[-1] == "2024-Q3"
    assert labels(Period("A", 2024)) == [f"{y}-Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["0", "1", "2", "3", NO_EVENT]),
                          st.integers(1, 50)), min_size=1, max_size=20))
def test_cohort_rates_never_fall_and_stay_between_0_and_100_percent(counted):
    cohorts = tuple(Period("Q", 2024, q) for q in (1, 2, 3, 4))
    rows = [(cohorts[c].label, e, n) for c, e, n in counted
            if e == NO_EVENT or c + int(e) < len(cohorts)]  # an event within the window
    if not rows:
        return
    counts = pd.DataFrame(rows, columns=["period", "elapsed", "n"])
    counts = counts.groupby(["period", "elapsed"], as_index=False)["n"].sum()
    out = cohort_rates(counts, cohorts, "2024-Q4")
    for cohort, part in out.groupby("cohort"):
        values = list(part.sort_values("elapsed")["OBS_VALUE"])
        assert values == sorted(values) and 0 <= values[0] and values[-1] <= 1000
        # one cell per quarter from the cohort's to the last
        assert len(values) == 4 - [c.label for c in cohorts].index(cohort)
        # the last one: every person with an event, over the cohort's size
        mine = counts[counts["period"] == cohort]
        events = int(mine.loc[mine["elapsed"] != NO_EVENT, "n"].sum())
        assert abs(values[-1] * int(mine["n"].sum()) - 1000 * events) <= int(mine["n"].sum())


# ---------------------------------------------------------------- the report's "Returns" section
def _report_rows():
    """Q3 2024: p1…p12 (Morocco) and p13 (Algeria) ordered to leave on 1 July; p1…p8
    returned by force to Morocco, p9…p11 voluntarily with assistance, p12 and p13 left for
    Germany. Q3 2023: p14…p16 (Morocco) ordered to leave on 1 August 2023; p14 left for
    Germany in Q3 2024, p15 was returned on 10 January 2024, p16 never left."""
    july, august_2023 = date(2024, 7, 1), date(2023, 8, 1)
    rows = {"person": [person(p) for p in range(1, 17) if p != 13] + [person(13, "DZA")],
            "return_decision": [decision(p, p, july) for p in range(1, 14)]
                               + [decision(p, p, august_2023) for p in (14, 15, 16)],
            "return_departure": []}
    for p in range(1, 15):
        kind = ({"return_type": "FORCED", "assisted": False} if p <= 8 else
                {"return_type": "VOLUNTARY", "assisted": True})
        destination = "MAR" if p <= 11 else "DEU"
        rows["return_departure"].append(departure(p, p, p, date(2024, 8, 1), destination,
                                                  **kind))
    rows["return_departure"].append(departure(15, 15, 15, date(2024, 1, 10), "MAR"))
    return rows


def plain(markup: str) -> str:
    """The text of some HTML, with no-break and narrow no-break spaces as plain spaces."""
    import html as htmllib
    import re

    text = htmllib.unescape(re.sub(r"<[^>]+>", "", markup))
    return re.sub(r"[\u00a0\u202f]", " ", text)


def _report(snap, period: Period, lang: str = "en"):
    from asylstat.report.basis import build_report_basis
    from asylstat.report.narrative import Report, public_report_tables

    basis = {t.name: t for t in build_report_basis(snap, period)}
    context = {"period": period.label, "as_of": "2030-01-01T00:00:00Z", "run_id": "RUN-1"}
    return basis, Report(public=public_report_tables(basis), context=context, lang=lang)


def test_report_return_tables_and_section_worked_out_by_hand(snapshot_of):
    basis, report = _report(snapshot_of(_report_rows()), Q3)
    # exact: 13 persons ordered to leave in Q3 2024 (12 of Morocco), 3 in Q3 2023; 11
    # returned to a third country (8 forced, 3 voluntary and assisted); 14 left after an
    # order to leave, 3 of them for Germany (p12, p13, p14: not returns)
    assert cell(basis["RPT_RETURN_DECISIONS"], "2024-Q3") == 13
    assert cell(basis["RPT_RETURN_DECISIONS"], "2024-Q3", citizen="MA") == 12
    assert cell(basis["RPT_RETURN_DECISIONS"], "2023-Q3") == 3
    assert cell(basis["RPT_RETURNS"], "2024-Q3") == 11
    assert cell(basis["RPT_RETURNS"], "2024-Q3", c_rtn="ENF") == 8
    assert cell(basis["RPT_RETURNS"], "2024-Q3", assist="AS") == 3
    assert cell(basis["RPT_DEPARTURES"], "2024-Q3") == 14
    assert cell(basis["RPT_DEPARTURES"], "2024-Q3", dest_group="DUBLIN") == 3
    rate = basis["RPT_RETURN_RATE"]
    # cohort 2023-Q3 (p14, p15, p16): p15 returned in 2024-Q1 (elapsed 2), p14 went to
    # Germany (no return): 1/3 = 33.3 % from elapsed 2; cohort 2024-Q3: p1…p11 of 13 returned
    # within the quarter = 84.615… % → 84.6 %
    assert cell(rate, "2024-Q3", cohort="2023-Q3", elapsed="1") == 0
    assert cell(rate, "2024-Q3", cohort="2023-Q3", elapsed="4") == 333
    assert cell(rate, "2024-Q3", cohort="2024-Q3", elapsed="0") == 846
    text = plain(report.render("returns"))
    # rounded: 13 → 15, 3 → 5, 11 → 10, 8 → 10, 3 → 5; Algeria (1 → 0) is not named
    assert ("15 third-country nationals were ordered to leave Belgium in Q3 2024 (5 in Q3 "
            "2023) and 10 were returned to a third country: 10 by enforced return and 5 "
            "voluntarily; 5 received return assistance.") in text
    assert "5 persons ordered to leave left for another Dublin state" in text
    assert "The main citizenship of the persons ordered to leave was Morocco (10)." in text
    assert ("Of the persons ordered to leave in Q3 2023, 33.3% had been returned to a third "
            "country by the end of Q3 2024 (effective return rate).") in text
    assert "These are the figures transmitted to Eurostat for the quarter, rounded." in text
    # every figure quoted is a report table's public cell, never a Frontex table's
    assert {fact.table for fact in report.quoted} == {
        "RPT_RETURN_DECISIONS", "RPT_RETURNS", "RPT_DEPARTURES", "RPT_RETURN_RATE"}


def test_a_monthly_report_says_what_its_return_figures_are(snapshot_of):
    # August 2024: the 14 departures of 1 August (rule of the quarterly tables over the month):
    # 11 returned → 10; no order to leave in August 2024 (all on 1 July) nor August 2023 (the
    # decisions of 1 August 2023 are in August 2023: 3 → 5)
    _, report = _report(snapshot_of(_report_rows()), AUGUST)
    text = plain(report.render("returns"))
    assert ("0 third-country nationals were ordered to leave Belgium in August 2024 (5 in "
            "August 2023) and 10 were returned to a third country") in text
    assert "Eurostat receives return statistics by quarter; the figures for this month" in text
    # the cohort rate observed at the end of August: up to 2024-Q2, cohort 2023-Q2 has no one
    # and 2023-Q3's fourth quarter after is not over: no rate sentence, but the table of the
    # cohorts observed: 2023-Q3 from the same quarter (0.0 %) to three quarters later (33.3 %)
    assert "(effective return rate)" not in text
    assert "Effective return rate: share of the persons ordered to leave" in text
    assert "Q3 20230.0%0.0%33.3%33.3%not yet" in text


def test_notebook_narrative_has_the_national_sentences(snapshot_of):
    from asylstat.report.returns import narrative_for

    # exact figures (the notebook is internal): in Q3 2024, 14 persons left, 3 for Germany;
    # cohort 2023-Q3 observed four quarters later (end of Q3 2024): 1/3 = 33.3 %
    snap = snapshot_of(_report_rows())
    tables = [build_table(spec, snap, Q3) for spec in (NAT_DEPARTURES, NAT_RETURN_RATE)]
    text = narrative_for(tables, "en")
    assert ("- Q3 2024: 14 persons left following an order to leave, 3 of them for another "
            "Dublin state") in text
    assert ("- Effective return rate: 33.3% of the persons ordered to leave in Q3 2023 had "
            "been returned to a third country by the end of Q3 2024.") in text
