"""Warehouse data quality (dwh-contract.md, "What the warehouse may contain that it should
not"; statistics.md, "Codes" and "Warehouse faults").

Every fault class is a rule object (:mod:`asylstat.checks.quality_rules`) declared here once
per table and column it examines — the invalid-code rule for every code column of the
contract's list (``codes/contract_codes.csv``) plus citizenship and partner codes, the
orphan rule for every reference, the after-``as_of`` rule for every event date, the
duplicate-key rules for every table. :func:`check_warehouse` evaluates them on the warehouse
as of the run's ``as_of`` inside the engine, one aggregate query per table for the rules
that are conditions on its rows (only counts and up to 20 example keys come back), and
computes the completeness of the applicants' attributes per month of the run.

Severity is *warning* for every rule (statistics.md: record-level faults never stop a run).
Record keys appear only in :meth:`DataQualityReport.internal`, for ``internal/``.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import ibis

from asylstat.checks import RuleResult
from asylstat.checks.quality_rules import (
    AgeAbove,
    BirthDateInFuture,
    Context,
    DateAfterAsOf,
    DateBefore,
    DepartureOfWithdrawnDecision,
    DepartureToBelgium,
    DublinCitizenReturnDecision,
    DuplicateKey,
    Finding,
    InvalidCode,
    LegalBasisMismatch,
    MissingValue,
    OrphanReference,
    OverlappingOpenApplications,
    PartnerIsBelgium,
    PartnerNotDublinState,
    ReplyIncomplete,
    RequestUnansweredOverdue,
    Rule,
    SubsequentWithoutFinalDecision,
    UnaccompaniedMinorAdult,
    UnconfirmedDeparture,
    evaluate_rules,
    is_country_code,
)
from asylstat.codes import contract_codes
from asylstat.dataflows.common import applications
from asylstat.derive import period_of
from asylstat.params import format_as_of
from asylstat.periods import Period
from asylstat.rates import as_percent, tenths_of_percent
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

#: date columns that may lie after as_of by nature: a birth date has its own rule, and a
#: transfer time limit is a deadline, not an event
NOT_EVENT_DATES = frozenset({("person", "birth_date"), ("dublin_request", "transfer_deadline")})

#: columns holding country codes (validity: pycountry alpha-3, XXA, XXX, XKX)
COUNTRY_COLUMNS = (("person", "citizenship"), ("dublin_request", "partner_country"),
                   ("dublin_unilateral", "partner_country"),
                   ("return_departure", "destination_country"))

_NOT_PLACED = "it cannot be placed and is not counted."

#: (name, table, column, referenced table, what the statistics do with the orphan)
REFERENCES: tuple[tuple[str, str, str, str, str], ...] = (
    ("application_person", "application", "person_id", "person",
     "the application counts with unknown (UNK) citizenship, sex and age."),
    ("application_principal", "application", "principal_application_id", "application",
     "the family member still counts as an applicant in their own right."),
    ("decision_application", "decision", "application_id", "application", _NOT_PLACED),
    ("appeal_application", "appeal", "application_id", "application", _NOT_PLACED),
    ("appeal_decision", "appeal", "decision_id", "decision",
     "the appeal's first-instance decision is unknown."),
    ("appeal_ruling", "appeal", "appeal_decision_id", "decision",
     "the appeal's ruling is unknown, so the appeal looks pending."),
    ("withdrawal_application", "withdrawal", "application_id", "application", _NOT_PLACED),
    ("request_person", "dublin_request", "person_id", "person",
     "the request counts with unknown (UNK) sex and minor status."),
    ("request_application", "dublin_request", "application_id", "application",
     "the request still counts (a Dublin request needs no application)."),
    ("request_reexamined", "dublin_request", "reexamination_of", "dublin_request",
     "the re-examination request still counts."),
    ("transfer_request", "dublin_transfer", "request_id", "dublin_request", _NOT_PLACED),
    ("unilateral_person", "dublin_unilateral", "person_id", "person",
     "the decision counts with unknown (UNK) sex and minor status."),
    ("unilateral_application", "dublin_unilateral", "application_id", "application",
     "the decision still counts (it needs no application)."),
    ("departure_return_decision", "return_departure", "return_decision_id", "return_decision",
     "the departure is not counted as a return."),
)


def _accepted(ctx: Context, request: ibis.Table) -> ibis.BooleanValue:
    return ctx.code_in(request, "dublin_request", "reply",
                       lambda c: c in ("ACCEPTED", "IMPLICIT_ACCEPTANCE"))


DATE_ORDER: tuple[DateBefore, ...] = (
    DateBefore("lodged_before_presented", "application", "lodged_date", "presented_date"),
    DateBefore("registered_before_presented", "application", "registered_date",
               "presented_date"),
    DateBefore("decision_before_lodging", "decision", "decision_date", "lodged_date",
               via=("application_id", "application")),
    DateBefore("final_before_decision", "decision", "final_date", "decision_date"),
    DateBefore("appeal_before_decision", "appeal", "lodged_date", "decision_date",
               via=("decision_id", "decision")),
    DateBefore("reply_before_request", "dublin_request", "reply_date", "request_date"),
    DateBefore("transfer_before_acceptance", "dublin_transfer", "transfer_date", "reply_date",
               via=("request_id", "dublin_request"), ref_condition=_accepted,
               condition_text="a request accepted explicitly or implicitly"),
    DateBefore("departure_before_return_decision", "return_departure", "departure_date",
               "decision_date", via=("return_decision_id", "return_decision"),
               consequence="the departure is not counted as a return."),
)


@cache
def code_columns() -> tuple[tuple[str, str], ...]:
    """The (table, column) pairs the contract gives a code list for, in the file's order."""
    text = (files("asylstat.codes") / "contract_codes.csv").read_text(encoding="utf-8")
    seen: dict[tuple[str, str], None] = {}
    for row in csv.DictReader(text.splitlines()):
        seen[(row["table"], row["column"])] = None
    return tuple(seen)


