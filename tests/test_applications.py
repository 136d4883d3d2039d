"""Hand-worked tests of MIGR_ASYAPPCTZM, MIGR_ASYUMACTM and MIGR_ASYACCM (statistics.md).

Each test writes a handful of warehouse rows and states the expected counts, reasoned from the
rule in the comments; nothing expected is produced by the code under test.
"""

from __future__ import annotations

from datetime import date, datetime

from asylstat.cube import build_cube
from asylstat.dataflows.applications import ASYACCM, ASYAPPCTZM, ASYUMACTM
from asylstat.periods import Period
from helpers import cell, codes

JUL = Period("M", 2024, 7)
AUG = Period("M", 2024, 8)
ADULT = date(1990, 5, 5)


def person(pid: int, **kw):
    return {"person_id": pid, "sex": "M", "birth_date": ADULT, "citizenship": "SYR", **kw}


def app(aid: int, pid: int, lodged: date | None, **kw):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged, **kw}


def appctzm(snapshot_of, rows, periods=(JUL,), as_of=None):
    snap = snapshot_of(rows) if as_of is None else snapshot_of(rows, as_of=as_of)
    return build_cube(ASYAPPCTZM, snap, periods)


def test_two_applications_in_one_month_count_one_person_by_the_earliest(snapshot_of):
    # Person 1 lodges twice in July; the earliest (3 July) is the reference. Nobody else.
    t = appctzm(snapshot_of, {"person": [person(1)], "application": [
        app(11, 1, date(2024, 7, 20), legal_type="SUBSEQUENT"), app(10, 1, date(2024, 7, 3))]})
    assert cell(t, "2024-07") == 1
    # the reference (id 10) is the person's first application ever → FRST, not SSEQ
    assert cell(t, "2024-07", applicant="FRST") == 1
    assert cell(t, "2024-07", applicant="SSEQ") == 0


def test_same_day_tie_broken_by_the_lowest_id(snapshot_of):
    # Two applications the same day; id 20 is the reference (lowest), lodged as a minor-aged
    # person? No: the reference decides the unaccompanied flag, so only id 20's flag counts.
    rows = {"person": [person(1, birth_date=date(2010, 1, 1))], "application": [
        app(21, 1, date(2024, 7, 3), unaccompanied_minor=True),
        app(20, 1, date(2024, 7, 3), unaccompanied_minor=False)]}
    snap = snapshot_of(rows)
    assert cell(build_cube(ASYAPPCTZM, snap, [JUL]), "2024-07") == 1
    assert cell(build_cube(ASYUMACTM, snap, [JUL]), "2024-07") == 0


def test_earlier_application_in_an_earlier_month(snapshot_of):
    # Person 1: lodged in March 2023 (initial), again in July 2024 as SUBSEQUENT → SSEQ.
    # Person 2: lodged in March 2023, again in July 2024 as INITIAL (a repeated application
    # that is legally not subsequent) → neither FRST nor SSEQ: TOTAL only.
    t = appctzm(snapshot_of, {"person": [person(1), person(2)], "application": [
        app(1, 1, date(2023, 3, 1)), app(2, 1, date(2024, 7, 9), legal_type="SUBSEQUENT"),
        app(3, 2, date(2023, 3, 1)), app(4, 2, date(2024, 7, 9), legal_type="INITIAL")]})
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-07", applicant="FRST") == 0
    assert cell(t, "2024-07", applicant="SSEQ") == 1
    assert "NONE" not in codes(t, "applicant")


def test_subsequent_flag_from_any_record_of_the_month(snapshot_of):
    # Person 1 applied in 2022; in July an INITIAL (reference, 2 July) then a SUBSEQUENT
    # (10 July). SSEQ: "any of the person's records of the month" is SUBSEQUENT.
    t = appctzm(snapshot_of, {"person": [person(1)], "application": [
        app(1, 1, date(2022, 1, 1)), app(2, 1, date(2024, 7, 2)),
        app(3, 1, date(2024, 7, 10), legal_type=" subsequent ")]})
    assert cell(t, "2024-07", applicant="SSEQ") == 1


