"""Hand-worked tests of the return tables (issue 12; statistics.md, "Common rules" and "Returns").

Tables: MIGR_EIORD1, MIGR_EIRTN1 (citizen, sex, age), MIGR_EIRT_TYPE (citizen, c_rtn, assist),
MIGR_EIRT_DEST (citizen, c_dest), quarterly; FX_RDEC (citizen, ground) and FX_RET (citizen,
c_rtn, assist), monthly. Every expected count below is worked out by hand from the spec, with
the reason in a comment; none is produced by the code under test. The declarations are found by
name (``spec_of``), so that these tests were written before the domain existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pytest

from asylstat.cube import build_cube
from asylstat.domains import spec_of
from asylstat.periods import Period
from asylstat.tables import Table
from helpers import cell, codes

Q3 = Period("Q", 2024, 3)
JUL, AUG, SEP = Q3.months()
Q = "2024-Q3"
QUARTERLY = ("MIGR_EIORD1", "MIGR_EIRTN1", "MIGR_EIRT_TYPE", "MIGR_EIRT_DEST")
MONTHLY = ("FX_RDEC", "FX_RET")


def table(name: str, snap, periods: Sequence[Period] | None = None) -> Table:
    """The declared table ``name`` built for ``periods`` (the quarter for the quarterly tables,
    its three months for the Frontex ones)."""
    if periods is None:
        periods = [JUL, AUG, SEP] if name in MONTHLY else [Q3]
    return build_cube(spec_of(name), snap, list(periods))


def person(pid: int, citizenship: str | None = "DZA", sex: str | None = "M",
           birth: date | None = date(1990, 1, 1), **kw: Any) -> dict[str, Any]:
    return {"person_id": pid, "sex": sex, "birth_date": birth, "citizenship": citizenship, **kw}


def rdec(rid: int, pid: int, day: date, ground: str = "IRREGULAR_STAY",
         withdrawn: date | None = None, **kw: Any) -> dict[str, Any]:
    """A return decision (the non-null columns the contract requires, neutral values)."""
    return {"return_decision_id": rid, "person_id": pid, "decision_date": day,
            "ground": ground, "unaccompanied_minor": False, "withdrawn_date": withdrawn, **kw}


def dep(did: int, pid: int, rid: int | None, day: date, return_type: str = "FORCED",
        assisted: bool | None = False, dest: str | None = "DZA", confirmed: bool = True,
        **kw: Any) -> dict[str, Any]:
    """A departure following return decision ``rid`` (None: not recorded)."""
    return {"departure_id": did, "person_id": pid, "return_decision_id": rid,
            "departure_date": day, "return_type": return_type, "assisted": assisted,
            "destination_country": dest, "confirmed": confirmed, **kw}


def test_declarations_follow_outputs_md(snapshot_of) -> None:
    # outputs.md: dimensions in file order; statistics.md: freq Q / M, unit PER; the Frontex
    # tables go to Frontex and are "exact figures, never published by the unit"
    snap = snapshot_of({"person": [person(1)]})
    dims = {"MIGR_EIORD1": ("citizen", "sex", "age"), "MIGR_EIRTN1": ("citizen", "sex", "age"),
            "MIGR_EIRT_TYPE": ("citizen", "c_rtn", "assist"),
            "MIGR_EIRT_DEST": ("citizen", "c_dest"), "FX_RDEC": ("citizen", "ground"),
            "FX_RET": ("citizen", "c_rtn", "assist")}
    for name, expected in dims.items():
        t = table(name, snap)
        assert t.dimensions == expected, name
        assert t.unit == "PER", name
        assert t.freq == ("M" if name in MONTHLY else "Q"), name
        assert t.kind == ("frontex" if name in MONTHLY else "eurostat"), name
        assert t.data.empty, name  # no decision, no departure: no cell at all
    assert spec_of("FX_RDEC").disclosure == spec_of("FX_RET").disclosure == "unpublished"


# ---------------------------------------------------------------- return decisions


def test_a_withdrawn_decision_never_counts(snapshot_of) -> None:
    # Every decision dated 10 July 2024 (in Q3, in July).
    #  p1 withdrawn 1 Aug 2024 (inside the quarter)            -> void
    #  p2 withdrawn 1 Dec 2024 (after the quarter)             -> void
    #  p3 withdrawn 1 Jan 2031 (after as_of, dates as recorded) -> void: "a decision withdrawn
    #     or annulled at any time up to as_of is void": any non-NULL withdrawn_date visible as
    #     of as_of voids it, whatever its date
    #  p4 withdrawn 1 June 2024 (before the decision itself)    -> void (dates as recorded)
    #  p5 in force (withdrawn_date NULL)                        -> counts
    #  p6 in force in the version recorded 11 July 2024; a correction recorded 1 Feb 2025
    #     sets withdrawn_date 20 Jan 2025: counts as of 31 Jan 2025, void as of 2030
    v1, v2 = datetime(2024, 7, 11), datetime(2025, 2, 1)
    day = date(2024, 7, 10)
    rows = {"person": [person(i) for i in range(1, 7)],
            "return_decision": [
                rdec(1, 1, day, withdrawn=date(2024, 8, 1)),
                rdec(2, 2, day, withdrawn=date(2024, 12, 1)),
                rdec(3, 3, day, withdrawn=date(2031, 1, 1)),
                rdec(4, 4, day, withdrawn=date(2024, 6, 1)),
                rdec(5, 5, day),
                rdec(6, 6, day, recorded_at=v1, retired_at=v2),
                rdec(6, 6, day, withdrawn=date(2025, 1, 20), recorded_at=v2)]}
    now = snapshot_of(rows)  # as of 2030-01-01
    assert cell(table("MIGR_EIORD1", now), Q) == 1  # p5 only
    assert cell(table("FX_RDEC", now), "2024-07") == 1
    assert cell(table("FX_RDEC", now), "2024-07", ground="IRR") == 1
    then = snapshot_of(rows, as_of=datetime(2025, 1, 31))
    # p5 and p6 (its withdrawal is not yet recorded); p3's withdrawal is dated after this
    # as_of too but its row is visible: still void
    assert cell(table("MIGR_EIORD1", then), Q) == 2
    assert cell(table("FX_RDEC", then), "2024-07") == 2


def test_two_decisions_of_one_person_the_earliest_counted_one_places_the_person(
        snapshot_of) -> None:
    # p1, born 1 Aug 2010: decision 12 on 20 July (age 13, IRREGULAR_STAY) and decision 11 on
    #    5 Aug (age 14, PUBLIC_ORDER). Quarter: the earliest (20 July) -> Y_LT14, not Y14-17.
    #    Months: July's reference is 12 (IRR), August's is 11 (PUB): one person in each month.
    # p2 (F, MAR): decisions 21 (IP_REJECTED) and 20 (END_OF_STAY) both on 2 Sep: the tie goes
    #    to the lowest id, 20 -> FX_RDEC September EOS, not IPR.
    # p3 (AFG), born 1 Aug 2006: decision 30 on 5 July (age 17) is withdrawn; decision 31 on
    #    5 Sep (age 18) is the earliest *counted* one -> Y18-34, not Y14-17.
    rows = {"person": [person(1, birth=date(2010, 8, 1)),
                       person(2, "MAR", "F"),
                       person(3, "AFG", birth=date(2006, 8, 1))],
            "return_decision": [
                rdec(11, 1, date(2024, 8, 5), "PUBLIC_ORDER"),
                rdec(12, 1, date(2024, 7, 20), "IRREGULAR_STAY"),
                rdec(21, 2, date(2024, 9, 2), "IP_REJECTED"),
                rdec(20, 2, date(2024, 9, 2), "END_OF_STAY"),
                rdec(30, 3, date(2024, 7, 5), withdrawn=date(2024, 8, 1)),
                rdec(31, 3, date(2024, 9, 5))]}
    snap = snapshot_of(rows)
    ord1 = table("MIGR_EIORD1", snap)
    assert cell(ord1, Q) == 3  # three persons, each once
    assert cell(ord1, Q, citizen="DZ") == 1
    assert cell(ord1, Q, citizen="DZ", age="Y_LT14") == 1
    assert cell(ord1, Q, citizen="DZ", age="Y14-17") == 0
    assert cell(ord1, Q, citizen="DZ", age="Y_LT18") == 1
    assert cell(ord1, Q, citizen="MA", sex="F") == 1
    assert cell(ord1, Q, citizen="AF", age="Y18-34") == 1
    assert cell(ord1, Q, citizen="AF", age="Y14-17") == 0
    rdec_t = table("FX_RDEC", snap)
    # July: p1 by decision 12 (IRR); p3's only July decision is withdrawn
    assert cell(rdec_t, "2024-07") == 1
    assert cell(rdec_t, "2024-07", citizen="DZ", ground="IRR") == 1
    # August: p1 again, by decision 11 (PUB)
    assert cell(rdec_t, "2024-08") == 1
    assert cell(rdec_t, "2024-08", citizen="DZ", ground="PUB") == 1
    # September: p2 by decision 20 (EOS), p3 by decision 31 (IRR)
    assert cell(rdec_t, "2024-09") == 2
    assert cell(rdec_t, "2024-09", citizen="MA", ground="EOS") == 1
    assert cell(rdec_t, "2024-09", citizen="MA", ground="IPR") == 0
    assert cell(rdec_t, "2024-09", citizen="AF", ground="IRR") == 1


def test_period_bounds_both_ends_included(snapshot_of) -> None:
    # decisions on 30 June (Q2: out), 1 July (in), 30 Sep (in), 1 Oct (Q4: out), one person
    # each; p5 has decisions on 31 July and 1 Aug: one person in the quarter, one in each month
    rows = {"person": [person(i) for i in range(1, 6)],
            "return_decision": [rdec(1, 1, date(2024, 6, 30)), rdec(2, 2, date(2024, 7, 1)),
                                rdec(3, 3, date(2024, 9, 30)), rdec(4, 4, date(2024, 10, 1)),
                                rdec(5, 5, date(2024, 7, 31)), rdec(6, 5, date(2024, 8, 1))]}
    snap = snapshot_of(rows)
    assert cell(table("MIGR_EIORD1", snap), Q) == 3  # p2, p3, p5
    monthly = table("FX_RDEC", snap)
    assert cell(monthly, "2024-07") == 2  # p2 (1 July), p5 (31 July)
    assert cell(monthly, "2024-08") == 1  # p5 (1 Aug)
    assert cell(monthly, "2024-09") == 1  # p3 (30 Sep)
    assert set(monthly.data["TIME_PERIOD"]) == {"2024-07", "2024-08", "2024-09"}


def test_third_country_nationals_only_and_unknown_citizenship(snapshot_of) -> None:
    # One decision each on 15 July. Not third-country nationals (no return table counts them):
    # ' bel' (Belgium), 'fra\t', 'che', 'NOR', 'isl', 'LIE', 'grc ' (EL, an EU state).
    # Counted: 'GBR' -> UK (not a Dublin state); ' syr' -> SY; 'xxa' -> STLS; 'xkx' -> XK;
    # under UNK: 'XXX', NULL, 'YUG' (invalid), '' (invalid), 'zzz' (invalid), and person 99,
    # who has a decision but is missing from the warehouse (UNK citizenship, sex and age).
    raw = [" bel", "fra\t", "che", "NOR", "isl", "LIE", "grc ",
           "GBR", " syr", "xxa", "xkx", "XXX", None, "YUG", "", "zzz"]
    rows = {"person": [person(i, c) for i, c in enumerate(raw, start=1)],
            "return_decision": [rdec(i, i, date(2024, 7, 15)) for i in range(1, len(raw) + 1)]
            + [rdec(99, 99, date(2024, 7, 15))]}
    snap = snapshot_of(rows)
    ord1 = table("MIGR_EIORD1", snap)
    assert codes(ord1, "citizen") == {"UK", "SY", "STLS", "XK", "UNK", "TOTAL"}
    assert cell(ord1, Q, citizen="UNK") == 6  # XXX, NULL, YUG, '', zzz, missing person 99
    assert cell(ord1, Q) == 10  # UK + SY + STLS + XK + 6 UNK
    # only person 99 has unknown sex and age (everyone else: M, born 1990 -> 34 -> Y18-34)
    assert cell(ord1, Q, sex="UNK") == 1
    assert cell(ord1, Q, citizen="UNK", sex="UNK", age="UNK") == 1
    assert cell(ord1, Q, age="Y18-34") == 9
    fx = table("FX_RDEC", snap)
    assert codes(fx, "citizen") == {"UK", "SY", "STLS", "XK", "UNK", "TOTAL"}
    assert cell(fx, "2024-07") == 10


def test_person_versions_as_of_and_an_ambiguous_person(snapshot_of) -> None:
    # p1: citizenship DZA in the version recorded 2020, corrected to BEL (recorded 2025):
    #     as of 2030 a Belgian (not counted), as of end 2024 a third-country national (DZ).
    # p2: two versions with the same latest recorded_at (MAR and BEL): ambiguous, so treated as
    #     a missing person: counted with UNK citizenship, sex and age (Common rules, "Warehouse
    #     faults"; the data-quality rule reports the Belgian version separately).
    fix = datetime(2025, 1, 1)
    rows = {"person": [person(1, "DZA", retired_at=fix), person(1, "BEL", recorded_at=fix),
                       person(2, "MAR"), person(2, "BEL")],
            "return_decision": [rdec(1, 1, date(2024, 7, 15)), rdec(2, 2, date(2024, 7, 15))]}
    late = table("MIGR_EIORD1", snapshot_of(rows))
    assert cell(late, Q) == 1
    assert cell(late, Q, citizen="UNK", sex="UNK", age="UNK") == 1
    early = table("MIGR_EIORD1", snapshot_of(rows, as_of=datetime(2024, 12, 31)))
    assert cell(early, Q) == 2
    assert cell(early, Q, citizen="DZ", sex="M", age="Y18-34") == 1
    assert cell(early, Q, citizen="UNK") == 1


def test_sex_codes(snapshot_of) -> None:
    # ' f' and 'F' -> F; 'm ' -> M; 'x', 'X', NULL, '?' -> UNK (statistics.md, "Sex")
    raw = [" f", "F", "m ", "x", "X", None, "?"]
    rows = {"person": [person(i, sex=s) for i, s in enumerate(raw, start=1)],
            "return_decision": [rdec(i, i, date(2024, 8, 1)) for i in range(1, len(raw) + 1)]}
    ord1 = table("MIGR_EIORD1", snapshot_of(rows))
    assert cell(ord1, Q, sex="F") == 2
    assert cell(ord1, Q, sex="M") == 1
    assert cell(ord1, Q, sex="UNK") == 4
    assert cell(ord1, Q) == 7
    assert codes(ord1, "sex") == {"F", "M", "UNK", "T"}


#: birth dates around the reference date 15 Aug 2024 and the return age group of each
AGES_ON_15_AUG_2024: list[tuple[date | None, str]] = [
    (date(2024, 8, 15), "Y_LT14"),  # born on the reference date: 0
    (date(2010, 8, 16), "Y_LT14"),  # 13 (14 tomorrow)
    (date(2010, 8, 15), "Y14-17"),  # 14: the birthday is the reference date
    (date(2006, 8, 16), "Y14-17"),  # 17
    (date(2006, 8, 15), "Y18-34"),  # 18 on the day
    (date(1989, 8, 16), "Y18-34"),  # 34
    (date(1989, 8, 15), "Y_GE35"),  # 35 on the day
    (date(1930, 1, 1), "Y_GE35"),   # 94: the return tables have no 65+ group
    (None, "UNK"),                  # birth date unknown
    (date(2024, 8, 16), "UNK"),     # born after the reference date
]


def check_ages(t: Table) -> None:
    # two persons in each group (see AGES_ON_15_AUG_2024); Y_LT18 = Y_LT14 + Y14-17 = 4
    for group in ("Y_LT14", "Y14-17", "Y18-34", "Y_GE35", "UNK"):
        assert cell(t, Q, age=group) == 2, group
    assert cell(t, Q, age="Y_LT18") == 4
    assert cell(t, Q) == 10
    assert codes(t, "age") == {"Y_LT14", "Y14-17", "Y18-34", "Y_GE35", "UNK", "Y_LT18",
                               "TOTAL"}


def test_age_at_the_decision_date(snapshot_of) -> None:
    # every decision on 15 Aug 2024: the age is taken on that date
    people = [person(i, birth=b) for i, (b, _) in enumerate(AGES_ON_15_AUG_2024, start=1)]
    rows = {"person": people,
            "return_decision": [rdec(p["person_id"], p["person_id"], date(2024, 8, 15))
                                for p in people]}
    check_ages(table("MIGR_EIORD1", snapshot_of(rows)))


def test_age_at_the_departure_date(snapshot_of) -> None:
    # decisions on 15 Feb 2024 (Q1: not in Q3's MIGR_EIORD1), departures on 15 Aug 2024: the
    # age is taken on the departure date (on 15 Feb the person born 15 Aug 2010 was 13, the
    # one born 15 Aug 2006 was 17: the groups would differ)
    people = [person(i, birth=b) for i, (b, _) in enumerate(AGES_ON_15_AUG_2024, start=1)]
    rows = {"person": people,
            "return_decision": [rdec(p["person_id"], p["person_id"], date(2024, 2, 15))
                                for p in people],
            "return_departure": [dep(p["person_id"], p["person_id"], p["person_id"],
                                     date(2024, 8, 15)) for p in people]}
    snap = snapshot_of(rows)
    check_ages(table("MIGR_EIRTN1", snap))
    assert cell(table("MIGR_EIORD1", snap), Q) == 0


def test_ground_codes(snapshot_of) -> None:
    # FX_RDEC ground: IRREGULAR_STAY -> IRR, IP_REJECTED -> IPR, END_OF_STAY -> EOS,
    # PUBLIC_ORDER -> PUB after strip + upper; anything else -> UNK ('DUBLIN', '', and
    # 'IRREGULAR STAY' with a space instead of the underscore)
    raw = ["IRREGULAR_STAY", " ip_rejected ", "end_of_stay", "Public_Order\t", "DUBLIN", "",
           "IRREGULAR STAY"]
    rows = {"person": [person(i) for i in range(1, len(raw) + 1)],
            "return_decision": [rdec(i, i, date(2024, 7, 3), g)
                                for i, g in enumerate(raw, start=1)]}
    fx = table("FX_RDEC", snapshot_of(rows))
    for ground, expected in {"IRR": 1, "IPR": 1, "EOS": 1, "PUB": 1, "UNK": 3}.items():
        assert cell(fx, "2024-07", ground=ground) == expected, ground
        assert cell(fx, "2024-07", citizen="DZ", ground=ground) == expected, ground
    assert cell(fx, "2024-07") == 7
    assert codes(fx, "ground") == {"IRR", "IPR", "EOS", "PUB", "UNK", "TOTAL"}


# ---------------------------------------------------------------- returns


def test_what_is_a_return(snapshot_of) -> None:
    # Everyone DZA, M, born 1990; decision d<p> on 1 May 2024 unless said; departures to DZA.
    #  p1  confirmed departure 10 July                              -> a return
    #  p2  unconfirmed departure 10 July                            -> not a return
    #  p3  departure with its decision not recorded (NULL)          -> not counted
    #  p4  departure naming decision 999, missing from the warehouse -> not counted
    #  p5  departure 10 July whose decision is withdrawn on 1 Sep   -> not counted (void)
    #  p6  departure 10 July, its decision dated 20 July            -> not counted (before it)
    #  p7  departure on its decision's own day (1 Aug)              -> a return (not before)
    #  p8  decision 1 March 2023, departure 30 Sep 2024             -> a return (the decision
    #      need not be in the quarter)
    #  p9  departures on 30 June and 1 Oct                          -> not in Q3
    #  p10 a French citizen, p11 a Belgian: confirmed departures    -> not counted
    #  p12 missing from the warehouse                               -> a return, UNK attributes
    #  p13 its decision has two versions with the same recorded_at: ambiguous, treated as
    #      missing, "nor the records that need it"                  -> not counted
    may1 = date(2024, 5, 1)
    people = [person(i) for i in range(1, 10)] + [person(10, "FRA"), person(11, " bel"),
                                                  person(13)]
    decisions = [rdec(i, i, may1) for i in (1, 2, 3, 4, 9, 10, 11, 12)] + [
        rdec(5, 5, may1, withdrawn=date(2024, 9, 1)),
        rdec(6, 6, date(2024, 7, 20)),
        rdec(7, 7, date(2024, 8, 1)),
        rdec(8, 8, date(2023, 3, 1)),
        rdec(13, 13, may1), rdec(13, 13, may1, ground="PUBLIC_ORDER")]
    jul10 = date(2024, 7, 10)
    departures = [
        dep(1, 1, 1, jul10), dep(2, 2, 2, jul10, confirmed=False), dep(3, 3, None, jul10),
        dep(4, 4, 999, jul10), dep(5, 5, 5, jul10), dep(6, 6, 6, jul10),
        dep(7, 7, 7, date(2024, 8, 1)), dep(8, 8, 8, date(2024, 9, 30)),
        dep(9, 9, 9, date(2024, 6, 30)), dep(19, 9, 9, date(2024, 10, 1)),
        dep(10, 10, 10, jul10), dep(11, 11, 11, jul10), dep(12, 12, 12, jul10),
        dep(13, 13, 13, jul10)]
    snap = snapshot_of({"person": people, "return_decision": decisions,
                        "return_departure": departures})
    rtn = table("MIGR_EIRTN1", snap)
    assert cell(rtn, Q) == 4  # p1, p7, p8, p12
    assert cell(rtn, Q, citizen="DZ") == 3
    assert cell(rtn, Q, citizen="UNK", sex="UNK", age="UNK") == 1
    assert codes(rtn, "citizen") == {"DZ", "UNK", "TOTAL"}
    # the same persons by type and by destination
    assert cell(table("MIGR_EIRT_TYPE", snap), Q) == 4
    assert cell(table("MIGR_EIRT_TYPE", snap), Q, c_rtn="ENF", assist="NAS") == 4
    dest = table("MIGR_EIRT_DEST", snap)
    assert cell(dest, Q) == 4
    # DZ persons to DZA: home; the missing person (UNK) to DZA: another third country
    assert cell(dest, Q, citizen="DZ", c_dest="THRD_CTZ") == 3
    assert cell(dest, Q, citizen="UNK", c_dest="THRD_OTH") == 1
    # monthly: July p1, p12; August p7; September p8
    fx = table("FX_RET", snap)
    assert [cell(fx, m) for m in ("2024-07", "2024-08", "2024-09")] == [2, 1, 1]
    # decisions in Q3: p6 (20 July), p7 (1 Aug); p13's ambiguous decision is missing anyway
    assert cell(table("MIGR_EIORD1", snap), Q) == 2


def test_destinations(snapshot_of) -> None:
    # Each person: a decision on 1 May, one confirmed FORCED departure on 10 Aug.
    #  p1  DZA -> 'DZA'    THRD_CTZ (DZ)        p2  'geo' -> ' Geo '  THRD_CTZ (GE)
    #  p3  MAR -> 'TUR'    THRD_OTH (MA)        p4  MAR -> 'FRA'      Dublin state: no return
    #  p5  MAR -> 'nor '   Dublin: no return    p6  MAR -> ' bel'     Belgium: no return
    #  p7  MAR -> NULL     UNK (MA)             p8  MAR -> 'YUG'      invalid: UNK (MA)
    #  p9  'XXX' -> 'AFG'  THRD_OTH (citizen UNK: "including when the citizenship is UNK")
    #  p10 NULL -> NULL    UNK (citizen UNK)    p11 'GBR' -> 'GBR'    THRD_CTZ (UK)
    #  p12 'XKX' -> 'xkx'  THRD_CTZ (XK)        p13 DZA -> 'gbr'      THRD_OTH (UK: third)
    #  p14 MAR -> 'grc'    Dublin (EL): no return
    #  p15 MAR -> 'XXX'    unknown: UNK (MA)    p16 MAR -> ''         invalid: UNK (MA)
    pairs = [("DZA", "DZA"), ("geo", " Geo "), ("MAR", "TUR"), ("MAR", "FRA"), ("MAR", "nor "),
             ("MAR", " bel"), ("MAR", None), ("MAR", "YUG"), ("XXX", "AFG"), (None, None),
             ("GBR", "GBR"), ("XKX", "xkx"), ("DZA", "gbr"), ("MAR", "grc"), ("MAR", "XXX"),
             ("MAR", "")]
    ids = range(1, len(pairs) + 1)
    rows = {"person": [person(i, c) for i, (c, _) in zip(ids, pairs, strict=True)],
            "return_decision": [rdec(i, i, date(2024, 5, 1)) for i in ids],
            "return_departure": [dep(i, i, i, date(2024, 8, 10), dest=d)
                                 for i, (_, d) in zip(ids, pairs, strict=True)]}
    snap = snapshot_of(rows)
    t = table("MIGR_EIRT_DEST", snap)
    expected = {("DZ", "THRD_CTZ"): 1, ("DZ", "THRD_OTH"): 1, ("GE", "THRD_CTZ"): 1,
                ("MA", "THRD_OTH"): 1, ("MA", "UNK"): 4, ("UNK", "THRD_OTH"): 1,
                ("UNK", "UNK"): 1, ("UK", "THRD_CTZ"): 1, ("XK", "THRD_CTZ"): 1}
    base = {(c, d): v for c, d, _, v in t.data.itertuples(index=False, name=None)
            if "TOTAL" not in (c, d)}
    assert base == expected
    assert cell(t, Q, c_dest="THRD_CTZ") == 4  # DZ, GE, UK, XK
    assert cell(t, Q, c_dest="THRD_OTH") == 3  # p3, p9, p13
    assert cell(t, Q, c_dest="UNK") == 5       # p7, p8, p10, p15, p16
    assert cell(t, Q) == 12                    # 16 departures minus the 4 to Dublin states
    rtn = table("MIGR_EIRTN1", snap)
    assert cell(rtn, Q) == 12
    for citizen, n in {"DZ": 2, "GE": 1, "MA": 5, "UNK": 2, "UK": 1, "XK": 1}.items():
        assert cell(rtn, Q, citizen=citizen) == n, citizen
        assert cell(t, Q, citizen=citizen) == n, citizen


def test_two_returns_of_one_person_the_latest_return_places_the_person(snapshot_of) -> None:
    # p1 (DZA, born 1 Aug 2006; decision 10 on 1 May): returns 11 on 10 July (FORCED, not
    #    assisted, to DZA, age 17) and 12 on 10 Sep (VOLUNTARY, assisted, to TUR, age 18).
    #    The latest, 12, places the person: Y18-34, VOL/AS, THRD_OTH.
    # p2 (MAR; decision 20): 21 (FORCED, assisted, dest NULL) and 22 (VOLUNTARY, assisted
    #    NULL, to MAR) both on 20 Aug: the highest id, 22: VOL/UNK, THRD_CTZ.
    # p3 (AFG; decisions 30 in force and 39 withdrawn): departure 31 on 15 July (FORCED, not
    #    assisted, to AFG) is a return; the later departures are not returns: 32 (1 Sep,
    #    VOLUNTARY, to PAK) unconfirmed, 33 (5 Sep, VOLUNTARY) to Germany, 34 (10 Sep,
    #    VOLUNTARY, to PAK) under the withdrawn decision 39. The latest *return* is 31:
    #    ENF/NAS, THRD_CTZ.
    rows = {"person": [person(1, birth=date(2006, 8, 1)), person(2, "MAR"), person(3, "AFG")],
            "return_decision": [rdec(10, 1, date(2024, 5, 1)), rdec(20, 2, date(2024, 5, 1)),
                                rdec(30, 3, date(2024, 5, 1)),
                                rdec(39, 3, date(2024, 5, 2), withdrawn=date(2024, 10, 1))],
            "return_departure": [
                dep(11, 1, 10, date(2024, 7, 10), "FORCED", False, "DZA"),
                dep(12, 1, 10, date(2024, 9, 10), "VOLUNTARY", True, "TUR"),
                dep(22, 2, 20, date(2024, 8, 20), "VOLUNTARY", None, "MAR"),
                dep(21, 2, 20, date(2024, 8, 20), "FORCED", True, None),
                dep(31, 3, 30, date(2024, 7, 15), "FORCED", False, "AFG"),
                dep(32, 3, 30, date(2024, 9, 1), "VOLUNTARY", True, "PAK", confirmed=False),
                dep(33, 3, 30, date(2024, 9, 5), "VOLUNTARY", True, "DEU"),
                dep(34, 3, 39, date(2024, 9, 10), "VOLUNTARY", True, "PAK")]}
    snap = snapshot_of(rows)
    rtn = table("MIGR_EIRTN1", snap)
    assert cell(rtn, Q) == 3
    assert cell(rtn, Q, citizen="DZ", age="Y18-34") == 1
    assert cell(rtn, Q, citizen="DZ", age="Y14-17") == 0
    typ = table("MIGR_EIRT_TYPE", snap)
    base = {(c, r, a): v for c, r, a, _, v in typ.data.itertuples(index=False, name=None)
            if "TOTAL" not in (c, r, a)}
    assert base == {("DZ", "VOL", "AS"): 1, ("MA", "VOL", "UNK"): 1, ("AF", "ENF", "NAS"): 1}
    dest = table("MIGR_EIRT_DEST", snap)
    assert cell(dest, Q, citizen="DZ", c_dest="THRD_OTH") == 1
    assert cell(dest, Q, citizen="DZ", c_dest="THRD_CTZ") == 0
    assert cell(dest, Q, citizen="MA", c_dest="THRD_CTZ") == 1
    assert cell(dest, Q, citizen="AF", c_dest="THRD_CTZ") == 1
    # monthly, each month has its own reference: July p1 by 11 (ENF/NAS) and p3 by 31
    # (ENF/NAS); August p2 by 22 (VOL/UNK); September p1 by 12 (VOL/AS) — p3's September
    # departures are none of them returns
    fx = table("FX_RET", snap)
    assert cell(fx, "2024-07") == 2
    assert cell(fx, "2024-07", c_rtn="ENF", assist="NAS") == 2
    assert cell(fx, "2024-07", citizen="DZ", c_rtn="ENF", assist="NAS") == 1
    assert cell(fx, "2024-08") == 1
    assert cell(fx, "2024-08", citizen="MA", c_rtn="VOL", assist="UNK") == 1
    assert cell(fx, "2024-09") == 1
    assert cell(fx, "2024-09", citizen="DZ", c_rtn="VOL", assist="AS") == 1
    assert cell(fx, "2024-09", citizen="AF") == 0


def test_return_type_and_assistance_codes(snapshot_of) -> None:
    # one return each in August:
    #   'FORCED'  assisted true  -> ENF AS      ' voluntary' false -> VOL NAS
    #   'forced\n' NULL          -> ENF UNK     'ESCORTED'  true   -> UNK AS (other value)
    #   ''        false          -> UNK NAS
    kinds = [("FORCED", True), (" voluntary", False), ("forced\n", None), ("ESCORTED", True),
             ("", False)]
    ids = range(1, len(kinds) + 1)
    rows = {"person": [person(i) for i in ids],
            "return_decision": [rdec(i, i, date(2024, 5, 1)) for i in ids],
            "return_departure": [dep(i, i, i, date(2024, 8, 1), rt, a)
                                 for i, (rt, a) in zip(ids, kinds, strict=True)]}
    snap = snapshot_of(rows)
    for t, period in ((table("MIGR_EIRT_TYPE", snap), Q), (table("FX_RET", snap), "2024-08")):
        assert cell(t, period) == 5
        assert cell(t, period, c_rtn="ENF") == 2
        assert cell(t, period, c_rtn="VOL") == 1
        assert cell(t, period, c_rtn="UNK") == 2
        assert cell(t, period, assist="AS") == 2
        assert cell(t, period, assist="NAS") == 2
        assert cell(t, period, assist="UNK") == 1
        for rt, a in (("ENF", "AS"), ("VOL", "NAS"), ("ENF", "UNK"), ("UNK", "AS"),
                      ("UNK", "NAS")):
            assert cell(t, period, citizen="DZ", c_rtn=rt, assist=a) == 1, (rt, a)
        assert codes(t, "c_rtn") == {"ENF", "VOL", "UNK", "TOTAL"}
        assert codes(t, "assist") == {"AS", "NAS", "UNK", "TOTAL"}


def test_white_space_and_lower_case_in_every_code(snapshot_of) -> None:
    # one person, every code padded and in lower case: ' dza\t' (DZ), ' f ' (F);
    # decision ground ' public_order ' (PUB); departure ' voluntary\n' (VOL), to 'dza '
    # (its own country: THRD_CTZ)
    rows = {"person": [person(1, " dza\t", " f ")],
            "return_decision": [rdec(1, 1, date(2024, 7, 2), " public_order ")],
            "return_departure": [dep(1, 1, 1, date(2024, 9, 2), " voluntary\n", True,
                                     "dza ")]}
    snap = snapshot_of(rows)
    assert cell(table("MIGR_EIORD1", snap), Q, citizen="DZ", sex="F", age="Y18-34") == 1
    assert cell(table("MIGR_EIRTN1", snap), Q, citizen="DZ", sex="F", age="Y18-34") == 1
    assert cell(table("FX_RDEC", snap), "2024-07", citizen="DZ", ground="PUB") == 1
    assert cell(table("MIGR_EIRT_TYPE", snap), Q, citizen="DZ", c_rtn="VOL",
                assist="AS") == 1
    assert cell(table("FX_RET", snap), "2024-09", citizen="DZ", c_rtn="VOL", assist="AS") == 1
    assert cell(table("MIGR_EIRT_DEST", snap), Q, citizen="DZ", c_dest="THRD_CTZ") == 1


@pytest.mark.parametrize("name", QUARTERLY)
def test_quarterly_tables_have_the_quarter_as_their_only_period(snapshot_of, name) -> None:
    # a decision and a departure in each month of Q3 for one person: one quarterly period
    rows = {"person": [person(1)],
            "return_decision": [rdec(i, 1, date(2024, i + 6, 1)) for i in (1, 2, 3)],
            "return_departure": [dep(i, 1, i, date(2024, i + 6, 2)) for i in (1, 2, 3)]}
    t = table(name, snapshot_of(rows))
    assert set(t.data["TIME_PERIOD"]) == {Q}
    assert cell(t, Q) == 1  # one person, counted once in the quarter


def test_departure_versions_and_dates_after_as_of(snapshot_of) -> None:
    # As of 15 Aug 2024 (Common rules: the warehouse as of; dates used as recorded, even
    # later than as_of; a key with two versions at the same latest recorded_at is ambiguous,
    # treated as missing and not counted). Decisions on 1 July, recorded 2 July.
    #  p1 departure 20 Sep (after as_of), recorded 1 Aug        -> a return, September
    #  p2 departure 10 Aug, recorded 16 Aug (after as_of)       -> not visible: not counted
    #  p3 departure 10 July, unconfirmed in the version of 11 July, confirmed by a correction
    #     recorded 1 Aug                                        -> a return (latest version)
    #  p4 departure 10 July, confirmed in the version of 11 July, retired by a version of
    #     1 Aug saying unconfirmed                              -> not a return
    #  p5 departure 10 July: two versions recorded at the same instant -> ambiguous: no
    as_of = datetime(2024, 8, 15)
    seen, fix = datetime(2024, 7, 11), datetime(2024, 8, 1)
    jul10 = date(2024, 7, 10)
    rows = {"person": [person(i) for i in range(1, 6)],
            "return_decision": [rdec(i, i, date(2024, 7, 1), recorded_at=datetime(2024, 7, 2))
                                for i in range(1, 6)],
            "return_departure": [
                dep(1, 1, 1, date(2024, 9, 20), recorded_at=fix),
                dep(2, 2, 2, date(2024, 8, 10), recorded_at=datetime(2024, 8, 16)),
                dep(3, 3, 3, jul10, confirmed=False, recorded_at=seen, retired_at=fix),
                dep(3, 3, 3, jul10, recorded_at=fix),
                dep(4, 4, 4, jul10, recorded_at=seen, retired_at=fix),
                dep(4, 4, 4, jul10, confirmed=False, recorded_at=fix),
                dep(5, 5, 5, jul10, recorded_at=seen),
                dep(5, 5, 5, jul10, "VOLUNTARY", recorded_at=seen)]}
    snap = snapshot_of(rows, as_of=as_of)
    assert cell(table("MIGR_EIRTN1", snap), Q) == 2  # p1, p3
    fx = table("FX_RET", snap)
    assert cell(fx, "2024-07") == 1  # p3
    assert cell(fx, "2024-08") == 0  # p2's departure is not yet in the warehouse
    assert cell(fx, "2024-09") == 1  # p1
    # every decision is visible and in force: five persons ordered to leave in Q3
    assert cell(table("MIGR_EIORD1", snap), Q) == 5
