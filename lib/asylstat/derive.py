"""Person-level facts derived in the engine: age, age group, the person's attributes.

Each rule has one home here (statistics.md, "Common rules").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
from ibis import _

from asylstat.codes import UNK, eurostat_citizen, eurostat_sex
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot, shared


def age_years(on: ibis.DateValue, birth: ibis.DateValue) -> ibis.IntegerValue:
    """Age in completed years on ``on`` (statistics.md, "Age"):
    ``d.year - b.year - (1 if (d.month, d.day) < (b.month, b.day) else 0)``.
    NULL when the birth date is NULL."""
    before_birthday = (on.month() * 100 + on.day()) < (birth.month() * 100 + birth.day())
    return (on.year() - birth.year() - ibis.ifelse(before_birthday, 1, 0)).cast("int64")


@dataclass(frozen=True)
class AgeBands:
    """Named bands of completed years; an age outside every band, a NULL birth date or a birth
    date later than the reference date (negative age) is ``UNK``."""

    bands: tuple[tuple[str, int, int | None], ...]

    def group(self, on: ibis.DateValue, birth: ibis.DateValue) -> ibis.StringValue:
        age = age_years(on, birth)
        cases = [((age >= low) & (age <= high) if high is not None else (age >= low), code)
                 for code, low, high in self.bands]
        return ibis.cases(*cases, else_=UNK)

    @property
    def codes(self) -> tuple[str, ...]:
        return (*(code for code, _, _ in self.bands), UNK)


#: statistics.md, "Age": Y_LT14 0-13, Y14-17, Y18-34, Y35-64, Y_GE65
EUROSTAT_AGES = AgeBands((("Y_LT14", 0, 13), ("Y14-17", 14, 17), ("Y18-34", 18, 34),
                          ("Y35-64", 35, 64), ("Y_GE65", 65, None)))
#: MIGR_ASYUMACTM: minors only; an "unaccompanied minor" aged 18+ is UNK
MINOR_AGES = AgeBands((("Y_LT14", 0, 13), ("Y14-17", 14, 17)))
#: MIGR_ASYUNAA: its own groups, 18+ is UNK
UNAA_AGES = AgeBands((("Y_LT14", 0, 13), ("Y14-15", 14, 15), ("Y16-17", 16, 17)))


@shared
def persons(snap: Snapshot) -> ibis.Table:
    """One row per person of the as-of view: ``person_id, citizen, sex, birth_date`` with the
    Eurostat codes."""
    person = snap.view("person")
    person = snap.with_codes(person, "person", citizen=("citizenship", eurostat_citizen),
                             sex=("sex", eurostat_sex))
    return person.select("person_id", "birth_date", "citizen", "sex")


def with_person(records: ibis.Table, snap: Snapshot, age_on: str,
                ages: AgeBands = EUROSTAT_AGES,
                more_ages: Mapping[str, AgeBands] | None = None) -> ibis.Table:
    """Attach ``citizen``, ``sex`` and ``age`` (group on the date column ``age_on``) of each
    record's person, and a column of the age in other bands for each of ``more_ages`` (for
    tables counted together). A person missing from the warehouse as of ``as_of`` counts
    with ``UNK`` citizenship, sex and age (statistics.md, "Warehouse faults")."""
    people = persons(snap).rename(_person_id="person_id")
    joined = records.left_join(people, records.person_id == people._person_id)
    bands = {"age": ages, **(more_ages or {})}
    return joined.mutate(
        citizen=joined.citizen.fill_null(UNK),
        sex=joined.sex.fill_null(UNK),
        **{name: band.group(joined[age_on], joined.birth_date).fill_null(UNK)
           for name, band in bands.items()},
    ).drop("_person_id", "birth_date")


def with_citizen(records: ibis.Table, snap: Snapshot) -> ibis.Table:
    """Attach only ``citizen`` of each record's person (records that already carry other
    person facts, such as the Dublin events' ``sex`` and ``minor``); ``UNK`` for a person
    missing from the warehouse as of ``as_of``, as in :func:`with_person`."""
    people = persons(snap).select(_person_id="person_id", _citizen="citizen")
    joined = records.left_join(people, records.person_id == people._person_id)
    return joined.mutate(citizen=joined._citizen.fill_null(UNK)).drop("_person_id", "_citizen")


def period_of(day: ibis.DateValue, periods: Sequence[Period]) -> ibis.StringValue:
    """The label of the period (of one frequency) that holds ``day``, else NULL."""
    cases = [((day >= p.start) & (day <= p.end), p.label) for p in periods]
    return ibis.cases(*cases, else_=ibis.null("string"))


def period_ends(periods: Sequence[Period]) -> ibis.Table:
    """A small in-memory table ``period, period_end`` for stocks on the last day."""
    return ibis.memtable({"period": [p.label for p in periods],
                          "period_end": [p.end for p in periods]},
                         schema={"period": "string", "period_end": "date"})


def union_all(*parts: ibis.Table) -> ibis.Table:
    """The rows of every part (``UNION ALL``). Columns are made nullable first: a left join
    upstream (``with_person``, ``Snapshot.with_codes``) makes Ibis mark a column nullable in
    one part and not in another, and Ibis refuses a union of schemas that differ only so."""
    return ibis.union(*[p.select(**{c: p[c].cast(p[c].type().copy(nullable=True))
                                   for c in p.columns}) for p in parts], distinct=False)


def in_any_period(day: ibis.DateValue, periods: Sequence[Period]) -> ibis.BooleanValue:
    return ibis.or_(*[(day >= p.start) & (day <= p.end) for p in periods])


__all__ = ["AgeBands", "EUROSTAT_AGES", "MINOR_AGES", "UNAA_AGES", "age_years", "in_any_period",
           "period_ends", "period_of", "persons", "union_all", "with_citizen", "with_person",
           "_"]
