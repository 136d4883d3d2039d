"""A question file (questions.md, "A question is a file"), parsed and validated once, before the
warehouse is read, into a frozen :class:`Question`.

Every error is a :class:`QuestionError` naming the key (``period.by``, ``filters.citizen``) and
the allowed values; the command line exits 2 on one (:data:`EXIT_QUESTION`).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from asylstat.dataflows.common import SCOPES, Scope
from asylstat.params import ParameterError, format_as_of, parse_as_of
from asylstat.periods import Frequency, Period, PeriodError, Span, split_range
from asylstat.questions.catalogue import Measure, measure, measure_names
from asylstat.report.i18n import LANGUAGES

#: questions.md: exit status of a bad question (as for bad run parameters)
EXIT_QUESTION = 2

By = Literal["month", "quarter", "year", "none"]
BY_FREQ: dict[str, Frequency | None] = {"month": "M", "quarter": "Q", "year": "A", "none": None}
Disclosure = Literal["public", "exact"]
DISCLOSURES: tuple[Disclosure, ...] = ("public", "exact")

#: every key of a question file, in the order of questions.md
KEYS = ("id", "title", "requested_by", "measure", "scope", "period", "filters", "breakdowns",
        "as_of", "disclosure", "languages")
REQUIRED = ("id", "title", "measure", "period", "as_of")
PERIOD_KEYS = ("from", "to", "by")
#: the values of the keys a question may leave out (docs/questions.md): the Eurostat scope,
#: no filter, no breakdown, rounded figures (never disclose by omission), French and Dutch
DEFAULTS: Mapping[str, Any] = {"requested_by": "", "scope": "eurostat", "filters": {},
                               "breakdowns": [], "disclosure": "public",
                               "languages": ["fr", "nl"]}

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
#: names the answers folder uses for itself (an id is the name of its answers' folder)
RESERVED_IDS = frozenset({"failed", "archive", "register.csv"})
_KIND_NAMES: dict[Frequency, str] = {"M": "month", "Q": "quarter", "A": "year"}

FilterValue = tuple[str, ...] | bool


class QuestionError(ValueError):
    """A question that cannot be answered as written: ``key`` is the offending key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


@dataclass(frozen=True)
class PeriodRange:
    """``period = { from, to, by }``: the range and how it is split."""

    first: Period
    last: Period
    by: By

    @property
    def periods(self) -> tuple[Period | Span, ...]:
        """The periods of the split, in order (one :class:`Span` for ``by = "none"``)."""
        freq = BY_FREQ[self.by]
        if freq is None:
            return (Span(self.first, self.last),)
        return split_range(self.first, self.last, freq)

    def as_dict(self) -> dict[str, str]:
        return {"from": self.first.label, "to": self.last.label, "by": self.by}


@dataclass(frozen=True)
class Question:
    """A validated question (questions.md). ``filters`` keep the file's order."""

    id: str
    title: str
    requested_by: str
    measure: str
    scope: Scope
    period: PeriodRange
    filters: tuple[tuple[str, FilterValue], ...]
    breakdowns: tuple[str, ...]
    as_of: datetime
    disclosure: Disclosure
    languages: tuple[str, ...]

    @property
    def the_measure(self) -> Measure:
        return measure(self.measure)

    @property
    def filter_map(self) -> dict[str, FilterValue]:
        return dict(self.filters)

    def as_dict(self) -> dict[str, object]:
        """The question as recorded in the manifest and the register (canonical values)."""
        return {"id": self.id, "title": self.title, "requested_by": self.requested_by,
                "measure": self.measure, "scope": self.scope, "period": self.period.as_dict(),
                "filters": {k: (v if isinstance(v, bool) else list(v))
                            for k, v in self.filters},
                "breakdowns": list(self.breakdowns), "as_of": format_as_of(self.as_of),
                "disclosure": self.disclosure, "languages": list(self.languages)}


def question_hash(data: bytes) -> str:
    """The SHA-256 of the question file's bytes (recorded in the manifest)."""
    return hashlib.sha256(data).hexdigest()


def read_question(path: Path | str) -> tuple[Question, bytes]:
    """The question in the file ``path`` and the file's bytes."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuestionError("(file)", f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_question(data), data


def parse_question(data: bytes | str) -> Question:
    """Parse and validate a question file's text (see the module's docstring)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QuestionError("(file)", f"not a TOML file: {exc}") from None
    except UnicodeDecodeError as exc:
        raise QuestionError("(file)", f"not UTF-8 text: {exc}") from None
    return validate(doc)


def _allowed(values: Sequence[str]) -> str:
    return "allowed: " + ", ".join(values)


def validate(doc: Mapping[str, Any]) -> Question:
    """A question from the parsed TOML document (see the module's docstring)."""
    unknown = [k for k in doc if k not in KEYS]
    if unknown:
        raise QuestionError(unknown[0], f"unknown key; {_allowed(KEYS)}")
    missing = [k for k in REQUIRED if k not in doc]
    if missing:
        raise QuestionError(missing[0], "required: every question states it "
                            f"(required keys: {', '.join(REQUIRED)})")
    doc = {**DEFAULTS, **doc}
    qid = _text(doc, "id")
    if qid in RESERVED_IDS:
        raise QuestionError("id", f"{qid!r} is reserved for the answers folder itself; "
                            "choose another reference")
    if not _ID.match(qid):
        raise QuestionError("id", f"{qid!r} is not a reference: letters, digits, '-', '_' and "
                            "'.', not starting with '.' or '-', at most 100 characters")
    the_measure = _choice(doc, "measure", measure_names())
    found = measure(the_measure)
    scope = _choice(doc, "scope", SCOPES)
    return Question(
        id=qid, title=_text(doc, "title"), requested_by=_text(doc, "requested_by", empty=True),
        measure=the_measure, scope=scope,  # type: ignore[arg-type]
        period=_period(doc["period"]), filters=_filters(doc["filters"], found),
        breakdowns=_breakdowns(doc["breakdowns"], found), as_of=_as_of(doc["as_of"]),
        disclosure=_choice(doc, "disclosure", DISCLOSURES),  # type: ignore[arg-type]
        languages=_languages(doc["languages"]))


