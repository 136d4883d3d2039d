"""The shape of a warehouse data-quality rule and how it is evaluated.

A rule is a small frozen object declared once per table and column it examines (one
``InvalidCode`` per code column, one ``OrphanReference`` per reference…). Most rules are a
*condition* on the rows of one source — the visible rows of their table, or the keys of a
table seen several times — and :func:`evaluate_rules` evaluates every rule of a source in
**one aggregate query**: per rule, ``COUNT(key) FILTER (WHERE condition)`` and
``ARRAY_AGG(key ORDER BY key) FILTER (WHERE condition)`` cut to the first
:data:`MAX_EXAMPLES` in the engine. A rule that joins another table (an orphan reference, a
date before the referenced record's, two applications of one person compared…) gives its own
Ibis expression with one row per failing unit and a ``key`` column (:meth:`Rule.failing`),
counted the same way in a query of its own: an anti- or semi-join per rule costs the engine
less than left joins of every looked-up table into the table's query (measured at scale 5).
Either way no warehouse row reaches Python beyond the example keys.

What every rule examines (docs/synthetic.md, "Planted faults: exact definitions"):

- the **visible rows** of a table: every version with ``recorded_at <= as_of`` and
  (``retired_at`` NULL or ``> as_of``). A faulty row is reported even when its key is
  duplicated; the duplication itself is reported by the duplicate-key rules;
- a reference or an attribute of another table is looked up among that table's visible rows:
  a key present in *some* visible version is not an orphan.

Codes are compared after ``str.strip().upper()`` (statistics.md, "Codes"); the normalisation
is done in Python over the distinct raw values, then applied in the engine as a list of raw
values, so it has exact ``str.strip()`` semantics on every engine.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

import ibis

from asylstat.checks import RuleResult, Severity
from asylstat.codes import normalise
from asylstat.warehouse.contract import contract_tables, key_column
from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

#: at most this many example keys per rule, for ICT (internal/ only)
MAX_EXAMPLES = 20
KEY = "key"


class Context:
    """The warehouse as of ``as_of`` seen by the rules, with cached distinct raw code values."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.as_of: datetime = snap.as_of
        #: the calendar day of ``as_of`` (UTC): a date is "after as_of" when it is later
        self.as_of_date: date = snap.as_of.date()
        self._raw: dict[tuple[str, str], list[str | None]] = {}
        self._visible: dict[str, ibis.Table] = {}

    def fill(self, text: str) -> str:
        """A rule's text with ``{as_of_date}`` replaced by the run's as-of day."""
        return text.replace("{as_of_date}", self.as_of_date.isoformat())

    def visible(self, table: str) -> ibis.Table:
        """Every version of ``table`` visible as of ``as_of`` (duplicates included)."""
        if table not in self._visible:
            self._visible[table] = self.snap.visible(table)
        return self._visible[table]

    def raw_values(self, table: str, column: str) -> list[str | None]:
        """The distinct non-NULL raw values of a code column among the visible rows (a small
        list). The first call for a table reads those of every code (string) column of the
        table in one query: the rules ask for most of them."""
        if (table, column) not in self._raw:
            strings = [c for c, typ in contract_tables()[table].items() if typ == "VARCHAR"]
            if column not in strings:
                strings.append(column)
            t = self.visible(table)
            distinct = t.aggregate(**{c: t[c].collect(distinct=True) for c in strings})
            row = distinct.to_pyarrow().to_pylist()[0]
            for c in strings:
                self._raw.setdefault((table, c), list(row[c] or []))
        return self._raw[(table, column)]

    def raws_where(self, table: str, column: str,
                   test: Callable[[str | None], bool]) -> list[str]:
        """The non-NULL raw values whose *normalised* code passes ``test``."""
        return sorted(raw for raw in self.raw_values(table, column)
                      if raw is not None and test(normalise(raw)))

    def code_in(self, t: ibis.Table, table: str, column: str,
                test: Callable[[str | None], bool]) -> ibis.BooleanValue:
        """``test(norm(t[column]))`` as an engine expression (False for NULL)."""
        raws = self.raws_where(table, column, test)
        if not raws:
            return ibis.literal(False)
        return t[column].isin(raws).fill_null(False)


