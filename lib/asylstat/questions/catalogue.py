"""The catalogue of measures a question may ask for (questions.md, "The catalogue of measures").

A measure is not a new counting rule: it is a declared table (:class:`asylstat.cube.CubeSpec`,
its ``source``) generalised to any list of periods, with

- the source's **records function**, called with a few keywords changed (``overrides``: both
  Dublin directions and both kinds of request at once) and the question's ``scope`` (the
  ``eurostat`` scope excludes resettlement, ``national`` keeps it:
  :func:`asylstat.dataflows.common.in_scope`);
- the source's **unit** and **reference record** (each person once per period, by the same
  record that places them in the official table's cells);
- **dimensions** taken from the declarations (``asylstat.dataflows``), and **flags**: boolean
  columns of the records, read on the reference record as the matching table reads them;
- the base **codes** of each dimension (what a filter may name, with the dimension's margins).

:func:`measure_cube` turns a measure into a :class:`~asylstat.cube.CubeSpec` whose cells are
every dimension and flag of the measure, counted by the one cube builder (:mod:`asylstat.cube`).
The equivalence of each measure with its source table is proven by
``tests/test_questions.py`` (the question equivalent to a regular table gives exactly its cells).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import ibis

from asylstat.codes import UNK, contract_codes, dublin_partner_codes, eurostat_citizen_codes
from asylstat.cube import CubeSpec, Dimension, RecordsFn
from asylstat.dataflows.applications import ASYACCM, ASYAPPCTZM, ASYUMACTM, NAT_SUBMISSION
from asylstat.dataflows.common import Scope
from asylstat.dataflows.decisions import ASYDCFINA, ASYDCFSTQ, DECISION, DECISION_CODES
from asylstat.dataflows.dimensions import AGE, APPLICANT, CHANNEL, CITIZEN, LEGAL_TYPE, SEX
from asylstat.dataflows.dublin import (
    DECISION as DUBLIN_DECISION,
)
from asylstat.dataflows.dublin import (
    DECISION_OF_REPLY,
    DIRECTIONS,
    DUBDO,
    DUBDRO,
    DUBREDACO,
    DUBRO,
    DUBRRO,
    DUBTO,
    DURATION,
    LEG_PROV,
    MINOR,
    PARTNER,
    REQ_TYPE,
    TB,
    TC,
    TRANSFER_DURATIONS,
)
from asylstat.dataflows.pending import ASYPENCTZM
from asylstat.dataflows.returns import (
    ASSIST,
    C_DEST,
    C_RTN,
    EIORD1,
    EIRTN1,
    FRONTEX_GROUND,
    GROUND,
    RETURN_AGES,
    RETURN_TYPE,
    TO_CITIZENSHIP,
    TO_OTHER,
)
from asylstat.dataflows.withdrawals import ASYWITHM, WITHDR
from asylstat.derive import EUROSTAT_AGES
from asylstat.periods import Period, Span
from asylstat.warehouse.snapshot import Snapshot

#: a flag's value on a record, as counted: ``Y`` when true, ``N`` when false or unknown (as
#: the tables' conditions on the reference record keep them: NULL is not true)
YES, NO = "Y", "N"
#: the prefix of a flag's column among the cube's dimensions
FLAG_PREFIX = "_flag_"

#: the national breakdown ``procedure`` (an application's procedure, as for MIGR_ASYACCM)
PROCEDURE = Dimension("procedure")
#: a question's Dublin ``direction``: OUT + IN = TOTAL (the tables have one direction each)
DIRECTION = Dimension("direction")


@dataclass(frozen=True)
class Flag:
    """A yes/no property of a unit, read on its reference record: ``column`` of the records
    (a boolean)."""

    name: str
    column: str
    definition: str

    @property
    def cube_column(self) -> str:
        return FLAG_PREFIX + self.name


@dataclass(frozen=True)
class Measure:
    """One measure of the catalogue (see the module's docstring)."""

    name: str
    source: CubeSpec
    definition: str
    dimensions: tuple[Dimension, ...]
    #: the base codes of each dimension (a filter may name these and the dimension's margins)
    codes: Mapping[str, tuple[str, ...]]
    flags: tuple[Flag, ...] = ()
    #: keywords of the source's records function that the measure changes
    overrides: Mapping[str, object] = field(default_factory=dict)
    #: whether the records function takes the question's ``scope`` (the Dublin ones do not:
    #: statistics.md, "Scope": Dublin tables are not filtered by channel)
    scoped: bool = True
    #: a stock, taken on each period's last day (else a flow over the period)
    stock: bool = False

    @property
    def unit(self) -> str:
        return self.source.unit

    @property
    def rule(self) -> str:
        """The table whose rule the measure follows (its name)."""
        return self.source.name

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def flag_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.flags)

    def dimension(self, name: str) -> Dimension:
        for dim in self.dimensions:
            if dim.name == name:
                return dim
        raise KeyError(name)

    def flag(self, name: str) -> Flag:
        for flag in self.flags:
            if flag.name == name:
                return flag
        raise KeyError(name)

    def allowed_codes(self, name: str) -> tuple[str, ...]:
        """The codes a filter on dimension ``name`` may name: its shown base codes, then its
        margins (sorted)."""
        dim = self.dimension(name)
        shown = [c for c in self.codes[name] if c not in dim.hidden]
        return (*sorted(shown), *sorted(dim.margins))

    def records(self, scope: Scope) -> RecordsFn:
        """The source's records function with the measure's keywords and ``scope``."""
        keywords = dict(self.overrides)
        if self.scoped:
            keywords["scope"] = scope
        return partial(self.source.records, **keywords)


