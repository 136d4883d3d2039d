"""Rules on the life of applications and Dublin requests: overlapping open applications, a
subsequent application without an earlier final decision, Dublin requests unanswered long
after the legal time limit, replies without a date and dates without a reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import ibis

from asylstat.checks.quality_rules.base import KEY, Context, Rule, rows_with_key
from asylstat.periods import add_months

#: a closing date for applications that are not closed
NEVER = date(9999, 12, 31)


def _not_annulled(ctx: Context, decision: ibis.Table) -> ibis.BooleanValue:
    """An annulment never closes an application (statistics.md, MIGR_ASYPENCTZM)."""
    return ~ctx.code_in(decision, "decision", "outcome", lambda c: c == "ANNULLED")


@dataclass(frozen=True)
class OverlappingOpenApplications(Rule):
    """Persons with two distinct lodged applications X and Y, X lodged before Y (or the same
    day with a lower ``application_id``), where Y is lodged before X is closed. X closes on
    the earliest of its ``dublin_closed_date``, any ``withdrawal_date`` and any ``final_date``
    of a decision that is not an annulment (statistics.md, MIGR_ASYPENCTZM); never otherwise.
    Unit: persons. Reference date: the later application's ``lodged_date``. Such a person is
    pending once, by the earliest open application."""

    unit: ClassVar[str] = "persons"
    reference_date: ClassVar[str] = "the later application's lodged_date"

    @property
    def rule_id(self) -> str:
        return "dq.overlapping_open_applications"

    def source(self) -> None:
        return None  # pairs of applications of one person: a query of its own

    @property
    def table(self) -> str:
        return "application"

    def failing(self, ctx: Context) -> ibis.Table:
        app = ctx.visible("application")
        app = app.filter(app.lodged_date.notnull())
        wd = ctx.visible("withdrawal")
        wd = wd.group_by(_w_app=wd.application_id).aggregate(_withdrawn=wd.withdrawal_date.min())
        dec = ctx.visible("decision")
        dec = dec.filter(_not_annulled(ctx, dec))
        dec = dec.group_by(_d_app=dec.application_id).aggregate(_final=dec.final_date.min())
        never = ibis.literal(NEVER, type="date")
        c = app.left_join(wd, app.application_id == wd._w_app)
        c = c.left_join(dec, c.application_id == dec._d_app)
        c = c.select("application_id", "person_id", "lodged_date",
                     closed=ibis.least(c.dublin_closed_date.fill_null(never),
                                       c._withdrawn.fill_null(never),
                                       c._final.fill_null(never)))
        x = c
        y = c.view().rename(y_app="application_id", y_person="person_id", y_lodged="lodged_date",
                            y_closed="closed")
        pairs = x.join(y, [x.person_id == y.y_person, x.application_id != y.y_app])
        earlier = (pairs.lodged_date < pairs.y_lodged) | (
            (pairs.lodged_date == pairs.y_lodged) & (pairs.application_id < pairs.y_app))
        overlap = pairs.filter(earlier, pairs.y_lodged < pairs.closed)
        return overlap.select(**{KEY: overlap.person_id}).distinct()

    def what(self) -> str:
        return ("a person has an application lodged while an earlier application of theirs "
                "was still open (not withdrawn, finally decided or Dublin-closed); the person "
                "counts once as pending.")

    def correction(self) -> str:
        return ("ICT should record the closure of the earlier application (withdrawal, final "
                "decision, Dublin closure) or correct the later one.")


@dataclass(frozen=True)
class SubsequentWithoutFinalDecision(Rule):
    """Application rows with ``legal_type`` SUBSEQUENT (normalised) such that no decision on
    **another** application of the same person has a ``final_date`` on or before the
    subsequent application's ``presented_date`` and an outcome other than ANNULLED (a
    subsequent application follows a final decision, art. 40 Directive 2013/32/EU). Unit:
    application rows. Reference date: the subsequent application's ``presented_date``."""

    reference_date: ClassVar[str] = "the subsequent application's presented_date"

    @property
    def rule_id(self) -> str:
        return "dq.subsequent_without_final_decision"

    def source(self) -> None:
        return None  # decisions on the person's other applications: a query of its own

    @property
    def table(self) -> str:
        return "application"

    def failing(self, ctx: Context) -> ibis.Table:
        app = ctx.visible("application")
        sub = app.filter(ctx.code_in(app, "application", "legal_type",
                                     lambda c: c == "SUBSEQUENT"))
        earlier = ctx.visible("application").select(_e_app="application_id",
                                                     _e_person="person_id")
        dec = ctx.visible("decision")
        dec = dec.filter(dec.final_date.notnull(), _not_annulled(ctx, dec)).select(
            _d_app="application_id", _final="final_date")
        final = earlier.join(dec, earlier._e_app == dec._d_app).select(
            "_e_app", "_e_person", "_final")
        bad = sub.anti_join(final, [sub.person_id == final._e_person,
                                    sub.application_id != final._e_app,
                                    final._final <= sub.presented_date])
        return rows_with_key(bad, "application")

    def what(self) -> str:
        return ("an application qualified SUBSEQUENT with no final decision (other than an "
                "annulment) on another application of the person by its presentation date; "
                "it counts as SSEQ all the same.")

    def correction(self) -> str:
        return ("ICT should check the legal type, or load the missing final decision on the "
                "earlier application.")


