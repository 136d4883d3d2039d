"""The answering run: ``asylstat ask FILE`` (``make ask QUESTION=…``), questions.md.

1. **the question** — read and validated before anything else (exit 2 on a bad question);
2. **the warehouse** — connected and its contract checked (exit 3 when unusable);
3. **the notebook** — ``notebooks/question.ipynb`` executed with papermill in the answer's
   staging folder (the audit trail); it counts in the engine and hands over the exact table;
4. **validation** — margins and partitions (:func:`asylstat.questions.engine.validate_answer`):
   a failure keeps the answer in ``failed/`` (exit 1);
5. **disclosure** — under ``public``, the rounded table for the documents, the exact one under
   ``internal/``, and the differencing check against the register (a warning, exit 0);
6. **write** — ``question.toml`` (a byte copy), ``answer.csv``, ``answer.xlsx``,
   ``answer_<lang>.md``/``.html``, then ``manifest.json`` last;
7. **publish** — the staging folder moves whole to ``<ANSWERS_DIR>/<id>/<RUN_ID>/`` (earlier
   answers kept), and a public answer is entered in the register.

The folders and the lock are :mod:`asylstat.lifecycle`'s, as for a production run: staging
``<ANSWERS_DIR>/.staging/<id>/<RUN_ID>/``, one answering run per question id at a time,
unfinished runs moved to ``failed/<id>/`` by the next one.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asylstat import paths
from asylstat.checks import summarise
from asylstat.lifecycle import (
    LOCK_PATIENCE_S,
    PeriodLock,
    RunInProgress,
    fail,
    publish_beside,
    recover_stale_staging,
    staging_folder,
)
from asylstat.manifest import MANIFEST, code_version, utc_text
from asylstat.params import ParameterError, absolute_url, check_url, format_as_of, redact_url
from asylstat.questions.documents import (
    Context,
    answer_csv_text,
    html_page,
    markdown,
    workbook_bytes,
)
from asylstat.questions.engine import Answer, disclose, validate_answer
from asylstat.questions.question import (
    EXIT_QUESTION,
    Question,
    QuestionError,
    question_hash,
    read_question,
)
from asylstat.questions.register import (
    Risk,
    append_to_register,
    differencing_risks,
    entry_of,
    read_register,
)
from asylstat.write.files import file_inventory, sha256_file, write_json, write_text
from asylstat.write.sdmx import write_bytes_atomically

log = logging.getLogger(__name__)

EXIT_OK, EXIT_INVALID, EXIT_WAREHOUSE, EXIT_CRASHED = 0, 1, 3, 4
NOTEBOOK = "question.ipynb"
QUESTION_COPY = "question.toml"
ANSWER_CSV = "answer.csv"
ANSWER_XLSX = "answer.xlsx"
EXACT_CSV = "internal/exact.csv"


@dataclass(frozen=True)
class AskOutcome:
    exit_code: int
    message: str
    path: Path | None = None
    warnings: tuple[str, ...] = field(default=())


def check_file(path: Path | str) -> AskOutcome:
    """``asylstat ask --check FILE``: validate the question without reading the warehouse."""
    try:
        question, _ = read_question(path)
    except QuestionError as exc:
        return AskOutcome(EXIT_QUESTION, bad_question_message(path, exc))
    periods = question.period.periods
    return AskOutcome(EXIT_OK, f"The question {question.id} in {path} is valid: measure "
                      f"{question.measure}, {len(periods)} period(s) "
                      f"({periods[0].label} … {periods[-1].label}), breakdowns "
                      f"{', '.join(question.breakdowns) or 'none'}, as of "
                      f"{format_as_of(question.as_of)}, disclosure {question.disclosure}.")


def bad_question_message(path: Path | str, exc: QuestionError) -> str:
    return (f"The question {path} cannot be answered as written: {exc}. Nothing was read or "
            "written. See docs/questions.md for the keys and the catalogue of measures.")


def execute_question_notebook(question_file: Path, dwh_url: str, schema: str,
                              target: Path) -> Path:
    """Execute the question notebook with papermill (parameters as a dict, the kernel named:
    toolchain-notes.md); the executed copy at ``target`` is the audit trail."""
    import papermill as pm

    pm.execute_notebook(
        str(paths.notebooks_dir() / NOTEBOOK), str(target),
        parameters={"question_file": str(question_file.resolve()), "dwh_url": dwh_url,
                    "schema": schema},
        kernel_name="python3", cwd=str(paths.notebooks_dir()), progress_bar=False,
        log_output=False)
    return target


def collect(question: Question, notebook: Path) -> Answer:
    """The exact table the notebook handed over, validated and disclosed here again (pure
    functions of the table: the same whoever calls them)."""
    from asylstat.scraps import read_tables

    tables = [t for t in read_tables(notebook) if t.name == question.id]
    if len(tables) != 1:
        raise RuntimeError(f"the notebook handed over {len(tables)} table(s) named "
                           f"{question.id}, not one")
    exact = tables[0]
    return Answer(question=question, exact=exact, published=disclose(question, exact),
                  checks=tuple(validate_answer(question, exact)))


def write_documents(staging: Path, found: Answer, run_id: str) -> None:
    """Every file of the answer but the manifest (and the question copy and notebook)."""
    question = found.question
    write_text(answer_csv_text(found.published), staging / ANSWER_CSV)
    if question.disclosure == "public":
        write_text(answer_csv_text(found.exact), staging / EXACT_CSV)
    ctx = Context(answer=found, run_id=run_id)
    write_bytes_atomically(workbook_bytes(ctx, question.languages), staging / ANSWER_XLSX)
    for lang in question.languages:
        write_text(markdown(lang, ctx), staging / f"answer_{lang}.md")
        write_text(html_page(lang, ctx), staging / f"answer_{lang}.html")


@dataclass(frozen=True)
class AnswerRecord:
    """What the manifest says of an answering run besides its files."""

    run_id: str
    question: Question
    question_sha256: str
    started: datetime
    finished: datetime
    dwh_url: str
    schema: str
    answers_dir: Path
    row_counts: dict[str, int]
    answer: Answer
    risks: tuple[Risk, ...]


def manifest_document(record: AnswerRecord, folder: Path) -> dict[str, object]:
    """outputs.md's manifest keys for an answer, plus the question, its hash and the
    differencing warnings."""
    q = record.question
    periods = q.period.periods
    return {
        "run_id": record.run_id, "kind": "question", "id": q.id,
        "period": f"{periods[0].label}/{periods[-1].label}" if len(periods) > 1
        else periods[0].label,
        "periods": [p.label for p in periods], "as_of": format_as_of(q.as_of),
        "started_at": utc_text(record.started), "finished_at": utc_text(record.finished),
        "code_version": code_version(), "lock_sha256": sha256_file(paths.lock_file()),
        "warehouse": {"url": redact_url(record.dwh_url), "schema": record.schema,
                      "row_counts": dict(record.row_counts)},
        "parameters": {"question": QUESTION_COPY, "dwh_url": redact_url(record.dwh_url),
                       "schema": record.schema, "answers_dir": str(record.answers_dir)},
        "question": q.as_dict(), "question_sha256": record.question_sha256,
        "measure": {"name": q.measure, "rule": q.the_measure.rule, "unit": q.the_measure.unit},
        "disclosure": q.disclosure, "rounded": record.answer.rounded,
        "outputs": file_inventory(folder),
        "validation": summarise(record.answer.checks),
        "warnings": [r.as_dict() for r in record.risks],
        "environment": {"python": platform.python_version(),
                        "lock_file": paths.lock_file().name},
    }


def ask(question_file: Path | str, *, dwh_url: str, schema: str = "dwh",
        answers_dir: Path | str = "answers") -> AskOutcome:
    """Answer the question in ``question_file`` (see the module's docstring). Never raises
    for an expected failure: the outcome says what happened."""
    try:
        question, data = read_question(question_file)
    except QuestionError as exc:
        return AskOutcome(EXIT_QUESTION, bad_question_message(question_file, exc))
    try:
        url = absolute_url(check_url(dwh_url))
    except ParameterError as exc:
        return AskOutcome(EXIT_QUESTION, f"Bad parameter: {exc}. Nothing was run or written.")
    from asylstat.run import new_run_id, row_counts
    from asylstat.warehouse.connect import WarehouseError, connect
    from asylstat.warehouse.snapshot import Snapshot

    started = datetime.now(UTC)
    run_id = new_run_id(started)
    try:
        snap = Snapshot(connect(url, schema), question.as_of)
    except WarehouseError as exc:
        return AskOutcome(EXIT_WAREHOUSE, f"The warehouse cannot be used: {exc}. Nothing was "
                          "written. Check DWH_URL and DWH_SCHEMA, or ask ICT whether the "
                          "warehouse is up and follows the contract (dwh-contract.md).")
    out = Path(answers_dir)
    lock = PeriodLock(out, question.id)
    try:
        lock.acquire(run_id, utc_text(started), patience_s=LOCK_PATIENCE_S)
    except RunInProgress as busy:
        return AskOutcome(EXIT_QUESTION, f"Another answering run of {question.id} is in "
                          f"progress in {out}: {busy.holder.describe()}. Nothing was written.")
    try:
        recover_stale_staging(out, holding=lock)
        staging = staging_folder(out.resolve(), question.id, run_id)
        staging.mkdir(parents=True)
        write_bytes_atomically(data, staging / QUESTION_COPY)
        try:
            found = _answer(question, staging, url, schema)
            if not found.valid:
                write_json({"rules": [r.as_dict() for r in found.checks]},
                           staging / "validation.json")
                where = fail(staging, out, question.id, run_id)
                return AskOutcome(EXIT_INVALID, f"The answer to {question.id} breaks an "
                                  "invariant that holds by construction (see validation.json); "
                                  f"nothing was published. It is kept in {where}.", where)
            risks = (tuple(differencing_risks(question, read_register(out)))
                     if question.disclosure == "public" else ())
            write_documents(staging, found, run_id)
            record = AnswerRecord(
                run_id=run_id, question=question, question_sha256=question_hash(data),
                started=started, finished=datetime.now(UTC), dwh_url=url, schema=schema,
                answers_dir=out, row_counts=row_counts(snap), answer=found, risks=risks)
            write_json(manifest_document(record, staging), staging / MANIFEST)
        except Exception as exc:  # a crash: keep the evidence whole
            log.exception("the answering run crashed")
            where = fail(staging, out, question.id, run_id)
            return AskOutcome(EXIT_CRASHED, f"The answering run crashed: {type(exc).__name__}: "
                              f"{exc}. Everything it made is kept in {where}; the executed "
                              "notebook there shows the failing cell.", where)
        where = publish_beside(staging, out, question.id, run_id)
        if question.disclosure == "public":
            append_to_register(out, entry_of(question, run_id, format_as_of(question.as_of),
                                             utc_text(record.finished)))
    finally:
        lock.release()
    warnings = tuple(r.message() for r in risks)
    for text in warnings:
        log.warning("%s", text)
    said = f"Answer {run_id} to {question.id} published in {where}"
    if warnings:
        said += (f"; {len(warnings)} differencing warning(s), also in manifest.json: "
                 + " | ".join(warnings))
    return AskOutcome(EXIT_OK, said + ".", where, warnings)


def _answer(question: Question, staging: Path, url: str, schema: str) -> Answer:
    notebook = execute_question_notebook(staging / QUESTION_COPY, url, schema,
                                         staging / "notebook.ipynb")
    return collect(question, notebook)
