"""Rules on the return tables (contract v2; statistics.md, "Returns"): a departure to Belgium
itself, an unconfirmed departure, a return decision for a citizen of Belgium or of another
Dublin state. Orphans, missing decisions, dates out of order and invalid codes of these
tables use the generic rules (:mod:`asylstat.checks.quality`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import ibis

from asylstat.checks.quality_rules.base import Context, Rule, rows_with_key
from asylstat.codes import is_dublin_state


@dataclass(frozen=True)
class DepartureToBelgium(Rule):
    """Departure rows whose ``destination_country`` (normalised) is BEL: a person cannot be
    returned to Belgium. Unit: return_departure rows. Not a return (statistics.md,
    "Returns")."""

    @property
    def rule_id(self) -> str:
        return "dq.return.departure_to_belgium"

    @property
    def table(self) -> str:
        return "return_departure"

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return ctx.code_in(rows, "return_departure", "destination_country",
                           lambda c: c == "BEL")

    def what(self) -> str:
        return ("return_departure.destination_country is Belgium itself (BEL); the departure "
                "is not counted as a return.")

    def correction(self) -> str:
        return "ICT should record the country the person was returned to."


@dataclass(frozen=True)
class UnconfirmedDeparture(Rule):
    """Departure rows with ``confirmed`` false: recorded but not (yet) a return. Unit:
    return_departure rows. A finding, not an error of the warehouse: it tells how many
    departures await confirmation."""

    @property
    def rule_id(self) -> str:
        return "dq.return.unconfirmed_departure"

    @property
    def table(self) -> str:
        return "return_departure"

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        return ~rows.confirmed.fill_null(True)

    def what(self) -> str:
        return ("a departure is recorded but not confirmed (confirmed = false); it is not "
                "counted as a return until it is confirmed.")

    def correction(self) -> str:
        return ("ICT should load the confirmation (escort report, boarding record, border "
                "stamp, return programme's confirmation) where it exists.")


@dataclass(frozen=True)
class DublinCitizenReturnDecision(Rule):
    """Return decision rows whose person (some visible version) has a citizenship that,
    normalised, is Belgium or another Dublin state (EU 27, CHE, ISL, LIE, NOR;
    ``codes/dublin_states.csv``). Unit: return_decision rows. Such a person is not a
    third-country national: the decision is counted in no return table (statistics.md,
    "Returns")."""

    reference_date: ClassVar[str] = "the person's citizenship in the warehouse as of as_of"

    @property
    def rule_id(self) -> str:
        return "dq.return.dublin_citizen"

    @property
    def table(self) -> str:
        return "return_decision"

    def source(self) -> None:
        return None  # persons joined to decisions: a query of its own

    def failing(self, ctx: Context) -> ibis.Table:
        rd = ctx.visible("return_decision")
        person = ctx.visible("person")
        person = person.filter(ctx.code_in(person, "person", "citizenship", is_dublin_state))
        person = person.select(_pid="person_id")
        bad = rd.semi_join(person, rd.person_id == person._pid)
        return rows_with_key(bad, "return_decision")

    def what(self) -> str:
        return ("a return decision for a person whose citizenship is Belgian or of another "
                "Dublin state (EU 27, Switzerland, Iceland, Liechtenstein, Norway); not a "
                "third-country national, the decision is counted in no return table.")

    def correction(self) -> str:
        return "ICT should check the person's citizenship or the decision."


@dataclass(frozen=True)
class DepartureOfWithdrawnDecision(Rule):
    """Departure rows whose return decision (some visible version) has a ``withdrawn_date``:
    the decision is void (withdrawn or annulled), so the departure is not a return
    (statistics.md, "Returns": a return's decision is present and counts). Unit:
    return_departure rows."""

    reference_date: ClassVar[str] = "the decision's withdrawal as of as_of"

    @property
    def rule_id(self) -> str:
        return "dq.return.departure_withdrawn_decision"

    @property
    def table(self) -> str:
        return "return_departure"

    def source(self) -> None:
        return None  # departures joined to their decisions: a query of its own

    def failing(self, ctx: Context) -> ibis.Table:
        dep = ctx.visible("return_departure")
        rd = ctx.visible("return_decision")
        withdrawn = rd.filter(rd.withdrawn_date.notnull()).select(_rd="return_decision_id")
        bad = dep.semi_join(withdrawn, dep.return_decision_id == withdrawn._rd)
        return rows_with_key(bad, "return_departure")

    def what(self) -> str:
        return ("a departure following a return decision that was withdrawn or annulled; the "
                "decision is void and the departure is not counted as a return.")

    def correction(self) -> str:
        return ("none when the departure followed another decision: ICT should then record "
                "that decision on the departure.")
