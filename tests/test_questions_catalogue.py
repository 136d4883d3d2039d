"""Every measure of the catalogue is its source table's rule: the question equivalent to a
regular table gives exactly that table's cells (issue 14, "Measures from the declarations"),
on the session's synthetic warehouse. And the catalogue is the declarations': each measure's
unit, reference record and records function are its source table's."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from asylstat.cube import build_cube
from asylstat.dataflows.applications import ASYACCM, ASYAPPCTZM, ASYUMACTM, NAT_SUBMISSION
from asylstat.dataflows.decisions import ASYDCFINA, ASYDCFSTQ
from asylstat.dataflows.dublin import (
    DUBDI,
    DUBDO,
    DUBDRO,
    DUBREDACI,
    DUBRI,
    DUBRO,
    DUBRRI,
    DUBTI,
    DUBTO,
)
from asylstat.dataflows.pending import ASYPENCTZM
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.domains import all_specs
from asylstat.periods import Period
from asylstat.questions.catalogue import MEASURES
from asylstat.questions.engine import exact_table
from asylstat.questions.question import validate
from asylstat.tables import Table
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot

AS_OF = datetime(2026, 6, 30)
Q3_MONTHS = Period("Q", 2024, 3).months()


@pytest.fixture(scope="module")
def snap(synthetic_warehouse) -> Snapshot:
    return Snapshot(connect(synthetic_warehouse.url), AS_OF)


def ask(snap: Snapshot, measure: str, period: dict, breakdowns: list[str],
        filters: dict | None = None, scope: str = "eurostat") -> Table:
    question = validate({"id": "T", "title": "t", "measure": measure, "scope": scope,
                         "period": period, "filters": filters or {}, "breakdowns": breakdowns,
                         "as_of": "2026-06-30", "disclosure": "exact"})
    return exact_table(question, snap)


def cells(table: Table, **fixed: str) -> pd.DataFrame:
    """The table's cells where ``fixed`` dimensions hold their code, those columns dropped."""
    data = table.data
    for dim, code in fixed.items():
        data = data.loc[data[dim] == code].drop(columns=dim)
    return data.reset_index(drop=True)


def same(answer: Table, table: Table, **fixed: str) -> None:
    expected = cells(table, **fixed)
    assert len(expected) > 0, f"{table.name}: no cells to compare"
    pd.testing.assert_frame_equal(answer.data, expected[answer.data.columns.tolist()],
                                  check_dtype=False)


MONTHS = {"from": "2024-07", "to": "2024-09", "by": "month"}
YEAR = {"from": "2024", "to": "2024", "by": "year"}
Q3 = {"from": "2024-Q3", "to": "2024-Q3", "by": "quarter"}
YEAR_PERIODS = [Period("A", 2024)]


def test_every_measure_is_a_declared_table_generalised():
    declared = {spec.name: spec for spec in all_specs()}
    for m in MEASURES:
        assert declared[m.source.name] is m.source, m.name
        assert m.unit == m.source.unit
        # every dimension of the source is a dimension of the measure (the Dublin ones add
        # direction; applications adds sex, age and procedure beside the national table's)
        source_dims = set(m.source.dimension_names) - {"uam"}
        assert source_dims <= set(m.dimension_names), m.name


def test_applicants_by_month_are_the_monthly_applicant_table(snap):
    answer = ask(snap, "applicants", MONTHS, ["citizen", "sex", "age", "applicant"])
    same(answer, build_cube(ASYAPPCTZM, snap, Q3_MONTHS))


def test_the_unaccompanied_flag_gives_the_unaccompanied_minor_table(snap):
    # MIGR_ASYUMACTM's own age bands differ (18+ is UNK there): compare its age TOTAL
    answer = ask(snap, "applicants", MONTHS, ["citizen", "sex", "applicant"],
                 {"unaccompanied_minor": True})
    same(answer, build_cube(ASYUMACTM, snap, Q3_MONTHS), age="TOTAL")


def test_the_accelerated_flag_gives_the_accelerated_table(snap):
    answer = ask(snap, "applicants", MONTHS, ["citizen", "sex", "age"], {"accelerated": True})
    same(answer, build_cube(ASYACCM, snap, Q3_MONTHS))


def test_applications_in_the_national_scope_are_the_submission_table(snap):
    table = build_cube(NAT_SUBMISSION, snap, Q3_MONTHS)
    answer = ask(snap, "applications", MONTHS, ["citizen", "legal_type", "channel"],
                 scope="national")
    same(answer, table, uam="TOTAL")
    answer = ask(snap, "applications", MONTHS, ["citizen", "legal_type", "channel"],
                 {"unaccompanied_minor": True}, scope="national")
    same(answer, table, uam="UAM")


