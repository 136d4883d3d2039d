"""Counts computed once per snapshot (``asylstat.cube.counted``): earlier periods shared by
the report's tables and the output warnings, and tables declared to be counted together
(``CountedTogether``: the two directions of a Dublin dataflow, the three applicant tables)
counted in one engine query. Each (table, period) reaches the engine once, and the figures
are those of the table counted on its own — worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

import asylstat.cube as cube
from asylstat.checks.warnings import ComparisonTables
from asylstat.cube import build_cube
from asylstat.domains import spec_of
from asylstat.periods import Period
from asylstat.report.basis import reduced

JUN, JUL, AUG = Period("M", 2024, 6), Period("M", 2024, 7), Period("M", 2024, 8)


def rows() -> dict[str, list]:
    """Persons 1–3 lodge in June 2024 (two women, one man), 4–5 in July (women), 6 in August
    (a man); each lodges once."""
    people = [{"person_id": p, "sex": "F" if p in (1, 2, 4, 5) else "M",
               "birth_date": date(1990, 1, 1), "citizenship": "SYR"} for p in range(1, 7)]
    days = {1: date(2024, 6, 3), 2: date(2024, 6, 4), 3: date(2024, 6, 5),
            4: date(2024, 7, 1), 5: date(2024, 7, 2), 6: date(2024, 8, 30)}
    apps = [{"application_id": 100 + p, "person_id": p, "lodged_date": d}
            for p, d in days.items()]
    return {"person": people, "application": apps}


@pytest.fixture
def counting(monkeypatch) -> list[tuple[str, tuple[str, ...]]]:
    """Every engine count of a cube: (table — the first of a set counted together —,
    periods)."""
    asked: list[tuple[str, tuple[str, ...]]] = []
    alone, together = cube.base_counts, cube.CountedTogether.query

    def spy_alone(spec, records):
        frame = alone(spec, records)
        asked.append((spec.name, tuple(sorted(set(frame["period"])))))
        return frame

    def spy_together(self, snap, periods):
        asked.append((self.members[0].spec.name, tuple(sorted(p.label for p in periods))))
        return together(self, snap, periods)

    monkeypatch.setattr(cube, "base_counts", spy_alone)
    monkeypatch.setattr(cube.CountedTogether, "query", spy_together)
    return asked


def total(table, period: str, **fixed: str) -> int:
    data = table.data[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        data = data[data[dim] == fixed.get(dim, "T" if dim == "sex" else "TOTAL")]
    return int(data["OBS_VALUE"].sum())


def test_each_period_is_counted_once_per_snapshot(snapshot_of, counting) -> None:
    snap = snapshot_of(rows())
    spec = spec_of("MIGR_ASYAPPCTZM")
    july = build_cube(spec, snap, [JUL])
    both = build_cube(spec, snap, [JUN, JUL, AUG])
    # July was counted by the first build; the second counts June and August only, together
    assert [name for name, _ in counting] == ["MIGR_ASYAPPCTZM", "MIGR_ASYAPPCTZM"]
    assert counting[1][1] == ("2024-06", "2024-08")
    assert (total(both, "2024-06"), total(both, "2024-07"), total(both, "2024-08")) == (3, 2, 1)
    assert total(both, "2024-06", sex="F") == 2
    assert both.data[both.data["TIME_PERIOD"] == "2024-07"].reset_index(drop=True).equals(
        july.data)
    # the same table built on a fresh snapshot, in one go, is the same table
    fresh = build_cube(spec, snapshot_of(rows()), [JUN, JUL, AUG])
    assert fresh.data.equals(both.data)


def test_a_report_table_shares_the_counts_of_its_dataflow(snapshot_of, counting) -> None:
    snap = snapshot_of(rows())
    spec = spec_of("MIGR_ASYAPPCTZM")
    report = build_cube(reduced(spec, "RPT_X", ("applicant",), "t", "M", "n"), snap,
                        [JUN, JUL, AUG], counted_as=spec)
    assert report.dimensions == ("applicant",)
    # June: 3 first-time applicants (each person's first application)
    assert set(report.data.itertuples(index=False, name=None)) == {
        ("FRST", "2024-06", 3), ("TOTAL", "2024-06", 3), ("FRST", "2024-07", 2),
        ("TOTAL", "2024-07", 2), ("FRST", "2024-08", 1), ("TOTAL", "2024-08", 1)}
    # the output warnings compare July with June: read from the snapshot, not counted again
    comparisons = ComparisonTables(snap, spec_of)
    june = comparisons.table("MIGR_ASYAPPCTZM", [JUN])
    assert total(june, "2024-06") == 3 and total(june, "2024-06", sex="M") == 1
    assert [name for name, _ in counting] == ["MIGR_ASYAPPCTZM"]
    # the reduced table equals the same reduction counted by the engine itself
    alone = build_cube(reduced(spec, "RPT_X", ("applicant",), "t", "M", "n"),
                       snapshot_of(rows()), [JUN, JUL, AUG])
    assert alone.data.equals(report.data)


def test_counted_as_refuses_a_table_of_other_records(snapshot_of) -> None:
    with pytest.raises(ValueError, match="is not counted as"):
        build_cube(spec_of("MIGR_ASYACCM"), snapshot_of(rows()), [JUL],
                   counted_as=spec_of("MIGR_ASYAPPCTZM"))


# ---------------------------------------------------------------- tables counted together

def test_outgoing_and_incoming_dublin_requests_in_one_query(snapshot_of, counting) -> None:
    """Three outgoing requests (two to Germany, one re-examination) and one incoming from
    France, in 2024; one incoming request of 2023."""
    def request(rid: int, direction: str, partner: str, day: date, **more) -> dict:
        return {"request_id": rid, "person_id": 1, "direction": direction,
                "partner_country": partner, "request_type": "TAKE_BACK",
                "legal_basis": "ART18_1_B", "request_date": day, **more}

    rows = {"person": [{"person_id": 1, "sex": "F", "birth_date": date(1990, 1, 1)}],
            "dublin_request": [
                request(1, "OUT", "DEU", date(2024, 2, 1)),
                request(2, "OUT", "DEU", date(2024, 3, 1)),
                request(3, "OUT", "FRA", date(2024, 4, 1), reexamination_of=1),
                request(4, "IN", "FRA", date(2024, 5, 1)),
                request(5, "IN", "FRA", date(2023, 5, 1))]}
    snap = snapshot_of(rows)
    year = Period("A", 2024, 0)
    out = build_cube(spec_of("MIGR_DUBRO"), snap, [year])
    into = build_cube(spec_of("MIGR_DUBRI"), snap, [year])
    assert counting == [("MIGR_DUBRO", ("2024",))]  # one query for both directions
    assert total(out, "2024") == 2 and total(out, "2024", partner="DE") == 2
    assert total(into, "2024") == 1 and total(into, "2024", partner="FR") == 1
    # the re-examination is in its own pair, counted together too
    again = build_cube(spec_of("MIGR_DUBRRO"), snap, [year])
    assert total(again, "2024") == 1 and total(again, "2024", partner="FR") == 1
    assert [name for name, _ in counting] == ["MIGR_DUBRO", "MIGR_DUBRRO"]


def test_the_three_applicant_tables_in_one_query(snapshot_of, counting) -> None:
    """July 2024: person 1 (aged 15) lodges as an unaccompanied minor under the accelerated
    procedure; person 2 (aged 16) lodges twice, first as an accompanied minor, then as an
    unaccompanied one (the reference record, the earliest, is accompanied); person 3 (aged
    40) lodges as an 'unaccompanied minor' (counted under age UNK there)."""
    day = date(2024, 7, 10)
    people = [{"person_id": 1, "sex": "M", "birth_date": date(2009, 1, 1)},
              {"person_id": 2, "sex": "F", "birth_date": date(2008, 1, 1)},
              {"person_id": 3, "sex": "M", "birth_date": date(1984, 1, 1)}]
    apps = [{"application_id": 1, "person_id": 1, "lodged_date": day,
             "unaccompanied_minor": True, "procedure": "ACCELERATED"},
            {"application_id": 2, "person_id": 2, "lodged_date": day,
             "unaccompanied_minor": False},
            {"application_id": 3, "person_id": 2, "lodged_date": date(2024, 7, 20),
             "unaccompanied_minor": True},
            {"application_id": 4, "person_id": 3, "lodged_date": day,
             "unaccompanied_minor": True}]
    snap = snapshot_of({"person": people, "application": apps})
    applicants = build_cube(spec_of("MIGR_ASYAPPCTZM"), snap, [JUL])
    minors = build_cube(spec_of("MIGR_ASYUMACTM"), snap, [JUL])
    accelerated = build_cube(spec_of("MIGR_ASYACCM"), snap, [JUL])
    assert counting == [("MIGR_ASYAPPCTZM", ("2024-07",))]
    assert total(applicants, "2024-07") == 3
    assert total(applicants, "2024-07", age="Y14-17") == 2
    assert total(applicants, "2024-07", age="Y35-64") == 1
    # persons 1 and 3; person 2's reference application is accompanied
    assert total(minors, "2024-07") == 2
    assert total(minors, "2024-07", age="Y14-17") == 1
    assert total(minors, "2024-07", age="UNK") == 1
    assert total(minors, "2024-07", sex="F") == 0
    assert total(accelerated, "2024-07") == 1
    assert total(accelerated, "2024-07", age="Y14-17", sex="M") == 1


# ---------------------------------------------------------------- national tables

def test_a_national_table_of_months_and_their_quarter_in_one_query(snapshot_of,
                                                                     counting) -> None:
    """The national tables of a quarterly run cover each month and the quarter: one query
    places a record in its month and in the quarter. Persons 1–3 lodge on 3–5 June, 4 and 5
    on 1 and 2 July (presented on 1 July), 6 on 30 August (presented on 20 August)."""
    from asylstat.dataflows.applications import NAT_REGISTRATION_DELAYS
    from asylstat.domains import build_domain, domain
    from asylstat.params import RunParameters

    data = rows()
    for app in data["application"]:
        lodged = app["lodged_date"]
        app["presented_date"] = lodged.replace(day=1) if lodged.month < 8 else date(2024, 8, 20)
    snap = snapshot_of(data)
    params = RunParameters.parse(kind="quarterly", period="2024-Q3", dwh_url="duckdb:///x",
                                 as_of="2026-06-30")
    tables = {t.name: t for t in build_domain(domain("applications"), snap, params)}
    submission = tables["NAT_SUBMISSION"]
    assert submission.freq == "Q"
    assert (total(submission, "2024-07"), total(submission, "2024-08"),
            total(submission, "2024-09"), total(submission, "2024-Q3")) == (2, 1, 0, 3)
    national = [(name, periods) for name, periods in counting
                if name.startswith("NAT_")]
    assert ("NAT_SUBMISSION", ("2024-07", "2024-08", "2024-Q3")) in national
    assert len([n for n, _ in national if n == "NAT_SUBMISSION"]) == 1
    # durations too. Days from presentation to lodging: July 0 and 1 (N 2, P90 the 2nd
    # value: 1); the quarter 0, 1 and 10 (P90: the 3rd value, 10)
    delays = tables["NAT_REGISTRATION_DELAYS"]
    assert delays.freq == "Q"
    lodged = delays.data[delays.data["step"] == "LODGED"].set_index(["stat", "TIME_PERIOD"])
    assert lodged.loc[("N", "2024-07"), "OBS_VALUE"] == 2
    assert lodged.loc[("P90", "2024-07"), "OBS_VALUE"] == 1
    assert lodged.loc[("N", "2024-Q3"), "OBS_VALUE"] == 3
    assert lodged.loc[("P90", "2024-Q3"), "OBS_VALUE"] == 10  # 30 August, presented 20th
    assert NAT_REGISTRATION_DELAYS.freq == "M"  # the declaration is untouched
