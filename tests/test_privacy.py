"""Privacy guard (outputs.md: "No file outside internal/ holds a record of the warehouse: only
aggregates. Executed notebooks show no microdata rows either.")

A canary person with distinctive identifiers and values is planted in a synthetic warehouse, a
quarterly production runs, and every output file but ``internal/`` is scanned:

- text files as text; the workbook unzipped, every XML part; executed notebooks cell by cell
  (sources, every text-like output) *and* the tables they hand over, decoded (scrapbook stores
  them as base64 Parquet, which a plain text search would never see); PDFs with their
  compressed streams inflated. Only images are not scanned, and the test says which;
- for the canary's identifiers (12 digits that nothing else can produce) and birth date;
- for **any** identifier of the warehouse: every BIGINT value of every table (keys and
  references, all versions) is a 9-digit number or the canary's 12 digits, far above any count
  of a small warehouse, so a 9-or-more-digit number token of an output that is a warehouse
  identifier is a leaked record;
- for any birth date before 2000 of the warehouse (no date an output legitimately shows is that
  old);
- for a column named like a warehouse identifier or date (``person_id``, ``birth_date``,
  ``recorded_at``…) in any CSV header, workbook table header, notebook table or handed-over
  table.

The scan is shown to find each kind of leak when one is planted in fake outputs, and the canary
is shown to have been read and counted (its cells, worked out by hand, are in the transmission).
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from asylstat.warehouse.contract import contract_tables
from asylstat.write.workbook import ABOUT_SHEET, HEADER_ROW, read_workbook_cells
from canary import CANARY_BIRTH, CANARY_IDS, CANARY_PERSON, warehouse_values

BIRTH_SPELLINGS = ("1937-11-23", "23/11/1937", "23.11.1937", "11/23/1937", "19371123",
                   "1937/11/23")

TEXT_SUFFIXES = {".csv", ".json", ".html", ".htm", ".txt", ".md", ".xml", ".rels", ".svg",
                 ".tex", ".log", ".yaml", ".yml", ".toml", ".css", ".js"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
SCRAP_PANDAS = "application/scrapbook.scrap.pandas+json"
NUMBER_TOKEN = re.compile(r"(?<![0-9A-Za-z])\d{9,}(?![0-9A-Za-z])")
DATE_TOKEN = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
TH = re.compile(r"<th[^>]*>(.*?)</th>", re.S)

#: warehouse columns that identify or date a record: never an output column
RECORD_COLUMNS = frozenset(
    c for columns in contract_tables().values() for c in columns
    if c.endswith(("_id", "_date", "_at")) or c in ("reexamination_of", "transfer_deadline"))


# --- the scanner ----------------------------------------------------------------------------

@dataclass
class Scan:
    texts: list[tuple[str, str]] = field(default_factory=list)    # where, text
    headers: list[tuple[str, list[str]]] = field(default_factory=list)  # where, column names
    unscanned: list[str] = field(default_factory=list)


def _notebook(path: Path, where: str, scan: Scan) -> None:
    import scrapbook as sb

    nb = nbformat.read(path, as_version=4)
    scan.texts.append((f"{where} metadata", json.dumps(nb.metadata)))
    for i, cell in enumerate(nb.cells):
        at = f"{where} cell {i}"
        scan.texts.append((f"{at} source", cell.source))
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                scan.texts.append((f"{at} stream", out.get("text", "")))
            if out.get("output_type") == "error":
                scan.texts.append((f"{at} error", "\n".join(out.get("traceback", []))))
            for mime, value in out.get("data", {}).items():
                if mime.startswith("image/"):
                    scan.unscanned.append(f"{at} {mime}")
                elif mime == SCRAP_PANDAS:
                    continue  # decoded below
                else:
                    text = value if isinstance(value, str) else json.dumps(value)
                    scan.texts.append((f"{at} {mime}", text))
                    if mime == "text/html":
                        scan.headers.append((f"{at} html table",
                                             [re.sub(r"<[^>]+>", "", h).strip()
                                              for h in TH.findall(text)]))
    for name, scrap in sb.read_notebook(str(path)).scraps.items():
        data = scrap.data
        if isinstance(data, pd.DataFrame):
            scan.headers.append((f"{where} scrap {name}", [str(c) for c in data.columns]))
            scan.headers.append((f"{where} scrap {name} index",
                                 [str(n) for n in data.index.names if n is not None]))
            scan.texts.append((f"{where} scrap {name}", data.to_csv()))
        else:
            scan.texts.append((f"{where} scrap {name}", str(data)))


def _zip(path: Path, where: str, scan: Scan) -> None:
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            try:  # the XML parts (and _rels/.rels, which has no suffix); images are not text
                scan.texts.append((f"{where}:{member}", archive.read(member).decode("utf-8")))
            except UnicodeDecodeError:
                scan.unscanned.append(f"{where}:{member}")


def _workbook(path: Path, where: str, scan: Scan) -> None:
    _zip(path, where, scan)
    for sheet, rows in read_workbook_cells(path).items():
        if sheet != ABOUT_SHEET and len(rows) >= HEADER_ROW:
            scan.headers.append((f"{where} sheet {sheet}",
                                 [str(v) for v in rows[HEADER_ROW - 1] if v is not None]))


def _pdf(path: Path, where: str, scan: Scan) -> None:
    raw = path.read_bytes()
    scan.texts.append((where, raw.decode("latin-1")))
    for n, stream in enumerate(re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S)):
        try:
            scan.texts.append((f"{where} stream {n}", zlib.decompress(stream).decode("latin-1")))
        except zlib.error:
            pass


def scan_outputs(run: Path) -> Scan:
    """Everything a run left outside ``internal/``, as texts and column headers."""
    scan = Scan()
    for path in sorted(p for p in run.rglob("*") if p.is_file()):
        rel = path.relative_to(run).as_posix()
        if rel.startswith("internal/"):
            continue
        suffix = path.suffix.lower()
        if suffix == ".ipynb":
            scan.texts.append((rel, path.read_text(encoding="utf-8")))
            _notebook(path, rel, scan)
        elif suffix == ".xlsx":
            _workbook(path, rel, scan)
        elif suffix == ".zip":
            _zip(path, rel, scan)
        elif suffix == ".pdf":
            _pdf(path, rel, scan)
        elif suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
            scan.texts.append((rel, text))
            if suffix == ".csv":
                scan.headers.append((rel, text.splitlines()[0].split(",") if text else []))
        else:
            scan.unscanned.append(rel)
    return scan


def leaks(scan: Scan, warehouse_ids: set[str], old_birth_dates: set[str]) -> list[str]:
    """Every place an output shows something of a warehouse record."""
    found = []
    for where, text in scan.texts:
        for token in (*map(str, CANARY_IDS), *BIRTH_SPELLINGS):
            if token in text:
                found.append(f"{where}: canary value {token}")
        for token in set(NUMBER_TOKEN.findall(text)) & warehouse_ids:
            found.append(f"{where}: warehouse identifier {token}")
        for token in set(DATE_TOKEN.findall(text)) & old_birth_dates:
            found.append(f"{where}: a birth date of the warehouse, {token}")
    for where, columns in scan.headers:
        for column in set(columns) & RECORD_COLUMNS:
            found.append(f"{where}: column {column}")
    return found


# --- the warehouse and the run ----------------------------------------------------------

@pytest.fixture(scope="module")
def canary_run(quarterly_run):
    """The session's quarterly run, on the warehouse with the canary planted."""
    ids, births = warehouse_values(quarterly_run.warehouse)
    return {"run": quarterly_run.period_dir, "ids": ids, "births": births}


