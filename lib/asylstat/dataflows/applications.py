"""Applicants: MIGR_ASYAPPCTZM, MIGR_ASYUMACTM, MIGR_ASYACCM (statistics.md,
"International protection") and the national "presentation and registration" and
"submission" tables."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import ibis

from asylstat.cube import PERIOD, UNIT, CountedTogether, CubeSpec, Member, count_together
from asylstat.dataflows.common import (
    EUROSTAT_SCOPE,
    NATIONAL_SCOPE,
    Scope,
    applications,
    in_scope,
)
from asylstat.dataflows.dimensions import (
    AGE,
    APPLICANT,
    CHANNEL,
    CITIZEN,
    FIRST_AND_SUBSEQUENT_WITHIN_TOTAL,
    LEGAL_TYPE,
    SEX,
    STEP,
    UAM,
)
from asylstat.declaration import Within
from asylstat.derive import (
    EUROSTAT_AGES,
    MINOR_AGES,
    AgeBands,
    period_ends,
    period_of,
    union_all,
    with_person,
)
from asylstat.domains import Domain
from asylstat.measures import DurationSpec
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot

#: the reference application: the person's earliest (lodged_date, then lowest id)
EARLIEST_LODGED = (("lodged_date", True), ("application_id", True))


def first_applications(snap: Snapshot) -> ibis.Table:
    """``person_id, first_application_id``: each person's first lodged application, of any
    channel (earliest ``lodged_date``, then lowest ``application_id``)."""
    lodged = applications(snap).filter(lambda t: t.lodged_date.notnull())
    window = ibis.window(group_by=lodged.person_id,
                         order_by=[lodged.lodged_date.asc(), lodged.application_id.asc()])
    ranked = lodged.mutate(_rank=ibis.row_number().over(window))
    return ranked.filter(ranked._rank == 0).select(
        _first_person="person_id", first_application_id="application_id")


def _any_over(condition: ibis.BooleanValue, window: ibis.Window) -> ibis.BooleanValue:
    """Whether ``condition`` holds for any row of the window (portable: MAX of 0/1)."""
    return ibis.ifelse(condition, 1, 0).max().over(window) == 1


def lodged_applicants(snap: Snapshot, periods: Sequence[Period],
                      ages: AgeBands = EUROSTAT_AGES,
                      scope: Scope = EUROSTAT_SCOPE) -> ibis.Table:
    """Applications lodged in each month (channel ≠ RESETTLEMENT; resettlement too for the
    ``national`` scope of a question), one row each, with the
    person-level facts every applicant table needs:

    ``applicant``  FRST when the application is the person's first lodged application of any
                   channel; else SSEQ when any of the person's records of the month is legally
                   SUBSEQUENT; else NONE (counted in TOTAL only). Only meaningful on the
                   reference record, which is the only one counted.
    ``accelerated`` any of the person's records of the month is under the accelerated procedure.

    The records (before the age banding) are computed once per snapshot and periods: the
    three applicant tables share them.
    """
    return with_person(_lodged_applicant_records(snap, periods, scope), snap,
                       age_on="lodged_date", ages=ages)


def _lodged_applicant_records(snap: Snapshot, periods: Sequence[Period],
                              scope: Scope = EUROSTAT_SCOPE) -> ibis.Table:
    key = "lodged_applicants:" + ",".join(p.label for p in periods)
    if scope != EUROSTAT_SCOPE:
        key += f":{scope}"
    return snap.derived(key, lambda s: _lodged_applicant_facts(s, periods, scope))


def _lodged_applicant_facts(snap: Snapshot, periods: Sequence[Period],
                            scope: Scope) -> ibis.Table:
    app = applications(snap)
    app = app.mutate(**{PERIOD: period_of(app.lodged_date, periods)})
    app = in_scope(app.filter(app[PERIOD].notnull()), scope)
    month = ibis.window(group_by=[app[PERIOD], app.person_id])
    app = app.mutate(any_subsequent=_any_over(app.legal_type == "SUBSEQUENT", month),
                     accelerated=_any_over(app.procedure == "ACCELERATED", month))
    first = first_applications(snap)
    app = app.left_join(first, app.person_id == first._first_person).drop("_first_person")
    app = app.mutate(applicant=ibis.cases(
        (app.application_id == app.first_application_id, "FRST"),
        (app.any_subsequent, "SSEQ"), else_="NONE"))
    return app.mutate(**{UNIT: app.person_id})


_APPLICANT_DEF = (
    "Persons who lodged an application for international protection in the month "
    "(resettlement excluded), counted once per month by their earliest application of the "
    "month (its citizenship, sex and age at lodging). First-time: no earlier lodged "
    "application of any kind; subsequent: otherwise, when an application of the month is a "
    "subsequent application; TOTAL counts every person once.")

ASYAPPCTZM = CubeSpec(
    name="MIGR_ASYAPPCTZM", title="Asylum applicants by citizenship, age and sex (monthly)",
    definition=_APPLICANT_DEF, kind="eurostat", freq="M", unit="PER",
    dimensions=(CITIZEN, SEX, AGE, APPLICANT), records=lodged_applicants,
    reference=EARLIEST_LODGED, invariants=(FIRST_AND_SUBSEQUENT_WITHIN_TOTAL,))

ASYUMACTM = CubeSpec(
    name="MIGR_ASYUMACTM",
    title="Asylum applicants considered to be unaccompanied minors (monthly)",
    definition=("Applicants of MIGR_ASYAPPCTZM whose earliest application of the month was "
                "lodged as an unaccompanied minor; an 'unaccompanied minor' aged 18 or more at "
                "lodging is counted under age UNK."),
    kind="eurostat", freq="M", unit="PER", dimensions=(CITIZEN, SEX, AGE, APPLICANT),
    records=partial(lodged_applicants, ages=MINOR_AGES), reference=EARLIEST_LODGED,
    where_reference=lambda t: t.unaccompanied_minor,
    # its ages are MINOR_AGES (18 or more → UNK), so only the age total is comparable
    invariants=(FIRST_AND_SUBSEQUENT_WITHIN_TOTAL,
                Within(ASYAPPCTZM.name, fixed_inner={AGE.name: AGE.total},
                       fixed_outer={AGE.name: AGE.total})))

ASYACCM = CubeSpec(
    name="MIGR_ASYACCM", title="Applicants under the accelerated procedure (monthly)",
    definition=("Applicants of MIGR_ASYAPPCTZM any of whose applications lodged in the month "
                "is under the accelerated procedure (as known at the as-of instant)."),
    kind="eurostat", freq="M", unit="PER", dimensions=(CITIZEN, SEX, AGE),
    records=lodged_applicants, reference=EARLIEST_LODGED,
    where_reference=lambda t: t.accelerated,
    invariants=(Within(ASYAPPCTZM.name, fixed_outer={APPLICANT.name: APPLICANT.total}),))


#: whether the reference application is an unaccompanied minor's / the person accelerated
_UAM, _ACCELERATED = "_uam", "_accelerated"


def lodged_applicants_together(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """The records of the three applicant tables at once: :func:`lodged_applicants` with the
    age in both bands (``age``, ``age_minor``) and the two conditions on the reference
    record as codes (``_uam``, ``_accelerated``: ``Y`` when true, ``N`` when false or
    unknown, as a filter would keep them)."""
    records = with_person(_lodged_applicant_records(snap, periods), snap,
                          age_on="lodged_date", more_ages={"age_minor": MINOR_AGES})
    return records.mutate(**{
        _UAM: ibis.ifelse(records.unaccompanied_minor.fill_null(False), "Y", "N"),
        _ACCELERATED: ibis.ifelse(records.accelerated.fill_null(False), "Y", "N")})


APPLICANTS_TOGETHER = count_together(CountedTogether(
    records=lodged_applicants_together, reference=EARLIEST_LODGED,
    members=(Member(ASYAPPCTZM),
             Member(ASYUMACTM, where={_UAM: "Y"}, columns={"age": "age_minor"}),
             Member(ASYACCM, where={_ACCELERATED: "Y"}))))


# ---------------------------------------------------------------- national tables

#: the steps of access to the procedure, each dated by its own column of the application
ACCESS_STEPS = (("PRESENTED", "presented_date"), ("REGISTERED", "registered_date"),
                ("LODGED", "lodged_date"))


def dated_steps(snap: Snapshot, periods: Sequence[Period]) -> list[ibis.Table]:
    """Per step of :data:`ACCESS_STEPS`, the applications (all channels, every column) whose
    step is dated in a period, with ``period``, ``step`` and ``step_date``: the records of
    the national registration table and of the EUAA's access indicator (EPS_ACCESS)."""
    app = applications(snap)
    steps = []
    for step, column in ACCESS_STEPS:
        dated = app.mutate(**{PERIOD: period_of(app[column], periods)}, step=ibis.literal(step),
                           step_date=app[column].cast(ibis.dtype("date")))
        steps.append(dated.filter(dated[PERIOD].notnull()))
    return steps