def invalid_code_rules() -> tuple[InvalidCode, ...]:
    rules = [InvalidCode(t, c, valid=contract_codes(t, c).__contains__,
                         valid_text="one of " + ", ".join(sorted(contract_codes(t, c))))
             for t, c in code_columns()]
    rules += [InvalidCode(t, c, valid=is_country_code,
                          valid_text="an ISO 3166-1 alpha-3 code of a current country "
                                     "(pycountry), XXA, XXX or XKX")
              for t, c in COUNTRY_COLUMNS]
    return tuple(rules)


def after_as_of_rules() -> tuple[DateAfterAsOf, ...]:
    return tuple(DateAfterAsOf(t, c) for t, cols in contract_tables().items()
                 for c, typ in cols.items() if typ == "DATE" and (t, c) not in NOT_EVENT_DATES)


@cache
def warehouse_rules() -> tuple[Rule, ...]:
    """Every data-quality rule, declared once per table and column it examines."""
    return (
        *invalid_code_rules(),
        PartnerIsBelgium("dublin_request"), PartnerIsBelgium("dublin_unilateral"),
        PartnerNotDublinState("dublin_request"), PartnerNotDublinState("dublin_unilateral"),
        LegalBasisMismatch(),
        *(OrphanReference(*ref) for ref in REFERENCES),
        *DATE_ORDER,
        *after_as_of_rules(),
        BirthDateInFuture(), AgeAbove(110), UnaccompaniedMinorAdult(),
        OverlappingOpenApplications(), SubsequentWithoutFinalDecision(),
        *(DuplicateKey(t, ambiguous) for t in contract_tables() for ambiguous in (False, True)),
        RequestUnansweredOverdue(12), ReplyIncomplete("date"), ReplyIncomplete("reply"),
        *(MissingValue("person", c) for c in ("sex", "birth_date", "citizenship")),
        MissingValue("return_departure", "return_decision_id",
                     consequence="the departure is not counted as a return."),
        DepartureToBelgium(), UnconfirmedDeparture(), DublinCitizenReturnDecision(),
        DepartureOfWithdrawnDecision(),
    )


# ---------------------------------------------------------------- completeness per month

COMPLETENESS_COLUMNS = ("sex", "birth_date", "citizenship")


