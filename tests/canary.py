"""The canary: one applicant with identifiable values, planted in the shared test warehouse
(``conftest.quarterly_run``) so that the privacy scan can look for its identifiers, birth
date and citizenship in everything a run leaves, and the figures can show it was counted."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from asylstat.warehouse.contract import contract_tables

CANARY_PERSON = 987654321987
CANARY_IDS = (CANARY_PERSON, 987654321001, 987654321002, 987654321003, 987654321004)
CANARY_BIRTH = "1937-11-23"
CANARY_CITIZENSHIP = "PLW"  # Palau (Eurostat PW): absent from the synthetic warehouse


def plant_canary(path: Path) -> None:
    con = duckdb.connect(str(path))
    have = {r[0] for r in con.execute(
        "SELECT DISTINCT upper(trim(citizenship)) FROM dwh.person").fetchall()}
    assert CANARY_CITIZENSHIP not in have, "the canary's citizenship must be its own"
    t = datetime(2024, 7, 1, 10)
    con.execute("INSERT INTO dwh.person VALUES (?, 'F', ?, ?, ?, NULL)",
                [CANARY_PERSON, CANARY_BIRTH, CANARY_CITIZENSHIP, t])
    con.execute("INSERT INTO dwh.application VALUES (987654321001, ?, NULL, 'INITIAL', "
                "'TERRITORY', '2024-07-09', '2024-07-11', '2024-07-17', 'ACCELERATED', true, "
                "NULL, ?, NULL)", [CANARY_PERSON, t])
    con.execute("INSERT INTO dwh.decision VALUES (987654321002, 987654321001, 'FIRST', "
                "'2024-09-19', 'REJECTED', 'MANIFESTLY_UNFOUNDED', NULL, ?, NULL)", [t])
    con.execute("INSERT INTO dwh.dublin_request VALUES (987654321003, 'OUT', 'LIE', ?, "
                "987654321001, 'TAKE_CHARGE', 'ART9', false, false, NULL, '2024-08-13', "
                "'ACCEPTED', '2024-08-27', NULL, ?, NULL)", [CANARY_PERSON, t])
    con.execute("INSERT INTO dwh.dublin_transfer VALUES (987654321004, 987654321003, "
                "'2024-09-24', ?, NULL)", [t])
    con.close()


def warehouse_values(path: Path) -> tuple[set[str], set[str]]:
    """Every identifier (BIGINT value, all versions) and every birth date before 2000."""
    con = duckdb.connect(str(path), read_only=True)
    ids: set[str] = set()
    for table, columns in contract_tables().items():
        for column, kind in columns.items():
            if kind.upper() == "BIGINT":
                ids |= {str(r[0]) for r in con.execute(
                    f"SELECT DISTINCT {column} FROM dwh.{table} WHERE {column} IS NOT NULL"
                ).fetchall()}
    births = {r[0].isoformat() for r in con.execute(
        "SELECT DISTINCT birth_date FROM dwh.person WHERE birth_date < DATE '2000-01-01'"
    ).fetchall()}
    con.close()
    return ids, births
