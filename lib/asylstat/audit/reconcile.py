"""Reconciliation with a reference series: the parallel run a unit needs before it retires its
old programs (issue 5, "Reconciliation with a reference series").

The reference is a folder of SDMX-CSV files produced elsewhere for the same dataflows: the legacy
SAS outputs during the switch-over, or what was already transmitted. It is compared with a run's
transmission files, cell by cell:

- files are read by their header, not by position: column order may differ, column names are
  compared ignoring case (``CITIZEN`` is ``citizen``) and surrounding spaces;
- the dataflow of a row is the ``<ID>`` of its ``STRUCTURE_ID`` (``ESTAT:<ID>(1.0)``), or the
  file's name when there is no ``STRUCTURE_ID`` column; one file may hold several dataflows, and
  one dataflow may be spread over several files;
- a cell's key is every column of the run's file but ``STRUCTURE``, ``STRUCTURE_ID``, ``ACTION``
  and ``OBS_VALUE`` (so ``freq``, ``unit``, ``geo`` and ``TIME_PERIOD`` are part of it); other
  columns of the reference (attributes such as ``OBS_STATUS``) are ignored and listed; a
  reference lacking one of the run's key columns cannot be compared for that dataflow;
- codes are compared as written, after removing surrounding spaces; values as numbers
  (``41``, ``41.0`` and `` 41 `` are equal), and a zero cell equals an absent one
  (statistics.md, "Cells"): a reference listing zeros is not a difference;
- a value that is not a number, or a cell listed twice on one side, is a difference.

The result is a document (JSON) and a text a person reads; :func:`reconcile` says whether the
two are identical (exit 0) or not (exit 1).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from asylstat.audit.cells import TRANSMISSION_DIR, Key, read_csv
from asylstat.write.sdmx import code_sort_key

log = logging.getLogger(__name__)

NON_KEY = ("STRUCTURE", "STRUCTURE_ID", "ACTION", "OBS_VALUE")
_UPPER = ("STRUCTURE", "STRUCTURE_ID", "ACTION", "OBS_VALUE", "TIME_PERIOD")
_STRUCTURE_ID = re.compile(r"^\s*(?:[^:]+:)?(?P<id>[^()]+?)\s*(?:\((?P<version>[^)]*)\))?\s*$")
#: at most this many cells of each kind per dataflow in the text report (all are in the JSON)
TEXT_CELLS = 50


class ReconcileError(ValueError):
    """The folders cannot be compared (missing, or without any CSV file)."""


def column_name(raw: str) -> str:
    """A header name normalised: spaces removed; SDMX's upper-case columns upper, others lower."""
    name = raw.strip().lstrip("\ufeff")
    return name.upper() if name.upper() in _UPPER else name.lower()


def dataflow_of(structure_id: str, fallback: str) -> str:
    """``ESTAT:MIGR_ASYAPPCTZM(1.0)`` → ``MIGR_ASYAPPCTZM``; an empty id gives ``fallback``."""
    match = _STRUCTURE_ID.match(structure_id or "")
    return match["id"].strip() if match and match["id"].strip() else fallback


@dataclass
class Side:
    """One dataflow as one side holds it."""

    dataflow: str
    columns: list[str] = field(default_factory=list)
    #: the names as written in the file, by normalised name
    spelled: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    rows: list[tuple[dict[str, str], str, str]] = field(default_factory=list)  # row, value, where
    problems: list[str] = field(default_factory=list)