def _codes(*values: str) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def _contract(table: str, column: str) -> tuple[str, ...]:
    return _codes(*contract_codes(table, column), UNK)


_PERSON_CODES: dict[str, tuple[str, ...]] = {
    CITIZEN.name: _codes(*eurostat_citizen_codes()),
    SEX.name: _codes("F", "M", UNK),
    AGE.name: _codes(*EUROSTAT_AGES.codes),
}
_DUBLIN_CODES: dict[str, tuple[str, ...]] = {
    DIRECTION.name: _codes(*DIRECTIONS),
    PARTNER.name: _codes(*dublin_partner_codes()),
    REQ_TYPE.name: _codes(TC, TB),
    LEG_PROV.name: _contract("dublin_request", "legal_basis"),
    SEX.name: _codes("F", "M", UNK),
    MINOR.name: _codes("UAM", "ACM", "ADU", UNK),
}
_DUBLIN_DIMS = (DIRECTION, PARTNER, REQ_TYPE, LEG_PROV)

UNACCOMPANIED = Flag(
    "unaccompanied_minor", "unaccompanied_minor",
    f"the reference application was lodged as an unaccompanied minor's (as {ASYUMACTM.name}, "
    "with the ordinary age groups)")
ACCELERATED = Flag(
    "accelerated", "accelerated",
    "any of the person's applications lodged in the period is under the accelerated "
    f"procedure (as {ASYACCM.name})")
REEXAMINATION = Flag(
    "reexamination", "reexamination",
    "the request is a request to re-examine an earlier one (false: the requests of "
    f"{DUBRO.name} and the replies of {DUBDO.name}; true: those of {DUBRRO.name} and "
    f"{DUBDRO.name}; both directions alike)")
EURODAC_HIT = Flag(
    "eurodac_hit", "eurodac_hit",
    f"the request is based on a Eurodac hit (with reexamination = false: {DUBREDACO.name})")

APPLICANTS = Measure(
    "applicants", ASYAPPCTZM,
    "Persons who lodged an application for international protection in the period, each "
    "counted once by their earliest application of the period (its citizenship, sex and age "
    "at lodging); first-time (FRST): no earlier lodged application; subsequent (SSEQ): an "
    "application of the period is a subsequent one.",
    dimensions=(CITIZEN, SEX, AGE, APPLICANT),
    codes={**_PERSON_CODES, APPLICANT.name: _codes("FRST", "SSEQ", "NONE")},
    flags=(UNACCOMPANIED, ACCELERATED))
APPLICATIONS = Measure(
    "applications", NAT_SUBMISSION,
    "Applications (not persons) lodged in the period, each application of each person, "
    "family members included; citizenship, sex and age at lodging of the applicant.",
    dimensions=(CITIZEN, SEX, AGE, LEGAL_TYPE, CHANNEL, PROCEDURE),
    codes={**_PERSON_CODES, LEGAL_TYPE.name: _contract("application", "legal_type"),
           CHANNEL.name: _contract("application", "channel"),
           PROCEDURE.name: _contract("application", "procedure")},
    flags=(UNACCOMPANIED,))
PENDING = Measure(
    "pending", ASYPENCTZM,
    "Persons with at least one application open on the last day of the period (lodged on or "
    "before it and not closed by a withdrawal, a final decision that is not an annulment or a "
    "Dublin closure on or before it), each counted once by the open application lodged "
    "earliest (citizenship, sex, age on that day).",
    dimensions=(CITIZEN, SEX, AGE), codes=_PERSON_CODES, stock=True)
WITHDRAWALS = Measure(
    "withdrawals", ASYWITHM,
    "Persons with a withdrawal of an application dated in the period, each counted once by "
    "the earliest withdrawal of the period: its type (EXPL explicit, IMPL implicit, UNK other), "
    "citizenship, sex and age at that date.",
    dimensions=(CITIZEN, SEX, AGE, WITHDR),
    codes={**_PERSON_CODES, WITHDR.name: _codes("EXPL", "IMPL", UNK)})
