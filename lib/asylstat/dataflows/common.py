"""Record sets shared by several dataflows: the normalised as-of applications."""

from __future__ import annotations

from typing import Literal

import ibis

from asylstat.codes import contract_code
from asylstat.warehouse.snapshot import Snapshot, shared

RESETTLEMENT = "RESETTLEMENT"

#: statistics.md, "Scope": ``eurostat`` excludes resettlement (every Eurostat table of the
#: international-protection section), ``national`` keeps it (the national tables; a question's
#: ``scope``, questions.md)
Scope = Literal["eurostat", "national"]
EUROSTAT_SCOPE: Scope = "eurostat"
NATIONAL_SCOPE: Scope = "national"
SCOPES: tuple[Scope, ...] = (EUROSTAT_SCOPE, NATIONAL_SCOPE)


@shared
def applications(snap: Snapshot) -> ibis.Table:
    """The as-of applications with their codes normalised (statistics.md, "Codes"):
    ``legal_type``, ``channel`` and ``procedure`` hold a contract code or ``UNK``."""
    app = snap.view("application")
    return snap.with_codes(
        app, "application",
        **{column: (column, contract_code("application", column))
           for column in ("legal_type", "channel", "procedure")})


def in_eurostat_scope(app: ibis.Table) -> ibis.BooleanValue:
    """statistics.md, "Scope": resettled applicants are excluded from every Eurostat table of
    the international-protection section. An invalid channel is not resettlement: included."""
    return app.channel != RESETTLEMENT


def in_scope(records: ibis.Table, scope: Scope) -> ibis.Table:
    """``records`` (with the application's ``channel``) restricted to ``scope``: without
    resettlement for ``eurostat`` (:func:`in_eurostat_scope`), all of them for ``national``."""
    if scope == EUROSTAT_SCOPE:
        return records.filter(in_eurostat_scope(records))
    if scope == NATIONAL_SCOPE:
        return records
    raise ValueError(f"unknown scope {scope!r}; known: {', '.join(SCOPES)}")
