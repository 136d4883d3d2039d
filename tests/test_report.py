"""The report's tables and sentences on a hand-written warehouse: the figures of a 2024-Q3
report worked out by hand, then the sentences read back in the three languages.

The warehouse (persons p1…p13, all adults):
- p1…p7 (Syrian) lodge a first application in July 2024; p7 withdraws it explicitly in
  September 2024;
- p8 (Syrian) lodged in March 2023 (rejected, final, May 2023) and lodges a SUBSEQUENT
  application in August 2024;
- p9, p10, p11 (Afghan) lodge in April 2024 and get first-instance decisions (final the same
  day) in August 2024: refugee status, subsidiary protection, rejection;
- p12, p13 (Eritrean) lodge in August 2023; p12 is rejected (final) in August 2024;
- outgoing Dublin requests in Q3 2024: three take-back requests to Germany (two accepted in
  September) and one to France; one transfer to Germany in September.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import date

import pytest

from asylstat.periods import Period
from asylstat.report.basis import build_report_basis, rates_table
from asylstat.report.narrative import SECTIONS, Report, public_report_tables
from helpers import cell

Q3 = Period("Q", 2024, 3)
ADULT = date(1980, 1, 1)
CONTEXT = {"period": "2024-Q3", "as_of": "2026-06-30T00:00:00.000000Z", "run_id": "RUN-1"}


def person(pid, citizenship):
    return {"person_id": pid, "sex": "F" if pid % 2 else "M", "birth_date": ADULT,
            "citizenship": citizenship}


def app(aid, pid, lodged, legal_type="INITIAL"):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged,
            "legal_type": legal_type}


def decision(did, aid, day, outcome):
    return {"decision_id": did, "application_id": aid, "instance": "FIRST",
            "decision_date": day, "final_date": day, "outcome": outcome}


def request(rid, pid, partner, day, reply=None, reply_date=None):
    return {"request_id": rid, "person_id": pid, "direction": "OUT", "partner_country": partner,
            "request_type": "TAKE_BACK", "legal_basis": "ART18_1_B", "request_date": day,
            "reply": reply, "reply_date": reply_date}


ROWS = {
    "person": [*(person(p, "SYR") for p in range(1, 9)), *(person(p, "AFG") for p in (9, 10, 11)),
               person(12, "ERI"), person(13, "ERI")],
    "application": [*(app(p, p, date(2024, 7, p)) for p in range(1, 8)),
                    app(80, 8, date(2023, 3, 1)), app(81, 8, date(2024, 8, 2), "SUBSEQUENT"),
                    *(app(p, p, date(2024, 4, p)) for p in (9, 10, 11)),
                    app(12, 12, date(2023, 8, 1)), app(13, 13, date(2023, 8, 2))],
    "decision": [decision(1, 80, date(2023, 5, 1), "REJECTED"),
                 decision(2, 9, date(2024, 8, 1), "REFUGEE"),
                 decision(3, 10, date(2024, 8, 1), "SUBSIDIARY"),
                 decision(4, 11, date(2024, 8, 1), "REJECTED"),
                 decision(5, 12, date(2024, 8, 15), "REJECTED")],
    "withdrawal": [{"withdrawal_id": 1, "application_id": 7,
                    "withdrawal_date": date(2024, 9, 10), "kind": "EXPLICIT"}],
    "dublin_request": [request(1, 1, "DEU", date(2024, 7, 10), "ACCEPTED", date(2024, 9, 1)),
                       request(2, 2, "DEU", date(2024, 7, 11), "ACCEPTED", date(2024, 9, 2)),
                       request(3, 3, "DEU", date(2024, 7, 12)),
                       request(4, 4, "FRA", date(2024, 7, 13))],
    "dublin_transfer": [{"transfer_id": 1, "request_id": 1, "transfer_date": date(2024, 9, 20)}],
}


@pytest.fixture(scope="module")
def basis(tmp_path_factory):
    from asylstat.warehouse.connect import connect
    from asylstat.warehouse.snapshot import Snapshot
    from conftest import AS_OF, write_warehouse

    path = write_warehouse(tmp_path_factory.mktemp("wh") / "report.duckdb", ROWS)
    tables = {t.name: t for t in build_report_basis(Snapshot(connect(f"duckdb:///{path}"),
                                                             AS_OF), Q3)}
    tables["RPT_RATES"] = rates_table(tables, Q3)
    return tables


def test_report_tables_worked_out_by_hand(basis):
    app = basis["RPT_APPLICANTS"]
    # Q3 2024: p1…p7 (first-time) and p8 (subsequent): 8 persons, counted once in the quarter
    assert cell(app, "2024-Q3") == 8
    assert cell(app, "2024-Q3", applicant="FRST") == 7
    assert cell(app, "2024-Q3", applicant="SSEQ") == 1
    assert cell(app, "2024-Q3", citizen="SY") == 8
    assert cell(app, "2024-Q2") == 3          # p9, p10, p11
    assert cell(app, "2023-Q3") == 2          # p12, p13
    monthly = basis["RPT_APPLICANTS_MONTHLY"]
    assert (cell(monthly, "2024-07"), cell(monthly, "2024-08"), cell(monthly, "2023-03")) == (
        7, 1, 1)
    assert set(monthly.data["TIME_PERIOD"]) <= {f"{y}-{m:02d}" for y in (2022, 2023, 2024)
                                                for m in range(1, 13)}
    pending = basis["RPT_PENDING_MONTHLY"]
    # end of September 2024: p1…p6, p8 (August application), p13 = 8 (p7 withdrew, p9…p12
    # decided); end of June 2024: p9, p10, p11, p12, p13 = 5; end of September 2023: p12, p13
    assert (cell(pending, "2024-09"), cell(pending, "2024-06"), cell(pending, "2023-09")) == (
        8, 5, 2)
    decisions = basis["RPT_DECISIONS"]
    assert cell(decisions, "2024-Q3") == 4
    assert cell(decisions, "2024-Q3", decision="POS") == 2
    assert cell(decisions, "2024-Q3", decision="POS_RFG") == 1
    assert cell(decisions, "2024-Q3", citizen="AF") == 3
    assert cell(basis["RPT_WITHDRAWALS"], "2024-Q3", withdr="EXPL") == 1
    dublin = basis["RPT_DUBLIN"]
    assert cell(dublin, "2024-Q3", flow="REQ_OUT") == 4
    assert cell(dublin, "2024-Q3", flow="REQ_OUT", partner="DE") == 3
    assert cell(dublin, "2024-Q3", flow="ACC_OUT") == 2
    assert cell(dublin, "2024-Q3", flow="TRF_OUT", partner="DE") == 1


def test_rates_worked_out_by_hand(basis):
    rates = basis["RPT_RATES"]

    def rate(indicator, period="2024-Q3", citizen="TOTAL"):
        return cell(rates, period, indicator=indicator, citizen=citizen)

    assert rate("CHG_PREV_APPLICANTS") == 1667      # (8 - 3) / 3 = +166.67 %
    assert rate("CHG_YEAR_APPLICANTS") == 3000      # (8 - 2) / 2 = +300 %
    assert rate("FIRST_TIME_SHARE") == 875          # 7 / 8
    assert rate("SUBSEQUENT_SHARE") == 125          # 1 / 8
    assert rate("RECOGNITION") == 500               # 2 / 4
    assert rate("RECOGNITION", citizen="AF") == 667  # 2 / 3
    assert rate("CHG_PREV_PENDING") == 600          # (8 - 5) / 5
    assert rate("CHG_YEAR_PENDING") == 3000         # (8 - 2) / 2
    assert rate("DUB_ACCEPTANCE_OUT") == 1000       # 2 accepted / 2 replies
    assert rate("DUB_TRANSFER_OUT") == 500          # 1 transfer / 2 acceptances
    # no withdrawal in Q2 2024 nor Q3 2023: no change can be computed, no cell
    listed = set(zip(rates.data["indicator"], rates.data["TIME_PERIOD"], strict=True))
    assert ("CHG_PREV_WITHDRAWALS", "2024-Q3") not in listed
    assert ("RECOGNITION", "2024-Q2") not in listed   # no decision in Q2 2024


def test_the_eps_view_worked_out_by_hand(basis):
    eps, rates = basis["RPT_EPS"], basis["RPT_EPS_RATES"]

    def measure(code, period="2024-Q3"):
        return cell(eps, period, measure=code)

    # Q3 2024: 8 applicants, of whom p8 is repeated (his March 2023 application); p1…p7 are
    # first-time
    assert (measure("APP_TOTAL"), measure("APP_REP")) == (8, 1)
    # 30 September 2024, awaiting a first-instance decision: p1…p6, p8 (August), p13 = 8 (the
    # Dublin requests of p1…p4 keep them at first instance); six months or more: only p13
    # (lodged 2 August 2023; the latest lodging date six months before is 31 March 2024)
    assert (measure("PEND_TOTAL"), measure("PEND_GE6")) == (8, 1)
    # decisions: p9 refugee, p10 subsidiary protection, p11 and p12 rejected
    assert [measure(c) for c in ("DEC_TOTAL", "DEC_POS_RFG", "DEC_POS_SPROT")] == [4, 1, 1]
    # Q2 2024: p9, p10, p11 lodged, none repeated; on 30 June p9…p13 awaited a decision,
    # p12 and p13 for ten months; no decision in Q2
    assert [measure(c, "2024-Q2") for c in ("APP_TOTAL", "APP_REP", "PEND_TOTAL", "PEND_GE6",
                                            "DEC_TOTAL")] == [3, 0, 5, 2, 0]
    # Q3 2023: p12 and p13 lodged in August, pending on 30 September for two months
    assert [measure(c, "2023-Q3") for c in ("APP_TOTAL", "PEND_TOTAL", "PEND_GE6")] == [2, 2, 0]

    def rate(indicator, period="2024-Q3"):
        return cell(rates, period, indicator=indicator, citizen="TOTAL")

    assert rate("REPEATED_SHARE") == 125            # 1 / 8
    assert rate("BACKLOG_GE6_SHARE") == 125         # 1 / 8
    assert rate("RECOGNITION_WITHOUT_HUM") == 500   # (1 + 1) / 4
    assert rate("BACKLOG_GE6_SHARE", "2024-Q2") == 400  # 2 / 5
    listed = set(zip(rates.data["indicator"], rates.data["TIME_PERIOD"], strict=True))
    assert ("RECOGNITION_WITHOUT_HUM", "2024-Q2") not in listed  # no decision: no rate


def plain(markup: str) -> str:
    """The text of some HTML, with no-break and narrow no-break spaces as plain spaces."""
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", markup))
    return re.sub(r"[\u00a0\u202f]", " ", text)


@pytest.fixture(scope="module")
def reports(basis):
    out = {}
    for lang in ("fr", "nl", "en"):
        report = Report(public=public_report_tables(basis), context=CONTEXT, lang=lang)
        out[lang] = (report, {name: report.render(name) for name in SECTIONS})
    return out


def test_sentences_quote_the_rounded_figures_in_each_language(reports):
    # 8 applicants → 10; changes from the exact figures: +166.7 % and +300.0 %
    assert ("10 persons applied for international protection in Belgium in Q3 2024: up "
            "166.7% on Q2 2024 and up 300.0% on Q3 2023.") in plain(reports["en"][1]["key_figures"])
    assert ("10 personnes ont demandé la protection internationale en Belgique au 3e trimestre "
            "2024 : en hausse de 166,7 % par rapport au 2e trimestre 2024 et en hausse de "
            "300,0 % par rapport au 3e trimestre 2023.") in plain(reports["fr"][1]["key_figures"])
    assert ("10 personen vroegen internationale bescherming aan in België in het 3e kwartaal "
            "2024: een stijging met 166,7% ten opzichte van het 2e kwartaal 2024 en een "
            "stijging met 300,0% ten opzichte van het 3e kwartaal 2023."
            ) in plain(reports["nl"][1]["key_figures"])
    # 7 first-time → 5 (87.5 %), 1 subsequent → 0 (12.5 %)
    assert ("Of the 10 applicants, 5 applied for the first time (87.5% of all applicants) and 0 "
            "made a subsequent application (12.5%)") in plain(reports["en"][1]["applicants"])
    # 4 decisions → 5, 2 positive → 0, recognition 50.0 %; none in the comparison periods
    assert ("5 persons received a first-instance decision in Q3 2024 and 0 obtained "
            "protection: a recognition rate of 50.0%, against not applicable in Q2 2024 and "
            "not applicable in Q3 2023.") in plain(reports["en"][1]["decisions"])
    # 8 pending → 10 (+60.0 % on 5, +300.0 % on 2)
    assert ("10 persons were waiting for a decision on an application (first instance or "
            "appeal) at the end of Q3 2024: up 60.0% on Q2 2024 and up 300.0% on Q3 2023."
            ) in plain(reports["en"][1]["pending"])
    # Dublin figures are not rounded: 4 requests, 1 transfer
    assert "Belgium sent 4 take-charge and take-back requests" in plain(
        reports["en"][1]["dublin"])
    assert "1 transfer from Belgium was carried out (50.0% of the acceptances" in plain(
        reports["en"][1]["dublin"])
    assert "Belgian requests went mainly to Germany (3) and France (1)." in plain(
        reports["en"][1]["dublin"])


def test_the_eps_paragraph_quotes_rounded_figures_in_each_language(reports):
    # 8 applicants → 10, 1 repeated → 0 (12.5 % from the exact figures); 8 awaiting → 10,
    # 1 for six months or more → 0 (12.5 %); recognition without humanitarian status 50.0 %,
    # the same as with it here (no humanitarian status granted)
    en = plain(reports["en"][1]["eps"])
    assert ("Of the 10 applicants in Q3 2024, 0 had applied before (12.5%), whether or not the "
            "new application was legally a subsequent one. 10 persons were awaiting a "
            "first-instance decision at the end of Q3 2024, 0 of them for six months or more "
            "(12.5%). Leaving humanitarian status out, the recognition rate was 50.0% (against "
            "50.0% with it).") in en
    assert "Recognition rate without humanitarian status" in en
    assert "taux de reconnaissance était de 50,0 %" in plain(reports["fr"][1]["eps"])
    assert "erkenningsgraad 50,0%" in plain(reports["nl"][1]["eps"])


_FIGURE = re.compile(r'<data value="(-?\d+)" data-table="(\w+)" data-key="([^"]*)">([^<]*)</data>')


def test_every_quoted_figure_is_its_public_cell_and_persons_are_rounded(basis, reports):
    public = public_report_tables(basis)
    for lang, (report, sections) in reports.items():
        quoted = _FIGURE.findall("".join(sections.values()))
        assert len(quoted) == len(report.quoted) > 100
        for value, table, key, shown in quoted:
            tab = public[table]
            codes = key.split("/")
            frame = tab.data[tab.data["TIME_PERIOD"] == codes[-1]]
            for dim, code in zip(tab.dimensions, codes, strict=False):
                frame = frame[frame[dim] == code]
            expected = int(frame["OBS_VALUE"].iloc[0]) if len(frame) else 0
            assert int(value) == expected, (lang, table, key)
            # the text shows the same number (digits only: 1 235, 1.235, 43,2 % …)
            assert int(re.sub(r"\D", "", shown)) == abs(expected), (lang, shown, expected)
            if tab.unit in ("PER", "APP"):
                assert expected % 5 == 0, (lang, table, key, expected)


def test_no_digit_outside_the_marked_figures_periods_and_references(reports):
    for lang, (_, sections) in reports.items():
        for name, markup in sections.items():
            body = re.sub(r"<img [^>]*>", "", markup)                     # alt text, data URL
            body = re.sub(r"<(data|time|cite|code)\b[^>]*>.*?</\1>", "", body, flags=re.S)
            body = re.sub(r'<span class="period"[^>]*>.*?</span>', "", body, flags=re.S)
            body = re.sub(r"<[^>]+>", "", body)                            # tags, attributes
            assert not re.search(r"\d", htmllib.unescape(body)), (lang, name, body[:300])


def test_sections_are_accessible_html(reports):
    for lang, (_, sections) in reports.items():
        assert sections["title"].count("<h1>") == 1
        assert all("<h2>" in sections[s] for s in SECTIONS if s != "title")
        images = re.findall(r"<img [^>]*>", "".join(sections.values()))
        assert len(images) == 5, lang        # applicants, citizenships, decisions, pending, Dublin
        for img in images:
            assert re.search(r'alt="[^"]{40,}"', img), (lang, img[:80])
            assert 'src="data:image/png;base64,' in img
        tables = "".join(sections.values()).count("<table")
        assert tables >= 6 and "<caption>" in sections["key_figures"]
        assert '<th scope="col">' in sections["key_figures"]


def test_without_chromium_the_reports_stay_html_with_a_warning(tmp_path, monkeypatch, caplog):
    from asylstat.report.stage import print_pdfs

    page = tmp_path / "fr" / "report.html"
    page.parent.mkdir()
    page.write_text('<!DOCTYPE html><html lang="fr"><body><h1>x</h1></body></html>')
    monkeypatch.setenv("ASYLSTAT_CHROMIUM", "")          # as on a machine without chromium
    with caplog.at_level("WARNING"):
        result = print_pdfs({"fr": page})
    assert (result.rule, result.severity, result.status, result.count) == (
        "report.pdf", "warning", "fail", 1)
    assert not (tmp_path / "fr" / "report.pdf").exists()
    assert "Chromium not found" in caplog.text


def test_the_page_checks_catch_a_misquote_an_outside_reference_and_a_missing_alt(basis):
    from asylstat.report.stage import check_report_page

    public = public_report_tables(basis)
    good = ('<!DOCTYPE html><html lang="en"><head><style>p{color:red}</style></head><body>'
            '<h1>T</h1><h2>S</h2><p><data value="10" data-table="RPT_APPLICANTS" '
            'data-key="TOTAL/TOTAL/2024-Q3">10</data></p>'
            '<img src="data:image/png;base64,AA==" alt="a chart"></body></html>')
    assert [r.status for r in check_report_page(good, "en", public)] == ["pass"] * 3
    bad = (good.replace('value="10"', 'value="8"')                   # the exact figure
           .replace('alt="a chart"', 'alt=""')                      # no alternative text
           .replace("<style>", '<script src="https://cdn.example.org/x.js"></script><style>')
           .replace("p{color:red}", "p{background:url(http://example.org/b.png)}"))
    figures, outside, access = check_report_page(bad, "en", public)
    assert (figures.status, figures.count) == ("fail", 1)
    assert "quoted 8, public 10" in figures.examples[0]
    assert (outside.status, outside.count) == ("fail", 2)
    assert (access.status, access.count) == ("fail", 1)
    assert check_report_page(good, "fr", public)[2].status == "fail"   # lang="en" on a fr page


def test_a_year_is_compared_once(snapshot_of):
    # 2024: p1…p7, p8 (August) and p9…p11 (April) = 11 persons → 10; 2023: p8 (March), p12,
    # p13 = 3 → 5; the year before is also the same period a year earlier: one comparison,
    # (11 - 3) / 3 = +266.7 %
    year = Period("A", 2024)
    tables = {t.name: t for t in build_report_basis(snapshot_of(ROWS), year)}
    tables["RPT_RATES"] = rates_table(tables, year)
    report = Report(public=public_report_tables(tables),
                    context={**CONTEXT, "period": "2024"}, lang="en")
    key_figures = report.render("key_figures")
    assert ("10 persons applied for international protection in Belgium in 2024: up 266.7% on "
            "2023.") in plain(key_figures)
    header = re.search(r"<thead>(.*?)</thead>", key_figures).group(1)
    assert header.count('<th scope="col">') == 4   # indicator, 2024, 2023, one change
