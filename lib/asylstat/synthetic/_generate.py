"""Clean synthetic entities: cases, persons, applications, their histories and Dublin.

``generate`` returns a :class:`World` with one row per key and the timestamps that drive
system versioning; faults are planted afterwards (``_faults``), rows are versioned and written
by ``_write``.
"""

from __future__ import annotations

import logging

import numpy as np

from . import _dublin as D
from . import params as P
from ._lifecycle import GROUNDS, KINDS, OUTCOMES, lifecycle
from ._util import (
    NA_CODE,
    NA_DATE,
    NA_ID,
    NO_TIME,
    Columns,
    World,
    age_at,
    concat,
    load_time,
    month_starts,
)

log = logging.getLogger(__name__)

CHANNELS = tuple(P.CHANNEL)  # TERRITORY, BORDER, DETENTION, RESETTLEMENT
TERRITORY, BORDER, DETENTION, RESETTLEMENT = range(4)
SEXES = ("M", "F", "X")
CRISIS = (P.day(2022, 1, 1), P.day(2023, 12, 31))


# --- citizenship ---------------------------------------------------------------------------
def citizenship_table(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """All citizenship codes used and, per era, a probability row over them."""
    named = sorted({c for era in P.CITIZENSHIP_ERAS.values() for c in era}
                   | set(P.SECONDARY_CITIZENSHIPS))
    excluded = set(named) | set(P.DUBLIN_STATES) | {"GBR", "USA", "CAN", "AUS", "NZL"}
    tail = sorted(c for c in P.ISO_ALPHA3 if c not in excluded)
    tail = [tail[i] for i in rng.permutation(len(tail))]
    codes = named + tail
    zipf = 1.0 / (np.arange(len(tail)) + 20.0)
    probs = []
    for era in P.CITIZENSHIP_ERAS.values():
        row = np.zeros(len(codes))
        for c, w in {**P.SECONDARY_CITIZENSHIPS, **era}.items():
            row[codes.index(c)] = w
        row[len(named):] = P.TAIL_SHARE * zipf / zipf.sum()
        probs.append(row / row.sum())
    return codes, np.array(probs)


def era_of(dates: np.ndarray) -> np.ndarray:
    """Index of the citizenship era of integer dates."""
    years = dates.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    bounds = [hi for (_, hi) in P.CITIZENSHIP_ERAS]
    return np.searchsorted(np.array(bounds), years, side="left")


def draw_citizenship(
    rng: np.random.Generator, probs: np.ndarray, dates: np.ndarray,
) -> np.ndarray:
    """Citizenship index (into the code list) for events on the given dates."""
    era = np.minimum(era_of(dates), len(probs) - 1)
    out = np.empty(len(dates), dtype=np.int16)
    for e in range(len(probs)):
        m = era == e
        out[m] = rng.choice(probs.shape[1], size=int(m.sum()), p=probs[e])
    return out


# --- monthly volumes -----------------------------------------------------------------------
def monthly_counts(scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Initial and subsequent applications to generate per month (presentation month)."""
    init, sub = [], []
    for y in range(P.FIRST_YEAR, P.LAST_YEAR + 1):
        w = np.array(P.SEASON_BY_YEAR.get(y, P.SEASON))
        total = P.ANNUAL_APPLICATIONS[y] * scale * w / w.sum()
        s = P.SUBSEQUENT_SHARE[y]
        init.append(np.round(total * (1 - s)))
        sub.append(np.round(total * s))
    return np.concatenate(init).astype(np.int64), np.concatenate(sub).astype(np.int64)


# --- persons -------------------------------------------------------------------------------
def birth_from_age(ref: np.ndarray, age_years: np.ndarray) -> np.ndarray:
    """Birth dates for fractional ages at a reference date (spread over every calendar day)."""
    return (ref.astype(np.int64) - np.floor(age_years * 365.2425).astype(np.int64)).astype(
        np.int32)


def adult_age(rng: np.random.Generator, n: int) -> np.ndarray:
    """Age of a single adult: mostly 18–40, a thin tail beyond 65."""
    return 18.0 + np.minimum(rng.gamma(2.0, 7.0, n), 72.0)


def sex_codes(rng: np.random.Generator, p_male: np.ndarray) -> np.ndarray:
    """Sex index into ``SEXES`` (a tiny share X)."""
    n = len(p_male)
    sex = np.where(rng.random(n) < p_male, 0, 1)
    return np.where(rng.random(n) < P.P_SEX_X, 2, sex).astype(np.int16)


# --- cases ---------------------------------------------------------------------------------
def initial_cases(
    rng: np.random.Generator, n_per_month: np.ndarray, cit_probs: np.ndarray,
) -> Columns:
    """Case-level attributes of initial applications (one case = principal + family)."""
    starts = month_starts()
    lengths = np.diff(np.append(starts, P.day(P.LAST_YEAR + 1, 1, 1)))
    factor = 1.0 + P.P_FAMILY * (1.0 + P.FAMILY_EXTRA_MEAN)
    per_month = np.round(n_per_month / factor).astype(np.int64)
    month = np.repeat(np.arange(len(starts)), per_month)
    n = len(month)
    presented = starts[month] + np.floor(rng.random(n) * lengths[month]).astype(np.int64)
    family = rng.random(n) < P.P_FAMILY
    single = ~family
    uam = single & (rng.random(n) < P.P_UAM)
    minor = single & ~uam & (rng.random(n) < P.P_MINOR_PRINCIPAL)
    p = np.array(list(P.CHANNEL.values()))
    channel = rng.choice(4, size=n, p=p / p.sum()).astype(np.int16)
    channel[uam] = TERRITORY
    cit = draw_citizenship(rng, cit_probs, presented)
    return {
        "presented": presented.astype(np.int32), "single": single, "uam": uam,
        "minor": minor, "channel": channel, "cit": cit,
        "n_extra": np.where(family, 1 + rng.poisson(P.FAMILY_EXTRA_MEAN, n), 0),
        "is_sub": np.zeros(n, bool),
    }


def steps(rng: np.random.Generator, c: Columns) -> None:
    """Registration, lodging and procedure of cases (in place)."""
    n = len(c["presented"])
    pres = c["presented"].astype(np.int64)
    reg_delay = np.where(rng.random(n) < 0.85, 0, rng.integers(1, 4, n))
    crisis = ((pres >= CRISIS[0]) & (pres <= CRISIS[1]) & c["single_man"]
              & (c["channel"] == TERRITORY) & ~c["is_sub"])
    reg_delay = np.where(crisis & (rng.random(n) < 0.7), rng.integers(7, 76, n), reg_delay)
    backlog = (pres >= P.day(2025, 12, 1)) & (rng.random(n) < 0.2)
    reg_delay = np.where(backlog, rng.integers(10, 46, n), reg_delay)
    reg_delay = np.where(c["channel"] == RESETTLEMENT, 0, reg_delay)
    reg = pres + reg_delay
    lodge = reg + np.where(rng.random(n) < 0.75, 0, rng.integers(1, 31, n))
    lodge = np.where(c["channel"] == RESETTLEMENT, reg, lodge)
    c["registered"] = np.where(reg <= P.END, reg, NA_DATE).astype(np.int32)
    c["lodged"] = np.where(lodge <= P.END, lodge, NA_DATE).astype(np.int32)
    p_acc = np.where((c["channel"] == BORDER) | (c["channel"] == DETENTION), 0.3,
                     P.P_ACCELERATED)
    c["accelerated"] = rng.random(n) < p_acc
    proc_date = lodge + np.where(rng.random(n) < 0.7, 0, rng.integers(5, 121, n))
    known = (c["lodged"] != NA_DATE) & (proc_date <= P.END)
    c["procedure"] = np.where(known, c["accelerated"].astype(np.int16), NA_CODE).astype(
        np.int16)  # 0 REGULAR, 1 ACCELERATED
    c["proc_date"] = np.where(known, proc_date, NA_DATE).astype(np.int32)


def family_persons(
    rng: np.random.Generator, c: Columns, cit_probs: np.ndarray,
) -> tuple[Columns, Columns]:
    """Applications (positions) and new persons of initial cases, principal first."""
    nc = len(c["presented"])
    extra = c["n_extra"]
    app_case = np.concatenate([np.arange(nc), np.repeat(np.arange(nc), extra)])
    rank = np.concatenate([np.zeros(nc, np.int64),
                           np.arange(extra.sum()) - np.repeat(np.cumsum(extra) - extra, extra)
                           + 1])
    order = np.lexsort((rank, app_case))
    app_case, rank = app_case[order], rank[order]
    n = len(app_case)
    principal = rank == 0
    ref = c["presented"][app_case].astype(np.int64)

    kind = np.where(c["uam"], 1, np.where(c["minor"], 2, np.where(c["single"], 0, 3)))
    pkind = kind[app_case]
    age = adult_age(rng, n)
    age = np.where(pkind == 3, 22.0 + np.minimum(rng.gamma(3.0, 4.5, n), 55.0), age)
    age = np.where(pkind == 1, np.where(rng.random(n) < 0.85, 14.0 + 4.0 * rng.random(n),
                                        10.0 + 4.0 * rng.random(n)), age)
    age = np.where(pkind == 2, 18.0 * rng.random(n), age)
    p_male = np.choose(pkind, [P.P_MALE["single"], P.P_MALE["uam"], P.P_MALE["minor"],
                               P.P_MALE["family"]])
    sex = sex_codes(rng, p_male)
    first_pos = np.flatnonzero(principal)[app_case]  # position of the case's principal
    spouse = (rank == 1) & (rng.random(n) < P.P_SPOUSE)
    child = ~principal & ~spouse
    p_age = age[first_pos]
    age = np.where(spouse, np.clip(p_age + rng.normal(-2.0, 4.0, n), 18.0, 85.0), age)
    age = np.where(child, 17.99 * rng.random(n), age)
    opposite = np.where(sex[first_pos] == 0, 1, 0)
    sex = np.where(spouse & (rng.random(n) < 0.95), opposite, sex).astype(np.int16)
    sex = np.where(child, sex_codes(rng, np.full(n, 0.5)), sex).astype(np.int16)
    birth = birth_from_age(ref, age)
    cit = c["cit"][app_case]
    mixed = ~principal & (rng.random(n) < 0.04)
    cit = np.where(mixed, draw_citizenship(rng, cit_probs, ref), cit).astype(np.int16)

    uam_app = c["uam"][app_case]
    apps = {"case": app_case, "person": np.arange(n, dtype=np.int64), "rank": rank,
            "principal_pos": np.where(principal, -1, first_pos).astype(np.int64)}
    persons = {"sex": sex, "birth": birth, "cit": cit, "first": ref.astype(np.int32),
               "uam": uam_app}
    return apps, persons


def keep_minors_minor(persons: Columns, apps: Columns, cases: Columns) -> None:
    """Unaccompanied minors are under 18 on the day they lodge (in place)."""
    c = apps["case"]
    uam = cases["uam"][c]
    lodged = cases["lodged"][c]
    at = np.where(lodged != NA_DATE, lodged, cases["presented"][c]).astype(np.int64)
    birth = persons["birth"][apps["person"]]
    too_old = uam & (age_at(birth, at) >= 18)
    persons["birth"][apps["person"][too_old]] = (at[too_old] - int(17.5 * 365.25)).astype(
        np.int32)


def case_factor(cit: np.ndarray, codes: list[str]) -> np.ndarray:
    """Protection propensity of each case from its citizenship."""
    lut = np.array([P.PROTECTION_FACTOR.get(code, 1.0) for code in codes])
    return lut[cit]


def subsequent_cases(
    rng: np.random.Generator, n_per_month: np.ndarray, eligible_from: np.ndarray,
    person_cit: np.ndarray, factor_lut: np.ndarray,
) -> tuple[Columns, dict[str, np.ndarray], np.ndarray]:
    """Subsequent applications month by month, from persons whose previous application
    ended in a final rejection before the month; returns cases, histories and persons."""
    starts = month_starts()
    lengths = np.diff(np.append(starts, P.day(P.LAST_YEAR + 1, 1, 1)))
    parts: list[Columns] = []
    lives: list[dict[str, np.ndarray]] = []
    chosen: list[np.ndarray] = []
    for m, start in enumerate(starts):
        cand = np.flatnonzero(eligible_from < start)
        k = int(min(n_per_month[m], len(cand)))
        if k == 0:
            continue
        who = np.sort(rng.choice(cand, size=k, replace=False))
        pres = start + np.floor(rng.random(k) * lengths[m]).astype(np.int64)
        chan = np.where(rng.random(k) < 0.95, TERRITORY, DETENTION).astype(np.int16)
        c = {"presented": pres.astype(np.int32), "single": np.ones(k, bool),
             "uam": np.zeros(k, bool), "minor": np.zeros(k, bool), "channel": chan,
             "cit": person_cit[who], "n_extra": np.zeros(k, np.int64),
             "is_sub": np.ones(k, bool), "single_man": np.zeros(k, bool)}
        steps(rng, c)
        life = lifecycle(rng, {
            "lodged": c["lodged"], "is_sub": c["is_sub"], "accelerated": c["accelerated"],
            "resettled": np.zeros(k, bool), "factor": factor_lut[c["cit"]],
            "dublin_stop": np.zeros(k, bool), "dublin_last": np.full(k, NA_DATE, np.int32)})
        nxt = np.where(life["final_neg"] != NA_DATE, life["final_neg"], np.iinfo(np.int32).max)
        eligible_from[who] = nxt
        parts.append(c)
        lives.append(life)
        chosen.append(who)
    return concat(parts), concat(lives), np.concatenate(chosen)


# --- assembly of the tables ----------------------------------------------------------------
def ranks(*keys: np.ndarray) -> np.ndarray:
    """Rank of each row when sorted by ``keys`` (most significant first), ties by position."""
    order = np.lexsort((np.arange(len(keys[0])), *reversed(keys)))
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.arange(len(order))
    return out


def generate(rng: np.random.Generator, scale: float) -> World:
    """Generate the clean synthetic warehouse content at the given scale."""
    world = World()
    codes, cit_probs = citizenship_table(rng)
    factor_lut = case_factor(np.arange(len(codes)), codes)
    n_init, n_sub = monthly_counts(scale)

    cases = initial_cases(rng, n_init, cit_probs)
    apps, persons = family_persons(rng, cases, cit_probs)
    pos0 = np.flatnonzero(apps["rank"] == 0)
    cases["app0"] = pos0
    cases["person0"] = apps["person"][pos0]
    cases["single_man"] = (cases["single"] & ~cases["uam"] & ~cases["minor"]
                           & (persons["sex"][cases["person0"]] == 0))
    steps(rng, cases)
    keep_minors_minor(persons, apps, cases)
    log.info("initial cases: %d, applications: %d", len(pos0), len(apps["case"]))

    req, dub = D.outgoing(rng, cases)
    life = lifecycle(rng, {
        "lodged": cases["lodged"], "is_sub": cases["is_sub"],
        "accelerated": cases["accelerated"], "resettled": cases["channel"] == RESETTLEMENT,
        "factor": factor_lut[cases["cit"]], "dublin_stop": dub["stop"],
        "dublin_last": dub["dublin_last"]})
    cases["closed"] = dub["closed"]

    n_persons = len(persons["sex"])
    eligible = np.full(n_persons, np.iinfo(np.int32).max, dtype=np.int64)
    fin = life["final_neg"][apps["case"]]
    eligible = np.where(fin != NA_DATE, fin, eligible)
    sub, sub_life, sub_person = subsequent_cases(rng, n_sub, eligible, persons["cit"],
                                                 factor_lut)
    ns = len(sub["presented"])
    nc0 = len(cases["presented"])
    sub["app0"] = len(apps["case"]) + np.arange(ns)
    sub["person0"] = sub_person
    sub["closed"] = np.full(ns, NA_DATE, np.int32)
    cases = concat([{k: cases[k] for k in sub}, sub])
    life = concat([life, sub_life])
    apps = concat([apps, {"case": nc0 + np.arange(ns), "person": sub_person,
                          "rank": np.zeros(ns, np.int64),
                          "principal_pos": np.full(ns, -1, np.int64)}])
    log.info("subsequent applications: %d", ns)

    closing = dub["accept_row"][(dub["accept_row"] >= 0) & dub["stop"]]
    tr_rows, tr_date = D.transfers(rng, req, closing, P.P_TRANSFER_OUT)
    uni_case, uni_partner, uni_date = D.unilateral(rng, req, dub["accept_row"], dub["stop"])

    app_lodged = cases["lodged"][apps["case"]]
    inc, n_new = D.incoming_and_info(rng, scale, app_lodged, apps["person"], n_persons)
    new_first = np.full(n_new, NA_DATE, np.int32)
    is_new = inc["person"] >= n_persons
    new_first[inc["person"][is_new] - n_persons] = inc["req"][is_new]
    new_uam = np.zeros(n_new, bool)
    new_uam[inc["person"][is_new] - n_persons] = inc["uam"][is_new]
    age = np.where(new_uam, 15.0 + 3.0 * rng.random(n_new), adult_age(rng, n_new))
    persons = concat([persons, {
        "sex": sex_codes(rng, np.full(n_new, 0.75)),
        "birth": birth_from_age(new_first, age),
        "cit": draw_citizenship(rng, cit_probs, new_first), "first": new_first,
        "uam": np.zeros(n_new, bool)}])
    inc_acc = np.flatnonzero((inc["reply"] == D.ACC) | (inc["reply"] == D.IMPL))
    n_out = len(req["req"])
    inc["reexam_of"] = np.where(inc["reexam_of"] >= 0, inc["reexam_of"] + n_out, -1)
    req = concat([req, inc])
    tr_in_rows, tr_in_date = D.transfers(rng, req, inc_acc + n_out, P.P_TRANSFER_IN)
    tr_rows = np.concatenate([tr_rows, tr_in_rows])
    tr_date = np.concatenate([tr_date, tr_in_date])

    _assemble(rng, world, codes, persons, cases, apps, life, req, (tr_rows, tr_date),
              (uni_case, uni_partner, uni_date))
    return world


def _app_columns(cases: Columns, apps: Columns) -> Columns:
    """Application attributes inherited from the case."""
    c = apps["case"]
    return {k: cases[k][c] for k in ("presented", "registered", "lodged", "channel",
                                     "procedure", "proc_date", "uam", "is_sub", "closed")}


def _assemble(
    rng: np.random.Generator, world: World, codes: list[str], persons: Columns,
    cases: Columns, apps: Columns, life: dict[str, np.ndarray], req: Columns,
    transfers: tuple[np.ndarray, np.ndarray], uni: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Turn positions into identifiers and fill ``world.tables`` with contract columns."""
    for table, column, words in (
        ("person", "sex", SEXES), ("person", "citizenship", codes),
        ("application", "legal_type", ("INITIAL", "SUBSEQUENT")),
        ("application", "channel", CHANNELS),
        ("application", "procedure", ("REGULAR", "ACCELERATED")),
        ("decision", "instance", ("FIRST", "APPEAL")), ("decision", "outcome", OUTCOMES),
        ("decision", "rejection_ground", GROUNDS), ("withdrawal", "kind", KINDS),
        ("dublin_request", "direction", ("OUT", "IN")),
        ("dublin_request", "partner_country", P.PARTNERS),
        ("dublin_request", "request_type", D.TYPES),
        ("dublin_request", "legal_basis", P.LEGAL_BASES),
        ("dublin_request", "reply", D.REPLIES),
        ("dublin_unilateral", "partner_country", P.PARTNERS),
        ("dublin_unilateral", "legal_basis", ("ART17_1",)),
    ):
        world.vocab[(table, column)] = list(words)

    # persons: identifiers in order of first appearance
    p_rank = ranks(persons["first"])
    person_id = P.ID_BASE["person"] + 1 + p_rank
    a = _app_columns(cases, apps)
    a_rank = ranks(a["presented"], apps["case"], apps["rank"])
    app_id = P.ID_BASE["application"] + 1 + a_rank
    n_apps = len(app_id)

    first_ts = load_time(rng, persons["first"])
    n_p = len(person_id)
    fix = rng.random(n_p) < P.P_PERSON_CORRECTED
    fix &= ~persons["uam"]
    t_fix = load_time(rng, persons["first"].astype(np.int64) + rng.integers(20, 900, n_p))
    fix &= t_fix > first_ts + 86400
    what = rng.integers(0, 3, n_p)
    old_birth = persons["birth"].astype(np.int64) + np.where(
        rng.random(n_p) < 0.5, rng.integers(-1800, -300, n_p), rng.integers(300, 1800, n_p))
    old_birth = np.minimum(old_birth, persons["first"].astype(np.int64) - 1)
    old_cit = np.where(persons["cit"] == 0, 1, persons["cit"] - 1).astype(np.int16)
    old_sex = np.where(persons["sex"] == 0, 1, 0).astype(np.int16)
    world.tables["person"] = {
        "person_id": person_id, "sex": persons["sex"], "birth_date": persons["birth"],
        "citizenship": persons["cit"],
        "_t0": first_ts, "_tfix": np.where(fix, t_fix, NO_TIME), "_tdel": np.full(n_p, NO_TIME),
        "_old_sex": np.where(fix & (what == 0), old_sex, persons["sex"]).astype(np.int16),
        "_old_birth_date": np.where(fix & (what == 1), old_birth, persons["birth"]).astype(
            np.int32),
        "_old_citizenship": np.where(fix & (what == 2), old_cit, persons["cit"]).astype(
            np.int16),
        "_uam": persons["uam"],
    }

    # applications
    base_day = np.where(a["lodged"] != NA_DATE, a["lodged"],
                        np.where(a["registered"] != NA_DATE, a["registered"], a["presented"]))
    t0 = load_time(rng, base_day)
    t_proc = np.where((a["proc_date"] != NA_DATE) & (a["proc_date"] > a["lodged"]),
                      load_time(rng, a["proc_date"]), NO_TIME)
    t_close = np.where(a["closed"] != NA_DATE, load_time(rng, a["closed"]), NO_TIME)
    t_proc = np.where(t_proc <= t0, NO_TIME, t_proc)
    t_close = np.where(t_close <= t0, NO_TIME, t_close)
    t_close = np.where((t_close == t_proc) & (t_close != NO_TIME), t_close + 1, t_close)
    principal = np.where(apps["principal_pos"] >= 0, app_id[np.maximum(apps["principal_pos"],
                                                                        0)], NA_ID)
    world.tables["application"] = {
        "application_id": app_id, "person_id": person_id[apps["person"]],
        "principal_application_id": principal,
        "legal_type": a["is_sub"].astype(np.int16), "channel": a["channel"],
        "presented_date": a["presented"], "registered_date": a["registered"],
        "lodged_date": a["lodged"], "procedure": a["procedure"],
        "unaccompanied_minor": a["uam"], "dublin_closed_date": a["closed"],
        "_t0": t0, "_tprocedure": t_proc, "_tdublin_closed_date": t_close,
        "_tdel": np.full(n_apps, NO_TIME), "_case": apps["case"],
        "_person_pos": apps["person"],
    }

    _decisions(rng, world, apps["case"], app_id, life)
    _withdrawals(rng, world, apps["case"], app_id, life)
    _requests(rng, world, req, app_id, person_id, cases, transfers, uni)


def _decisions(
    rng: np.random.Generator, world: World, app_case: np.ndarray, app_id: np.ndarray,
    life: dict[str, np.ndarray],
) -> None:
    """Decision and appeal rows of every application (family members share the history)."""
    rows: list[Columns] = []
    stages = (("d1", "o1", "g1", "f1", 0), ("ad1", "ao1", "ag1", None, 1),
              ("d2", "o2", "g2", "f2", 0), ("ad2", "ao2", "ag2", None, 1))
    for s, (dk, ok, gk, fk, inst) in enumerate(stages):
        date = life[dk][app_case]
        pos = np.flatnonzero(date != NA_DATE)
        cs = app_case[pos]
        out = life[ok][cs]
        if fk is None:
            final = np.where(out != 4, life[dk][cs], NA_DATE)
        else:
            final = life[fk][cs]
        rows.append({"app": pos, "stage": np.full(len(pos), s), "inst": np.full(len(pos), inst),
                     "date": date[pos], "outcome": out, "ground": life[gk][cs],
                     "final": final.astype(np.int32)})
    d = concat(rows)
    n = len(d["app"])
    dec_id = P.ID_BASE["decision"] + 1 + ranks(d["date"], d["app"], d["stage"])
    t0 = load_time(rng, d["date"])
    t_final = np.where(d["final"] != NA_DATE, load_time(rng, d["final"]), NO_TIME)
    t_final = np.where(t_final <= t0, NO_TIME, t_final)
    world.tables["decision"] = {
        "decision_id": dec_id, "application_id": app_id[d["app"]],
        "instance": d["inst"].astype(np.int16), "decision_date": d["date"].astype(np.int32),
        "outcome": d["outcome"].astype(np.int16), "rejection_ground": d["ground"],
        "final_date": d["final"], "_t0": t0, "_tfinal_date": t_final,
        "_tdel": np.full(n, NO_TIME), "_app_pos": d["app"], "_stage": d["stage"],
    }
    # appeals: against stage 0 (ruled by stage 1) and stage 2 (ruled by stage 3)
    key = d["app"] * 4 + d["stage"]
    lookup = np.full(len(app_case) * 4, NA_ID, dtype=np.int64)
    lookup[key] = dec_id
    parts: list[Columns] = []
    for lk, ak, against in (("a1", "ad1", 0), ("a2", "ad2", 2)):
        lodged = life[lk][app_case]
        pos = np.flatnonzero(lodged != NA_DATE)
        parts.append({"app": pos, "lodged": lodged[pos],
                      "dec": lookup[pos * 4 + against], "ruling": lookup[pos * 4 + against + 1],
                      "ruled": life[ak][app_case][pos]})
    ap = concat(parts)
    m = len(ap["app"])
    t0 = load_time(rng, ap["lodged"])
    t_dec = np.where(ap["ruled"] != NA_DATE, load_time(rng, ap["ruled"]), NO_TIME)
    t_dec = np.where(t_dec <= t0, NO_TIME, t_dec)
    world.tables["appeal"] = {
        "appeal_id": P.ID_BASE["appeal"] + 1 + ranks(ap["lodged"], ap["app"]),
        "application_id": app_id[ap["app"]], "decision_id": ap["dec"],
        "lodged_date": ap["lodged"].astype(np.int32), "appeal_decision_id": ap["ruling"],
        "_t0": t0, "_tappeal_decision_id": t_dec, "_tdel": np.full(m, NO_TIME),
    }


def _withdrawals(
    rng: np.random.Generator, world: World, app_case: np.ndarray, app_id: np.ndarray,
    life: dict[str, np.ndarray],
) -> None:
    """Withdrawal rows (family members withdraw with the principal)."""
    date = life["w"][app_case]
    pos = np.flatnonzero(date != NA_DATE)
    n = len(pos)
    t0 = load_time(rng, date[pos])
    deleted = rng.random(n) < 0.004
    t_del = np.where(deleted, t0 + rng.integers(5, 200, n) * 86400, NO_TIME)
    t_del = np.where(t_del > P.LOAD_END_TS, NO_TIME, t_del)
    world.tables["withdrawal"] = {
        "withdrawal_id": P.ID_BASE["withdrawal"] + 1 + ranks(date[pos], pos),
        "application_id": app_id[pos], "withdrawal_date": date[pos],
        "kind": life["wk"][app_case][pos], "_t0": t0, "_tdel": t_del, "_app_pos": pos,
    }


def _requests(
    rng: np.random.Generator, world: World, req: Columns, app_id: np.ndarray,
    person_id: np.ndarray, cases: Columns, transfers: tuple[np.ndarray, np.ndarray],
    uni: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Dublin requests, transfers and unilateral decisions."""
    n = len(req["req"])
    rid = P.ID_BASE["dublin_request"] + 1 + ranks(req["req"], np.arange(n))
    t0 = load_time(rng, req["req"])
    t_reply = np.where(req["reply_date"] != NA_DATE, load_time(rng, req["reply_date"]),
                       NO_TIME)
    t_reply = np.where(t_reply <= t0, NO_TIME, t_reply)
    deleted = (req["rtype"] == D.INFO) & (rng.random(n) < 0.005)
    t_del = np.where(deleted, np.maximum(t0, np.where(t_reply == NO_TIME, 0, t_reply))
                     + rng.integers(5, 200, n) * 86400, NO_TIME)
    t_del = np.where(t_del > P.LOAD_END_TS, NO_TIME, t_del)
    has_transfer = np.zeros(n, bool)
    has_transfer[transfers[0]] = True
    reexamined = np.zeros(n, bool)
    reexamined[req["reexam_of"][req["reexam_of"] >= 0]] = True
    world.tables["dublin_request"] = {
        "request_id": rid, "direction": req["direction"], "partner_country": req["partner"],
        "person_id": person_id[req["person"]],
        "application_id": np.where(req["app"] >= 0, app_id[np.maximum(req["app"], 0)], NA_ID),
        "request_type": req["rtype"], "legal_basis": req["basis"],
        "eurodac_hit": req["hit"], "unaccompanied_minor": req["uam"],
        "reexamination_of": np.where(req["reexam_of"] >= 0,
                                     rid[np.maximum(req["reexam_of"], 0)], NA_ID),
        "request_date": req["req"], "reply": req["reply"], "reply_date": req["reply_date"],
        "transfer_deadline": req["deadline"],
        "_t0": t0, "_treply": t_reply, "_treply_date": t_reply, "_ttransfer_deadline": t_reply,
        "_tdel": t_del, "_has_transfer": has_transfer, "_reexamined": reexamined,
        "_case": req["case"],
    }
    rows, date = transfers
    m = len(rows)
    world.tables["dublin_transfer"] = {
        "transfer_id": P.ID_BASE["dublin_transfer"] + 1 + ranks(date, rows),
        "request_id": rid[rows], "transfer_date": date.astype(np.int32),
        "_t0": load_time(rng, date), "_tdel": np.full(m, NO_TIME), "_req_pos": rows,
    }
    case, partner, udate = uni
    k = len(case)
    world.tables["dublin_unilateral"] = {
        "unilateral_id": P.ID_BASE["dublin_unilateral"] + 1 + ranks(udate, case),
        "person_id": person_id[cases["person0"][case]],
        "application_id": app_id[cases["app0"][case]],
        "partner_country": partner, "decision_date": udate.astype(np.int32),
        "legal_basis": np.zeros(k, np.int16), "_t0": load_time(rng, udate),
        "_tdel": np.full(k, NO_TIME),
    }
