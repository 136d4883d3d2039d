"""Nearest-rank quantiles (statistics.md, national tables) and the registration delays."""

from __future__ import annotations

from datetime import date

import pytest

from asylstat.dataflows.applications import NAT_REGISTRATION_DELAYS
from asylstat.measures import nearest_rank
from asylstat.periods import Period
from helpers import cell


@pytest.mark.parametrize("values,percent,expected", [
    # n = 4: ceil(0.5·4) = 2nd smallest; ceil(0.9·4) = 4th
    ([1, 2, 3, 4], 50, 2), ([1, 2, 3, 4], 90, 4),
    # n = 5: 3rd smallest; ceil(4.5) = 5th
    ([5, 1, 4, 2, 3], 50, 3), ([5, 1, 4, 2, 3], 90, 5),
    # n = 10: 5th and 9th smallest
    (list(range(10, 0, -1)), 50, 5), (list(range(1, 11)), 90, 9),
    # n = 1; ties; zeros
    ([7], 50, 7), ([7], 90, 7), ([0, 0, 0, 9], 50, 0), ([0, 0, 0, 9], 90, 9),
    # negative days (a warehouse fault) are values like any other
    ([-2, 3, 3], 50, 3),
])
def test_nearest_rank(values, percent, expected):
    frequencies: dict[int, int] = {}
    for v in values:
        frequencies[v] = frequencies.get(v, 0) + 1
    assert nearest_rank(list(frequencies.items()), percent) == expected


def test_nearest_rank_needs_values():
    with pytest.raises(ValueError):
        nearest_rank([], 50)


def test_registration_and_lodging_delays(snapshot_of):
    # July 2024. Presented → registered (days):
    #   person 1: app 1 presented 1 Jul, registered 1 Jul (0), lodged 3 Jul (2)
    #   person 2: app 2 presented 1 Jun, registered 11 Jul (40), lodged 12 Jul (41)
    #   person 3: app 3 presented 5 Jul, registered 10 Jul (5), lodged in August (not July)
    #             app 4 presented 6 Jul, registered 20 Jul (14) — a later registration of the
    #             same person: person 3 counts once, by the earliest (app 3, 5 days)
    #   person 4: resettlement, presented 1 Jul, registered 2 Jul (1), lodged 2 Jul (1)
    # REGISTERED days: 0, 40, 5, 1 → n = 4, sorted 0 1 5 40: P50 = 2nd = 1, P90 = 4th = 40.
    # LODGED days: 2, 41, 1 → n = 3, sorted 1 2 41: P50 = 2nd = 2, P90 = ceil(2.7) = 3rd = 41.
    def app(aid, pid, presented, registered, lodged, **kw):
        return {"application_id": aid, "person_id": pid, "presented_date": presented,
                "registered_date": registered, "lodged_date": lodged, **kw}
    rows = {"person": [{"person_id": i} for i in (1, 2, 3, 4)], "application": [
        app(1, 1, date(2024, 7, 1), date(2024, 7, 1), date(2024, 7, 3)),
        app(2, 2, date(2024, 6, 1), date(2024, 7, 11), date(2024, 7, 12)),
        app(3, 3, date(2024, 7, 5), date(2024, 7, 10), date(2024, 8, 1)),
        app(4, 3, date(2024, 7, 6), date(2024, 7, 20), None),
        app(5, 4, date(2024, 7, 1), date(2024, 7, 2), date(2024, 7, 2),
            channel="RESETTLEMENT")]}
    t = NAT_REGISTRATION_DELAYS.build(snapshot_of(rows), [Period("M", 2024, 7)])
    assert cell(t, "2024-07", step="REGISTERED", stat="N") == 4
    assert cell(t, "2024-07", step="REGISTERED", stat="P50") == 1
    assert cell(t, "2024-07", step="REGISTERED", stat="P90") == 40
    assert cell(t, "2024-07", step="LODGED", stat="N") == 3
    assert cell(t, "2024-07", step="LODGED", stat="P50") == 2
    assert cell(t, "2024-07", step="LODGED", stat="P90") == 41
