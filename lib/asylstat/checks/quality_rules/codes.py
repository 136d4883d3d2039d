"""Rules on codes (statistics.md, "Codes"; Dublin ``partner``, ``leg_prov``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis

from asylstat.checks.quality_rules.base import Context, Rule
from asylstat.codes import dublin_states, is_valid_citizenship

#: dwh-contract.md, ``dublin_request.legal_basis``: the bases that fit each request type
#: (Regulation 604/2013: art. 8–16 and 17(2) take charge; 18(1)(b)–(d) and 20(5) take back;
#: art. 34 information)
LEGAL_BASES_BY_TYPE: Mapping[str, frozenset[str]] = {
    "TAKE_CHARGE": frozenset({"ART8", "ART9", "ART10", "ART11", "ART12", "ART13", "ART14",
                              "ART15", "ART16", "ART17_2"}),
    "TAKE_BACK": frozenset({"ART18_1_B", "ART18_1_C", "ART18_1_D", "ART20_5"}),
    "INFO": frozenset({"ART34"}),
}


def is_country_code(code: str | None) -> bool:
    """A valid (normalised) country code: ISO 3166-1 alpha-3 of a current country listed by
    pycountry, or XXA (stateless), XXX (unknown), XKX (Kosovo) — statistics.md,
    "Citizenship"."""
    return code is not None and is_valid_citizenship(code)


@dataclass(frozen=True)
class InvalidCode(Rule):
    """Rows whose code in ``column``, after ``strip().upper()``, is not in the column's list
    (NULL is not invalid: it is a missing value). Unit: rows of the table. Reference date:
    the warehouse as of ``as_of``. Such a code counts under ``UNK`` where the table has it."""

    table_name: str
    column: str
    valid: Callable[[str | None], bool]
    #: the list in words, for the report
    valid_text: str

    @property
    def rule_id(self) -> str:
        return f"dq.invalid_code.{self.table_name}.{self.column}"

    @property
    def table(self) -> str:
        return self.table_name

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return ctx.code_in(rows, self.table_name, self.column, lambda c: not self.valid(c))

    def what(self) -> str:
        return (f"{self.table_name}.{self.column} is set but, trimmed and upper-cased, not "
                f"{self.valid_text}; the statistics count it as unknown (UNK).")

    def correction(self) -> str:
        return f"ICT should correct {self.column} in these records or map it in the load."


@dataclass(frozen=True)
class PartnerIsBelgium(Rule):
    """Rows whose ``partner_country`` (normalised) is BEL: Belgium cannot be its own Dublin
    partner. Unit: rows. Counted under partner ``UNK``."""

    table_name: str = "dublin_request"

    @property
    def rule_id(self) -> str:
        return f"dq.partner.belgium.{self.table_name}"

    @property
    def table(self) -> str:
        return self.table_name

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return ctx.code_in(rows, self.table_name, "partner_country", lambda c: c == "BEL")

    def what(self) -> str:
        return (f"{self.table_name}.partner_country is Belgium itself (BEL); the Dublin "
                "tables count it under partner UNK.")

    def correction(self) -> str:
        return "ICT should record the other Dublin state."


@dataclass(frozen=True)
class PartnerNotDublinState(Rule):
    """Rows whose ``partner_country`` (normalised) is a valid country code but not a Dublin
    state (EU 27, CHE, ISL, LIE, NOR; ``codes/dublin_states.csv``). Unit: rows. Counted under
    partner ``UNK``. Invalid codes are reported by the invalid-code rule instead."""

    table_name: str = "dublin_request"

    @property
    def rule_id(self) -> str:
        return f"dq.partner.not_dublin_state.{self.table_name}"

    @property
    def table(self) -> str:
        return self.table_name

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        states = dublin_states()
        return ctx.code_in(rows, self.table_name, "partner_country",
                           lambda c: is_country_code(c) and c not in states)

    def what(self) -> str:
        return (f"{self.table_name}.partner_country is a valid country code but not a Dublin "
                "state (EU 27, Switzerland, Iceland, Liechtenstein, Norway); the Dublin tables "
                "count it under partner UNK.")

    def correction(self) -> str:
        return "ICT should check the partner state of these requests."


@dataclass(frozen=True)
class LegalBasisMismatch(Rule):
    """Requests whose normalised ``request_type`` and ``legal_basis`` are both valid but do
    not fit (a take charge under a take-back basis or ART34, a take back under a take-charge
    basis or ART34, an information request under a take-charge or take-back basis). Unit:
    rows of dublin_request. statistics.md: the basis is kept as is in ``leg_prov``."""

    @property
    def rule_id(self) -> str:
        return "dq.legal_basis.mismatch"

    @property
    def table(self) -> str:
        return "dublin_request"

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        all_bases = frozenset().union(*LEGAL_BASES_BY_TYPE.values())
        clauses = [
            ctx.code_in(rows, "dublin_request", "request_type", lambda c, k=kind: c == k)
            & ctx.code_in(rows, "dublin_request", "legal_basis",
                          lambda c, ok=fitting: c in all_bases and c not in ok)
            for kind, fitting in LEGAL_BASES_BY_TYPE.items()]
        return ibis.or_(*clauses)

    def what(self) -> str:
        return ("the request's legal basis does not fit its type (take charge: ART8–ART16, "
                "ART17_2; take back: ART18_1_B/C/D, ART20_5; information: ART34); the basis is "
                "kept as recorded in leg_prov.")

    def correction(self) -> str:
        return "ICT should correct the request type or the legal basis."
