"""Counts of earlier periods computed once per snapshot and shared by the report's tables and
the output warnings (``asylstat.cube.counted``): each (dataflow, period) reaches the engine
once, and the figures are those of a table counted on its own — worked out by hand."""

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
    """Every engine count of a cube: (table, periods)."""
    asked: list[tuple[str, tuple[str, ...]]] = []
    original = cube.base_counts

    def spy(spec, records):
        frame = original(spec, records)
        asked.append((spec.name, tuple(sorted(set(frame["period"])))))
        return frame

    monkeypatch.setattr(cube, "base_counts", spy)
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
