"""Output warnings (stock–flow, decisions against pending and lodged, plausibility over time)
worked by hand, and a production run on a faulty warehouse that completes with its
data-quality findings in validation.json and its record keys in internal/ only."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest

from asylstat.checks.warnings import (
    ComparisonTables,
    Thresholds,
    compare_headlines,
    decision_warnings,
    plausibility_warnings,
    return_warnings,
    stock_flow_warnings,
)
from asylstat.cube import build_cube
from asylstat.domains import spec_of
from asylstat.periods import Period
from asylstat.tables import Table

M = Period("M", 2024, 7)


def stock_flow(rows: list[tuple[str, str, str, int]]) -> Table:
    data = pd.DataFrame(rows, columns=["measure", "channel", "TIME_PERIOD", "OBS_VALUE"])
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    return Table(name="NAT_STOCK_FLOW", title="t", definition="d", kind="national", freq="M",
                 unit="APP", dimensions=("measure", "channel"), data=data)


# ---------------------------------------------------------------- stock–flow
def test_stock_flow_that_reconciles_passes() -> None:
    # 10 open + 5 lodged - 3 closed = 12 open at the end
    table = stock_flow([("OPEN_START", "TOTAL", "2024-07", 10), ("LODGED", "TOTAL", "2024-07", 5),
                        ("CLOSED", "TOTAL", "2024-07", 3), ("OPEN_END", "TOTAL", "2024-07", 12)])
    balance, explained = stock_flow_warnings([table])
    assert (balance.rule, balance.status, balance.severity) == (
        "warn.stock_flow.balance", "pass", "warning")
    assert explained.status == "pass"


def test_stock_flow_residual_is_explained_by_applications_closed_before_lodging() -> None:
    # August: 12 + 4 - 2 = 14, but 13 open at the end: residual 1 = DIFFERENCE 1
    # (an application lodged in August whose closing date is in July: neither closed in the
    # month nor open at its end)
    table = stock_flow([
        ("OPEN_START", "TOTAL", "2024-08", 12), ("LODGED", "TOTAL", "2024-08", 4),
        ("CLOSED", "TOTAL", "2024-08", 2), ("OPEN_END", "TOTAL", "2024-08", 13),
        ("DIFFERENCE", "TOTAL", "2024-08", 1),
        ("OPEN_START", "TERRITORY", "2024-08", 12), ("LODGED", "TERRITORY", "2024-08", 4),
        ("CLOSED", "TERRITORY", "2024-08", 2), ("OPEN_END", "TERRITORY", "2024-08", 13),
        ("DIFFERENCE", "TERRITORY", "2024-08", 1)])
    balance, explained = stock_flow_warnings([table])
    assert (balance.status, balance.count) == ("fail", 2)
    assert balance.examples[0].startswith("2024-08, channel TOTAL: open at the start 12 + "
                                          "lodged 4 − closed 2 − open at the end 13 = 1; "
                                          "explained by 1 application(s)")
    assert explained.status == "pass"


def test_an_unexplained_residual_is_flagged() -> None:
    table = stock_flow([("OPEN_START", "TOTAL", "2024-09", 10), ("LODGED", "TOTAL", "2024-09", 2),
                        ("OPEN_END", "TOTAL", "2024-09", 10)])
    balance, explained = stock_flow_warnings([table])
    assert balance.count == 1 and explained.count == 1
    assert "but DIFFERENCE = 0" in explained.examples[0]
    assert stock_flow_warnings([]) == []


# ---------------------------------------------------------------- thresholds
@pytest.mark.parametrize("value,previous,flagged", [
    (151, 100, True),   # +51: more than 50 % and more than 20
    (150, 100, False),  # +50 %: not more than 50 %
    (30, 10, False),    # +200 % but only +20
    (31, 10, True),
    (25, 0, True),      # from nothing
    (0, 40, True),      # to nothing
    (0, 0, False),
])
def test_thresholds(value: int, previous: int, flagged: bool) -> None:
    assert Thresholds(relative=0.5, minimum=20).flags(value, previous) is flagged


# ---------------------------------------------------------------- plausibility
def applicants(person_ids: range, day: date, citizenship: str = "SYR") -> dict[str, list]:
    return {"person": [{"person_id": p, "sex": "F", "birth_date": date(1990, 1, 1),
                        "citizenship": citizenship} for p in person_ids],
            "application": [{"application_id": 1000 + p, "person_id": p, "lodged_date": day}
                            for p in person_ids]}


def merge(*parts: dict[str, list]) -> dict[str, list]:
    out: dict[str, list] = {}
    for part in parts:
        for table, rows in part.items():
            out.setdefault(table, []).extend(rows)
    return out


def test_plausibility_recomputes_earlier_periods_on_the_same_snapshot(snapshot_of) -> None:
    # 30 applicants in July 2024, 2 in June 2024, 30 in July 2023
    rows = merge(applicants(range(1, 31), date(2024, 7, 10)),
                 applicants(range(101, 103), date(2024, 6, 10)),
                 applicants(range(201, 231), date(2023, 7, 10)))
    snap = snapshot_of(rows)
    table = build_cube(spec_of("MIGR_ASYAPPCTZM"), snap, [M])
    found = compare_headlines([table], ComparisonTables(snap, spec_of), spec_of, Thresholds())
    by = {c.against: c for c in found}
    previous, year = by["previous period"], by["same period a year earlier"]
    assert (previous.compared_period, previous.value, previous.previous) == ("2024-06", 30, 2)
    assert (previous.change, previous.change_pct, previous.flagged) == (28, 1400.0, True)
    assert (year.compared_period, year.previous, year.change, year.flagged) == (
        "2023-07", 30, 0, False)
    results = {r.rule: r for r in plausibility_warnings(found)}
    flagged = results["warn.plausibility.previous.MIGR_ASYAPPCTZM"]
    assert (flagged.status, flagged.count, flagged.severity) == ("fail", 1, "warning")
    assert flagged.examples == (
        "MIGR_ASYAPPCTZM 2024-07: 30 against 2 in 2024-06 (previous period): +28, +1400.0 %",)
    assert "more than ±50% and more than 20 persons" in flagged.message
    assert results["warn.plausibility.year_earlier.MIGR_ASYAPPCTZM"].status == "pass"


def test_plausibility_uses_the_runs_own_periods_when_it_has_them(snapshot_of) -> None:
    rows = merge(applicants(range(1, 31), date(2024, 7, 10)),
                 applicants(range(101, 161), date(2024, 8, 10)))
    snap = snapshot_of(rows)
    table = build_cube(spec_of("MIGR_ASYAPPCTZM"), snap, [M, Period("M", 2024, 8)])
    comparisons = ComparisonTables(snap, spec_of)
    found = compare_headlines([table], comparisons, spec_of, Thresholds())
    august = next(c for c in found if c.period == "2024-08" and c.against == "previous period")
    assert (august.value, august.previous, august.flagged) == (60, 30, True)  # +100 %, +30
    # only the periods outside the run were recomputed: June 2024, July and August 2023
    (built,) = comparisons._built
    assert [p.label for p in built[1]] == ["2023-07", "2023-08", "2024-06"]


# ---------------------------------------------------------------- decisions
def test_decisions_against_pending_and_lodged(snapshot_of) -> None:
    d = date
    rows = {
        "person": [{"person_id": 1, "sex": "M", "birth_date": d(1990, 1, 1),
                    "citizenship": "SYR"},
                   {"person_id": 2, "sex": "M", "birth_date": d(1990, 1, 1),
                    "citizenship": "AFG"},
                   {"person_id": 3, "sex": "F", "birth_date": d(1990, 1, 1),
                    "citizenship": "AFG"}],
        "application": [
            # 1: lodged in the quarter, decided in it: fine
            {"application_id": 11, "person_id": 1, "lodged_date": d(2024, 7, 5)},
            # 2: withdrawn in March, yet decided in August: neither pending nor lodged
            {"application_id": 21, "person_id": 2, "lodged_date": d(2024, 1, 1)},
            # 3: pending at the end of June, decided in September: fine
            {"application_id": 31, "person_id": 3, "lodged_date": d(2024, 2, 1)}],
        "withdrawal": [{"withdrawal_id": 1, "application_id": 21,
                        "withdrawal_date": d(2024, 3, 1)}],
        "decision": [{"decision_id": 1, "application_id": 11, "decision_date": d(2024, 8, 1)},
                     {"decision_id": 2, "application_id": 21, "decision_date": d(2024, 8, 1)},
                     {"decision_id": 3, "application_id": 31,
                      "decision_date": d(2024, 9, 1)}],
    }
    snap = snapshot_of(rows)
    q3 = Period("Q", 2024, 3)
    tables = [build_cube(spec_of("MIGR_ASYDCFSTQ"), snap, [q3]),
              build_cube(spec_of("MIGR_ASYAPPCTZM"), snap, q3.months())]
    (result,) = decision_warnings(tables, ComparisonTables(snap, spec_of), spec_of)
    # TOTAL: 3 decided > 1 pending (person 3) + 1 lodged (person 1)
    # AF: 2 decided > 1 pending + 0 lodged; SY: 1 decided <= 0 + 1
    assert (result.rule, result.status, result.count) == (
        "warn.decisions.within_pending_and_lodged", "fail", 2)
    assert result.examples == (
        "2024-Q3, citizen TOTAL: 3 persons decided at first instance > 1 pending at the end "
        "of 2024-06 + 1 lodged in 2024-07…2024-09",
        "2024-Q3, citizen AF: 2 persons decided at first instance > 1 pending at the end of "
        "2024-06 + 0 lodged in 2024-07…2024-09")
    assert decision_warnings(tables[1:], ComparisonTables(snap, spec_of), spec_of) == []


def test_returns_against_the_decisions_of_the_last_four_quarters(snapshot_of) -> None:
    d = date
    person = {"sex": "M", "birth_date": d(1990, 1, 1)}
    rows = {
        "person": [{"person_id": 1, "citizenship": "MAR", **person},
                   {"person_id": 2, "citizenship": "MAR", **person},
                   {"person_id": 3, "citizenship": "GEO", **person}],
        "return_decision": [
            # person 1: ordered to leave in 2023-Q4 (within the four quarters 2023-Q4…2024-Q3)
            {"return_decision_id": 1, "person_id": 1, "decision_date": d(2023, 11, 2)},
            # person 2: ordered to leave in 2023-Q2, before the four quarters
            {"return_decision_id": 2, "person_id": 2, "decision_date": d(2023, 5, 2)},
            # person 3: ordered to leave in 2024-Q3 itself
            {"return_decision_id": 3, "person_id": 3, "decision_date": d(2024, 7, 2)}],
        "return_departure": [
            {"departure_id": 10 + i, "person_id": i, "return_decision_id": i,
             "departure_date": d(2024, 8, 20), "return_type": "FORCED", "confirmed": True,
             "destination_country": "MAR" if i < 3 else "GEO"} for i in (1, 2, 3)],
    }
    snap = snapshot_of(rows)
    q3 = Period("Q", 2024, 3)
    tables = [build_cube(spec_of("MIGR_EIRTN1"), snap, [q3])]
    (result,) = return_warnings(tables, ComparisonTables(snap, spec_of))
    # returned in 2024-Q3: 3 (MA 2, GE 1); ordered to leave 2023-Q4…2024-Q3: persons 1 and 3
    # (MA 1, GE 1, total 2). TOTAL 3 > 2 and MA 2 > 1 fail; GE 1 <= 1 holds.
    assert (result.rule, result.status, result.count) == (
        "warn.returns.within_recent_decisions", "fail", 2)
    assert result.examples == (
        "2024-Q3, citizen TOTAL: 3 persons returned > 2 ordered to leave in 2023-Q4…2024-Q3",
        "2024-Q3, citizen MA: 2 persons returned > 1 ordered to leave in 2023-Q4…2024-Q3")
    # without the table of returns there is nothing to check
    assert return_warnings([], ComparisonTables(snap, spec_of)) == []


# ---------------------------------------------------------------- a whole run
@pytest.mark.e2e
def test_a_faulty_warehouse_completes_with_its_findings_in_validation_json(quarterly_run
                                                                           ) -> None:
    # the session's run: its synthetic warehouse holds every planted fault class
    planted = quarterly_run.planted
    assert "internal/data_quality.json" in quarterly_run.said
    run = quarterly_run.period_dir
    assert (run / "transmission" / "eurostat" / "MIGR_ASYAPPCTZM.csv").is_file()
    validation = json.loads((run / "validation" / "validation.json").read_text())
    rules = {r["rule"]: r for r in validation["rules"]}
    findings = {f["rule"]: f for f in validation["data_quality"]["findings"]}
    # a few planted classes, by their exact counts (docs/synthetic.md)
    for fault, rule in (("orphan_decision_application", "dq.orphan.decision_application"),
                        ("overlapping_open_applications", "dq.overlapping_open_applications"),
                        ("duplicate_key_ambiguous_person", "dq.duplicate_key.ambiguous.person"),
                        ("partner_is_belgium", "dq.partner.belgium.dublin_request")):
        assert findings[rule]["count"] == planted[fault] == rules[rule]["count"]
        assert rules[rule]["severity"] == "warning" and rules[rule]["status"] == "fail"
        assert findings[rule]["unit"] and findings[rule]["reference_date"]
    assert validation["summary"]["warning"]["fail"] >= 40
    assert "error" not in validation["summary"] or "fail" not in validation["summary"]["error"]
    assert [c["period"] for c in validation["data_quality"]["completeness"]] == [
        "2024-07", "2024-08", "2024-09"]
    assert {c["compared_period"] for c in validation["plausibility"]} >= {"2024-06", "2023-07"}
    assert {r["rule"] for r in validation["rules"]} >= {"warn.stock_flow.balance",
                                                        "warn.stock_flow.explained"}
    # the record keys are in internal/ and nowhere in validation/
    internal = json.loads((run / "internal" / "data_quality.json").read_text())
    keys = {f["rule"]: f["example_keys"] for f in internal["findings"]}
    example = keys["dq.orphan.decision_application"][0]
    assert len(keys["dq.orphan.decision_application"]) == planted["orphan_decision_application"]
    for path in (run / "validation").iterdir():
        assert f'"{example}"' not in path.read_text() and f">{example}<" not in path.read_text()
    page = (run / "validation" / "validation.html").read_text()
    for heading in ("Errors", "Warnings on the outputs", "Plausibility against earlier periods",
                    "Data quality of the warehouse", "Completeness per month"):
        assert f"<h2>{heading}</h2>" in page
    assert "No error: nothing blocks transmission." in page
    manifest = json.loads((run / "manifest.json").read_text())
    assert "internal/data_quality.json" in {o["path"] for o in manifest["outputs"]}


def test_as_of_of_the_decision_snapshot_is_the_runs(snapshot_of) -> None:
    # the comparison tables are built on the snapshot given: a row recorded after its as_of
    # is not seen, so the earlier period counts as it was known at as_of
    rows = merge(applicants(range(1, 31), date(2024, 7, 10)),
                 applicants(range(101, 103), date(2024, 6, 10)))
    rows["application"].append({"application_id": 9999, "person_id": 150,
                                "lodged_date": date(2024, 6, 11),
                                "recorded_at": datetime(2031, 1, 1)})
    snap = snapshot_of(rows)  # as_of 2030-01-01
    table = build_cube(spec_of("MIGR_ASYAPPCTZM"), snap, [M])
    found = compare_headlines([table], ComparisonTables(snap, spec_of), spec_of, Thresholds())
    assert next(c for c in found if c.against == "previous period").previous == 2
