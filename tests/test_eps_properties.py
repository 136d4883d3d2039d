"""Property tests of the EPS indicators over random small warehouses (hypothesis).

Checked on every drawn warehouse, from the output tables alone (a missing cell is zero):

- margins: every declared margin is the sum of its parts (validation's own rules, which
  recompute the sums from the output), and FRST + REP = TOTAL in EPS_APP, cell by cell;
- the EPS–Eurostat consistency rules of issue 13: EPS_APP and EPS_UAM totals by citizenship
  and month equal MIGR_ASYAPPCTZM's and MIGR_ASYUMACTM's, EPS_PEND <= MIGR_ASYPENCTZM (the
  declared invariants, checked by validation), and, the premise of the decisions warning,
  EPS_DEC summed over the quarter's months >= MIGR_ASYDCFSTQ by citizenship;
- what holds by definition besides: EPS_APP's FRST is Eurostat's FRST; EPS_WITH <=
  MIGR_ASYWITHM by citizenship and month (first instance only).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asylstat.checks.outputs import validate_outputs
from asylstat.cube import build_cube
from asylstat.dataflows.applications import ASYAPPCTZM, ASYUMACTM
from asylstat.dataflows.decisions import ASYDCFSTQ
from asylstat.dataflows.eps import EPS_APP, EPS_DEC, EPS_PEND, EPS_UAM, EPS_WITH
from asylstat.dataflows.pending import ASYPENCTZM
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.domains import spec_of
from asylstat.periods import Period
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot
from conftest import AS_OF, write_warehouse

QUARTER = Period("Q", 2024, 3)
MONTHS = QUARTER.months()

dates = st.dates(date(2023, 12, 1), date(2024, 10, 10))
people = st.lists(st.fixed_dictionaries({
    "citizenship": st.sampled_from(["SYR", "AFG", " syr ", None, "XXX"]),
    "birth_date": st.one_of(st.none(), st.dates(date(1960, 1, 1), date(2020, 1, 1)))}),
    min_size=1, max_size=6)
applications = st.lists(st.fixed_dictionaries({
    "person_id": st.integers(0, 6), "lodged_date": st.one_of(st.none(), dates),
    "legal_type": st.sampled_from(["INITIAL", "SUBSEQUENT"]),
    "channel": st.sampled_from(["TERRITORY", "RESETTLEMENT", "BORDER"]),
    "unaccompanied_minor": st.booleans(),
    "dublin_closed_date": st.one_of(st.none(), dates)}), max_size=12)
decisions = st.lists(st.fixed_dictionaries({
    "application": st.integers(0, 11), "decision_date": dates,
    "instance": st.sampled_from(["FIRST", "FIRST", "APPEAL"]),
    "outcome": st.sampled_from(["REFUGEE", "SUBSIDIARY", "HUMANITARIAN", "REJECTED",
                                "ANNULLED"]),
    "final_date": st.one_of(st.none(), dates)}), max_size=10)
appeals = st.lists(st.fixed_dictionaries({
    "decision": st.integers(0, 9), "lodged_date": dates,
    "ruling": st.one_of(st.none(), st.integers(0, 9))}), max_size=5)
withdrawals = st.lists(st.fixed_dictionaries({
    "application": st.integers(0, 11), "withdrawal_date": dates,
    "kind": st.sampled_from(["EXPLICIT", "IMPLICIT", "OTHER"])}), max_size=5)


def warehouse(persons, apps, decs, apls, wds, folder: str) -> Snapshot:
    app_rows = [{"application_id": i + 1, **a} for i, a in enumerate(apps)]
    dec_rows = [{"decision_id": i + 1, "application_id": d["application"] + 1,
                 **{k: v for k, v in d.items() if k != "application"}}
                for i, d in enumerate(decs)]
    # an appeal is against a drawn decision, on that decision's application
    apl_rows = [{"appeal_id": i + 1, "application_id": dec_rows[a["decision"]]["application_id"],
                 "decision_id": a["decision"] + 1, "lodged_date": a["lodged_date"],
                 "appeal_decision_id": None if a["ruling"] is None else a["ruling"] + 1}
                for i, a in enumerate(apls) if a["decision"] < len(dec_rows)]
    wd_rows = [{"withdrawal_id": i + 1, "application_id": w["application"] + 1,
                "withdrawal_date": w["withdrawal_date"], "kind": w["kind"]}
               for i, w in enumerate(wds)]
    rows = {"person": [{"person_id": i, "sex": "F", **p} for i, p in enumerate(persons)],
            "application": app_rows, "decision": dec_rows, "appeal": apl_rows,
            "withdrawal": wd_rows}
    path = write_warehouse(Path(folder) / "wh.duckdb", rows)
    return Snapshot(connect(f"duckdb:///{path}"), AS_OF)


def by(table, **fixed: str) -> dict[tuple[str, str], int]:
    """``{(citizen, month): value}`` of the cells with the other dimensions ``fixed``."""
    frame = table.data
    for dim, code in fixed.items():
        frame = frame[frame[dim] == code]
    return {(c, p): int(v) for c, p, v in
            frame[["citizen", "TIME_PERIOD", "OBS_VALUE"]].itertuples(index=False, name=None)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(persons=people, apps=applications, decs=decisions, apls=appeals, wds=withdrawals)
def test_eps_margins_and_consistency_with_eurostat(persons, apps, decs, apls, wds):
    with tempfile.TemporaryDirectory() as folder:
        snap = warehouse(persons, apps, decs, apls, wds, folder)
        made = {spec.name: build_cube(spec, snap, MONTHS)
                for spec in (EPS_APP, EPS_UAM, EPS_PEND, EPS_DEC, EPS_WITH, ASYAPPCTZM,
                             ASYUMACTM, ASYPENCTZM, ASYWITHM)}
        quarter = build_cube(ASYDCFSTQ, snap, [QUARTER])
    tables = [*made.values(), quarter]

    # margins and the declared EPS–Eurostat invariants, as validation checks them
    results = validate_outputs(tables, spec_of)
    assert [r.rule for r in results if r.status != "pass"] == []
    rules = {r.rule for r in results}
    assert {"EPS_APP.equals.MIGR_ASYAPPCTZM", "EPS_UAM.equals.MIGR_ASYUMACTM",
            "EPS_PEND.within.MIGR_ASYPENCTZM"} <= rules

    eps, estat = made["EPS_APP"], made["MIGR_ASYAPPCTZM"]
    frst, rep, total = (by(eps, applicant=a) for a in ("FRST", "REP", "TOTAL"))
    # FRST + REP = TOTAL, cell by cell
    for key in set(frst) | set(rep) | set(total):
        assert frst.get(key, 0) + rep.get(key, 0) == total.get(key, 0), key
    # FRST is Eurostat's; TOTAL is Eurostat's (the declared equality, read independently)
    assert frst == by(estat, sex="T", age="TOTAL", applicant="FRST")
    assert total == by(estat, sex="T", age="TOTAL", applicant="TOTAL")
    assert by(made["EPS_UAM"]) == by(made["MIGR_ASYUMACTM"], sex="T", age="TOTAL",
                                     applicant="TOTAL")
    # first instance only: never more than Eurostat's stock and withdrawals
    pending = by(made["MIGR_ASYPENCTZM"], sex="T", age="TOTAL")
    for key, value in by(made["EPS_PEND"], duration="TOTAL").items():
        assert value <= pending.get(key, 0), key
    withdrawn = by(made["MIGR_ASYWITHM"], sex="T", age="TOTAL", withdr="TOTAL")
    for key, value in by(made["EPS_WITH"], withdr="TOTAL").items():
        assert value <= withdrawn.get(key, 0), key
    # a person decided in the quarter is decided in at least one of its months
    monthly = by(made["EPS_DEC"], decision="TOTAL")
    for (citizen, _), value in by(quarter, sex="T", age="TOTAL", decision="TOTAL").items():
        assert sum(monthly.get((citizen, m.label), 0) for m in MONTHS) >= value, citizen
