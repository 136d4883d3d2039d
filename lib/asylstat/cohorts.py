"""Cohort rates: the share of a cohort with an event by the end of each later period, declared
like a cube (:class:`CohortRateSpec`).

A cohort is the set of units whose reference record is dated in one period (a quarter); the
rate of cohort ``c`` after ``k`` periods is the share of its units whose event (a return, for
the returns domain) is dated by the end of the ``k``-th period after ``c`` (``k = 0``: by the
end of ``c`` itself), in tenths of a percent (unit ``PCT1``, :func:`asylstat.rates.
tenths_of_percent`, computed from the exact counts). A table is observed at the end of the
run's period: only the cells whose ``k``-th period has ended by then exist, so a run gives a
triangle (the latest cohort has one cell, the earliest one per cohort period).

The engine counts units per cohort and number of periods elapsed until their first event (a
small frequency table, :func:`asylstat.cube.count_query` with the declared reference record);
the cumulative shares are computed in Python with integer arithmetic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ibis
import pandas as pd

from asylstat.cube import PERIOD, Dimension, RecordsFn, count_query
from asylstat.declaration import EXACT, Disclosure, Due, Invariant
from asylstat.periods import Period
from asylstat.rates import tenths_of_percent
from asylstat.tables import Table, TableKind
from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

#: the cohort (the period of the reference record): a stratum, no margin across cohorts
COHORT = Dimension("cohort", total=None)
#: periods elapsed after the cohort's, ``0``, ``1``, …: a stratum (the rates are cumulative)
ELAPSED = Dimension("elapsed", total=None)
#: the ``elapsed`` code of a unit with no event by the end of the last cohort period
NO_EVENT = "NONE"


def run_period(periods: Sequence[Period]) -> Period:
    """The run's own period among the periods a run builds a national table for (each month
    of the run, then the run's period when longer: :func:`asylstat.domains.national_periods`):
    the one that ends last and, among those, is the longest."""
    return max(periods, key=lambda p: (p.end, p.n_months))


def period_index(day: ibis.DateValue, periods: Sequence[Period]) -> ibis.IntegerValue:
    """The position in ``periods`` of the period that holds ``day`` (0 for the first), else
    NULL."""
    cases = [((day >= p.start) & (day <= p.end), i) for i, p in enumerate(periods)]
    return ibis.cases(*cases, else_=ibis.null("int64")).cast("int64")


def elapsed_code(event_day: ibis.DateValue, reference_day: ibis.DateValue,
                 periods: Sequence[Period]) -> ibis.StringValue:
    """``elapsed`` of a record: the number of ``periods`` from the one holding
    ``reference_day`` to the one holding ``event_day``, as a code (``"0"``, ``"1"``…);
    :data:`NO_EVENT` when ``event_day`` is NULL or after the last period."""
    gap = period_index(event_day, periods) - period_index(reference_day, periods)
    return gap.cast("string").fill_null(NO_EVENT)


@dataclass(frozen=True)
class CohortRateSpec:
    """A table of cohort rates (module docstring), observed at the end of the run's period.

    ``cohorts(run)`` gives the cohort periods of a run of period ``run`` (oldest first, the
    last one ended by the run's end); ``records(snap, cohorts)`` gives one row per record
    with ``period`` and ``cohort`` (both the label of the cohort period that holds the record's
    date), ``unit_id``, ``elapsed`` (:func:`elapsed_code`, from that record) and the
    reference-order columns: each unit counts once per cohort by its reference record, and
    its ``elapsed`` is that record's."""

    name: str
    title: str
    definition: str
    kind: TableKind
    freq: str
    records: RecordsFn
    cohorts: Callable[[Period], tuple[Period, ...]]
    reference: tuple[tuple[str, bool], ...]
    unit: str = "PCT1"
    #: as :class:`asylstat.cube.CubeSpec`; a rate is computed from exact figures and published
    #: as computed (statistics.md, "Dissemination")
    due: Due = "months_and_run"
    disclosure: Disclosure = EXACT
    invariants: tuple[Invariant, ...] = ()
    #: as :class:`asylstat.cube.CubeSpec` (the builder's query is :func:`asylstat.cube.
    #: base_query`'s: one reference record per unit and cohort)
    where_reference: Callable[[ibis.Table], ibis.BooleanValue] | None = None

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return (COHORT, ELAPSED)

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def strata(self) -> tuple[str, ...]:
        """None: a unit's reference record is chosen once per cohort (the ``period``)."""
        return ()

    def build(self, snap: Snapshot, periods: Sequence[Period]) -> Table:
        return build_cohort_rates(self, snap, periods)


def cohort_rates(counts: pd.DataFrame, cohorts: Sequence[Period],
                 observed: str) -> pd.DataFrame:
    """The rates from the units counted per ``period`` (cohort), ``elapsed`` and ``n``: for
    each cohort with units and each ``k`` from 0 to the last cohort period, the units with an
    event at most ``k`` periods after the cohort's as a share of all its units. Columns
    ``cohort, elapsed, TIME_PERIOD`` (= ``observed``), ``OBS_VALUE`` (tenths of a percent)."""
    rows = []
    position = {p.label: i for i, p in enumerate(cohorts)}
    for label, part in counts.groupby(PERIOD, sort=True):
        size = int(part["n"].sum())
        gaps: dict[int, int] = {}
        for code, n in zip(part[ELAPSED.name], part["n"], strict=True):
            if code != NO_EVENT:
                gaps[int(code)] = gaps.get(int(code), 0) + int(n)
        for k in range(len(cohorts) - position[str(label)]):
            with_event = sum(n for gap, n in gaps.items() if gap <= k)
            rate = tenths_of_percent(with_event, size)
            if rate is not None:
                rows.append((str(label), str(k), observed, rate))
    columns = [COHORT.name, ELAPSED.name, "TIME_PERIOD", "OBS_VALUE"]
    data = pd.DataFrame(rows, columns=columns)
    data = data.astype({c: object for c in columns[:-1]}).astype({"OBS_VALUE": "int64"})
    return data.sort_values(columns[:-1], kind="stable").reset_index(drop=True)


def build_cohort_rates(spec: CohortRateSpec, snap: Snapshot,
                       periods: Sequence[Period]) -> Table:
    """``spec`` observed at the end of the run's period (:func:`run_period` of ``periods``)."""
    run = run_period(periods)
    cohorts = spec.cohorts(run)
    log.info("building %s for %s (cohorts %s to %s)", spec.name, run.label,
             cohorts[0].label, cohorts[-1].label)
    query = count_query(spec.records(snap, cohorts), [PERIOD, *spec.dimension_names],
                        spec.reference, spec.strata, spec.where_reference, name="n")
    counts = query.to_pyarrow().to_pandas()
    counts[PERIOD] = counts[PERIOD].astype(str)
    counts[ELAPSED.name] = counts[ELAPSED.name].astype(str)
    return Table(name=spec.name, title=spec.title, definition=spec.definition, kind=spec.kind,
                 freq=spec.freq, unit=spec.unit, dimensions=spec.dimension_names,
                 data=cohort_rates(counts, cohorts, run.label), disclosure=spec.disclosure)
