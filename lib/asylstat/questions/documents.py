"""An answer's documents (questions.md, "What an answer leaves"): ``answer.csv`` (and
``internal/exact.csv``), ``answer.xlsx`` (a sheet per language) and a short text per language
(``answer_<lang>.md`` and ``.html``).

Every sentence is generated from the figures of the published table, with the report's message
catalogues (``lib/asylstat/report/locales/*.yaml``, messages ``question.*``) and Babel's
formats (:class:`asylstat.report.i18n.Translator`): no figure is typed in a message.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from asylstat.periods import Period, Span
from asylstat.questions.engine import Answer
from asylstat.questions.question import Question
from asylstat.report.i18n import Translator
from asylstat.tables import Table
from asylstat.write.files import national_csv_text


def answer_csv_text(table: Table) -> str:
    """questions.md: UTF-8, comma-separated, LF, one header row; the breakdowns in the order
    of the question, ``TIME_PERIOD``, ``OBS_VALUE``; every non-zero cell, margins included,
    sorted like the SDMX-CSV files (codes compared as byte strings) — the national CSV
    layout (:func:`asylstat.write.files.national_csv_text`)."""
    return national_csv_text(table)


@dataclass(frozen=True)
class Context:
    """What the documents say besides the table."""

    answer: Answer
    run_id: str

    @property
    def question(self) -> Question:
        return self.answer.question


def totals(answer: Answer) -> list[tuple[Period | Span, int]]:
    """The published total of each period of the split (0 when no cell is shown): the cell
    where every breakdown is at its margin."""
    q = answer.question
    data = answer.published.data
    found = q.the_measure
    for name in q.breakdowns:
        data = data.loc[data[name] == found.dimension(name).total]
    by_period = dict(zip(data["TIME_PERIOD"], data["OBS_VALUE"], strict=True))
    return [(p, int(by_period.get(p.label, 0))) for p in q.period.periods]


def in_period(tr: Translator, period: Period | Span, *, stock: bool) -> str:
    """"in July 2024", "at the end of 2024", "from January 2019 to December 2024"."""
    if isinstance(period, Span):
        if stock:
            return tr.text(f"period.end.{period.last.freq}", period=tr.period(period.last.label))
        return tr.text("question.period.range", first=tr.period(period.first.label),
                       last=tr.period(period.last.label))
    kind = "end" if stock else "in"
    return tr.text(f"period.{kind}.{period.freq}", period=tr.period(period.label))


def sentences(tr: Translator, answer: Answer) -> list[str]:
    """The totals in words: every period's when there are at most four, else the first and
    the last and the range over all of them."""
    q = answer.question
    stock = q.the_measure.stock
    found = totals(answer)

    def total(period: Period | Span, value: int) -> str:
        noun = tr.template(f"question.noun.{q.measure}", plural=value)
        return tr.text("question.total", plural=value, value=tr.number(value), noun=noun,
                       in_period=in_period(tr, period, stock=stock))

    if len(found) <= 4:
        return [total(p, v) for p, v in found]
    low = min(found, key=lambda item: item[1])
    high = max(found, key=lambda item: item[1])
    return [total(*found[0]), total(*found[-1]),
            tr.text("question.range", count=tr.number(len(found)), low=tr.number(low[1]),
                    in_low=in_period(tr, low[0], stock=stock), high=tr.number(high[1]),
                    in_high=in_period(tr, high[0], stock=stock))]


def filters_text(tr: Translator, question: Question) -> str:
    if not question.filters:
        return tr.text("question.filters.none")
    parts = [f"{name} = {str(value).lower() if isinstance(value, bool) else ', '.join(value)}"
             for name, value in question.filters]
    return tr.text("question.filters", filters="; ".join(parts))


def rounding_text(tr: Translator, answer: Answer) -> str:
    if answer.question.disclosure == "exact":
        return tr.text("question.rounding.exact")
    return tr.text("question.rounding.rounded" if answer.rounded else "question.rounding.events")


@dataclass(frozen=True)
class Texts:
    """The texts of one language's documents."""

    heading: str
    title: str
    requested_by: str
    exact_mark: str
    sentences: tuple[str, ...]
    notes: tuple[str, ...]  # definition, selection, as-of, scope, rounding, source
    columns: tuple[str, ...]


