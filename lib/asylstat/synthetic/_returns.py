"""Return decisions and departures (contract v2), with their planted faults.

Generated **after** every v1 table and its faults, from a random stream of their own
(``PCG64([seed, RETURN_STREAM])``): the v1 tables are exactly what they were before the
return tables existed, for any scale and seed. Persons ordered to leave who never applied are
new ``person`` rows with identifiers above every existing one; no existing row is touched.

Orders to leave (``return_decision``):

- after a final rejection (``IP_REJECTED``): a share of the applications whose rejection
  became final (a decision ``REJECTED`` with ``final_date``), 3–45 days later, for the
  application's person, with its ``application_id``;
- to persons who never applied (``IRREGULAR_STAY``, ``END_OF_STAY``, ``PUBLIC_ORDER``): each
  year's remainder up to ``RETURN_DECISION_PERSONS`` (at least ``MIN_NEW_PERSON_SHARE``);
- a second order for some persons who did not leave after their first (``P_REPEAT_ORDER``).

Departures (``return_departure``) follow a share of the orders in force, higher for the
citizenships that return most (``RETURN_PROPENSITY``): forced or voluntary by the order's
ground, assisted or not, to the country of citizenship, another third country, another Dublin
state or unknown. Definitions of the planted faults: docs/synthetic.md.
"""

from __future__ import annotations

import logging

import numpy as np

from . import params as P
from ._faults import Planter, _duplicates
from ._generate import adult_age, birth_from_age, sex_codes
from ._util import (
    NA_BOOL,
    NA_CODE,
    NA_DATE,
    NA_ID,
    NO_TIME,
    Columns,
    World,
    age_at,
    concat,
    load_time,
)

log = logging.getLogger(__name__)

#: the second number of the return tables' seed sequence (``PCG64([seed, RETURN_STREAM])``)
RETURN_STREAM = 12
GROUNDS = ("IRREGULAR_STAY", "IP_REJECTED", "END_OF_STAY", "PUBLIC_ORDER")
IRR, IPR, EOS, PUB = range(4)
RETURN_TYPES = ("FORCED", "VOLUNTARY")
FORCED, VOLUNTARY = range(2)
VALID_DESTINATIONS = np.array(sorted(P.ISO_ALPHA3 | {"XKX"}))
CODE = "U8"  # normalised country codes as fixed-width strings ('' = NULL)


def _lookup(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position in the sorted unique ``keys`` of each value, and whether it is there."""
    pos = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return pos, keys[pos] == values


def _norm_codes(world: World, table: str, column: str, codes: np.ndarray) -> np.ndarray:
    """Normalised strings (``strip().upper()``; '' for NULL) of a code column's values."""
    words = np.array([w.strip().upper() for w in world.vocab[(table, column)]] + [""],
                     dtype=CODE)
    return words[codes]


def _per_code(codes: np.ndarray, values: dict[str, float], default: float) -> np.ndarray:
    """``values[code]`` (``default`` when absent) for each code, through the distinct codes."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    return np.array([values.get(str(c), default) for c in uniq])[inverse]


def _encode(world: World, table: str, column: str, codes: np.ndarray) -> np.ndarray:
    """Vocabulary indices of string codes ('' = NULL), through the distinct codes."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    index = np.array([world.code(table, column, str(c)) if c != "" else NA_CODE
                      for c in uniq], dtype=np.int16)
    return index[inverse]


def _year_days(year: int) -> tuple[int, int]:
    start = P.day(year, 1, 1)
    return start, P.day(year + 1, 1, 1) - start


