"""The ten example questions (questions/examples/) answer on the session's synthetic warehouse
(in-process, with their documents), and the answering run end to end through the command
line and papermill: the layout of questions.md, byte-identical ``answer.csv`` on two runs, the
register and its differencing warning, and ``verify --answer``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from asylstat import paths
from asylstat.questions.ask import write_documents
from asylstat.questions.documents import totals
from asylstat.questions.engine import answer
from asylstat.questions.question import read_question
from asylstat.report.i18n import Translator
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot

EXAMPLES = sorted((paths.project_root() / "questions" / "examples").glob("*.toml"))
FIRST = paths.project_root() / "questions" / "examples" / "afghan_uam_2023_by_month_sex.toml"


def test_there_are_ten_valid_examples_with_distinct_ids():
    assert len(EXAMPLES) == 10
    ids = [read_question(path)[0].id for path in EXAMPLES]
    assert len(set(ids)) == 10
    measures = {read_question(path)[0].measure for path in EXAMPLES}
    assert len(measures) >= 8  # the examples show most of the catalogue


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_answers_with_its_documents(path, synthetic_warehouse, tmp_path):
    question, _ = read_question(path)
    found = answer(question, Snapshot(connect(synthetic_warehouse.url), question.as_of))
    assert found.valid, [r for r in found.checks if r.status != "pass"]
    # (the session's warehouse is small: rounded figures may all be 0, exact ones are not)
    assert len(found.exact.data) > 0, "the example asks about an empty population"
    assert len(totals(found)) == len(question.period.periods)
    write_documents(tmp_path, found, "RUN")
    csv = (tmp_path / "answer.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0] == ",".join([*question.breakdowns, "TIME_PERIOD", "OBS_VALUE"])
    values = [int(line.rsplit(",", 1)[1]) for line in csv.splitlines()[1:]]
    assert all(v > 0 for v in values)
    if found.rounded:
        assert all(v % 5 == 0 for v in values)
        assert (tmp_path / "internal" / "exact.csv").is_file()
    assert load_workbook(tmp_path / "answer.xlsx").sheetnames == list(question.languages)
    for lang in question.languages:
        text = (tmp_path / f"answer_{lang}.md").read_text(encoding="utf-8")
        page = (tmp_path / f"answer_{lang}.html").read_text(encoding="utf-8")
        mark = Translator(lang).text("question.exact")
        assert (mark in text and mark in page) == (question.disclosure == "exact")
        assert question.title in text and f'lang="{lang}"' in page


# ---------------------------------------------------------------- end to end

def _ask(question: Path, url: str, answers: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "asylstat.cli", "ask", str(question), "--dwh-url", url,
         "--answers-dir", str(answers)], capture_output=True, text=True, timeout=600)


def _runs(answers: Path, qid: str) -> list[Path]:
    return sorted(p for p in (answers / qid).iterdir() if p.is_dir())


@pytest.mark.e2e
def test_the_answering_run_end_to_end(synthetic_warehouse, tmp_path):
    answers = tmp_path / "answers"
    url = synthetic_warehouse.url
    question, data = read_question(FIRST)
    first, second = _ask(FIRST, url, answers), _ask(FIRST, url, answers)
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    one, two = _runs(answers, question.id)
    # questions.md's layout, earlier runs kept
    names = {p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file()}
    assert names == {"question.toml", "manifest.json", "notebook.ipynb", "answer.xlsx",
                     "answer.csv", "answer_fr.md", "answer_fr.html", "answer_nl.md",
                     "answer_nl.html", "internal/exact.csv"}
    assert (one / "question.toml").read_bytes() == data
    # two runs of the same question and as_of: byte-identical answer.csv (and exact.csv)
    assert (one / "answer.csv").read_bytes() == (two / "answer.csv").read_bytes()
    assert ((one / "internal" / "exact.csv").read_bytes()
            == (two / "internal" / "exact.csv").read_bytes())
    manifest = json.loads((one / "manifest.json").read_text())
    for key in ("run_id", "period", "as_of", "started_at", "finished_at", "code_version",
                "lock_sha256", "warehouse", "parameters", "outputs", "validation",
                "question_sha256"):
        assert key in manifest, key
    assert manifest["as_of"] == "2024-03-31T00:00:00.000000Z"
    assert manifest["validation"] == {"error": {"pass": 2}}
    assert {o["path"] for o in manifest["outputs"]} == names - {"manifest.json"}
    register = (answers / "register.csv").read_text().splitlines()
    assert register[0] == "id,run_id,as_of,measure,filters,breakdowns,periods,finished_at"
    assert [line.split(",")[1] for line in register[1:]] == [one.name, two.name]

    # a public question one citizenship apart from the first: answered, with a warning
    near = tmp_path / "near.toml"
    near.write_text(data.decode().replace('id = "QRVA-56-0123"', 'id = "QRVA-56-0999"')
                    .replace('citizen = ["AF"]', 'citizen = ["AF", "IQ"]'), encoding="utf-8")
    third = _ask(near, url, answers)
    assert third.returncode == 0, third.stderr[-2000:]
    assert "differencing" in third.stdout and "QRVA-56-0123" in third.stdout
    (warned,) = _runs(answers, "QRVA-56-0999")
    (warning,) = json.loads((warned / "manifest.json").read_text())["warnings"]
    assert (warning["earlier_id"], warning["dimension"], warning["code"]) == (
        "QRVA-56-0123", "citizen", "IQ")

    # verify --answer re-does the first answer from its manifest: identical
    scratch = tmp_path / "scratch"
    verified = subprocess.run([sys.executable, "-m", "asylstat.cli", "verify", "--answer",
                               str(one), "--scratch", str(scratch)],
                              capture_output=True, text=True, timeout=900)
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]
    report = json.loads((scratch / "verify.json").read_text())
    assert "answer.csv" in report["files_compared"] and report["identical"]
