"""The report's languages: every message in every catalogue, the same placeholders, no figure
typed in a message, and locale formats (Babel) worked out by hand."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from asylstat.report.i18n import LANGUAGES, MissingMessage, Translator, catalogue, placeholders
from asylstat.report.returns import RATE_AFTER_QUARTERS

REPORT_DIR = Path(__file__).resolve().parents[1] / "lib" / "asylstat" / "report"
#: message ids the code builds from parts (f-strings); the rest are literals in the code
DYNAMIC = (
    {f"outcome.{o}" for o in ("POS_RFG", "POS_SPROT", "POS_HUM", "NEG", "TOTAL")}
    | {f"col.{c}" for c in ("req_out", "acc_out", "trf_out", "req_in", "trf_in")}
    | {f"def.{t}{s}" for t in ("applicant", "first_time", "decision", "recognition", "pending",
                               "withdrawal", "dublin") for s in ("", ".term")}
    | {f"period.{k}.{f}" for k in ("in", "vs", "end") for f in "MQA"}
    | {f"country.{c}" for c in ("STLS", "UNK", "TOTAL")}
    | {"kf.change_prev", "kf.change_year"}
    | {f"col.rt.after.{k}" for k in range(RATE_AFTER_QUARTERS + 1)}
    | {f"rt.scope.{f}" for f in "MQA"}
    | {f"question.{kind}.{m}" for kind in ("measure", "noun")
       for m in ("applicants", "applications", "pending", "withdrawals",
                 "first_instance_decisions", "appeal_decisions", "dublin_requests",
                 "dublin_replies", "dublin_transfers", "return_decisions", "returns")}
    | {f"question.scope.{s}" for s in ("eurostat", "national")})
#: messages that format a value → the placeholders the code gives them; a language uses those
#: it needs ("Q{quarter} {year}" in English, Babel's "{name} {year}" = "3e trimestre 2024")
FORMATS = {"period.quarter": {"quarter", "year", "name"}}
#: legal references are names, and may hold digits
REFERENCES = ("ref.regulation", "ref.dublin", "ref.sovereignty")
_ID = re.compile(r"[\"']((?:report|format|period|chart|rate|change|kf|app|item|table|col|dec|"
                 r"outcome|pen|wd|dub|rt|eps|method|def|ref|country|cmp|nb|question|wb)"
                 r"\.[A-Za-z_.0-9]+)[\"']")
#: the modules whose text comes from the catalogues: the report, and the domain notebooks'
#: narratives (one narrative system for both)
SOURCES = ("narrative.py", "charts.py", "i18n.py", "applications.py", "pending.py",
           "withdrawals.py", "decisions.py", "dublin.py", "returns.py", "eps.py",
           # the answers to ad-hoc questions (issue 14) use the same catalogues
           "../questions/documents.py",
           # the public workbooks' views (issue 15)
           "readable.py", "public.py")


def forms(entry: object) -> dict[str, str]:
    return dict(entry) if isinstance(entry, dict) else {"": str(entry)}


def used_in_code() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        found |= set(_ID.findall((REPORT_DIR / source).read_text(encoding="utf-8")))
    return found | DYNAMIC


def test_every_language_has_exactly_the_messages_the_code_uses():
    used = used_in_code()
    for lang in LANGUAGES:
        messages = set(catalogue(lang))
        assert used - messages == set(), f"missing in {lang}"
        assert messages - used == set(), f"unused in {lang}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_use_the_same_placeholders_as_english(lang):
    english, other = catalogue("en"), catalogue(lang)
    for key in FORMATS:
        assert set().union(*(placeholders(t) for t in forms(english[key]).values())) <= \
            FORMATS[key]
    for key, entry in english.items():
        expected = set().union(*(placeholders(t) for t in forms(entry).values()))
        for form, text in forms(other[key]).items():
            got = placeholders(text)
            if key in FORMATS:
                assert got <= FORMATS[key], (lang, key, form)
            else:
                assert got == expected, (lang, key, form, got ^ expected)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_messages_have_the_forms_of_the_language(lang):
    for key, entry in catalogue(lang).items():
        if isinstance(entry, dict):
            assert {"one", "other"} <= set(entry), (lang, key)
            assert all(str(text).strip() for text in entry.values()), (lang, key)
        else:
            assert str(entry).strip(), (lang, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_figure_is_typed_in_a_message(lang):
    for key, entry in catalogue(lang).items():
        if key in REFERENCES:
            continue
        for text in forms(entry).values():
            assert not re.search(r"\d", text), (lang, key, text)


def test_a_missing_message_is_an_error_not_a_fallback():
    with pytest.raises(MissingMessage):
        Translator("fr").text("no.such.message")
    with pytest.raises(ValueError):
        Translator("de")


def test_numbers_follow_each_locale():
    # fr_BE groups with a narrow no-break space (U+202F), nl_BE with a dot, en_GB with a comma
    assert Translator("fr").number(1235) == "1\u202f235"
    assert Translator("nl").number(1235) == "1.235"
    assert Translator("en").number(1235) == "1,235"
    assert Translator("en").number(0) == "0"
    # rates: tenths of a percent, one decimal; French puts a no-break space before %
    assert Translator("fr").percent(432) == "43,2\u00a0%"
    assert Translator("nl").percent(432) == "43,2%"
    assert Translator("en").percent(432) == "43.2%"
    assert Translator("en").percent(5) == "0.5%"
    assert Translator("en").percent(1000) == "100.0%"


def test_periods_and_dates_in_words():
    fr, nl, en = (Translator(lang) for lang in ("fr", "nl", "en"))
    assert (fr.period("2024-07"), nl.period("2024-07"), en.period("2024-07")) == (
        "juillet 2024", "juli 2024", "July 2024")
    assert (fr.period("2024-Q3"), nl.period("2024-Q3"), en.period("2024-Q3")) == (
        "3e trimestre 2024", "3e kwartaal 2024", "Q3 2024")
    assert fr.period("2024-Q1") == "1er trimestre 2024"
    assert en.period("2024") == "2024"
    moment = datetime(2026, 6, 30, 8, 5)
    assert fr.instant(moment) == "30 juin 2026, 08:05 UTC"
    assert nl.instant(moment) == "30 juni 2026, 08:05 UTC"
    assert en.instant(moment) == "30 June 2026, 08:05 UTC"


def test_country_names_from_eurostat_codes():
    assert Translator("fr").country("EL") == "Grèce"          # Eurostat EL = ISO GR
    assert Translator("nl").country("UK") == "Verenigd Koninkrijk"
    assert Translator("en").country("SY") == "Syria"
    assert Translator("en").country("STLS") == "stateless persons"
    assert Translator("nl").country("UNK") == "onbekende nationaliteit"


def test_plural_forms_follow_cldr_rules():
    # French uses the singular for 0 and 1; Dutch and English only for 1
    assert "personne a demandé" in Translator("fr").text(
        "kf.sentence", 0, applicants="0", in_period="", comparison="")
    assert "personnes ont demandé" in Translator("fr").text(
        "kf.sentence", 5, applicants="5", in_period="", comparison="")
    assert "persons applied" in Translator("en").text(
        "kf.sentence", 0, applicants="0", in_period="", comparison="")


def test_html_messages_escape_their_own_text_but_not_the_values():
    t = Translator("en")
    assert t.html("change.up", rate="<data>1</data>") == "up <data>1</data>"
    assert t.html("item.country_count", country="A &amp; B", count="5") == "A &amp; B (5)"