def _ip_rejected(rng: np.random.Generator, world: World) -> Columns:
    """Orders after final rejections: one per application (of a person in the warehouse)
    whose rejection became final, for a share of them."""
    d, a, p = (world.tables[t] for t in ("decision", "application", "person"))
    rejected = world.vocab[("decision", "outcome")].index("REJECTED")
    ok = ((d["outcome"] == rejected) & (d["final_date"] != NA_DATE)
          & (d["decision_date"] <= P.END) & (d["final_date"] <= P.END))
    app_keys, app_first = np.unique(a["application_id"], return_index=True)
    apos, found = _lookup(app_keys, d["application_id"])
    ok &= found
    arow = app_first[apos]
    person_keys, person_first = np.unique(p["person_id"], return_index=True)
    ppos, found = _lookup(person_keys, a["person_id"][arow])
    ok &= found
    prow = person_first[ppos]
    cit = _norm_codes(world, "person", "citizenship", p["citizenship"][prow])
    ok &= ~np.isin(cit, P.DUBLIN_STATES)  # never: that is a fault class of its own
    # one order per application (a planted duplicate decision is a copy)
    _, first = np.unique(d["application_id"][np.flatnonzero(ok)], return_index=True)
    rows = np.flatnonzero(ok)[first]
    n = len(rows)
    uam_app = a["unaccompanied_minor"][arow[rows]]
    keep = rng.random(n) < np.where(uam_app, P.P_ORDER_AFTER_REJECTION_UAM,
                                    P.P_ORDER_AFTER_REJECTION)
    date = d["final_date"][rows].astype(np.int64) + rng.integers(
        P.IP_ORDER_DELAY[0], P.IP_ORDER_DELAY[1] + 1, n)
    keep &= date <= P.END
    rows, date, uam_app = rows[keep], date[keep], uam_app[keep]
    prow = prow[rows]
    birth = p["birth_date"][prow]
    minor = (birth != NA_DATE) & (age_at(birth, date) < 18)
    return {"person_id": p["person_id"][prow], "application_id": d["application_id"][rows],
            "date": date.astype(np.int32), "ground": np.full(len(rows), IPR, np.int16),
            "uam": uam_app & minor, "cit": cit[rows], "new": np.zeros(len(rows), bool),
            "next_app": _next_application(world, p["person_id"][prow], date)}


