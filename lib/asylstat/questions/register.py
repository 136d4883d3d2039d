"""The register of public answers and the differencing warning (questions.md, "Disclosure").

Every public answer is entered in ``<ANSWERS_DIR>/register.csv`` (id, run id, as-of, measure,
filters, breakdowns, periods, finished-at; filters, breakdowns and periods as compact JSON).

**Differencing risk.** A cell describes a population: for each dimension (and flag) of the
measure, the set of base codes it covers — the question's filter (every code when there is
none) intersected with the cell's code (a margin covers its parts). Two cells of one measure and
one period whose populations are equal on every dimension but one, and on that one differ by a
single code (one set is the other plus one code), let a reader subtract one from the other and
learn the figure of that one code — which rounding alone does not protect when several answers
overlap. Such a pair between the new answer and an earlier *public* answer of another question
is reported by :func:`differencing_risks` (the answer is still released, with the warning).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from asylstat.questions.catalogue import NO, YES, Measure, measure
from asylstat.questions.question import FilterValue, Question
from asylstat.write.sdmx import write_bytes_atomically

REGISTER = "register.csv"
COLUMNS = ("id", "run_id", "as_of", "measure", "filters", "breakdowns", "periods",
           "finished_at")


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False, ensure_ascii=False)


@dataclass(frozen=True)
class Entry:
    """One public answer in the register."""

    id: str
    run_id: str
    as_of: str
    measure: str
    filters: tuple[tuple[str, FilterValue], ...]
    breakdowns: tuple[str, ...]
    periods: tuple[str, ...]
    finished_at: str

    def row(self) -> dict[str, str]:
        return {"id": self.id, "run_id": self.run_id, "as_of": self.as_of,
                "measure": self.measure,
                "filters": _json({k: (v if isinstance(v, bool) else list(v))
                                  for k, v in self.filters}),
                "breakdowns": _json(list(self.breakdowns)), "periods": _json(list(self.periods)),
                "finished_at": self.finished_at}

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> Entry:
        filters = json.loads(row["filters"] or "{}")
        return cls(id=row["id"], run_id=row["run_id"], as_of=row["as_of"],
                   measure=row["measure"],
                   filters=tuple((k, v if isinstance(v, bool) else tuple(v))
                                 for k, v in filters.items()),
                   breakdowns=tuple(json.loads(row["breakdowns"] or "[]")),
                   periods=tuple(json.loads(row["periods"] or "[]")),
                   finished_at=row["finished_at"])


def entry_of(question: Question, run_id: str, as_of: str, finished_at: str) -> Entry:
    return Entry(id=question.id, run_id=run_id, as_of=as_of, measure=question.measure,
                 filters=question.filters, breakdowns=question.breakdowns,
                 periods=tuple(p.label for p in question.period.periods),
                 finished_at=finished_at)


def read_register(answers_dir: Path) -> list[Entry]:
    path = answers_dir / REGISTER
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [Entry.from_row(row) for row in csv.DictReader(handle)]


def append_to_register(answers_dir: Path, entry: Entry) -> Path:
    """Add ``entry`` (the file is rewritten whole, atomically: a reader never sees half a
    line)."""
    entries = [*read_register(answers_dir), entry]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in entries:
        writer.writerow(item.row())
    path = answers_dir / REGISTER
    write_bytes_atomically(out.getvalue().encode("utf-8"), path)
    return path


# ----------------------------------------------------------------- populations of cells

def _codes(found: Measure, name: str) -> frozenset[str]:
    if name in found.flag_names:
        return frozenset({YES, NO})
    return frozenset(found.codes[name])


def _filtered(found: Measure, name: str, filters: Mapping[str, FilterValue]) -> frozenset[str]:
    """The base codes of ``name`` the filters keep."""
    every = _codes(found, name)
    if name not in filters:
        return every
    value = filters[name]
    if isinstance(value, bool):
        return frozenset({YES if value else NO})
    dim = found.dimension(name)
    return frozenset(c for c in every if set(value) & set(dim.rollup(c)))


def _populations(found: Measure, name: str, filters: Mapping[str, FilterValue],
                 breakdowns: Sequence[str]) -> set[frozenset[str]]:
    """Every set of base codes of ``name`` that a cell of the answer covers."""
    kept = _filtered(found, name, filters)
    if name not in breakdowns:
        return {kept}
    dim = found.dimension(name)
    cells = {c for code in kept for c in dim.rollup(code)}
    out = set()
    for cell in cells:
        covered = frozenset(c for c in kept if cell in dim.rollup(c))
        if covered:
            out.add(covered)
    return out


def _one_apart(a: Iterable[frozenset[str]], b: Iterable[frozenset[str]]) -> str | None:
    """A code that one population of ``a`` and one of ``b`` differ by alone, if any."""
    for x in a:
        for y in b:
            if len(x ^ y) == 1 and (x < y or y < x):
                return next(iter(x ^ y))
    return None


@dataclass(frozen=True)
class Risk:
    """A cell of the new answer one code apart from a cell of an earlier public answer."""

    earlier_id: str
    earlier_run_id: str
    period: str
    dimension: str
    code: str

    def message(self) -> str:
        return (f"differencing risk: a cell of this answer and a cell of the public answer "
                f"{self.earlier_id} (run {self.earlier_run_id}) for {self.period} describe "
                f"populations that differ only by {self.dimension} = {self.code}: subtracting "
                "one from the other would give that group's figure")

    def as_dict(self) -> dict[str, str]:
        return {"earlier_id": self.earlier_id, "earlier_run_id": self.earlier_run_id,
                "period": self.period, "dimension": self.dimension, "code": self.code,
                "message": self.message()}


def differencing_risks(question: Question, register: Sequence[Entry]) -> list[Risk]:
    """The earlier public answers (of other questions, same measure, a common period) with a
    cell one code apart from a cell of ``question``'s answer (module docstring); one risk per
    earlier question (its latest public answer: an answer run again describes the same
    populations)."""
    found = measure(question.measure)
    names = (*found.dimension_names, *found.flag_names)
    mine = {n: _populations(found, n, question.filter_map, question.breakdowns) for n in names}
    periods = {p.label for p in question.period.periods}
    latest = {entry.id: entry for entry in register}  # the register is in the order of runs
    risks = []
    for entry in latest.values():
        if entry.id == question.id or entry.measure != question.measure:
            continue
        common = sorted(periods & set(entry.periods))
        if not common:
            continue
        theirs = {n: _populations(found, n, dict(entry.filters), entry.breakdowns)
                  for n in names}
        for name in names:
            others_match = all(mine[n] & theirs[n] for n in names if n != name)
            code = _one_apart(mine[name], theirs[name]) if others_match else None
            if code is not None:
                risks.append(Risk(entry.id, entry.run_id, common[0], name, code))
                break
    return risks
