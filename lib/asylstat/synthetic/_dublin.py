"""Dublin III: outgoing requests for applications, incoming requests, information requests,
re-examinations, replies, transfers and unilateral (art. 17(1)) decisions — vectorised.

Requests are returned as column dicts with positions (not identifiers yet): ``case`` (the
outgoing case, -1 otherwise), ``app``/``person`` positions (-1 = none) and ``reexam_of``
(row position of the re-examined request within the same dict, -1 = none).
"""

from __future__ import annotations

import numpy as np

from . import params as P
from ._util import NA_DATE, Columns, add_months, concat

TYPES = ("TAKE_CHARGE", "TAKE_BACK", "INFO")
TC, TB, INFO = range(3)
REPLIES = ("ACCEPTED", "IMPLICIT_ACCEPTANCE", "REJECTED", "ANSWERED")
ACC, IMPL, REJD, ANSW = range(4)
BASES = P.LEGAL_BASES
PARTNER_CODES = P.PARTNERS  # index space of partner codes used here
ITA = PARTNER_CODES.index("ITA")


def _partner_draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = list(weights)
    prob = np.array([weights[k] for k in keys], dtype=float)
    idx = rng.choice(len(keys), size=n, p=prob / prob.sum())
    lut = np.array([PARTNER_CODES.index(k) for k in keys], dtype=np.int16)
    return lut[idx]