@dataclass(frozen=True)
class Finding:
    """The result of one data-quality rule, with what a statistician needs to read it and, for
    ``internal/`` only, example record keys."""

    result: RuleResult
    unit: str
    reference_date: str
    time_limit: str
    definition: str
    #: record keys for ICT to correct: written to ``internal/`` only, never elsewhere
    examples: tuple[str, ...] = field(default=())

    def public(self) -> dict[str, object]:
        """Everything but the record keys (for validation.json / .html)."""
        out = self.result.as_dict()
        out.pop("examples", None)
        out.update(unit=self.unit, reference_date=self.reference_date,
                   time_limit=self.time_limit, definition=self.definition)
        return out

    def internal(self) -> dict[str, object]:
        return {**self.public(), "example_keys": list(self.examples)}


@dataclass(frozen=True)
class Rule(ABC):
    """A data-quality rule. Subclasses set ``unit``, ``reference_date`` and ``time_limit``
    (plain language) and define :meth:`rule_id`, :meth:`table`, :meth:`what`,
    :meth:`correction` and either :meth:`condition` (on the visible rows of ``table``:
    evaluated with the table's other rules in one query) or :meth:`failing` (its own query;
    :meth:`source` then returns None)."""

    #: statistics.md, "Warehouse faults": warning severity by default
    severity: Severity = field(default="warning", kw_only=True)

    #: what one counted unit is ("{table}" is replaced): "rows of decision", "persons"
    unit: ClassVar[str] = "rows of {table}"
    reference_date: ClassVar[str] = "the warehouse as of the run's as_of"
    time_limit: ClassVar[str] = "none"

    @property
    @abstractmethod
    def rule_id(self) -> str:
        """``dq.<class>.<detail>``."""

    @property
    @abstractmethod
    def table(self) -> str:
        """The table whose rows (or keys) are counted."""

    @abstractmethod
    def what(self) -> str:
        """The definition in one plain sentence (its subject is the counted unit)."""

    # ------------------------------------------------------------ what the rule examines
    def source(self) -> str | None:
        """The rows the rule's :meth:`condition` is evaluated on: rules with the same source
        are evaluated in one query. Default: the visible rows of :attr:`table`. ``None``: the
        rule gives its failing units itself (:meth:`failing`)."""
        return f"rows.{self.table}"

    def source_rows(self, ctx: Context) -> ibis.Table:
        """The rows of :meth:`source`, with a ``key`` column (the record key shown to ICT).
        Default: the visible rows of :attr:`table`."""
        rows = ctx.visible(self.table)
        return rows.mutate(**{KEY: rows[key_column(self.table)]})

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        """True for a failing row of :meth:`source_rows` (NULL counts as not failing)."""
        raise NotImplementedError(f"{type(self).__name__} defines failing() instead")

    def failing(self, ctx: Context) -> ibis.Table:
        """One row per failing unit, with a ``key`` column (the record key shown to ICT)."""
        rows = self.source_rows(ctx)
        return rows.filter(self.condition(ctx, rows)).select(KEY)

    def correction(self) -> str:
        """What ICT should correct (one sentence)."""
        return "ICT should correct these records in the source system or the load."

    def unit_text(self) -> str:
        return self.unit.format(table=self.table)

    def reference_text(self) -> str:
        return self.reference_date

    def limit_text(self) -> str:
        return self.time_limit

    def describe(self) -> dict[str, str]:
        """The rule as a reader needs it: id, severity, unit, reference date, time limit,
        definition (``{as_of_date}`` stands for the run's as-of day)."""
        return {"rule": self.rule_id, "severity": self.severity, "table": self.table,
                "unit": self.unit_text(), "reference_date": self.reference_text(),
                "time_limit": self.limit_text(), "definition": self.what()}

    def evaluate(self, ctx: Context) -> Finding:
        """Count the failing units and fetch up to :data:`MAX_EXAMPLES` keys, in the engine."""
        return evaluate_rules(ctx, [self])[0]

    def finding(self, ctx: Context, count: int, examples: Sequence[object]) -> Finding:
        """The finding of ``count`` failing units, the first of which are ``examples``."""
        what = ctx.fill(self.what())
        if count:
            message = f"{count} {self.unit_text()}: {what} {self.correction()}"
        else:
            message = f"none: {what}"
        result = RuleResult(rule=self.rule_id, severity=self.severity,
                            status="fail" if count else "pass", count=count, message=message,
                            table=self.table)
        return Finding(result=result, unit=self.unit_text(),
                       reference_date=ctx.fill(self.reference_text()),
                       time_limit=ctx.fill(self.limit_text()), definition=what,
                       examples=tuple(str(k) for k in examples))


