"""Returns: persons ordered to leave and persons returned (statistics.md, "Returns";
Regulation 862/2007 art. 7(1)(c)–(d)) — MIGR_EIORD1, MIGR_EIRTN1, MIGR_EIRT_TYPE and
MIGR_EIRT_DEST for Eurostat (quarterly), FX_RDEC and FX_RET for Frontex (monthly, exact,
never published), and the national removal tables.

Return tables count **persons**, third-country nationals only. Each rule has one named home:

- which persons are third-country nationals: :func:`third_country_national`;
- which return decisions count: :func:`counted_return_decisions` (not withdrawn, of a
  third-country national);
- which departures follow a counted decision: :func:`departures_following_decision`
  (confirmed, a resolvable counted decision dated on or before the departure, of a
  third-country national, not to Belgium), and which of them are returns: :func:`returns`
  (a third-country or unknown destination: not another Dublin state);
- the codes: :data:`FRONTEX_GROUND`, :data:`RETURN_TYPE`, :func:`assistance_code`,
  :func:`destination_type`, :func:`destination_group` (national: a Dublin state apart);
- the age groups: :data:`RETURN_AGES`;
- the reference records: :data:`EARLIEST_DECISION`, :data:`LATEST_RETURN`,
  :data:`LATEST_DEPARTURE`;
- the national removal tables' choices (docs/methodology.md, "Returns"): persons by their
  earliest decision (NAT_RETURN_DECISIONS), by their latest departure (NAT_DEPARTURES), the
  reference decision's unaccompanied-minor flag (:func:`unaccompanied_on_decision`), and the
  cohort effective-return rate's cohorts (:func:`cohort_quarters`, :data:`COHORT_QUARTERS`) and
  "returned" (:func:`returned_by`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

import ibis

from asylstat.codes import UNK, contract_code, dublin_states, eurostat_citizen, eurostat_destination
from asylstat.cohorts import COHORT, ELAPSED, CohortRateSpec, elapsed_code
from asylstat.cube import PERIOD, UNIT, CountedTogether, CubeSpec, Dimension, Member, count_together
from asylstat.dataflows.dimensions import AGE, CITIZEN, SEX, SEX_TOTAL
from asylstat.declaration import TOTAL, UNPUBLISHED, Equals, Within
from asylstat.derive import AgeBands, period_of, persons, with_person
from asylstat.domains import Domain
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot, shared

#: statistics.md, "Returns": Y_LT14, Y14-17, Y18-34, Y_GE35 (35 or over), UNK; Y_LT18 is the
#: sub-total of the first two (the ``age`` dimension's parents)
RETURN_AGES = AgeBands((("Y_LT14", 0, 13), ("Y14-17", 14, 17), ("Y18-34", 18, 34),
                        ("Y_GE35", 35, None)))

#: the reference decision: the person's earliest counted decision in the period (lowest id)
EARLIEST_DECISION = (("decision_date", True), ("return_decision_id", True))
#: the reference return: the person's latest return in the period (highest id)
LATEST_RETURN = (("departure_date", False), ("departure_id", False))
#: NAT_DEPARTURES: the person's latest departure in the period (highest id), as for returns
LATEST_DEPARTURE = LATEST_RETURN
#: NAT_RETURN_RATE: the number of cohort quarters a run shows (the latest ended by the run's
#: end and the seven before it: up to seven quarters after a decision)
COHORT_QUARTERS = 8

#: statistics.md, FX_RDEC ``ground``: the contract's grounds → Frontex codes; any other
#: (normalised) value → UNK
FRONTEX_GROUND = {"IRREGULAR_STAY": "IRR", "IP_REJECTED": "IPR", "END_OF_STAY": "EOS",
                  "PUBLIC_ORDER": "PUB"}
#: statistics.md, ``c_rtn``: FORCED → ENF (enforced), VOLUNTARY → VOL; any other → UNK
RETURN_TYPE = {"FORCED": "ENF", "VOLUNTARY": "VOL"}

#: the destination codes of MIGR_EIRT_DEST
TO_CITIZENSHIP, TO_OTHER = "THRD_CTZ", "THRD_OTH"
#: the destination groups of NAT_DEPARTURES: the country of the person's citizenship,
#: another third country, a Dublin state other than Belgium (not a return), unknown (UNK)
TO_ORIGIN, TO_OTHER_THIRD, TO_DUBLIN = "ORIGIN", "OTHER_THIRD", "DUBLIN"

GROUND = Dimension("ground")
C_RTN = Dimension("c_rtn")
ASSIST = Dimension("assist")
C_DEST = Dimension("c_dest")
DEST_GROUP = Dimension("dest_group")


# ---------------------------------------------------------------- rules
#: the Eurostat code of Belgium: a departure to Belgium is no departure from it
BELGIUM = eurostat_citizen("BEL")


@cache
def dublin_state_codes() -> frozenset[str]:
    """The Eurostat codes of Belgium and the other Dublin states (EU 27, CH, IS, LI, NO): a
    citizenship or destination that maps to one of them is not a third country."""
    return frozenset(eurostat_citizen(iso3) for iso3 in dublin_states())


def third_country_national(citizen: ibis.StringValue) -> ibis.BooleanValue:
    """statistics.md, "Returns": a person whose citizenship (Eurostat code) is Belgium or
    another Dublin state is not a third-country national; unknown or invalid citizenship
    (``UNK``, a person missing from the warehouse included) is counted."""
    return ~citizen.isin(sorted(dublin_state_codes()))


def frontex_ground(raw: str | None) -> str:
    """FX_RDEC ``ground`` of a raw ``return_decision.ground`` (after normalisation)."""
    return FRONTEX_GROUND.get(contract_code("return_decision", "ground")(raw), UNK)


def return_type_code(raw: str | None) -> str:
    """``c_rtn`` of a raw ``return_departure.return_type`` (after normalisation)."""
    return RETURN_TYPE.get(contract_code("return_departure", "return_type")(raw), UNK)


def assistance_code(assisted: ibis.BooleanValue) -> ibis.StringValue:
    """statistics.md, ``assist``: true → AS, false → NAS, NULL → UNK."""
    return ibis.cases((assisted.isnull(), UNK), (assisted, "AS"), else_="NAS")


def destination_type(destination: ibis.StringValue,
                     citizen: ibis.StringValue) -> ibis.StringValue:
    """statistics.md, MIGR_EIRT_DEST ``c_dest`` from the destination's and the person's
    Eurostat codes: ``UNK`` when the destination is NULL or invalid; ``THRD_CTZ`` when it is
    the country of the person's citizenship; ``THRD_OTH`` otherwise, also when the
    citizenship is unknown."""
    return ibis.cases((destination == UNK, UNK),
                      ((destination == citizen) & (citizen != UNK), TO_CITIZENSHIP),
                      else_=TO_OTHER)


def destination_group(destination: ibis.StringValue,
                      citizen: ibis.StringValue) -> ibis.StringValue:
    """NAT_DEPARTURES ``dest_group`` from the destination's and the person's Eurostat codes:
    ``DUBLIN`` a Dublin state (never Belgium: :func:`departures_following_decision`), then as
    :func:`destination_type`: ``ORIGIN`` the country of the person's citizenship,
    ``OTHER_THIRD`` another third country (also when the citizenship is unknown), ``UNK``
    destination NULL or invalid."""
    kind = destination_type(destination, citizen)
    return ibis.cases((destination.isin(sorted(dublin_state_codes())), TO_DUBLIN),
                      (kind == TO_CITIZENSHIP, TO_ORIGIN), (kind == TO_OTHER, TO_OTHER_THIRD),
                      else_=UNK)


def unaccompanied_on_decision(records: ibis.Table) -> ibis.BooleanValue:
    """NAT_RETURN_UAM: the person's *reference* decision says the person was an
    unaccompanied minor when it was issued (``return_decision.unaccompanied_minor``)."""
    return records.unaccompanied_minor.fill_null(False)


# ---------------------------------------------------------------- record sets
@shared
def counted_return_decisions(snap: Snapshot) -> ibis.Table:
    """The return decisions that count (statistics.md, "Returns"), with the person's codes:
    not withdrawn (``withdrawn_date`` NULL as of ``as_of``: a decision withdrawn or annulled
    at any time is void), of a third-country national (a decision of a citizen of Belgium or
    another Dublin state is reported by ``dq.return.dublin_citizen`` and counted nowhere).
    Columns: the decision's, ``ground`` as its Frontex code, ``citizen``, ``sex``, and the
    person's ``birth_date`` for the ages."""
    rd = snap.view("return_decision")
    rd = rd.filter(rd.withdrawn_date.isnull())
    rd = snap.with_codes(rd, "return_decision", ground=("ground", frontex_ground))
    rd = _with_citizenship(rd, snap)
    return rd.filter(third_country_national(rd.citizen))


