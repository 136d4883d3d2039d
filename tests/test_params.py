"""Parameters are validated once, before anything runs (outputs.md, "Starting a run")."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from asylstat.params import ParameterError, RunParameters, parse_as_of, redact_url
from asylstat.periods import Period, add_months

URL = "duckdb:////tmp/x.duckdb"


@pytest.mark.parametrize("kind,text,label", [
    ("monthly", "2024-07", "2024-07"), ("quarterly", "2024-Q3", "2024-Q3"),
    ("quarterly", "2024-q3", "2024-Q3"), ("annual", "2024", "2024")])
def test_well_formed_periods(kind, text, label):
    assert RunParameters.parse(kind=kind, period=text, dwh_url=URL).period.label == label


@pytest.mark.parametrize("kind,text", [
    ("quarterly", "2024-Q5"), ("quarterly", "2024-Q0"), ("monthly", "2024-13"),
    ("monthly", "2024-00"), ("monthly", "2024-7"), ("quarterly", "2024-07"),
    ("monthly", "2024-Q3"), ("annual", "2024-Q3"), ("annual", "24"), ("monthly", ""),
    ("quarterly", "2024Q3")])
def test_malformed_or_wrong_kind_periods_are_rejected(kind, text):
    with pytest.raises(ParameterError, match="PERIOD"):
        RunParameters.parse(kind=kind, period=text, dwh_url=URL)


@pytest.mark.parametrize("text,expected", [
    ("2024-09-10", datetime(2024, 9, 10)),
    ("2024-09-10T12:30:00", datetime(2024, 9, 10, 12, 30)),
    ("2024-09-10T12:30:00Z", datetime(2024, 9, 10, 12, 30)),
    ("2024-09-10T12:30:00.250000", datetime(2024, 9, 10, 12, 30, 0, 250000)),
    ("2024-09-10T02:30:00+02:00", datetime(2024, 9, 10, 0, 30)),
    ("2024-01-01T00:30:00+01:00", datetime(2023, 12, 31, 23, 30))])
def test_as_of_is_utc(text, expected):
    assert parse_as_of(text) == expected


@pytest.mark.parametrize("text", ["2024-13-01", "yesterday", "2024-09-10 12:00",
                                  "2024-02-30", "2024-09-10T25:00:00", "10/09/2024"])
def test_malformed_as_of_is_rejected(text):
    with pytest.raises(ParameterError, match="AS_OF"):
        parse_as_of(text)


def test_bad_url_and_schema_are_rejected():
    with pytest.raises(ParameterError, match="DWH_URL"):
        RunParameters.parse(kind="annual", period="2024", dwh_url="sqlite:///x.db")
    with pytest.raises(ParameterError, match="DWH_SCHEMA"):
        RunParameters.parse(kind="annual", period="2024", dwh_url=URL, schema="dwh; drop")


def test_relative_duckdb_url_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    params = RunParameters.parse(kind="annual", period="2024", dwh_url="duckdb:///d/w.duckdb")
    assert params.dwh_url == f"duckdb:///{tmp_path / 'd' / 'w.duckdb'}"
    assert params.output_dir == Path("outputs")


def test_parameters_are_frozen_and_passwords_never_shown():
    params = RunParameters.parse(kind="annual", period="2024",
                                 dwh_url="postgresql://stat:s3cret@db:5432/dwh")
    with pytest.raises(AttributeError):
        params.schema = "other"  # type: ignore[misc]
    assert "s3cret" not in str(params.as_dict())
    assert redact_url("postgresql://stat:s3cret@db/dwh") == "postgresql://stat:***@db/dwh"


@pytest.mark.parametrize("start,months,expected", [
    (date(2024, 8, 31), 6, date(2025, 2, 28)), (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2024, 3, 15), 12, date(2025, 3, 15)),
    (date(2024, 12, 31), 18, date(2026, 6, 30))])
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_period_bounds_and_neighbours():
    q = Period.parse("2024-Q1", "Q")
    assert (q.start, q.end) == (date(2024, 1, 1), date(2024, 3, 31))
    assert [m.label for m in q.months()] == ["2024-01", "2024-02", "2024-03"]
    assert q.previous().label == "2023-Q4"
    assert Period.parse("2024-02", "M").end == date(2024, 2, 29)
    assert Period.parse("2024-01", "M").previous().label == "2023-12"
    assert Period.parse("2024", "A").year_earlier().label == "2023"
