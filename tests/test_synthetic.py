"""Tests of the synthetic warehouse generator (small scales, a few seconds in all)."""

from __future__ import annotations

import hashlib
import importlib.resources
import re
from pathlib import Path

import duckdb
import pycountry
import pytest

from asylstat.synthetic import SyntheticReport, build_warehouse
from asylstat.synthetic import params as P

SCALE = 0.02
AS_OF = "TIMESTAMP '2026-06-30 23:59:59'"
V1_TABLES = ("person", "application", "decision", "appeal", "withdrawal", "dublin_request",
             "dublin_transfer", "dublin_unilateral")
TABLES = (*V1_TABLES, "return_decision", "return_departure")
ISO = sorted({c.alpha_3 for c in pycountry.countries} | {"XXA", "XXX", "XKX"})
DUBLIN = ["AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
          "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK",
          "SVN", "ESP", "SWE", "CHE", "ISL", "LIE", "NOR"]
TC = ["ART8", "ART9", "ART10", "ART11", "ART12", "ART13", "ART14", "ART15", "ART16", "ART17_2"]
TB = ["ART18_1_B", "ART18_1_C", "ART18_1_D", "ART20_5"]
VALID = {
    ("person", "sex"): ["M", "F", "X"],
    ("person", "citizenship"): ISO,
    ("application", "legal_type"): ["INITIAL", "SUBSEQUENT"],
    ("application", "channel"): ["TERRITORY", "BORDER", "DETENTION", "RESETTLEMENT"],
    ("application", "procedure"): ["REGULAR", "ACCELERATED"],
    ("decision", "instance"): ["FIRST", "APPEAL"],
    ("decision", "outcome"): ["REFUGEE", "SUBSIDIARY", "HUMANITARIAN", "REJECTED", "ANNULLED"],
    ("decision", "rejection_ground"): ["INADMISSIBLE", "UNFOUNDED", "MANIFESTLY_UNFOUNDED"],
    ("withdrawal", "kind"): ["EXPLICIT", "IMPLICIT"],
    ("dublin_request", "direction"): ["OUT", "IN"],
    ("dublin_request", "partner_country"): ISO,
    ("dublin_request", "request_type"): ["TAKE_CHARGE", "TAKE_BACK", "INFO"],
    ("dublin_request", "legal_basis"): [*TC, *TB, "ART34"],
    ("dublin_request", "reply"): ["ACCEPTED", "IMPLICIT_ACCEPTANCE", "REJECTED", "ANSWERED"],
    ("dublin_unilateral", "partner_country"): ISO,
    ("dublin_unilateral", "legal_basis"): ["ART17_1"],
    ("return_decision", "ground"): ["IRREGULAR_STAY", "IP_REJECTED", "END_OF_STAY",
                                    "PUBLIC_ORDER"],
    ("return_departure", "return_type"): ["FORCED", "VOLUNTARY"],
    ("return_departure", "destination_country"): ISO,
}
#: for "needs normalisation", partner codes must be a Dublin state other than Belgium
NORMALISABLE = {**VALID, ("dublin_request", "partner_country"):
                [c for c in DUBLIN if c != "BEL"]}


