"""Where an application stands on a given day: closed or open, and its stage in the procedure.

Shared by the pending and withdrawals domains (statistics.md, MIGR_ASYPENCTZM and the national
"still being processed" and "waived" tables). Everything is an Ibis expression evaluated in the
warehouse engine.

**Closure** (statistics.md, MIGR_ASYPENCTZM). An application is closed on the earliest of: any
``withdrawal_date`` of it, any ``final_date`` of a decision on it whose outcome is not
``ANNULLED`` (an annulment never closes an application), its ``dublin_closed_date``. It is
*open on day E* when ``lodged_date <= E`` and it is not closed on or before E.

**Stage on day E** (statistics.md, "Still being processed"), decided in this order:

``NOT_LODGED``      not lodged on or before E (only a withdrawal can meet this: "whether or not
                    the application had been lodged");
``APPEAL_PENDING``  an appeal of the application lodged on or before E whose appeal decision
                    (``appeal_decision_id``) is NULL, missing from the as-of view, or dated
                    after E;
``AWAIT_FIRST``     no first-instance decision dated on or before E, or the latest one (by
                    ``decision_date``, then highest ``decision_id``) annulled on appeal by E —
                    an appeal against *that* decision whose appeal decision is ``ANNULLED`` and
                    dated on or before E. Dublin determination included;
``FIRST_NOT_FINAL`` a first-instance decision dated on or before E (the latest), not annulled,
                    against which no appeal was lodged on or before E (for an open application
                    it is necessarily not final by E);
``APPEAL_DECIDED``  otherwise: the appeal against the latest first-instance decision has been
                    decided (not annulled) on or before E, but the case is not closed by E (the
                    appeal decision is not final yet). statistics.md names three stages; this
                    fourth keeps the breakdown a partition instead of hiding these cases.

A first-instance record with an ``ANNULLED`` outcome (which the contract allows only in appeal)
is not a first-instance decision here, as in MIGR_ASYDCFSTQ.
"""

from __future__ import annotations

import ibis

from asylstat.codes import contract_code
from asylstat.dataflows.common import applications
from asylstat.derive import union_all
from asylstat.warehouse.snapshot import Snapshot, shared

ANNULLED = "ANNULLED"
NOT_LODGED, APPEAL_PENDING, AWAIT_FIRST, FIRST_NOT_FINAL, APPEAL_DECIDED = (
    "NOT_LODGED", "APPEAL_PENDING", "AWAIT_FIRST", "FIRST_NOT_FINAL", "APPEAL_DECIDED")
STAGES = (NOT_LODGED, AWAIT_FIRST, FIRST_NOT_FINAL, APPEAL_PENDING, APPEAL_DECIDED)


@shared
def decisions(snap: Snapshot) -> ibis.Table:
    """The as-of decisions with ``instance`` and ``outcome`` normalised (contract code or UNK)."""
    dec = snap.view("decision")
    return snap.with_codes(dec, "decision",
                           instance=("instance", contract_code("decision", "instance")),
                           outcome=("outcome", contract_code("decision", "outcome")))


@shared
def withdrawals(snap: Snapshot) -> ibis.Table:
    """The as-of withdrawals with ``kind`` normalised (EXPLICIT, IMPLICIT or UNK)."""
    wd = snap.view("withdrawal")
    return snap.with_codes(wd, "withdrawal", kind=("kind", contract_code("withdrawal", "kind")))


@shared
def closure_dates(snap: Snapshot) -> ibis.Table:
    """``_closed_app, closed_date``: the earliest closing event of each application that has
    one (withdrawal, final non-annulled decision, Dublin closure)."""
    date = ibis.dtype("date")
    wd = withdrawals(snap)
    dec = decisions(snap)
    app = applications(snap)
    events = union_all(
        wd.select(_closed_app=wd.application_id, close=wd.withdrawal_date.cast(date)),
        dec.filter(dec.final_date.notnull(), dec.outcome != ANNULLED)
           .select(_closed_app="application_id", close=dec.final_date.cast(date)),
        app.filter(app.dublin_closed_date.notnull())
           .select(_closed_app="application_id", close=app.dublin_closed_date.cast(date)))
    return events.group_by("_closed_app").aggregate(closed_date=events.close.min())


