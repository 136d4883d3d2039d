"""Property tests of the applicant tables over random small warehouses (hypothesis).

Two kinds of check: the invariants of statistics.md ("Cells": margins add up, FRST + SSEQ <=
TOTAL, Y_LT18 = Y_LT14 + Y14-17, persons <= records), and an independent oracle — the rule
of MIGR_ASYAPPCTZM re-implemented in plain Python straight from statistics.md — compared
with every base cell the engine produced.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asylstat.cube import build_cube
from asylstat.dataflows.applications import ASYACCM, ASYAPPCTZM, ASYUMACTM
from asylstat.periods import Period
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot
from conftest import AS_OF, write_warehouse

MONTHS = Period("Q", 2024, 3).months()
# the raw codes the generator draws from, with their expected Eurostat codes (by hand)
CITIZEN = {"SYR": "SY", "AFG": "AF", " syr ": "SY", "YUG": "UNK", None: "UNK", "XXA": "STLS",
           "GRC": "EL", "XXX": "UNK"}
SEX = {"M": "M", "F": "F", "X": "UNK", None: "UNK", " f": "F", "U": "UNK"}
LEGAL = ["INITIAL", "SUBSEQUENT", " subsequent", "JUNK"]
CHANNEL = ["TERRITORY", "RESETTLEMENT", "BORDER", "resettlement ", "??"]

dates = st.dates(date(2024, 5, 1), date(2024, 10, 15))
persons = st.lists(st.fixed_dictionaries({
    "sex": st.sampled_from(list(SEX)), "citizenship": st.sampled_from(list(CITIZEN)),
    "birth_date": st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2024, 12, 31)))}),
    max_size=7)
applications = st.lists(st.fixed_dictionaries({
    "person_id": st.integers(0, 8), "lodged_date": st.one_of(st.none(), dates),
    "legal_type": st.sampled_from(LEGAL), "channel": st.sampled_from(CHANNEL),
    "procedure": st.sampled_from([None, "REGULAR", "ACCELERATED"]),
    "unaccompanied_minor": st.booleans()}), max_size=16)


def age_group(birth: date | None, on: date) -> str:
    if birth is None or birth > on:
        return "UNK"
    age = on.year - birth.year - (1 if (on.month, on.day) < (birth.month, birth.day) else 0)
    for code, high in (("Y_LT14", 13), ("Y14-17", 17), ("Y18-34", 34), ("Y35-64", 64)):
        if age <= high:
            return code
    return "Y_GE65"


def oracle(people: list[dict], apps: list[dict]) -> Counter:
    """statistics.md's MIGR_ASYAPPCTZM, base cells only, written independently."""
    out: Counter = Counter()
    by_person: dict[int, list[dict]] = {}
    for a in apps:
        by_person.setdefault(a["person_id"], []).append(a)
    for pid, mine in by_person.items():
        lodged = [a for a in mine if a["lodged_date"] is not None]
        if not lodged:
            continue
        first = min(lodged, key=lambda a: (a["lodged_date"], a["application_id"]))
        for month in MONTHS:
            recs = [a for a in lodged if month.start <= a["lodged_date"] <= month.end
                    and a["channel"].strip().upper() != "RESETTLEMENT"]
            if not recs:
                continue
            ref = min(recs, key=lambda a: (a["lodged_date"], a["application_id"]))
            if ref is first:
                applicant = "FRST"
            elif any(r["legal_type"].strip().upper() == "SUBSEQUENT" for r in recs):
                applicant = "SSEQ"
            else:
                applicant = "NONE"
            p = people[pid] if pid < len(people) else None
            cit = CITIZEN[p["citizenship"]] if p else "UNK"
            sex = SEX[p["sex"]] if p else "UNK"
            age = age_group(p["birth_date"], ref["lodged_date"]) if p else "UNK"
            out[(cit, sex, age, applicant, month.label)] += 1
    return out


def snapshot(people: list[dict], apps: list[dict], folder: str) -> Snapshot:
    rows = {"person": [{"person_id": i, **p} for i, p in enumerate(people)],
            "application": apps}
    path = write_warehouse(Path(folder) / "wh.duckdb", rows)
    return Snapshot(connect(f"duckdb:///{path}"), AS_OF)


def cells(table) -> dict[tuple, int]:
    return {tuple(r[:-1]): int(r[-1]) for r in table.data.itertuples(index=False, name=None)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=persons, raw_apps=applications)
def test_applicant_tables_agree_with_the_oracle_and_keep_their_invariants(people, raw_apps):
    apps = [{"application_id": i + 1, **a} for i, a in enumerate(raw_apps)]
    with tempfile.TemporaryDirectory() as folder:
        snap = snapshot(people, apps, folder)
        app_t = build_cube(ASYAPPCTZM, snap, MONTHS)
        uam_t = build_cube(ASYUMACTM, snap, MONTHS)
        acc_t = build_cube(ASYACCM, snap, MONTHS)
    got = cells(app_t)
    expected = oracle(people, apps)

    # 1. every base cell equals the oracle (NONE is never shown, it lives in TOTAL only)
    base = {k: v for k, v in got.items() if k[2] != "Y_LT18"
            and "TOTAL" not in k[:1] + k[2:4] and k[1] != "T"}
    assert base == {k: v for k, v in expected.items() if k[3] != "NONE"}

    for month in MONTHS:
        m = month.label
        persons_in_month = sum(v for k, v in expected.items() if k[4] == m)
        records = sum(1 for a in apps if a["lodged_date"] and month.start <= a["lodged_date"]
                      <= month.end and a["channel"].strip().upper() != "RESETTLEMENT")
        total = got.get(("TOTAL", "T", "TOTAL", "TOTAL", m), 0)
        # 2. the grand total counts every person once; persons never exceed records
        assert total == persons_in_month <= records
        # 3. margins: each dimension's total is the sum of its parts at the grand level
        for i, (dim_total, parts) in enumerate([
                ("TOTAL", {k[0] for k in got if k[0] != "TOTAL"}), ("T", {"F", "M", "UNK"}),
                ("TOTAL", {"Y_LT14", "Y14-17", "Y18-34", "Y35-64", "Y_GE65", "UNK"})]):
            grand = ["TOTAL", "T", "TOTAL", "TOTAL", m]
            part_sum = 0
            for code in parts:
                key = list(grand)
                key[i] = code
                part_sum += got.get(tuple(key), 0)
            assert part_sum == total, (i, dim_total)
        for cit in {k[0] for k in got}:
            for sex in ("F", "M", "UNK", "T"):
                for applicant in ("FRST", "SSEQ", "TOTAL"):
                    def g(age, c=cit, s=sex, a=applicant, month=m):
                        return got.get((c, s, age, a, month), 0)
                    # 4. Y_LT18 = Y_LT14 + Y14-17
                    assert g("Y_LT18") == g("Y_LT14") + g("Y14-17")
                # 5. FRST + SSEQ <= TOTAL
                for age in ("TOTAL", "Y_LT14", "Y18-34", "UNK"):
                    assert (got.get((cit, sex, age, "FRST", m), 0)
                            + got.get((cit, sex, age, "SSEQ", m), 0)
                            <= got.get((cit, sex, age, "TOTAL", m), 0))
    # 6. the sub-populations never exceed the applicants, cell by cell
    app_cells = got
    for (cit, sex, age, applicant, m), v in cells(uam_t).items():
        if age == "TOTAL":
            assert v <= app_cells.get((cit, sex, "TOTAL", applicant, m), 0)
    for (cit, sex, age, m), v in cells(acc_t).items():
        assert v <= app_cells.get((cit, sex, age, "TOTAL", m), 0)
