"""Warehouse data quality: every planted fault class of the synthetic warehouse is found with
its exact count (docs/synthetic.md), and hand-worked cases of the rules on tiny warehouses."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from asylstat.checks.quality import check_warehouse, completeness_by_month, warehouse_rules
from asylstat.checks.quality_rules import (
    MAX_EXAMPLES,
    AgeAbove,
    BirthDateInFuture,
    Context,
    DateAfterAsOf,
    DuplicateKey,
    InvalidCode,
    LegalBasisMismatch,
    OrphanReference,
    OverlappingOpenApplications,
    PartnerIsBelgium,
    PartnerNotDublinState,
    ReplyIncomplete,
    RequestUnansweredOverdue,
    SubsequentWithoutFinalDecision,
    UnaccompaniedMinorAdult,
    evaluate_rules,
)
from asylstat.periods import Period
from asylstat.synthetic import SyntheticReport
from asylstat.warehouse.connect import connect
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.snapshot import Snapshot

#: docs/synthetic.md evaluates every planted count on the warehouse as of this instant
SYNTHETIC_AS_OF = datetime(2026, 6, 30, 23, 59, 59)

# ---------------------------------------------------------------- the synthetic warehouse
#: planted fault name (docs/synthetic.md) -> rule id, written out by hand
FAULT_TO_RULE: dict[str, str] = {
    "partner_is_belgium": "dq.partner.belgium.dublin_request",
    "partner_not_dublin_state": "dq.partner.not_dublin_state.dublin_request",
    "legal_basis_mismatch": "dq.legal_basis.mismatch",
    "orphan_application_person": "dq.orphan.application_person",
    "orphan_application_principal": "dq.orphan.application_principal",
    "orphan_decision_application": "dq.orphan.decision_application",
    "orphan_appeal_decision": "dq.orphan.appeal_decision",
    "orphan_withdrawal_application": "dq.orphan.withdrawal_application",
    "orphan_transfer_request": "dq.orphan.transfer_request",
    "orphan_request_application": "dq.orphan.request_application",
    "orphan_request_person": "dq.orphan.request_person",
    "lodged_before_presented": "dq.date_order.lodged_before_presented",
    "decision_before_lodging": "dq.date_order.decision_before_lodging",
    "transfer_before_acceptance": "dq.date_order.transfer_before_acceptance",
    "date_after_as_of_decision": "dq.after_as_of.decision.decision_date",
    "date_after_as_of_withdrawal": "dq.after_as_of.withdrawal.withdrawal_date",
    "birth_date_in_future": "dq.birth_date.in_future",
    "birth_date_age_over_110": "dq.birth_date.age_over_110",
    "unaccompanied_minor_aged_18_plus": "dq.unaccompanied_minor_aged_18_plus",
    "overlapping_open_applications": "dq.overlapping_open_applications",
    "subsequent_without_final_decision": "dq.subsequent_without_final_decision",
    "dublin_request_no_reply_overdue": "dq.dublin.no_reply_overdue",
    "dublin_reply_without_date": "dq.dublin.reply_without_date",
    "dublin_reply_date_without_reply": "dq.dublin.reply_date_without_reply",
    "missing_sex": "dq.missing.person.sex",
    "missing_birth_date": "dq.missing.person.birth_date",
    "missing_citizenship": "dq.missing.person.citizenship",
}
CODE_COLUMNS = [("person", "sex"), ("person", "citizenship"), ("application", "legal_type"),
                ("application", "channel"), ("application", "procedure"),
                ("decision", "instance"), ("decision", "outcome"),
                ("decision", "rejection_ground"), ("withdrawal", "kind"),
                ("dublin_request", "direction"), ("dublin_request", "partner_country"),
                ("dublin_request", "request_type"), ("dublin_request", "legal_basis"),
                ("dublin_request", "reply"), ("dublin_unilateral", "partner_country"),
                ("dublin_unilateral", "legal_basis"), ("return_decision", "ground"),
                ("return_departure", "return_type"), ("return_departure", "destination_country")]
FAULT_TO_RULE.update({f"invalid_code_{t}_{c}": f"dq.invalid_code.{t}.{c}"
                      for t, c in CODE_COLUMNS})
for _t in ("person", "application", "decision", "dublin_request", "return_decision",
           "return_departure"):
    FAULT_TO_RULE[f"duplicate_key_distinct_recorded_at_{_t}"] = f"dq.duplicate_key.resolved.{_t}"
    FAULT_TO_RULE[f"duplicate_key_ambiguous_{_t}"] = f"dq.duplicate_key.ambiguous.{_t}"

FAULT_TO_RULE.update({
    "departure_without_return_decision": "dq.missing.return_departure.return_decision_id",
    "orphan_departure_return_decision": "dq.orphan.departure_return_decision",
    "departure_before_return_decision": "dq.date_order.departure_before_return_decision",
    "departure_to_belgium": "dq.return.departure_to_belgium",
    "unconfirmed_departure": "dq.return.unconfirmed_departure",
    "return_decision_dublin_citizen": "dq.return.dublin_citizen",
})

#: planted faults whose data-quality rules are still to come: none
NO_RULE_YET: frozenset[str] = frozenset()

#: the one rule that the planting also triggers, and why: a decision dated 10 or 20 years
#: after as_of by a typo now lies after its own final date
KNOWN_SIDE_EFFECTS = {"dq.date_order.final_before_decision":
                      "dq.after_as_of.decision.decision_date"}


@pytest.fixture(scope="module")
def synthetic_path(synthetic_warehouse) -> tuple[Path, SyntheticReport]:
    return synthetic_warehouse.path, synthetic_warehouse.report


@pytest.fixture(scope="module")
def synthetic(synthetic_path):
    path, report = synthetic_path
    snap = Snapshot(connect(f"duckdb:///{path}"), SYNTHETIC_AS_OF)
    return report, check_warehouse(snap, Period("Q", 2024, 3).months())


def test_every_planted_fault_class_is_found_with_its_exact_count(synthetic) -> None:
    planted, dq = synthetic[0].planted_faults, synthetic[1].by_rule()
    faults = {name: n for name, n in planted.items()
              if not name.startswith("code_needs_normalisation_")  # not faults: accepted
              and name not in NO_RULE_YET}
    assert len(faults) >= 40
    assert synthetic[1].as_of == "2026-06-30T23:59:59.000000Z"
    unmapped = set(faults) - set(FAULT_TO_RULE)
    assert not unmapped, f"planted classes without a rule: {unmapped}"
    found = {name: dq[FAULT_TO_RULE[name]].result.count for name in faults}
    assert found == faults
    for name in faults:
        result = dq[FAULT_TO_RULE[name]].result
        assert (result.status, result.severity) == ("fail", "warning"), name


def test_no_rule_finds_anything_that_was_not_planted(synthetic) -> None:
    planted, dq = synthetic[0].planted_faults, synthetic[1].by_rule()
    expected = {FAULT_TO_RULE[name] for name in planted if name in FAULT_TO_RULE}
    for rule, finding in dq.items():
        if rule in expected:
            continue
        if rule in KNOWN_SIDE_EFFECTS:
            cause = dq[KNOWN_SIDE_EFFECTS[rule]]
            assert set(finding.examples) <= set(cause.examples), rule
            assert finding.result.count <= cause.result.count
            continue
        assert finding.result.count == 0, (rule, finding.result.message)
        assert finding.result.status == "pass"


def test_postgresql_finds_the_same_counts_and_keys(pg_synthetic, synthetic) -> None:
    # the rules compile for PostgreSQL and give the same counts, keys and completeness on a
    # real server (ASYLSTAT_TEST_PG_URL, started by make test / .ci/run; skipped without it),
    # on the session's synthetic warehouse loaded there once (conftest.pg_synthetic)
    snap = Snapshot(connect(pg_synthetic.url, pg_synthetic.schema), SYNTHETIC_AS_OF)
    on_pg = check_warehouse(snap, Period("Q", 2024, 3).months())
    on_duckdb = synthetic[1]
    assert [(f.result.rule, f.result.count, f.examples) for f in on_pg.findings] == [
        (f.result.rule, f.result.count, f.examples) for f in on_duckdb.findings]
    assert on_pg.completeness == on_duckdb.completeness


def test_codes_that_only_need_normalisation_are_accepted(synthetic) -> None:
    # ' m ', 'f', ' syr ', 'AFG\t', 'implicit' ... are planted on these columns: the
    # invalid-code rule of each finds exactly the planted invalid codes, and none of them
    planted, dq = synthetic[0].planted_faults, synthetic[1].by_rule()
    columns = [name.removeprefix("code_needs_normalisation_") for name in planted
               if name.startswith("code_needs_normalisation_")]
    assert "decision_outcome" in columns  # planted with normalisable codes only
    for column in columns:
        if f"invalid_code_{column}" in NO_RULE_YET:
            continue
        rule = FAULT_TO_RULE[f"invalid_code_{column}"]
        assert dq[rule].result.count == planted.get(f"invalid_code_{column}", 0), column


def test_examples_are_keys_and_only_in_the_internal_report(synthetic) -> None:
    report = synthetic[1]
    finding = report.by_rule()["dq.orphan.application_principal"]
    assert finding.result.count > MAX_EXAMPLES  # 29 planted at this scale
    assert len(finding.examples) == MAX_EXAMPLES
    assert list(finding.examples) == sorted(finding.examples, key=int)
    public = str(report.public())
    assert finding.examples[0] not in public
    internal = report.internal()["findings"]
    assert any(f["example_keys"] == list(finding.examples) for f in internal)
    # the RuleResults carry no record key either
    assert all(r.examples == () for r in report.results)


def test_completeness_per_month_of_the_run(synthetic) -> None:
    rows = synthetic[1].completeness
    assert [r.period for r in rows] == ["2024-07", "2024-08", "2024-09"]
    assert all(r.applicants > 50 for r in rows)
    for r in rows:
        for column in ("sex", "birth_date", "citizenship"):
            assert r.person_missing <= r.missing[column] <= r.applicants


def test_rules_are_declared_once_and_describe_themselves() -> None:
    rules = warehouse_rules()
    ids = [r.rule_id for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        d = rule.describe()
        assert d["unit"] and d["reference_date"] and d["time_limit"] and d["definition"]
        assert d["severity"] == "warning"
        assert rule.__doc__ and "Unit" in type(rule).__doc__
    # one invalid-code rule per code column of the contract, plus the country columns
    invalid = {r.rule_id for r in rules if isinstance(r, InvalidCode)}
    assert invalid == {f"dq.invalid_code.{t}.{c}" for t, c in CODE_COLUMNS}


# ---------------------------------------------------------------- hand-worked cases

AS_OF = datetime(2026, 6, 30, 12, 0)


def evaluate(snapshot_of, rows, rule, as_of: datetime = AS_OF):
    snap = snapshot_of(rows, as_of=as_of)
    return rule.evaluate(Context(snap))


def test_invalid_codes_after_strip_and_upper(snapshot_of) -> None:
    people = [{"person_id": i, "sex": s} for i, s in
              enumerate([" m ", "f", "X", None, "U", "", "\t", "MALE", "m\n"], start=1)]
    rule = next(r for r in warehouse_rules() if r.rule_id == "dq.invalid_code.person.sex")
    finding = evaluate(snapshot_of, {"person": people}, rule)
    # invalid: 'U' (5), '' (6), '\t' (7), 'MALE' (8); NULL is missing, not invalid
    assert finding.result.count == 4
    assert finding.examples == ("5", "6", "7", "8")


def test_invalid_citizenship_and_partner_codes(snapshot_of) -> None:
    people = [{"person_id": i, "citizenship": c} for i, c in
              enumerate([" syr ", "afg\t", "XXX", "XXA", "XKX", "YUG", "ANT", "zzz", None],
                        start=1)]
    requests = [{"request_id": i, "person_id": 1, "request_date": date(2024, 1, 1),
                 "partner_country": c} for i, c in
                enumerate(["DEU", " bel", "USA", "germany", "GBR", "che"], start=1)]
    rules = {r.rule_id: r for r in warehouse_rules()}
    snap = snapshot_of({"person": people, "dublin_request": requests}, as_of=AS_OF)
    ctx = Context(snap)

    def found(rule_id: str) -> tuple[str, ...]:
        return rules[rule_id].evaluate(ctx).examples

    assert found("dq.invalid_code.person.citizenship") == ("6", "7", "8")  # YUG ANT zzz
    assert found("dq.invalid_code.dublin_request.partner_country") == ("4",)  # 'germany'
    assert found("dq.partner.belgium.dublin_request") == ("2",)
    assert found("dq.partner.not_dublin_state.dublin_request") == ("3", "5")  # USA, GBR


def test_legal_basis_mismatch(snapshot_of) -> None:
    requests = [{"request_id": i, "person_id": 1, "request_date": date(2024, 1, 1),
                 "request_type": t, "legal_basis": b} for i, (t, b) in enumerate([
                     ("TAKE_CHARGE", "ART8"),         # fits
                     ("take_charge", "art18_1_b "),   # take charge under a take-back basis
                     ("TAKE_BACK", "ART34"),          # take back under the information basis
                     ("INFO", "ART34"),               # fits
                     ("INFO", "ART17_2"),             # information under a take-charge basis
                     ("TAKE_BACK", "ART99"),          # invalid basis: not a mismatch
                     ("TC", "ART8"),                  # invalid type: not a mismatch
                 ], start=1)]
    finding = evaluate(snapshot_of, {"dublin_request": requests}, LegalBasisMismatch())
    assert finding.examples == ("2", "3", "5")


def test_orphans_look_at_the_warehouse_as_of(snapshot_of) -> None:
    apps = [
        {"application_id": 10, "person_id": 1, "lodged_date": date(2024, 1, 1)},
        # retired before as_of: gone
        {"application_id": 11, "person_id": 1, "lodged_date": date(2024, 1, 1),
         "retired_at": datetime(2025, 1, 1)},
        # recorded after as_of: not there yet
        {"application_id": 12, "person_id": 1, "lodged_date": date(2024, 1, 1),
         "recorded_at": datetime(2026, 7, 1)},
    ]
    decisions = [{"decision_id": 100 + a, "application_id": a,
                  "decision_date": date(2024, 6, 1)} for a in (10, 11, 12, 13)]
    rule = OrphanReference("decision_application", "decision", "application_id",
                           "application", "not counted.")
    finding = evaluate(snapshot_of, {"application": apps, "decision": decisions}, rule)
    assert finding.examples == ("111", "112", "113")
    # a NULL reference is not an orphan
    requests = [{"request_id": 1, "person_id": 1, "request_date": date(2024, 1, 1)},
                {"request_id": 2, "person_id": 1, "application_id": 99,
                 "request_date": date(2024, 1, 1)}]
    rule = OrphanReference("request_application", "dublin_request", "application_id",
                           "application", "still counted.")
    finding = evaluate(snapshot_of, {"dublin_request": requests,
                                     "person": [{"person_id": 1}]}, rule)
    assert finding.examples == ("2",)


def test_duplicate_keys_resolved_and_ambiguous(snapshot_of) -> None:
    t1, t2, t3 = datetime(2020, 1, 1), datetime(2021, 1, 1), datetime(2022, 1, 1)
    people = [
        {"person_id": 1, "recorded_at": t1}, {"person_id": 1, "recorded_at": t2},  # resolved
        {"person_id": 2, "recorded_at": t2}, {"person_id": 2, "recorded_at": t2},  # ambiguous
        {"person_id": 3, "recorded_at": t1}, {"person_id": 3, "recorded_at": t3},
        {"person_id": 3, "recorded_at": t3},                                      # ambiguous
        {"person_id": 4, "recorded_at": t1, "retired_at": t2},
        {"person_id": 4, "recorded_at": t2},                                      # versioned
        {"person_id": 5, "recorded_at": t1},                                      # single
    ]
    resolved = evaluate(snapshot_of, {"person": people}, DuplicateKey("person", False))
    ambiguous = evaluate(snapshot_of, {"person": people}, DuplicateKey("person", True))
    assert resolved.examples == ("1",)
    assert ambiguous.examples == ("2", "3")
    assert resolved.unit == "keys of person"


def test_dates_after_as_of_and_birth_dates(snapshot_of) -> None:
    as_of = datetime(2026, 6, 30, 12, 0)
    decisions = [{"decision_id": 1, "application_id": 1, "decision_date": date(2026, 6, 30)},
                 {"decision_id": 2, "application_id": 1, "decision_date": date(2026, 7, 1)},
                 {"decision_id": 3, "application_id": 1, "decision_date": date(2036, 1, 1)}]
    finding = evaluate(snapshot_of, {"decision": decisions},
                       DateAfterAsOf("decision", "decision_date"), as_of)
    assert finding.examples == ("2", "3")
    assert finding.reference_date == "the day of as_of (2026-06-30)"
    people = [{"person_id": 1, "birth_date": date(1915, 6, 30)},   # 111 on 2026-06-30
              {"person_id": 2, "birth_date": date(1915, 7, 1)},    # 110: not above 110
              {"person_id": 3, "birth_date": date(1900, 1, 1)},    # placeholder: 126
              {"person_id": 4, "birth_date": date(2026, 6, 30)},   # born today: fine
              {"person_id": 5, "birth_date": date(2026, 7, 1)},    # in the future
              {"person_id": 6}]
    assert evaluate(snapshot_of, {"person": people}, AgeAbove(110), as_of).examples \
        == ("1", "3")
    assert evaluate(snapshot_of, {"person": people}, BirthDateInFuture(), as_of).examples \
        == ("5",)


def test_date_order_same_row_and_across_tables(snapshot_of) -> None:
    rules = {r.rule_id: r for r in warehouse_rules()}
    apps = [{"application_id": 1, "person_id": 1, "presented_date": date(2024, 3, 10),
             "lodged_date": date(2024, 3, 9)},                       # lodged before presented
            {"application_id": 2, "person_id": 1, "presented_date": date(2024, 3, 10),
             "lodged_date": date(2024, 3, 10)}]
    decisions = [{"decision_id": 1, "application_id": 2, "decision_date": date(2024, 3, 9)},
                 {"decision_id": 2, "application_id": 2, "decision_date": date(2024, 3, 10)}]
    requests = [{"request_id": 1, "person_id": 1, "request_date": date(2024, 1, 1),
                 "reply": "accepted", "reply_date": date(2024, 2, 1)},
                {"request_id": 2, "person_id": 1, "request_date": date(2024, 1, 1),
                 "reply": "REJECTED", "reply_date": date(2024, 2, 1)}]
    transfers = [{"transfer_id": 1, "request_id": 1, "transfer_date": date(2024, 1, 31)},
                 {"transfer_id": 2, "request_id": 1, "transfer_date": date(2024, 2, 1)},
                 # the request was rejected: not "before acceptance"
                 {"transfer_id": 3, "request_id": 2, "transfer_date": date(2024, 1, 15)}]
    snap = snapshot_of({"application": apps, "decision": decisions, "dublin_request": requests,
                        "dublin_transfer": transfers}, as_of=AS_OF)
    ctx = Context(snap)
    assert rules["dq.date_order.lodged_before_presented"].evaluate(ctx).examples == ("1",)
    assert rules["dq.date_order.decision_before_lodging"].evaluate(ctx).examples == ("1",)
    assert rules["dq.date_order.transfer_before_acceptance"].evaluate(ctx).examples == ("1",)


def test_unaccompanied_minor_aged_18_plus_on_the_lodging_date(snapshot_of) -> None:
    people = [{"person_id": 1, "birth_date": date(2006, 7, 1)},
              {"person_id": 2}]
    apps = [
        # 17 on 2024-06-30: a minor
        {"application_id": 1, "person_id": 1, "lodged_date": date(2024, 6, 30),
         "unaccompanied_minor": True},
        # 18 on 2024-07-01 (the birthday): flagged
        {"application_id": 2, "person_id": 1, "lodged_date": date(2024, 7, 1),
         "unaccompanied_minor": True},
        # adult but not said to be an unaccompanied minor
        {"application_id": 3, "person_id": 1, "lodged_date": date(2025, 1, 1)},
        # no birth date: unknown age, not flagged
        {"application_id": 4, "person_id": 2, "lodged_date": date(2025, 1, 1),
         "unaccompanied_minor": True},
        # not lodged yet
        {"application_id": 5, "person_id": 1, "lodged_date": None,
         "presented_date": date(2025, 1, 1), "unaccompanied_minor": True},
    ]
    finding = evaluate(snapshot_of, {"person": people, "application": apps},
                       UnaccompaniedMinorAdult())
    assert finding.examples == ("2",)


def test_overlapping_open_applications_counts_persons(snapshot_of) -> None:
    d = date
    apps = [
        # person 1: the first closes by a final decision on 2020-06-01, the second is lodged
        # that very day: no overlap
        {"application_id": 11, "person_id": 1, "lodged_date": d(2020, 1, 1)},
        {"application_id": 12, "person_id": 1, "lodged_date": d(2020, 6, 1)},
        # person 2: an annulment never closes: overlap
        {"application_id": 21, "person_id": 2, "lodged_date": d(2020, 1, 1)},
        {"application_id": 22, "person_id": 2, "lodged_date": d(2020, 5, 1)},
        # person 3: withdrawn on 2020-02-01, next lodged 2020-02-01: no overlap
        {"application_id": 31, "person_id": 3, "lodged_date": d(2020, 1, 1)},
        {"application_id": 32, "person_id": 3, "lodged_date": d(2020, 2, 1)},
        # person 4: two lodged the same day: overlap
        {"application_id": 41, "person_id": 4, "lodged_date": d(2020, 1, 1)},
        {"application_id": 42, "person_id": 4, "lodged_date": d(2020, 1, 1)},
        # person 5: three open at once: one person
        {"application_id": 51, "person_id": 5, "lodged_date": d(2020, 1, 1)},
        {"application_id": 52, "person_id": 5, "lodged_date": d(2020, 2, 1)},
        {"application_id": 53, "person_id": 5, "lodged_date": d(2020, 3, 1)},
        # person 6: Dublin-closed on 2020-03-01, next lodged 2020-02-28: overlap
        {"application_id": 61, "person_id": 6, "lodged_date": d(2020, 1, 1),
         "dublin_closed_date": d(2020, 3, 1)},
        {"application_id": 62, "person_id": 6, "lodged_date": d(2020, 2, 28)},
        # person 7: the second is not lodged: no overlap
        {"application_id": 71, "person_id": 7, "lodged_date": d(2020, 1, 1)},
        {"application_id": 72, "person_id": 7, "lodged_date": None,
         "presented_date": d(2020, 2, 1)},
    ]
    decisions = [
        {"decision_id": 1, "application_id": 11, "decision_date": d(2020, 5, 1),
         "final_date": d(2020, 6, 1)},
        {"decision_id": 2, "application_id": 21, "decision_date": d(2020, 3, 1),
         "instance": "APPEAL", "outcome": " annulled", "final_date": d(2020, 3, 1)},
    ]
    withdrawals = [{"withdrawal_id": 1, "application_id": 31,
                    "withdrawal_date": d(2020, 2, 1)}]
    finding = evaluate(snapshot_of, {"application": apps, "decision": decisions,
                                     "withdrawal": withdrawals}, OverlappingOpenApplications())
    assert finding.examples == ("2", "4", "5", "6")
    assert finding.result.count == 4 and finding.unit == "persons"


def test_subsequent_without_final_decision(snapshot_of) -> None:
    d = date
    apps = [
        # person 1: final decision on the day the subsequent one is presented: fine
        {"application_id": 11, "person_id": 1, "lodged_date": d(2020, 1, 1)},
        {"application_id": 12, "person_id": 1, "legal_type": "subsequent",
         "presented_date": d(2021, 1, 10), "lodged_date": d(2021, 1, 12)},
        # person 2: final one day later: flagged
        {"application_id": 21, "person_id": 2, "lodged_date": d(2020, 1, 1)},
        {"application_id": 22, "person_id": 2, "legal_type": "SUBSEQUENT",
         "presented_date": d(2021, 1, 10)},
        # person 3: the only final decision is an annulment: flagged
        {"application_id": 31, "person_id": 3, "lodged_date": d(2020, 1, 1)},
        {"application_id": 32, "person_id": 3, "legal_type": "SUBSEQUENT",
         "presented_date": d(2021, 1, 10)},
        # person 4: the final decision is on the subsequent application itself: flagged
        {"application_id": 42, "person_id": 4, "legal_type": "SUBSEQUENT",
         "presented_date": d(2021, 1, 10)},
    ]
    decisions = [
        {"decision_id": 1, "application_id": 11, "decision_date": d(2020, 12, 1),
         "final_date": d(2021, 1, 10)},
        {"decision_id": 2, "application_id": 21, "decision_date": d(2020, 12, 1),
         "final_date": d(2021, 1, 11)},
        {"decision_id": 3, "application_id": 31, "decision_date": d(2020, 12, 1),
         "instance": "APPEAL", "outcome": "ANNULLED", "final_date": d(2020, 12, 1)},
        {"decision_id": 4, "application_id": 42, "decision_date": d(2020, 12, 1),
         "final_date": d(2021, 1, 1)},
    ]
    finding = evaluate(snapshot_of, {"application": apps, "decision": decisions},
                       SubsequentWithoutFinalDecision())
    assert finding.examples == ("22", "32", "42")


def test_dublin_replies(snapshot_of) -> None:
    as_of = datetime(2026, 6, 30, 12, 0)  # 12 months earlier: 2025-06-30
    d = date
    requests = [
        {"request_id": 1, "person_id": 1, "request_date": d(2025, 6, 29)},  # overdue
        {"request_id": 2, "person_id": 1, "request_date": d(2025, 6, 30)},  # not yet
        {"request_id": 3, "person_id": 1, "request_date": d(2020, 1, 1),
         "request_type": "INFO", "legal_basis": "ART34"},                   # info: not this rule
        {"request_id": 4, "person_id": 1, "request_date": d(2020, 1, 1),
         "request_type": " take_charge", "legal_basis": "ART8"},            # overdue
        {"request_id": 5, "person_id": 1, "request_date": d(2020, 1, 1),
         "reply": "ACCEPTED"},                                              # reply, no date
        {"request_id": 6, "person_id": 1, "request_date": d(2020, 1, 1),
         "reply_date": d(2020, 2, 1)},                                      # date, no reply
        {"request_id": 7, "person_id": 1, "request_date": d(2020, 1, 1),
         "request_type": "INFO", "legal_basis": "ART34", "reply": "ANSWERED"},  # no date
    ]
    rows = {"dublin_request": requests}
    assert evaluate(snapshot_of, rows, RequestUnansweredOverdue(12), as_of).examples \
        == ("1", "4")
    assert evaluate(snapshot_of, rows, ReplyIncomplete("date"), as_of).examples == ("5", "7")
    assert evaluate(snapshot_of, rows, ReplyIncomplete("reply"), as_of).examples == ("6",)


def test_partner_rules_on_unilateral_decisions(snapshot_of) -> None:
    rows = {"dublin_unilateral": [
        {"unilateral_id": i, "person_id": 1, "decision_date": date(2024, 1, 1),
         "partner_country": c} for i, c in enumerate(["FRA", None, "BEL", "TUR"], start=1)]}
    assert evaluate(snapshot_of, rows, PartnerIsBelgium("dublin_unilateral")).examples \
        == ("3",)
    assert evaluate(snapshot_of, rows, PartnerNotDublinState("dublin_unilateral")).examples \
        == ("4",)


def test_return_table_rules(snapshot_of) -> None:
    d = date
    people = [{"person_id": i, "citizenship": c} for i, c in enumerate(
        ["SYR", " bel", "fra\t", "CHE", "GBR", None, "zzz"], start=1)]
    # person 8 has two visible versions: one of them Belgian
    people += [{"person_id": 8, "citizenship": "MAR"}, {"person_id": 8, "citizenship": "BEL"}]
    decisions = [{"return_decision_id": 10 + i, "person_id": p, "decision_date": d(2024, 3, 1),
                  "ground": "IRREGULAR_STAY", "unaccompanied_minor": False}
                 for i, p in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 99])]
    # decision 30 of person 1 was withdrawn after the departure that followed it
    decisions.append({"return_decision_id": 30, "person_id": 1, "decision_date": d(2024, 1, 5),
                      "ground": "IRREGULAR_STAY", "unaccompanied_minor": False,
                      "withdrawn_date": d(2024, 6, 1)})
    departures = [{"departure_id": i, "person_id": 1, "return_decision_id": rd,
                   "departure_date": day, "return_type": "FORCED", "destination_country": dest,
                   "confirmed": confirmed} for i, (rd, day, dest, confirmed) in enumerate([
                       (10, d(2024, 3, 10), "DZA", True),    # a return: no finding
                       (None, d(2024, 3, 10), None, True),   # decision not recorded
                       (999, d(2024, 3, 10), "DZA", True),   # no such decision: orphan
                       (10, d(2024, 2, 28), "DZA", True),    # before its decision
                       (10, d(2024, 3, 10), " bel", True),   # to Belgium
                       (10, d(2024, 3, 10), "fra", True),    # another Dublin state: no finding
                       (10, d(2024, 3, 10), "DZA", False),   # unconfirmed
                       (10, d(2024, 3, 10), "YUG", True),    # invalid destination
                       (10, d(2024, 3, 1), "syr ", True),    # the decision's day: no finding
                       (30, d(2024, 3, 10), "DZA", True),    # its decision withdrawn
                   ], start=1)]
    rows = {"person": people, "return_decision": decisions, "return_departure": departures}
    rules = {r.rule_id: r for r in warehouse_rules()}
    ctx = Context(snapshot_of(rows, as_of=AS_OF))

    def found(rule_id: str) -> tuple[str, ...]:
        return rules[rule_id].evaluate(ctx).examples

    assert found("dq.missing.return_departure.return_decision_id") == ("2",)
    assert found("dq.orphan.departure_return_decision") == ("3",)
    assert found("dq.date_order.departure_before_return_decision") == ("4",)
    assert found("dq.return.departure_to_belgium") == ("5",)
    assert found("dq.return.unconfirmed_departure") == ("7",)
    assert found("dq.invalid_code.return_departure.destination_country") == ("8",)
    assert found("dq.return.departure_withdrawn_decision") == ("10",)
    # BEL, FRA, CHE and the person with a Belgian version; not GBR, NULL, 'zzz' or an orphan
    assert found("dq.return.dublin_citizen") == ("11", "12", "13", "17")
    finding = rules["dq.return.dublin_citizen"].evaluate(ctx)
    assert finding.result.message.startswith("4 rows of return_decision: ")


def test_examples_are_capped_and_the_count_is_not(snapshot_of) -> None:
    people = [{"person_id": i, "sex": "?"} for i in range(1, 26)]
    rule = next(r for r in warehouse_rules() if r.rule_id == "dq.invalid_code.person.sex")
    finding = evaluate(snapshot_of, {"person": people}, rule)
    assert finding.result.count == 25
    assert finding.examples == tuple(str(i) for i in range(1, MAX_EXAMPLES + 1))
    assert finding.result.message.startswith("25 rows of person")


def test_a_clean_warehouse_passes_every_rule(snapshot_of) -> None:
    rows = {"person": [{"person_id": 1, "sex": "F", "birth_date": date(1990, 1, 1),
                        "citizenship": "SYR"}],
            "application": [{"application_id": 1, "person_id": 1,
                             "lodged_date": date(2024, 7, 2)}]}
    report = check_warehouse(snapshot_of(rows), Period("M", 2024, 7).months())
    assert [f.result.rule for f in report.findings if f.result.count] == []
    assert len(report.findings) == len(warehouse_rules())


def test_completeness_hand_worked(snapshot_of) -> None:
    d = date
    people = [{"person_id": 1, "sex": "F", "birth_date": d(1990, 1, 1), "citizenship": "SYR"},
              {"person_id": 2, "sex": None, "birth_date": d(1990, 1, 1), "citizenship": "XXX"},
              {"person_id": 3, "sex": "M", "birth_date": None, "citizenship": None}]
    apps = [{"application_id": 1, "person_id": 1, "lodged_date": d(2024, 7, 1)},
            {"application_id": 2, "person_id": 1, "lodged_date": d(2024, 7, 20)},  # once
            {"application_id": 3, "person_id": 2, "lodged_date": d(2024, 7, 31)},
            {"application_id": 4, "person_id": 3, "lodged_date": d(2024, 7, 5),
             "channel": "RESETTLEMENT"},                                        # any channel
            {"application_id": 5, "person_id": 9, "lodged_date": d(2024, 7, 5)},  # no person
            {"application_id": 6, "person_id": 2, "lodged_date": d(2024, 8, 1)}]
    snap = snapshot_of({"person": people, "application": apps})
    july, august, september = completeness_by_month(
        snap, [Period("M", 2024, 7), Period("M", 2024, 8), Period("M", 2024, 9)])
    # July: persons 1, 2, 3, 9 -> 4 applicants; sex missing: 2 and 9; birth date: 3 and 9;
    # citizenship: 3 and 9 (XXX is a value)
    assert (july.applicants, july.person_missing) == (4, 1)
    assert july.missing == {"sex": 2, "birth_date": 2, "citizenship": 2}
    assert july.rate("sex") == 50.0
    assert (august.applicants, august.missing["sex"]) == (1, 1)
    assert august.rate("citizenship") == 100.0
    assert september.applicants == 0 and september.rate("sex") is None


def test_severity_can_be_raised_per_rule(snapshot_of) -> None:
    rule = InvalidCode("person", "sex", valid=frozenset({"M", "F", "X"}).__contains__,
                       valid_text="M, F or X", severity="error")
    finding = evaluate(snapshot_of, {"person": [{"person_id": 1, "sex": "?"}]}, rule)
    assert (finding.result.severity, finding.result.status) == ("error", "fail")


# ---------------------------------------------------------------- rules evaluated together

def test_rules_of_one_table_evaluated_together_keep_their_own_counts_and_keys(
        snapshot_of) -> None:
    """The rules on person rows (codes, missing values, birth dates, duplicates) evaluated in
    one batch give each rule exactly its own rows: worked out by hand below. A duplicated
    faulty key is listed once per visible row, as the rows are counted."""
    t1, t2 = datetime(2020, 1, 1), datetime(2021, 1, 1)
    people = [
        {"person_id": 1, "sex": "F", "birth_date": date(1990, 1, 1), "citizenship": "SYR"},
        {"person_id": 2, "sex": "?", "birth_date": date(1990, 1, 1), "citizenship": None},
        {"person_id": 3, "sex": None, "birth_date": date(1900, 1, 1), "citizenship": "YUG"},
        {"person_id": 4, "sex": "?", "birth_date": date(2027, 1, 1), "citizenship": "AFG",
         "recorded_at": t1},
        {"person_id": 4, "sex": "?", "birth_date": date(2027, 1, 1), "citizenship": "AFG",
         "recorded_at": t2},
    ]
    rules = {r.rule_id: r for r in warehouse_rules()}
    chosen = ["dq.invalid_code.person.sex", "dq.missing.person.citizenship",
              "dq.missing.person.sex", "dq.invalid_code.person.citizenship",
              "dq.birth_date.age_over_110", "dq.birth_date.in_future",
              "dq.duplicate_key.resolved.person", "dq.duplicate_key.ambiguous.person"]
    snap = snapshot_of({"person": people}, as_of=AS_OF)
    findings = evaluate_rules(Context(snap), [rules[r] for r in chosen])
    got = {f.result.rule: (f.result.count, f.examples) for f in findings}
    assert [f.result.rule for f in findings] == chosen  # in the order asked
    assert got == {
        "dq.invalid_code.person.sex": (3, ("2", "4", "4")),   # '?' on 2 and both rows of 4
        "dq.missing.person.citizenship": (1, ("2",)),
        "dq.missing.person.sex": (1, ("3",)),
        "dq.invalid_code.person.citizenship": (1, ("3",)),    # YUG
        "dq.birth_date.age_over_110": (1, ("3",)),            # 126 on 2026-06-30
        "dq.birth_date.in_future": (2, ("4", "4")),
        "dq.duplicate_key.resolved.person": (1, ("4",)),      # keys, not rows
        "dq.duplicate_key.ambiguous.person": (0, ()),
    }


def test_one_query_per_table_not_per_rule(synthetic_path, monkeypatch) -> None:
    """The rules on one table's rows send the engine one query per table whatever their
    number: per table, its distinct codes, its row rules and its duplicate-key rules; each
    rule joining another table sends one of its own."""
    import ibis.expr.types.relations as relations

    path, _ = synthetic_path
    snap = Snapshot(connect(f"duckdb:///{path}"), SYNTHETIC_AS_OF)
    sent = []
    original = relations.Table.to_pyarrow

    def counted(self, *args, **kwargs):
        sent.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(relations.Table, "to_pyarrow", counted)
    rules = warehouse_rules()
    findings = evaluate_rules(Context(snap), rules)
    tables = len(contract_tables())  # 10 in contract v2
    joining = [r for r in rules if r.source() is None]
    assert len(findings) == len(rules)
    assert len(rules) - len(joining) > 50  # evaluated in at most 2 queries per table
    assert len(sent) <= 3 * tables + len(joining)