def read_side(folder: Path) -> dict[str, Side]:
    """Every dataflow of every ``*.csv`` file under ``folder`` (recursively), by dataflow id."""
    sides: dict[str, Side] = {}
    for path in sorted(Path(folder).rglob("*.csv")):
        try:
            header, rows = read_csv(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            side = sides.setdefault(path.stem, Side(path.stem))
            side.files.append(str(path))
            side.problems.append(f"{path.name} cannot be read: {exc}")
            continue
        names = [column_name(h) for h in header]
        for number, row in enumerate(rows, start=2):
            values = dict(zip(names, (v.strip() for v in row), strict=False))
            flow = dataflow_of(values.get("STRUCTURE_ID", ""), path.stem)
            side = sides.setdefault(flow, Side(flow))
            if str(path) not in side.files:
                side.files.append(str(path))
                side.columns = side.columns or names
                side.spelled.update(zip(names, (h.strip() for h in header), strict=True))
                if names != side.columns and set(names) != set(side.columns):
                    side.problems.append(f"{path.name} has other columns than "
                                         f"{Path(side.files[0]).name}")
            if len(row) != len(header):
                side.problems.append(f"{path.name}, line {number}: {len(row)} fields, the "
                                     f"header has {len(header)}")
                continue
            side.rows.append((values, values.get("OBS_VALUE", ""), f"{path.name}:{number}"))
        if not rows:  # a header-only file: the dataflow has no non-zero cell
            flow = path.stem
            side = sides.setdefault(flow, Side(flow))
            side.files.append(str(path))
            side.columns = side.columns or names
    return sides


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _cells(side: Side, key_columns: Sequence[str]) -> tuple[dict[Key, tuple[str, Decimal]],
                                                            list[dict[str, Any]]]:
    """Non-zero cells by key (raw text and number), and the rows that are themselves faults."""
    cells: dict[Key, tuple[str, Decimal]] = {}
    faults: list[dict[str, Any]] = []
    for values, raw, where in side.rows:
        key = tuple(values.get(c, "") for c in key_columns)
        number = _number(raw)
        if number is None:
            faults.append({"key": dict(zip(key_columns, key, strict=True)), "value": raw,
                           "where": where, "problem": "OBS_VALUE is not a number"})
            continue
        if key in cells:
            faults.append({"key": dict(zip(key_columns, key, strict=True)), "value": raw,
                           "where": where, "problem": "cell listed more than once"})
            continue
        if number != 0:
            cells[key] = (raw, number)
    return cells, faults


def _plain(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def compare_flow(run: Side | None, reference: Side | None) -> dict[str, Any]:
    """The comparison of one dataflow (either side may be missing)."""
    name = (run or reference).dataflow  # type: ignore[union-attr]
    out: dict[str, Any] = {
        "dataflow": name, "run_files": run.files if run else [],
        "reference_files": reference.files if reference else [],
        "problems": [*(f"run: {p}" for p in (run.problems if run else [])),
                     *(f"reference: {p}" for p in (reference.problems if reference else []))],
        "notes": [], "differing": [], "only_in_run": [], "only_in_reference": [],
        "faulty_rows": []}
    if run is None or reference is None:
        out["status"] = "missing_in_run" if run is None else "missing_in_reference"
        return out
    key_columns = [c for c in run.columns if c not in NON_KEY]
    missing = [c for c in key_columns if c not in reference.columns]
    extra = [c for c in reference.columns if c not in key_columns and c not in NON_KEY]
    out["columns"] = key_columns
    if extra:
        shown = ", ".join(reference.spelled.get(c, c) for c in extra)
        out["notes"].append(f"reference columns ignored: {shown}")
    if "OBS_VALUE" not in reference.columns or missing:
        lacking = [*missing, *([] if "OBS_VALUE" in reference.columns else ["OBS_VALUE"])]
        out["problems"].append(f"the reference lacks column(s) {', '.join(lacking)}: its cells "
                               "cannot be matched")
        out["status"] = "not_comparable"
        return out
    run_cells, run_faults = _cells(run, key_columns)
    ref_cells, ref_faults = _cells(reference, key_columns)
    out["faulty_rows"] = ([{"side": "run", **f} for f in run_faults]
                          + [{"side": "reference", **f} for f in ref_faults])
    zeros = sum(1 for _, raw, _ in reference.rows if _number(raw) == 0)
    if zeros:
        out["notes"].append(f"{zeros} zero cell(s) in the reference (equal to absent cells)")
    out["cells_run"], out["cells_reference"] = len(run_cells), len(ref_cells)
    for key in sorted(set(run_cells) | set(ref_cells), key=code_sort_key):
        labelled = dict(zip(key_columns, key, strict=True))
        if key not in ref_cells:
            out["only_in_run"].append({"key": labelled, "run": run_cells[key][0]})
        elif key not in run_cells:
            out["only_in_reference"].append({"key": labelled,
                                             "reference": ref_cells[key][0]})
        elif run_cells[key][1] != ref_cells[key][1]:
            out["differing"].append({
                "key": labelled, "run": run_cells[key][0], "reference": ref_cells[key][0],
                "difference": _plain(run_cells[key][1] - ref_cells[key][1])})
    different = (out["differing"] or out["only_in_run"] or out["only_in_reference"]
                 or out["faulty_rows"] or out["problems"])
    out["status"] = "different" if different else "identical"
    return out


def transmission_folder(run: Path) -> Path:
    """The folder of a run's transmission files (``run`` itself when it holds CSV files)."""
    run = Path(run)
    if (run / TRANSMISSION_DIR).is_dir():
        return run / TRANSMISSION_DIR
    if run.is_dir() and any(run.glob("*.csv")):
        return run
    raise ReconcileError(f"{run} is neither a run folder (with {TRANSMISSION_DIR}/) nor a "
                         "folder of SDMX-CSV files")


def reconcile(reference: Path, run: Path) -> dict[str, Any]:
    """Compare every dataflow of ``reference`` with ``run``'s transmission files."""
    reference = Path(reference)
    if not reference.is_dir():
        raise ReconcileError(f"the reference folder {reference} does not exist")
    if not any(reference.rglob("*.csv")):
        raise ReconcileError(f"the reference folder {reference} holds no .csv file")
    folder = transmission_folder(run)
    run_side, ref_side = read_side(folder), read_side(reference)
    flows = [compare_flow(run_side.get(n), ref_side.get(n))
             for n in sorted(set(run_side) | set(ref_side), key=lambda n: n.encode("utf-8"))]
    summary = {
        "dataflows": len(flows),
        "identical": sum(f["status"] == "identical" for f in flows),
        "different": sum(f["status"] == "different" for f in flows),
        "not_comparable": sum(f["status"] == "not_comparable" for f in flows),
        "missing_in_reference": [f["dataflow"] for f in flows
                                 if f["status"] == "missing_in_reference"],
        "missing_in_run": [f["dataflow"] for f in flows if f["status"] == "missing_in_run"],
        "cells_differing": sum(len(f["differing"]) for f in flows),
        "cells_only_in_run": sum(len(f["only_in_run"]) for f in flows),
        "cells_only_in_reference": sum(len(f["only_in_reference"]) for f in flows),
        "faulty_rows": sum(len(f["faulty_rows"]) for f in flows),
    }
    identical = all(f["status"] == "identical" for f in flows)
    log.info("reconciliation of %s with %s: %s", folder, reference,
             "identical" if identical else "different")
    return {"run": str(folder), "reference": str(reference), "identical": identical,
            "summary": summary, "dataflows": flows}


def _key(key: Mapping[str, str]) -> str:
    return ",".join(key.values())


def reconcile_text(doc: Mapping[str, Any], limit: int = TEXT_CELLS) -> str:
    """The report a person reads (every count; at most ``limit`` cells of each kind per
    dataflow, the JSON has them all)."""
    s = doc["summary"]
    lines = [f"Reconciliation of {doc['run']} with the reference {doc['reference']}",
             f"{s['dataflows']} dataflow(s): {s['identical']} identical, {s['different']} "
             f"different, {s['not_comparable']} not comparable, "
             f"{len(s['missing_in_reference'])} missing from the reference, "
             f"{len(s['missing_in_run'])} missing from the run."]
    for f in doc["dataflows"]:
        status = f["status"]
        if status == "missing_in_reference":
            lines.append(f"\n{f['dataflow']}: only in the run ({', '.join(f['run_files'])})")
            continue
        if status == "missing_in_run":
            lines.append(f"\n{f['dataflow']}: only in the reference "
                         f"({', '.join(f['reference_files'])})")
            continue
        if status == "identical":
            lines.append(f"{f['dataflow']}: identical ({f['cells_run']} non-zero cells)"
                         + "".join(f"; note: {n}" for n in f["notes"]))
            continue
        head = f"\n{f['dataflow']}: {status}"
        if "cells_run" in f:
            head += (f" ({f['cells_run']} non-zero cells in the run, {f['cells_reference']} "
                     f"in the reference; {len(f['differing'])} differ, "
                     f"{len(f['only_in_run'])} only in the run, "
                     f"{len(f['only_in_reference'])} only in the reference)")
        lines.append(head)
        lines += [f"  problem: {p}" for p in f["problems"]]
        lines += [f"  note: {n}" for n in f["notes"]]
        if f.get("columns") and status == "different":
            lines.append(f"  cells as {','.join(f['columns'])}")
        for label, items, show in (
                ("differs", f["differing"],
                 lambda c: f"run {c['run']}, reference {c['reference']} "
                           f"(run - reference = {c['difference']})"),
                ("only in run", f["only_in_run"], lambda c: f"run {c['run']}"),
                ("only in reference", f["only_in_reference"],
                 lambda c: f"reference {c['reference']}"),
                ("faulty row", f["faulty_rows"],
                 lambda c: f"{c['side']} {c['where']}: {c['problem']} ({c['value']!r})")):
            for cell in items[:limit]:
                lines.append(f"  {label:<17} {_key(cell['key'])}: {show(cell)}")
            if len(items) > limit:
                lines.append(f"  … {len(items) - limit} more ({label}) in the JSON report")
    lines.append("\nResult: " + ("IDENTICAL" if doc["identical"] else
                                 f"DIFFERENT: {s['cells_differing']} cell(s) differ, "
                                 f"{s['cells_only_in_run']} only in the run, "
                                 f"{s['cells_only_in_reference']} only in the reference, "
                                 f"{s['faulty_rows']} faulty row(s)"))
    return "\n".join(lines) + "\n"