def test_family_members_are_applicants_in_their_own_right(snapshot_of):
    # A principal applicant and two family members on the same day: three persons, all FRST.
    t = appctzm(snapshot_of, {
        "person": [person(1), person(2, sex="F"), person(3, birth_date=date(2015, 1, 1))],
        "application": [app(1, 1, date(2024, 7, 1)),
                        app(2, 2, date(2024, 7, 1), principal_application_id=1),
                        app(3, 3, date(2024, 7, 1), principal_application_id=1)]})
    assert cell(t, "2024-07") == 3
    assert cell(t, "2024-07", applicant="FRST") == 3
    assert cell(t, "2024-07", sex="F") == 1
    assert cell(t, "2024-07", age="Y_LT14") == 1
    assert cell(t, "2024-07", age="Y_LT18") == 1


def test_resettlement_excluded_but_it_makes_a_later_application_not_first(snapshot_of):
    # Person 1: resettled (RESETTLEMENT lodged 1 July) → not counted at all.
    # Person 2: resettled in 2023, then a territory application in July 2024 → counted, but
    # not FRST: an earlier application of any channel exists; INITIAL → TOTAL only.
    t = appctzm(snapshot_of, {"person": [person(1), person(2)], "application": [
        app(1, 1, date(2024, 7, 1), channel="RESETTLEMENT"),
        app(2, 2, date(2023, 5, 1), channel="RESETTLEMENT"), app(3, 2, date(2024, 7, 8))]})
    assert cell(t, "2024-07") == 1
    assert cell(t, "2024-07", applicant="FRST") == 0


def test_presented_or_registered_but_not_lodged_is_not_an_applicant(snapshot_of):
    # Application 1 presented and registered in July, lodged in August: an August applicant.
    # Application 2 presented in July, never lodged: never counted.
    rows = {"person": [person(1), person(2)], "application": [
        app(1, 1, date(2024, 8, 2), presented_date=date(2024, 7, 1),
            registered_date=date(2024, 7, 1)),
        app(2, 2, None, presented_date=date(2024, 7, 1))]}
    t = appctzm(snapshot_of, rows, periods=(JUL, AUG))
    assert cell(t, "2024-07") == 0
    assert cell(t, "2024-08") == 1


def test_age_on_the_birthday_and_on_29_february(snapshot_of):
    # Lodged 15 July 2024:
    #   person 1 born 15 July 2010 → 14 that very day → Y14-17
    #   person 2 born 16 July 2010 → still 13 → Y_LT14
    #   person 3 born 15 July 2006 → 18 that day → Y18-34
    #   person 4 born 29 Feb 2008 → birthday passed (Feb) → 16 → Y14-17
    # Lodged 28 Feb 2022 (a non-leap year), person 5 born 29 Feb 2004: (2, 28) < (2, 29) so
    # not yet 18 → 17 → Y14-17; lodged 1 March 2022, person 6 born 29 Feb 2004 → 18.
    # Person 7: birth date NULL → UNK; person 8 born after lodging → UNK.
    rows = {"person": [
        person(1, birth_date=date(2010, 7, 15)), person(2, birth_date=date(2010, 7, 16)),
        person(3, birth_date=date(2006, 7, 15)), person(4, birth_date=date(2008, 2, 29)),
        person(5, birth_date=date(2004, 2, 29)),
        person(6, birth_date=date(2004, 2, 29)), person(7, birth_date=None),
        person(8, birth_date=date(2024, 12, 1))],
        "application": [app(i, i, date(2024, 7, 15)) for i in (1, 2, 3, 4, 7, 8)]
        + [app(5, 5, date(2022, 2, 28)), app(6, 6, date(2022, 3, 1))]}
    snap = snapshot_of(rows)
    t = build_cube(ASYAPPCTZM, snap, [JUL])
    assert cell(t, "2024-07", age="Y14-17") == 2  # persons 1 and 4
    assert cell(t, "2024-07", age="Y_LT14") == 1  # person 2
    assert cell(t, "2024-07", age="Y18-34") == 1  # person 3
    assert cell(t, "2024-07", age="UNK") == 2  # persons 7 and 8
    assert cell(t, "2024-07", age="Y_LT18") == 3
    feb_mar = build_cube(ASYAPPCTZM, snap, [Period("M", 2022, 2), Period("M", 2022, 3)])
    assert cell(feb_mar, "2022-02", age="Y14-17") == 1  # person 5, born 29 Feb 2004: 17
    assert cell(feb_mar, "2022-03", age="Y18-34") == 1  # person 6: 18 on 1 March 2022


