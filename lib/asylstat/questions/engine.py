"""Answering a question in the engine: the measure's cube counted for the question's periods by
the one cube builder (:func:`asylstat.cube.counted`), the filters applied to the reference
record, the breakdowns rolled up with their margins, validated, and disclosed.

How a question's rule is the official tables' rule (questions.md, "Every count follows the
measure's rule ... applied to each period of the split"):

1. the measure's records function places each record in the period of the split that holds
   its date (a stock: each period's last day) — for a :class:`~asylstat.periods.Span`, the
   whole range is one period;
2. the cube builder keeps each unit's reference record per period (the source table's order)
   and counts units per period and base code of *every* dimension and flag of the measure;
3. a filter keeps the base cells whose code (the reference record's) is one of the filter's
   codes or counts in one of its margins (``age = ["Y_LT18"]`` keeps ``Y_LT14`` and
   ``Y14-17``); a flag filter keeps the cells of the flag's value;
4. the cells are summed over the dimensions the question does not break down by — exact, as
   each unit has one reference record per period — and rolled up into every margin of the
   breakdowns (:func:`asylstat.cube.roll_up`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import pandas as pd

from asylstat.checks import RuleResult, blocking
from asylstat.checks.outputs import check_margins, check_values
from asylstat.cube import PERIOD, counted, finish, roll_up
from asylstat.questions.catalogue import NO, YES, Measure, measure_cube
from asylstat.questions.question import Question
from asylstat.report.public import is_rounded, public_table
from asylstat.tables import Table
from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

#: Table.freq of an answer, by the question's ``by`` (``R``: the range as one period)
ANSWER_FREQ = {"month": "M", "quarter": "Q", "year": "A", "none": "R"}


def on_reference_record(base: pd.DataFrame, found: Measure, question: Question) -> pd.DataFrame:
    """The base cells (one column per dimension and flag, codes of the reference record) that
    the question's filters keep (see the module's docstring, 3)."""
    keep = pd.Series(True, index=base.index)
    for name, value in question.filters:
        if isinstance(value, bool):
            keep &= base[found.flag(name).cube_column] == (YES if value else NO)
            continue
        dim = found.dimension(name)
        wanted = set(value)
        codes = [c for c in base[name].unique() if wanted & set(dim.rollup(c))]
        keep &= base[name].isin(codes)
    return base.loc[keep]


def exact_table(question: Question, snap: Snapshot) -> Table:
    """The question's answer as counted (every non-zero cell with its margins), a
    :class:`~asylstat.tables.Table` named after the question, of the measure's unit and the
    source table's disclosure."""
    found = question.the_measure
    cube = measure_cube(found, question.scope)
    periods = question.period.periods
    log.info("answering %s: %s for %s", question.id, found.name,
             ", ".join(p.label for p in periods))
    base = on_reference_record(counted(cube, snap, periods), found, question)
    keys = [PERIOD, *question.breakdowns]
    base = base.groupby(keys, as_index=False, sort=False)["OBS_VALUE"].sum()
    dims = [found.dimension(name) for name in question.breakdowns]
    if base.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in keys})
        frame["OBS_VALUE"] = pd.Series(dtype="int64")
    else:
        frame = roll_up(base, dims)
    return Table(name=question.id, title=question.title, definition=found.definition,
                 kind="national", freq=ANSWER_FREQ[question.period.by], unit=found.unit,
                 dimensions=question.breakdowns, data=finish(frame, question.breakdowns),
                 disclosure=found.source.disclosure)


def validate_answer(question: Question, table: Table) -> list[RuleResult]:
    """The invariants that hold by construction: whole positive values, and every margin of a
    breakdown that its parts partition equals their sum (:mod:`asylstat.checks.outputs`)."""
    found = question.the_measure
    results = [check_values(table)]
    for name in question.breakdowns:
        results += check_margins(table, found.dimension(name))
    return results


@dataclass(frozen=True)
class Answer:
    """A question's answer: the ``exact`` table, the ``published`` one (rounded under
    ``public`` disclosure when the measure's figures are rounded for the public; the exact one
    otherwise) and the validation results."""

    question: Question
    exact: Table
    published: Table
    checks: tuple[RuleResult, ...]

    @property
    def rounded(self) -> bool:
        """Whether the published figures are rounded (public, and not Dublin events)."""
        return self.question.disclosure == "public" and is_rounded(self.exact)

    @property
    def valid(self) -> bool:
        return not blocking(list(self.checks))


def disclose(question: Question, exact: Table) -> Table:
    """What the answer's documents show: under ``public`` the public version of the table
    (statistics.md, "Dissemination": counts rounded to 5, each cell independently, cells that
    round to 0 left out — the public tables' rule, :func:`asylstat.report.public.public_table`;
    Dublin events as counted); under ``exact`` the table as counted."""
    if question.disclosure == "public" and is_rounded(exact):
        public = public_table(exact)
        return replace(public, definition=exact.definition)
    return exact


def answer(question: Question, snap: Snapshot) -> Answer:
    """Count, validate and disclose the answer to ``question`` on ``snap``."""
    exact = exact_table(question, snap)
    return Answer(question=question, exact=exact, published=disclose(question, exact),
                  checks=tuple(validate_answer(question, exact)))
