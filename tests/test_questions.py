"""Ad-hoc questions (issue 14, questions.md): hand-worked counts on tiny warehouses, every
malformed question rejected with exit 2 naming the key, disclosure, the register and its
differencing warning. Expected values are reasoned in the comments, never computed by the
code under test."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from asylstat import cli
from asylstat.questions.engine import answer, exact_table
from asylstat.questions.question import QuestionError, parse_question, validate
from asylstat.questions.register import Entry, differencing_risks, entry_of
from asylstat.tables import Table

BASE = {"id": "T-1", "title": "t", "measure": "applicants", "scope": "eurostat",
        "period": {"from": "2023-01", "to": "2023-12", "by": "month"}, "filters": {},
        "breakdowns": [], "as_of": "2030-01-01", "disclosure": "exact", "languages": ["en"]}


def question(**changes):
    return validate({**BASE, **changes})


def value(table: Table, period: str, **fixed: str) -> int:
    """One cell (0 when absent); breakdowns not named at their margin."""
    data = table.data.loc[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        data = data.loc[data[dim] == fixed.get(dim, "T" if dim == "sex" else "TOTAL")]
    assert len(data) <= 1
    return int(data["OBS_VALUE"].iloc[0]) if len(data) else 0


def person(pid: int, **kw):
    return {"person_id": pid, "sex": "F", "birth_date": date(1990, 1, 1), "citizenship": "AFG",
            **kw}


def app(aid: int, pid: int, lodged: date, **kw):
    return {"application_id": aid, "person_id": pid, "lodged_date": lodged, **kw}


# ---------------------------------------------------------------- periods

def test_a_person_present_in_three_months_counts_once_in_the_year(snapshot_of):
    # Person 1 lodges in January, March and June 2023: one person in each of those months,
    # but ONE person in the year (not 3, the sum of the months). Person 2 lodges once, in
    # June: the year counts 2 persons, June 2 as well.
    snap = snapshot_of({"person": [person(1), person(2)],
                        "application": [app(10, 1, date(2023, 1, 5)),
                                        app(11, 1, date(2023, 3, 9)),
                                        app(12, 1, date(2023, 6, 1)),
                                        app(20, 2, date(2023, 6, 30))]})
    by_year = exact_table(question(period={"from": "2023-01", "to": "2023-12", "by": "year"}),
                          snap)
    assert by_year.data["TIME_PERIOD"].tolist() == ["2023"]
    assert value(by_year, "2023") == 2
    by_month = exact_table(question(), snap)
    assert [value(by_month, m) for m in ("2023-01", "2023-03", "2023-06", "2023-02")] == \
        [1, 1, 2, 0]
    by_quarter = exact_table(question(period={"from": "2023-Q1", "to": "2023-Q2",
                                              "by": "quarter"}), snap)
    # Q1: person 1 (January and March: once); Q2: persons 1 and 2
    assert (value(by_quarter, "2023-Q1"), value(by_quarter, "2023-Q2")) == (1, 2)


def test_by_none_over_two_years_counts_each_person_once_by_the_earliest_record(snapshot_of):
    # Person 1, born 2001-06-01, lodges on 2019-05-10 (aged 17: Y14-17) and 2020-02-03 (aged
    # 18: Y18-34); person 2 lodges on 2020-07-01 (aged 30). Over 2019–2020 as one period: 2
    # persons, person 1 placed by the earliest application (Y14-17). By year: 2019 has 1
    # (person 1, Y14-17), 2020 has 2 (person 1 now Y18-34, person 2 Y18-34): 3 in all, not 2.
    snap = snapshot_of({"person": [person(1, birth_date=date(2001, 6, 1)),
                                   person(2, birth_date=date(1990, 1, 1))],
                        "application": [app(10, 1, date(2019, 5, 10)),
                                        app(11, 1, date(2020, 2, 3)),
                                        app(20, 2, date(2020, 7, 1))]})
    whole = exact_table(question(period={"from": "2019", "to": "2020", "by": "none"},
                                 breakdowns=["age"]), snap)
    assert set(whole.data["TIME_PERIOD"]) == {"2019/2020"}
    assert value(whole, "2019/2020") == 2
    assert value(whole, "2019/2020", age="Y14-17") == 1
    assert value(whole, "2019/2020", age="Y18-34") == 1
    assert value(whole, "2019/2020", age="Y_LT18") == 1
    years = exact_table(question(period={"from": "2019", "to": "2020", "by": "year"},
                                 breakdowns=["age"]), snap)
    assert (value(years, "2019"), value(years, "2020")) == (1, 2)
    assert value(years, "2020", age="Y18-34") == 2
    months = exact_table(question(period={"from": "2019-01", "to": "2020-12", "by": "none"}),
                         snap)
    assert months.data["TIME_PERIOD"].tolist() == ["2019-01/2020-12"]


def test_a_filter_applies_to_the_reference_record(snapshot_of):
    # July 2024. Person 1's first application of the month (3 July) is NOT an unaccompanied
    # minor's, a later one (20 July) is: person 1 is not counted as an unaccompanied minor
    # (MIGR_ASYUMACTM's rule). Person 2's first application of the month is one: counted.
    # Person 3, born 2006-07-15, lodges on 10 July (aged 17) and 20 July (aged 18): placed by
    # the first, so in age Y_LT18, not Y18-34.
    snap = snapshot_of({"person": [person(1), person(2),
                                   person(3, birth_date=date(2006, 7, 15))],
                        "application": [app(10, 1, date(2024, 7, 3)),
                                        app(11, 1, date(2024, 7, 20), unaccompanied_minor=True),
                                        app(20, 2, date(2024, 7, 8), unaccompanied_minor=True),
                                        app(21, 2, date(2024, 7, 9)),
                                        app(30, 3, date(2024, 7, 10)),
                                        app(31, 3, date(2024, 7, 20))]})
    july = {"from": "2024-07", "to": "2024-07", "by": "month"}
    uam = exact_table(question(period=july, filters={"unaccompanied_minor": True}), snap)
    assert value(uam, "2024-07") == 1  # person 2 only
    not_uam = exact_table(question(period=july, filters={"unaccompanied_minor": False}), snap)
    assert value(not_uam, "2024-07") == 2  # persons 1 and 3
    minors = exact_table(question(period=july, filters={"age": ["Y_LT18"]}), snap)
    assert value(minors, "2024-07") == 1  # person 3 (persons 1 and 2 are 34)
    adults = exact_table(question(period=july, filters={"age": ["Y18-34"]}), snap)
    assert value(adults, "2024-07") == 2  # persons 1 and 2, not person 3


def test_a_stock_is_taken_on_each_quarters_last_day(snapshot_of):
    # Open on E = lodged on or before E and not closed on or before E.
    # A lodged 2024-01-10, withdrawn 2024-05-05: open on 31 March, not on 30 June.
    # B lodged 2024-03-31, never closed: open on both (lodged on E counts).
    # C lodged 2024-02-01, withdrawn 2024-03-31: closed on E, open on neither.
    # D lodged 2024-04-01: open on 30 June only.
    # Q1: A, B = 2; Q2: B, D = 2; and the stock of Q1 is the stock of March.
    snap = snapshot_of({
        "person": [person(1), person(2), person(3), person(4)],
        "application": [app(1, 1, date(2024, 1, 10)), app(2, 2, date(2024, 3, 31)),
                        app(3, 3, date(2024, 2, 1)), app(4, 4, date(2024, 4, 1))],
        "withdrawal": [{"withdrawal_id": 1, "application_id": 1,
                        "withdrawal_date": date(2024, 5, 5)},
                       {"withdrawal_id": 2, "application_id": 3,
                        "withdrawal_date": date(2024, 3, 31)}]})
    quarters = exact_table(question(measure="pending", period={
        "from": "2024-Q1", "to": "2024-Q2", "by": "quarter"}), snap)
    assert (value(quarters, "2024-Q1"), value(quarters, "2024-Q2")) == (2, 2)
    months = exact_table(question(measure="pending", period={
        "from": "2024-01", "to": "2024-06", "by": "month"}), snap)
    # January: A; February: A, C; March: A, B; April, May: A, B, D until 5 May → May: B, D
    assert [value(months, f"2024-0{m}") for m in range(1, 7)] == [1, 2, 2, 3, 2, 2]
    whole = exact_table(question(measure="pending", period={
        "from": "2024-01", "to": "2024-06", "by": "none"}), snap)
    assert value(whole, "2024-01/2024-06") == 2  # on 30 June: B, D


def test_public_rounds_persons_and_keeps_dublin_events_exact(snapshot_of):
    # 3 persons apply in July 2024: public answer 5 (3 → 5), exact table 3. 3 outgoing
    # Dublin requests in 2024: 3 under public too (events are published unrounded).
    snap = snapshot_of({
        "person": [person(1), person(2), person(3)],
        "application": [app(1, 1, date(2024, 7, 1)), app(2, 2, date(2024, 7, 2)),
                        app(3, 3, date(2024, 7, 3))],
        "dublin_request": [{"request_id": i, "person_id": i, "request_date": date(2024, 3, i)}
                           for i in (1, 2, 3)]})
    persons = answer(question(disclosure="public",
                              period={"from": "2024-07", "to": "2024-07", "by": "month"}), snap)
    assert value(persons.exact, "2024-07") == 3
    assert value(persons.published, "2024-07") == 5
    assert persons.rounded
    dublin = answer(question(measure="dublin_requests", disclosure="public",
                             period={"from": "2024", "to": "2024", "by": "year"},
                             breakdowns=["direction"]), snap)
    assert value(dublin.published, "2024") == 3
    assert value(dublin.published, "2024", direction="OUT") == 3
    assert not dublin.rounded
    assert all(c.status == "pass" for c in persons.checks)


# ---------------------------------------------------------------- malformed questions

MALFORMED = [
    ({"colour": "blue"}, "colour"),
    ({"measure": "asylum_seekers"}, "measure"),
    ({"scope": "europe"}, "scope"),
    ({"breakdowns": ["partner"]}, "breakdowns"),
    ({"breakdowns": ["sex", "sex"]}, "breakdowns"),
    ({"filters": {"citizen": ["AFG"]}}, "filters.citizen"),
    ({"filters": {"citizen": "AF"}}, "filters.citizen"),
    ({"filters": {"partner": ["DE"]}}, "filters.partner"),
    ({"filters": {"eurodac_hit": True}}, "filters.eurodac_hit"),
    ({"filters": {"unaccompanied_minor": "yes"}}, "filters.unaccompanied_minor"),
    ({"filters": {"sex": ["X"]}}, "filters.sex"),
    ({"period": {"from": "2023-13", "to": "2023-12", "by": "month"}}, "period.from"),
    ({"period": {"from": "2023-01", "to": "2023-Q4", "by": "month"}}, "period.to"),
    ({"period": {"from": "2023-12", "to": "2023-01", "by": "month"}}, "period.to"),
    ({"period": {"from": "2023-02", "to": "2023-12", "by": "quarter"}}, "period.by"),
    ({"period": {"from": "2023-01", "to": "2023-12", "by": "week"}}, "period.by"),
    ({"period": {"from": "2023-01", "to": "2023-12"}}, "period.by"),
    ({"period": {"from": "2023-01", "to": "2023-12", "by": "month", "step": 2}}, "period.step"),
    ({"period": "2023"}, "period"),
    ({"as_of": "yesterday"}, "as_of"),
    ({"as_of": "2024-02-30"}, "as_of"),
    ({"disclosure": "secret"}, "disclosure"),
    ({"languages": ["de"]}, "languages"),
    ({"languages": []}, "languages"),
    ({"id": "a/b"}, "id"),
    ({"id": "failed"}, "id"),
    ({"title": ""}, "title"),
]


def toml_text(doc: dict) -> str:
    """The question as a TOML file (the few value types questions use)."""
    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v + '"'
        if isinstance(v, int):
            return str(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
    return "".join(f"{k} = {value(v)}\n" for k, v in doc.items())


@pytest.mark.parametrize(("changes", "key"), MALFORMED)
def test_a_malformed_question_is_rejected_naming_the_key(changes, key, tmp_path, capsys):
    with pytest.raises(QuestionError) as caught:
        question(**changes)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ")
    # the command line: exit 2, the message names the key, nothing read or written
    path = tmp_path / "q.toml"
    path.write_text(toml_text({**BASE, **changes}), encoding="utf-8")
    assert cli.main(["ask", str(path), "--dwh-url", "duckdb:////nonexistent.duckdb",
                     "--answers-dir", str(tmp_path / "answers")]) == 2
    assert f"{key}: " in capsys.readouterr().err
    assert not (tmp_path / "answers").exists()


def test_the_question_notebook_is_thin():
    import nbformat

    from asylstat import paths

    nb = nbformat.read(paths.notebooks_dir() / "question.ipynb", as_version=4)
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
    for source in (c.source for c in nb.cells if c.cell_type == "code"):
        assert "def " not in source and "class " not in source
        assert "SELECT" not in source.upper().split("#")[0] and "print(" not in source
    assert nb.metadata.kernelspec.name == "python3"


def test_the_message_lists_the_allowed_values():
    with pytest.raises(QuestionError, match="allowed: applicants, applications, pending"):
        question(measure="asylum_seekers")
    with pytest.raises(QuestionError, match=r"allowed: citizen, sex, age, applicant, "
                                            "unaccompanied_minor, accelerated"):
        question(filters={"partner": ["DE"]})
    with pytest.raises(QuestionError, match="allowed: F, M, UNK, T"):
        question(filters={"sex": ["X"]})
    with pytest.raises(QuestionError, match="allowed: month, quarter, year, none"):
        question(period={"from": "2023-01", "to": "2023-12", "by": "week"})


@pytest.mark.parametrize("missing", ["id", "title", "measure", "period", "as_of"])
def test_a_required_key_may_not_be_left_out(missing):
    doc = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(QuestionError) as caught:
        validate(doc)
    assert caught.value.key == missing


def test_margins_are_allowed_as_filters_and_defaults_fill_the_rest():
    q = validate({k: BASE[k] for k in ("id", "title", "measure", "period", "as_of")}
                 | {"filters": {"age": ["Y_LT18"], "sex": ["T"]}})
    assert (q.scope, q.disclosure, q.languages, q.breakdowns) == (
        "eurostat", "public", ("fr", "nl"), ())


def test_toml_dates_and_years_without_quotes_are_read():
    q = parse_question('id = "X"\ntitle = "t"\nmeasure = "pending"\nas_of = 2024-03-31\n'
                       'period = { from = 2019, to = 2024, by = "none" }\n')
    assert q.as_of.isoformat() == "2024-03-31T00:00:00"
    assert q.period.periods[0].label == "2019/2024"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [["--check"], ["--dwh-url", "duckdb:////nonexistent.duckdb"]])
def test_the_command_exits_2_naming_the_key_before_reading_the_warehouse(tmp_path, capsys,
                                                                         args):
    path = _write(tmp_path, 'id = "X"\ntitle = "t"\nmeasure = "applicants"\n'
                  'period = { from = "2023-01", to = "2023-12", by = "month" }\n'
                  'filters = { partner = ["DE"] }\nas_of = "2024-03-31"\n')
    code = cli.main(["ask", str(path), *args, "--answers-dir", str(tmp_path / "answers")])
    err = capsys.readouterr().err
    assert code == 2
    assert "filters.partner" in err and "allowed:" in err
    assert not (tmp_path / "answers").exists()


def test_a_file_that_is_not_toml_exits_2(tmp_path, capsys):
    assert cli.main(["ask", "--check", str(_write(tmp_path, "id = \n"))]) == 2
    assert "(file)" in capsys.readouterr().err


def test_check_accepts_a_valid_question(tmp_path, capsys):
    path = _write(tmp_path, 'id = "X"\ntitle = "t"\nmeasure = "dublin_transfers"\n'
                  'period = { from = "2019", to = "2020", by = "year" }\n'
                  'filters = { direction = ["OUT"], partner = ["DE"] }\nas_of = "2024-03-31"\n')
    assert cli.main(["ask", "--check", str(path)]) == 0
    assert "is valid" in capsys.readouterr().out


# ---------------------------------------------------------------- the register

def _entry(q, run: str = "R1") -> Entry:
    return entry_of(q, run, "2030-01-01T00:00:00.000000Z", "2030-01-01T00:00:00Z")


def test_two_answers_one_citizenship_apart_are_a_differencing_risk():
    # earlier: citizen AF or ER; now: citizen AF. The two totals of one month differ by the
    # persons of citizenship ER alone.
    earlier = question(id="A", filters={"citizen": ["AF", "ER"]})
    now = question(id="B", filters={"citizen": ["AF"]})
    (risk,) = differencing_risks(now, [_entry(earlier)])
    assert (risk.earlier_id, risk.dimension, risk.code) == ("A", "citizen", "ER")
    assert "A" in risk.message() and "ER" in risk.message()


def test_a_flag_filter_against_a_breakdown_and_the_cases_without_risk():
    # earlier: all applicants by sex; now: the same with sex F → cell F of the earlier answer
    # is the same population: no risk. Now unaccompanied minors only: the earlier total and
    # the new total differ by the value N of the flag alone → a risk.
    earlier = question(id="A", breakdowns=["sex"])
    assert differencing_risks(question(id="B", filters={"sex": ["F"]}), [_entry(earlier)]) == []
    (risk,) = differencing_risks(question(id="B", filters={"unaccompanied_minor": True}),
                                 [_entry(earlier)])
    assert (risk.dimension, risk.code) == ("unaccompanied_minor", "N")
    # no common period, another measure, or the same question again: no risk
    two = [_entry(question(id="A", filters={"citizen": ["AF", "ER"]}))]
    other_year = question(id="C", period={"from": "2022-01", "to": "2022-12", "by": "month"},
                          filters={"citizen": ["AF"]})
    assert differencing_risks(other_year, two) == []
    assert differencing_risks(question(id="A", filters={"citizen": ["AF"]}), two) == []
    pending = question(id="D", measure="pending", filters={"citizen": ["AF"]})
    assert differencing_risks(pending, two) == []


def test_two_citizenships_apart_is_not_flagged():
    earlier = question(id="A", filters={"citizen": ["AF", "ER", "SY"]})
    assert differencing_risks(question(id="B", filters={"citizen": ["AF"]}),
                              [_entry(earlier)]) == []


def test_a_register_row_reads_back():
    q = question(filters={"citizen": ["AF"], "accelerated": False}, breakdowns=["sex"])
    entry = _entry(q)
    assert Entry.from_row(entry.row()) == entry


def test_an_unusable_warehouse_exits_3_and_writes_nothing(tmp_path, capsys):
    path = _write(tmp_path, 'id = "X"\ntitle = "t"\nmeasure = "withdrawals"\n'
                  'period = { from = "2024-Q1", to = "2024-Q4", by = "quarter" }\n'
                  'as_of = "2026-06-30"\n')
    code = cli.main(["ask", str(path), "--dwh-url", f"duckdb:///{tmp_path}/none.duckdb",
                     "--answers-dir", str(tmp_path / "answers")])
    assert code == 3
    assert "warehouse cannot be used" in capsys.readouterr().err
    assert not (tmp_path / "answers").exists()