def sql_list(values: list[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SyntheticReport]:
    path = tmp_path_factory.mktemp("syn") / "w.duckdb"
    return path, build_warehouse(path, scale=SCALE)


@pytest.fixture(scope="module")
def con(built: tuple[Path, SyntheticReport]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(built[0]), read_only=True)
    for t in TABLES:
        c.execute(f"CREATE TEMP VIEW v_{t} AS SELECT * FROM dwh.{t} WHERE recorded_at <= "
                  f"{AS_OF} AND (retired_at IS NULL OR retired_at > {AS_OF})")
    c.execute(r"CREATE TEMP MACRO norm(x) AS upper(regexp_replace(x, '^\s+|\s+$', '', 'g'))")
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def contract_columns() -> dict[str, list[tuple[str, str, bool]]]:
    """(column, type, nullable) per table, parsed from the packaged DDL."""
    text = (importlib.resources.files("asylstat.warehouse") / "dwh_schema.sql").read_text()
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for name, body in re.findall(r"CREATE TABLE dwh\.(\w+) \((.*?)\);", text, re.S):
        cols = []
        for line in body.strip().splitlines():
            parts = line.strip().rstrip(",").split()
            cols.append((parts[0], parts[1], "NOT" not in parts))
        out[name] = cols
    return out


# --- contract ----------------------------------------------------------------------------
def test_contract_conformance(con: duckdb.DuckDBPyConnection) -> None:
    expected = contract_columns()
    assert set(expected) == set(TABLES)
    for table, cols in expected.items():
        got = con.execute(
            "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns"
            " WHERE table_schema = 'dwh' AND table_name = ? ORDER BY ordinal_position",
            [table]).fetchall()
        assert [tuple(g) for g in got] == cols, table
        assert one(con, f"SELECT count(*) FROM dwh.{table}") > 0


def test_report_counts_rows(built: tuple[Path, SyntheticReport],
                            con: duckdb.DuckDBPyConnection) -> None:
    report = built[1]
    for t in TABLES:
        assert report.row_counts[t] == one(con, f"SELECT count(*) FROM dwh.{t}")


def test_custom_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    build_warehouse(path, scale=0.005, schema="stat")
    with duckdb.connect(str(path), read_only=True) as c:
        assert one(c, "SELECT count(*) FROM stat.person") > 0
    assert not list(tmp_path.glob("*.tmp-*"))


# --- determinism and scale ---------------------------------------------------------------
def table_digests(path: Path) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as c:
        out = {}
        for t in TABLES:
            rows = c.execute(f"SELECT * FROM dwh.{t} ORDER BY ALL").fetchall()
            out[t] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out


def test_deterministic(built: tuple[Path, SyntheticReport], tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    report = build_warehouse(again, scale=SCALE)
    assert report == built[1]
    assert table_digests(again) == table_digests(built[0])
    other = tmp_path / "other.duckdb"
    build_warehouse(other, scale=SCALE, seed=1)
    assert table_digests(other)["person"] != table_digests(built[0])["person"]


def test_rows_in_key_order(con: duckdb.DuckDBPyConnection) -> None:
    for t, key in (("person", "person_id"), ("application", "application_id"),
                   ("dublin_request", "request_id")):
        keys = [r[0] for r in con.execute(f"SELECT {key} FROM dwh.{t}").fetchall()]
        assert keys == sorted(keys)


def test_scales_linearly(tmp_path: Path) -> None:
    small = build_warehouse(tmp_path / "a.duckdb", scale=0.01).row_counts
    large = build_warehouse(tmp_path / "b.duckdb", scale=0.04).row_counts
    for t in ("person", "application", "decision", "dublin_request"):
        assert 3.4 < large[t] / small[t] < 4.6, t


# --- magnitudes --------------------------------------------------------------------------
def test_applicants_per_year(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(con.execute(
        "SELECT year(lodged_date), count(DISTINCT person_id) FROM v_application "
        "WHERE lodged_date IS NOT NULL GROUP BY 1").fetchall())
    for year, n in P.ANNUAL_APPLICATIONS.items():
        assert abs(rows[year] - n * SCALE) <= 0.12 * n * SCALE + 15, year


def test_mixes(con: duckdb.DuckDBPyConnection) -> None:
    men = one(con, "SELECT avg((p.sex = 'M')::int) FROM v_application a "
                   "JOIN v_person p USING (person_id)")
    assert 0.62 < men < 0.74
    sub = one(con, "SELECT avg((legal_type = 'SUBSEQUENT')::int) FROM v_application "
                   "WHERE year(lodged_date) >= 2018")
    assert 0.11 < sub < 0.21
    family = one(con, "SELECT avg((principal_application_id IS NOT NULL)::int) "
                      "FROM v_application")
    assert 0.18 < family < 0.32
    minors = one(con, "SELECT avg((date_diff('year', p.birth_date, a.lodged_date) < 18)::int)"
                      " FROM v_application a JOIN v_person p USING (person_id)")
    assert 0.25 < minors < 0.40
    refugee = one(con, "SELECT avg((outcome = 'REFUGEE')::int) FROM v_decision "
                       "WHERE instance = 'FIRST'")
    assert 0.3 < refugee < 0.5
    tb = one(con, "SELECT avg((request_type = 'TAKE_BACK')::int) FROM v_dublin_request "
                  "WHERE direction = 'OUT' AND request_type <> 'INFO'")
    assert 0.55 < tb < 0.78
    implicit = one(con, "SELECT avg((kind = 'IMPLICIT')::int) FROM v_withdrawal")
    assert implicit > 0.5


def test_family_members_share_the_date(con: duckdb.DuckDBPyConnection) -> None:
    bad = one(con, "SELECT count(*) FROM v_application m JOIN v_application p "
                   "ON m.principal_application_id = p.application_id "
                   "WHERE m.presented_date <> p.presented_date")
    assert bad == 0


# --- time and versioning -----------------------------------------------------------------
def test_load_window(con: duckdb.DuckDBPyConnection) -> None:
    for t in TABLES:
        assert one(con, f"SELECT max(recorded_at) FROM dwh.{t}").isoformat() < "2026-04-01"
        assert one(con, f"SELECT count(*) FROM dwh.{t} WHERE retired_at <= recorded_at") == 0
    assert one(con, "SELECT count(*) FROM dwh.application WHERE recorded_at >= '2026-01-01'")


def test_versions_change_the_as_of_view(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM (SELECT person_id FROM dwh.person GROUP BY 1 "
                    "HAVING count(*) > 1 AND count(DISTINCT birth_date) + "
                    "count(DISTINCT citizenship) + count(DISTINCT sex) > 3)") > 0
    assert one(con, "SELECT count(*) FROM dwh.application WHERE procedure IS NULL "
                    "AND retired_at IS NOT NULL") > 0
    deleted = one(con, "SELECT count(*) FROM (SELECT withdrawal_id FROM dwh.withdrawal "
                       "GROUP BY 1 HAVING bool_and(retired_at IS NOT NULL))")
    deleted += one(con, "SELECT count(*) FROM (SELECT request_id FROM dwh.dublin_request "
                        "GROUP BY 1 HAVING bool_and(retired_at IS NOT NULL))")
    assert deleted > 0
    early = one(con, "SELECT count(*) FROM dwh.decision WHERE recorded_at <= '2020-01-01' "
                     "AND (retired_at IS NULL OR retired_at > '2020-01-01') "
                     "AND final_date IS NULL")
    late = one(con, "SELECT count(*) FROM v_decision WHERE decision_date < '2019-12-01' "
                    "AND final_date IS NULL")
    assert early > late


def test_leap_day_births(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM v_person WHERE month(birth_date) = 2 "
                    "AND day(birth_date) = 29") > 0


# --- faults ------------------------------------------------------------------------------
def recount_queries() -> dict[str, str]:
    """Independent SQL for every planted fault class (docs/synthetic.md definitions)."""
    q: dict[str, str] = {}
    for (t, c), valid in VALID.items():
        q[f"invalid_code_{t}_{c}"] = (
            f"SELECT count(*) FROM v_{t} WHERE {c} IS NOT NULL AND norm({c}) NOT IN "
            f"{sql_list(valid)}")
        q[f"code_needs_normalisation_{t}_{c}"] = (
            f"SELECT count(*) FROM v_{t} WHERE {c} <> norm({c}) AND norm({c}) IN "
            f"{sql_list(NORMALISABLE[(t, c)])}")

    def orphan(child: str, col: str, parent: str, key: str) -> str:
        return (f"SELECT count(*) FROM v_{child} x WHERE x.{col} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM v_{parent} y WHERE y.{key} = x.{col})")

    q["orphan_application_person"] = orphan("application", "person_id", "person", "person_id")
    q["orphan_application_principal"] = orphan("application", "principal_application_id",
                                               "application", "application_id")
    q["orphan_decision_application"] = orphan("decision", "application_id", "application",
                                               "application_id")
    q["orphan_appeal_decision"] = orphan("appeal", "decision_id", "decision", "decision_id")
    q["orphan_withdrawal_application"] = orphan("withdrawal", "application_id", "application",
                                                "application_id")
    q["orphan_transfer_request"] = orphan("dublin_transfer", "request_id", "dublin_request",
                                          "request_id")
    q["orphan_request_application"] = orphan("dublin_request", "application_id",
                                             "application", "application_id")
    q["orphan_request_person"] = orphan("dublin_request", "person_id", "person", "person_id")
    q["lodged_before_presented"] = (
        "SELECT count(*) FROM v_application WHERE lodged_date < presented_date")
    q["decision_before_lodging"] = (
        "SELECT count(*) FROM v_decision d WHERE EXISTS (SELECT 1 FROM v_application a "
        "WHERE a.application_id = d.application_id AND d.decision_date < a.lodged_date)")
    q["transfer_before_acceptance"] = (
        "SELECT count(*) FROM v_dublin_transfer t WHERE EXISTS (SELECT 1 FROM v_dublin_request"
        " r WHERE r.request_id = t.request_id AND norm(r.reply) IN ('ACCEPTED', "
        "'IMPLICIT_ACCEPTANCE') AND r.reply_date IS NOT NULL AND t.transfer_date < "
        "r.reply_date)")
    q["date_after_as_of_decision"] = (
        "SELECT count(*) FROM v_decision WHERE decision_date > DATE '2026-06-30'")
    q["date_after_as_of_withdrawal"] = (
        "SELECT count(*) FROM v_withdrawal WHERE withdrawal_date > DATE '2026-06-30'")
    q["birth_date_in_future"] = (
        "SELECT count(*) FROM v_person WHERE birth_date > DATE '2026-06-30'")
    q["birth_date_age_over_110"] = (
        "SELECT count(*) FROM v_person WHERE birth_date <= DATE '1915-06-30'")
    q["unaccompanied_minor_aged_18_plus"] = (
        "SELECT count(*) FROM v_application a JOIN v_person p USING (person_id) "
        "WHERE a.unaccompanied_minor AND a.lodged_date IS NOT NULL AND p.birth_date IS NOT "
        "NULL AND year(a.lodged_date) - year(p.birth_date) - CASE WHEN month(a.lodged_date) "
        "* 100 + day(a.lodged_date) < month(p.birth_date) * 100 + day(p.birth_date) THEN 1 "
        "ELSE 0 END >= 18")
    q["overlapping_open_applications"] = """
        WITH c AS (
          SELECT a.application_id, a.person_id, a.lodged_date, least(
            coalesce(a.dublin_closed_date, DATE '9999-12-31'),
            coalesce((SELECT min(withdrawal_date) FROM v_withdrawal w
                      WHERE w.application_id = a.application_id), DATE '9999-12-31'),
            coalesce((SELECT min(final_date) FROM v_decision d
                      WHERE d.application_id = a.application_id
                        AND norm(d.outcome) <> 'ANNULLED'), DATE '9999-12-31')) AS closed
          FROM v_application a WHERE a.lodged_date IS NOT NULL)
        SELECT count(DISTINCT x.person_id) FROM c x JOIN c y
          ON x.person_id = y.person_id AND x.application_id <> y.application_id
        WHERE (x.lodged_date < y.lodged_date OR (x.lodged_date = y.lodged_date
               AND x.application_id < y.application_id)) AND y.lodged_date < x.closed"""
    q["subsequent_without_final_decision"] = """
        SELECT count(*) FROM v_application s WHERE norm(s.legal_type) = 'SUBSEQUENT'
        AND NOT EXISTS (SELECT 1 FROM v_application e JOIN v_decision d
            ON d.application_id = e.application_id
          WHERE e.person_id = s.person_id AND e.application_id <> s.application_id
            AND d.final_date IS NOT NULL AND d.final_date <= s.presented_date
            AND norm(d.outcome) <> 'ANNULLED')"""
    keys = {"person": "person_id", "application": "application_id",
            "decision": "decision_id", "dublin_request": "request_id",
            "return_decision": "return_decision_id", "return_departure": "departure_id"}
    for t, k in keys.items():
        dup = f"""
            WITH g AS (SELECT {k} AS k, recorded_at AS r FROM v_{t}),
            c AS (SELECT k, max(r) AS m FROM g GROUP BY k HAVING count(*) > 1),
            top AS (SELECT c.k, count(*) FILTER (WHERE g.r = c.m) AS n
                    FROM c JOIN g USING (k) GROUP BY c.k)
            SELECT count(*) FILTER (WHERE n {{}}) FROM top"""
        q[f"duplicate_key_distinct_recorded_at_{t}"] = dup.format("= 1")
        q[f"duplicate_key_ambiguous_{t}"] = dup.format("> 1")
    q["dublin_request_no_reply_overdue"] = (
        "SELECT count(*) FROM v_dublin_request WHERE norm(request_type) IN ('TAKE_CHARGE', "
        "'TAKE_BACK') AND reply IS NULL AND reply_date IS NULL "
        "AND request_date < DATE '2025-06-30'")
    q["dublin_reply_without_date"] = (
        "SELECT count(*) FROM v_dublin_request WHERE reply IS NOT NULL AND reply_date IS NULL")
    q["dublin_reply_date_without_reply"] = (
        "SELECT count(*) FROM v_dublin_request WHERE reply IS NULL AND reply_date IS NOT NULL")
    q["partner_is_belgium"] = (
        "SELECT count(*) FROM v_dublin_request WHERE norm(partner_country) = 'BEL'")
    q["partner_not_dublin_state"] = (
        f"SELECT count(*) FROM v_dublin_request WHERE norm(partner_country) IN {sql_list(ISO)}"
        f" AND norm(partner_country) NOT IN {sql_list(DUBLIN)}")
    q["legal_basis_mismatch"] = f"""
        SELECT count(*) FROM v_dublin_request WHERE
          (norm(request_type) = 'TAKE_CHARGE' AND norm(legal_basis) IN {sql_list(TB + ['ART34'])})
          OR (norm(request_type) = 'TAKE_BACK' AND norm(legal_basis) IN {sql_list(TC + ['ART34'])})
          OR (norm(request_type) = 'INFO' AND norm(legal_basis) IN {sql_list(TC + TB)})"""
    for col in ("sex", "birth_date", "citizenship"):
        q[f"missing_{col}"] = f"SELECT count(*) FROM v_person WHERE {col} IS NULL"
    # returns (contract v2)
    q["departure_without_return_decision"] = (
        "SELECT count(*) FROM v_return_departure WHERE return_decision_id IS NULL")
    q["orphan_departure_return_decision"] = orphan("return_departure", "return_decision_id",
                                                   "return_decision", "return_decision_id")
    q["departure_before_return_decision"] = (
        "SELECT count(*) FROM v_return_departure x WHERE EXISTS (SELECT 1 FROM "
        "v_return_decision d WHERE d.return_decision_id = x.return_decision_id "
        "AND x.departure_date < d.decision_date)")
    q["departure_to_belgium"] = (
        "SELECT count(*) FROM v_return_departure WHERE norm(destination_country) = 'BEL'")
    q["unconfirmed_departure"] = "SELECT count(*) FROM v_return_departure WHERE NOT confirmed"
    q["return_decision_dublin_citizen"] = (
        "SELECT count(*) FROM v_return_decision r WHERE EXISTS (SELECT 1 FROM v_person p "
        f"WHERE p.person_id = r.person_id AND norm(p.citizenship) IN {sql_list(DUBLIN)})")
    return q


def test_every_planted_class_recounts_exactly(
    built: tuple[Path, SyntheticReport], con: duckdb.DuckDBPyConnection,
) -> None:
    planted = built[1].planted_faults
    assert planted and all(n >= 3 for n in planted.values())
    recount = {name: one(con, sql) for name, sql in recount_queries().items()}
    for name, n in planted.items():
        assert recount[name] == n, name
    # every other class the recount knows is clean (zero) in the generated data
    for name, n in recount.items():
        if name not in planted:
            assert n == 0, name


def test_simple_recounts(built: tuple[Path, SyntheticReport],
                         con: duckdb.DuckDBPyConnection) -> None:
    planted = built[1].planted_faults
    assert one(con, "SELECT count(*) FROM v_dublin_request WHERE partner_country = 'BEL'") \
        == planted["partner_is_belgium"]
    ambiguous = one(con, "SELECT count(*) FROM (SELECT person_id, recorded_at FROM v_person "
                         "GROUP BY ALL HAVING count(*) > 1)")
    assert ambiguous == planted["duplicate_key_ambiguous_person"]


def test_clean_part_is_clean(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM v_application WHERE registered_date < "
                    "presented_date OR lodged_date < registered_date AND lodged_date >= "
                    "presented_date") == 0
    assert one(con, "SELECT count(*) FROM v_appeal a JOIN v_decision d USING (decision_id) "
                    "WHERE a.lodged_date < d.decision_date") == 0
    assert one(con, "SELECT count(*) FROM v_dublin_request WHERE reply_date < request_date "
                    "OR reexamination_of IS NOT NULL AND reexamination_of NOT IN "
                    "(SELECT request_id FROM v_dublin_request)") == 0
    for t, cols in contract_columns().items():
        for c, typ, _ in cols:
            if typ == "DATE" and c not in ("decision_date", "withdrawal_date", "birth_date",
                                           "transfer_deadline"):
                assert one(con, f"SELECT count(*) FROM v_{t} WHERE {c} > '2026-06-30'") == 0


# --- returns (contract v2) ----------------------------------------------------------------
RETURN_FAULTS = {
    "departure_without_return_decision", "orphan_departure_return_decision",
    "departure_before_return_decision", "departure_to_belgium", "unconfirmed_departure",
    "return_decision_dublin_citizen",
    "code_needs_normalisation_return_decision_ground",
    "code_needs_normalisation_return_departure_return_type",
    "code_needs_normalisation_return_departure_destination_country",
    "invalid_code_return_decision_ground", "invalid_code_return_departure_return_type",
    "invalid_code_return_departure_destination_country",
    "duplicate_key_distinct_recorded_at_return_decision",
    "duplicate_key_ambiguous_return_decision",
    "duplicate_key_distinct_recorded_at_return_departure",
    "duplicate_key_ambiguous_return_departure",
}

def test_orders_after_rejection_follow_a_final_rejection(con: duckdb.DuckDBPyConnection) -> None:
    ip = one(con, "SELECT count(*) FROM v_return_decision WHERE ground = 'IP_REJECTED'")
    assert ip > 0
    # every IP_REJECTED order names an application whose rejection became final before it
    assert one(con, """
        SELECT count(*) FROM v_return_decision r WHERE norm(r.ground) = 'IP_REJECTED' AND NOT EXISTS
          (SELECT 1 FROM v_application a JOIN v_decision d USING (application_id)
           WHERE a.application_id = r.application_id AND a.person_id = r.person_id
             AND norm(d.outcome) = 'REJECTED' AND d.final_date IS NOT NULL
             AND d.final_date <= r.decision_date)""") == 0
    # the other grounds name no application
    assert one(con, "SELECT count(*) FROM v_return_decision WHERE norm(ground) IN "
                    "('IRREGULAR_STAY', 'END_OF_STAY', 'PUBLIC_ORDER') "
                    "AND application_id IS NOT NULL") == 0
    grounds = {r[0] for r in con.execute("SELECT DISTINCT norm(ground) FROM v_return_decision")
               .fetchall()}
    assert {"IRREGULAR_STAY", "IP_REJECTED", "END_OF_STAY", "PUBLIC_ORDER"} <= grounds


def test_clean_departures(con: duckdb.DuckDBPyConnection) -> None:
    # a departure of the clean part follows its own person's order, in force, by 5 days or more
    assert one(con, """
        SELECT count(*) FROM v_return_departure x JOIN v_return_decision d
          USING (return_decision_id)
        WHERE x.person_id <> d.person_id OR d.withdrawn_date IS NOT NULL""") == 0
    assert one(con, """
        SELECT count(*) FROM v_return_departure x JOIN v_return_decision d
          USING (return_decision_id)
        WHERE x.departure_date >= d.decision_date
          AND x.departure_date < d.decision_date + 5""") == 0
    kinds = dict(con.execute("""
        SELECT CASE WHEN x.destination_country IS NULL THEN 'unknown'
                    WHEN x.destination_country = p.citizenship THEN 'own'
                    ELSE 'other' END, count(*)
        FROM v_return_departure x JOIN v_person p USING (person_id) GROUP BY 1""").fetchall())
    total = sum(kinds.values())
    assert 0.85 < kinds["own"] / total < 0.97 and kinds["other"] > 0 and kinds["unknown"] > 0
    assisted = {r[0] for r in con.execute("SELECT DISTINCT assisted FROM v_return_departure")
                .fetchall()}
    assert assisted == {True, False, None}


def test_return_tables_are_versioned(con: duckdb.DuckDBPyConnection) -> None:
    # withdrawals recorded after the order: an earlier version shows the order in force
    assert one(con, "SELECT count(*) FROM dwh.return_decision WHERE withdrawn_date IS NULL "
                    "AND retired_at IS NOT NULL") > 0
    # corrections: a ground or period changed by a later version
    assert one(con, "SELECT count(*) FROM (SELECT return_decision_id FROM dwh.return_decision "
                    "GROUP BY 1 HAVING count(DISTINCT ground) + "
                    "count(DISTINCT voluntary_departure_days) > 2)") > 0
    # departures first recorded unconfirmed, then confirmed
    assert one(con, "SELECT count(*) FROM (SELECT departure_id FROM dwh.return_departure "
                    "GROUP BY 1 HAVING bool_or(NOT confirmed) AND bool_or(confirmed))") > 0


def test_persons_ordered_to_leave_who_never_applied(
        con: duckdb.DuckDBPyConnection) -> None:
    never = one(con, "SELECT count(DISTINCT person_id) FROM v_return_decision r WHERE NOT "
                     "EXISTS (SELECT 1 FROM v_application a WHERE a.person_id = r.person_id)")
    assert never > 0
    # every order's person is in the warehouse
    assert one(con, "SELECT count(*) FROM v_return_decision r WHERE NOT EXISTS "
                    "(SELECT 1 FROM v_person p WHERE p.person_id = r.person_id)") == 0


def _without_returns(path: Path, scale: float,
                     monkeypatch: pytest.MonkeyPatch) -> SyntheticReport:
    """Build as before the return tables existed (their generation switched off)."""
    import asylstat.synthetic.build as build

    with monkeypatch.context() as m:
        m.setattr(build, "generate_returns", lambda rng, world, scale: None)
        m.setattr(build, "plant_return_faults", lambda rng, world: {})
        m.setattr(build, "TABLE_COLUMNS", {t: build.TABLE_COLUMNS[t] for t in V1_TABLES})
        return build.build_warehouse(path, scale=scale)


def test_v1_tables_unchanged_by_the_return_tables(
        built: tuple[Path, SyntheticReport], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = tmp_path / "v1.duckdb"
    report = _without_returns(before, SCALE, monkeypatch)
    c = duckdb.connect()
    c.execute(f"ATTACH '{before}' AS old (READ_ONLY)")
    c.execute(f"ATTACH '{built[0]}' AS new (READ_ONLY)")
    for t in V1_TABLES:
        old_only = one(c, f"SELECT count(*) FROM (SELECT * FROM old.dwh.{t} EXCEPT ALL "
                          f"SELECT * FROM new.dwh.{t})")
        assert old_only == 0, t
        new_rows = one(c, f"SELECT count(*) FROM (SELECT * FROM new.dwh.{t} EXCEPT ALL "
                          f"SELECT * FROM old.dwh.{t})")
        if t != "person":
            assert new_rows == 0, t
    # the only new person rows are persons ordered to leave, above every earlier identifier
    assert one(c, "SELECT min(person_id) FROM (SELECT * FROM new.dwh.person EXCEPT ALL "
                  "SELECT * FROM old.dwh.person)") > one(c, "SELECT max(person_id) FROM "
                                                            "old.dwh.person")
    # the v1 fault classes are planted exactly as before; the others are the return tables'
    planted = built[1].planted_faults
    assert {k: planted[k] for k in report.planted_faults} == report.planted_faults
    assert set(planted) - set(report.planted_faults) == RETURN_FAULTS
    c.close()


@pytest.fixture(scope="module")
def belgium(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """The scale-1 warehouse (Belgian magnitudes), as of 2026-06-30."""
    path = tmp_path_factory.mktemp("be") / "be.duckdb"
    build_warehouse(path, scale=1.0)
    c = duckdb.connect(str(path), read_only=True)
    for t in ("person", "return_decision", "return_departure"):
        c.execute(f"CREATE TEMP VIEW v_{t} AS SELECT * FROM dwh.{t} WHERE recorded_at <= "
                  f"{AS_OF} AND (retired_at IS NULL OR retired_at > {AS_OF})")
    yield c
    c.close()


def test_return_magnitudes_at_scale_1(belgium: duckdb.DuckDBPyConnection) -> None:
    con = belgium
    persons = dict(con.execute("SELECT year(decision_date), count(DISTINCT person_id) "
                               "FROM v_return_decision GROUP BY 1").fetchall())
    assert 20_000 <= persons[2022] <= 30_000
    for year in range(2016, 2026):
        assert 15_000 <= persons[year] <= 35_000, year
    quarters = dict(con.execute(
        "SELECT quarter(decision_date), count(DISTINCT person_id) FROM v_return_decision "
        "WHERE year(decision_date) = 2024 GROUP BY 1").fetchall())
    assert all(6_000 <= quarters[q] <= 8_000 for q in (1, 2, 3, 4)), quarters
    departures = {r[0]: r[1:] for r in con.execute(
        "SELECT year(departure_date), count(*) FILTER (WHERE return_type = 'VOLUNTARY'), "
        "count(*) FILTER (WHERE return_type = 'FORCED'), count(*) FILTER (WHERE assisted) "
        "FROM v_return_departure WHERE confirmed GROUP BY 1").fetchall()}
    voluntary, forced, assisted = departures[2022]
    assert 2_000 <= voluntary <= 3_400 and 2_400 <= forced <= 3_600
    assert 1_500 <= assisted <= 3_500
    for year in range(2016, 2026):
        assert 4_000 <= sum(departures[year][:2]) <= 8_000, year


def test_return_citizenships_at_scale_1(belgium: duckdb.DuckDBPyConnection) -> None:
    def top(sql: str) -> set[str]:
        return {r[0] for r in belgium.execute(sql + " GROUP BY 1 ORDER BY count(DISTINCT "
                                                    "person_id) DESC LIMIT 5").fetchall()}

    assert top("SELECT p.citizenship FROM v_return_decision r JOIN v_person p "
               "USING (person_id) WHERE year(decision_date) = 2022") == {
        "DZA", "MAR", "AFG", "ERI", "TUR"}
    assert top("SELECT p.citizenship FROM v_return_departure r JOIN v_person p "
               "USING (person_id) WHERE year(departure_date) = 2022 AND confirmed") == {
        "GEO", "ALB", "BRA", "MAR", "TUR"}
