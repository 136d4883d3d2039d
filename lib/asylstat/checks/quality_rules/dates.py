"""Rules on dates and persons' attributes: dates out of order, dates after ``as_of``,
implausible birth dates, an unaccompanied minor aged 18+, missing values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import ibis
import ibis.expr.types as ir

from asylstat.checks.quality_rules.base import Context, Rule, rows_with_key
from asylstat.derive import age_years
from asylstat.warehouse.contract import key_column

#: a condition on the referenced rows (for example "the request was accepted")
RefCondition = Callable[[Context, ibis.Table], ir.BooleanValue]


@dataclass(frozen=True)
class DateBefore(Rule):
    """Rows of ``table_name`` whose ``column`` is earlier than ``earlier_column`` — of the same
    row, or (with ``via``) of some visible row of the referenced table that satisfies
    ``ref_condition``. Unit: rows. Reference date: the two dates compared. Dates are used as
    recorded by the statistics (statistics.md, "Warehouse faults")."""

    name: str
    table_name: str
    column: str
    earlier_column: str
    #: ``(foreign key column in table_name, referenced table)``; None: the same row
    via: tuple[str, str] | None = None
    ref_condition: RefCondition | None = None
    #: the condition in words
    condition_text: str = ""
    #: what the statistics do with such a row
    consequence: str = "the statistics use the dates as recorded."

    @property
    def rule_id(self) -> str:
        return f"dq.date_order.{self.name}"

    @property
    def table(self) -> str:
        return self.table_name

    def reference_text(self) -> str:
        return f"{self.table_name}.{self.column} compared with {self._earlier()}"

    def _earlier(self) -> str:
        if self.via is None:
            return f"{self.table_name}.{self.earlier_column} of the same row"
        return f"{self.via[1]}.{self.earlier_column} of the {self.via[1]} it refers to"

    def source(self) -> str | None:
        # across tables: a semi-join of its own (a hash join on the reference)
        return None if self.via is not None else super().source()

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return rows[self.column] < rows[self.earlier_column]

    def failing(self, ctx: Context) -> ibis.Table:
        if self.via is None:
            return super().failing(ctx)
        t = ctx.visible(self.table_name)
        fk, ref_table = self.via
        ref = ctx.visible(ref_table)
        if self.ref_condition is not None:
            ref = ref.filter(self.ref_condition(ctx, ref))
        ref = ref.filter(ref[self.earlier_column].notnull()).select(
            _ref_key=ref[key_column(ref_table)], _ref_date=ref[self.earlier_column])
        bad = t.semi_join(ref, [t[fk] == ref._ref_key, t[self.column] < ref._ref_date])
        return rows_with_key(bad, self.table_name)

    def what(self) -> str:
        cond = f" ({self.condition_text})" if self.condition_text else ""
        return (f"{self.table_name}.{self.column} is earlier than {self._earlier()}{cond}; "
                f"{self.consequence}")

    def correction(self) -> str:
        return "ICT should check which of the two dates is wrong and correct it."


@dataclass(frozen=True)
class DateAfterAsOf(Rule):
    """Rows whose ``column`` is later than the day of ``as_of``: an event that cannot have
    happened yet (typically a typo in the year). Unit: rows. Reference date: the day of
    ``as_of`` (UTC). The statistics use the date as recorded."""

    table_name: str
    column: str
    reference_date: ClassVar[str] = "the day of as_of ({as_of_date})"

    @property
    def rule_id(self) -> str:
        return f"dq.after_as_of.{self.table_name}.{self.column}"

    @property
    def table(self) -> str:
        return self.table_name

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return rows[self.column] > ctx.as_of_date

    def what(self) -> str:
        return (f"{self.table_name}.{self.column} is later than {{as_of_date}}, the day the "
                "warehouse is read as of; the statistics use the date as recorded.")

    def correction(self) -> str:
        return "ICT should correct the date (often a typo in the year)."


@dataclass(frozen=True)
class BirthDateInFuture(Rule):
    """Person rows whose ``birth_date`` is later than the day of ``as_of``. Unit: person rows.
    Reference date: the day of ``as_of``. The age is then unknown (``UNK``)."""

    reference_date: ClassVar[str] = "the day of as_of ({as_of_date})"

    @property
    def rule_id(self) -> str:
        return "dq.birth_date.in_future"

    @property
    def table(self) -> str:
        return "person"

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return rows.birth_date > ctx.as_of_date

    def what(self) -> str:
        return ("person.birth_date is later than {as_of_date}; such a person's age is unknown "
                "(UNK) in every table.")

    def correction(self) -> str:
        return "ICT should correct the birth date."


@dataclass(frozen=True)
class AgeAbove(Rule):
    """Person rows whose age in completed years (statistics.md, "Age") on the day of ``as_of``
    is above ``limit`` (110): a placeholder such as 1900-01-01 or a century typo. Unit:
    person rows. Reference date: the day of ``as_of``. Ages follow the age rule all the same."""

    limit: int = 110
    reference_date: ClassVar[str] = "age on the day of as_of ({as_of_date})"

    @property
    def rule_id(self) -> str:
        return f"dq.birth_date.age_over_{self.limit}"

    @property
    def table(self) -> str:
        return "person"

    def limit_text(self) -> str:
        return f"an age above {self.limit} years"

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        day = ibis.literal(ctx.as_of_date, type="date")
        return age_years(day, rows.birth_date) > self.limit

    def what(self) -> str:
        return (f"person.birth_date gives an age above {self.limit} on {{as_of_date}}; the "
                "statistics use the age as it follows from the date.")

    def correction(self) -> str:
        return "ICT should correct the birth date (placeholder or century typo)."


@dataclass(frozen=True)
class UnaccompaniedMinorAdult(Rule):
    """Application rows with ``unaccompanied_minor`` true and a ``lodged_date`` whose person
    (some visible version with a birth date) is 18 or older on the lodging date
    (statistics.md, "Age"). Unit: application rows. Reference date: ``lodged_date``.
    MIGR_ASYUMACTM and MIGR_ASYUNAA count such a person under age ``UNK``."""

    adult_age: int = 18
    reference_date: ClassVar[str] = "age on the application's lodged_date"

    @property
    def rule_id(self) -> str:
        return "dq.unaccompanied_minor_aged_18_plus"

    @property
    def table(self) -> str:
        return "application"

    def source(self) -> None:
        return None  # persons joined to applications: a query of its own

    def failing(self, ctx: Context) -> ibis.Table:
        app = ctx.visible("application")
        app = app.filter(app.unaccompanied_minor, app.lodged_date.notnull())
        person = ctx.visible("person")
        person = person.filter(person.birth_date.notnull()).select(
            _person_id=person.person_id, _birth=person.birth_date)
        # (person, lodging date) pairs at which some version of the person is an adult: an
        # equality join first, so that the engine can hash it
        pairs = app.select(_pid="person_id", _lodged="lodged_date").distinct()
        pairs = pairs.join(person, pairs._pid == person._person_id)
        pairs = pairs.filter(age_years(pairs._lodged, pairs._birth) >= self.adult_age)
        pairs = pairs.select("_pid", "_lodged").distinct()
        adult = app.semi_join(pairs, [app.person_id == pairs._pid,
                                      app.lodged_date == pairs._lodged])
        return rows_with_key(adult, "application")

    def what(self) -> str:
        return (f"an application of an unaccompanied minor whose person is {self.adult_age} or "
                "older on the lodging date; the unaccompanied-minor tables count the person "
                "under age UNK.")

    def correction(self) -> str:
        return "ICT should correct the birth date or the unaccompanied-minor flag."


@dataclass(frozen=True)
class MissingValue(Rule):
    """Rows whose ``column`` is NULL (an explicit 'unknown' code such as XXX is a value, not a
    missing one). Unit: rows. Reference date: the warehouse as of ``as_of``. Counted under
    ``UNK``. Per-month completeness among applicants is reported beside it."""

    table_name: str
    column: str
    #: what the statistics do with such a row
    consequence: str = "the statistics count it as unknown (UNK)."

    @property
    def rule_id(self) -> str:
        return f"dq.missing.{self.table_name}.{self.column}"

    @property
    def table(self) -> str:
        return self.table_name

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return rows[self.column].isnull()

    def what(self) -> str:
        return f"{self.table_name}.{self.column} is missing (NULL); {self.consequence}"

    def correction(self) -> str:
        return f"ICT should complete {self.column} where the source system knows it."
