"""The shape of a warehouse data-quality rule and how it is evaluated.

A rule is a small frozen object declared once per table and column it examines (one
``InvalidCode`` per code column, one ``OrphanReference`` per reference…). It turns the
warehouse as of the run's ``as_of`` into an Ibis expression with one row per failing unit and
a ``key`` column; evaluation runs two queries in the engine — the count and the first few
keys — so that no warehouse row ever reaches Python beyond those example keys.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

import ibis

from asylstat.checks import RuleResult, Severity
from asylstat.codes import normalise
from asylstat.warehouse.contract import key_column
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
        """The distinct raw values of a code column among the visible rows (a small list)."""
        if (table, column) not in self._raw:
            values = self.visible(table).select(column).distinct().to_pyarrow()
            self._raw[(table, column)] = values.column(0).to_pylist()
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
    (plain language) and define :meth:`failing`, :meth:`rule_id`, :meth:`what` and
    :meth:`correction`."""

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
    def failing(self, ctx: Context) -> ibis.Table:
        """One row per failing unit, with a ``key`` column (the record key shown to ICT)."""

    @abstractmethod
    def what(self) -> str:
        """The definition in one plain sentence (its subject is the counted unit)."""

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
        failing = self.failing(ctx).select(KEY)
        # one query: the first keys, each row carrying the total count
        first = failing.mutate(_n=failing[KEY].count().over(ibis.window())).order_by(KEY)
        rows = first.limit(MAX_EXAMPLES).to_pyarrow().to_pylist()
        count = int(rows[0]["_n"]) if rows else 0
        examples = tuple(str(r[KEY]) for r in rows)
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
                       examples=examples)


def rows_with_key(t: ibis.Table, table: str) -> ibis.Table:
    """The failing rows of ``table`` as ``key`` = the table's key (first column)."""
    return t.select(**{KEY: t[key_column(table)]})


def distinct_keys(t: ibis.Table, column: str) -> ibis.Table:
    return t.select(**{KEY: t[column]}).distinct()
