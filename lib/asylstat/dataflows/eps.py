"""The EUAA's Early warning and Preparedness System (EPS): EPS_APP, EPS_UAM, EPS_ACCESS,
EPS_WITH, EPS_DEC, EPS_PEND and EPS_DUB (statistics.md, "EUAA early warning and preparedness
system (EPS)"; file layout in outputs.md, ``transmission/euaa/``).

Every indicator is counted from the records of the Eurostat or national table it follows, with
the same reference record; where the EPS rule differs from Eurostat's, the difference has one
named home here and nothing else is copied:

- :func:`repeated_applicant` — ``applicant``: FRST as MIGR_ASYAPPCTZM, REP every other
  applicant (Eurostat's SSEQ counts only legally subsequent ones);
- :data:`EPS_STAGE` — withdrawals and pending cases at first instance only: the application
  awaits a first-instance decision on the day (the national stage rule,
  :func:`asylstat.dataflows.stages.stage_on`);
- :func:`six_month_split` — ``duration`` of EPS_PEND: under six months or six and more, from
  the national bands of time since lodging;
- :data:`EPS_STEPS` — the access steps under the EUAA's codes;
- :data:`EPS_REPLY` and :func:`outgoing_dublin_events` — the outgoing Dublin procedure as five
  event indicators, re-examinations included.

Exact figures for the EUAA, never published by the unit (``disclosure="unpublished"``);
``freq`` ``M``, made for every month of a monthly or quarterly run (``due="months"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis

from asylstat.cube import PERIOD, UNIT, CubeSpec, Dimension
from asylstat.dataflows.applications import (
    ASYAPPCTZM,
    ASYUMACTM,
    EARLIEST_LODGED,
    dated_steps,
    lodged_applicants,
)
from asylstat.dataflows.common import in_eurostat_scope
from asylstat.dataflows.decisions import ASYDCFSTQ, DECISION, LATEST_DECISION
from asylstat.dataflows.dimensions import CITIZEN
from asylstat.dataflows.dublin import replies, requests_sent, transfers, unilateral_decisions
from asylstat.dataflows.pending import ASYPENCTZM, EARLIEST_OPEN, pending_persons
from asylstat.dataflows.stages import AWAIT_FIRST, stage_on
from asylstat.dataflows.withdrawals import EARLIEST_WITHDRAWAL, WITHDR, withdrawn_persons
from asylstat.declaration import (
    TOTAL,
    UNPUBLISHED,
    Equals,
    RecipientWorkbook,
    Within,
    margins_of,
)
from asylstat.derive import union_all, with_citizen, with_person
from asylstat.domains import Domain
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot

# ---------------------------------------------------------------- the EPS rules

FIRST_TIME, REPEATED = "FRST", "REP"
#: the one stage in which EPS counts a withdrawal (on its date) and a pending case (on the
#: month's last day): awaiting a first-instance decision, Dublin determination included, and
#: again so once the latest first-instance decision has been annulled on appeal
EPS_STAGE = AWAIT_FIRST
#: EPS_ACCESS ``step``: the EUAA's code of each access step of the national table
EPS_STEPS = {"PRESENTED": "MADE", "REGISTERED": "REG", "LODGED": "LODG"}
#: EPS_PEND ``duration``: the national bands of time since lodging on E
#: (:data:`asylstat.dataflows.pending.PENDING_DURATION`) folded at six months
SIX_MONTHS = {"M_LT6": "M_LT6", "M6-11": "M_GE6", "M_GE12": "M_GE6"}
#: EPS_DUB ``indicator`` of a reply to an outgoing request, from its MIGR_DUBDO ``decision``
#: (explicit and implicit acceptances are both ACC)
EPS_REPLY = {"ACC_EXPL": "ACC", "ACC_IMPL": "ACC", "REJ": "REJ"}
#: EPS_DUB: the Dublin direction it follows (Belgium's requests to other states)
OUTGOING = "OUT"


def repeated_applicant(applicant: ibis.StringValue) -> ibis.StringValue:
    """statistics.md, EPS_APP ``applicant``: ``FRST`` exactly as MIGR_ASYAPPCTZM (no earlier
    lodged application of any channel); ``REP`` every other applicant of the month, whether
    Eurostat calls them subsequent (``SSEQ``) or neither (``NONE``, counted there in TOTAL
    only). So FRST + REP = TOTAL, where Eurostat has FRST + SSEQ <= TOTAL."""
    return ibis.ifelse(applicant == FIRST_TIME, FIRST_TIME, REPEATED)


def six_month_split(duration: ibis.StringValue) -> ibis.StringValue:
    """statistics.md, EPS_PEND ``duration``: ``M_LT6`` when E < lodged + 6 months, else
    ``M_GE6`` ("+ N months" as everywhere), read from the national band of the same
    application on E (:func:`asylstat.dataflows.pending.open_applications`), which is cut at
    exactly that day (:func:`asylstat.dataflows.pending.lodged_on_or_before`)."""
    return duration.substitute(SIX_MONTHS)


def awaiting_first_instance(records: ibis.Table) -> ibis.BooleanValue:
    """Whether the application of each record is in :data:`EPS_STAGE` (``stage``, from
    :func:`asylstat.dataflows.stages.stage_on`)."""
    return records.stage == EPS_STAGE


# ---------------------------------------------------------------- dimensions

#: FRST + REP = TOTAL: a partition, unlike Eurostat's ``applicant``
APPLICANT = Dimension("applicant")
#: a stratum: each step is a separate count of persons (no margin across steps)
STEP = Dimension("step", total=None)
#: M_LT6 + M_GE6 = TOTAL
DURATION = Dimension("duration")
#: a stratum: each indicator is a separate count of events
INDICATOR = Dimension("indicator", total=None)


# ---------------------------------------------------------------- records

def eps_applicants(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """The records of MIGR_ASYAPPCTZM (:func:`asylstat.dataflows.applications.lodged_applicants`)
    with the EPS ``applicant`` (:func:`repeated_applicant`)."""
    records = lodged_applicants(snap, periods)
    return records.mutate(applicant=repeated_applicant(records.applicant))


def access_steps(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """One row per application and access step dated in a month (the national registration
    table's records, :func:`asylstat.dataflows.applications.dated_steps`), resettlement
    excluded, with the EUAA's ``step`` code and the person's citizenship."""
    columns = [PERIOD, "step", "step_date", "application_id", "person_id", "channel"]
    steps = union_all(*(s.select(*columns) for s in dated_steps(snap, periods)))
    steps = steps.filter(in_eurostat_scope(steps))
    steps = steps.mutate(step=steps.step.substitute(EPS_STEPS), **{UNIT: steps.person_id})
    return with_person(steps, snap, age_on="step_date")


def withdrawn_awaiting_first(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """The withdrawals of MIGR_ASYWITHM (:func:`asylstat.dataflows.withdrawals.withdrawn_persons`)
    whose application awaits a first-instance decision on the withdrawal date."""
    records = stage_on(withdrawn_persons(snap, periods), snap, "withdrawal_date")
    return records.filter(awaiting_first_instance(records))


def pending_awaiting_first(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """The open applications of MIGR_ASYPENCTZM (:func:`asylstat.dataflows.pending.pending_persons`)
    that await a first-instance decision on the month's last day E, with the EPS
    ``duration``."""
    records = stage_on(pending_persons(snap, periods), snap, "period_end")
    records = records.filter(awaiting_first_instance(records))
    return records.mutate(duration=six_month_split(records.duration))


def outgoing_dublin_events(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """One row per outgoing Dublin event of a month, with its ``indicator`` and the citizenship
    of the person it concerns, from the records of the Dublin dataflows
    (:mod:`asylstat.dataflows.dublin`):

    ``REQ``    take-charge and take-back requests sent, re-examinations included (the records
               of MIGR_DUBRO and MIGR_DUBRRO), by ``request_date``;
    ``ACC``    explicit or implicit acceptances received (MIGR_DUBDO and MIGR_DUBDRO: reply
    ``REJ``    and reply date set), and rejections, by ``reply_date``;
    ``ART17``  unilateral decisions (MIGR_DUBDUNI), by ``decision_date``;
    ``TRF``    outgoing transfers (MIGR_DUBTO), by ``transfer_date``.

    Information requests and incoming requests are in none of them."""
    columns = [PERIOD, UNIT, "person_id"]
    parts = []
    for reexamination in (False, True):
        sent = requests_sent(snap, periods, OUTGOING, reexamination=reexamination)
        parts.append(sent.select(*columns, indicator=ibis.literal("REQ")))
        replied = replies(snap, periods, OUTGOING, reexamination=reexamination)
        parts.append(replied.select(*columns,
                                    indicator=replied.decision.substitute(EPS_REPLY)))
    unilateral = unilateral_decisions(snap, periods)
    parts.append(unilateral.select(*columns, indicator=ibis.literal("ART17")))
    moved = transfers(snap, periods, OUTGOING)
    parts.append(moved.select(*columns, indicator=ibis.literal("TRF")))
    return with_citizen(union_all(*parts), snap)


# ---------------------------------------------------------------- declarations

def _eurostat_total(spec: CubeSpec) -> dict[str, str]:
    """Every dimension of ``spec`` but ``citizen`` at its margin: the cells an EPS table's
    citizenship totals are checked against."""
    fixed = margins_of(spec, free=(CITIZEN.name,))
    if fixed is None:
        raise ValueError(f"{spec.name} has a stratum: no total by citizenship to compare with")
    return fixed


_EXACT = " Exact figures for the EUAA, never published by the unit."

EPS_APP = CubeSpec(
    name="EPS_APP", title="EPS: applicants, first-time and repeated (monthly)",
    definition=(
        "Persons who lodged an application for international protection in the month "
        "(resettlement excluded), counted once per month by their earliest application of the "
        "month, as in MIGR_ASYAPPCTZM: its citizenship. FRST: first-time, no earlier lodged "
        "application of any kind; REP: repeated, every other applicant of the month (whether "
        "or not the application is legally subsequent); TOTAL = FRST + REP, equal to "
        "MIGR_ASYAPPCTZM's total by citizenship." + _EXACT),
    kind="euaa", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, APPLICANT), records=eps_applicants, reference=EARLIEST_LODGED,
    invariants=(Equals(ASYAPPCTZM.name, fixed_inner={APPLICANT.name: TOTAL},
                       fixed_outer=_eurostat_total(ASYAPPCTZM)),))

EPS_UAM = CubeSpec(
    name="EPS_UAM", title="EPS: unaccompanied minor applicants (monthly)",
    definition=(
        "Applicants of EPS_APP whose earliest application of the month was lodged as an "
        "unaccompanied minor, as in MIGR_ASYUMACTM (whatever their recorded age), by "
        "citizenship; equal to MIGR_ASYUMACTM's total by citizenship." + _EXACT),
    kind="euaa", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN,), records=lodged_applicants, reference=EARLIEST_LODGED,
    where_reference=ASYUMACTM.where_reference,
    invariants=(Equals(ASYUMACTM.name, fixed_outer=_eurostat_total(ASYUMACTM)),))

EPS_ACCESS = CubeSpec(
    name="EPS_ACCESS", title="EPS: access to the procedure (monthly)",
    definition=(
        "Persons who made (MADE: presented), were registered (REG) or lodged (LODG) an "
        "application for international protection in the month (resettlement excluded), each "
        "step counted once per person by the date of that step (their earliest application "
        "of the step gives the citizenship); the steps are side by side, with no total across "
        "them." + _EXACT),
    kind="euaa", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, STEP), records=access_steps,
    reference=(("step_date", True), ("application_id", True)))

EPS_WITH = CubeSpec(
    name="EPS_WITH", title="EPS: withdrawals awaiting a first-instance decision (monthly)",
    definition=(
        "Persons whose application (resettlement excluded) was withdrawn in the month while "
        "awaiting a first-instance decision on the withdrawal date: lodged, no appeal "
        "pending, and no first-instance decision yet or the latest one annulled on appeal "
        "(Dublin determination included). Each person counts once, by the earliest such "
        "withdrawal of the month (then the lowest id): its type (EXPL, IMPL, UNK, as "
        "MIGR_ASYWITHM) and the person's citizenship." + _EXACT),
    kind="euaa", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, WITHDR), records=withdrawn_awaiting_first,
    reference=EARLIEST_WITHDRAWAL)

EPS_DEC = CubeSpec(
    name="EPS_DEC", title="EPS: first-instance decisions (monthly)",
    definition=(
        "Persons with a first-instance decision dated in the month, as MIGR_ASYDCFSTQ over a "
        "month: each person counts once, by the latest such decision of the month (then the "
        "highest id): POS_RFG, POS_SPROT, POS_HUM, NEG; POS = the three positive, TOTAL = POS "
        "+ NEG; by citizenship. A person decided in two months of a quarter counts in both, "
        "and once in MIGR_ASYDCFSTQ." + _EXACT),
    kind="euaa", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, DECISION), records=ASYDCFSTQ.records, reference=LATEST_DECISION)

EPS_PEND = CubeSpec(
    name="EPS_PEND", title="EPS: pending at first instance on the last day (monthly)",
    definition=(
        "Persons with an application (resettlement excluded) open on the last day E of the "
        "month, as for MIGR_ASYPENCTZM, and awaiting a first-instance decision on E (no "
        "appeal pending, no first-instance decision or the latest one annulled on appeal; "
        "Dublin determination included). Each person counts once, by the earliest lodged "
        "such application: its time since lodging on E, M_LT6 (E before the lodging date + 6 "
        "months) or M_GE6; TOTAL = M_LT6 + M_GE6, at most MIGR_ASYPENCTZM's total by "
        "citizenship." + _EXACT),
    kind="euaa", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, DURATION), records=pending_awaiting_first, reference=EARLIEST_OPEN,
    invariants=(Within(ASYPENCTZM.name, fixed_inner={DURATION.name: TOTAL},
                       fixed_outer=_eurostat_total(ASYPENCTZM)),),
    stock=True)

EPS_DUB = CubeSpec(
    name="EPS_DUB", title="EPS: outgoing Dublin procedure (monthly)",
    definition=(
        "Events of the outgoing Dublin procedure in the month, by the citizenship of the "
        "person concerned: REQ take-charge and take-back requests sent to another Dublin "
        "state (re-examinations included), by request date; ACC acceptances (explicit or "
        "implicit) and REJ rejections received to them, by reply date (reply and reply date "
        "both recorded); ART17 unilateral decisions under the sovereignty clause, by decision "
        "date; TRF transfers carried out, by transfer date. Requests for information and "
        "incoming requests are not counted. Events, not persons; the indicators are side by "
        "side, with no total across them." + _EXACT),
    kind="euaa", freq="M", due="months", unit="NR", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, INDICATOR), records=outgoing_dublin_events)

#: the EPS indicators, in the order of statistics.md
EPS_TABLES = (EPS_APP, EPS_UAM, EPS_ACCESS, EPS_WITH, EPS_DEC, EPS_PEND, EPS_DUB)

#: outputs.md: ``transmission/euaa/EPS_<PERIOD>.xlsx``, the same figures as the EUAA's monthly
#: workbook; a monthly run also recomputes the two months before its own (issue 13, item 3:
#: the EUAA accepts revised months) and lists what changed since they were transmitted
WORKBOOK = RecipientWorkbook(
    kind="euaa", stem="EPS", title="EUAA early warning and preparedness system (EPS), Belgium",
    code_order={APPLICANT.name: (TOTAL, FIRST_TIME, REPEATED),
                STEP.name: tuple(EPS_STEPS.values()),
                WITHDR.name: (TOTAL, "EXPL", "IMPL", "UNK"),
                DECISION.name: (TOTAL, "POS", "POS_RFG", "POS_SPROT", "POS_HUM", "NEG"),
                DURATION.name: (TOTAL, "M_LT6", "M_GE6"),
                INDICATOR.name: ("REQ", "ACC", "REJ", "ART17", "TRF")},
    revised_months=2)

DOMAIN = Domain("eps", "70_eps.ipynb", tables=EPS_TABLES, workbook=WORKBOOK)
