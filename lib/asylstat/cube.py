"""One generic cube builder: person-level (or event-level) records → a full cube with margins.

A dataflow is a declaration (:class:`CubeSpec`): which records, which unit, which reference
record places a unit in the cells, and which dimensions. The builder

1. selects, in the engine, the reference record of each unit in each period (the first row
   by the declared order: ``ORDER BY ...`` with a final tie-break on the record id),
2. counts, in the engine, units per period and base code of every dimension,
3. rolls the small base table up into every margin the dimensions declare (``TOTAL``, ``T``,
   sub-totals such as ``Y_LT18`` or ``POS``), with integer arithmetic,
4. drops zero cells and sorts (statistics.md, "Cells").

Because each unit has exactly one reference record per period, the sum over base cells equals
the number of distinct units, so rolled-up margins count every unit once.

Base counts are kept on the snapshot per table and period (:func:`counted`): a period is
counted once per snapshot, whoever asks for it (the domain tables, the report's tables of
earlier periods, the output warnings' comparisons). Tables declared together
(:class:`CountedTogether`: the outgoing and incoming Dublin tables of one declaration, the
applicant tables sharing their records) are counted in one engine query and split in pandas.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import ibis
import pandas as pd

from asylstat.declaration import TOTAL, Disclosure, Due, Invariant
from asylstat.derive import union_all
from asylstat.periods import Period
from asylstat.tables import Table, TableKind
from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

PERIOD = "period"
UNIT = "unit_id"


@dataclass(frozen=True)
class Dimension:
    """A breakdown: the output column ``name`` computed from base codes in the records.

    ``parents`` maps a base code to the margins it also counts in, besides itself and the
    total (for ``age``: ``{"Y_LT14": ("Y_LT18",), "Y14-17": ("Y_LT18",)}``). ``hidden`` base
    codes are counted in margins only, never shown as a cell of their own (a person who is
    neither first-time nor subsequent counts only in ``applicant = TOTAL``).
    """

    name: str
    #: the margin code; ``None`` makes the dimension a *stratum*: separate counts side by side
    #: (a unit is counted once within each value), with no margin across them
    total: str | None = TOTAL
    parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    #: False when the total is not the sum of the parts (``applicant``: FRST + SSEQ <= TOTAL)
    partition: bool = True
    #: the order a reader takes the base codes in, in views such as the notebooks' pivots
    #: (:mod:`asylstat.pivot`): a stock before its flows; codes not listed follow in ASCII
    #: order. It changes no figure and no file.
    reading_order: tuple[str, ...] = ()

    def rollup(self, base_code: str) -> tuple[str, ...]:
        own = () if base_code in self.hidden else (base_code,)
        total = () if self.total is None else (self.total,)
        return (*own, *self.parents.get(base_code, ()), *total)

    @property
    def margins(self) -> frozenset[str]:
        """Codes that are margins or sub-totals rather than base codes."""
        subtotals = {p for parents in self.parents.values() for p in parents}
        return frozenset(subtotals | ({self.total} if self.total else set()))

    def partitions(self) -> dict[str, tuple[str, ...] | None]:
        """Each margin that is the sum of its parts → those parts; ``None`` stands for "every
        base code" (used by validation, which recomputes the sums from the output)."""
        sums: dict[str, tuple[str, ...] | None] = {}
        if self.total is not None and self.partition:
            sums[self.total] = None
        for child, parents in self.parents.items():
            for parent in parents:
                previous = sums.get(parent) or ()
                sums[parent] = (*previous, child)
        return sums


#: records(snapshot, periods) → an Ibis table with ``period``, ``unit_id``, one column per
#: dimension (its base code) and the reference-order columns
RecordsFn = Callable[[Snapshot, Sequence[Period]], ibis.Table]