def _types_and_bases(
    rng: np.random.Generator, n: int, force_tc: np.ndarray, p_tb: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Request type, legal basis (index into ``LEGAL_BASES``) and Eurodac hit flag."""
    rtype = np.where((rng.random(n) < p_tb) & ~force_tc, TB, TC).astype(np.int16)
    tc_basis = rng.choice(len(P.TC_BASES), size=n, p=np.array(P.TC_BASIS_WEIGHTS))
    tc_basis = np.where(force_tc & (rng.random(n) < 0.6), P.TC_BASES.index("ART8"), tc_basis)
    tb_basis = len(P.TC_BASES) + rng.choice(len(P.TB_BASES), size=n,
                                            p=np.array(P.TB_BASIS_WEIGHTS))
    basis = np.where(rtype == TB, tb_basis, tc_basis).astype(np.int16)
    p_hit = np.where(rtype == TB, 0.97,
                     np.where(basis == P.TC_BASES.index("ART13"), 0.75, 0.25))
    return rtype, basis, rng.random(n) < p_hit


def _replies(
    rng: np.random.Generator, rtype: np.ndarray, hit: np.ndarray, req: np.ndarray,
    mix: dict[str, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Reply code (-1 = none yet) and date for take-charge / take-back requests."""
    n = len(req)
    keys = list(mix)
    p = np.array([mix[k] for k in keys])
    reply = np.array([REPLIES.index(k) for k in keys], dtype=np.int16)[
        rng.choice(len(keys), size=n, p=p / p.sum())]
    limit = np.where(rtype == TC, 60, np.where(hit, 14, 30))
    explicit = req + 2 + np.floor(rng.random(n) * (limit - 1)).astype(np.int64)
    implicit = np.where(rtype == TC, add_months(req, 2), req + 14)
    date = np.where(reply == IMPL, implicit, explicit)
    late = date > P.END
    return np.where(late, -1, reply).astype(np.int16), np.where(late, NA_DATE, date)


def _request_cols(
    n: int, *, case: np.ndarray, app: np.ndarray, person: np.ndarray, direction: int,
    partner: np.ndarray, rtype: np.ndarray, basis: np.ndarray, hit: np.ndarray,
    uam: np.ndarray, req: np.ndarray, reply: np.ndarray, reply_date: np.ndarray,
) -> Columns:
    return {
        "case": case.astype(np.int64), "app": app.astype(np.int64),
        "person": person.astype(np.int64), "direction": np.full(n, direction, np.int16),
        "partner": partner.astype(np.int16), "rtype": rtype.astype(np.int16),
        "basis": basis.astype(np.int16), "hit": hit.astype(bool), "uam": uam.astype(bool),
        "reexam_of": np.full(n, -1, np.int64), "req": req.astype(np.int32),
        "reply": reply.astype(np.int16), "reply_date": reply_date.astype(np.int32),
        "deadline": np.full(n, NA_DATE, np.int32),
    }


def _add_reexaminations(rng: np.random.Generator, r: Columns, p_accept: float) -> Columns:
    """Append re-examination requests for a share of rejected requests."""
    base = np.flatnonzero((r["reply"] == REJD) & (rng.random(len(r["req"])) < P.P_REEXAM))
    req = r["reply_date"][base].astype(np.int64) + rng.integers(1, 22, len(base))
    base, req = base[req <= P.END], req[req <= P.END]
    m = len(base)
    reply = np.where(rng.random(m) < p_accept, ACC, REJD).astype(np.int16)
    date = req + rng.integers(5, 29, m)
    late = date > P.END
    new = {k: v[base].copy() for k, v in r.items()}
    new.update(req=req.astype(np.int32), reexam_of=base.astype(np.int64),
               reply=np.where(late, -1, reply).astype(np.int16),
               reply_date=np.where(late, NA_DATE, date).astype(np.int32))
    return concat([r, new])


def outgoing(
    rng: np.random.Generator, cases: Columns,
) -> tuple[Columns, dict[str, np.ndarray]]:
    """Outgoing requests for eligible cases and the per-case Dublin result.

    Returns the requests and per case: ``dublin_last`` (last reply or request date),
    ``closed`` (Dublin closure date), ``stop`` (closure decided, even if after END),
    ``accept_row`` (request row that led to acceptance, -1).
    """
    nc = len(cases["presented"])
    elig = (cases["single"] & (cases["channel"] == 0) & ~cases["minor"] & ~cases["is_sub"]
            & (cases["registered"] != NA_DATE))
    dub = elig & (rng.random(nc) < np.where(cases["uam"], 0.1, P.P_DUBLIN))
    dcase = np.flatnonzero(dub)
    k = 1 + np.minimum(rng.poisson(P.EXTRA_STATES_MEAN, len(dcase)), 3)
    case = np.repeat(dcase, k)
    partner = _partner_draw(rng, P.PARTNER_OUT, len(case))
    _, first = np.unique(case * 64 + partner, return_index=True)  # one request per state
    case, partner = case[first], partner[first]
    req_delay = rng.integers(3, 76, nc)  # all states asked at once
    req = cases["registered"][case].astype(np.int64) + req_delay[case]
    keep = req <= P.END
    case, partner, req = case[keep], partner[keep], req[keep]
    n = len(case)
    uam = cases["uam"][case]
    rtype, basis, hit = _types_and_bases(rng, n, uam, P.P_TAKE_BACK)
    reply, reply_date = _replies(rng, rtype, hit, req, P.REPLY_OUT)
    r = _request_cols(n, case=case, app=cases["app0"][case], person=cases["person0"][case],
                      direction=0, partner=partner, rtype=rtype, basis=basis, hit=hit,
                      uam=uam, req=req, reply=reply, reply_date=reply_date)
    r = _add_reexaminations(rng, r, 0.35)
    n = len(r["req"])

    last = np.full(nc, NA_DATE, dtype=np.int32)
    known = np.where(r["reply_date"] != NA_DATE, r["reply_date"], r["req"])
    np.maximum.at(last, r["case"], known)
    accepted = np.flatnonzero((r["reply"] == ACC) | (r["reply"] == IMPL))
    order = accepted[np.lexsort((accepted, r["reply_date"][accepted], r["case"][accepted]))]
    acc_case, pos = np.unique(r["case"][order], return_index=True)
    acc_row = order[pos]
    accept_row = np.full(nc, -1, dtype=np.int64)
    accept_row[acc_case] = acc_row
    acc_date = r["reply_date"][acc_row].astype(np.int64)
    stop_c = rng.random(len(acc_case)) < P.P_DUBLIN_CLOSED
    closed_c = acc_date + rng.integers(3, 31, len(acc_case))
    stop = np.zeros(nc, dtype=bool)
    stop[acc_case] = stop_c
    closed = np.full(nc, NA_DATE, dtype=np.int32)
    closed[acc_case] = np.where(stop_c & (closed_c <= P.END), closed_c, NA_DATE)

    extend = np.zeros(n, dtype=bool)
    extend[acc_row] = stop_c & (rng.random(len(acc_row)) < 0.04)
    r["deadline"] = np.where(extend, add_months(r["reply_date"], 18), NA_DATE).astype(np.int32)
    return r, {"dublin_last": last, "closed": closed, "stop": stop, "accept_row": accept_row}


def transfers(
    rng: np.random.Generator, r: Columns, rows: np.ndarray, p: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Transfers for accepted request ``rows`` (probability ``p``; none to Italy).

    Extends the transfer time limit (12 or 18 months) for a share of them, in ``r``.
    Returns (request row, transfer date) of the transfers carried out by END.
    """
    go = (rng.random(len(rows)) < p) & (r["partner"][rows] != ITA)
    rows = rows[go]
    m = len(rows)
    reply = r["reply_date"][rows].astype(np.int64)
    ext = rng.random(m) < 0.12
    months = np.where(rng.random(m) < 0.7, 18, 12)
    deadline = add_months(reply, months)
    late = reply + 185 + np.floor(rng.random(m) * (deadline - reply - 185)).astype(np.int64)
    date = np.where(ext, late, reply + rng.integers(15, 176, m))
    r["deadline"][rows[ext]] = deadline[ext]
    done = date <= P.END
    return rows[done], date[done]


def unilateral(
    rng: np.random.Generator, r: Columns, accept_row: np.ndarray, stop: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Art. 17(1) decisions for accepted but not closed cases: (case, partner/-1, date)."""
    cand = np.flatnonzero((accept_row >= 0) & ~stop)
    cand = cand[rng.random(len(cand)) < P.P_UNILATERAL]
    rows = accept_row[cand]
    date = r["reply_date"][rows].astype(np.int64) + rng.integers(10, 121, len(cand))
    partner = np.where(rng.random(len(cand)) < 0.9, r["partner"][rows], -1)
    ok = date <= P.END
    return cand[ok], partner[ok].astype(np.int16), date[ok]


def _pick_app(
    rng: np.random.Generator, lodged_sorted: np.ndarray, order: np.ndarray,
    dates: np.ndarray, lag: int, window: int,
) -> np.ndarray:
    """An application lodged in ``[date - window, date - lag]`` for each date (-1 = none)."""
    lo = np.searchsorted(lodged_sorted, dates - window, side="left")
    hi = np.searchsorted(lodged_sorted, dates - lag, side="right")
    pos = lo + np.floor(rng.random(len(dates)) * np.maximum(hi - lo, 0)).astype(np.int64)
    return np.where(hi > lo, order[np.minimum(pos, len(order) - 1)], -1)


def incoming_and_info(
    rng: np.random.Generator, scale: float, app_lodged: np.ndarray, app_person: np.ndarray,
    n_persons: int,
) -> tuple[Columns, int]:
    """Incoming TC/TB requests (with re-examinations) and information requests both ways.

    Persons are existing applicants (with their application) or new persons numbered from
    ``n_persons`` upwards (positions); returns the requests and the number of new persons.
    """
    lodged_ok = np.flatnonzero(app_lodged != NA_DATE)
    order = lodged_ok[np.argsort(app_lodged[lodged_ok], kind="stable")]
    lodged_sorted = app_lodged[order].astype(np.int64)
    parts: list[Columns] = []
    next_person = n_persons

    def dates_for(per_year: dict[int, float]) -> np.ndarray:
        out = []
        for y, v in per_year.items():
            n = int(round(v * scale))
            lo, hi = P.day(y, 1, 1), P.day(y, 12, 31)
            out.append(np.sort(rng.integers(lo, hi + 1, n)))
        return np.concatenate(out).astype(np.int64)

    # incoming take charge / take back
    req = dates_for(P.ANNUAL_INCOMING)
    n = len(req)
    app = _pick_app(rng, lodged_sorted, order, req, 30, 4000)
    app = np.where(rng.random(n) < 0.55, app, -1)
    new = app < 0
    person = np.where(new, 0, app_person[np.maximum(app, 0)])
    person[new] = next_person + np.arange(new.sum())
    next_person += int(new.sum())
    uam = new & (rng.random(n) < 0.02)
    rtype, basis, hit = _types_and_bases(rng, n, np.zeros(n, bool), 0.65)
    reply, reply_date = _replies(rng, rtype, hit, req, P.REPLY_IN)
    parts.append(_add_reexaminations(rng, _request_cols(
        n, case=np.full(n, -1), app=app, person=person, direction=1,
        partner=_partner_draw(rng, P.PARTNER_IN, n), rtype=rtype, basis=basis, hit=hit,
        uam=uam, req=req, reply=reply, reply_date=reply_date), 0.3))

    # information requests (art. 34), both directions
    for direction, per_year, weights in ((0, P.INFO_OUT_PER_YEAR, P.PARTNER_OUT),
                                         (1, P.INFO_IN_PER_YEAR, P.PARTNER_IN)):
        req = dates_for({y: per_year for y in range(P.FIRST_YEAR, P.LAST_YEAR + 1)})
        n = len(req)
        app = _pick_app(rng, lodged_sorted, order, req, 10, 365)
        if direction == 1:
            app = np.where(rng.random(n) < 0.5, app, -1)
        else:
            keep = app >= 0
            req, app, n = req[keep], app[keep], int(keep.sum())
        new = app < 0
        person = np.where(new, 0, app_person[np.maximum(app, 0)])
        person[new] = next_person + np.arange(new.sum())
        next_person += int(new.sum())
        u = rng.random(n)
        delay = np.where(u < 0.85, rng.integers(1, 36, n), rng.integers(36, 121, n))
        date = req + delay
        answered = (u < 0.97) & (date <= P.END)
        parts.append(_request_cols(
            n, case=np.full(n, -1), app=app, person=person, direction=direction,
            partner=_partner_draw(rng, weights, n), rtype=np.full(n, INFO),
            basis=np.full(n, BASES.index("ART34")), hit=np.zeros(n, bool),
            uam=np.zeros(n, bool), req=req,
            reply=np.where(answered, ANSW, -1), reply_date=np.where(answered, date, NA_DATE)))
    offset = 0
    for part in parts:  # re-examination positions become positions in the concatenation
        part["reexam_of"] = np.where(part["reexam_of"] >= 0, part["reexam_of"] + offset, -1)
        offset += len(part["req"])
    return concat(parts), next_person - n_persons