@dataclass(frozen=True)
class Completeness:
    """Persons lodging an application (any channel) in one month, as the statistics see them
    (the resolved as-of view), and how many of them lack each attribute: NULL in the person
    record, or no person record at all (an orphan or ambiguous person)."""

    period: str
    applicants: int
    person_missing: int
    missing: dict[str, int]

    def rate(self, column: str) -> float | None:
        """Percentage of applicants with the attribute recorded, one decimal
        (:func:`asylstat.rates.tenths_of_percent`); ``None`` when there is no applicant."""
        return as_percent(tenths_of_percent(self.applicants - self.missing[column],
                                            self.applicants))

    def as_dict(self) -> dict[str, object]:
        return {"period": self.period, "applicants": self.applicants,
                "person_missing": self.person_missing,
                **{f"missing_{c}": self.missing[c] for c in COMPLETENESS_COLUMNS},
                **{f"complete_{c}_pct": self.rate(c) for c in COMPLETENESS_COLUMNS}}


def completeness_by_month(snap: Snapshot, months: Sequence[Period]) -> list[Completeness]:
    """Unit: persons with at least one application lodged in the month (``lodged_date``), all
    channels, in the as-of view the statistics use. A missing attribute is NULL or a person
    missing from the warehouse; ``'XXX'`` (unknown citizenship) is a value, not missing."""
    app = applications(snap)  # shared with the statistics: materialised once per snapshot
    app = app.filter(app.lodged_date.notnull())
    app = app.mutate(period=period_of(app.lodged_date, months))
    lodged = app.filter(app.period.notnull()).select("period", "person_id").distinct()
    person = snap.view("person").select(*COMPLETENESS_COLUMNS, _pid="person_id")
    j = lodged.left_join(person, lodged.person_id == person._pid)

    def n(condition: ibis.BooleanValue) -> ibis.IntegerValue:
        return ibis.ifelse(condition, 1, 0).sum().cast("int64")

    agg = j.group_by("period").aggregate(
        applicants=j.count().cast("int64"), person_missing=n(j._pid.isnull()),
        **{f"missing_{c}": n(j[c].isnull()) for c in COMPLETENESS_COLUMNS})
    rows = {r["period"]: r for r in agg.to_pyarrow().to_pylist()}
    out = []
    for month in months:
        r = rows.get(month.label, {})
        out.append(Completeness(
            period=month.label, applicants=int(r.get("applicants", 0)),
            person_missing=int(r.get("person_missing", 0)),
            missing={c: int(r.get(f"missing_{c}", 0)) for c in COMPLETENESS_COLUMNS}))
    return out


# ---------------------------------------------------------------- the report

@dataclass(frozen=True)
class DataQualityReport:
    """Findings of every rule and the completeness per month, on the warehouse as of
    ``as_of``."""

    as_of: str
    findings: tuple[Finding, ...]
    completeness: tuple[Completeness, ...]

    @property
    def results(self) -> list[RuleResult]:
        return [f.result for f in self.findings]

    def by_rule(self) -> dict[str, Finding]:
        return {f.result.rule: f for f in self.findings}

    def public(self) -> dict[str, object]:
        """Counts, units, reference dates and messages: no record key (validation.json)."""
        return {"as_of": self.as_of, "findings": [f.public() for f in self.findings],
                "completeness": [c.as_dict() for c in self.completeness]}

    def internal(self) -> dict[str, object]:
        """The same with example record keys, for ICT (``internal/data_quality.json``)."""
        return {"as_of": self.as_of, "findings": [f.internal() for f in self.findings],
                "completeness": [c.as_dict() for c in self.completeness],
                "note": "Record keys of the warehouse: for the Statistics Unit and ICT only."}


def check_warehouse(snap: Snapshot, months: Sequence[Period],
                    rules: Sequence[Rule] | None = None) -> DataQualityReport:
    """Evaluate every rule (default :func:`warehouse_rules`) on the warehouse as of the
    snapshot's ``as_of``, and the completeness of applicants' attributes for ``months``."""
    started = time.perf_counter()
    findings = evaluate_rules(Context(snap), rules if rules is not None else warehouse_rules())
    log.debug("data quality rules evaluated in %.2f s", time.perf_counter() - started)
    failed = sum(f.result.status == "fail" for f in findings)
    log.info("data quality: %d rules, %d with findings", len(findings), failed)
    return DataQualityReport(as_of=format_as_of(snap.as_of), findings=tuple(findings),
                             completeness=tuple(completeness_by_month(snap, months)))
