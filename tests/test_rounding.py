"""Hand-worked tests of the dissemination rounding (statistics.md, "Dissemination") and of the
rates computed from exact figures. Every expected value is worked out in the test."""

from __future__ import annotations

import pandas as pd
import pytest

from asylstat.declaration import Disclosure
from asylstat.rates import change_tenths, tenths_of_percent
from asylstat.report.public import public_table
from asylstat.report.rounding import round_to_base
from asylstat.tables import Table


@pytest.mark.parametrize(("count", "expected"), [
    (0, 0),      # 0 stays 0
    (1, 0),      # remainder 1: down
    (2, 0),      # statistics.md: 2 → 0
    (3, 5),      # statistics.md: 3 → 5
    (4, 5),      # remainder 4: up
    (5, 5),      # a multiple of 5 is kept
    (7, 5),      # 7 is 2 above 5 and 3 below 10: 5
    (8, 10),     # 8 is 3 above 5 and 2 below 10: 10
    (12, 10),    # statistics.md: 12 → 10
    (13, 15),    # statistics.md: 13 → 15
    (1002, 1000),
    (1003, 1005),
    (99_999, 100_000),
])
def test_counts_round_to_the_nearest_multiple_of_five(count, expected):
    assert round_to_base(count) == expected


def test_there_is_no_halfway_case_for_whole_counts():
    # A halfway value (2.5 between 0 and 5, 7.5 between 5 and 10) is not a count: only whole
    # numbers are rounded, so a float is refused rather than guessed at — even an integral one.
    for bad in (2.5, 7.5, 12.0, True, -1, "12", None):
        with pytest.raises(ValueError):
            round_to_base(bad)  # type: ignore[arg-type]


def test_numpy_integers_are_counts():
    import numpy as np

    assert round_to_base(np.int64(13)) == 15
    assert isinstance(round_to_base(np.int64(13)), int)


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (1, 3, 333),     # 33.333… % → 33.3
    (2, 3, 667),     # 66.666… % → 66.7
    (1, 8, 125),     # 12.5 % exactly
    (1, 16, 63),     # 6.25 % → halfway between 6.2 and 6.3: half up → 6.3
    (-1, 16, -63),   # a fall of 6.25 %: half away from zero → -6.3
    (3, 3, 1000),    # 100.0 %
    (0, 7, 0),
    (5, 0, None),    # no denominator: not applicable
])
def test_rates_in_tenths_of_a_percent_from_exact_integers(numerator, denominator, expected):
    assert tenths_of_percent(numerator, denominator) == expected


def test_changes_between_periods():
    assert change_tenths(110, 100) == 100     # +10.0 %
    assert change_tenths(90, 100) == -100     # -10.0 %
    assert change_tenths(100, 100) == 0       # unchanged
    assert change_tenths(1, 3) == -667        # (1-3)/3 = -66.666… %
    assert change_tenths(5, 0) is None        # from nothing: not comparable


def _table(name: str, unit: str, rows: list[tuple[str, int]],
           disclosure: Disclosure = "rounded") -> Table:
    data = pd.DataFrame({"sex": [r[0] for r in rows], "TIME_PERIOD": ["2024-07"] * len(rows),
                         "OBS_VALUE": [r[1] for r in rows]})
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    return Table(name=name, title="t", definition="d.", kind="eurostat", freq="M", unit=unit,
                 dimensions=("sex",), data=data, disclosure=disclosure)


def test_margins_are_rounded_independently_of_their_parts():
    # F 2, M 2, UNK 2 and the margin T 6: each cell on its own → F 0, M 0, UNK 0, T 5.
    # The rounded parts (0) do not add up to the rounded total (5), as statistics.md allows;
    # the zero cells are left out (a missing cell reads as 0).
    rounded = public_table(_table("MIGR_ASYAPPCTZM", "PER",
                                  [("F", 2), ("M", 2), ("UNK", 2), ("T", 6)]))
    assert dict(zip(rounded.data["sex"], rounded.data["OBS_VALUE"], strict=True)) == {"T": 5}


def test_parts_that_round_up_can_exceed_the_rounded_total():
    # F 3 → 5, M 3 → 5, T 6 → 5: the parts add up to 10, the total says 5.
    rounded = public_table(_table("MIGR_ASYAPPCTZM", "PER", [("F", 3), ("M", 3), ("T", 6)]))
    assert dict(zip(rounded.data["sex"], rounded.data["OBS_VALUE"], strict=True)) == {
        "F": 5, "M": 5, "T": 5}


def test_dublin_tables_are_not_rounded():
    from asylstat.dataflows.dublin import DUBRO

    exact = _table(DUBRO.name, DUBRO.unit, [("F", 2), ("M", 13), ("T", 15)],
                   disclosure=DUBRO.disclosure)
    published = public_table(exact)
    assert published.data["OBS_VALUE"].tolist() == [2, 13, 15]
