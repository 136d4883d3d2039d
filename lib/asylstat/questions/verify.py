"""``asylstat verify --answer <ANSWERS_DIR>/<id>/<RUN_ID>``: re-do an answer from its manifest
and compare (questions.md; outputs.md, "verify", for production runs).

The same steps as :mod:`asylstat.audit.verify`, whose parts it uses: the published files are
checked against the manifest; the recorded code is restored when it can be (a clean checkout
of the recorded commit), and the recorded lock's environment; the answer is asked again
through the command line of that code, from the recorded ``question.toml`` (its ``as_of``
included) and warehouse, into ``<scratch>/answers``; then ``answer.csv`` and
``internal/exact.csv`` are compared byte for byte, the answer texts and the workbook with the
run id (which differs by design) set aside.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asylstat import paths
from asylstat.audit.verify import (
    EXIT_CRASHED,
    EXIT_DIFFERENT,
    EXIT_IDENTICAL,
    EXIT_PARAMETERS,
    EXIT_WAREHOUSE,
    VerifyError,
    VerifyReport,
    empty_scratch,
    published_integrity,
    read_manifest,
    rerun_recorded_code,
    warehouse_url,
)
from asylstat.questions.ask import ANSWER_CSV, ANSWER_XLSX, EXACT_CSV, QUESTION_COPY
from asylstat.write.files import write_json
from asylstat.write.workbook import read_workbook_cells

log = logging.getLogger(__name__)

#: compared byte for byte
BYTE_FILES = (ANSWER_CSV, EXACT_CSV)


def ask_command(python: str, question: Path, answers: Path, dwh_url: str,
                schema: str) -> list[str]:
    return [python, "-m", "asylstat.cli", "ask", str(question), "--dwh-url", dwh_url,
            "--schema", schema, "--answers-dir", str(answers)]


def rerun_answer_folder(answers: Path, qid: str) -> Path | None:
    runs = sorted(p for p in (answers / qid).glob("*") if (p / "manifest.json").is_file())
    return runs[-1] if runs else None


def _without_run_id(text: str, run_id: str) -> str:
    return text.replace(run_id, "<RUN_ID>")


def compare_answers(published: Path, rerun_folder: Path, run_ids: tuple[str, str]
                    ) -> tuple[list[str], list[dict[str, Any]]]:
    """The files compared and every difference: CSVs byte for byte, texts and workbook cells
    with each folder's own run id replaced."""
    old_id, new_id = run_ids
    texts = sorted({p.name for p in published.glob("answer_*.*")}
                   | {p.name for p in rerun_folder.glob("answer_*.*")})
    compared = [*BYTE_FILES, *texts, ANSWER_XLSX]
    out: list[dict[str, Any]] = []
    for rel in compared:
        a, b = published / rel, rerun_folder / rel
        if not a.is_file() and not b.is_file():
            continue
        if not a.is_file() or not b.is_file():
            out.append({"path": rel, "problem": "missing from the "
                        + ("published answer" if not a.is_file() else "re-run")})
        elif rel in BYTE_FILES:
            if a.read_bytes() != b.read_bytes():
                out.append({"path": rel, "problem": "bytes differ"})
        elif rel == ANSWER_XLSX:
            cells = _workbook_differences(a, b, run_ids)
            if cells:
                out.append({"path": rel, "problem": "cells differ",
                            "cells_differing": len(cells), "cells": cells[:200]})
        elif (_without_run_id(a.read_text(encoding="utf-8"), old_id)
              != _without_run_id(b.read_text(encoding="utf-8"), new_id)):
            out.append({"path": rel, "problem": "text differs (run id set aside)"})
    return [c for c in compared if (published / c).is_file() or (rerun_folder / c).is_file()], out