def test_pending_withdrawals_and_decisions_are_their_tables(snap):
    same(ask(snap, "pending", MONTHS, ["citizen", "sex", "age"]),
         build_cube(ASYPENCTZM, snap, Q3_MONTHS))
    same(ask(snap, "withdrawals", MONTHS, ["citizen", "sex", "age", "withdr"]),
         build_cube(ASYWITHM, snap, Q3_MONTHS))
    same(ask(snap, "first_instance_decisions", Q3, ["citizen", "sex", "age", "decision"]),
         build_cube(ASYDCFSTQ, snap, [Period("Q", 2024, 3)]))
    same(ask(snap, "appeal_decisions", YEAR, ["citizen", "sex", "age", "decision"]),
         build_cube(ASYDCFINA, snap, YEAR_PERIODS))


REQUEST_DIMS = ["partner", "req_type", "leg_prov", "sex", "minor"]


@pytest.mark.parametrize(("direction", "filters", "spec"), [
    ("OUT", {"reexamination": False}, DUBRO),
    ("IN", {"reexamination": False}, DUBRI),
    ("IN", {"reexamination": True}, DUBRRI),
    ("IN", {"reexamination": False, "eurodac_hit": True}, DUBREDACI),
])
def test_dublin_requests_are_the_request_tables(snap, direction, filters, spec):
    answer = ask(snap, "dublin_requests", YEAR, REQUEST_DIMS,
                 {"direction": [direction], **filters})
    same(answer, build_cube(spec, snap, YEAR_PERIODS))


@pytest.mark.parametrize(("direction", "reexamination", "spec"), [
    ("OUT", False, DUBDO), ("IN", False, DUBDI), ("OUT", True, DUBDRO)])
def test_dublin_replies_are_the_reply_tables(snap, direction, reexamination, spec):
    answer = ask(snap, "dublin_replies", YEAR,
                 ["partner", "req_type", "leg_prov", "decision", "sex", "minor"],
                 {"direction": [direction], "reexamination": reexamination})
    same(answer, build_cube(spec, snap, YEAR_PERIODS))


@pytest.mark.parametrize(("direction", "spec"), [("OUT", DUBTO), ("IN", DUBTI)])
def test_dublin_transfers_are_the_transfer_tables(snap, direction, spec):
    answer = ask(snap, "dublin_transfers", YEAR,
                 ["partner", "req_type", "leg_prov", "duration", "sex", "minor"],
                 {"direction": [direction]})
    same(answer, build_cube(spec, snap, YEAR_PERIODS))


def test_the_docs_hold_the_catalogue_generated_from_the_declarations():
    from asylstat import paths
    from asylstat.questions.catalogue import catalogue_markdown

    page = (paths.project_root() / "docs" / "questions.md").read_text(encoding="utf-8")
    assert catalogue_markdown() in page, ("docs/questions.md is out of date: regenerate its "
                                          "catalogue (python -m asylstat.questions.catalogue)")


def test_the_return_measures_are_the_return_tables(snap):
    from asylstat.dataflows.returns import (
        EIORD1,
        EIRT_DEST,
        EIRT_TYPE,
        EIRTN1,
        FX_RDEC,
        FX_RET,
        NAT_RETURN_UAM,
    )

    quarter = [Period("Q", 2024, 3)]
    same(ask(snap, "return_decisions", Q3, ["citizen", "sex", "age"]),
         build_cube(EIORD1, snap, quarter))
    same(ask(snap, "return_decisions", MONTHS, ["citizen", "ground"]),
         build_cube(FX_RDEC, snap, Q3_MONTHS))
    same(ask(snap, "return_decisions", MONTHS, ["citizen", "age"],
             {"unaccompanied_minor": True}),
         build_cube(NAT_RETURN_UAM, snap, Q3_MONTHS))
    same(ask(snap, "returns", Q3, ["citizen", "sex", "age"]), build_cube(EIRTN1, snap, quarter))
    same(ask(snap, "returns", Q3, ["citizen", "c_rtn", "assist"]),
         build_cube(EIRT_TYPE, snap, quarter))
    same(ask(snap, "returns", Q3, ["citizen", "c_dest"]), build_cube(EIRT_DEST, snap, quarter))
    same(ask(snap, "returns", MONTHS, ["citizen", "c_rtn", "assist"]),
         build_cube(FX_RET, snap, Q3_MONTHS))
