"""Property tests of answers to questions over random small warehouses (hypothesis): every
margin of an answer equals the sum of its parts where the dimension partitions it, and a
question by month equals the monthly table's cells — for any breakdowns (the table's cells
with the other dimensions at their margin) and any single-code filter (the table's cells with
that dimension at that code)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from asylstat.cube import build_cube
from asylstat.dataflows.applications import ASYAPPCTZM
from asylstat.dataflows.dimensions import margin_code
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.periods import Period
from asylstat.questions.engine import answer
from asylstat.questions.question import validate
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot
from conftest import AS_OF, write_warehouse

MONTHS = Period("Q", 2024, 3).months()
dates = st.dates(date(2024, 6, 20), date(2024, 10, 10))
persons = st.lists(st.fixed_dictionaries({
    "sex": st.sampled_from(["M", "F", "X", None]),
    "citizenship": st.sampled_from(["SYR", "AFG", "ERI", None, "XXA"]),
    "birth_date": st.one_of(st.none(), st.dates(date(1960, 1, 1), date(2024, 9, 1)))}),
    min_size=1, max_size=7)
applications = st.lists(st.fixed_dictionaries({
    "person_id": st.integers(0, 7), "lodged_date": st.one_of(st.none(), dates),
    "legal_type": st.sampled_from(["INITIAL", "SUBSEQUENT"]),
    "channel": st.sampled_from(["TERRITORY", "RESETTLEMENT", "BORDER"]),
    "procedure": st.sampled_from([None, "REGULAR", "ACCELERATED"]),
    "unaccompanied_minor": st.booleans()}), max_size=14)
withdrawals = st.lists(st.fixed_dictionaries({
    "application_index": st.integers(0, 13), "withdrawal_date": dates,
    "kind": st.sampled_from(["EXPLICIT", "IMPLICIT", "OTHER"])}), max_size=6)
MEASURES = {"applicants": ASYAPPCTZM, "withdrawals": ASYWITHM}
questions = st.fixed_dictionaries({
    "measure": st.sampled_from(sorted(MEASURES)),
    "breakdowns": st.lists(st.sampled_from(["citizen", "sex", "age"]), unique=True),
    "filter": st.one_of(st.none(), st.tuples(st.sampled_from(["citizen", "sex", "age"]),
                                            st.sampled_from(["SY", "AF", "F", "M", "Y18-34",
                                                             "Y_LT18", "UNK"]))),
    "disclosure": st.sampled_from(["public", "exact"])})


def snapshot(people, apps, wds, folder: str) -> Snapshot:
    rows = {"person": [{"person_id": i, **p} for i, p in enumerate(people)],
            "application": apps,
            "withdrawal": [{"withdrawal_id": i + 1, "application_id": w["application_index"] + 1,
                            "withdrawal_date": w["withdrawal_date"], "kind": w["kind"]}
                           for i, w in enumerate(wds)]}
    path = write_warehouse(Path(folder) / "wh.duckdb", rows)
    return Snapshot(connect(f"duckdb:///{path}"), AS_OF)


def table_cells(data: pd.DataFrame, dims: list[str], fixed: dict[str, str]) -> pd.DataFrame:
    for dim, code in fixed.items():
        data = data.loc[data[dim] == code].drop(columns=dim)
    data = data[[*dims, "TIME_PERIOD", "OBS_VALUE"]]
    # the answer lists its cells in the order of its breakdowns
    return data.sort_values([*dims, "TIME_PERIOD"], kind="stable").reset_index(drop=True)


# each example writes and reads a warehouse (about a second): few examples, no shrinking
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(people=persons, raw_apps=applications, wds=withdrawals, q=questions)
def test_margins_add_up_and_months_are_the_monthly_tables_cells(people, raw_apps, wds, q):
    apps = [{"application_id": i + 1, **a} for i, a in enumerate(raw_apps)]
    source = MEASURES[q["measure"]]
    codes_ok = {"citizen": {"SY", "AF", "UNK"}, "sex": {"F", "M", "UNK"},
                "age": {"Y18-34", "Y_LT18", "UNK"}}
    filters = {}
    # a filter on a dimension not broken down by (the table's cells at that code)
    if (q["filter"] is not None and q["filter"][1] in codes_ok[q["filter"][0]]
            and q["filter"][0] not in q["breakdowns"]):
        filters = {q["filter"][0]: [q["filter"][1]]}
    question = validate({
        "id": "P", "title": "p", "measure": q["measure"], "breakdowns": q["breakdowns"],
        "filters": filters, "period": {"from": "2024-07", "to": "2024-09", "by": "month"},
        "as_of": "2030-01-01", "disclosure": q["disclosure"]})
    with tempfile.TemporaryDirectory() as folder:
        snap = snapshot(people, apps, wds, folder)
        found = answer(question, snap)
        table = build_cube(source, snap, MONTHS)
    # 1. validation: every margin that partitions equals the sum of its parts (recomputed
    # from the output by asylstat.checks.outputs), every value positive
    assert all(r.status == "pass" for r in found.checks), [r for r in found.checks
                                                            if r.status != "pass"]
    # 2. the monthly table's cells: the other dimensions at their margin, the filter's
    # dimension at its code
    fixed = {d: margin_code(d) for d in source.dimension_names if d not in question.breakdowns}
    fixed.update({d: codes[0] for d, codes in filters.items()})
    expected = table_cells(table.data, list(question.breakdowns), fixed)
    got = found.exact.data.reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # 3. the published figures are the exact ones, rounded to 5 under public
    if q["disclosure"] == "public":
        exact = dict(zip(map(tuple, got.iloc[:, :-1].values.tolist()), got["OBS_VALUE"],
                         strict=True))
        for row in found.published.data.itertuples(index=False, name=None):
            assert row[-1] % 5 == 0 and abs(row[-1] - exact[tuple(row[:-1])]) <= 2
    else:
        pd.testing.assert_frame_equal(found.published.data, found.exact.data)
