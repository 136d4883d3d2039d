"""Pending applications: MIGR_ASYPENCTZM (statistics.md, "International protection") and the
national tables "still being processed" (NAT_STILL_PROCESSED) and the monthly stock–flow
reconciliation (NAT_STOCK_FLOW)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import ibis

from asylstat.cube import PERIOD, UNIT, CubeSpec, Dimension
from asylstat.dataflows.common import EUROSTAT_SCOPE, Scope, applications, in_scope
from asylstat.dataflows.dimensions import AGE, CHANNEL, CITIZEN, SEX
from asylstat.dataflows.stages import is_open_on, stage_on, with_closure
from asylstat.derive import union_all, with_person
from asylstat.domains import Domain
from asylstat.periods import Period, add_months
from asylstat.warehouse.snapshot import Snapshot

#: the reference application of a pending person: the open one lodged earliest (lowest id)
EARLIEST_OPEN = (("lodged_date", True), ("application_id", True))

#: national breakdowns of this domain
STAGE = Dimension("stage")
#: time since lodging on day E: M_LT6, M6-11 (6 to under 12 months), M_GE12
PENDING_DURATION = Dimension("duration")
#: a stratum: each measure is a separate count of applications, side by side
MEASURE = Dimension("measure", total=None,
                    reading_order=("OPEN_START", "LODGED", "CLOSED", "OPEN_END", "DIFFERENCE"))


def lodged_on_or_before(end: date, months: int) -> date:
    """The latest lodging date ``d`` with ``d + months <= end`` ("+ N months" of statistics.md,
    :func:`asylstat.periods.add_months`). Since ``d + N months`` never decreases with ``d``, an
    application lodged on ``d`` has been pending ``months`` months or more on ``end`` exactly
    when ``d <= lodged_on_or_before(end, months)``."""
    day = add_months(end, -months)
    while add_months(day + timedelta(days=1), months) <= end:
        day += timedelta(days=1)
    return day


def stock_days(periods: Sequence[Period]) -> ibis.Table:
    """``period, period_end, cut6, cut12``: each period's last day E and the latest lodging
    dates that make 6 and 12 months of pendency on E (a small in-memory table)."""
    return ibis.memtable(
        {"period": [p.label for p in periods], "period_end": [p.end for p in periods],
         "cut6": [lodged_on_or_before(p.end, 6) for p in periods],
         "cut12": [lodged_on_or_before(p.end, 12) for p in periods]},
        schema={"period": "string", "period_end": "date", "cut6": "date", "cut12": "date"})


def open_applications(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """One row per application open on the last day E of each period (all channels), with
    ``period``, ``period_end``, ``closed_date`` and ``duration`` since lodging on E."""
    app = with_closure(applications(snap), snap)
    days = stock_days(periods)
    stock = app.cross_join(days)
    stock = stock.filter(is_open_on(stock, stock.period_end))
    return stock.mutate(duration=ibis.cases(
        (stock.lodged_date <= stock.cut12, "M_GE12"),
        (stock.lodged_date <= stock.cut6, "M6-11"),
        else_="M_LT6")).drop("cut6", "cut12")


def pending_persons(snap: Snapshot, periods: Sequence[Period],
                    scope: Scope = EUROSTAT_SCOPE) -> ibis.Table:
    """Open applications on each month's last day (channel ≠ RESETTLEMENT, unless ``scope``
    is ``national``), with the person's citizenship, sex and age on that last day; the unit
    is the person."""
    stock = in_scope(open_applications(snap, periods), scope)
    stock = stock.mutate(**{UNIT: stock.person_id})
    return with_person(stock, snap, age_on="period_end")


ASYPENCTZM = CubeSpec(
    name="MIGR_ASYPENCTZM",
    title="Persons with pending applications at the end of the month (monthly)",
    definition=(
        "Persons with at least one application for international protection (resettlement "
        "excluded) open on the last day E of the month, all instances together. An "
        "application is open on E when lodged on or before E and not closed on or before E; "
        "it is closed on the earliest of a withdrawal, the final date of a decision that is "
        "not an annulment, and a Dublin closure. Each person counts once, by the open "
        "application lodged earliest (citizenship, sex, age on E)."),
    kind="eurostat", freq="M", unit="PER", dimensions=(CITIZEN, SEX, AGE),
    records=pending_persons, reference=EARLIEST_OPEN,
    stock=True)


# ---------------------------------------------------------------- national tables

def still_processed(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """Applications open on day E (all channels), with their stage on E
    (:mod:`asylstat.dataflows.stages`) and time since lodging."""
    stock = open_applications(snap, periods)
    stock = stage_on(stock, snap, "period_end")
    return stock.mutate(**{UNIT: stock.application_id})


NAT_STILL_PROCESSED = CubeSpec(
    name="NAT_STILL_PROCESSED", title="Applications still being processed on the last day",
    definition=(
        "Applications (not persons) open on the last day E of the period, as for "
        "MIGR_ASYPENCTZM but resettlement included as its own channel, by stage on E: "
        "AWAIT_FIRST (no first-instance decision by E, or the latest one annulled on appeal; "
        "Dublin determination included), FIRST_NOT_FINAL (first-instance decision by E, no "
        "appeal lodged against it by E), APPEAL_PENDING (an appeal lodged by E and not decided "
        "by E), APPEAL_DECIDED (appeal decided by E, not yet final); and by time since lodging "
        "on E: M_LT6 (under 6 months), M6-11 (6 to under 12), M_GE12 (12 or more), where N "
        "months are reached on the same day number N months later (or the month's last day)."),
    kind="national", freq="M", due="months_and_run", unit="APP",
    dimensions=(STAGE, PENDING_DURATION, CHANNEL),
    records=still_processed,
    stock=True)


def stock_flow_records(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """One row per application and measure of each month (all channels):

    ``OPEN_START`` open on the last day of the previous month;
    ``LODGED``     lodged in the month;
    ``CLOSED``     closing date in the month and lodged on or before the month's last day;
    ``OPEN_END``   open on the last day of the month;
    ``DIFFERENCE`` lodged in the month with a closing date before the month began.

    Each of the first four is counted by its own definition, so
    OPEN_START + LODGED − CLOSED − OPEN_END is a genuine check; working through the cases
    (an application lodged before the month, in the month, closed before, in or after it)
    shows that this residual is exactly the number of DIFFERENCE applications: a warehouse
    fault (closed before it was lodged), zero when every closure follows its lodging.
    """
    app = with_closure(applications(snap), snap)
    months = ibis.memtable(
        {"period": [p.label for p in periods], "month_start": [p.start for p in periods],
         "month_end": [p.end for p in periods],
         "previous_end": [p.start - timedelta(days=1) for p in periods]},
        schema={"period": "string", "month_start": "date", "month_end": "date",
                "previous_end": "date"})
    rows = app.cross_join(months)
    lodged_in = ((rows.lodged_date >= rows.month_start)
                 & (rows.lodged_date <= rows.month_end)).fill_null(False)
    closed_in = ((rows.closed_date >= rows.month_start) & (rows.closed_date <= rows.month_end)
                 & (rows.lodged_date <= rows.month_end)).fill_null(False)
    faulty = (lodged_in & (rows.closed_date < rows.month_start)).fill_null(False)
    measures = {"OPEN_START": is_open_on(rows, rows.previous_end), "LODGED": lodged_in,
                "CLOSED": closed_in, "OPEN_END": is_open_on(rows, rows.month_end),
                "DIFFERENCE": faulty}
    parts = [rows.filter(condition).mutate(measure=ibis.literal(name))
             .select(PERIOD, "measure", "channel", "application_id")
             for name, condition in measures.items()]
    union = union_all(*parts)
    return union.mutate(**{UNIT: union.application_id})


NAT_STOCK_FLOW = CubeSpec(
    name="NAT_STOCK_FLOW", title="Stock–flow reconciliation of pending applications (monthly)",
    definition=(
        "Applications, not persons: a person counts once in a stock however many applications "
        "are open, but can lodge and close several in a month, so only applications add up. "
        "Per month and channel (resettlement included): OPEN_START open on the last day of "
        "the previous month, LODGED lodged in the month, CLOSED closed in the month (earliest "
        "of withdrawal, final non-annulled decision, Dublin closure) having been lodged by the "
        "month's end, OPEN_END open on the last day. OPEN_START + LODGED − CLOSED = OPEN_END "
        "holds exactly except for applications closed before they were lodged (a warehouse "
        "fault): DIFFERENCE = OPEN_START + LODGED − CLOSED − OPEN_END counts them."),
    kind="national", freq="M", due="months", unit="APP", dimensions=(MEASURE, CHANNEL),
    records=stock_flow_records,
    stock=True)


DOMAIN = Domain("pending", "20_pending.ipynb",
                tables=(ASYPENCTZM, NAT_STILL_PROCESSED, NAT_STOCK_FLOW))
