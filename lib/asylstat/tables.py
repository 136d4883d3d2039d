"""The one shape every produced table takes, from the cube builder to the writers.

A table is long-format: one row per non-zero cell, the dimension columns in the order the
transmission format gives them, then ``TIME_PERIOD`` and ``OBS_VALUE`` (a Python/NumPy
integer, never a float).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import pandas as pd

from asylstat.declaration import Disclosure

if TYPE_CHECKING:
    from asylstat.write.cells import Cells

#: who receives a table: ``eurostat``, ``euaa`` and ``frontex`` tables are transmitted as
#: SDMX-CSV files in ``transmission/<kind>/`` (outputs.md); ``national`` tables are the unit's
TableKind = Literal["eurostat", "euaa", "frontex", "national"]
#: the kinds that are transmitted, each to the folder of its name
TRANSMITTED_KINDS: tuple[TableKind, ...] = ("eurostat", "euaa", "frontex")

#: units whose values are counts: zero cells are omitted and values are never negative
COUNT_UNITS = frozenset({"PER", "NR", "APP"})


@dataclass(frozen=True)
class Table:
    """A finished statistical table.

    name        dataflow id (``MIGR_ASYAPPCTZM``) or national table id (``NAT_REGISTRATION``)
    title       short human title
    definition  what one unit of OBS_VALUE is and which records are counted (plain language)
    kind        ``eurostat``, ``euaa``, ``frontex`` (transmitted to that recipient, in
                ``transmission/<kind>/``) or ``national``
    freq        ``M``, ``Q`` or ``A``
    unit        ``PER`` (persons), ``NR`` (events), ``APP`` (applications), ``DAYS``, ``PCT1``
                (a rate in tenths of a percent) ...
    dimensions  the dimension columns of ``data``, in output order
    data        columns ``*dimensions, TIME_PERIOD, OBS_VALUE``; sorted; integers only
    disclosure  ``rounded`` (counts rounded for the public), ``exact`` or ``unpublished``
                (never in a public file), from the table's declaration
                (:mod:`asylstat.declaration`)
    query       the SQL the engine ran to count it, with the definitions of the engine tables
                it read (:mod:`asylstat.queries`); empty when not recorded

    ``data`` is not modified once the table is made: its validated, sorted cells are computed
    once, on first use, and kept with the table (:attr:`cells`).
    """

    name: str
    title: str
    definition: str
    kind: TableKind
    freq: str
    unit: str
    dimensions: tuple[str, ...]
    data: pd.DataFrame = field(repr=False, compare=False)
    disclosure: Disclosure = "rounded"
    query: str = field(default="", repr=False, compare=False)

    @property
    def transmitted(self) -> bool:
        """Whether the table is transmitted (to Eurostat, the EUAA or Frontex)."""
        return self.kind in TRANSMITTED_KINDS

    @property
    def is_count(self) -> bool:
        """A table of counts (persons, events, applications), not of measures such as days."""
        return self.unit in COUNT_UNITS

    @property
    def columns(self) -> list[str]:
        return [*self.dimensions, "TIME_PERIOD", "OBS_VALUE"]

    @cached_property
    def cells(self) -> Cells:
        """Every row as a validated cell, sorted by codes compared as byte strings, computed
        once (:func:`asylstat.write.cells.validated_cells`; ``ValueError`` on a malformed
        table). Writers and checks take their selection with ``cells.select(...)``."""
        from asylstat.write.cells import validated_cells

        return validated_cells(self)