@dataclass(frozen=True)
class CubeSpec:
    """The declaration of one table."""

    name: str
    title: str
    definition: str
    kind: TableKind
    freq: str
    unit: str
    dimensions: tuple[Dimension, ...]
    records: RecordsFn
    #: the order that makes a unit's first record its reference record (None: every record is
    #: counted, for event tables). Each item is ``(column, ascending)``.
    reference: tuple[tuple[str, bool], ...] | None = None
    #: a condition on the reference record for the unit to be counted at all (MIGR_ASYUMACTM:
    #: persons whose *reference* application is an unaccompanied minor's)
    where_reference: Callable[[ibis.Table], ibis.BooleanValue] | None = None
    #: which periods a run makes it for (:data:`asylstat.declaration.Due`)
    due: Due = "frequency"
    #: ``rounded`` for the public, or published ``exact`` (:mod:`asylstat.declaration`)
    disclosure: Disclosure = "rounded"
    #: what its cells satisfy beyond their margins (checked by :mod:`asylstat.checks.outputs`)
    invariants: tuple[Invariant, ...] = ()
    #: True when it counts what stands on each period's last day (pending applications,
    #: requests awaiting a reply) rather than what happened in the period: its months are
    #: never added up, not even in a reader's view (:mod:`asylstat.report.readable`)
    stock: bool = False

    def build(self, snap: Snapshot, periods: Sequence[Period]) -> Table:
        return build_cube(self, snap, periods)

    @property
    def strata(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions if d.total is None)

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)


