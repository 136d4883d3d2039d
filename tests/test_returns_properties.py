"""Property tests of the return tables over random small warehouses (hypothesis; issue 12).

Two kinds of check: the invariants of statistics.md ("Cells": every margin is the sum of its
parts, Y_LT18 = Y_LT14 + Y14-17; MIGR_EIRTN1's totals equal MIGR_EIRT_TYPE's and
MIGR_EIRT_DEST's per citizenship; persons returned in a quarter never exceed the persons with a
counted decision dated on or before the quarter's end; a month's Frontex total never exceeds its
quarter's), and an independent oracle — the rules of the Returns section re-implemented in plain
Python straight from statistics.md — compared with every base cell of the six tables.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from asylstat.cube import build_cube
from asylstat.domains import spec_of
from asylstat.periods import Period
from asylstat.tables import Table
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot
from conftest import AS_OF, write_warehouse

Q1, Q2, Q3 = (Period("Q", 2024, i) for i in (1, 2, 3))
MONTHS = Q3.months()
DUBLIN = "DUBLIN"  # a code of Belgium or another Dublin state (not a third country)
# the raw codes the generator draws from, with their expected codes worked out by hand
CITIZEN: dict[str | None, str] = {"DZA": "DZ", " mar ": "MA", "geo": "GE", "GBR": "UK",
                                  "XXX": "UNK", None: "UNK", "YUG": "UNK", "FRA": DUBLIN,
                                  " bel": DUBLIN}
DESTINATION: dict[str | None, str] = {"DZA": "DZ", "mar": "MA", " TUR": "TR", "GBR": "UK",
                                      None: "UNK", "YUG": "UNK", "FRA": DUBLIN,
                                      " bel": DUBLIN}
SEX: dict[str | None, str] = {"M": "M", " f": "F", "X": "UNK", None: "UNK"}
GROUND = {"IRREGULAR_STAY": "IRR", " ip_rejected": "IPR", "END_OF_STAY": "EOS",
          "public_order": "PUB", "DUBLIN": "UNK"}
RETURN_TYPE = {"FORCED": "ENF", "voluntary ": "VOL", "ESCORTED": "UNK"}
ASSIST: dict[bool | None, str] = {True: "AS", False: "NAS", None: "UNK"}
ORPHAN = 999  # a return decision id that is never in the warehouse

# dates are drawn from lists, the first items being those hypothesis prefers (a return in Q3):
# the bounds of Q3 and its months, the days around them, dates before Q3; departures on the
# decision's day, before it, and up to three months after
DECISION_DAYS = [date(2024, 7, 15), date(2024, 8, 1), date(2024, 7, 1), date(2024, 6, 30),
                 date(2024, 7, 31), date(2024, 8, 15), date(2024, 9, 1), date(2024, 9, 30),
                 date(2024, 10, 1), date(2024, 5, 20), date(2024, 3, 31), date(2024, 1, 15)]
DAYS_AFTER = [14, 0, 1, 5, 31, 45, 0, -1, 60, 92, -3]  # departure date - decision date
# birthdays that cross 14, 18 and 35 inside Q3, and any other date
BIRTHS = st.one_of(st.sampled_from([None, date(2010, 8, 1), date(2006, 8, 1), date(1989, 8, 1),
                                    date(2010, 7, 15), date(2024, 9, 1)]),
                   st.dates(date(1950, 1, 1), date(2024, 12, 31)))
WITHDRAWN = [None, None, None, None, date(2024, 8, 1), date(2031, 1, 1)]

persons = st.lists(st.fixed_dictionaries({
    "sex": st.sampled_from(list(SEX)), "citizenship": st.sampled_from(list(CITIZEN)),
    "birth_date": BIRTHS}), min_size=1, max_size=6)
decisions = st.lists(st.fixed_dictionaries({
    "person_id": st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7]),  # past the persons: missing
    "decision_date": st.sampled_from(DECISION_DAYS),
    "ground": st.sampled_from(list(GROUND)),
    "withdrawn_date": st.sampled_from(WITHDRAWN)}), min_size=1, max_size=10)
departures = st.lists(st.fixed_dictionaries({
    # which decision (by position; positions past the list wrap round), or NULL, or an orphan
    "decision": st.sampled_from([*range(10), None, ORPHAN]),
    "days_after": st.sampled_from(DAYS_AFTER),
    "return_type": st.sampled_from(list(RETURN_TYPE)),
    "assisted": st.sampled_from(list(ASSIST)),
    "destination_country": st.sampled_from(list(DESTINATION)),
    "confirmed": st.sampled_from([True, True, True, False])}), min_size=2, max_size=12)


def age_group(birth: date | None, on: date) -> str:
    """statistics.md: the age rule and the return age groups."""
    if birth is None or birth > on:
        return "UNK"
    age = on.year - birth.year - (1 if (on.month, on.day) < (birth.month, birth.day) else 0)
    return "Y_LT14" if age <= 13 else "Y14-17" if age <= 17 else "Y18-34" if age <= 34 \
        else "Y_GE35"


def warehouse_rows(people: list[dict], raw_decisions: list[dict], raw_departures: list[dict]
                   ) -> dict[str, list[dict[str, Any]]]:
    """Ids: persons 0..n-1, decisions 1.., departures 1..; a departure follows its decision's
    own person (a NULL or orphan decision id: person 0), dated relative to the decision."""
    rdecs = [{"return_decision_id": i + 1, "unaccompanied_minor": False, **d}
             for i, d in enumerate(raw_decisions)]
    deps = []
    for i, raw in enumerate(raw_departures):
        pick = raw["decision"]
        if pick is None or pick == ORPHAN or not rdecs:
            decision_id = None if pick is None else ORPHAN
            person_id, day = 0, date(2024, 7, 1) + timedelta(days=raw["days_after"])
        else:
            target = rdecs[pick % len(rdecs)]
            decision_id, person_id = target["return_decision_id"], target["person_id"]
            day = target["decision_date"] + timedelta(days=raw["days_after"])
        deps.append({"departure_id": i + 1, "person_id": person_id,
                     "return_decision_id": decision_id, "departure_date": day,
                     **{k: raw[k] for k in ("return_type", "assisted", "destination_country",
                                            "confirmed")}})
    return {"person": [{"person_id": i, **p} for i, p in enumerate(people)],
            "return_decision": rdecs, "return_departure": deps}


class Oracle:
    """statistics.md's Returns section, written independently of the library: base cells."""

    def __init__(self, rows: Mapping[str, list[dict[str, Any]]]) -> None:
        self.people = {p["person_id"]: p for p in rows["person"]}
        self.decisions = {d["return_decision_id"]: d for d in rows["return_decision"]}
        self.departures = rows["return_departure"]

    def citizen(self, pid: int) -> str:
        p = self.people.get(pid)
        return CITIZEN[p["citizenship"]] if p else "UNK"

    def sex(self, pid: int) -> str:
        p = self.people.get(pid)
        return SEX[p["sex"]] if p else "UNK"

    def age(self, pid: int, on: date) -> str:
        p = self.people.get(pid)
        return age_group(p["birth_date"], on) if p else "UNK"

    def counted_decisions(self) -> list[dict]:
        """Not withdrawn, of a third-country national (or a person of unknown citizenship)."""
        return [d for d in self.decisions.values() if d["withdrawn_date"] is None
                and self.citizen(d["person_id"]) != DUBLIN]

    def returns(self) -> list[dict]:
        out = []
        for r in self.departures:
            decision = self.decisions.get(r["return_decision_id"])
            if (r["confirmed"] and decision is not None and decision["withdrawn_date"] is None
                    and r["departure_date"] >= decision["decision_date"]
                    and self.citizen(r["person_id"]) != DUBLIN
                    and DESTINATION[r["destination_country"]] != DUBLIN):
                out.append(r)
        return out

    @staticmethod
    def references(records: list[dict], period: Period, day: str, key: str, latest: bool
                   ) -> dict[int, dict]:
        """Each person's reference record in ``period``: the earliest (ties: lowest id) or the
        latest (ties: highest id)."""
        mine: dict[int, dict] = {}
        for r in records:
            if not period.start <= r[day] <= period.end:
                continue
            held = mine.get(r["person_id"])
            rank, held_rank = (r[day], r[key]), held and (held[day], held[key])
            if held is None or (rank > held_rank if latest else rank < held_rank):
                mine[r["person_id"]] = r
        return mine

    def ord1(self, period: Period) -> Counter:
        refs = self.references(self.counted_decisions(), period, "decision_date",
                               "return_decision_id", latest=False)
        return Counter((self.citizen(p), self.sex(p), self.age(p, d["decision_date"]),
                        period.label) for p, d in refs.items())

    def rdec(self, period: Period) -> Counter:
        refs = self.references(self.counted_decisions(), period, "decision_date",
                               "return_decision_id", latest=False)
        return Counter((self.citizen(p), GROUND[d["ground"]], period.label)
                       for p, d in refs.items())

    def returns_in(self, period: Period) -> dict[int, dict]:
        return self.references(self.returns(), period, "departure_date", "departure_id",
                               latest=True)

    def rtn1(self, period: Period) -> Counter:
        return Counter((self.citizen(p), self.sex(p), self.age(p, r["departure_date"]),
                        period.label) for p, r in self.returns_in(period).items())

    def rtype(self, period: Period) -> Counter:
        return Counter((self.citizen(p), RETURN_TYPE[r["return_type"]],
                        ASSIST[r["assisted"]], period.label)
                       for p, r in self.returns_in(period).items())

    def rdest(self, period: Period) -> Counter:
        out: Counter = Counter()
        for p, r in self.returns_in(period).items():
            dest, cit = DESTINATION[r["destination_country"]], self.citizen(p)
            c_dest = "UNK" if dest == "UNK" else "THRD_CTZ" if dest == cit else "THRD_OTH"
            out[(cit, c_dest, period.label)] += 1
        return out


