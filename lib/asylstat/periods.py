"""Reference periods (month, quarter, year) and calendar arithmetic.

statistics.md, "Periods": a date belongs to a period when ``start <= date <= end``, both ends
included. Labels use SDMX ``TIME_PERIOD`` notation: ``2024-07``, ``2024-Q3``, ``2024``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Frequency = Literal["M", "Q", "A"]

_PATTERNS: dict[Frequency, re.Pattern[str]] = {
    "M": re.compile(r"^(?P<year>\d{4})-(?P<index>\d{2})$"),
    "Q": re.compile(r"^(?P<year>\d{4})-[Qq](?P<index>\d)$"),
    "A": re.compile(r"^(?P<year>\d{4})$"),
}
_EXAMPLES: dict[Frequency, str] = {"M": "YYYY-MM, e.g. 2024-07", "Q": "YYYY-Qn, e.g. 2024-Q3",
                                   "A": "YYYY, e.g. 2024"}
_MAX_INDEX: dict[Frequency, int] = {"M": 12, "Q": 4, "A": 0}


class PeriodError(ValueError):
    """A period text that is malformed or of the wrong kind."""


def add_months(day: date, months: int) -> date:
    """``day`` + N months, statistics.md: the same day number N months later, or the last day
    of that month when it has fewer days (31 August + 6 months = 28/29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


@dataclass(frozen=True, order=True)
class Period:
    """One reference period. ``index`` is the month (1-12), the quarter (1-4) or 0 for a year."""

    freq: Frequency
    year: int
    index: int = 0

    def __post_init__(self) -> None:
        if self.freq not in _MAX_INDEX:
            raise PeriodError(f"unknown frequency {self.freq!r}")
        low = 0 if self.freq == "A" else 1
        if not (low <= self.index <= _MAX_INDEX[self.freq]) or not (1900 <= self.year <= 2999):
            raise PeriodError(f"no such period: freq={self.freq} year={self.year} "
                              f"index={self.index}")

    @classmethod
    def parse(cls, text: str, freq: Frequency) -> Period:
        """Parse ``text`` as a period of frequency ``freq``; :class:`PeriodError` otherwise."""
        match = _PATTERNS[freq].match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise PeriodError(f"{text!r} is not a period of the expected kind "
                              f"(expected {_EXAMPLES[freq]})")
        year = int(match["year"])
        index = int(match.groupdict().get("index") or 0)
        if freq != "A" and not 1 <= index <= _MAX_INDEX[freq]:
            what = "month" if freq == "M" else "quarter"
            raise PeriodError(f"{text!r} has no {what} {index} (expected {_EXAMPLES[freq]})")
        return cls(freq, year, index)

    @property
    def label(self) -> str:
        if self.freq == "M":
            return f"{self.year:04d}-{self.index:02d}"
        if self.freq == "Q":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    @property
    def first_month(self) -> int:
        return {"M": self.index, "Q": 3 * self.index - 2, "A": 1}[self.freq]

    @property
    def n_months(self) -> int:
        return {"M": 1, "Q": 3, "A": 12}[self.freq]

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        last_month = self.first_month + self.n_months - 1
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def months(self) -> tuple[Period, ...]:
        return tuple(Period("M", self.year, m)
                     for m in range(self.first_month, self.first_month + self.n_months))

    def quarters(self) -> tuple[Period, ...]:
        """The quarters within this period (empty for a month)."""
        if self.freq == "M":
            return ()
        return tuple(Period("Q", self.year, q)
                     for q in range((self.first_month + 2) // 3,
                                    (self.first_month + self.n_months - 1) // 3 + 1))

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.freq == "A":
            return Period("A", self.year - 1)
        n = _MAX_INDEX[self.freq]
        y, i = divmod(self.year * n + self.index - 2, n)
        return Period(self.freq, y, i + 1)

    def year_earlier(self) -> Period:
        return Period(self.freq, self.year - 1, self.index)

    def __str__(self) -> str:
        return self.label


def containing(month: Period, freq: Frequency) -> Period:
    """The period of kind ``freq`` that holds the month ``month``."""
    if freq == "M":
        return month
    if freq == "Q":
        return Period("Q", month.year, (month.index + 2) // 3)
    return Period("A", month.year)


def split_range(first: Period, last: Period, freq: Frequency) -> tuple[Period, ...]:
    """The consecutive periods of kind ``freq`` that make up exactly the range from the start
    of ``first`` to the end of ``last`` (questions.md: each must lie inside the range, so
    quarters over ``2023-02`` … ``2023-12`` are an error, :class:`PeriodError`)."""
    if first.freq != last.freq:
        raise PeriodError(f"{first.label} and {last.label} are periods of different kinds")
    if last.start < first.start:
        raise PeriodError(f"the range ends ({last.label}) before it starts ({first.label})")
    months = [m for p in _walk(first, last) for m in p.months()]
    out: list[Period] = []
    for month in months:
        period = containing(month, freq)
        if not out or out[-1] != period:
            out.append(period)
    if out[0].start != first.start or out[-1].end != last.end:
        outside = out[0] if out[0].start != first.start else out[-1]
        raise PeriodError(f"{first.label} … {last.label} is not made of whole periods of kind "
                          f"{freq}: {outside.label} lies partly outside it")
    return tuple(out)


def _walk(first: Period, last: Period) -> list[Period]:
    """``first``, the next period of its kind, … up to ``last``."""
    out = [last]
    while out[-1] != first:
        out.append(out[-1].previous())
    return out[::-1]


@dataclass(frozen=True)
class Span:
    """A range of whole periods counted as one period (a question's ``by = "none"``,
    questions.md): each unit is counted once over the whole range, a stock taken on its last
    day. It offers what a records function reads of a period (``start``, ``end``, ``label``,
    ``freq``); its label is ``FROM/TO`` (``2019/2024``, ``2023-01/2023-12``)."""

    first: Period
    last: Period

    def __post_init__(self) -> None:
        if self.first.freq != self.last.freq or self.last.start < self.first.start:
            raise PeriodError(f"no such range: {self.first.label} … {self.last.label}")

    #: not a frequency of :class:`Period`: a span is never counted together with periods
    freq = "R"

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def end(self) -> date:
        return self.last.end

    @property
    def label(self) -> str:
        return f"{self.first.label}/{self.last.label}"

    def __str__(self) -> str:
        return self.label