def _text(doc: Mapping[str, Any], key: str, *, empty: bool = False) -> str:
    value = doc[key]
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise QuestionError(key, f"{value!r} is not {'a' if empty else 'a non-empty'} text "
                            "(write it in quotes)")
    return value.strip()


def _choice(doc: Mapping[str, Any], key: str, allowed: Sequence[str]) -> str:
    value = doc[key]
    if not isinstance(value, str) or value not in allowed:
        raise QuestionError(key, f"{value!r} is not known; {_allowed(allowed)}")
    return value


def _period_text(value: object, key: str) -> Period:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # from = 2019 written without quotes
    if isinstance(value, str):
        for freq in ("M", "Q", "A"):
            try:
                return Period.parse(value, freq)  # type: ignore[arg-type]
            except PeriodError:
                continue
    raise QuestionError(key, f"{value!r} is not a period; allowed: a month YYYY-MM, a quarter "
                        "YYYY-Qn or a year YYYY")


def _period(value: object) -> PeriodRange:
    if not isinstance(value, Mapping):
        raise QuestionError("period", f"{value!r} is not a table; write period = "
                            '{ from = "2023-01", to = "2023-12", by = "month" }')
    unknown = [k for k in value if k not in PERIOD_KEYS]
    if unknown:
        raise QuestionError(f"period.{unknown[0]}", f"unknown key; {_allowed(PERIOD_KEYS)}")
    for key in PERIOD_KEYS:
        if key not in value:
            raise QuestionError(f"period.{key}", "required; period needs from, to and by")
    first = _period_text(value["from"], "period.from")
    last = _period_text(value["to"], "period.to")
    if first.freq != last.freq:
        raise QuestionError("period.to", f"{last.label} is a {_KIND_NAMES[last.freq]} but from "
                            f"({first.label}) is a {_KIND_NAMES[first.freq]}: both must be "
                            "periods of one kind")
    if last.start < first.start:
        raise QuestionError("period.to", f"{last.label} is before from ({first.label}); "
                            "from <= to")
    by = value["by"]
    if not isinstance(by, str) or by not in BY_FREQ:
        raise QuestionError("period.by", f"{by!r} is not known; {_allowed(tuple(BY_FREQ))}")
    found = PeriodRange(first, last, by)  # type: ignore[arg-type]
    try:
        found.periods  # noqa: B018 - the split is part of the validation
    except PeriodError as exc:
        raise QuestionError("period.by", f"{exc}: each {by} must lie inside the range; "
                            f"choose from and to that begin and end a {by}, or another "
                            f"by ({_allowed(tuple(BY_FREQ))})") from None
    return found


def _filters(value: object, found: Measure) -> tuple[tuple[str, FilterValue], ...]:
    if not isinstance(value, Mapping):
        raise QuestionError("filters", f"{value!r} is not a table; write filters = "
                            '{ citizen = ["AF"], unaccompanied_minor = true }')
    names = (*found.dimension_names, *found.flag_names)
    out: list[tuple[str, FilterValue]] = []
    for key, codes in value.items():
        where = f"filters.{key}"
        if key in found.flag_names:
            if not isinstance(codes, bool):
                raise QuestionError(where, f"{codes!r} is not a boolean; allowed: true, false")
            out.append((key, codes))
            continue
        if key not in found.dimension_names:
            raise QuestionError(where, f"{found.name} has no dimension or flag {key!r}; "
                                f"{_allowed(names)}")
        allowed = found.allowed_codes(key)
        if (not isinstance(codes, list) or not codes
                or not all(isinstance(c, str) for c in codes)):
            raise QuestionError(where, f"{codes!r} is not a non-empty list of codes; write "
                                f'{key} = ["{allowed[0]}"]')
        bad = [c for c in codes if c not in allowed]
        if bad:
            raise QuestionError(where, f"unknown code {bad[0]!r}; {_allowed(allowed)}")
        if len(set(codes)) != len(codes):
            raise QuestionError(where, f"a code is repeated in {codes!r}")
        out.append((key, tuple(codes)))
    return tuple(out)


def _breakdowns(value: object, found: Measure) -> tuple[str, ...]:
    names = found.dimension_names
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QuestionError("breakdowns", f"{value!r} is not a list of dimensions; "
                            f"{_allowed(names)}")
    for name in value:
        if name not in names:
            raise QuestionError("breakdowns", f"{found.name} has no dimension {name!r}; "
                                f"{_allowed(names)}")
    if len(set(value)) != len(value):
        raise QuestionError("breakdowns", f"a dimension is repeated in {value!r}")
    return tuple(value)


def _as_of(value: object) -> datetime:
    if isinstance(value, datetime):  # a TOML date-time written without quotes
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):  # a TOML date written without quotes: midnight UTC
        return datetime(value.year, value.month, value.day)
    try:
        return parse_as_of(value)  # type: ignore[arg-type]
    except ParameterError as exc:
        raise QuestionError("as_of", str(exc).removeprefix("AS_OF=")) from None


def _languages(value: object) -> tuple[str, ...]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and v in LANGUAGES for v in value)):
        raise QuestionError("languages", f"{value!r} is not a non-empty list of languages; "
                            f"{_allowed(LANGUAGES)}")
    if len(set(value)) != len(value):
        raise QuestionError("languages", f"a language is repeated in {value!r}")
    return tuple(value)