# ---------------------------------------------------------------- evaluation

def evaluate_rules(ctx: Context, rules: Sequence[Rule]) -> list[Finding]:
    """The finding of each rule, in the order given: the rules sharing a :meth:`Rule.source`
    in one aggregate query (per rule, the failing units counted and their first
    :data:`MAX_EXAMPLES` keys in key order, duplicates kept, cut in the engine); a rule
    without one in a query of its own (the first keys, each carrying the total count)."""
    by_source: dict[str, list[int]] = {}
    found: dict[int, Finding] = {}
    for i, rule in enumerate(rules):
        source = rule.source()
        if source is None:
            found[i] = _evaluate_alone(ctx, rule)
        else:
            by_source.setdefault(source, []).append(i)
    for members in by_source.values():
        found.update(zip(members, _evaluate_together(ctx, [rules[i] for i in members]),
                         strict=True))
    return [found[i] for i in range(len(rules))]


def _evaluate_together(ctx: Context, rules: Sequence[Rule]) -> list[Finding]:
    rows = rules[0].source_rows(ctx)
    # the rows failing some rule first (a few among millions), so that the ordered
    # aggregates that collect the keys buffer only those
    failing = [rule.condition(ctx, rows) for rule in rules]
    rows = rows.filter(ibis.or_(*failing)).select(KEY, *[
        condition.name(f"c{i}") for i, condition in enumerate(failing)])
    key = rows[KEY]
    measures: dict[str, ibis.Value] = {}
    for i in range(len(rules)):
        measures[f"n{i}"] = key.count(where=rows[f"c{i}"])
        measures[f"e{i}"] = key.collect(where=rows[f"c{i}"], order_by=key)
    counted = rows.aggregate(**measures)
    counted = counted.mutate(**{f"e{i}": counted[f"e{i}"][:MAX_EXAMPLES]
                                for i in range(len(rules))})
    row = counted.to_pyarrow().to_pylist()[0]
    return [rule.finding(ctx, int(row[f"n{i}"] or 0), row[f"e{i}"] or ())
            for i, rule in enumerate(rules)]


def _evaluate_alone(ctx: Context, rule: Rule) -> Finding:
    failing = rule.failing(ctx).select(KEY)
    # one query: the first keys, each row carrying the total count
    first = failing.mutate(_n=failing[KEY].count().over(ibis.window())).order_by(KEY)
    rows = first.limit(MAX_EXAMPLES).to_pyarrow().to_pylist()
    count = int(rows[0]["_n"]) if rows else 0
    return rule.finding(ctx, count, [r[KEY] for r in rows])


def rows_with_key(t: ibis.Table, table: str) -> ibis.Table:
    """The failing rows of ``table`` as ``key`` = the table's key (first column)."""
    return t.select(**{KEY: t[key_column(table)]})
