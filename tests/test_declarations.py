"""A table's declaration owns its rules (issue 11, "Declarations own their rules"): public
rounding follows its ``disclosure``, validation checks the invariants it declares, a run makes
it for the periods its ``due`` says, margins are coded as its dimensions declare, and no module
outside ``dataflows/`` names a table to decide how to treat it. Expected values by hand."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

import ibis
import pandas as pd
import pytest

from asylstat.checks.outputs import validate_outputs
from asylstat.cube import CubeSpec, Dimension, build_cube
from asylstat.dataflows.applications import ASYACCM, ASYAPPCTZM, ASYUMACTM
from asylstat.dataflows.dimensions import SEX, margin_code
from asylstat.declaration import Equals, NotAbove, Within
from asylstat.domains import all_specs, domain, periods_due
from asylstat.periods import Period
from asylstat.report.public import check_public, public_table
from asylstat.tables import Table

LIB = Path(__file__).resolve().parents[1] / "lib" / "asylstat"
JULY = Period("M", 2024, 7)
CODE = Dimension("code")


def _records(snap: object, periods: list[Period]) -> ibis.Table:
    """3 persons with code A and 13 with code B, in July 2024 (one record each)."""
    return ibis.memtable({"period": ["2024-07"] * 16, "unit_id": list(range(1, 17)),
                          "code": ["A"] * 3 + ["B"] * 13})


MADE_UP = CubeSpec(name="NAT_MADE_UP", title="t", definition="Persons.", kind="national",
                   freq="M", unit="PER", dimensions=(CODE,), records=_records)


def _values(table: Table) -> dict[str, int]:
    return dict(zip(table.data["code"], table.data["OBS_VALUE"], strict=True))


# ---------------------------------------------------------------- disclosure
def test_public_rounding_follows_the_declared_disclosure(snapshot_of):
    # the same made-up table declared rounded, then exact: A 3, B 13, TOTAL 16
    snap = snapshot_of({})  # the records are the made-up ones
    rounded = build_cube(MADE_UP, snap, [JULY])
    exact = build_cube(replace(MADE_UP, name="NAT_MADE_UP_EXACT", disclosure="exact"), snap,
                       [JULY])
    assert (rounded.disclosure, exact.disclosure) == ("rounded", "exact")
    assert _values(rounded) == _values(exact) == {"A": 3, "B": 13, "TOTAL": 16}
    # rounded to the nearest multiple of 5, each cell on its own: 3 → 5, 13 → 15, 16 → 15
    assert _values(public_table(rounded)) == {"A": 5, "B": 15, "TOTAL": 15}
    assert _values(public_table(exact)) == {"A": 3, "B": 13, "TOTAL": 16}
    assert check_public([rounded, exact], [public_table(rounded), public_table(exact)]
                        ).status == "pass"
    # a table declared exact and published rounded breaks the rule, and the reverse
    swapped = [replace(public_table(rounded), name="NAT_X"), replace(exact, name="NAT_Y")]
    assert check_public([replace(exact, name="NAT_X"), replace(rounded, name="NAT_Y")],
                        swapped).count == 6


def test_rounding_is_the_default_so_an_undeclared_table_is_never_disclosed_exactly():
    assert MADE_UP.disclosure == "rounded"
    assert Table(name="X", title="", definition="", kind="national", freq="M", unit="PER",
                 dimensions=(), data=pd.DataFrame()).disclosure == "rounded"


# ---------------------------------------------------------------- invariants
def _table(name: str, dims: tuple[str, ...], rows: list[tuple]) -> Table:
    data = pd.DataFrame(rows, columns=[*dims, "TIME_PERIOD", "OBS_VALUE"]).astype(
        {"OBS_VALUE": "int64"})
    return Table(name=name, title=name, definition="d.", kind="national", freq="M", unit="PER",
                 dimensions=dims, data=data)


APPLICANT = Dimension("applicant", hidden=frozenset({"NONE"}), partition=False)
CITIZEN = Dimension("citizen")
#: declares FRST + SSEQ <= TOTAL on itself
INNER = CubeSpec(name="NAT_INNER", title="t", definition="d.", kind="national", freq="M",
                 unit="PER", dimensions=(CITIZEN, APPLICANT), records=_records,
                 invariants=(NotAbove("applicant", ("FRST", "SSEQ"), "TOTAL"),))
#: declares each of its cells <= the same citizen's applicant TOTAL in NAT_OUTER
SUBSET = CubeSpec(name="NAT_SUBSET", title="t", definition="d.", kind="national", freq="M",
                  unit="PER", dimensions=(CITIZEN,), records=_records,
                  invariants=(Within("NAT_OUTER", fixed_outer={"applicant": "TOTAL"}),))
OUTER = CubeSpec(name="NAT_OUTER", title="t", definition="d.", kind="national", freq="M",
                 unit="PER", dimensions=(CITIZEN, APPLICANT), records=_records)
SPECS = {s.name: s for s in (INNER, SUBSET, OUTER)}
BY_APPLICANT = ("citizen", "applicant")


def _rules(tables: list[Table]) -> dict[str, tuple[str, int]]:
    return {r.rule: (r.status, r.count) for r in validate_outputs(tables, SPECS.__getitem__)}


def test_declared_invariants_are_checked_and_fail_on_a_table_that_breaks_them():
    outer = _table("NAT_OUTER", BY_APPLICANT, [
        ("AF", "FRST", "2024-07", 4), ("AF", "TOTAL", "2024-07", 4),
        ("TOTAL", "FRST", "2024-07", 4), ("TOTAL", "TOTAL", "2024-07", 4)])
    inner = _table("NAT_INNER", BY_APPLICANT, [
        ("AF", "FRST", "2024-07", 2), ("AF", "TOTAL", "2024-07", 3),
        ("TOTAL", "FRST", "2024-07", 2), ("TOTAL", "TOTAL", "2024-07", 3)])
    subset = _table("NAT_SUBSET", ("citizen",), [("AF", "2024-07", 3),
                                                 ("TOTAL", "2024-07", 3)])
    rules = _rules([inner, subset, outer])
    assert rules["NAT_INNER.frst_sseq_le_total"] == ("pass", 0)       # 2 + 0 <= 3
    assert rules["NAT_SUBSET.within.NAT_OUTER"] == ("pass", 0)        # 3 <= 4, twice
    assert "NAT_OUTER.frst_sseq_le_total" not in rules                # not declared there
    assert all(status == "pass" for status, _ in rules.values())

    # FRST 3 + SSEQ 2 = 5 > TOTAL 4, for AF and for all citizenships: 2 cells (every margin
    # still adds up: TOTAL is not the sum of its parts for ``applicant``)
    inner = _table("NAT_INNER", BY_APPLICANT, [
        ("AF", "FRST", "2024-07", 3), ("AF", "SSEQ", "2024-07", 2),
        ("AF", "TOTAL", "2024-07", 4),
        ("TOTAL", "FRST", "2024-07", 3), ("TOTAL", "SSEQ", "2024-07", 2),
        ("TOTAL", "TOTAL", "2024-07", 4)])
    # 5 persons of AF in the subset, 4 AF applicants in all: 2 cells (AF, TOTAL) above
    subset = _table("NAT_SUBSET", ("citizen",), [("AF", "2024-07", 5),
                                                 ("TOTAL", "2024-07", 5)])
    rules = _rules([inner, subset, outer])
    assert rules["NAT_INNER.frst_sseq_le_total"] == ("fail", 2)
    assert rules["NAT_SUBSET.within.NAT_OUTER"] == ("fail", 2)
    results = validate_outputs([inner, subset, outer], SPECS.__getitem__)
    assert {r.severity for r in results} == {"error"}
    # without the outer table, the cross-table invariant is not checked
    assert "NAT_SUBSET.within.NAT_OUTER" not in _rules([inner, subset])


def test_the_applicant_tables_declare_what_validation_checked_by_name_before():
    within = [r for r in ASYACCM.invariants if isinstance(r, Within)]
    assert within == [Within(ASYAPPCTZM.name, fixed_outer={"applicant": "TOTAL"})]
    assert Within(ASYAPPCTZM.name, fixed_inner={"age": "TOTAL"},
                  fixed_outer={"age": "TOTAL"}) in ASYUMACTM.invariants
    for spec in (ASYAPPCTZM, ASYUMACTM):
        assert NotAbove("applicant", ("FRST", "SSEQ"), "TOTAL") in spec.invariants
    # every table an invariant refers to is declared
    names = {s.name for s in all_specs()}
    for spec in all_specs():
        for rule in spec.invariants:
            if isinstance(rule, Within | Equals):
                assert rule.outer in names, (spec.name, rule.outer)


def test_a_declared_equality_fails_on_a_cell_missing_from_either_side():
    """``Equals``: the same cells both ways; a cell absent on one side is zero there."""
    same = CubeSpec(name="NAT_SAME", title="t", definition="d.", kind="national", freq="M",
                    unit="PER", dimensions=(CITIZEN,), records=_records,
                    invariants=(Equals("NAT_OUTER", fixed_outer={"applicant": "TOTAL"}),))
    specs = {**SPECS, same.name: same}
    outer = _table("NAT_OUTER", BY_APPLICANT, [
        ("AF", "TOTAL", "2024-07", 4), ("SY", "TOTAL", "2024-07", 1),
        ("TOTAL", "TOTAL", "2024-07", 5)])

    def rule(rows: list[tuple]) -> tuple[str, int]:
        results = validate_outputs([_table("NAT_SAME", ("citizen",), rows), outer],
                                   specs.__getitem__)
        (found,) = [(r.status, r.count) for r in results if r.rule == "NAT_SAME.equals.NAT_OUTER"]
        return found

    assert rule([("AF", "2024-07", 4), ("SY", "2024-07", 1), ("TOTAL", "2024-07", 5)]) == (
        "pass", 0)
    # SY missing (0 != 1) and the total 4 != 5; the margin itself still adds up
    assert rule([("AF", "2024-07", 4), ("TOTAL", "2024-07", 4)]) == ("fail", 2)
    # a cell only on the inner side: IQ 1 != 0, TOTAL 6 != 5
    assert rule([("AF", "2024-07", 4), ("IQ", "2024-07", 1), ("SY", "2024-07", 1),
                 ("TOTAL", "2024-07", 6)]) == ("fail", 2)


# ---------------------------------------------------------------- when a table is due
Q3 = Period("Q", 2024, 3)
YEAR = Period("A", 2024)


def _due(freq: str, due: str, period: Period) -> list[list[str]]:
    spec = replace(MADE_UP, freq=freq, due=due)
    return [[p.label for p in group] for group in periods_due(spec, period)]


def test_a_table_is_made_for_the_periods_its_declaration_says():
    months = ["2024-07", "2024-08", "2024-09"]
    # a quarterly run: a monthly Eurostat table for its months, a quarterly one for the
    # quarter, an annual one not at all
    assert _due("M", "frequency", Q3) == [months]
    assert _due("Q", "frequency", Q3) == [["2024-Q3"]]
    assert _due("A", "frequency", Q3) == []
    # national tables: each month, then the quarter; monthly variants: the months
    assert _due("M", "months_and_run", Q3) == [months, ["2024-Q3"]]
    assert _due("M", "months", Q3) == [months]
    # an annual run: the year only for Eurostat tables; no monthly variant; national tables
    # for the twelve months and the year
    assert _due("M", "frequency", YEAR) == []
    assert _due("A", "frequency", YEAR) == [["2024"]]
    assert _due("M", "months", YEAR) == []
    assert _due("M", "months_and_run", YEAR) == [[f"2024-{m:02d}" for m in range(1, 13)],
                                                 ["2024"]]
    # a monthly run: its month, for every kind of table that has months
    assert _due("M", "frequency", JULY) == _due("M", "months", JULY) == [["2024-07"]]
    assert _due("M", "months_and_run", JULY) == [["2024-07"]]


def test_the_return_tables_are_made_by_quarterly_and_monthly_runs():
    """outputs.md: the return dataflows are quarterly (a quarterly run writes them for its
    quarter); the Frontex dataflows monthly (monthly and quarterly runs write every month of
    the run); an annual run writes none of them."""
    sent = lambda period: {s.name: [[p.label for p in g] for g in periods_due(s, period)]  # noqa: E731
                           for s in domain("returns").due(period) if s.kind != "national"}
    months = ["2024-07", "2024-08", "2024-09"]
    assert sent(Q3) == {"MIGR_EIORD1": [["2024-Q3"]], "MIGR_EIRTN1": [["2024-Q3"]],
                        "MIGR_EIRT_TYPE": [["2024-Q3"]], "MIGR_EIRT_DEST": [["2024-Q3"]],
                        "FX_RDEC": [months], "FX_RET": [months]}
    assert sent(JULY) == {"FX_RDEC": [["2024-07"]], "FX_RET": [["2024-07"]]}
    assert sent(YEAR) == {}


def test_the_domains_make_the_tables_they_made_before():
    names = lambda dom, period: [s.name for s in domain(dom).due(period)]  # noqa: E731
    assert names("decisions", Q3) == ["MIGR_ASYDCFSTQ", "NAT_APPEALS", "NAT_APPEAL_DURATION"]
    assert names("decisions", YEAR) == ["MIGR_ASYDCFINA", "MIGR_ASYUNAA", "NAT_APPEALS",
                                        "NAT_APPEAL_DURATION"]
    assert names("pending", YEAR) == ["NAT_STILL_PROCESSED"]
    assert names("pending", JULY) == ["MIGR_ASYPENCTZM", "NAT_STILL_PROCESSED",
                                      "NAT_STOCK_FLOW"]
    from asylstat.dataflows.dublin import ANNUAL, NATIONAL_MONTHLY

    assert set(names("dublin", Q3)) >= {s.name for s in NATIONAL_MONTHLY}
    assert not set(names("dublin", Q3)) & {s.name for s in ANNUAL}
    assert set(names("dublin", YEAR)) >= {s.name for s in ANNUAL}
    assert not set(names("dublin", YEAR)) & {s.name for s in NATIONAL_MONTHLY}


# ---------------------------------------------------------------- margins
def test_margin_code_is_each_declared_dimensions_total():
    assert (margin_code("sex"), margin_code("citizen"), SEX.total) == ("T", "TOTAL", "T")
    for spec in all_specs():
        for dim in spec.dimensions:
            if dim.total is not None:
                assert margin_code(dim.name) == dim.total, (spec.name, dim.name)


# ---------------------------------------------------------------- no table names outside
TABLE_NAME = re.compile(r"(MIGR_|NAT_|EPS_|FX_)[A-Z0-9_]*")
#: where table names belong (the declarations and the synthetic warehouse); bench.py is
#: leaving the library (issue 11, "The run is a recipe")
ALLOWED = ("dataflows", "synthetic")
IGNORED = ("bench.py",)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def table_name_literals(root: Path) -> list[str]:
    """Every string literal (f-string parts included, docstrings excepted) that begins with a
    table name, in the library's modules outside the declarations."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in ALLOWED or relative.name in IGNORED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and TABLE_NAME.match(node.value)):
                found.append(f"{relative}:{node.lineno}: {node.value!r}")
    return found


