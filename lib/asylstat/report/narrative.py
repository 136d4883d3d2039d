"""The narrative report: sections of HTML built from the public (rounded) report tables, in one
language, from one template — this module — and the message catalogues.

Sentences are generated from named figures, never typed with numbers. Every figure quoted is a
:class:`Fact`: a cell of a public table (its table, its codes, its public value). In the HTML it
is marked up as ``<data value="…" data-table="…" data-key="…">`` so that a reader (or a test)
can check it against the public workbook; periods are ``<span class="period">``, the as-of
instant a ``<time>``, legal references a ``<cite>``. :attr:`Report.quoted` lists every fact
quoted so far (the notebook hands them to the run, which checks them against the public tables).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from asylstat.cohorts import COHORT, ELAPSED
from asylstat.dataflows.returns import RETURN_TYPE, TO_DUBLIN
from asylstat.periods import Period
from asylstat.report import charts
from asylstat.report.basis import REPORT_TABLES_DIR, RETURN_RATE, ReportPeriods, read_basis
from asylstat.report.i18n import Translator
from asylstat.report.public import public_table
from asylstat.report.returns import RATE_AFTER_QUARTERS, latest_cohort_rate, quarter_after
from asylstat.report.rounding import BASE
from asylstat.tables import Table

log = logging.getLogger(__name__)

SECTIONS = ("title", "key_figures", "applicants", "decisions", "pending", "withdrawals",
            "dublin", "returns", "eps", "method")
TOP_CITIZENSHIPS = 10
TOP_IN_SENTENCE = 3
TOP_PARTNERS = 10
OUTCOMES = ("POS_RFG", "POS_SPROT", "POS_HUM", "NEG")
#: the cohorts of the report's table of effective return rates (the latest ones)
RATE_COHORTS = 5


def period_of_label(label: str) -> Period:
    """``2024-07``, ``2024-Q3`` or ``2024`` as a :class:`Period`."""
    freq = "Q" if "-Q" in label else "M" if "-" in label else "A"
    return Period.parse(label, freq)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Fact:
    """A quoted figure: the public cell ``key`` (the table's dimension codes, then
    ``TIME_PERIOD``) of ``table``, whose public value is ``value`` (a count, or a rate in tenths
    of a percent when ``unit`` is ``PCT1``)."""

    table: str
    key: tuple[str, ...]
    value: int
    unit: str

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["key"] = list(self.key)
        return out


@dataclass
class Report:
    """The report of one run in one language (see the module docstring)."""

    public: Mapping[str, Table]
    context: Mapping[str, object]
    lang: str
    quoted: list[Fact] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.t = Translator(self.lang)
        self.rp = ReportPeriods.of(period_of_label(str(self.context["period"])))
        self.as_of = datetime.fromisoformat(str(self.context["as_of"]).replace("Z", "+00:00"))

    # ---------------------------------------------------------------- figures
    @property
    def p(self) -> str:
        return self.rp.period.label

    @property
    def prev(self) -> str:
        return self.rp.previous.label

    @property
    def year(self) -> str:
        return self.rp.year_earlier.label

    def cell(self, table: str, period: str, **fixed: str) -> Fact:
        """The public cell of ``table`` for ``period`` with ``fixed`` codes, the other
        dimensions at their total; a cell not listed is 0."""
        tab = self.public[table]
        key = tuple(fixed.get(d, "T" if d == "sex" else "TOTAL") for d in tab.dimensions)
        frame = tab.data[tab.data["TIME_PERIOD"] == period]
        for dim, code in zip(tab.dimensions, key, strict=True):
            frame = frame[frame[dim] == code]
        number = int(frame["OBS_VALUE"].iloc[0]) if len(frame) else 0
        return Fact(table, (*key, period), number, tab.unit)

    def rate(self, indicator: str, period: str, citizen: str = "TOTAL",
             table: str = "RPT_RATES") -> Fact | None:
        """A rate of RPT_RATES (or of another rates ``table``: RPT_EPS_RATES), or ``None``
        when not applicable (not listed: zero denominator)."""
        tab = self.public[table]
        data = tab.data
        frame = data[(data["indicator"] == indicator) & (data["citizen"] == citizen)
                     & (data["TIME_PERIOD"] == period)]
        if not len(frame):
            return None
        return Fact(table, (indicator, citizen, period), int(frame["OBS_VALUE"].iloc[0]),
                    "PCT1")

    def stock(self, period: str) -> Fact:
        """Persons pending at the end of ``period`` (its last month's cell)."""
        return self.cell("RPT_PENDING_MONTHLY", period_of_label(period).months()[-1].label)

    def source(self) -> str:
        return self.t.text("chart.source", date=self.t.instant(self.as_of))

    # ---------------------------------------------------------------- markup
    def n(self, fact: Fact) -> str:
        """A quoted figure as ``<data>``, formatted for the language."""
        self.quoted.append(fact)
        shown = (self.t.percent(abs(fact.value)) if fact.unit == "PCT1"
                 else self.t.number(fact.value))
        return (f'<data value="{fact.value}" data-table="{fact.table}" '
                f'data-key="{html.escape("/".join(fact.key))}">{html.escape(shown)}</data>')

    def rate_html(self, fact: Fact | None) -> str:
        return self.n(fact) if fact is not None else html.escape(self.t.text("rate.na"))

    def per(self, label: str) -> str:
        shown = html.escape(self.t.period(label))
        return f'<span class="period" data-period="{label}">{shown}</span>'

    def phrase(self, kind: str, label: str) -> str:
        """The period in a phrase of the language: ``in``, ``vs`` (compared with) or ``end``
        (at the end of) — prepositions differ by kind of period (au 3e trimestre, en juillet)."""
        return self.t.html(f"period.{kind}.{period_of_label(label).freq}", period=self.per(label))

    @property
    def two_comparisons(self) -> bool:
        """False for a year, whose period before is also the same period a year earlier."""
        return self.prev != self.year

    def comparison(self, indicator: str) -> str:
        """"up 4.2 % on Q2 2024 and down 1.0 % on Q3 2023" (one clause for a year)."""
        year = {"change": self.change(self.rate(f"CHG_YEAR_{indicator}", self.p)),
                "vs": self.phrase("vs", self.year)}
        if not self.two_comparisons:
            return self.t.html("cmp.one", **year)
        return self.t.html("cmp.two", change_prev=self.change(
            self.rate(f"CHG_PREV_{indicator}", self.p)), vs_previous=self.phrase("vs", self.prev),
            change_year=year["change"], vs_year=year["vs"])

    def change(self, fact: Fact | None) -> str:
        """"up 4.2 %", "down 1.0 %", "unchanged" or "not comparable"."""
        if fact is None:
            return self.t.html("change.na")
        if fact.value == 0:
            self.quoted.append(fact)
            return self.t.html("change.same")
        return self.t.html("change.up" if fact.value > 0 else "change.down", rate=self.n(fact))

    def country(self, code: str) -> str:
        return html.escape(self.t.country(code))

    def heading(self, level: int, key: str, **values: str) -> str:
        return f"<h{level}>{self.t.html(key, **values)}</h{level}>"

    def para(self, key: str, plural: int | None = None, **values: str) -> str:
        return f"<p>{self.t.html(key, plural, **values)}</p>"

    def table(self, caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
              css: str = "") -> str:
        """An HTML table: caption, column headers (``th scope=col``), the first cell of each
        row a row header (``th scope=row``)."""
        head = "".join(f'<th scope="col">{h}</th>' for h in headers)
        body = "".join(
            "<tr>" + f'<th scope="row">{row[0]}</th>' + "".join(f"<td>{c}</td>" for c in row[1:])
            + "</tr>" for row in rows)
        return (f'<table class="{css}"><caption>{caption}</caption><thead><tr>{head}</tr>'
                f"</thead><tbody>{body}</tbody></table>")

    def section_html(self, key: str, inner: str) -> str:
        return f'<section id="{key}">{inner}</section>'

    # ---------------------------------------------------------------- sections
    def render(self, name: str) -> str:
        """One section's HTML (see :data:`SECTIONS`)."""
        if name not in SECTIONS:
            raise KeyError(f"unknown report section {name!r}")
        return getattr(self, f"_{name}")()

    def _title(self) -> str:
        stamp = self.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
        when = f'<time datetime="{stamp}">{html.escape(self.t.instant(self.as_of))}</time>'
        return (f'<header>{self.heading(1, "report.title", period=self.per(self.p))}'
                + self.para("report.subtitle", as_of=when) + "</header>")

    def _key_figures(self) -> str:
        rows = []
        periods = (self.p, self.prev, self.year) if self.two_comparisons else (self.p, self.prev)
        kinds = ("PREV", "YEAR") if self.two_comparisons else ("YEAR",)
        for label_key, get, changed in (
                ("kf.applicants", lambda p: self.cell("RPT_APPLICANTS", p), "APPLICANTS"),
                ("kf.first_time", lambda p: self.cell("RPT_APPLICANTS", p, applicant="FRST"),
                 "FIRST_TIME"),
                ("kf.decisions", lambda p: self.cell("RPT_DECISIONS", p), "DECISIONS"),
                ("kf.pending", self.stock, "PENDING"),
                ("kf.withdrawals", lambda p: self.cell("RPT_WITHDRAWALS", p), "WITHDRAWALS"),
                ("kf.dublin_out", lambda p: self.cell("RPT_DUBLIN", p, flow="REQ_OUT"),
                 "DUB_REQ_OUT"),
                ("kf.dublin_in", lambda p: self.cell("RPT_DUBLIN", p, flow="REQ_IN"),
                 "DUB_REQ_IN"),
                ("kf.transfers_out", lambda p: self.cell("RPT_DUBLIN", p, flow="TRF_OUT"),
                 "DUB_TRF_OUT")):
            values = [self.n(get(p)) for p in periods]
            rows.append([self.t.html(label_key), *values,
                         *[self.change(self.rate(f"CHG_{k}_{changed}", self.p)) for k in kinds]])
        rows.append([self.t.html("kf.recognition"),
                     *[self.rate_html(self.rate("RECOGNITION", p)) for p in periods],
                     *[""] * len(kinds)])
        headers = [self.t.html("kf.indicator"), *[self.per(p) for p in periods],
                   *[self.t.html(f"kf.change_{k.lower()}") for k in kinds]]
        applicants = self.cell("RPT_APPLICANTS", self.p)
        intro = self.para("kf.sentence", applicants.value, in_period=self.phrase("in", self.p),
                          applicants=self.n(applicants),
                          comparison=self.comparison("APPLICANTS"))
        table = self.table(self.t.html("kf.caption", period=self.per(self.p)), headers, rows,
                           "key-figures")
        return self.section_html("key-figures", self.heading(2, "kf.heading") + intro + table
                                 + self.para("kf.note"))

    def _applicants(self) -> str:
        p = self.p
        total = self.cell("RPT_APPLICANTS", p)
        first = self.cell("RPT_APPLICANTS", p, applicant="FRST")
        subsequent = self.cell("RPT_APPLICANTS", p, applicant="SSEQ")
        parts = [self.heading(2, "app.heading")]
        parts.append(self.para("app.first_subsequent", total.value, applicants=self.n(total),
                               first=self.n(first),
                               first_share=self.rate_html(self.rate("FIRST_TIME_SHARE", p)),
                               subsequent=self.n(subsequent),
                               subsequent_share=self.rate_html(
                                   self.rate("SUBSEQUENT_SHARE", p))))
        # monthly trend
        months = [m.label for m in self.rp.months]
        monthly = [self.cell("RPT_APPLICANTS_MONTHLY", m) for m in months]
        monthly_first = [self.cell("RPT_APPLICANTS_MONTHLY", m, applicant="FRST")
                         for m in months]
        chart = charts.monthly_applicants(self.t, months, [f.value for f in monthly],
                                          [f.value for f in monthly_first], self.source())
        parts.append(self.heading(3, "app.trend_heading"))
        parts.append(chart.html("chart-applicants"))
        rows = [[self.per(m), self.n(a), self.n(b)]
                for m, a, b in zip(months, monthly, monthly_first, strict=True)]
        parts.append("<details><summary>" + self.t.html("table.show_data") + "</summary>"
                     + self.table(self.t.html("app.trend_caption"),
                                  [self.t.html("col.month"), self.t.html("col.applicants"),
                                   self.t.html("col.first_time")], rows) + "</details>")
        # citizenships
        top = self.top_codes("RPT_APPLICANTS", "citizen", p, TOP_CITIZENSHIPS, applicant="TOTAL")
        parts.append(self.heading(3, "app.citizenship_heading"))
        if top:
            items = [self.t.html("item.country_count", country=self.country(code),
                                 count=self.n(self.cell("RPT_APPLICANTS", p, citizen=code)))
                     for code in top[:TOP_IN_SENTENCE]]
            parts.append(self.para("app.top_sentence", len(items), in_period=self.phrase("in", p),
                                   list=self.t.join(items)))
            values = [self.cell("RPT_APPLICANTS", p, citizen=c).value for c in top]
            chart = charts.citizenships(self.t, [self.t.country(c) for c in top], values, p,
                                        self.source())
            parts.append(chart.html("chart-citizenships"))
            rows = [[self.country(c), self.n(self.cell("RPT_APPLICANTS", p, citizen=c)),
                     self.n(self.cell("RPT_APPLICANTS", p, citizen=c, applicant="FRST")),
                     self.n(self.cell("RPT_APPLICANTS", p, citizen=c, applicant="SSEQ"))]
                    for c in top]
            parts.append(self.table(self.t.html("app.citizenship_caption", period=self.per(p)),
                                    [self.t.html("col.citizenship"),
                                     self.t.html("col.applicants"),
                                     self.t.html("col.first_time"),
                                     self.t.html("col.subsequent")], rows))
        else:
            parts.append(self.para("app.none", in_period=self.phrase("in", p)))
        return self.section_html("applicants", "".join(parts))

    def _decisions(self) -> str:
        p = self.p
        total = self.cell("RPT_DECISIONS", p)
        positive = self.cell("RPT_DECISIONS", p, decision="POS")
        parts = [self.heading(2, "dec.heading")]
        if total.value == 0:
            parts.append(self.para("dec.none", in_period=self.phrase("in", p)))
            return self.section_html("decisions", "".join(parts))
        parts.append(self.para(
            "dec.sentence", total.value, in_period=self.phrase("in", p), decisions=self.n(total),
            positive=self.n(positive), rate=self.rate_html(self.rate("RECOGNITION", p)),
            earlier_rates=self.earlier_rates()))
        parts.append(self.para(
            "dec.by_status", refugee=self.n(self.cell("RPT_DECISIONS", p, decision="POS_RFG")),
            subsidiary=self.n(self.cell("RPT_DECISIONS", p, decision="POS_SPROT")),
            humanitarian=self.n(self.cell("RPT_DECISIONS", p, decision="POS_HUM")),
            rejected=self.n(self.cell("RPT_DECISIONS", p, decision="NEG"))))
        periods = list(self.rp.comparison)
        labels = [q.label for q in periods]
        values = [[self.cell("RPT_DECISIONS", q, decision=o).value for o in OUTCOMES]
                  for q in labels]
        chart = charts.decisions(self.t, [self.t.text(f"outcome.{o}") for o in OUTCOMES],
                                 labels, values, self.source())
        parts.append(chart.html("chart-decisions"))
        rows = [[self.t.html(f"outcome.{o}"),
                 *[self.n(self.cell("RPT_DECISIONS", q, decision=o)) for q in labels]]
                for o in (*OUTCOMES, "TOTAL")]
        parts.append(self.table(self.t.html("dec.outcome_caption"),
                                [self.t.html("col.outcome"), *[self.per(q) for q in labels]],
                                rows))
        rated = [c for c in self.top_codes("RPT_DECISIONS", "citizen", p, TOP_CITIZENSHIPS)
                 if self.rate("RECOGNITION", p, c) is not None]
        if rated:
            rows = [[self.country(c), self.n(self.cell("RPT_DECISIONS", p, citizen=c)),
                     self.n(self.cell("RPT_DECISIONS", p, citizen=c, decision="POS")),
                     self.rate_html(self.rate("RECOGNITION", p, c))] for c in rated]
            parts.append(self.table(self.t.html("dec.citizenship_caption", period=self.per(p)),
                                    [self.t.html("col.citizenship"),
                                     self.t.html("col.decisions"),
                                     self.t.html("col.positive"),
                                     self.t.html("col.recognition")], rows))
        return self.section_html("decisions", "".join(parts))

    def earlier_rates(self) -> str:
        """"41.4 % in Q2 2024 and 35.9 % in Q3 2023" (one clause for a year)."""
        year = {"rate": self.rate_html(self.rate("RECOGNITION", self.year)),
                "in_period": self.phrase("in", self.year)}
        if not self.two_comparisons:
            return self.t.html("cmp.rates_one", **year)
        return self.t.html("cmp.rates_two",
                           rate_prev=self.rate_html(self.rate("RECOGNITION", self.prev)),
                           in_previous=self.phrase("in", self.prev), rate_year=year["rate"],
                           in_year=year["in_period"])

    def _pending(self) -> str:
        stock = self.stock(self.p)
        parts = [self.heading(2, "pen.heading"),
                 self.para("pen.sentence", stock.value, at_end=self.phrase("end", self.p),
                           pending=self.n(stock), comparison=self.comparison("PENDING"))]
        months = [m.label for m in self.rp.months]
        values = [self.cell("RPT_PENDING_MONTHLY", m) for m in months]
        chart = charts.pending(self.t, months, [f.value for f in values], self.source())
        parts.append(chart.html("chart-pending"))
        rows = [[self.per(m), self.n(v)] for m, v in zip(months, values, strict=True)]
        parts.append("<details><summary>" + self.t.html("table.show_data") + "</summary>"
                     + self.table(self.t.html("pen.caption"),
                                  [self.t.html("col.month_end"), self.t.html("col.pending")],
                                  rows) + "</details>")
        return self.section_html("pending", "".join(parts))

    def _withdrawals(self) -> str:
        p = self.p
        total = self.cell("RPT_WITHDRAWALS", p)
        parts = [self.heading(2, "wd.heading"),
                 self.para("wd.sentence", total.value, in_period=self.phrase("in", p),
                           withdrawals=self.n(total),
                           explicit=self.n(self.cell("RPT_WITHDRAWALS", p, withdr="EXPL")),
                           implicit=self.n(self.cell("RPT_WITHDRAWALS", p, withdr="IMPL")),
                           vs_year=self.phrase("vs", self.year),
                           change_year=self.change(self.rate("CHG_YEAR_WITHDRAWALS", p)))]
        return self.section_html("withdrawals", "".join(parts))

    def _dublin(self) -> str:
        p = self.p

        def flow(code: str, partner: str = "TOTAL") -> Fact:
            return self.cell("RPT_DUBLIN", p, flow=code, partner=partner)

        parts = [self.heading(2, "dub.heading")]
        parts.append(self.para(
            "dub.requests", flow("REQ_OUT").value, in_period=self.phrase("in", p),
            requests_out=self.n(flow("REQ_OUT")), requests_in=self.n(flow("REQ_IN")),
            change_year=self.change(self.rate("CHG_YEAR_DUB_REQ_OUT", p)),
            vs_year=self.phrase("vs", self.year)))
        parts.append(self.para(
            "dub.replies", acceptance_out=self.rate_html(self.rate("DUB_ACCEPTANCE_OUT", p)),
            acceptance_in=self.rate_html(self.rate("DUB_ACCEPTANCE_IN", p))))
        parts.append(self.para(
            "dub.transfers", flow("TRF_OUT").value, transfers_out=self.n(flow("TRF_OUT")),
            transfers_in=self.n(flow("TRF_IN")),
            transfer_rate=self.rate_html(self.rate("DUB_TRANSFER_OUT", p))))
        top = self.top_codes("RPT_DUBLIN", "partner", p, TOP_PARTNERS, flow="REQ_OUT")
        if top:
            items = [self.t.html("item.country_count", country=self.country(c),
                                 count=self.n(flow("REQ_OUT", c)))
                     for c in top[:TOP_IN_SENTENCE]]
            parts.append(self.para("dub.partners", len(items), list=self.t.join(items)))
            chart = charts.dublin(self.t, [self.t.country(c) for c in top],
                                  [flow("REQ_OUT", c).value for c in top],
                                  [flow("TRF_OUT", c).value for c in top], p, self.source())
            parts.append(chart.html("chart-dublin"))
            codes = ("REQ_OUT", "ACC_OUT", "TRF_OUT", "REQ_IN", "TRF_IN")
            rows = [[self.country(c), *[self.n(flow(code, c)) for code in codes]]
                    for c in (*top, "TOTAL")]
            parts.append(self.table(self.t.html("dub.caption", period=self.per(p)),
                                    [self.t.html("col.partner"),
                                     *[self.t.html(f"col.{code.lower()}") for code in codes]],
                                    rows))
        parts.append(self.para("dub.note"))
        return self.section_html("dublin", "".join(parts))

    def _returns(self) -> str:
        """Orders to leave and returns: the report's return tables (rules of the quarterly
        Eurostat tables over the report's periods, rounded; never the Frontex tables), the
        departures to another Dublin state and the effective return rate (national tables)."""
        p = self.p
        ordered = self.cell("RPT_RETURN_DECISIONS", p)
        returned = self.cell("RPT_RETURNS", p)
        parts = [self.heading(2, "rt.heading")]
        if ordered.value == 0 and returned.value == 0:
            parts.append(self.para("rt.none", in_period=self.phrase("in", p)))
        else:
            parts.append(self.para(
                "rt.sentence", ordered.value, in_period=self.phrase("in", p),
                ordered=self.n(ordered),
                ordered_year=self.n(self.cell("RPT_RETURN_DECISIONS", self.year)),
                in_year=self.phrase("in", self.year), returned=self.n(returned),
                forced=self.n(self.cell("RPT_RETURNS", p, c_rtn=RETURN_TYPE["FORCED"])),
                voluntary=self.n(self.cell("RPT_RETURNS", p, c_rtn=RETURN_TYPE["VOLUNTARY"])),
                assisted=self.n(self.cell("RPT_RETURNS", p, assist="AS"))))
            dublin = self.cell("RPT_DEPARTURES", p, dest_group=TO_DUBLIN)
            parts.append(self.para("rt.dublin", dublin.value, dublin=self.n(dublin)))
            top = self.top_codes("RPT_RETURN_DECISIONS", "citizen", p, TOP_IN_SENTENCE)
            if top:
                items = [self.t.html("item.country_count", country=self.country(code),
                                     count=self.n(self.cell("RPT_RETURN_DECISIONS", p,
                                                            citizen=code)))
                         for code in top]
                parts.append(self.para("rt.top", len(items), list=self.t.join(items)))
        parts += self.return_rates()
        parts.append(self.para(f"rt.scope.{period_of_label(p).freq}"))
        parts.append(self.para("rt.note"))
        return self.section_html("returns", "".join(parts))

    def cohort_rate(self, cohort: str, elapsed: int) -> Fact | None:
        """A rate of RPT_RETURN_RATE, or ``None`` when not listed (not yet observed)."""
        data = self.public[RETURN_RATE].data
        frame = data[(data[COHORT.name] == cohort) & (data[ELAPSED.name] == str(elapsed))
                     & (data["TIME_PERIOD"] == self.p)]
        if not len(frame):
            return None
        return Fact(RETURN_RATE, (cohort, str(elapsed), self.p),
                    int(frame["OBS_VALUE"].iloc[0]), "PCT1")

    def return_rates(self) -> list[str]:
        """The effective return rate of the latest cohort observed a year after its quarter
        (when one is), then the rates of the latest :data:`RATE_COHORTS` cohorts, from the
        same quarter to :data:`RATE_AFTER_QUARTERS` quarters later."""
        table = self.public[RETURN_RATE]
        if table.data.empty:
            return []
        parts = []
        observed = latest_cohort_rate(table)
        if observed is not None:
            cohort, _ = observed
            parts.append(self.para(
                "rt.rate", in_cohort=self.phrase("in", cohort),
                rate=self.rate_html(self.cohort_rate(cohort, RATE_AFTER_QUARTERS)),
                by_period=self.per(quarter_after(cohort, RATE_AFTER_QUARTERS))))
        cohorts = sorted(set(table.data[COHORT.name]))[-RATE_COHORTS:]
        rows = []
        for row in cohorts:
            cells = []
            for k in range(RATE_AFTER_QUARTERS + 1):
                rate = self.cohort_rate(row, k)
                cells.append(self.n(rate) if rate is not None
                             else self.t.html("rt.not_yet"))
            rows.append([self.per(row), *cells])
        headers = [self.t.html("col.rt.cohort"),
                   *[self.t.html(f"col.rt.after.{k}") for k in range(RATE_AFTER_QUARTERS + 1)]]
        parts.append(self.table(self.t.html("rt.rate_caption"), headers, rows))
        return parts

    def _eps(self) -> str:
        """The EUAA's view (statistics.md, EPS): repeated applicants, the first-instance
        backlog and its part waiting six months or more, the recognition rate without
        humanitarian status; one paragraph and a small table over the comparison periods."""
        p = self.p

        def eps(code: str, period: str = p) -> Fact:
            return self.cell("RPT_EPS", period, measure=code)

        def share(indicator: str, period: str = p) -> str:
            return self.rate_html(self.rate(indicator, period, table="RPT_EPS_RATES"))

        applicants = eps("APP_TOTAL")
        parts = [self.heading(2, "eps.heading"),
                 self.para("eps.sentence", applicants.value, in_period=self.phrase("in", p),
                           applicants=self.n(applicants), repeated=self.n(eps("APP_REP")),
                           repeated_share=share("REPEATED_SHARE"),
                           at_end=self.phrase("end", p), backlog=self.n(eps("PEND_TOTAL")),
                           over_six=self.n(eps("PEND_GE6")),
                           over_six_share=share("BACKLOG_GE6_SHARE"),
                           recognition=share("RECOGNITION_WITHOUT_HUM"),
                           recognition_all=self.rate_html(self.rate("RECOGNITION", p)))]
        periods = [q.label for q in self.rp.comparison]
        rows = [[self.t.html("eps.row.repeated"), *[self.n(eps("APP_REP", q)) for q in periods]],
                [self.t.html("eps.row.repeated_share"),
                 *[share("REPEATED_SHARE", q) for q in periods]],
                [self.t.html("eps.row.backlog"), *[self.n(eps("PEND_TOTAL", q)) for q in periods]],
                [self.t.html("eps.row.backlog_long"),
                 *[self.n(eps("PEND_GE6", q)) for q in periods]],
                [self.t.html("eps.row.recognition"),
                 *[share("RECOGNITION_WITHOUT_HUM", q) for q in periods]]]
        parts.append(self.table(self.t.html("eps.caption"),
                                [self.t.html("kf.indicator"), *[self.per(q) for q in periods]],
                                rows))
        parts.append(self.para("eps.note"))
        return self.section_html("eps", "".join(parts))

    def _method(self) -> str:
        stamp = self.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
        when = f'<time datetime="{stamp}">{html.escape(self.t.instant(self.as_of))}</time>'
        base = f'<data class="constant" value="{BASE}">{self.t.number(BASE)}</data>'
        regulation = f"<cite>{html.escape(self.t.text('ref.regulation'))}</cite>"
        dublin_reg = f"<cite>{html.escape(self.t.text('ref.dublin'))}</cite>"
        parts = [self.heading(2, "method.heading"),
                 self.para("method.sources", as_of=when, regulation=regulation),
                 "<dl>"]
        for term in ("applicant", "first_time", "decision", "recognition", "pending",
                     "withdrawal", "dublin"):
            parts.append(f"<dt>{self.t.html(f'def.{term}.term')}</dt>"
                         f"<dd>{self.t.html(f'def.{term}', dublin=dublin_reg)}</dd>")
        parts.append("</dl>")
        parts.append(self.para("method.periods", period=self.per(self.p),
                               previous=self.per(self.prev), year_earlier=self.per(self.year)))
        parts.append(self.para("method.rounding", base=base))
        parts.append(self.para("method.revisions", as_of=when))
        run_id = html.escape(str(self.context.get("run_id", "")))
        parts.append(self.para("method.run", run_id=f"<code>{run_id}</code>"))
        return self.section_html("method", "".join(parts))

    # ---------------------------------------------------------------- helpers
    def top_codes(self, table: str, dim: str, period: str, n: int, **fixed: str) -> list[str]:
        """The ``n`` codes of ``dim`` with the largest public values (ties by code), the other
        dimensions at ``fixed`` or their total; zero cells and the total excluded."""
        tab = self.public[table]
        data = tab.data[tab.data["TIME_PERIOD"] == period]
        for other in tab.dimensions:
            if other != dim:
                data = data[data[other] == fixed.get(other, "TOTAL")]
        data = data[(data[dim] != "TOTAL") & (data["OBS_VALUE"] > 0)]
        ranked = sorted(zip(data[dim], data["OBS_VALUE"], strict=True),
                        key=lambda kv: (-int(kv[1]), str(kv[0])))
        return [str(code) for code, _ in ranked[:n]]

    def document_title(self) -> str:
        """The page title (plain text)."""
        return self.t.text("report.title", period=self.t.period(self.p))

    def body(self) -> str:
        """Every section, in order (the notebook renders them one cell each)."""
        return "".join(self.render(name) for name in SECTIONS)


def public_report_tables(exact: Mapping[str, Table]) -> dict[str, Table]:
    """The report tables as the public sees them (:func:`asylstat.report.public.public_table`)."""
    return {name: public_table(table) for name, table in exact.items()}


def open_report(run_dir: str | Path, lang: str) -> Report:
    """The report of the run staged in ``run_dir`` (its ``tables/report`` folder), in
    ``lang``: what the report notebook calls first."""
    exact, context = read_basis(Path(run_dir) / REPORT_TABLES_DIR)
    return Report(public=public_report_tables(exact), context=context, lang=lang)



def show(report: Report, section: str) -> object:
    """One section, as the notebook displays it (HTML)."""
    from IPython.display import HTML

    return HTML(report.render(section))