def cells(table: Table) -> dict[tuple, int]:
    return {tuple(r[:-1]): int(r[-1]) for r in table.data.itertuples(index=False, name=None)}


def total_code(dim: str) -> str:
    return "T" if dim == "sex" else "TOTAL"


def base(table: Table) -> dict[tuple, int]:
    """The cells at no margin (no total code, no Y_LT18 sub-total)."""
    dims = table.dimensions
    return {k: v for k, v in cells(table).items()
            if all(code != total_code(d) for d, code in zip(dims, k[:-1], strict=True))
            and "Y_LT18" not in k}


def check_margins(table: Table) -> None:
    """Every margin is the sum of its parts (Y_LT18 is a sub-total, not a part), Y_LT18 =
    Y_LT14 + Y14-17, and no zero cell is written."""
    got = cells(table)
    assert all(v > 0 for v in got.values()), table.name
    for i, dim in enumerate(table.dimensions):
        parts: Counter = Counter()
        totals: dict[tuple, int] = {}
        for key, v in got.items():
            rest = key[:i] + key[i + 1:]
            if key[i] == total_code(dim):
                totals[rest] = v
            elif key[i] != "Y_LT18":
                parts[rest] += v
        for rest in set(parts) | set(totals):
            assert parts[rest] == totals.get(rest, 0), (table.name, dim, rest)
        if dim == "age":
            for key in got:
                if key[i] == "TOTAL":
                    at = {code: got.get(key[:i] + (code,) + key[i + 1:], 0)
                          for code in ("Y_LT18", "Y_LT14", "Y14-17")}
                    assert at["Y_LT18"] == at["Y_LT14"] + at["Y14-17"], (table.name, key)