def _next_application(world: World, person_id: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The earliest ``presented_date`` of the person's applications presented after ``after``
    (a departure must come before it), or the maximum int32 when there is none."""
    a = world.tables["application"]
    big = np.int64(1 << 20)
    key = (a["person_id"].astype(np.int64) - P.ID_BASE["person"]) * big + a["presented_date"]
    key = np.sort(key)
    query = (person_id.astype(np.int64) - P.ID_BASE["person"]) * big + after
    pos = np.searchsorted(key, query, side="right")
    nxt = key[np.minimum(pos, len(key) - 1)]
    same = (pos < len(key)) & (nxt // big == query // big)
    return np.where(same, nxt % big, np.iinfo(np.int32).max).astype(np.int64)


def _citizenship_draw(rng: np.random.Generator, n: int) -> np.ndarray:
    """Citizenships (strings) of persons ordered to leave who never applied."""
    named = list(P.ORDER_CITIZENSHIPS)
    # the tail: the applicants' further citizenships (no country the v1 tables never use)
    tail = [c for c in P.SECONDARY_CITIZENSHIPS if c not in P.ORDER_CITIZENSHIPS]
    tail_w = np.array([P.SECONDARY_CITIZENSHIPS[c] for c in tail])
    weights = np.concatenate([np.array(list(P.ORDER_CITIZENSHIPS.values())),
                              P.ORDER_TAIL_SHARE * tail_w / tail_w.sum()])
    codes = np.array(named + tail, dtype=CODE)
    return codes[rng.choice(len(codes), size=n, p=weights / weights.sum())]


def _new_persons_orders(rng: np.random.Generator, scale: float,
                        ip_per_year: dict[int, int]) -> Columns:
    """Orders to persons who never applied: each year's remainder of the target."""
    parts = []
    grounds = np.array([GROUNDS.index(g) for g in P.NEW_PERSON_GROUNDS], dtype=np.int16)
    gw = np.array(list(P.NEW_PERSON_GROUNDS.values()))
    for year, target in P.RETURN_DECISION_PERSONS.items():
        total = target * scale
        n = int(round(max(total - ip_per_year.get(year, 0), P.MIN_NEW_PERSON_SHARE * total)))
        start, length = _year_days(year)
        parts.append({"date": (start + np.floor(rng.random(n) * length)).astype(np.int32),
                      "ground": grounds[rng.choice(len(grounds), size=n, p=gw / gw.sum())]})
    orders = concat(parts)
    n = len(orders["date"])
    orders["cit"] = _citizenship_draw(rng, n)
    u = rng.random(n)
    orders["uam"] = u < P.P_UAM_ORDERED
    orders["minor"] = ~orders["uam"] & (u < P.P_UAM_ORDERED + P.P_MINOR_ORDERED)
    return orders


def _person_rows(rng: np.random.Generator, world: World, orders: Columns,
                 first_id: int) -> np.ndarray:
    """Append one ``person`` row per order of ``orders`` (persons who never applied);
    returns their identifiers, from ``first_id`` up in order of first order."""
    n = len(orders["date"])
    date = orders["date"].astype(np.int64)
    age = np.where(orders["uam"], 15.0 + 3.0 * rng.random(n),
                   np.where(orders["minor"], 17.99 * rng.random(n), adult_age(rng, n)))
    birth = birth_from_age(date, age)
    sex = sex_codes(rng, np.where(orders["minor"], 0.5, P.P_MALE_ORDERED))
    cit = _encode(world, "person", "citizenship", orders["cit"])
    order = np.lexsort((np.arange(n), date))
    person_id = np.empty(n, np.int64)
    person_id[order] = first_id + np.arange(n)
    t0 = load_time(rng, date)
    fix = (rng.random(n) < P.P_PERSON_CORRECTED) & ~orders["uam"] & ~orders.get(
        "dublin", np.zeros(n, bool))
    t_fix = load_time(rng, date + rng.integers(20, 900, n))
    fix &= t_fix > t0 + 86400
    birth_fix = fix & (rng.random(n) < 0.5)
    old_birth = np.minimum(birth.astype(np.int64) + rng.integers(-1800, 1800, n), date - 1)
    new = {
        "person_id": person_id, "sex": sex, "birth_date": birth, "citizenship": cit,
        "_t0": t0, "_tfix": np.where(fix, t_fix, NO_TIME), "_tdel": np.full(n, NO_TIME),
        "_old_sex": np.where(fix & ~birth_fix, np.where(sex == 0, 1, 0), sex).astype(np.int16),
        "_old_birth_date": np.where(birth_fix, old_birth, birth).astype(np.int32),
        "_old_citizenship": cit, "_uam": orders["uam"],
    }
    person = world.tables["person"]
    assert set(new) == set(person), "the person table's columns changed"
    world.tables["person"] = {k: np.concatenate([person[k], new[k].astype(person[k].dtype)])
                              for k in person}
    return person_id


def _departures(rng: np.random.Generator, orders: Columns, idx: np.ndarray,
                base_rate: float) -> Columns:
    """Departures following the orders ``idx`` (in force, not withdrawn)."""
    n = len(idx)
    cit = orders["cit"][idx]
    prop = _per_code(cit, P.RETURN_PROPENSITY, 0.7)
    leaves = rng.random(n) < np.minimum(base_rate * prop, 0.95)
    ground = orders["ground"][idx]
    p_forced = np.array([P.P_FORCED[g] for g in GROUNDS])[ground]
    rtype = np.where(rng.random(n) < p_forced, FORCED, VOLUNTARY).astype(np.int16)
    vdd = orders["vdd"][idx]
    decided = orders["date"][idx].astype(np.int64)
    delay = np.where(rtype == VOLUNTARY,
                     np.maximum(np.where(vdd > 0, vdd, 0), 5) + rng.gamma(1.5, 40.0, n),
                     10 + rng.gamma(1.5, 60.0, n)).astype(np.int64)
    date = decided + delay
    leaves &= (date <= P.END) & (date < orders["next_app"][idx])
    rows = np.flatnonzero(leaves)
    k = len(rows)
    rtype = rtype[rows]
    u = rng.random(k)
    mix = np.where(rtype[:, None] == VOLUNTARY, np.array(P.ASSISTED_VOLUNTARY),
                   np.array(P.ASSISTED_FORCED))
    assisted = np.where(u < mix[:, 0], 1, np.where(u < mix[:, 0] + mix[:, 1], 0, NA_BOOL))
    return {"order": idx[rows], "date": date[rows].astype(np.int32), "rtype": rtype,
            "assisted": assisted.astype(np.int8),
            "dest": _destinations(rng, cit[rows])}


def _destinations(rng: np.random.Generator, cit: np.ndarray) -> np.ndarray:
    """Destination codes ('' = NULL): the citizenship, another third country, another
    Dublin state or unknown (``DESTINATION_MIX``)."""
    k = len(cit)
    valid = np.isin(cit, VALID_DESTINATIONS)
    mix = np.cumsum(P.DESTINATION_MIX)
    u = rng.random(k)
    kind = np.where(u < mix[0], 0, np.where(u < mix[1], 1, np.where(u < mix[2], 2, 3)))
    kind = np.where(~valid & (kind == 0), 1, kind)
    others = np.array(P.OTHER_THIRD_COUNTRIES, dtype=CODE)
    o = rng.integers(0, len(others), k)
    other = np.where(others[o] == cit, others[(o + 1) % len(others)], others[o])
    dublin = np.array(P.DUBLIN_DESTINATIONS, dtype=CODE)[
        rng.integers(0, len(P.DUBLIN_DESTINATIONS), k)]
    return np.select([kind == 0, kind == 1, kind == 2], [cit, other, dublin], "").astype(CODE)


def _vdd(rng: np.random.Generator, n: int) -> np.ndarray:
    days = np.array(list(P.VOLUNTARY_DEPARTURE_DAYS), dtype=np.int64)
    w = np.array(list(P.VOLUNTARY_DEPARTURE_DAYS.values()))
    out = days[rng.choice(len(days), size=n, p=w / w.sum())]
    return np.where(rng.random(n) < P.P_VDD_NULL, NA_ID, out)


def generate_returns(rng: np.random.Generator, world: World, scale: float) -> None:
    """Fill ``world.tables["return_decision"]`` and ``["return_departure"]`` (clean data) and
    append the persons ordered to leave who never applied to ``["person"]``."""
    ip = _ip_rejected(rng, world)
    years = ip["date"].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    ip_per_year = dict(zip(*np.unique(years, return_counts=True), strict=True))
    new = _new_persons_orders(rng, scale, {int(y): int(c) for y, c in ip_per_year.items()})
    n_new = len(new["date"])
    first_id = int(world.tables["person"]["person_id"].max()) + 1
    new_ids = _person_rows(rng, world, new, first_id)
    orders = concat([
        {k: ip[k] for k in ("person_id", "application_id", "date", "ground", "uam", "cit",
                            "new", "next_app")},
        {"person_id": new_ids, "application_id": np.full(n_new, NA_ID),
         "date": new["date"], "ground": new["ground"], "uam": new["uam"], "cit": new["cit"],
         "new": np.ones(n_new, bool),
         "next_app": np.full(n_new, np.iinfo(np.int32).max, np.int64)}])
    orders = _order_details(rng, orders)
    base = P.MEAN_DEPARTURE_RATE / np.mean(_per_code(orders["cit"], P.RETURN_PROPENSITY, 0.7))
    dep = _departures(rng, orders, np.flatnonzero(orders["withdrawn"] == NA_DATE), base)
    # a second order for some persons who never applied and did not leave
    left = np.zeros(len(orders["date"]), bool)
    left[dep["order"]] = True
    again = orders["new"] & ~left & (orders["withdrawn"] == NA_DATE) & ~orders["uam"]
    again &= rng.random(len(again)) < P.P_REPEAT_ORDER
    rows = np.flatnonzero(again)
    date = orders["date"][rows].astype(np.int64) + rng.integers(60, 721, len(rows))
    rows, date = rows[date <= P.END], date[date <= P.END]
    repeat = {k: v[rows] for k, v in orders.items()
              if k in ("person_id", "application_id", "cit", "new", "next_app")}
    repeat.update(date=date.astype(np.int32), ground=np.full(len(rows), IRR, np.int16),
                  uam=np.zeros(len(rows), bool))
    repeat = _order_details(rng, repeat)
    n1 = len(orders["date"])
    orders = concat([orders, repeat])
    dep2 = _departures(rng, orders, n1 + np.flatnonzero(repeat["withdrawn"] == NA_DATE), base)
    _decision_table(rng, world, orders)
    _departure_table(rng, world, orders, concat([dep, dep2]))
    log.info("return decisions: %d (%d to persons who never applied), departures: %d",
             len(orders["date"]), n_new, len(world.tables["return_departure"]["departure_id"]))


def _order_details(rng: np.random.Generator, o: Columns) -> Columns:
    """Voluntary departure period and withdrawal of each order."""
    n = len(o["date"])
    o["vdd"] = np.where(o["ground"] == PUB, 0, _vdd(rng, n))
    withdrawn = o["date"].astype(np.int64) + rng.integers(10, 181, n)
    o["withdrawn"] = np.where((rng.random(n) < P.P_RETURN_DECISION_WITHDRAWN)
                              & (withdrawn <= P.END), withdrawn, NA_DATE).astype(np.int32)
    return o


def _ids(table: str, date: np.ndarray) -> np.ndarray:
    order = np.lexsort((np.arange(len(date)), date))
    out = np.empty(len(date), np.int64)
    out[order] = P.ID_BASE[table] + 1 + np.arange(len(date))
    return out


def _decision_table(rng: np.random.Generator, world: World, o: Columns) -> None:
    n = len(o["date"])
    world.vocab[("return_decision", "ground")] = list(GROUNDS)
    t0 = load_time(rng, o["date"])
    t_w = np.where(o["withdrawn"] != NA_DATE, load_time(rng, o["withdrawn"]), NO_TIME)
    t_w = np.where(t_w <= t0, NO_TIME, t_w)
    fix = rng.random(n) < P.P_RETURN_DECISION_CORRECTED
    t_fix = load_time(rng, o["date"].astype(np.int64) + rng.integers(20, 400, n))
    fix &= t_fix > t0 + 86400
    ground = o["ground"]
    # a correction: the ground of an order to a person who never applied (irregular stay and
    # end of stay confused), or the voluntary departure period of an order after a rejection
    old_ground = np.where(ground == IRR, EOS, IRR).astype(np.int16)
    old_vdd = np.where(o["vdd"] == 30, 0, 30)
    world.tables["return_decision"] = {
        "return_decision_id": (rd_id := _ids("return_decision", o["date"])),
        "person_id": o["person_id"], "application_id": o["application_id"],
        "decision_date": o["date"].astype(np.int32), "ground": ground.astype(np.int16),
        "voluntary_departure_days": o["vdd"].astype(np.int64),
        "unaccompanied_minor": o["uam"].astype(bool),
        "withdrawn_date": o["withdrawn"].astype(np.int32),
        "_t0": t0, "_twithdrawn_date": t_w, "_tfix": np.where(fix, t_fix, NO_TIME),
        "_tdel": np.full(n, NO_TIME),
        "_old_ground": np.where(fix & (ground != IPR), old_ground, ground).astype(np.int16),
        "_old_voluntary_departure_days": np.where(fix & (ground == IPR), old_vdd,
                                                  o["vdd"]).astype(np.int64),
        "_departed": np.zeros(n, bool), "_dublin_citizen": np.zeros(n, bool),
    }
    o["id"] = rd_id


def _departure_table(rng: np.random.Generator, world: World, o: Columns, dep: Columns) -> None:
    m = len(dep["date"])
    world.vocab[("return_departure", "return_type")] = list(RETURN_TYPES)
    world.vocab[("return_departure", "destination_country")] = []
    dest = _encode(world, "return_departure", "destination_country", dep["dest"])
    world.tables["return_decision"]["_departed"][dep["order"]] = True
    t0 = load_time(rng, dep["date"])
    u = rng.random(m)
    late = u < P.P_LATE_CONFIRMATION
    corrected = ~late & (u < P.P_LATE_CONFIRMATION + P.P_ASSISTED_CORRECTED) & (
        dep["assisted"] != NA_BOOL)
    t_fix = load_time(rng, dep["date"].astype(np.int64) + rng.integers(3, 41, m))
    ok = (late | corrected) & (t_fix > t0)
    world.tables["return_departure"] = {
        "departure_id": _ids("return_departure", dep["date"]),
        "person_id": o["person_id"][dep["order"]], "return_decision_id": o["id"][dep["order"]],
        "departure_date": dep["date"], "return_type": dep["rtype"].astype(np.int16),
        "assisted": dep["assisted"], "destination_country": dest,
        "confirmed": np.ones(m, bool),
        "_t0": t0, "_tfix": np.where(ok, t_fix, NO_TIME), "_tdel": np.full(m, NO_TIME),
        "_old_confirmed": ~(ok & late),
        "_old_assisted": np.where(ok & corrected, 1 - dep["assisted"],
                                  dep["assisted"]).astype(np.int8),
        "_decided": o["date"][dep["order"]].astype(np.int32),
    }


# ------------------------------------------------------------------------- planted faults

def _dublin_citizens(pl: Planter, world: World, rate: float) -> None:
    """Return decisions for citizens of Belgium or another Dublin state: new persons, one
    order each, never departing (``return_decision_dublin_citizen``)."""
    rd = world.tables["return_decision"]
    n = max(3, int(round(rate * len(rd["return_decision_id"]))))
    rng = pl.rng
    codes = np.array(list(P.DUBLIN_CITIZEN_WEIGHTS), dtype=CODE)
    w = np.array(list(P.DUBLIN_CITIZEN_WEIGHTS.values()))
    orders = {"date": (P.START + rng.integers(0, P.END - P.START + 1, n)).astype(np.int32),
              "cit": codes[rng.choice(len(codes), size=n, p=w / w.sum())],
              "uam": np.zeros(n, bool), "minor": np.zeros(n, bool),
              "dublin": np.ones(n, bool)}
    first_id = int(world.tables["person"]["person_id"].max()) + 1
    person_id = _person_rows(rng, world, orders, first_id)
    first_rd = int(rd["return_decision_id"].max()) + 1
    order = np.lexsort((np.arange(n), orders["date"]))
    rd_id = np.empty(n, np.int64)
    rd_id[order] = first_rd + np.arange(n)
    t0 = load_time(rng, orders["date"])
    ground = np.where(rng.random(n) < 0.7, IRR, PUB).astype(np.int16)
    vdd = np.where(ground == PUB, 0, 30).astype(np.int64)
    new = {
        "return_decision_id": rd_id, "person_id": person_id,
        "application_id": np.full(n, NA_ID), "decision_date": orders["date"],
        "ground": ground, "voluntary_departure_days": vdd,
        "unaccompanied_minor": np.zeros(n, bool), "withdrawn_date": np.full(n, NA_DATE, np.int32),
        "_t0": t0, "_twithdrawn_date": np.full(n, NO_TIME), "_tfix": np.full(n, NO_TIME),
        "_tdel": np.full(n, NO_TIME), "_old_ground": ground, "_old_voluntary_departure_days": vdd,
        "_departed": np.zeros(n, bool), "_dublin_citizen": np.ones(n, bool),
    }
    world.tables["return_decision"] = {k: np.concatenate([rd[k], new[k].astype(rd[k].dtype)])
                                       for k in rd}
    pl.used["return_decision"] = np.concatenate([pl.used["return_decision"],
                                                 np.ones(n, bool)])
    pl.count("return_decision_dublin_citizen", n)


def plant_return_faults(rng: np.random.Generator, world: World) -> dict[str, int]:
    """Plant the return tables' fault classes; returns their exact counts."""
    pl = Planter(rng, world)
    rd = world.tables["return_decision"]
    dp = world.tables["return_departure"]
    n_rd = len(rd["return_decision_id"])
    n_dp = len(dp["departure_id"])
    t = "return_departure"
    everyone = np.ones(n_dp, bool)

    idx = pl.pick(t, everyone, 0.01)
    dp["return_decision_id"][idx] = NA_ID
    pl.count("departure_without_return_decision", len(idx))
    idx = pl.pick(t, everyone, 0.005)
    dp["return_decision_id"][idx] = pl.orphan_ids("return_decision", len(idx))
    pl.count("orphan_departure_return_decision", len(idx))
    idx = pl.pick(t, dp["_decided"] > P.START + 60, 0.005)  # the departure stays in the span
    dp["departure_date"][idx] = dp["_decided"][idx] - rng.integers(1, 61, len(idx))
    pl.count("departure_before_return_decision", len(idx))
    pl.set_codes(t, "destination_country", idx := pl.pick(t, everyone, 0.003), ["BEL"])
    pl.count("departure_to_belgium", len(idx))
    idx = pl.pick(t, everyone, 0.02)
    dp["confirmed"][idx] = False
    dp["_old_confirmed"][idx] = False
    pl.count("unconfirmed_departure", len(idx))
    pl.messy(t, "return_type", idx := pl.pick(t, everyone, 0.003))
    pl.count("code_needs_normalisation_return_departure_return_type", len(idx))
    pl.set_codes(t, "return_type", idx := pl.pick(t, everyone, 0.001),
                 ["ESCORTED", "VOL", ""])
    pl.count("invalid_code_return_departure_return_type", len(idx))
    has_dest = dp["destination_country"] >= 0
    pl.messy(t, "destination_country", idx := pl.pick(t, has_dest, 0.003))
    pl.count("code_needs_normalisation_return_departure_destination_country", len(idx))
    pl.set_codes(t, "destination_country", idx := pl.pick(t, everyone, 0.001),
                 ["YUG", "", "XXK", "EUR", "maroc"])
    pl.count("invalid_code_return_departure_destination_country", len(idx))
    _duplicates(pl, t, everyone, 0.001)

    t = "return_decision"
    everyone = np.ones(n_rd, bool)
    pl.messy(t, "ground", idx := pl.pick(t, everyone, 0.002))
    pl.count("code_needs_normalisation_return_decision_ground", len(idx))
    pl.set_codes(t, "ground", idx := pl.pick(t, everyone, 0.0005), ["EXPULSION", "OQT", ""])
    pl.count("invalid_code_return_decision_ground", len(idx))
    _duplicates(pl, t, everyone, 0.001)
    _dublin_citizens(pl, world, 0.002)
    return dict(sorted(pl.counts.items()))