def transmission_lines(run: Path, name: str) -> set[str]:
    text = (run / "transmission" / "eurostat" / f"{name}.csv").read_text()
    return {",".join(line.split(",")[5:]) for line in text.splitlines()[1:]}


@pytest.mark.e2e
def test_the_canary_was_read_and_counted(canary_run):
    run = canary_run["run"]
    # worked by hand: F, born 1937-11-23, PLW → PW; lodged 2024-07-17 aged 86 → Y_GE65,
    # first-time, accelerated; "unaccompanied minor" aged 86 → age UNK in MIGR_ASYUMACTM;
    # rejected at first instance on 2024-09-19, aged 86 → NEG in 2024-Q3
    assert "PW,F,Y_GE65,FRST,BE,2024-07,1" in transmission_lines(run, "MIGR_ASYAPPCTZM")
    assert "PW,F,Y_GE65,BE,2024-07,1" in transmission_lines(run, "MIGR_ASYACCM")
    assert "PW,F,UNK,FRST,BE,2024-07,1" in transmission_lines(run, "MIGR_ASYUMACTM")
    assert "PW,F,Y_GE65,NEG,BE,2024-Q3,1" in transmission_lines(run, "MIGR_ASYDCFSTQ")
    assert str(CANARY_PERSON) in canary_run["ids"] and CANARY_BIRTH in canary_run["births"]
    assert len(canary_run["ids"]) > 10_000