def _with_citizenship(records: ibis.Table, snap: Snapshot) -> ibis.Table:
    """``citizen`` of each record's person (``UNK`` when the person is missing), to decide
    who is a third-country national before anything is counted."""
    people = persons(snap).select(_pid="person_id", _citizen="citizen")
    joined = records.left_join(people, records.person_id == people._pid)
    return joined.mutate(citizen=joined._citizen.fill_null(UNK)).drop("_pid", "_citizen")


@shared
def departures_following_decision(snap: Snapshot) -> ibis.Table:
    """The departures that follow a counted return decision (statistics.md, "Returns"): what
    a return and a national departure (NAT_DEPARTURES) have in common. ``confirmed`` true;
    their return decision present in the warehouse as of ``as_of`` and counted
    (:func:`counted_return_decisions`); dated on or after that decision; of a third-country
    national; to a destination other than Belgium (reported by
    ``dq.return.departure_to_belgium``) — a Dublin state, a third country, or unknown (NULL or
    invalid). Every departure left out is reported by a data-quality rule
    (``checks/quality_rules``). Columns: the departure's, ``c_rtn``, ``assist``,
    ``destination`` (Eurostat code or UNK), ``citizen``."""
    dep = snap.view("return_departure")
    dep = dep.filter(dep.confirmed.fill_null(False))
    dep = snap.with_codes(dep, "return_departure",
                          c_rtn=("return_type", return_type_code),
                          destination=("destination_country", eurostat_destination))
    decisions = counted_return_decisions(snap).select(
        _rd_id="return_decision_id", _rd_date="decision_date")
    dep = dep.join(decisions, dep.return_decision_id == decisions._rd_id)
    dep = dep.filter(dep.departure_date >= dep._rd_date).drop("_rd_id", "_rd_date")
    dep = dep.filter(dep.destination != BELGIUM)
    dep = _with_citizenship(dep, snap)
    dep = dep.filter(third_country_national(dep.citizen))
    return dep.mutate(assist=assistance_code(dep.assisted))