def test_codes_are_normalised_and_invalid_ones_count_as_unknown(snapshot_of):
    # citizenship ' syr ' → SY; 'YUG' (legacy) → UNK; NULL → UNK; 'XXA' → STLS; 'GRC' → EL;
    # 'XKX' → XK; 'xxx' (unknown) → UNK. sex 'f' → F; 'X' → UNK; NULL → UNK; 'U' → UNK.
    cits = [" syr ", "YUG", None, "XXA", "GRC", "XKX", "xxx"]
    sexes = ["f", "X", None, "U", "M", "\tm\n", "F"]
    rows = {"person": [person(i, citizenship=c, sex=s)
                       for i, (c, s) in enumerate(zip(cits, sexes, strict=True))],
            "application": [app(i, i, date(2024, 7, 1)) for i in range(len(cits))]}
    t = appctzm(snapshot_of, rows)
    assert cell(t, "2024-07") == 7
    assert cell(t, "2024-07", citizen="SY") == 1
    assert cell(t, "2024-07", citizen="UNK") == 3  # YUG, NULL, xxx
    assert cell(t, "2024-07", citizen="STLS") == 1
    assert cell(t, "2024-07", citizen="EL") == 1
    assert cell(t, "2024-07", citizen="XK") == 1
    assert cell(t, "2024-07", sex="F") == 2  # 'f', 'F'
    assert cell(t, "2024-07", sex="M") == 2  # 'M', '\tm\n'
    assert cell(t, "2024-07", sex="UNK") == 3  # 'X', NULL, 'U'
    assert codes(t, "citizen") == {"SY", "UNK", "STLS", "EL", "XK", "TOTAL"}


def test_a_missing_person_counts_with_unknown_attributes(snapshot_of):
    t = appctzm(snapshot_of, {"person": [], "application": [app(1, 99, date(2024, 7, 1))]})
    assert cell(t, "2024-07", citizen="UNK", sex="UNK", age="UNK", applicant="FRST") == 1


def test_corrections_retired_before_and_recorded_after_as_of(snapshot_of):
    as_of = datetime(2024, 9, 1)
    # Person 1: the version with SYR was retired on 1 Aug 2024 (before as_of) and replaced by
    # AFG → AF. Person 2: a correction to ERI recorded on 1 Oct 2024 (after as_of) → still IQ.
    rows = {"person": [
        person(1, citizenship="SYR", retired_at=datetime(2024, 8, 1)),
        person(1, citizenship="AFG", recorded_at=datetime(2024, 8, 1)),
        person(2, citizenship="IRQ", retired_at=datetime(2024, 10, 1)),
        person(2, citizenship="ERI", recorded_at=datetime(2024, 10, 1))],
        "application": [app(1, 1, date(2024, 7, 1)), app(2, 2, date(2024, 7, 1)),
                        # an application recorded after as_of does not exist yet
                        app(3, 3, date(2024, 7, 1), recorded_at=datetime(2024, 9, 2))]}
    t = appctzm(snapshot_of, rows, as_of=as_of)
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-07", citizen="AF") == 1
    assert cell(t, "2024-07", citizen="IQ") == 1
    assert cell(t, "2024-07", citizen="SY") == 0
    assert cell(t, "2024-07", citizen="ER") == 0


def test_duplicate_keys_latest_version_wins_and_ties_are_ambiguous(snapshot_of):
    # Person 1 has two visible versions: recorded 2020 (SYR) and 2021 (AFG) → AFG wins.
    # Person 2 has two visible versions with the same recorded_at → ambiguous: treated as
    # missing → counted with UNK attributes. Application 3 is duplicated ambiguously → it is
    # missing: person 3 is not counted at all.
    rows = {"person": [
        person(1, citizenship="SYR"), person(1, citizenship="AFG",
                                             recorded_at=datetime(2021, 1, 1)),
        person(2, citizenship="SYR"), person(2, citizenship="IRQ"), person(3)],
        "application": [app(1, 1, date(2024, 7, 1)), app(2, 2, date(2024, 7, 1)),
                        app(3, 3, date(2024, 7, 1)), app(3, 3, date(2024, 7, 2))]}
    t = appctzm(snapshot_of, rows)
    assert cell(t, "2024-07") == 2
    assert cell(t, "2024-07", citizen="AF") == 1
    assert cell(t, "2024-07", citizen="UNK", sex="UNK", age="UNK") == 1


