"""Languages of the reports: message catalogues and locale formatting (Babel).

One catalogue per language, ``locales/<lang>.yaml``: ``messages`` maps a message id to a text
with named ``{placeholders}``, or to plural forms by CLDR category (``one``, ``other``…) chosen
by Babel's plural rules for a count. A missing message is an error (:class:`MissingMessage`),
never a silent fall-back to another language; ``tests/test_report_i18n.py`` checks that every
catalogue has every message with the same placeholders.

Numbers, dates and periods are formatted for ``fr_BE``, ``nl_BE`` and ``en_GB``. French groups
thousands with a narrow no-break space (U+202F): fine in HTML and PDF; spreadsheets keep numeric
cells and never receive these strings.
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

#: report language → Babel locale
LOCALES: dict[str, str] = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}
LANGUAGES: tuple[str, ...] = tuple(LOCALES)
CATALOGUE_DIR = Path(__file__).with_name("locales")

#: Eurostat geo codes that differ from the ISO 3166 alpha-2 code Babel knows
_ISO_OF_EUROSTAT = {"EL": "GR", "UK": "GB"}


class MissingMessage(KeyError):
    """A message id (or a plural form of it) is missing from a language's catalogue."""


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The messages of ``lang`` (``locales/<lang>.yaml``), read once."""
    if lang not in LOCALES:
        raise ValueError(f"unknown report language {lang!r}; known: {', '.join(LANGUAGES)}")
    with (CATALOGUE_DIR / f"{lang}.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return dict(data["messages"])


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message text uses."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@dataclass(frozen=True)
class Translator:
    """Messages and formats of one language."""

    lang: str

    def __post_init__(self) -> None:
        if self.lang not in LOCALES:
            raise ValueError(f"unknown report language {self.lang!r}; known: "
                             f"{', '.join(LANGUAGES)}")

    @property
    def locale(self) -> Locale:
        return Locale.parse(LOCALES[self.lang])

    # -------------------------------------------------------------- messages
    def template(self, key: str, plural: int | None = None) -> str:
        """The raw text of message ``key`` (the plural form for the count ``plural`` when the
        message has forms)."""
        messages = catalogue(self.lang)
        if key not in messages:
            raise MissingMessage(f"message {key!r} is missing from the {self.lang} catalogue")
        entry = messages[key]
        if isinstance(entry, str):
            return entry
        if plural is None:
            raise ValueError(f"message {key!r} has plural forms: give a count")
        form = self.locale.plural_form(abs(plural))
        if form not in entry:
            form = "other"
        if form not in entry:
            raise MissingMessage(f"message {key!r} has no {form!r} form in {self.lang}")
        return str(entry[form])

    def text(self, key: str, plural: int | None = None, **values: object) -> str:
        """Message ``key`` as plain text, placeholders filled with ``values``."""
        return self.template(key, plural).format(**values)

    def html(self, key: str, plural: int | None = None, **values: str) -> str:
        """Message ``key`` as HTML: its own text escaped, ``values`` (already HTML) inserted."""
        out = []
        for literal, field, _, _ in string.Formatter().parse(self.template(key, plural)):
            out.append(html.escape(literal, quote=False))
            if field:
                if field not in values:
                    raise KeyError(f"message {key!r} needs {{{field}}}")
                out.append(values[field])
        return "".join(out)

    # -------------------------------------------------------------- formats
    def number(self, value: int) -> str:
        """A whole number with the locale's grouping: 1 235 (fr), 1.235 (nl), 1,235 (en)."""
        return format_decimal(int(value), locale=LOCALES[self.lang])

    def percent(self, tenths: int) -> str:
        """A rate given in tenths of a percent (:func:`asylstat.rates.tenths_of_percent`), with
        one decimal: 43,2 % (fr), 43,2% (nl), 43.2% (en). The one formatter of rates, for the
        reports and the notebooks alike: it never rounds (the rate is already whole tenths)."""
        pattern = self.locale.percent_formats[None].pattern
        pattern = pattern.replace("0%", "0.0%").replace("0 %", "0.0 %").replace(
            "0\u00a0%", "0.0\u00a0%")
        return format_percent(Decimal(int(tenths)) / Decimal(1000), format=pattern,
                              locale=LOCALES[self.lang])

    def rate(self, tenths: int | None) -> str:
        """A rate as plain text: :meth:`percent`, or message ``rate.na`` ("not applicable")
        when there is none (a zero denominator)."""
        return self.text("rate.na") if tenths is None else self.percent(tenths)

    def period(self, label: str) -> str:
        """A period label (``2024-07``, ``2024-Q3``, ``2024``) in words: juillet 2024,
        3e kwartaal 2024, Q3 2024 (message ``period.quarter``), 2024."""
        if "-Q" in label:
            year, quarter = label.split("-Q")
            name = format_date(date(int(year), 3 * int(quarter) - 2, 1), "QQQQ",
                               locale=LOCALES[self.lang])
            return self.text("period.quarter", quarter=quarter, year=year, name=name)
        if "-" in label:
            year, month = label.split("-")
            return format_date(date(int(year), int(month), 1), "LLLL y",
                               locale=LOCALES[self.lang])
        return label

    def short_month(self, label: str) -> str:
        """A month label for a chart axis: juil. 24, jul 24, Jul 24."""
        year, month = label.split("-")
        return format_date(date(int(year), int(month), 1), "LLL yy", locale=LOCALES[self.lang])

    def instant(self, moment: datetime) -> str:
        """An as-of instant (UTC): 30 juin 2026, 00:00 UTC."""
        return self.text("format.instant",
                         date=format_date(moment.date(), "long", locale=LOCALES[self.lang]),
                         time=f"{moment:%H:%M}")

    def join(self, items: list[str]) -> str:
        """A list in words: a, b et c."""
        return format_list(items, locale=LOCALES[self.lang]) if items else ""

    def country(self, code: str) -> str:
        """The name of a Eurostat citizenship or partner code in this language (``STLS``,
        ``UNK`` and ``TOTAL`` from the catalogue; an unknown code stays as it is)."""
        if code in ("STLS", "UNK", "TOTAL"):
            return self.text(f"country.{code}")
        iso = _ISO_OF_EUROSTAT.get(code, code)
        return self.locale.territories.get(iso, code)


def bold(text: str) -> str:
    """``text`` in Markdown strong emphasis: the notebooks' narratives (Markdown, from the same
    messages as the reports) put a bullet's period or heading word in bold."""
    return f"**{text}**"