def test_no_module_outside_the_declarations_names_a_table():
    assert table_name_literals(LIB) == []


def test_the_table_name_scan_finds_a_name(tmp_path):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "x.py").write_text(
        '"""MIGR_ASYAPPCTZM in a docstring is fine."""\n'
        'A = "MIGR_ASYAPPCTZM"\nB = f"MIGR_DUBD{1}"\nC = "about NAT_WAIVED"\n')
    assert table_name_literals(tmp_path) == ["report/x.py:2: 'MIGR_ASYAPPCTZM'",
                                             "report/x.py:3: 'MIGR_DUBD'"]


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.name)
def test_every_declaration_says_its_unit_frequency_due_and_disclosure(spec):
    assert spec.unit in {"PER", "NR", "APP", "DAYS", "PCT1"}
    # a rate (tenths of a percent) is computed from exact figures and published as computed
    # (statistics.md, "Dissemination")
    if spec.unit == "PCT1":
        assert spec.disclosure == "exact", spec.name
    assert spec.freq in {"M", "Q", "A"}
    assert spec.due in {"frequency", "months_and_run", "months"}
    assert spec.disclosure in {"rounded", "exact", "unpublished"}
    # national tables are made with the run's months; Eurostat tables for their frequency
    assert (spec.due == "frequency") == (spec.kind == "eurostat"), spec.name
    # what goes to the EUAA or Frontex is never published by the unit (statistics.md); the
    # EPS and Frontex dataflows are monthly, made for every month of a monthly or quarterly run
    if spec.kind in ("euaa", "frontex"):
        assert (spec.disclosure, spec.freq, spec.due) == ("unpublished", "M", "months")


def test_stocks_on_a_day_are_declared_stocks():
    """A count of persons or requests on the last day of a period is never added over months
    (the readable views and pivots read ``stock``): each such declaration says so."""
    stocks = {"MIGR_ASYPENCTZM", "NAT_STILL_PROCESSED", "EPS_PEND"}
    assert stocks <= {s.name for s in all_specs() if getattr(s, "stock", False)}
    assert not any(getattr(s, "stock", False) for s in all_specs()
                   if s.name in {"MIGR_ASYAPPCTZM", "MIGR_EIRTN1", "EPS_APP", "FX_RET"})