def test_unaccompanied_minors_by_the_reference_application(snapshot_of):
    # Person 1 (15 y) lodged as UAM → Y14-17, Y_LT18. Person 2 (age 19) flagged UAM → age UNK
    # in MIGR_ASYUMACTM (and a data-quality matter) but Y18-34 in MIGR_ASYAPPCTZM.
    # Person 3 (10 y) flagged on a later application of the month only → not counted.
    rows = {"person": [person(1, birth_date=date(2009, 1, 1)),
                       person(2, birth_date=date(2005, 1, 1)),
                       person(3, birth_date=date(2014, 1, 1))],
            "application": [app(1, 1, date(2024, 7, 1), unaccompanied_minor=True),
                            app(2, 2, date(2024, 7, 1), unaccompanied_minor=True),
                            app(3, 3, date(2024, 7, 1)),
                            app(4, 3, date(2024, 7, 9), unaccompanied_minor=True)]}
    snap = snapshot_of(rows)
    uam = build_cube(ASYUMACTM, snap, [JUL])
    assert cell(uam, "2024-07") == 2
    assert cell(uam, "2024-07", age="Y14-17") == 1
    assert cell(uam, "2024-07", age="Y_LT18") == 1
    assert cell(uam, "2024-07", age="UNK") == 1
    assert codes(uam, "age") <= {"Y_LT14", "Y14-17", "Y_LT18", "UNK", "TOTAL"}
    assert cell(uam, "2024-07", applicant="FRST") == 2
    app_t = build_cube(ASYAPPCTZM, snap, [JUL])
    assert cell(app_t, "2024-07", age="Y18-34") == 1


def test_accelerated_when_any_application_of_the_month_is(snapshot_of):
    # Person 1: reference application REGULAR, a later one of the month ACCELERATED → counted.
    # Person 2: ACCELERATED in June only → not counted in July. Person 3: 'accelerated ' → yes.
    # Person 4: resettlement application ACCELERATED → excluded.
    rows = {"person": [person(i) for i in (1, 2, 3, 4)], "application": [
        app(1, 1, date(2024, 7, 1), procedure="REGULAR"),
        app(2, 1, date(2024, 7, 20), procedure="ACCELERATED"),
        app(3, 2, date(2024, 6, 1), procedure="ACCELERATED"), app(4, 2, date(2024, 7, 1)),
        app(5, 3, date(2024, 7, 1), procedure="accelerated "),
        app(6, 4, date(2024, 7, 1), procedure="ACCELERATED", channel="RESETTLEMENT")]}
    t = build_cube(ASYACCM, snapshot_of(rows), [JUL])
    assert cell(t, "2024-07") == 2
    assert t.dimensions == ("citizen", "sex", "age")


def test_a_quarter_gives_each_month_separately(snapshot_of):
    # One person lodges in July and again (SUBSEQUENT) in September: one person in each month.
    rows = {"person": [person(1)], "application": [
        app(1, 1, date(2024, 7, 31)), app(2, 1, date(2024, 9, 1), legal_type="SUBSEQUENT")]}
    t = appctzm(snapshot_of, rows, periods=Period("Q", 2024, 3).months())
    assert cell(t, "2024-07", applicant="FRST") == 1
    assert cell(t, "2024-08") == 0
    assert cell(t, "2024-09", applicant="SSEQ") == 1
    assert list(t.data.columns) == ["citizen", "sex", "age", "applicant", "TIME_PERIOD",
                                    "OBS_VALUE"]
    assert str(t.data["OBS_VALUE"].dtype) == "int64"


def test_share_is_computed_from_exact_figures_with_one_decimal():
    # the narrative's share of subsequent applications: the one rate function, the one
    # formatter (asylstat.rates, Translator.rate)
    from asylstat.rates import tenths_of_percent
    from asylstat.report.i18n import Translator

    def share(part: int, whole: int) -> str:
        return Translator("en").rate(tenths_of_percent(part, whole))

    assert share(163, 1000) == "16.3%"
    assert share(1, 3) == "33.3%"  # 33.33…
    assert share(2, 3) == "66.7%"  # 66.66… rounds half up
    assert share(1, 8) == "12.5%"
    assert share(0, 0) == "not applicable"