FIRST_INSTANCE_DECISIONS = Measure(
    "first_instance_decisions", ASYDCFSTQ,
    "Persons with a first-instance decision (CGRS) dated in the period, each counted once by "
    "the latest decision of the period: its outcome (POS_RFG refugee status, POS_SPROT "
    "subsidiary protection, POS_HUM humanitarian, NEG rejection), citizenship, sex and age at "
    "the decision date.",
    dimensions=(CITIZEN, SEX, AGE, DECISION),
    codes={**_PERSON_CODES, DECISION.name: _codes(*DECISION_CODES.values())})
APPEAL_DECISIONS = Measure(
    "appeal_decisions", ASYDCFINA,
    "Persons with a decision in appeal (CALL) dated in the period, each counted once by the "
    "latest decision of the period: its outcome, citizenship, sex and age at the decision "
    "date.",
    dimensions=(CITIZEN, SEX, AGE, DECISION),
    codes={**_PERSON_CODES, DECISION.name: _codes(*DECISION_CODES.values())})
DUBLIN_REQUESTS = Measure(
    "dublin_requests", DUBRO,
    "Take-charge and take-back requests sent (OUT) or received (IN) by Belgium, by request "
    "date; events, not persons; re-examination requests included unless filtered.",
    dimensions=(*_DUBLIN_DIMS, SEX, MINOR), codes=_DUBLIN_CODES,
    flags=(EURODAC_HIT, REEXAMINATION),
    overrides={"direction": None, "reexamination": None}, scoped=False)
DUBLIN_REPLIES = Measure(
    "dublin_replies", DUBDO,
    "Replies to take-charge and take-back requests (explicit acceptance ACC_EXPL, implicit "
    "ACC_IMPL, rejection REJ), by reply date; events, not persons; replies to re-examination "
    "requests included unless filtered.",
    dimensions=(*_DUBLIN_DIMS, DUBLIN_DECISION, SEX, MINOR),
    codes={**_DUBLIN_CODES, DUBLIN_DECISION.name: _codes(*DECISION_OF_REPLY.values())},
    flags=(REEXAMINATION,),
    overrides={"direction": None, "reexamination": None}, scoped=False)
DUBLIN_TRANSFERS = Measure(
    "dublin_transfers", DUBTO,
    "Transfers carried out on take-charge and take-back requests, by transfer date, with the "
    "request's type and legal basis and the calendar months from its acceptance (M0-6, "
    "M6-12, M12-18, M_GT18, UNK); events, not persons.",
    dimensions=(*_DUBLIN_DIMS, DURATION, SEX, MINOR),
    codes={**_DUBLIN_CODES,
           DURATION.name: _codes(*(code for _, code in TRANSFER_DURATIONS), "M_GT18", UNK)},
    overrides={"direction": None}, scoped=False)

_RETURN_PERSON_CODES: dict[str, tuple[str, ...]] = {
    **_PERSON_CODES, AGE.name: _codes(*RETURN_AGES.codes)}
RETURN_UNACCOMPANIED = Flag(
    "unaccompanied_minor", "unaccompanied_minor",
    "the reference decision was issued to an unaccompanied minor (as recorded on the decision)")
RETURN_DECISIONS = Measure(
    "return_decisions", EIORD1,
    "Third-country nationals with a return decision (order to leave) dated in the period that "
    "is not withdrawn, each counted once by their earliest decision of the period (then the "
    "lowest id): its ground, citizenship, sex and age (return age groups) at the decision "
    "date. Citizens of Belgium and the other Dublin states are not counted.",
    dimensions=(CITIZEN, SEX, AGE, GROUND),
    codes={**_RETURN_PERSON_CODES, GROUND.name: _codes(*FRONTEX_GROUND.values(), UNK)},
    flags=(RETURN_UNACCOMPANIED,), scoped=False)
RETURNS = Measure(
    "returns", EIRTN1,
    "Third-country nationals returned to a third country in the period (confirmed departures "
    "following a return decision in force, dated on or after it, to a country that is "
    "neither Belgium nor another Dublin state), each counted once by their latest return of "
    "the period (then the highest id): its type, assistance and destination, citizenship, sex "
    "and age (return age groups) at the departure date.",
    dimensions=(CITIZEN, SEX, AGE, C_RTN, ASSIST, C_DEST),
    codes={**_RETURN_PERSON_CODES, C_RTN.name: _codes(*RETURN_TYPE.values(), UNK),
           ASSIST.name: _codes("AS", "NAS", UNK),
           C_DEST.name: _codes(TO_CITIZENSHIP, TO_OTHER, UNK)},
    scoped=False)