def registration_steps(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """One row per application and step reached in a period (all channels):
    PRESENTED / REGISTERED / LODGED by the date of that step, and BACKLOG for an application
    presented on or before the period's last day E and not registered by E."""
    app = applications(snap)
    steps = dated_steps(snap, periods)
    ends = period_ends(periods)
    backlog = app.cross_join(ends).filter(
        lambda t: (t.presented_date <= t.period_end)
        & (t.registered_date.isnull() | (t.registered_date > t.period_end)))
    steps.append(backlog.mutate(step=ibis.literal("BACKLOG"),
                                step_date=backlog.presented_date.cast(ibis.dtype("date"))).drop("period_end"))
    columns = [PERIOD, "step", "step_date", "application_id", "person_id", "channel",
               "presented_date"]
    union = union_all(*[s.select(*columns) for s in steps])
    return union.mutate(**{UNIT: union.person_id})


NAT_REGISTRATION = CubeSpec(
    name="NAT_REGISTRATION", title="Presentation, registration and lodging (persons)",
    definition=("Persons who presented, were registered and lodged an application in the "
                "period, each counted once per step by the date of that step (their earliest "
                "application of the step gives the channel); BACKLOG: persons who presented on "
                "or before the last day of the period and were not yet registered then. "
                "Resettlement included, shown as its own channel."),
    kind="national", freq="M", due="months_and_run", unit="PER", dimensions=(STEP, CHANNEL),
    records=registration_steps, reference=(("step_date", True), ("application_id", True)))


def registration_delays(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """One row per application registered (step REGISTERED) or lodged (step LODGED) in a
    period, all channels, with the whole days since its presentation. Dates are used as
    recorded: a step dated before the presentation (a warehouse fault) gives negative days."""
    app = applications(snap)
    steps = []
    for step, column in (("REGISTERED", "registered_date"), ("LODGED", "lodged_date")):
        dated = app.mutate(**{PERIOD: period_of(app[column], periods)}, step=ibis.literal(step),
                           step_date=app[column].cast(ibis.dtype("date")),
                           days=app[column].delta(app.presented_date, unit="day").cast("int64"))
        steps.append(dated.filter(dated[PERIOD].notnull()).select(
            PERIOD, "step", "step_date", "application_id", "person_id", "days"))
    union = union_all(*steps)
    return union.mutate(**{UNIT: union.person_id})


NAT_REGISTRATION_DELAYS = DurationSpec(
    name="NAT_REGISTRATION_DELAYS", title="Days from presentation to registration and lodging",
    definition=("For persons registered in the period, the days from presenting the "
                "application to its registration; for persons who lodged in the period, the "
                "days from presentation to lodging (each person once per step, by their "
                "earliest application of the step; all channels). N persons, median (P50) and "
                "90th percentile (P90) as nearest-rank values: the smallest value with at least "
                "50% / 90% of the values at or below it, whole days."),
    kind="national", freq="M", due="months_and_run", groups=(STEP,),
    records=registration_delays,
    reference=(("step_date", True), ("application_id", True)))


def lodged_applications(snap: Snapshot, periods: Sequence[Period],
                        scope: Scope = NATIONAL_SCOPE) -> ibis.Table:
    """Applications (not persons) lodged in each period, all channels (resettlement excluded
    for the ``eurostat`` scope of a question)."""
    app = applications(snap)
    app = app.mutate(**{PERIOD: period_of(app.lodged_date, periods)})
    app = in_scope(app.filter(app[PERIOD].notnull()), scope)
    app = app.mutate(**{UNIT: app.application_id},
                     uam=ibis.ifelse(app.unaccompanied_minor, "UAM", "NOT_UAM"))
    return with_person(app, snap, age_on="lodged_date")


NAT_SUBMISSION = CubeSpec(
    name="NAT_SUBMISSION", title="Applications lodged (submission)",
    definition=("Applications for international protection lodged in the period (each "
                "application of each person, family members included), by citizenship, legal "
                "type (initial or subsequent), channel (resettlement included) and whether "
                "lodged as an unaccompanied minor."),
    kind="national", freq="M", due="months_and_run", unit="APP",
    dimensions=(CITIZEN, LEGAL_TYPE, CHANNEL, UAM), records=lodged_applications)

DOMAIN = Domain("applications", "10_applications.ipynb",
                tables=(ASYAPPCTZM, ASYUMACTM, ASYACCM,
                        NAT_REGISTRATION, NAT_REGISTRATION_DELAYS, NAT_SUBMISSION))