def by_citizen(table: Table, period: str) -> dict[str, int]:
    """Each citizenship's value at every other dimension's total."""
    out = {}
    for key, v in cells(table).items():
        rest = dict(zip((*table.dimensions, "TIME_PERIOD"), key, strict=True))
        if rest.pop("TIME_PERIOD") == period and all(
                code == total_code(dim) for dim, code in rest.items() if dim != "citizen"):
            out[rest["citizen"]] = v
    return out


def snapshot(rows: Mapping[str, list[dict[str, Any]]], folder: str) -> Snapshot:
    path = write_warehouse(Path(folder) / "wh.duckdb", rows)
    return Snapshot(connect(f"duckdb:///{path}"), AS_OF)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=persons, raw_decisions=decisions, raw_departures=departures)
def test_return_tables_agree_with_the_oracle_and_keep_their_invariants(
        people, raw_decisions, raw_departures) -> None:
    specs = {name: (spec_of(name), periods) for name, periods in (
        ("MIGR_EIORD1", [Q1, Q2, Q3]), ("MIGR_EIRTN1", [Q3]), ("MIGR_EIRT_TYPE", [Q3]),
        ("MIGR_EIRT_DEST", [Q3]), ("FX_RDEC", MONTHS), ("FX_RET", MONTHS))}
    rows = warehouse_rows(people, raw_decisions, raw_departures)
    with tempfile.TemporaryDirectory() as folder:
        snap = snapshot(rows, folder)
        built = {name: build_cube(spec, snap, periods)
                 for name, (spec, periods) in specs.items()}
    oracle = Oracle(rows)
    returns_q3 = oracle.returns_in(Q3)
    event(f"persons returned in Q3: {min(len(returns_q3), 3)}+")
    several = Counter(r["person_id"] for r in oracle.returns()
                      if Q3.start <= r["departure_date"] <= Q3.end)
    event(f"a person with several returns in Q3: {max(several.values(), default=0) > 1}")

    # 1. every base cell of every table equals the oracle's
    expected: dict[str, Callable[[Period], Counter]] = {
        "MIGR_EIRTN1": oracle.rtn1, "MIGR_EIRT_TYPE": oracle.rtype,
        "MIGR_EIRT_DEST": oracle.rdest}
    assert base(built["MIGR_EIORD1"]) == dict(oracle.ord1(Q1) + oracle.ord1(Q2)
                                              + oracle.ord1(Q3))
    for name, rule in expected.items():
        assert base(built[name]) == dict(rule(Q3)), name
    assert base(built["FX_RDEC"]) == dict(sum((oracle.rdec(m) for m in MONTHS), Counter()))
    assert base(built["FX_RET"]) == dict(sum((oracle.rtype(m) for m in MONTHS), Counter()))

    # 2. margins: every margin is the sum of its parts, in every table
    for table in built.values():
        check_margins(table)

    # 3. MIGR_EIRTN1's totals = MIGR_EIRT_TYPE's = MIGR_EIRT_DEST's, citizenship by citizenship
    q = Q3.label
    persons_returned = by_citizen(built["MIGR_EIRTN1"], q)
    assert by_citizen(built["MIGR_EIRT_TYPE"], q) == persons_returned
    assert by_citizen(built["MIGR_EIRT_DEST"], q) == persons_returned

    # 4. persons returned in Q3 <= persons with a counted decision dated on or before 30 Sep
    #    (decisions are dated from 1 Jan 2024: those are the persons of MIGR_EIORD1 in Q1..Q3,
    #    whose quarterly totals add up to at least that many)
    returned = persons_returned.get("TOTAL", 0)
    decided = {d["person_id"] for d in oracle.counted_decisions()
               if d["decision_date"] <= Q3.end}
    ord1 = by_citizen(built["MIGR_EIORD1"], Q1.label), by_citizen(
        built["MIGR_EIORD1"], Q2.label), by_citizen(built["MIGR_EIORD1"], q)
    assert returned <= len(decided) <= sum(t.get("TOTAL", 0) for t in ord1)

    # 5. a month's Frontex total <= its quarter's Eurostat total; the months' sum >= it
    for fx, eu in (("FX_RET", "MIGR_EIRTN1"), ("FX_RDEC", "MIGR_EIORD1")):
        quarter = by_citizen(built[eu], q).get("TOTAL", 0)
        months = [by_citizen(built[fx], m.label).get("TOTAL", 0) for m in MONTHS]
        assert max(months) <= quarter <= sum(months), (fx, months, quarter)