def texts(lang: str, ctx: Context) -> Texts:
    tr = Translator(lang)
    q, answer = ctx.question, ctx.answer
    as_of = tr.instant(q.as_of)
    notes = (tr.text("question.definition", text=tr.text(f"question.measure.{q.measure}")),
             filters_text(tr, q), tr.text("question.as_of", as_of=as_of),
             tr.text(f"question.scope.{q.scope}"), rounding_text(tr, answer),
             tr.text("question.source", date=as_of, id=q.id, run_id=ctx.run_id))
    return Texts(
        heading=tr.text("question.heading", id=q.id), title=q.title,
        requested_by=(tr.text("question.requested_by", who=q.requested_by)
                      if q.requested_by else ""),
        exact_mark=tr.text("question.exact") if q.disclosure == "exact" else "",
        sentences=tuple(sentences(tr, answer)), notes=notes,
        columns=(*q.breakdowns, tr.text("question.col.period"), tr.text("question.col.value")))


def _rows(tr: Translator, table: Table) -> list[list[str]]:
    return [[*(str(v) for v in row[:-1]), tr.number(int(row[-1]))]
            for row in table.data[table.columns].itertuples(index=False, name=None)]


def markdown(lang: str, ctx: Context) -> str:
    """``answer_<lang>.md``."""
    t, tr = texts(lang, ctx), Translator(lang)
    lines = [f"# {t.title}", "", f"*{t.heading}*"]
    if t.requested_by:
        lines += ["", t.requested_by]
    if t.exact_mark:
        lines += ["", f"**{t.exact_mark}**"]
    lines += ["", " ".join(t.sentences), "", "| " + " | ".join(t.columns) + " |",
              "|" + "---|" * (len(t.columns) - 1) + "--:|"]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(tr, ctx.answer.published)]
    lines += [""] + [f"- {note}" for note in t.notes]
    return "\n".join(lines) + "\n"


_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
          "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .6em}"
          "td.n{text-align:right}.exact{color:#a00;font-weight:bold}")


def html_page(lang: str, ctx: Context) -> str:
    """``answer_<lang>.html``: self-contained (no script, no external resource)."""
    t, tr = texts(lang, ctx), Translator(lang)
    esc = html.escape
    parts = [f"<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\">"
             f"<title>{esc(t.title)}</title><style>{_STYLE}</style></head>\n<body>",
             f"<h1>{esc(t.title)}</h1>", f"<p><em>{esc(t.heading)}</em></p>"]
    if t.requested_by:
        parts.append(f"<p>{esc(t.requested_by)}</p>")
    if t.exact_mark:
        parts.append(f"<p class=\"exact\">{esc(t.exact_mark)}</p>")
    parts.append(f"<p>{esc(' '.join(t.sentences))}</p>")
    head = "".join(f"<th>{esc(c)}</th>" for c in t.columns)
    body = "\n".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row[:-1])
                     + f"<td class=\"n\">{esc(row[-1])}</td></tr>"
                     for row in _rows(tr, ctx.answer.published))
    parts.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>")
    parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in t.notes) + "</ul>")
    parts.append("</body>\n</html>")
    return "\n".join(parts) + "\n"


def workbook_bytes(ctx: Context, languages: Sequence[str]) -> bytes:
    """``answer.xlsx``: one sheet per language — title, heading, the exact-figures mark, the
    sentences, the table (numeric cells), then definition, selection, as-of, scope, rounding
    note and source. The document's dates are the as-of instant (same content, same
    properties)."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    table = ctx.answer.published
    for lang in languages:
        t = texts(lang, ctx)
        ws = book.create_sheet(lang)
        ws.append([t.title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([t.heading])
        if t.requested_by:
            ws.append([t.requested_by])
        if t.exact_mark:
            ws.append([t.exact_mark])
            ws.cell(ws.max_row, 1).font = Font(bold=True, color="AA0000")
        for line in t.sentences:
            ws.append([line])
        ws.append([])
        ws.append(list(t.columns))
        for cell in ws[ws.max_row]:
            cell.font = bold
        for row in table.data[table.columns].itertuples(index=False, name=None):
            ws.append([*(str(v) for v in row[:-1]), int(row[-1])])
            ws.cell(ws.max_row, len(row)).number_format = "#,##0"
        ws.append([])
        for note in t.notes:
            ws.append([note])
        ws.column_dimensions["A"].width = 18
    moment = ctx.question.as_of
    book.properties.created = book.properties.modified = moment
    book.properties.creator = "asylstat"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
