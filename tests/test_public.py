"""Public tables (outputs.md ``public/``): written with the project's writers, read back with
openpyxl and as text; expected values worked out by hand in each test."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pandas as pd

from asylstat.declaration import Disclosure
from asylstat.report.public import check_public, is_rounded, public_table, write_public
from asylstat.tables import Table

PERIOD = "2024-Q3"


def table(name: str, kind: str, unit: str, dims: tuple[str, ...],
          rows: list[tuple], disclosure: Disclosure = "rounded") -> Table:
    data = pd.DataFrame(rows, columns=[*dims, "TIME_PERIOD", "OBS_VALUE"])
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    return Table(name=name, title=f"{name} title", definition=f"{name} definition.", kind=kind,
                 freq="M", unit=unit, dimensions=dims, data=data, disclosure=disclosure)


APPLICANTS = table("MIGR_ASYACCM", "eurostat", "PER", ("citizen", "sex", "age"), [
    ("SY", "F", "TOTAL", "2024-07", 2),     # → 0: left out
    ("SY", "M", "TOTAL", "2024-07", 13),    # → 15
    ("SY", "T", "TOTAL", "2024-07", 15),    # → 15
    ("TOTAL", "F", "TOTAL", "2024-07", 2),  # → 0: left out
    ("TOTAL", "M", "TOTAL", "2024-07", 13),  # → 15
    ("TOTAL", "T", "TOTAL", "2024-07", 15),  # → 15
])
DUBLIN = table("NAT_DUBRO", "national", "NR", ("partner",), [
    ("DE", "2024-07", 2), ("TOTAL", "2024-07", 2)], disclosure="exact")
SUBMISSION = table("NAT_SUBMISSION", "national", "APP", ("legal_type",), [
    ("INITIAL", "2024-07", 12), ("SUBSEQUENT", "2024-07", 3), ("TOTAL", "2024-07", 15)])
RATES = table("RPT_RATES", "national", "PCT1", ("indicator", "citizen"), [
    ("CHG_PREV_APPLICANTS", "TOTAL", "2024-Q3", -64),   # a fall of 6.4 %
    ("CHG_YEAR_APPLICANTS", "TOTAL", "2024-Q3", 0),     # unchanged: kept as 0
    ("RECOGNITION", "TOTAL", "2024-Q3", 432)], disclosure="exact")
ALL = [APPLICANTS, DUBLIN, SUBMISSION, RATES]


def test_the_rounding_policy_by_table():
    assert is_rounded(APPLICANTS)           # persons
    assert is_rounded(SUBMISSION)           # applications: national counts, rounded too
    assert not is_rounded(DUBLIN)           # Dublin events: published unrounded
    assert not is_rounded(RATES)            # rates: computed from exact figures
    assert not is_rounded(replace(SUBMISSION, name="NAT_APPEAL_DURATION", unit="DAYS"))


def test_public_files_hold_the_rounded_figures(tmp_path):
    meta = {"period": PERIOD, "as_of": "2026-06-30T00:00:00.000000Z", "run_id": "R1"}
    write_public(ALL, tmp_path, period=PERIOD, metadata=meta)

    # the Eurostat dataflow in the SDMX-CSV layout, rounded, zero cells left out
    assert (tmp_path / "MIGR_ASYACCM.csv").read_text(encoding="utf-8") == (
        "STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,sex,age,geo,TIME_PERIOD,OBS_VALUE\n"
        "dataflow,ESTAT:MIGR_ASYACCM(1.0),I,M,PER,SY,M,TOTAL,BE,2024-07,15\n"
        "dataflow,ESTAT:MIGR_ASYACCM(1.0),I,M,PER,SY,T,TOTAL,BE,2024-07,15\n"
        "dataflow,ESTAT:MIGR_ASYACCM(1.0),I,M,PER,TOTAL,M,TOTAL,BE,2024-07,15\n"
        "dataflow,ESTAT:MIGR_ASYACCM(1.0),I,M,PER,TOTAL,T,TOTAL,BE,2024-07,15\n")
    # national tables: 12 → 10, 3 → 5, 15 → 15; Dublin as it is; rates with their sign
    national = tmp_path / "national"
    assert (national / "NAT_SUBMISSION.csv").read_text() == (
        "legal_type,TIME_PERIOD,OBS_VALUE\nINITIAL,2024-07,10\nSUBSEQUENT,2024-07,5\n"
        "TOTAL,2024-07,15\n")
    assert (national / "NAT_DUBRO.csv").read_text() == (
        "partner,TIME_PERIOD,OBS_VALUE\nDE,2024-07,2\nTOTAL,2024-07,2\n")
    assert (national / "RPT_RATES.csv").read_text() == (
        "indicator,citizen,TIME_PERIOD,OBS_VALUE\nCHG_PREV_APPLICANTS,TOTAL,2024-Q3,-64\n"
        "CHG_YEAR_APPLICANTS,TOTAL,2024-Q3,0\nRECOGNITION,TOTAL,2024-Q3,432\n")
    assert not (tmp_path / "NAT_SUBMISSION.csv").exists()  # only dataflows at the top
    assert "nearest multiple of 5" in (tmp_path / "README.txt").read_text(encoding="utf-8")

    # the formatted workbook: a note on rounding, one sheet per table, numeric cells
    book = openpyxl.load_workbook(tmp_path / f"{PERIOD}_public.xlsx")
    about = book["About"]
    assert about["A2"].value.startswith("Public figures.")
    assert "nearest multiple of 5" in about["A2"].value
    assert "Exact, unrounded" not in str([c.value for row in about.iter_rows() for c in row])
    sheet = book["MIGR_ASYACCM"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=6)]
    assert rows == [("SY", "M", "TOTAL", "2024-07", 15), ("SY", "T", "TOTAL", "2024-07", 15),
                    ("TOTAL", "M", "TOTAL", "2024-07", 15),
                    ("TOTAL", "T", "TOTAL", "2024-07", 15)]
    assert "rounded to the nearest multiple of 5" in sheet["A2"].value
    dublin = [tuple(c.value for c in row) for row in book["NAT_DUBRO"].iter_rows(min_row=6)]
    assert dublin == [("DE", "2024-07", 2), ("TOTAL", "2024-07", 2)]


def test_the_public_workbook_is_deterministic(tmp_path):
    meta = {"period": PERIOD, "as_of": "2026-06-30T00:00:00.000000Z"}
    write_public(ALL, tmp_path / "a", period=PERIOD, metadata=meta)
    write_public(ALL, tmp_path / "b", period=PERIOD, metadata=meta)
    name = f"{PERIOD}_public.xlsx"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_the_rounding_check_catches_an_unrounded_cell():
    public = [public_table(t) for t in ALL]
    assert check_public(ALL, public).status == "pass"
    # a public SUBSEQUENT cell of 3 (the exact figure) instead of 5
    data = public[2].data.copy()
    data.loc[data["legal_type"] == "SUBSEQUENT", "OBS_VALUE"] = 3
    tampered = [*public[:2], replace(public[2], data=data), public[3]]
    result = check_public(ALL, tampered)
    assert (result.status, result.count, result.severity) == ("fail", 1, "error")
    assert "NAT_SUBMISSION SUBSEQUENT/2024-07: public 3, expected 5" in result.examples


def test_the_dublin_rule_matches_the_declared_tables():
    # every declared table: the Dublin dataflows and their monthly national variants are
    # published unrounded; every other table has its counts rounded (a table of durations:
    # its numbers of persons); a table of rates (PCT1, NAT_RETURN_RATE) has no count: its
    # rates are published as computed (statistics.md, "Dissemination")
    from asylstat.dataflows.dublin import ANNUAL, NATIONAL_MONTHLY
    from asylstat.domains import all_specs, domain

    dublin = {s.name for s in domain("dublin").tables}
    assert {s.name for s in (*ANNUAL, *NATIONAL_MONTHLY)} <= dublin
    assert len({s.name for s in (*ANNUAL, *NATIONAL_MONTHLY)}) == 42
    for spec in all_specs():
        if spec.disclosure == "unpublished":  # never public (Frontex, EUAA): nothing to round
            continue
        shaped = table(spec.name, spec.kind, spec.unit, spec.dimension_names, [],
                       disclosure=spec.disclosure)
        assert is_rounded(shaped) == (spec.name not in dublin and spec.unit != "PCT1"), \
            spec.name


def test_durations_keep_their_days_and_round_their_numbers_of_persons():
    durations = table("NAT_APPEAL_DURATION", "national", "DAYS", ("stat",), [
        ("N", "2024-07", 13),      # 13 persons → 15
        ("P50", "2024-07", 7),     # a median of 7 days stays 7
        ("P90", "2024-07", 13),    # 13 days stays 13
        ("N", "2024-08", 2),       # 2 persons → 0: left out
        ("P50", "2024-08", 41)])
    rounded = public_table(durations)
    assert list(rounded.data.itertuples(index=False, name=None)) == [
        ("N", "2024-07", 15), ("P50", "2024-07", 7), ("P90", "2024-07", 13),
        ("P50", "2024-08", 41)]
    assert check_public([durations], [rounded]).status == "pass"


def test_tables_declared_unpublished_are_in_no_public_file(tmp_path):
    """Frontex and EUAA figures are exact and never published by the unit (statistics.md):
    a table declared ``unpublished`` is left out of every public file, and the check fails when
    one is found among the public tables."""
    frontex = table("FX_RET", "frontex", "PER", ("citizen",), [
        ("MA", "2024-07", 3), ("TOTAL", "2024-07", 3)], disclosure="unpublished")
    meta = {"period": PERIOD, "as_of": "2026-06-30T00:00:00.000000Z"}
    public = write_public([*ALL, frontex], tmp_path, period=PERIOD, metadata=meta)
    assert [t.name for t in public] == [t.name for t in ALL]
    assert not list(tmp_path.rglob("FX_RET*"))
    book = openpyxl.load_workbook(tmp_path / f"{PERIOD}_public.xlsx")
    assert "FX_RET" not in book.sheetnames
    assert check_public([*ALL, frontex], public).status == "pass"
    leaked = check_public([*ALL, frontex], [*public, public_table(frontex)])
    assert leaked.status == "fail" and "FX_RET" in leaked.examples[0]