@dataclass(frozen=True)
class RequestUnansweredOverdue(Rule):
    """Take-charge and take-back requests (normalised type) with neither ``reply`` nor
    ``reply_date``, sent or received more than ``months`` months before the day of ``as_of``
    (``request_date < as_of day − N months``, calendar months). The legal reply limits are far
    shorter (2 months for a take charge, art. 22(1) and (7) Regulation 604/2013; 1 month or 2
    weeks for a take back, art. 25(1) and (2)), after which acceptance is implicit: a reply is
    missing from the warehouse. Unit: dublin_request rows. Such a request stays in the stock
    awaiting a reply (MIGR_DUBRPENO/I)."""

    months: int = 12

    @property
    def rule_id(self) -> str:
        return "dq.dublin.no_reply_overdue"

    @property
    def table(self) -> str:
        return "dublin_request"

    def reference_text(self) -> str:
        return f"request_date against the day of as_of ({{as_of_date}}) minus {self.months} months"

    def limit_text(self) -> str:
        return (f"{self.months} months after the request (legal reply limits: 2 months for a "
                "take charge, 1 month or 2 weeks for a take back)")

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        cutoff = add_months(ctx.as_of_date, -self.months)
        tc_tb = ctx.code_in(rows, "dublin_request", "request_type",
                            lambda c: c in ("TAKE_CHARGE", "TAKE_BACK"))
        return (tc_tb & rows.reply.isnull() & rows.reply_date.isnull()
                & (rows.request_date < cutoff))

    def what(self) -> str:
        return (f"a take-charge or take-back request has no reply more than {self.months} "
                "months after it was made, long past the legal reply time limit; it stays in "
                "the stock of requests awaiting a reply.")

    def correction(self) -> str:
        return "ICT should load the reply (or the implicit acceptance) of these requests."


@dataclass(frozen=True)
class ReplyIncomplete(Rule):
    """Requests (every type) with a ``reply`` but no ``reply_date`` (``missing="date"``), or a
    ``reply_date`` but no ``reply`` (``missing="reply"``). Unit: dublin_request rows. The
    request is treated as unanswered (statistics.md, "has a reply on day E")."""

    missing: str

    @property
    def rule_id(self) -> str:
        return ("dq.dublin.reply_without_date" if self.missing == "date"
                else "dq.dublin.reply_date_without_reply")

    @property
    def table(self) -> str:
        return "dublin_request"

    def condition(self, ctx: Context, rows: ibis.Table) -> ibis.BooleanValue:
        if self.missing == "date":
            return rows.reply.notnull() & rows.reply_date.isnull()
        return rows.reply.isnull() & rows.reply_date.notnull()

    def what(self) -> str:
        has, lacks = (("reply", "reply_date") if self.missing == "date"
                      else ("reply_date", "reply"))
        return (f"a Dublin request has a {has} but no {lacks}; the statistics treat it as "
                "unanswered.")

    def correction(self) -> str:
        return "ICT should complete the reply and its date."
