"""Decisions: MIGR_ASYDCFSTQ (first instance, quarterly), MIGR_ASYDCFINA (final decisions in
appeal, annual), MIGR_ASYUNAA (unaccompanied minors, annual) — statistics.md, "International
protection" — and the national tables supporting the Council for Alien Law Litigation
(NAT_APPEALS, NAT_APPEAL_DURATION)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import ibis

from asylstat.cube import PERIOD, UNIT, CubeSpec, Dimension
from asylstat.dataflows.common import (
    EUROSTAT_SCOPE,
    Scope,
    applications,
    in_eurostat_scope,
    in_scope,
)
from asylstat.dataflows.dimensions import AGE, AGE_UNAA, CITIZEN, SEX
from asylstat.dataflows.stages import decisions
from asylstat.derive import UNAA_AGES, period_ends, period_of, union_all, with_person
from asylstat.domains import Domain
from asylstat.measures import DurationSpec
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot

#: the reference decision: the person's latest in the period; ties on the date by highest id
LATEST_DECISION = (("decision_date", False), ("decision_id", False))
#: the reference application of MIGR_ASYUNAA: the earliest lodged (then lowest id)
EARLIEST_LODGED = (("lodged_date", True), ("application_id", True))

#: statistics.md: outcome → ``decision`` code; any other outcome (ANNULLED, invalid) is not a
#: decision of these tables
DECISION_CODES = {"REFUGEE": "POS_RFG", "SUBSIDIARY": "POS_SPROT", "HUMANITARIAN": "POS_HUM",
                  "REJECTED": "NEG"}
#: POS = POS_RFG + POS_SPROT + POS_HUM; TOTAL = POS + NEG
DECISION = Dimension("decision", parents={"POS_RFG": ("POS",), "POS_SPROT": ("POS",),
                                          "POS_HUM": ("POS",)})
#: national: the appeal decision's normalised outcome (ANNULLED included, UNK when invalid);
#: ``NONE`` (appeals lodged or pending, which have no outcome) counts in TOTAL only
OUTCOME = Dimension("outcome", hidden=frozenset({"NONE"}), partition=False)
#: a stratum: each measure is a separate count
MEASURE = Dimension("measure", total=None, reading_order=("LODGED", "DECIDED", "PENDING"))


def decided_persons(snap: Snapshot, periods: Sequence[Period], instance: str,
                    scope: Scope = EUROSTAT_SCOPE) -> ibis.Table:
    """Decisions of ``instance`` dated in a period whose outcome is one of DECISION_CODES (an
    annulment is not a decision), on an as-of application (inner join: a decision whose
    application is missing is not counted) with channel ≠ RESETTLEMENT (unless ``scope`` is
    ``national``); the unit is the person, age at the decision date."""
    dec = decisions(snap)
    dec = dec.mutate(**{PERIOD: period_of(dec.decision_date, periods)})
    dec = dec.filter(dec[PERIOD].notnull(), dec.instance == instance,
                     dec.outcome.isin(tuple(DECISION_CODES)))
    dec = dec.mutate(decision=dec.outcome.substitute(DECISION_CODES)).rename(
        _d_app="application_id")
    app = applications(snap).select("application_id", "person_id", "channel")
    joined = dec.join(app, dec._d_app == app.application_id).drop("_d_app")
    joined = in_scope(joined, scope)
    joined = joined.mutate(**{UNIT: joined.person_id})
    return with_person(joined, snap, age_on="decision_date")


_DECISION_RULE = (
    "each person counts once, by the latest such decision of the period (ties on the date: "
    "the highest decision id): its outcome (POS_RFG refugee status, POS_SPROT subsidiary "
    "protection, POS_HUM humanitarian status, NEG rejection; POS = the three positive, "
    "TOTAL = POS + NEG), the person's citizenship, sex and age at the decision date. "
    "Resettlement excluded; annulments are not decisions; a Dublin closure is not a "
    "decision.")

ASYDCFSTQ = CubeSpec(
    name="MIGR_ASYDCFSTQ", title="First-instance decisions on applications (quarterly)",
    definition=("Persons with a first-instance decision (CGRS) dated in the quarter; "
                + _DECISION_RULE),
    kind="eurostat", freq="Q", unit="PER", dimensions=(CITIZEN, SEX, AGE, DECISION),
    records=partial(decided_persons, instance="FIRST"), reference=LATEST_DECISION)

ASYDCFINA = CubeSpec(
    name="MIGR_ASYDCFINA", title="Final decisions in appeal (annual)",
    definition=("Persons with a decision in appeal (CALL) dated in the year, whether or not "
                "already final; " + _DECISION_RULE),
    kind="eurostat", freq="A", unit="PER", dimensions=(CITIZEN, SEX, AGE, DECISION),
    records=partial(decided_persons, instance="APPEAL"), reference=LATEST_DECISION)


def unaccompanied_applicants(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """Applications lodged in the year as an unaccompanied minor (channel ≠ RESETTLEMENT), with
    the MIGR_ASYUNAA age group at lodging (18 or more → UNK); the unit is the person."""
    app = applications(snap)
    app = app.mutate(**{PERIOD: period_of(app.lodged_date, periods)})
    app = app.filter(app[PERIOD].notnull(), in_eurostat_scope(app), app.unaccompanied_minor)
    app = app.mutate(**{UNIT: app.person_id})
    return with_person(app, snap, age_on="lodged_date", ages=UNAA_AGES)


ASYUNAA = CubeSpec(
    name="MIGR_ASYUNAA", title="Asylum applicants considered to be unaccompanied minors (annual)",
    definition=(
        "Persons who lodged an application in the year (resettlement excluded) considered an "
        "unaccompanied minor, counted once in the year by the earliest such application "
        "(citizenship, sex, age at its lodging: Y_LT14, Y14-15, Y16-17; UNK when the age is "
        "unknown or 18 or more)."),
    kind="eurostat", freq="A", unit="PER", dimensions=(CITIZEN, SEX, AGE_UNAA),
    records=unaccompanied_applicants, reference=EARLIEST_LODGED)


# ---------------------------------------------------------------- national: appeals

def _appeals_with_ruling(snap: Snapshot) -> ibis.Table:
    """As-of appeals on an as-of application, with the date and outcome of the appeal decision
    that ended them (NULL while pending, or when that decision is missing)."""
    appeal = snap.table("appeal")
    ruling = decisions(snap).select(_r_id="decision_id", ruling_date="decision_date",
                                    ruling_outcome="outcome")
    app = applications(snap).select(_app_id="application_id")
    appeal = appeal.join(app, appeal.application_id == app._app_id).drop("_app_id")
    return appeal.left_join(ruling, appeal.appeal_decision_id == ruling._r_id).drop("_r_id")


def appeal_records(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """One row per counted event and measure (all channels):

    ``LODGED``   appeals lodged in the period;
    ``DECIDED``  decisions in appeal (``instance = 'APPEAL'``) dated in the period, by
                 outcome, annulments included;
    ``PENDING``  appeals lodged on or before the last day E with no appeal decision dated on
                 or before E.
    """
    appeals = _appeals_with_ruling(snap)
    lodged = appeals.mutate(**{PERIOD: period_of(appeals.lodged_date, periods)})
    lodged = lodged.filter(lodged[PERIOD].notnull()).select(
        PERIOD, measure=ibis.literal("LODGED"), outcome=ibis.literal("NONE"),
        record_id=lodged.appeal_id)

    dec = decisions(snap)
    app = applications(snap).select(_app_id="application_id")
    dec = dec.join(app, dec.application_id == app._app_id)
    dec = dec.mutate(**{PERIOD: period_of(dec.decision_date, periods)})
    decided = dec.filter(dec[PERIOD].notnull(), dec.instance == "APPEAL").select(
        PERIOD, measure=ibis.literal("DECIDED"), outcome=dec.outcome,
        record_id=dec.decision_id)

    stock = appeals.cross_join(period_ends(periods))
    stock = stock.filter(stock.lodged_date <= stock.period_end,
                         stock.ruling_date.isnull() | (stock.ruling_date > stock.period_end))
    pending = stock.select(PERIOD, measure=ibis.literal("PENDING"),
                           outcome=ibis.literal("NONE"), record_id=stock.appeal_id)
    union = union_all(lodged, decided, pending)
    return union.mutate(**{UNIT: union.record_id})


NAT_APPEALS = CubeSpec(
    name="NAT_APPEALS", title="Appeals with the Council for Alien Law Litigation",
    definition=(
        "Counts of events, all channels: LODGED appeals lodged in the period; DECIDED "
        "decisions in appeal dated in the period, by outcome (REFUGEE, SUBSIDIARY, "
        "HUMANITARIAN, REJECTED, ANNULLED — annulled and sent back to the CGRS —, UNK when "
        "invalid); PENDING appeals lodged on or before the last day E with no appeal decision "
        "dated on or before E. LODGED and PENDING have outcome TOTAL only."),
    kind="national", freq="M", due="months_and_run", unit="NR",
    dimensions=(MEASURE, OUTCOME), records=appeal_records,
    stock=True)


def appeal_durations(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """Appeals whose appeal decision is dated in the period (annulments included), with the
    whole days from lodging the appeal to that decision. An appeal decided before it was
    lodged (a warehouse fault) is left out."""
    appeals = _appeals_with_ruling(snap)
    appeals = appeals.mutate(**{PERIOD: period_of(appeals.ruling_date, periods)},
                             days=appeals.ruling_date.delta(appeals.lodged_date,
                                                            unit="day").cast("int64"))
    done = appeals.filter(appeals[PERIOD].notnull(), appeals.days >= 0)
    return done.mutate(**{UNIT: done.appeal_id})


NAT_APPEAL_DURATION = DurationSpec(
    name="NAT_APPEAL_DURATION", title="Duration of appeals decided (days)",
    definition=(
        "For appeals whose appeal decision is dated in the period (annulments included): N "
        "appeals and the median number of days from lodging the appeal to that decision (P50), "
        "as a nearest-rank value (the smallest value with at least 50% of the values at or "
        "below it), whole days. Appeals decided before they were lodged (warehouse fault) are "
        "left out."),
    kind="national", freq="M", due="months_and_run", groups=(), records=appeal_durations,
    quantiles=(("P50", 50),))

DOMAIN = Domain("decisions", "40_decisions.ipynb",
                tables=(ASYDCFSTQ, ASYDCFINA, ASYUNAA, NAT_APPEALS, NAT_APPEAL_DURATION))
