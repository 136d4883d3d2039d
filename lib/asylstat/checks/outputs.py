"""Output validation: the invariants that hold by construction (statistics.md, "Warehouse
faults"). A failure here is an error: no warehouse, however faulty, can cause it, so the
output is wrong and must not be transmitted.

What is checked comes from each table's declaration (:mod:`asylstat.declaration`): its
dimensions' margins, and the invariants it declares (:class:`~asylstat.declaration.NotAbove`
within the table, :class:`~asylstat.declaration.Within` against another table). No table is
named here.

Each check recomputes its sums from the output table itself (missing cell = 0), independently
of how the cube builder made the margins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from asylstat.checks import RuleResult
from asylstat.cube import Dimension
from asylstat.declaration import Equals, NotAbove, TableSpec, Within
from asylstat.tables import Table

MAX_EXAMPLES = 5


def _result(rule: str, table: str, failures: list[str], what: str) -> RuleResult:
    status = "fail" if failures else "pass"
    message = (f"{len(failures)} cell(s) break: {what}" if failures else f"holds: {what}")
    return RuleResult(rule=rule, severity="error", status=status, count=len(failures),
                      message=message, table=table, examples=tuple(failures[:MAX_EXAMPLES]))


def _cells(table: Table) -> dict[tuple[str, ...], int]:
    keys = [*table.dimensions, "TIME_PERIOD"]
    return {tuple(row[:-1]): int(row[-1])
            for row in table.data[[*keys, "OBS_VALUE"]].itertuples(index=False, name=None)}


def check_values(table: Table) -> RuleResult:
    """Every OBS_VALUE is a whole number; in a table of counts a positive one (zero cells are
    omitted)."""
    values = table.data["OBS_VALUE"]
    bad: list[str] = []
    if not pd.api.types.is_integer_dtype(values):
        bad.append(f"OBS_VALUE has type {values.dtype}, not integer")
    elif table.is_count:
        bad += [f"row {i}: {v}" for i, v in values[values <= 0].items()]
    what = "every value is a " + ("positive " if table.is_count else "") + "whole number"
    return _result(f"{table.name}.values", table.name, bad, what)


def check_margins(table: Table, dim: Dimension) -> list[RuleResult]:
    """For every margin of ``dim`` that the parts partition: margin = sum of parts, in every
    combination of the other dimensions and period."""
    if dim.name not in table.dimensions:
        return []
    i = table.dimensions.index(dim.name)
    cells = _cells(table)
    groups: dict[tuple[str, ...], dict[str, int]] = {}
    for key, value in cells.items():
        groups.setdefault(key[:i] + key[i + 1:], {})[key[i]] = value
    results = []
    for margin, parts in dim.partitions().items():
        failures = []
        for rest, by_code in groups.items():
            members = parts if parts is not None else [c for c in by_code
                                                       if c not in dim.margins]
            expected = sum(by_code.get(code, 0) for code in members)
            if by_code.get(margin, 0) != expected:
                failures.append(f"{rest}: {dim.name}={margin} is {by_code.get(margin, 0)}, "
                                f"the parts sum to {expected}")
        what = (f"{dim.name}={margin} equals the sum of "
                + ("its parts" if parts is None else " + ".join(parts)))
        results.append(_result(f"{table.name}.margin.{dim.name}.{margin}", table.name,
                               failures, what))
    return results


def check_not_above(table: Table, rule: NotAbove) -> RuleResult:
    """sum(parts) <= total in every other combination (``FRST + SSEQ <= TOTAL``)."""
    i = table.dimensions.index(rule.dimension)
    parts, total = rule.parts, rule.total
    groups: dict[tuple[str, ...], dict[str, int]] = {}
    for key, value in _cells(table).items():
        groups.setdefault(key[:i] + key[i + 1:], {})[key[i]] = value
    failures = [f"{rest}: {' + '.join(parts)} = {sum(g.get(p, 0) for p in parts)} > "
                f"{total} = {g.get(total, 0)}"
                for rest, g in groups.items() if sum(g.get(p, 0) for p in parts) > g.get(total, 0)]
    return _result(rule.rule(table.name), table.name, failures, f"{' + '.join(parts)} <= {total}")


def check_within(inner: Table, outer: Table, rule: Within | Equals) -> RuleResult:
    """Each cell of ``inner`` (restricted to ``rule.fixed_inner``) is <= the same cell of
    ``outer`` (restricted to ``rule.fixed_outer``), or equal to it for :class:`Equals` (a cell
    missing on either side is zero); the cell is matched on the dimensions they share."""
    fixed_inner, fixed_outer = dict(rule.fixed_inner), dict(rule.fixed_outer)
    shared = [d for d in inner.dimensions if d in outer.dimensions and d not in fixed_inner]
    keys = [*shared, "TIME_PERIOD"]

    def select(t: Table, fixed: Mapping[str, str]) -> pd.DataFrame:
        frame = t.data
        for col, value in fixed.items():
            frame = frame[frame[col] == value]
        return frame.set_index(keys)["OBS_VALUE"]

    a, b = select(inner, fixed_inner), select(outer, fixed_outer)
    if isinstance(rule, Equals):
        index = a.index.union(b.index)
        a, b = a.reindex(index, fill_value=0), b.reindex(index, fill_value=0)
        bad, sign = a[a != b], "!="
    else:
        b = b.reindex(a.index, fill_value=0)
        bad, sign = a[a > b], ">"
    failures = [f"{k}: {inner.name} {a[k]} {sign} {outer.name} {b[k]}" for k in bad.index]
    relation = "=" if isinstance(rule, Equals) else "<="
    what = (f"each cell of {inner.name}{_fmt(fixed_inner)} {relation} "
            f"{outer.name}{_fmt(fixed_outer)}")
    return _result(rule.rule(inner.name), inner.name, failures, what)


def _fmt(fixed: Mapping[str, str]) -> str:
    return f" ({', '.join(f'{k}={v}' for k, v in fixed.items())})" if fixed else ""


def validate_outputs(tables: Iterable[Table],
                     specs: Callable[[str], TableSpec]) -> list[RuleResult]:
    """Every error rule on every table (values, margins, the invariants its declaration states
    on itself), then the invariants between tables that the run made both of, in the order of
    their rule ids (independent of the order the notebooks made the tables in)."""
    by_name = {t.name: t for t in tables}
    results: list[RuleResult] = []
    between: list[RuleResult] = []
    for table in by_name.values():
        spec = specs(table.name)
        results.append(check_values(table))
        for dim in spec.dimensions:
            results += check_margins(table, dim)
        for rule in spec.invariants:
            if isinstance(rule, NotAbove):
                results.append(check_not_above(table, rule))
            elif rule.outer in by_name:
                between.append(check_within(table, by_name[rule.outer], rule))
    return [*results, *sorted(between, key=lambda r: r.rule)]
