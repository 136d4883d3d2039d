"""Duration measures: nearest-rank quantiles of whole days, declared like a cube.

statistics.md, national tables: "median and 90th percentile as nearest-rank values (the
smallest value with at least 50% / 90% of the values at or below it), whole days". The
engine counts units per period, stratum and number of days (a small frequency table); the
quantiles are read off that table in Python with integer arithmetic.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import pandas as pd

from asylstat.cube import PERIOD, Dimension, RecordsFn, records_for, reference_records
from asylstat.declaration import Disclosure, Due, Invariant
from asylstat.periods import Period
from asylstat.tables import Table, TableKind
from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

DAYS = "days"
STAT = Dimension("stat", total=None)


def nearest_rank(frequencies: Sequence[tuple[int, int]], percent: int) -> int:
    """The smallest value with at least ``percent``% of the values at or below it.

    ``frequencies`` is ``(value, count)`` pairs in any order; the rank is ceil(p·n/100),
    computed with integers only. Raises ``ValueError`` when there is no value."""
    ordered = sorted(frequencies)
    n = sum(count for _, count in ordered)
    if n <= 0:
        raise ValueError("no value to take a quantile of")
    rank = -(-percent * n // 100)  # ceil without floats
    seen = 0
    for value, count in ordered:
        seen += count
        if seen >= rank:
            return value
    raise AssertionError("unreachable: rank <= n")


@dataclass(frozen=True)
class DurationSpec:
    """A table of nearest-rank quantiles of ``days`` per period (and strata).

    ``records(snap, periods)`` gives ``period``, ``unit_id``, ``days`` (whole days), one column
    per stratum and the reference-order columns; each unit counts once per period and stratum
    by its reference record. ``N`` (the number of units) is given beside the quantiles."""

    name: str
    title: str
    definition: str
    kind: TableKind
    freq: str
    groups: tuple[Dimension, ...]
    records: RecordsFn
    reference: tuple[tuple[str, bool], ...] | None = None
    quantiles: tuple[tuple[str, int], ...] = (("P50", 50), ("P90", 90))
    unit: str = "DAYS"
    #: as :class:`asylstat.cube.CubeSpec`: when due, disclosure (the numbers of units ``N``
    #: are the counts rounded), invariants
    due: Due = "frequency"
    disclosure: Disclosure = "rounded"
    invariants: tuple[Invariant, ...] = ()

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return (*self.groups, STAT)

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    def build(self, snap: Snapshot, periods: Sequence[Period]) -> Table:
        return build_durations(self, snap, periods)


def durations_query(spec: DurationSpec, snap: Snapshot, periods: Sequence[Period]
                    ) -> ibis.Table:
    """The engine query of a duration table: units per period, stratum and number of days
    (column ``n``), each unit by its reference record. Pure Ibis: ``ibis.to_sql`` shows it."""
    records = records_for(spec.records, snap, periods)
    strata = [d.name for d in spec.groups]
    if spec.reference is not None:
        records = reference_records(records, spec.reference, strata)
    keys = [PERIOD, *strata, DAYS]
    return records.group_by(keys).aggregate(n=records.count().cast("int64"))


def build_durations(spec: DurationSpec, snap: Snapshot, periods: Sequence[Period]) -> Table:
    log.info("building %s for %s", spec.name, ", ".join(p.label for p in periods))
    strata = [d.name for d in spec.groups]
    frame = durations_query(spec, snap, periods).to_pyarrow().to_pandas()
    rows = []
    for group, part in frame.groupby([PERIOD, *strata], sort=True):
        group = group if isinstance(group, tuple) else (group,)
        pairs = [(int(d), int(n)) for d, n in zip(part[DAYS], part["n"], strict=True)]
        rows.append((*group[1:], "N", group[0], sum(n for _, n in pairs)))
        rows += [(*group[1:], code, group[0], nearest_rank(pairs, p))
                 for code, p in spec.quantiles]
    columns = [*strata, STAT.name, "TIME_PERIOD", "OBS_VALUE"]
    data = pd.DataFrame(rows, columns=columns)
    data = data.astype({c: object for c in columns[:-1]}).astype({"OBS_VALUE": "int64"})
    data = data.sort_values(columns[:-1], kind="stable").reset_index(drop=True)
    return Table(name=spec.name, title=spec.title, definition=spec.definition, kind=spec.kind,
                 freq=spec.freq, unit=spec.unit, dimensions=spec.dimension_names, data=data,
                 disclosure=spec.disclosure)