@pytest.mark.e2e
def test_no_output_outside_internal_holds_a_warehouse_record(canary_run):
    scan = scan_outputs(canary_run["run"])
    assert leaks(scan, canary_run["ids"], canary_run["births"]) == []
    # what was looked at: every notebook, every table CSV, the workbook's sheets, the JSON
    where = {w.split(" ")[0].split(":")[0] for w, _ in scan.texts}
    run = canary_run["run"]
    expected = {p.relative_to(run).as_posix() for p in run.rglob("*")
                if p.is_file() and not p.relative_to(run).as_posix().startswith("internal/")
                and p.suffix.lower() not in IMAGE_SUFFIXES}
    assert expected <= where, expected - where
    assert any(".ipynb scrap " in w for w, _ in scan.texts)  # the handed-over tables
    assert any("xl/sharedStrings.xml" in w for w, _ in scan.texts)
    assert all(Path(u.split(" ")[-1]).suffix.lower() in IMAGE_SUFFIXES
               or u.split(" ")[-1].startswith("image/") for u in scan.unscanned), scan.unscanned


@pytest.mark.e2e
def test_executed_notebooks_display_no_warehouse_rows(canary_run):
    notebooks = sorted((canary_run["run"] / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 5
    for path in notebooks:
        scan = Scan()
        _notebook(path, path.name, scan)
        assert leaks(scan, canary_run["ids"], canary_run["births"]) == [], path.name
        # the notebooks show tables (summaries), none of them with a record's columns
        shown = [cols for where, cols in scan.headers if "html table" in where]
        assert all(not set(cols) & RECORD_COLUMNS for cols in shown)


def _fake_leaky_outputs(root: Path) -> None:
    """One leak of each kind the scanner must find."""
    import openpyxl
    from scrapbook.api import _prepare_ipy_data_format
    from scrapbook.encoders import registry
    from scrapbook.scraps import Scrap, scrap_to_payload

    (root / "tables" / "national").mkdir(parents=True)
    (root / "tables" / "national" / "LEAK.csv").write_text("person_id,OBS_VALUE\n1,5\n")
    (root / "internal").mkdir()
    (root / "internal" / "keys.json").write_text(json.dumps([CANARY_PERSON]))  # allowed there
    rows = pd.DataFrame({"application_id": [200000001], "OBS_VALUE": [1]})
    data, metadata = _prepare_ipy_data_format(
        "rows", scrap_to_payload(registry.encode(Scrap("rows", rows, "pandas"))), "pandas")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("execute_result", execution_count=1, data={
            "text/html": f"<table><tr><th>birth_date</th></tr><tr><td>{CANARY_BIRTH}</td>"
                         "</tr></table>", "text/plain": "1 row"}),
        nbformat.v4.new_output("display_data", data=data, metadata=metadata)])]
    (root / "notebooks").mkdir()
    nbformat.write(nb, root / "notebooks" / "10_x.ipynb")
    book = openpyxl.Workbook()
    book.active.title = ABOUT_SHEET
    sheet = book.create_sheet("T")
    sheet["A1"] = CANARY_PERSON  # a number cell: only visible in the sheet's XML
    book.save(root / "tables" / "t.xlsx")


def test_the_scan_finds_each_kind_of_leak(tmp_path):
    _fake_leaky_outputs(tmp_path)
    found = leaks(scan_outputs(tmp_path), {"200000001"}, {CANARY_BIRTH})
    joined = "\n".join(found)
    assert "tables/national/LEAK.csv: column person_id" in joined
    assert "notebooks/10_x.ipynb cell 0 text/html: canary value 1937-11-23" in joined
    assert "notebooks/10_x.ipynb cell 0 html table: column birth_date" in joined
    assert "notebooks/10_x.ipynb scrap rows: column application_id" in joined
    assert "notebooks/10_x.ipynb scrap rows: warehouse identifier 200000001" in joined
    assert "tables/t.xlsx:xl/worksheets/sheet2.xml: canary value 987654321987" in joined
    assert not any(f.startswith("internal/") for f in found)


def test_record_columns_are_the_contracts_identifiers_and_dates():
    assert {"person_id", "application_id", "request_id", "birth_date", "lodged_date",
            "recorded_at", "retired_at", "reexamination_of", "transfer_deadline"} <= \
        RECORD_COLUMNS
    assert not {"sex", "citizenship", "channel", "outcome"} & RECORD_COLUMNS