def _workbook_differences(a: Path, b: Path, run_ids: tuple[str, str]) -> list[dict[str, Any]]:
    old, new = read_workbook_cells(a), read_workbook_cells(b)
    out: list[dict[str, Any]] = []
    if list(old) != list(new):
        return [{"sheet": None, "problem": "sheets differ", "published": list(old),
                 "rerun": list(new)}]

    def norm(value: object, run_id: str) -> object:
        return _without_run_id(value, run_id) if isinstance(value, str) else value

    for sheet in old:
        rows_a, rows_b = old[sheet], new[sheet]
        for r in range(max(len(rows_a), len(rows_b))):
            ra = rows_a[r] if r < len(rows_a) else ()
            rb = rows_b[r] if r < len(rows_b) else ()
            for c in range(max(len(ra), len(rb))):
                va = norm(ra[c] if c < len(ra) else None, run_ids[0])
                vb = norm(rb[c] if c < len(rb) else None, run_ids[1])
                if va != vb:
                    out.append({"sheet": sheet, "cell": f"R{r + 1}C{c + 1}", "published": va,
                                "rerun": vb})
    return out


def verify_answer(folder: Path | str, *, scratch: Path | None = None,
                  dwh_url: str | None = None, repo: Path | None = None) -> VerifyReport:
    """Re-do the answer in ``folder`` in ``scratch`` and compare; never raises for an expected
    failure (the report's ``exit_code`` and ``message`` say what happened)."""
    published = Path(folder)
    report = VerifyReport(period="", published=str(published))
    try:
        manifest = read_manifest(published)
        if manifest.get("kind") != "question" or not (published / QUESTION_COPY).is_file():
            raise VerifyError(f"{published} is not an answer to a question (no question.toml or "
                              "not a question's manifest)", EXIT_PARAMETERS)
        report.period = str(manifest["period"])
        report.run_id, report.as_of = manifest["run_id"], manifest["as_of"]
        scratch = empty_scratch(scratch, "asylstat-verify-answer")
        report.scratch = str(scratch)
        _verify(report, manifest, published, scratch, dwh_url, repo or paths.project_root())
    except VerifyError as exc:
        report.exit_code, report.message = exc.exit_code, str(exc)
    if report.scratch:
        write_json(report.as_dict(), Path(report.scratch) / "verify.json")
    return report


def _verify(report: VerifyReport, manifest: Mapping[str, Any], published: Path, scratch: Path,
            dwh_url: str | None, repo: Path) -> None:
    report.integrity = published_integrity(published, manifest)
    url = dwh_url or warehouse_url(manifest)
    report.warehouse = url
    question = scratch / QUESTION_COPY
    shutil.copyfile(published / QUESTION_COPY, question)
    answers = scratch / "answers"
    schema = str(manifest.get("parameters", {}).get("schema") or "dwh")
    code, tail = rerun_recorded_code(
        report, manifest, repo, scratch,
        lambda python: ask_command(python, question, answers, url, schema))
    report.rerun_exit = code
    found = rerun_answer_folder(answers, str(manifest["question"]["id"]))
    report.rerun_folder = str(found) if found else None
    if code == EXIT_WAREHOUSE:
        raise VerifyError(f"the re-run cannot use the warehouse {url}: {tail.strip()[-600:]}",
                          EXIT_WAREHOUSE)
    if found is None or code != 0:
        raise VerifyError(f"the re-run failed (exit {code}); its log is {scratch / 'rerun.log'}:"
                          f" {tail.strip()[-600:]}", EXIT_CRASHED)
    new_id = read_manifest(found)["run_id"]
    report.files_compared, report.differences = compare_answers(
        published, found, (str(report.run_id), str(new_id)))
    report.identical = not report.differences and not report.integrity
    report.exit_code = EXIT_IDENTICAL if report.identical else EXIT_DIFFERENT
    if report.identical:
        report.message = (f"The answer {report.run_id} ({published}) was re-done ({report.code}; "
                          f"{report.environment}) and all {len(report.files_compared)} files "
                          f"compared are identical. Details: {scratch}/verify.json.")
    else:
        parts = [f"{len(report.integrity)} published file(s) do not match the manifest"
                 ] if report.integrity else []
        if report.differences:
            parts.append(f"{len(report.differences)} file(s) differ: "
                         + ", ".join(d["path"] for d in report.differences))
        report.message = (f"The re-run of the answer {report.run_id} ({published}) is NOT "
                          f"identical: {'; '.join(parts)}. Code: {report.code}. Details in "
                          f"{scratch} (verify.json).")
