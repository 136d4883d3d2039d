"""Withdrawn applications: MIGR_ASYWITHM (statistics.md, "International protection") and the
national "waived" table (NAT_WAIVED)."""

from __future__ import annotations

from collections.abc import Sequence

import ibis

from asylstat.cube import PERIOD, UNIT, CubeSpec, Dimension
from asylstat.dataflows.common import EUROSTAT_SCOPE, Scope, applications, in_scope
from asylstat.dataflows.dimensions import AGE, CHANNEL, CITIZEN, SEX
from asylstat.dataflows.stages import stage_on, withdrawals
from asylstat.derive import period_of, with_person
from asylstat.domains import Domain
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot

#: the reference withdrawal: the person's earliest in the month (then the lowest id)
EARLIEST_WITHDRAWAL = (("withdrawal_date", True), ("withdrawal_id", True))

#: type of withdrawal: EXPL, IMPL, UNK; TOTAL = EXPL + IMPL + UNK
WITHDR = Dimension("withdr")
#: national: the normalised kind, EXPLICIT, IMPLICIT or UNK
KIND = Dimension("kind")
#: national: the application's stage on the withdrawal date (asylstat.dataflows.stages)
STAGE = Dimension("stage")


def withdr_code(kind: ibis.StringValue) -> ibis.StringValue:
    """statistics.md, MIGR_ASYWITHM ``withdr``: EXPLICIT → EXPL, IMPLICIT → IMPL, any other
    (normalised) value → UNK."""
    return ibis.cases((kind == "EXPLICIT", "EXPL"), (kind == "IMPLICIT", "IMPL"), else_="UNK")


def withdrawn_in_period(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """Withdrawals dated in a period, joined to their as-of application (all channels). A
    withdrawal whose application is missing from the as-of view cannot be placed and is not
    counted (statistics.md, "Warehouse faults"): an inner join."""
    wd = withdrawals(snap)
    wd = wd.mutate(**{PERIOD: period_of(wd.withdrawal_date, periods)})
    wd = wd.filter(wd[PERIOD].notnull()).rename(_w_app="application_id")
    app = applications(snap).select("application_id", "person_id", "channel", "lodged_date")
    return wd.join(app, wd._w_app == app.application_id).drop("_w_app")


def withdrawn_persons(snap: Snapshot, periods: Sequence[Period],
                      scope: Scope = EUROSTAT_SCOPE) -> ibis.Table:
    """Withdrawals in each month (application channel ≠ RESETTLEMENT, unless ``scope`` is
    ``national``), whether or not the application had been lodged; the unit is the person,
    age at the withdrawal date."""
    wd = in_scope(withdrawn_in_period(snap, periods), scope)
    wd = wd.mutate(**{UNIT: wd.person_id}, withdr=withdr_code(wd.kind))
    return with_person(wd, snap, age_on="withdrawal_date")


ASYWITHM = CubeSpec(
    name="MIGR_ASYWITHM", title="Persons whose application was withdrawn (monthly)",
    definition=(
        "Persons with a withdrawal of an application for international protection "
        "(resettlement excluded) dated in the month, whether or not the application had been "
        "lodged; each person counts once, by the earliest withdrawal of the month (then the "
        "lowest id): its type (EXPL explicit, IMPL implicit, UNK any other recorded kind), "
        "the person's citizenship, sex and age at that withdrawal date."),
    kind="eurostat", freq="M", unit="PER", dimensions=(CITIZEN, SEX, AGE, WITHDR),
    records=withdrawn_persons, reference=EARLIEST_WITHDRAWAL)


def waived_applications(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """Withdrawals in the period (all channels) with the application's stage on the
    withdrawal date; the unit is the application."""
    wd = withdrawn_in_period(snap, periods)
    wd = stage_on(wd, snap, "withdrawal_date")
    return wd.mutate(**{UNIT: wd.application_id})


NAT_WAIVED = CubeSpec(
    name="NAT_WAIVED", title="Applications waived (withdrawn) by kind and stage",
    definition=(
        "Applications (not persons) withdrawn in the period, all channels (resettlement shown "
        "as its own channel), each counted once by its earliest withdrawal in the period "
        "(then the lowest id): by kind (EXPLICIT, IMPLICIT, UNK) and by the application's "
        "stage on the withdrawal date: NOT_LODGED, AWAIT_FIRST, FIRST_NOT_FINAL, "
        "APPEAL_PENDING, APPEAL_DECIDED (the stages of 'still being processed')."),
    kind="national", freq="M", due="months_and_run", unit="APP",
    dimensions=(KIND, STAGE, CHANNEL),
    records=waived_applications, reference=EARLIEST_WITHDRAWAL)

DOMAIN = Domain("withdrawals", "30_withdrawals.ipynb", tables=(ASYWITHM, NAT_WAIVED))
