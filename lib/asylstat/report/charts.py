"""Charts of the narrative reports: matplotlib ``Figure`` objects (no pyplot, no global state),
every text in the report's language, embedded in the HTML as PNG data with alternative text.

Each function takes the figures to draw (public, rounded values: a chart shows what the tables
show) and a :class:`~asylstat.report.i18n.Translator`; it returns a :class:`Chart`.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from asylstat.report.i18n import Translator

#: a palette readable in colour-blind vision and in grey (Okabe–Ito)
BLUE, ORANGE, GREEN, VERMILION, SKY, GREY = ("#0072B2", "#E69F00", "#009E73", "#D55E00",
                                             "#56B4E9", "#999999")
WIDTH = 7.5
#: characters per line of the source note under a chart
SOURCE_WIDTH = 125
DPI = 120


@dataclass(frozen=True)
class Chart:
    """A drawn chart, its alternative text and its caption."""

    figure: Figure
    alt: str
    caption: str

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        return buffer.getvalue()

    def html(self, chart_id: str) -> str:
        """``<figure>`` with the PNG as a ``data:`` URL (self-contained), ``alt`` and caption."""
        data = base64.b64encode(self.png()).decode("ascii")
        return (f'<figure class="chart" id="{chart_id}">'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">'
                f"<figcaption>{html.escape(self.caption)}</figcaption></figure>")


def _frame(t: Translator, title: str, source: str, height: float = 3.6) -> tuple[Figure, object]:
    """A figure with one axes, its title, and the source line (wrapped) in a band at the
    bottom that the layout keeps free."""
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    lines = textwrap.wrap(source, SOURCE_WIDTH)
    band = (0.08 + 0.13 * len(lines)) / height
    fig.get_layout_engine().set(rect=(0, band, 1, 1 - band))
    ax = fig.subplots()
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.06 / height, "\n".join(lines), fontsize=7, color="#444444", ha="left",
             va="bottom")
    return fig, ax


def _number_axis(t: Translator, axis: object) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: t.number(int(round(v)))))  # type: ignore[attr-defined]
    axis.set_major_locator(MaxNLocator(integer=True, nbins=6))  # type: ignore[attr-defined]


def monthly_applicants(t: Translator, months: Sequence[str], total: Sequence[int],
                       first_time: Sequence[int], source: str) -> Chart:
    """Applicants per month (bars: first-time, then the others on top)."""
    fig, ax = _frame(t, t.text("chart.applicants.title"), source)
    others = [max(0, a - b) for a, b in zip(total, first_time, strict=True)]
    x = range(len(months))
    ax.bar(x, first_time, color=BLUE, label=t.text("chart.applicants.first"))
    ax.bar(x, others, bottom=first_time, color=SKY, label=t.text("chart.applicants.other"))
    ax.set_xticks(list(x)[::3], [t.short_month(m) for m in months][::3], fontsize=8)
    ax.set_xlabel(t.text("chart.axis.month"))
    ax.set_ylabel(t.text("chart.axis.persons"))
    _number_axis(t, ax.yaxis)
    ax.set_ylim(0, max([*total, 1]) * 1.25)  # room for the legend above the bars
    ax.legend(frameon=False, fontsize=8, loc="upper left", ncols=2)
    alt = t.text("chart.applicants.alt", first=t.period(months[0]) if months else "",
                 last=t.period(months[-1]) if months else "")
    return Chart(fig, alt, t.text("chart.applicants.caption"))


def citizenships(t: Translator, names: Sequence[str], values: Sequence[int], period: str,
                 source: str) -> Chart:
    """Applicants by citizenship, the largest first (horizontal bars)."""
    fig, ax = _frame(t, t.text("chart.citizenships.title", period=t.period(period)), source,
                     height=0.32 * max(len(names), 4) + 1.4)
    y = range(len(names))
    ax.barh(list(y)[::-1], values, color=BLUE)
    ax.set_yticks(list(y)[::-1], names, fontsize=8)
    ax.set_xlabel(t.text("chart.axis.persons"))
    _number_axis(t, ax.xaxis)
    alt = t.text("chart.citizenships.alt", period=t.period(period), n=len(names))
    return Chart(fig, alt, t.text("chart.citizenships.caption"))


def decisions(t: Translator, outcomes: Sequence[str], periods: Sequence[str],
              values: Sequence[Sequence[int]], source: str) -> Chart:
    """First-instance decisions by outcome (groups), one bar per period."""
    fig, ax = _frame(t, t.text("chart.decisions.title"), source)
    width = 0.8 / max(len(periods), 1)
    colours = (GREY, SKY, BLUE)[-len(periods):] if periods else ()
    for i, (period, row) in enumerate(zip(periods, values, strict=True)):
        ax.bar([x + (i - (len(periods) - 1) / 2) * width for x in range(len(outcomes))], row,
               width=width, color=colours[i], label=t.period(period))
    ax.set_xticks(range(len(outcomes)), outcomes, fontsize=8)
    ax.set_xlabel(t.text("chart.axis.outcome"))
    ax.set_ylabel(t.text("chart.axis.persons"))
    _number_axis(t, ax.yaxis)
    ax.set_ylim(0, max([v for row in values for v in row] + [1]) * 1.2)
    ax.legend(frameon=False, fontsize=8, loc="upper left", ncols=len(periods) or 1)
    alt = t.text("chart.decisions.alt", periods=t.join([t.period(p) for p in periods]))
    return Chart(fig, alt, t.text("chart.decisions.caption"))


def pending(t: Translator, months: Sequence[str], values: Sequence[int], source: str) -> Chart:
    """Persons with a pending application at the end of each month (line)."""
    fig, ax = _frame(t, t.text("chart.pending.title"), source)
    x = range(len(months))
    ax.plot(list(x), values, color=BLUE, marker="o", markersize=3)
    ax.fill_between(list(x), values, color=BLUE, alpha=0.12)
    ax.set_ylim(bottom=0)
    ax.set_xticks(list(x)[::3], [t.short_month(m) for m in months][::3], fontsize=8)
    ax.set_xlabel(t.text("chart.axis.month_end"))
    ax.set_ylabel(t.text("chart.axis.persons"))
    _number_axis(t, ax.yaxis)
    alt = t.text("chart.pending.alt", first=t.period(months[0]) if months else "",
                 last=t.period(months[-1]) if months else "")
    return Chart(fig, alt, t.text("chart.pending.caption"))


def dublin(t: Translator, partners: Sequence[str], requests: Sequence[int],
           transfers: Sequence[int], period: str, source: str) -> Chart:
    """Outgoing requests and transfers by partner state (horizontal grouped bars)."""
    fig, ax = _frame(t, t.text("chart.dublin.title", period=t.period(period)), source,
                     height=0.36 * max(len(partners), 4) + 1.5)
    y = [len(partners) - 1 - i for i in range(len(partners))]
    ax.barh([v + 0.2 for v in y], requests, height=0.4, color=BLUE,
            label=t.text("chart.dublin.requests"))
    ax.barh([v - 0.2 for v in y], transfers, height=0.4, color=ORANGE,
            label=t.text("chart.dublin.transfers"))
    ax.set_yticks(y, partners, fontsize=8)
    ax.set_xlabel(t.text("chart.axis.events"))
    _number_axis(t, ax.xaxis)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    alt = t.text("chart.dublin.alt", period=t.period(period), n=len(partners))
    return Chart(fig, alt, t.text("chart.dublin.caption"))
