"""What the question notebook (``notebooks/question.ipynb``) calls, so that it stays thin: it
shows the question, the totals per period and the validation, never a warehouse row."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from asylstat.questions.engine import Answer, answer
from asylstat.questions.question import Question, read_question
from asylstat.scraps import glue_tables
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot


@dataclass(frozen=True)
class QuestionRun:
    question: Question
    snapshot: Snapshot


def start(*, question_file: str, dwh_url: str, schema: str) -> QuestionRun:
    """Read and validate the question, open the warehouse as of its ``as_of``."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    question, _ = read_question(Path(question_file))
    return QuestionRun(question=question,
                       snapshot=Snapshot(connect(dwh_url, schema), question.as_of))


def about(run: QuestionRun) -> pd.DataFrame:
    """The question as validated, one key per line."""
    doc = run.question.as_dict()
    return pd.DataFrame({"key": list(doc), "value": [str(v) for v in doc.values()]})


def compute(run: QuestionRun) -> Answer:
    """Count in the engine, validate, disclose (:func:`asylstat.questions.engine.answer`)."""
    return answer(run.question, run.snapshot)


def summary(found: Answer) -> pd.DataFrame:
    """Per period: the number of cells and the total, exact and as published."""
    from asylstat.questions.documents import totals

    exact = totals(Answer(found.question, found.exact, found.exact, found.checks))
    shown = dict(totals(found))
    cells = found.exact.data.groupby("TIME_PERIOD").size()
    return pd.DataFrame({"period": [p.label for p, _ in exact],
                         "cells": [int(cells.get(p.label, 0)) for p, _ in exact],
                         "total (exact)": [v for _, v in exact],
                         "total (published)": [shown[p] for p, _ in exact]})


def checks(found: Answer) -> pd.DataFrame:
    """The validation rules and their outcome."""
    return pd.DataFrame([{"rule": r.rule, "status": r.status, "count": r.count,
                          "message": r.message} for r in found.checks])


def publish(found: Answer) -> None:
    """Hand the exact table to the answering run (scrapbook)."""
    glue_tables([found.exact])