def with_closure(app: ibis.Table, snap: Snapshot) -> ibis.Table:
    """``app`` (one row per application, with ``application_id``) plus ``closed_date`` (NULL
    when nothing closes it)."""
    closed = closure_dates(snap)
    return app.left_join(closed, app.application_id == closed._closed_app).drop("_closed_app")


def is_open_on(t: ibis.Table, day: ibis.DateValue) -> ibis.BooleanValue:
    """statistics.md: lodged on or before ``day`` and not closed on or before it."""
    return ((t.lodged_date <= day)
            & (t.closed_date.isnull() | (t.closed_date > day))).fill_null(False)


def _flag(table: ibis.Table, name: str) -> ibis.Table:
    """One row per ``(_k_app, _k_day)`` present in ``table``, with ``name`` = 1."""
    return table.group_by(["_k_app", "_k_day"]).aggregate(**{name: table.count().cast("int64")})


def stage_on(records: ibis.Table, snap: Snapshot, day: str) -> ibis.Table:
    """``records`` (with ``application_id``, ``lodged_date`` and the date column ``day``) plus
    ``stage``: where the application stands on that day (see the module docstring)."""
    keys = records.select(_k_app=records.application_id,
                          _k_day=records[day].cast(ibis.dtype("date"))).distinct()
    dec = decisions(snap)
    appeal = snap.table("appeal")
    ruling = dec.select(_r_id="decision_id", _r_date="decision_date", _r_outcome="outcome")
    appeals = appeal.left_join(ruling, appeal.appeal_decision_id == ruling._r_id).select(
        _a_app="application_id", _a_against="decision_id", _a_lodged="lodged_date",
        _r_date="_r_date", _r_outcome="_r_outcome")

    # an appeal lodged on or before the day and not decided by then
    pend = keys.join(appeals, keys._k_app == appeals._a_app)
    pend = pend.filter(pend._a_lodged <= pend._k_day,
                       pend._r_date.isnull() | (pend._r_date > pend._k_day))
    pending = _flag(pend, "_appeal_pending")

    # the latest first-instance decision dated on or before the day
    first = dec.filter(dec.instance == "FIRST", dec.outcome != ANNULLED).select(
        _f_app="application_id", _f_id="decision_id", _f_date="decision_date")
    latest = keys.join(first, keys._k_app == first._f_app)
    latest = latest.filter(latest._f_date <= latest._k_day)
    window = ibis.window(group_by=[latest._k_app, latest._k_day],
                         order_by=[latest._f_date.desc(), latest._f_id.desc()])
    latest = latest.mutate(_rank=ibis.row_number().over(window))
    latest = latest.filter(latest._rank == 0).select("_k_app", "_k_day", "_f_id")

    # appeals against that decision lodged by the day; those annulling it by the day
    against = latest.join(appeals, latest._f_id == appeals._a_against)
    against = against.filter(against._a_lodged <= against._k_day)
    appealed = _flag(against, "_appealed")
    annulled = _flag(against.filter(against._r_outcome == ANNULLED,
                                    against._r_date <= against._k_day), "_annulled")

    facts = keys
    for part in (pending, latest, appealed, annulled):
        renamed = part.rename(_j_app="_k_app", _j_day="_k_day")
        facts = facts.left_join(renamed, (facts._k_app == renamed._j_app)
                                & (facts._k_day == renamed._j_day)).drop("_j_app", "_j_day")
    facts = facts.mutate(_stage=ibis.cases(
        (facts._appeal_pending.notnull(), APPEAL_PENDING),
        (facts._f_id.isnull(), AWAIT_FIRST),
        (facts._annulled.notnull(), AWAIT_FIRST),
        (facts._appealed.isnull(), FIRST_NOT_FINAL),
        else_=APPEAL_DECIDED)).select("_k_app", "_k_day", "_stage")

    joined = records.left_join(facts, (records.application_id == facts._k_app)
                               & (records[day].cast(ibis.dtype("date")) == facts._k_day))
    lodged_by_then = (joined.lodged_date <= joined[day]).fill_null(False)
    return joined.mutate(stage=ibis.ifelse(lodged_by_then, joined._stage, NOT_LODGED)).drop(
        "_k_app", "_k_day", "_stage")