def records_for(records: RecordsFn, snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """``records(snap, periods)`` for periods of one frequency; for periods of several (the
    months of a quarter and the quarter itself, whose national tables are built together)
    the records of each frequency put together (``UNION ALL``), so that a record dated in
    July is placed both in the month and in the quarter: one query for the whole table."""
    by_freq: dict[str, list[Period]] = {}
    for period in periods:
        by_freq.setdefault(period.freq, []).append(period)
    if len(by_freq) == 1:
        return records(snap, periods)
    return union_all(*(records(snap, group) for group in by_freq.values()))


def reference_records(records: ibis.Table, order: Sequence[tuple[str, bool]],
                      strata: Sequence[str] = ()) -> ibis.Table:
    """The first record of each unit in each period (and stratum) by ``order`` (ties broken
    by the order's last column, an identifier)."""
    keys = [records[c].asc() if asc else records[c].desc() for c, asc in order]
    window = ibis.window(group_by=[records[PERIOD], records[UNIT], *strata], order_by=keys)
    ranked = records.mutate(_rank=ibis.row_number().over(window))
    return ranked.filter(ranked._rank == 0).drop("_rank")


def count_query(records: ibis.Table, keys: Sequence[str],
                reference: Sequence[tuple[str, bool]] | None = None, strata: Sequence[str] = (),
                where_reference: Callable[[ibis.Table], ibis.BooleanValue] | None = None,
                name: str = "OBS_VALUE") -> ibis.Table:
    """The engine query of a table: each unit's reference record (when ``reference`` is
    given), then records counted per ``keys`` into the int64 column ``name``. Pure Ibis: the
    SQL it compiles to is what the engine runs (``ibis.to_sql``)."""
    if reference is not None:
        records = reference_records(records, reference, strata)
    if where_reference is not None:
        records = records.filter(where_reference(records))
    return records.group_by(list(keys)).aggregate(**{name: records.count().cast("int64")})


def base_query(spec: CubeSpec, records: ibis.Table) -> ibis.Table:
    """Units per period and base code of each dimension, as an engine query."""
    return count_query(records, [PERIOD, *spec.dimension_names], spec.reference, spec.strata,
                       spec.where_reference)


def base_counts(spec: CubeSpec, records: ibis.Table) -> pd.DataFrame:
    """Units per period and base code of each dimension, counted in the engine."""
    frame = base_query(spec, records).to_pyarrow().to_pandas()
    return _as_codes(frame, [PERIOD, *spec.dimension_names])


def roll_up(base: pd.DataFrame, dimensions: Sequence[Dimension]) -> pd.DataFrame:
    """Expand base counts into every cell and margin, summing integers."""
    frame = base
    for dim in dimensions:
        codes = sorted(frame[dim.name].unique())
        mapping = pd.DataFrame([(code, out) for code in codes for out in dim.rollup(code)],
                               columns=[dim.name, "_out"])
        frame = frame.merge(mapping, on=dim.name, how="inner")
        frame[dim.name] = frame.pop("_out")
        frame = frame.groupby([c for c in frame.columns if c != "OBS_VALUE"], as_index=False,
                              sort=False)["OBS_VALUE"].sum()
    return frame


def finish(frame: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame:
    """Zero cells dropped, columns in output order, sorted by the dimensions then the period
    (plain ASCII order), a fresh integer index."""
    out = frame.rename(columns={PERIOD: "TIME_PERIOD"})
    out = out.loc[out["OBS_VALUE"] != 0, [*dimensions, "TIME_PERIOD", "OBS_VALUE"]]
    out = out.sort_values([*dimensions, "TIME_PERIOD"], kind="stable")
    out["OBS_VALUE"] = out["OBS_VALUE"].astype("int64")
    return out.reset_index(drop=True)


#: where :func:`counted` keeps base counts on a snapshot
_COUNTS = "cube.base_counts"


def counting_key(spec: CubeSpec) -> tuple[object, ...]:
    """What a table's base counts depend on besides the snapshot and the period: two specs
    with the same key count the same units in the same cells (a report table that keeps a
    dataflow's records and dimensions, a dataflow's monthly national variant)."""
    return (spec.records, spec.reference, spec.where_reference, spec.strata,
            spec.dimension_names)


@dataclass(frozen=True)
class Member:
    """One table of a :class:`CountedTogether` set: the records it counts are those whose
    ``where`` columns hold the given codes (its reference record's, for a table with a
    reference), and its dimension ``d`` is the set's column ``columns.get(d, d)``."""

    spec: CubeSpec
    where: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)

    def source(self, dimension: str) -> str:
        return self.columns.get(dimension, dimension)


@dataclass(frozen=True)
class CountedTogether:
    """Tables counted from one record set in one engine query (issue 11: the outgoing and
    incoming Dublin tables of one declaration; the applicant tables that differ only in
    which reference records they keep and in their age bands).

    ``records(snap, periods)`` gives the records of every member, with the columns that
    tell them apart; each unit's reference record is chosen once by ``reference`` (within
    each period and ``strata``: a stratum separates units that are never counted together,
    such as a request's direction); the units are counted per period and code of every
    column a member needs, and each member's base counts are the counts of the records it
    keeps, summed over the columns it does not show. The same figures as counting each
    member alone: each unit has one reference record per period and stratum whatever the
    cells."""

    records: RecordsFn
    members: tuple[Member, ...]
    reference: tuple[tuple[str, bool], ...] | None = None
    strata: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for member in self.members:
            spec = member.spec
            if spec.reference != self.reference or spec.strata:
                raise ValueError(f"{spec.name} cannot be counted with the set: its reference "
                                 "record or strata differ")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column counted: the members' dimensions and ``where`` columns."""
        wanted = [*self.strata]
        for member in self.members:
            wanted += [member.source(d) for d in member.spec.dimension_names]
            wanted += list(member.where)
        return tuple(dict.fromkeys(wanted))

    def query(self, snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
        """The one engine query: units per period and code of every column."""
        return count_query(records_for(self.records, snap, periods), [PERIOD, *self.columns],
                           self.reference, self.strata)

    def split(self, frame: pd.DataFrame) -> list[tuple[CubeSpec, pd.DataFrame]]:
        """Each member's base counts (as :func:`base_counts`) from the set's counts."""
        out = []
        for member in self.members:
            part = frame
            for column, code in member.where.items():
                part = part.loc[part[column] == code]
            dims = member.spec.dimension_names
            part = part[[PERIOD, *(member.source(d) for d in dims), "OBS_VALUE"]]
            part = part.set_axis([PERIOD, *dims, "OBS_VALUE"], axis=1)
            out.append((member.spec, part.groupby([PERIOD, *dims], as_index=False,
                                                  sort=False)["OBS_VALUE"].sum()))
        return out


#: every declared set, by the counting key of each of its members (a variant of a member
#: with the same counting key, such as its monthly national twin, is counted with it too)
_TOGETHER: dict[tuple[object, ...], CountedTogether] = {}


def count_together(together: CountedTogether) -> CountedTogether:
    """Declare a set of tables counted in one query (see :class:`CountedTogether`)."""
    for member in together.members:
        _TOGETHER[counting_key(member.spec)] = together
    return together


def counted_together(spec: CubeSpec) -> CountedTogether | None:
    """The declared set ``spec`` is counted with, if any."""
    return _TOGETHER.get(counting_key(spec))


def _as_codes(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for col in columns:
        frame[col] = frame[col].astype("string").fillna("UNK").astype(object)
    frame["OBS_VALUE"] = frame["OBS_VALUE"].astype("int64")
    return frame


def counted(spec: CubeSpec, snap: Snapshot, periods: Sequence[Period]) -> pd.DataFrame:
    """Base counts of ``spec`` for ``periods`` (as :func:`base_counts`), each period counted
    once per snapshot: the periods already counted — by the domain tables, the report's
    tables, the comparisons of the output warnings, or with the other tables of a
    :class:`CountedTogether` set — are read from the snapshot, the others counted in one
    engine query (the set's, when ``spec`` belongs to one). A period's counts depend on
    that period's records only (each record is placed in the period that holds its date,
    each stock on the period's last day), so counts made for different lists of periods
    can be put together."""
    store: dict[tuple[object, ...], pd.DataFrame] = snap.memo.setdefault(_COUNTS, {})
    key = counting_key(spec)
    wanted = list(dict.fromkeys(periods))
    missing = [p for p in wanted if (*key, p) not in store]
    if missing:
        together = counted_together(spec)
        if together is None:
            log.info("counting %s for %s", spec.name, ", ".join(p.label for p in missing))
            frames = [(spec, base_counts(spec, records_for(spec.records, snap, missing)))]
        else:
            log.info("counting %s together for %s",
                     ", ".join(m.spec.name for m in together.members),
                     ", ".join(p.label for p in missing))
            frame = together.query(snap, missing).to_pyarrow().to_pandas()
            frames = together.split(_as_codes(frame, [PERIOD, *together.columns]))
        for member, frame in frames:
            for period in missing:
                part = frame.loc[frame[PERIOD] == period.label]
                store[(*counting_key(member), period)] = part.reset_index(drop=True)
    return pd.concat([store[(*key, p)] for p in wanted], ignore_index=True)


def build_cube(spec: CubeSpec, snap: Snapshot, periods: Sequence[Period], *,
               counted_as: CubeSpec | None = None) -> Table:
    """Build one declared table for ``periods`` on the warehouse as of the snapshot.

    ``counted_as``: a spec with the same records and reference and a superset of ``spec``'s
    dimensions (the dataflow a report table keeps some dimensions of): the units are counted
    by its cells, shared through the snapshot with every other use of that dataflow, and
    summed over the dimensions ``spec`` leaves out — the same figures, since each unit has
    one reference record per period whatever the cells."""
    log.info("building %s for %s", spec.name, ", ".join(p.label for p in periods))
    if counted_as is None:
        base = counted(spec, snap, periods)
    else:
        if counting_key(replace(counted_as, dimensions=spec.dimensions)) != counting_key(spec):
            raise ValueError(f"{spec.name} is not counted as {counted_as.name}")
        base = counted(counted_as, snap, periods)
        base = base.groupby([PERIOD, *spec.dimension_names], as_index=False,
                            sort=False)["OBS_VALUE"].sum()
    if base.empty:
        cube = pd.DataFrame({c: pd.Series(dtype=object)
                             for c in [PERIOD, *spec.dimension_names]})
        cube["OBS_VALUE"] = pd.Series(dtype="int64")
    else:
        cube = roll_up(base, spec.dimensions)
    return Table(name=spec.name, title=spec.title, definition=spec.definition, kind=spec.kind,
                 freq=spec.freq, unit=spec.unit, dimensions=spec.dimension_names,
                 data=finish(cube, spec.dimension_names), disclosure=spec.disclosure)
