"""Output warnings (statistics.md, "Warehouse faults": checks whose result depends on the
warehouse's consistency are warnings): they never block transmission; they tell the
statistician what to look at before sending.

- **Stock–flow** (:func:`stock_flow_warnings`): per month and channel of NAT_STOCK_FLOW,
  OPEN_START + LODGED − CLOSED − OPEN_END, with its residual explained by DIFFERENCE
  (applications closed before they were lodged).
- **Decisions against pending and lodged** (:func:`decision_warnings`): the persons decided at
  first instance in a quarter cannot exceed the persons pending at the end of the previous
  month plus the persons who lodged in the quarter's months, in total and per citizenship.
- **Returns against return decisions** (:func:`return_warnings`): the persons returned in a
  quarter (MIGR_EIRTN1) against the persons ordered to leave in the last four quarters
  (MIGR_EIORD1, that quarter included), in total and per citizenship.
- **EPS decisions against the quarter** (:func:`monthly_decision_warnings`): EPS_DEC summed
  over the months of a quarter against MIGR_ASYDCFSTQ, per citizenship; they differ by the
  persons decided at first instance in two months of the quarter (counted in each month, once
  in the quarter), which the message explains.
- **Plausibility over time** (:func:`plausibility_warnings`): the headline total (every
  dimension at its margin) of each Eurostat table against the previous period and the same
  period a year earlier, flagged when the change exceeds both a relative and an absolute
  threshold (:class:`Thresholds`). Comparison periods outside the run are recomputed on the
  same warehouse as of the same ``as_of`` with the cube builder (statistics.md,
  "Comparisons"), so the series is consistent.

Every result has severity *warning*. Messages and examples carry aggregates only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from asylstat.checks import RuleResult
from asylstat.cube import CubeSpec, build_cube
from asylstat.dataflows.applications import ASYAPPCTZM
from asylstat.dataflows.decisions import ASYDCFSTQ
from asylstat.dataflows.dimensions import CHANNEL, CITIZEN
from asylstat.dataflows.eps import EPS_DEC
from asylstat.dataflows.pending import ASYPENCTZM, NAT_STOCK_FLOW
from asylstat.dataflows.returns import EIORD1, EIRTN1
from asylstat.declaration import margins_of
from asylstat.periods import Frequency, Period
from asylstat.rates import as_percent, change_tenths
from asylstat.tables import Table
from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5
#: the tables these warnings read, by their declarations
STOCK_FLOW = NAT_STOCK_FLOW.name
DECISIONS = ASYDCFSTQ.name
PENDING = ASYPENCTZM.name
APPLICANTS = ASYAPPCTZM.name
RETURNED = EIRTN1.name
ORDERED = EIORD1.name
#: the quarters of return decisions a quarter's returns are compared with (that quarter and
#: the three before it): most returns follow a decision of the last twelve months
RETURN_DECISION_QUARTERS = 4
MONTHLY_DECISIONS = EPS_DEC.name

#: (label of the comparison, how to get the compared period)
COMPARISONS: tuple[tuple[str, Callable[[Period], Period]], ...] = (
    ("previous period", Period.previous),
    ("same period a year earlier", Period.year_earlier),
)


@dataclass(frozen=True)
class Thresholds:
    """A change is flagged when it is larger than ``relative`` (a share of the earlier value)
    **and** than ``minimum`` units: small series swing widely without meaning anything."""

    relative: float = 0.5
    minimum: int = 20

    def flags(self, value: int, previous: int) -> bool:
        change = abs(value - previous)
        if change <= self.minimum:
            return False
        return previous == 0 or change > self.relative * previous

    def text(self, unit: str) -> str:
        return f"more than ±{self.relative:.0%} and more than {self.minimum} {unit}"


def _label(period: Period | str) -> str:
    return period if isinstance(period, str) else period.label


def parse_label(label: str, freq: Frequency) -> Period:
    return Period.parse(label, freq)


def _warning(rule: str, table: str, failures: Sequence[str], holds: str, breaks: str,
             count: int | None = None) -> RuleResult:
    n = len(failures) if count is None else count
    return RuleResult(rule=rule, severity="warning", status="fail" if failures else "pass",
                      count=n, message=(f"{n} {breaks}" if failures else holds), table=table,
                      examples=tuple(failures[:MAX_EXAMPLES]))


# ---------------------------------------------------------------- reading tables

def margin_codes(spec: CubeSpec) -> dict[str, str] | None:
    """The margin code of every dimension, or None when a dimension is a stratum (the table
    has no single headline total)."""
    return margins_of(spec)


def cells_at(table: Table, fixed: dict[str, str]) -> dict[tuple[str, ...], int]:
    """``{(free dimension codes…, TIME_PERIOD): value}`` for the rows matching ``fixed``
    (dimensions not in ``fixed`` stay free); a missing cell is zero."""
    frame = table.data
    for dim, code in fixed.items():
        frame = frame[frame[dim] == code]
    free = [d for d in table.dimensions if d not in fixed]
    return {tuple(row[:-1]): int(row[-1]) for row in
            frame[[*free, "TIME_PERIOD", "OBS_VALUE"]].itertuples(index=False, name=None)}


def headline(table: Table, spec: CubeSpec) -> dict[str, int]:
    """The headline total per period: every dimension at its margin."""
    margins = margin_codes(spec)
    if margins is None:
        return {}
    return {key[-1]: value for key, value in cells_at(table, margins).items()}


class ComparisonTables:
    """Tables for periods outside the run, recomputed on the same snapshot with the cube
    builder, and cached: each (table, periods) is built once."""

    def __init__(self, snap: Snapshot, specs: Callable[[str], CubeSpec]) -> None:
        self.snap = snap
        self.specs = specs
        self._built: dict[tuple[str, tuple[Period, ...]], Table] = {}

    def table(self, name: str, periods: Iterable[Period]) -> Table:
        """The table for (at least) ``periods``: a cached build that covers them, or a new
        one."""
        key = (name, tuple(sorted(set(periods))))
        for (built_name, built_periods), table in self._built.items():
            if built_name == name and set(key[1]) <= set(built_periods):
                return table
        if key not in self._built:
            log.info("recomputing %s for %s (comparison)", name,
                     ", ".join(p.label for p in key[1]))
            self._built[key] = build_cube(self.specs(name), self.snap, key[1])
        return self._built[key]


# ---------------------------------------------------------------- stock–flow

FLOW_MEASURES = ("OPEN_START", "LODGED", "CLOSED", "OPEN_END", "DIFFERENCE")


def stock_flow_warnings(tables: Iterable[Table]) -> list[RuleResult]:
    """For each month and channel of NAT_STOCK_FLOW: the residual OPEN_START + LODGED − CLOSED
    − OPEN_END. ``warn.stock_flow.balance`` flags a non-zero residual, with the number of
    applications closed before they were lodged (DIFFERENCE) that explains it;
    ``warn.stock_flow.explained`` flags a residual that DIFFERENCE does not explain (the
    tables would then be inconsistent with their own definitions)."""
    flow = next((t for t in tables if t.name == STOCK_FLOW), None)
    if flow is None:
        return []
    cells = cells_at(flow, {})  # (measure, channel, period) -> value
    groups = sorted({(channel, period) for (_, channel, period) in cells},
                    key=lambda g: (g[1], g[0] != CHANNEL.total, g[0]))
    unbalanced, unexplained = [], []
    for channel, period in groups:
        v = {m: cells.get((m, channel, period), 0) for m in FLOW_MEASURES}
        residual = v["OPEN_START"] + v["LODGED"] - v["CLOSED"] - v["OPEN_END"]
        where = f"{period}, channel {channel}"
        sums = (f"open at the start {v['OPEN_START']} + lodged {v['LODGED']} − closed "
                f"{v['CLOSED']} − open at the end {v['OPEN_END']} = {residual}")
        if residual != 0:
            unbalanced.append(
                f"{where}: {sums}; explained by {v['DIFFERENCE']} application(s) lodged in "
                "the month but closed before it began (closing date before lodging: see the "
                "data-quality rules on dates out of order)")
        if residual != v["DIFFERENCE"]:
            unexplained.append(f"{where}: {sums}, but DIFFERENCE = {v['DIFFERENCE']}")
    return [
        _warning("warn.stock_flow.balance", STOCK_FLOW, unbalanced,
                 "the pending stock reconciles: open at the start + lodged − closed = open at "
                 "the end, in every month and channel",
                 "month/channel cell(s) where open at the start + lodged − closed ≠ open at "
                 "the end; the residual is applications closed before they were lodged, a "
                 "warehouse fault"),
        _warning("warn.stock_flow.explained", STOCK_FLOW, unexplained,
                 "every stock–flow residual is explained by applications closed before they "
                 "were lodged (DIFFERENCE)",
                 "month/channel cell(s) where the stock–flow residual is not explained by "
                 "DIFFERENCE: check the pending and stock–flow definitions"),
    ]


# ---------------------------------------------------------------- decisions

def decision_warnings(tables: Iterable[Table], comparisons: ComparisonTables,
                      specs: Callable[[str], CubeSpec]) -> list[RuleResult]:
    """For each quarter of MIGR_ASYDCFSTQ in the run: persons decided (TOTAL decision, sex,
    age) ≤ persons pending at the end of the month before the quarter (MIGR_ASYPENCTZM) +
    persons who lodged in each month of the quarter (MIGR_ASYAPPCTZM, applicant TOTAL,
    summed over the months), in total and per citizenship. A decided person must have had an
    application open at the start of the quarter or lodged during it (the sum over months
    can only overstate the lodged side, so a failure is a real anomaly: decisions on
    applications the warehouse shows as closed, or persons whose citizenship changed)."""
    by_name = {t.name: t for t in tables}
    if DECISIONS not in by_name:
        return []
    by_citizen = {CITIZEN.name}
    decided = cells_at(by_name[DECISIONS], _totals(ASYDCFSTQ, free=by_citizen))
    quarters = sorted({key[-1] for key in decided})
    failures: list[str] = []
    checked = 0
    for label in quarters:
        quarter = parse_label(label, "Q")
        months = quarter.months()
        before = months[0].previous()
        pending = _table_for(PENDING, [before], by_name, comparisons)
        lodged = _table_for(APPLICANTS, months, by_name, comparisons)
        pend = cells_at(pending, _totals(ASYPENCTZM, free=by_citizen))
        lodg = cells_at(lodged, _totals(ASYAPPCTZM, free=by_citizen))
        citizens = sorted({k[0] for k in decided if k[-1] == label},
                          key=lambda c: c != CITIZEN.total)
        for citizen in citizens:
            checked += 1
            n_decided = decided.get((citizen, label), 0)
            n_pending = pend.get((citizen, before.label), 0)
            n_lodged = sum(lodg.get((citizen, m.label), 0) for m in months)
            if n_decided > n_pending + n_lodged:
                failures.append(
                    f"{label}, citizen {citizen}: {n_decided} persons decided at first instance"
                    f" > {n_pending} pending at the end of {before.label} + {n_lodged} lodged "
                    f"in {months[0].label}…{months[-1].label}")
    return [_warning(
        "warn.decisions.within_pending_and_lodged", DECISIONS, failures,
        f"holds in the {checked} quarter/citizenship cell(s) checked: persons decided at first "
        "instance ≤ persons pending at the end of the previous month + persons lodging in the "
        "quarter",
        "quarter/citizenship cell(s) with more persons decided at first instance than were "
        "pending at the start of the quarter or lodged during it")]


# ---------------------------------------------------------------- returns

def return_warnings(tables: Iterable[Table], comparisons: ComparisonTables) -> list[RuleResult]:
    """For each quarter of MIGR_EIRTN1 in the run: persons returned to a third country ≤
    persons ordered to leave in the last :data:`RETURN_DECISION_QUARTERS` quarters
    (MIGR_EIORD1, summed over the quarters), in total and per citizenship. Every return
    follows a counted decision dated on or before it, but that decision may be older than a
    year, and a person ordered to leave in two quarters counts in both: a failure is a
    pattern to look at (old decisions enforced, citizenships recorded differently on the
    decision and the departure), not an error."""
    by_name = {t.name: t for t in tables}
    if RETURNED not in by_name:
        return []
    by_citizen = {CITIZEN.name}
    returned = cells_at(by_name[RETURNED], _totals(EIRTN1, free=by_citizen))
    failures: list[str] = []
    checked = 0
    for label in sorted({key[-1] for key in returned}):
        quarters = [parse_label(label, "Q")]
        while len(quarters) < RETURN_DECISION_QUARTERS:
            quarters.insert(0, quarters[0].previous())
        ordered = cells_at(_table_for(ORDERED, quarters, by_name, comparisons),
                           _totals(EIORD1, free=by_citizen))
        citizens = sorted({k[0] for k in returned if k[-1] == label},
                          key=lambda c: c != CITIZEN.total)
        for citizen in citizens:
            checked += 1
            n_returned = returned.get((citizen, label), 0)
            n_ordered = sum(ordered.get((citizen, q.label), 0) for q in quarters)
            if n_returned > n_ordered:
                failures.append(
                    f"{label}, citizen {citizen}: {n_returned} persons returned > {n_ordered} "
                    f"ordered to leave in {quarters[0].label}…{quarters[-1].label}")
    return [_warning(
        "warn.returns.within_recent_decisions", RETURNED, failures,
        f"holds in the {checked} quarter/citizenship cell(s) checked: persons returned ≤ "
        f"persons ordered to leave in the last {RETURN_DECISION_QUARTERS} quarters",
        "quarter/citizenship cell(s) with more persons returned than were ordered to leave in "
        f"the last {RETURN_DECISION_QUARTERS} quarters (returns on older decisions, or "
        "citizenships recorded differently): worth a look before sending")]


# ---------------------------------------------------------------- EPS decisions

def monthly_decision_warnings(tables: Iterable[Table]) -> list[RuleResult]:
    """For each quarter of MIGR_ASYDCFSTQ, when the run made EPS_DEC too (a quarterly run
    makes it for the quarter's three months): the persons of EPS_DEC (decision TOTAL) summed
    over the months against the persons of MIGR_ASYDCFSTQ, in total and per citizenship. A
    person decided at first instance in two months of the quarter counts in each month's
    EPS_DEC and once in the quarter, so the sum is at least the quarter's and exceeds it by
    such persons: a difference is flagged with that explanation (a warning: nothing is
    wrong), and a sum *below* the quarter's, which no warehouse can cause, is named as such in
    the examples."""
    by_name = {t.name: t for t in tables}
    if DECISIONS not in by_name or MONTHLY_DECISIONS not in by_name:
        return []
    by_citizen = {CITIZEN.name}
    quarterly = cells_at(by_name[DECISIONS], _totals(ASYDCFSTQ, free=by_citizen))
    monthly = cells_at(by_name[MONTHLY_DECISIONS], _totals(EPS_DEC, free=by_citizen))
    failures: list[str] = []
    checked = 0
    for label in sorted({key[-1] for key in quarterly}):
        months = parse_label(label, "Q").months()
        citizens = sorted({k[0] for k in quarterly if k[-1] == label}
                          | {k[0] for k in monthly if k[-1] in {m.label for m in months}},
                          key=lambda c: c != CITIZEN.total)
        for citizen in citizens:
            checked += 1
            n_quarter = quarterly.get((citizen, label), 0)
            n_months = sum(monthly.get((citizen, m.label), 0) for m in months)
            if n_months > n_quarter:
                failures.append(
                    f"{label}, citizen {citizen}: {n_months} persons decided in "
                    f"{months[0].label}…{months[-1].label} ({MONTHLY_DECISIONS}, summed) > "
                    f"{n_quarter} in the quarter ({DECISIONS}): {n_months - n_quarter} "
                    "decided in two or more months of the quarter")
            elif n_months < n_quarter:
                failures.append(
                    f"{label}, citizen {citizen}: {n_months} persons decided in the months < "
                    f"{n_quarter} in the quarter: impossible by the definitions, check both "
                    "tables")
    return [_warning(
        "warn.eps.decisions_over_the_quarter", MONTHLY_DECISIONS, failures,
        f"holds in the {checked} quarter/citizenship cell(s) checked: the persons of "
        f"{MONTHLY_DECISIONS} summed over the quarter's months equal {DECISIONS}'s",
        f"quarter/citizenship cell(s) where {MONTHLY_DECISIONS} summed over the months differs "
        f"from {DECISIONS}: expected when persons were decided at first instance in two months "
        "of the quarter (counted in each month for the EUAA, once in the quarter for "
        "Eurostat); the difference is the number of such persons")]


def _totals(spec: CubeSpec, free: set[str]) -> dict[str, str]:
    """Every dimension of ``spec`` but the ``free`` ones at its margin."""
    fixed = margins_of(spec, free=tuple(free))
    if fixed is None:
        raise ValueError(f"{spec.name} has a stratum: no margin to read")
    return fixed


def _table_for(name: str, periods: Sequence[Period], by_name: dict[str, Table],
               comparisons: ComparisonTables) -> Table:
    """The run's table when it holds every period asked for, else a recomputed one."""
    table = by_name.get(name)
    if table is not None and {p.label for p in periods} <= set(table.data["TIME_PERIOD"]):
        return table
    return comparisons.table(name, periods)


# ---------------------------------------------------------------- plausibility

@dataclass(frozen=True)
class Comparison:
    """One headline total against one earlier period (aggregates only)."""

    table: str
    period: str
    against: str
    compared_period: str
    value: int
    previous: int
    flagged: bool
    threshold: str = field(default="")

    @property
    def change(self) -> int:
        return self.value - self.previous

    @property
    def change_pct(self) -> float | None:
        return as_percent(change_tenths(self.value, self.previous))

    def text(self) -> str:
        pct = "" if self.change_pct is None else f", {self.change_pct:+.1f} %"
        return (f"{self.table} {self.period}: {self.value} against {self.previous} in "
                f"{self.compared_period} ({self.against}): {self.change:+d}{pct}")

    def as_dict(self) -> dict[str, object]:
        return {"table": self.table, "period": self.period, "against": self.against,
                "compared_period": self.compared_period, "value": self.value,
                "previous": self.previous, "change": self.change,
                "change_pct": self.change_pct, "flagged": self.flagged,
                "threshold": self.threshold}


UNIT_WORDS = {"PER": "persons", "NR": "events", "APP": "applications"}


def compare_headlines(tables: Iterable[Table], comparisons: ComparisonTables,
                      specs: Callable[[str], CubeSpec],
                      thresholds: Thresholds) -> list[Comparison]:
    """Every Eurostat table's headline total in each period of the run against the previous
    period and the same period a year earlier (for a year, these are one comparison)."""
    out: list[Comparison] = []
    for table in tables:
        if table.kind != "eurostat":
            continue
        spec = specs(table.name)
        current = headline(table, spec)
        periods = sorted({parse_label(p, spec.freq)  # type: ignore[arg-type]
                          for p in table.data["TIME_PERIOD"]})
        if not periods:
            continue
        earlier = {how(p) for p in periods for _, how in COMPARISONS}
        missing = sorted(e for e in earlier if e.label not in current)
        known = dict(current)
        if missing:
            known.update(headline(comparisons.table(table.name, missing), spec))
        unit = UNIT_WORDS.get(table.unit, table.unit)
        for period in periods:
            compared: set[Period] = set()
            for against, how in COMPARISONS:
                other = how(period)
                if other in compared:  # a year: the previous period is the year earlier
                    continue
                compared.add(other)
                value, previous = known.get(period.label, 0), known.get(other.label, 0)
                out.append(Comparison(
                    table=table.name, period=period.label, against=against,
                    compared_period=other.label, value=value, previous=previous,
                    flagged=thresholds.flags(value, previous),
                    threshold=thresholds.text(unit)))
    return out


def plausibility_warnings(found: Sequence[Comparison]) -> list[RuleResult]:
    """One result per table and kind of comparison: how many of its periods changed beyond
    the thresholds, with the context a statistician needs."""
    results = []
    keys = sorted({(c.table, c.against) for c in found})
    for table, against in keys:
        mine = [c for c in found if (c.table, c.against) == (table, against)]
        flagged = [c.text() for c in mine if c.flagged]
        kind = "previous" if against == "previous period" else "year_earlier"
        threshold = mine[0].threshold
        results.append(_warning(
            f"warn.plausibility.{kind}.{table}", table, flagged,
            f"no period's headline total changed by {threshold} against the {against} "
            f"({'; '.join(c.text() for c in mine)})",
            f"period(s) where the headline total changed by {threshold} against the "
            f"{against}: " + "; ".join(flagged)))
    return results


# ---------------------------------------------------------------- all of them

@dataclass(frozen=True)
class WarningReport:
    results: tuple[RuleResult, ...]
    comparisons: tuple[Comparison, ...]

    def public(self) -> dict[str, object]:
        return {"comparisons": [c.as_dict() for c in self.comparisons]}


def output_warnings(tables: Sequence[Table], snap: Snapshot,
                    specs: Callable[[str], CubeSpec],
                    thresholds: Thresholds | None = None) -> WarningReport:
    """Every output warning on the run's tables; comparison periods are recomputed on
    ``snap`` (the run's warehouse as of its ``as_of``)."""
    comparisons = ComparisonTables(snap, specs)
    headlines = compare_headlines(tables, comparisons, specs, thresholds or Thresholds())
    results = [*stock_flow_warnings(tables), *decision_warnings(tables, comparisons, specs),
               *monthly_decision_warnings(tables), *return_warnings(tables, comparisons),
               *plausibility_warnings(headlines)]
    failed = sum(r.status == "fail" for r in results)
    log.info("output warnings: %d checks, %d flagged", len(results), failed)
    return WarningReport(results=tuple(results), comparisons=tuple(headlines))
