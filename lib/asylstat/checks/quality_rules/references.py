"""Rules on keys and references: orphan references, duplicate keys in the as-of view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import ibis

from asylstat.checks.quality_rules.base import KEY, Context, Rule, rows_with_key
from asylstat.warehouse.contract import key_column


@dataclass(frozen=True)
class OrphanReference(Rule):
    """Rows whose reference ``column`` is set (not NULL) and matches no visible row of
    ``parent`` (by its key). Unit: rows of the referring table. Reference date: the
    warehouse as of ``as_of``. ``consequence`` says what the statistics do with them
    (statistics.md, "Warehouse faults")."""

    name: str
    table_name: str
    column: str
    parent: str
    consequence: str

    @property
    def rule_id(self) -> str:
        return f"dq.orphan.{self.name}"

    @property
    def table(self) -> str:
        return self.table_name

    def source(self) -> None:
        return None  # an anti-join with the referenced table: a query of its own

    def failing(self, ctx: Context) -> ibis.Table:
        child = ctx.visible(self.table_name)
        parent_key = key_column(self.parent)
        parents = ctx.visible(self.parent).select(_parent=parent_key)
        child = child.filter(child[self.column].notnull())
        orphans = child.anti_join(parents, child[self.column] == parents._parent)
        return rows_with_key(orphans, self.table_name)

    def what(self) -> str:
        return (f"{self.table_name}.{self.column} points to no {self.parent} in the "
                f"warehouse as of as_of; {self.consequence}")

    def correction(self) -> str:
        return f"ICT should load the missing {self.parent} records or correct the reference."


@dataclass(frozen=True)
class DuplicateKey(Rule):
    """Keys (first column) with two or more visible rows. ``ambiguous=False``: exactly one of
    them has the latest ``recorded_at`` and the statistics use it. ``ambiguous=True``: several
    share the latest ``recorded_at``; the key is treated as missing (statistics.md,
    "Warehouse faults"). Unit: keys."""

    table_name: str
    ambiguous: bool
    unit: ClassVar[str] = "keys of {table}"

    @property
    def rule_id(self) -> str:
        kind = "ambiguous" if self.ambiguous else "resolved"
        return f"dq.duplicate_key.{kind}.{self.table_name}"

    @property
    def table(self) -> str:
        return self.table_name

    def source(self) -> str:
        return f"keys.{self.table_name}"

    def source_rows(self, ctx: Context) -> ibis.Table:
        """The keys with several visible rows, with ``_at_latest``: how many of them share
        the latest ``recorded_at`` (both duplicate-key rules of a table read it)."""
        key = key_column(self.table_name)
        t = ctx.visible(self.table_name).select(key, "recorded_at")
        # the few keys with several visible rows first (a hash aggregate), then the windows
        # on those only
        several = t.group_by(_several=t[key]).aggregate(_rows=t.count())
        several = several.filter(several._rows > 1)
        t = t.semi_join(several, t[key] == several._several)
        by_key = ibis.window(group_by=t[key])
        t = t.mutate(_n=t[key].count().over(by_key), _latest=t.recorded_at.max().over(by_key))
        t = t.filter(t._n > 1, t.recorded_at == t._latest)
        return t.group_by(**{KEY: t[key]}).aggregate(_at_latest=t.count())

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return rows._at_latest > 1 if self.ambiguous else rows._at_latest == 1

    def what(self) -> str:
        if self.ambiguous:
            return (f"the key {key_column(self.table_name)} has several rows in the warehouse "
                    "as of as_of, and several share the latest recorded_at: the statistics "
                    "treat the record as missing (a person with unknown attributes; any other "
                    "record not counted, nor the records that need it).")
        return (f"the key {key_column(self.table_name)} has several rows in the warehouse as "
                "of as_of; the one with the latest recorded_at is used.")

    def correction(self) -> str:
        return "ICT should retire the superseded versions (set retired_at)."