#: the catalogue, in the order of questions.md, then the measures added here (returns)
MEASURES: tuple[Measure, ...] = (
    APPLICANTS, APPLICATIONS, PENDING, WITHDRAWALS, FIRST_INSTANCE_DECISIONS, APPEAL_DECISIONS,
    DUBLIN_REQUESTS, DUBLIN_REPLIES, DUBLIN_TRANSFERS, RETURN_DECISIONS, RETURNS)
#: the source tables whose cells a question may reproduce with a flag (for the docs and tests)
FLAG_TABLES = {UNACCOMPANIED.name: ASYUMACTM, ACCELERATED.name: ASYACCM}


def measure(name: str) -> Measure:
    for candidate in MEASURES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def measure_names() -> tuple[str, ...]:
    return tuple(m.name for m in MEASURES)


def flagged_records(snap: Snapshot, periods: Sequence[Period | Span], *, records: RecordsFn,
                    flags: tuple[Flag, ...]) -> ibis.Table:
    """``records(snap, periods)`` with each flag as a code column (``Y``/``N``) that the
    cube counts like a dimension, so that a filter on it is a filter on the reference
    record."""
    rows = records(snap, periods)
    return rows.mutate(**{flag.cube_column: ibis.ifelse(rows[flag.column].fill_null(False),
                                                         YES, NO)
                          for flag in flags})


#: each measure's cube per scope, made once: the cube builder shares a cube's counts on a
#: snapshot by its records function, which must therefore be the same object each time
_CUBES: dict[tuple[str, Scope], CubeSpec] = {}


def measure_cube(m: Measure, scope: Scope) -> CubeSpec:
    """The measure as a cube: the source's records (with the measure's keywords and
    ``scope``), unit and reference record; cells by every dimension and flag (flags as
    dimensions of codes ``Y``/``N``)."""
    key = (m.name, scope if m.scoped else "eurostat")
    if key not in _CUBES:
        records = m.records(scope)
        if m.flags:
            records = partial(flagged_records, records=records, flags=m.flags)
        _CUBES[key] = CubeSpec(
            name=f"question.{m.name}", title=m.name, definition=m.definition, kind="national",
            freq="M", unit=m.unit,
            dimensions=(*m.dimensions, *(Dimension(f.cube_column) for f in m.flags)),
            records=records, reference=m.source.reference, disclosure=m.source.disclosure)
    return _CUBES[key]


# ---------------------------------------------------------------- the catalogue in the docs

_UNITS = {"PER": "persons", "APP": "applications", "NR": "events"}
#: where the generated catalogue sits in docs/questions.md
DOC_START, DOC_END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
#: dimensions whose codes are a long list named rather than listed
_LONG_LISTS = {CITIZEN.name: "Eurostat geo codes (ISO alpha-2; EL, UK, XK, STLS), UNK",
               PARTNER.name: "the Dublin states but Belgium (Eurostat geo codes), UNK"}


def reference_text(m: Measure) -> str:
    """The reference record in words: ``earliest lodged_date, then lowest application_id``."""
    order = m.source.reference
    if order is None:
        return f"none: every record counts ({_UNITS[m.unit]})"
    words = []
    for i, (column, ascending) in enumerate(order):
        if i == 0:
            words.append(f"{'earliest' if ascending else 'latest'} {column}")
        else:
            words.append(f"then {'lowest' if ascending else 'highest'} {column}")
    return ", ".join(words)


def catalogue_markdown() -> str:
    """The catalogue as docs/questions.md shows it, generated from the declarations (a test
    checks that the page holds exactly this text)."""
    lines = [DOC_START, "",
             "| measure | unit | rule of | reference record | dimensions | flags |",
             "|---|---|---|---|---|---|"]
    for m in MEASURES:
        lines.append(f"| `{m.name}` | {_UNITS[m.unit]} | {m.rule} | {reference_text(m)} | "
                     f"{', '.join(m.dimension_names)} | {', '.join(m.flag_names) or '—'} |")
    for m in MEASURES:
        lines += ["", f"**`{m.name}`** ({m.rule}{', a stock' if m.stock else ''}"
                      f"{'' if m.scoped else '; not filtered by scope'}). {m.definition}", ""]
        for dim in m.dimensions:
            codes = (_LONG_LISTS.get(dim.name)
                     or ", ".join(c for c in m.codes[dim.name] if c not in dim.hidden))
            margins = ", ".join(sorted(dim.margins))
            lines.append(f"- `{dim.name}`: {codes}; margins {margins}")
        for flag in m.flags:
            lines.append(f"- flag `{flag.name}` (true/false): {flag.definition}")
    lines += ["", DOC_END]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m asylstat.questions.catalogue: the docs' catalogue
    import sys

    sys.stdout.write(catalogue_markdown() + "\n")