@shared
def returns(snap: Snapshot) -> ibis.Table:
    """The departures that are returns to a third country (statistics.md, "Returns"): the
    departures following a counted decision (:func:`departures_following_decision`) to a
    destination that is not another Dublin state (NULL or invalid: counted, destination
    unknown). A departure to another Dublin state is not a return to a third country: it is
    counted only in the national table of departures (NAT_DEPARTURES). Same columns."""
    dep = departures_following_decision(snap)
    return dep.filter(~dep.destination.isin(sorted(dublin_state_codes())))


def persons_ordered_to_leave(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """Counted return decisions dated in a period, one row each, the unit the person, ``age``
    on the decision date (:data:`RETURN_AGES`)."""
    rd = counted_return_decisions(snap).drop("citizen")
    rd = rd.mutate(**{PERIOD: period_of(rd.decision_date, periods), UNIT: rd.person_id})
    rd = rd.filter(rd[PERIOD].notnull())
    return with_person(rd, snap, age_on="decision_date", ages=RETURN_AGES)


def persons_returned(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """Returns dated in a period, one row each, the unit the person, ``age`` on the departure
    date, ``c_dest`` from the destination and the person's citizenship."""
    dep = returns(snap).drop("citizen")
    dep = dep.mutate(**{PERIOD: period_of(dep.departure_date, periods), UNIT: dep.person_id})
    dep = dep.filter(dep[PERIOD].notnull())
    dep = with_person(dep, snap, age_on="departure_date", ages=RETURN_AGES)
    return dep.mutate(c_dest=destination_type(dep.destination, dep.citizen))


def persons_departed(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """NAT_DEPARTURES: departures following a counted decision
    (:func:`departures_following_decision`, Dublin states included) dated in a period, one
    row each, the unit the person, ``dest_group`` from the destination and the person's
    citizenship (:func:`destination_group`)."""
    dep = departures_following_decision(snap)
    dep = dep.mutate(**{PERIOD: period_of(dep.departure_date, periods), UNIT: dep.person_id,
                        DEST_GROUP.name: destination_group(dep.destination, dep.citizen)})
    return dep.filter(dep[PERIOD].notnull())


def cohort_quarters(run: Period) -> tuple[Period, ...]:
    """NAT_RETURN_RATE's cohorts for a run of ``run``: the :data:`COHORT_QUARTERS` quarters
    ending on or before the run's last day, oldest first (a monthly run of August: up to the
    second quarter, the last one complete)."""
    last = Period("Q", run.end.year, (run.end.month - 1) // 3 + 1)
    if last.end > run.end:
        last = last.previous()
    quarters = [last]
    while len(quarters) < COHORT_QUARTERS:
        quarters.insert(0, quarters[0].previous())
    return tuple(quarters)


def returned_after_decision(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """NAT_RETURN_RATE's records: counted return decisions dated in a cohort period (one of
    ``periods``), one row each, the unit the person, with ``elapsed``: the number of periods
    from the decision's to that of the person's first return (:func:`returns`) dated on or
    after the decision and at the latest on the last period's end (:func:`returned_by`);
    ``NONE`` when there is none. The reference record (:data:`EARLIEST_DECISION`) makes the
    person's earliest decision of the cohort period the one their return is counted from."""
    rd = counted_return_decisions(snap).select("return_decision_id", "person_id",
                                               "decision_date")
    rd = rd.mutate(**{PERIOD: period_of(rd.decision_date, periods)})
    rd = rd.filter(rd[PERIOD].notnull())
    ret = returns(snap).select(_pid="person_id", _departure="departure_date")
    joined = rd.left_join(ret, [rd.person_id == ret._pid,
                                *returned_by(ret._departure, rd.decision_date, periods[-1].end)])
    first = joined.group_by(["return_decision_id", "person_id", "decision_date", PERIOD]).aggregate(
        _first=joined._departure.min())
    return first.mutate(**{UNIT: first.person_id, COHORT.name: first[PERIOD],
                           ELAPSED.name: elapsed_code(first._first, first.decision_date,
                                                      periods)}).drop("_first")


def returned_by(departure: ibis.DateValue, decision: ibis.DateValue,
                last_day: date) -> list[ibis.BooleanValue]:
    """**Choice** (NAT_RETURN_RATE): a person of a cohort was returned when a return of theirs
    (:func:`returns`: following any counted decision of theirs) is dated on or after their
    reference decision in the cohort, whichever decision it followed, and at the latest on
    the last day observed."""
    return [departure >= decision, departure <= last_day]


# ---------------------------------------------------------------- Eurostat (quarterly)
_ORDERED_DEF = (
    "Third-country nationals with a return decision (order to leave) dated in the quarter, "
    "counted once by their earliest decision of the quarter (then the lowest id): its "
    "citizenship, sex and age on the decision date. Decisions withdrawn or annulled at any "
    "time up to the as-of instant are void; citizens of Belgium and of the other Dublin states "
    "(EU 27, CH, IS, LI, NO) are not counted.")
_RETURNED_DEF = (
    "Third-country nationals returned to a third country in the quarter: confirmed departures "
    "following a return decision that is in force (not withdrawn) and dated on or before the "
    "departure, to a country that is neither Belgium nor another Dublin state (or unknown). "
    "Each person counted once, by their latest return of the quarter (then the highest id).")

EIORD1 = CubeSpec(
    name="MIGR_EIORD1", title="Third-country nationals ordered to leave (quarterly)",
    definition=_ORDERED_DEF, kind="eurostat", freq="Q", unit="PER",
    dimensions=(CITIZEN, SEX, AGE), records=persons_ordered_to_leave,
    reference=EARLIEST_DECISION)

EIRTN1 = CubeSpec(
    name="MIGR_EIRTN1",
    title="Third-country nationals returned following an order to leave (quarterly)",
    definition=_RETURNED_DEF + " By citizenship, sex and age on the departure date.",
    kind="eurostat", freq="Q", unit="PER", dimensions=(CITIZEN, SEX, AGE),
    records=persons_returned, reference=LATEST_RETURN)

#: MIGR_EIRTN1's persons by citizenship (its sex and age margins)
_BY_CITIZENSHIP = {SEX.name: SEX_TOTAL, AGE.name: TOTAL}

EIRT_TYPE = CubeSpec(
    name="MIGR_EIRT_TYPE",
    title="Third-country nationals returned, by type of return and assistance (quarterly)",
    definition=(_RETURNED_DEF + " By type of return (ENF enforced, VOL voluntary) and "
                "assistance received (AS assisted, NAS not assisted, UNK not recorded), from "
                "the reference return."),
    kind="eurostat", freq="Q", unit="PER", dimensions=(CITIZEN, C_RTN, ASSIST),
    records=persons_returned, reference=LATEST_RETURN,
    invariants=(Equals(EIRTN1.name, fixed_inner={C_RTN.name: TOTAL, ASSIST.name: TOTAL},
                       fixed_outer=_BY_CITIZENSHIP),))

EIRT_DEST = CubeSpec(
    name="MIGR_EIRT_DEST",
    title="Third-country nationals returned, by type of destination (quarterly)",
    definition=(_RETURNED_DEF + " By destination of the reference return: THRD_CTZ the "
                "country of their citizenship, THRD_OTH another third country (also when the "
                "citizenship is unknown), UNK destination not recorded or invalid."),
    kind="eurostat", freq="Q", unit="PER", dimensions=(CITIZEN, C_DEST),
    records=persons_returned, reference=LATEST_RETURN,
    invariants=(Equals(EIRTN1.name, fixed_inner={C_DEST.name: TOTAL},
                       fixed_outer=_BY_CITIZENSHIP),))

RETURNED_TOGETHER = count_together(CountedTogether(
    records=persons_returned, reference=LATEST_RETURN,
    members=(Member(EIRTN1), Member(EIRT_TYPE), Member(EIRT_DEST))))

# ---------------------------------------------------------------- Frontex (monthly)
FX_RDEC = CubeSpec(
    name="FX_RDEC", title="Persons with a return decision, by ground (Frontex, monthly)",
    definition=("The persons of MIGR_EIORD1 with monthly periods, by citizenship and the "
                "ground of their earliest decision of the month: IRR irregular stay, IPR "
                "final rejection of an application for international protection, EOS end of "
                "a right of stay, PUB public order, UNK any other value. Exact figures for "
                "Frontex, never published by the unit."),
    kind="frontex", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, GROUND), records=persons_ordered_to_leave,
    reference=EARLIEST_DECISION)

FX_RET = CubeSpec(
    name="FX_RET", title="Persons returned, by type of return and assistance (Frontex, monthly)",
    definition=("The persons of MIGR_EIRTN1 with monthly periods (their latest return of the "
                "month), by citizenship, type of return and assistance. Exact figures for "
                "Frontex, never published by the unit."),
    kind="frontex", freq="M", due="months", unit="PER", disclosure=UNPUBLISHED,
    dimensions=(CITIZEN, C_RTN, ASSIST), records=persons_returned, reference=LATEST_RETURN)

# ---------------------------------------------------------------- national removal tables
NAT_RETURN_DECISIONS = CubeSpec(
    name="NAT_RETURN_DECISIONS", title="Persons ordered to leave, by ground",
    definition=(
        "Third-country nationals with a return decision (order to leave) dated in the period "
        "(each month of the run, then the run's own period), counted once per period by their "
        "earliest decision of the period (then the lowest id), by citizenship and that "
        "decision's ground: IRR irregular stay, IPR final rejection of an application for "
        "international protection, EOS end of a right of stay, PUB public order, UNK any other "
        "value. Decisions withdrawn or annulled at any time up to the as-of instant are void; "
        "citizens of Belgium and of the other Dublin states are not counted."),
    kind="national", freq="M", due="months_and_run", unit="PER",
    dimensions=(CITIZEN, GROUND), records=persons_ordered_to_leave,
    reference=EARLIEST_DECISION)

NAT_DEPARTURES = CubeSpec(
    name="NAT_DEPARTURES",
    title="Persons who left following an order to leave, by type, assistance and destination",
    definition=(
        "Third-country nationals with a confirmed departure in the period following a return "
        "decision in force (not withdrawn) dated on or before the departure, to any country "
        "but Belgium: each person counted once per period by their latest departure of the "
        "period (then the highest id), by its type (ENF enforced, VOL voluntary, UNK), "
        "assistance (AS, NAS, UNK not recorded) and destination: ORIGIN the country of the "
        "person's citizenship, OTHER_THIRD another third country (also when the citizenship "
        "is unknown), DUBLIN another Dublin state (EU 27, CH, IS, LI, NO: not a return to a "
        "third country, so not in the Eurostat return tables), UNK destination not recorded "
        "or invalid."),
    kind="national", freq="M", due="months_and_run", unit="PER",
    dimensions=(C_RTN, ASSIST, DEST_GROUP), records=persons_departed,
    reference=LATEST_DEPARTURE)

NAT_RETURN_UAM = CubeSpec(
    name="NAT_RETURN_UAM", title="Unaccompanied minors ordered to leave",
    definition=(
        "The persons of NAT_RETURN_DECISIONS whose reference decision (their earliest of the "
        "period) records that they were unaccompanied minors when it was issued, by "
        "citizenship and age on the decision date (Y_LT14, Y14-17, Y_LT18; an unaccompanied "
        "minor aged 18 or over is shown in Y18-34 or Y_GE35, as recorded)."),
    kind="national", freq="M", due="months_and_run", unit="PER", dimensions=(CITIZEN, AGE),
    records=persons_ordered_to_leave, reference=EARLIEST_DECISION,
    where_reference=unaccompanied_on_decision,
    invariants=(Within(NAT_RETURN_DECISIONS.name, fixed_inner={AGE.name: TOTAL},
                       fixed_outer={GROUND.name: TOTAL}),))

NAT_RETURN_RATE = CohortRateSpec(
    name="NAT_RETURN_RATE", title="Effective return rate of the persons ordered to leave",
    definition=(
        "For each cohort — the third-country nationals with a return decision dated in a "
        f"quarter (the persons of MIGR_EIORD1), the last {COHORT_QUARTERS} quarters ended by "
        "the end of the period — the share of its persons returned to a third country (a "
        "return of MIGR_EIRTN1's rule, dated on or after the person's earliest decision of "
        "the cohort quarter, whichever decision it followed) by the end of the quarter "
        "'elapsed' quarters after the cohort's (0: within the cohort quarter). In tenths of a "
        "percent (432 = 43.2 %), computed from the exact figures; observed at the end of the "
        "period (TIME_PERIOD): only quarters ended by then are shown. A departure to another "
        "Dublin state is not a return."),
    kind="national", freq="Q", records=returned_after_decision, cohorts=cohort_quarters,
    reference=EARLIEST_DECISION)

DOMAIN = Domain("returns", "60_returns.ipynb",
                tables=(EIORD1, EIRTN1, EIRT_TYPE, EIRT_DEST, FX_RDEC, FX_RET,
                        NAT_RETURN_DECISIONS, NAT_DEPARTURES, NAT_RETURN_UAM, NAT_RETURN_RATE))
