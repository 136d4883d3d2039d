"""Record sets shared by several dataflows: the normalised as-of applications."""

from __future__ import annotations

import ibis

from asylstat.codes import contract_code
from asylstat.warehouse.snapshot import Snapshot, shared

RESETTLEMENT = "RESETTLEMENT"


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
