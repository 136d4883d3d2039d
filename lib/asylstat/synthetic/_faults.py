"""Deliberately planted warehouse faults, each counted exactly.

Victims are drawn from pools chosen so that one planted fault creates exactly one counted
instance of its own class and none of another class (a row is the victim of at most one
fault; faults that change what an application "is" only hit single applications of persons
with no other application). Definitions of every count: docs/synthetic.md.
"""

from __future__ import annotations

import numpy as np

from . import _dublin as D
from . import params as P
from ._lifecycle import ANN
from ._util import NA_CODE, NA_DATE, NA_ID, NO_TIME, Columns, World, add_months, age_at, load_time

MIN_COUNT = 3  # at least this many of each class, whatever the scale
OVERDUE_BEFORE = P.day(2025, 6, 30)  # unanswered requests dated before this are overdue


class Planter:
    """Draws disjoint victims per table and keeps the exact counts."""

    def __init__(self, rng: np.random.Generator, world: World) -> None:
        self.rng = rng
        self.world = world
        self.counts: dict[str, int] = {}
        self.used = {t: cols["_tdel"] != NO_TIME for t, cols in world.tables.items()}
        self.orphan_seq = {t: 0 for t in world.tables}

    def pick(self, table: str, pool: np.ndarray, rate: float) -> np.ndarray:
        """Sorted victim positions (unused, in ``pool``), about ``rate`` of the table."""
        n_rows = len(self.used[table])
        pool = np.concatenate([pool, np.zeros(n_rows - len(pool), bool)])
        want = max(MIN_COUNT, int(round(rate * n_rows)))
        cand = np.flatnonzero(pool & ~self.used[table])
        k = min(want, len(cand))
        idx = np.sort(self.rng.choice(cand, size=k, replace=False)) if k else cand[:0]
        self.used[table][idx] = True
        return idx

    def count(self, name: str, n: int) -> None:
        """Record ``n`` planted instances of a class."""
        self.counts[name] = self.counts.get(name, 0) + int(n)

    def orphan_ids(self, table: str, n: int) -> np.ndarray:
        """Identifiers of ``table`` that exist nowhere."""
        start = P.ID_BASE[table] + P.ORPHAN_OFFSET + self.orphan_seq[table]
        self.orphan_seq[table] += n
        return np.arange(start, start + n, dtype=np.int64)

    def set_codes(self, table: str, column: str, idx: np.ndarray, raws: list[str]) -> None:
        """Set raw code strings (one of ``raws`` each) on rows ``idx``."""
        codes = self.world.encode(table, column, raws)
        self.world.tables[table][column][idx] = codes[self.rng.integers(0, len(raws), len(idx))]

    def messy(self, table: str, column: str, idx: np.ndarray) -> None:
        """Replace codes by a variant needing normalisation (case, spaces, tabs)."""
        words = self.world.vocab[(table, column)]
        col = self.world.tables[table][column]
        styles = self.rng.integers(0, 4, len(idx))
        for i, s in zip(idx, styles, strict=True):
            w = words[col[i]].strip().upper()
            raw = (f" {w.lower()} ", w.lower(), f"{w}\t", f" {w.capitalize()}")[s]
            col[i] = self.world.code(table, column, raw)


def _duplicates(pl: Planter, table: str, pool: np.ndarray, rate: float) -> None:
    """Append a second current row for some keys: later recorded_at, or the same one."""
    cols = pl.world.tables[table]
    time_cols = [k for k in cols if k.startswith("_t") and k != "_tdel"]
    last = np.max(np.stack([np.where(cols[k] == NO_TIME, 0, cols[k]) for k in time_cols]),
                  axis=0)
    for kind, r in (("distinct_recorded_at", rate), ("ambiguous", rate / 2)):
        idx = pl.pick(table, pool, r)
        new = {k: v[idx].copy() for k, v in cols.items()}
        for k in time_cols:
            new[k] = np.full(len(idx), NO_TIME)
        rec = last[idx]
        if kind == "distinct_recorded_at":
            later = rec + pl.rng.integers(1, 21, len(idx)) * 86400
            rec = np.maximum(np.minimum(later, P.LOAD_END_TS - 3600), rec + 1)
        new["_t0"] = rec
        for k, v in cols.items():
            cols[k] = np.concatenate([v, new[k]])
        pl.used[table] = np.concatenate([pl.used[table], np.ones(len(idx), bool)])
        pl.count(f"duplicate_key_{kind}_{table}", len(idx))


def _application_context(world: World) -> dict[str, np.ndarray]:
    """Per application: number of applications of its person, family, Dublin use, close."""
    a = world.tables["application"]
    n = len(a["application_id"])
    n_of_person = np.bincount(a["_person_pos"])[a["_person_pos"]]
    has_members = np.isin(a["application_id"], a["principal_application_id"])
    r = world.tables["dublin_request"]
    u = world.tables["dublin_unilateral"]
    in_dublin = np.isin(a["application_id"], r["application_id"]) | np.isin(
        a["application_id"], u["application_id"])
    single = ((n_of_person == 1) & (a["principal_application_id"] == NA_ID) & ~has_members
              & ~in_dublin & (a["channel"] == 0) & ~a["unaccompanied_minor"]
              & (a["legal_type"] == 0))
    close = np.where(a["dublin_closed_date"] != NA_DATE, a["dublin_closed_date"],
                     np.iinfo(np.int32).max).astype(np.int64)
    d = world.tables["decision"]
    fin = (d["final_date"] != NA_DATE) & (d["outcome"] != ANN)
    np.minimum.at(close, d["_app_pos"][fin], d["final_date"][fin])
    w = world.tables["withdrawal"]
    live = w["_tdel"] == NO_TIME
    np.minimum.at(close, w["_app_pos"][live], w["withdrawal_date"][live])
    appealed = np.isin(d["decision_id"], world.tables["appeal"]["decision_id"])
    return {"single": single, "close": close, "n": np.array(n), "appealed": appealed}


def _person_faults(pl: Planter) -> None:
    t = "person"
    p = pl.world.tables[t]
    everyone = np.ones(len(p["person_id"]), bool)
    pl.messy(t, "sex", idx := pl.pick(t, p["sex"] >= 0, 0.003))
    pl.count("code_needs_normalisation_person_sex", len(idx))
    pl.messy(t, "citizenship", idx := pl.pick(t, p["citizenship"] >= 0, 0.003))
    pl.count("code_needs_normalisation_person_citizenship", len(idx))
    pl.set_codes(t, "sex", idx := pl.pick(t, everyone, 0.001), ["U", "?", "MALE"])
    pl.count("invalid_code_person_sex", len(idx))
    pl.set_codes(t, "citizenship", idx := pl.pick(t, everyone, 0.002),
                 ["YUG", "SUN", "CSK", "", "zzz", "XXK", "ANT", "\t"])
    pl.count("invalid_code_person_citizenship", len(idx))
    for col, rate in (("sex", 0.001), ("birth_date", 0.002), ("citizenship", 0.001)):
        idx = pl.pick(t, everyone & ~p["_uam"], rate)
        p[col][idx] = NA_CODE if p[col].dtype == np.int16 else NA_DATE
        pl.count(f"missing_{col}", len(idx))
    birth = p["birth_date"].astype(np.int64)
    idx = pl.pick(t, ~p["_uam"] & (birth > P.day(1930, 1, 1)), 0.0005)
    p["birth_date"][idx] = add_months(birth[idx], 1200)
    pl.count("birth_date_in_future", len(idx))
    idx = pl.pick(t, ~p["_uam"] & (birth < P.day(2010, 1, 1)), 0.0005)
    old = np.where(pl.rng.random(len(idx)) < 0.5, P.day(1900, 1, 1), add_months(birth[idx],
                                                                               -1200))
    p["birth_date"][idx] = old
    pl.count("birth_date_age_over_110", len(idx))
    _duplicates(pl, t, everyone, 0.001)


def _application_faults(pl: Planter, ctx: dict[str, np.ndarray]) -> None:
    t = "application"
    w = pl.world
    a = w.tables[t]
    single = ctx["single"]
    lodged = a["lodged_date"] != NA_DATE
    person_pos = a["_person_pos"]

    idx = pl.pick(t, single, 0.001)
    a["person_id"][idx] = pl.orphan_ids("person", len(idx))
    pl.used["person"][person_pos[idx]] = True
    pl.count("orphan_application_person", len(idx))
    idx = pl.pick(t, a["principal_application_id"] != NA_ID, 0.003)
    a["principal_application_id"][idx] = pl.orphan_ids("application", len(idx))
    pl.count("orphan_application_principal", len(idx))
    idx = pl.pick(t, single & lodged, 0.001)
    a["lodged_date"][idx] = a["presented_date"][idx] - pl.rng.integers(1, 41, len(idx))
    pl.count("lodged_before_presented", len(idx))

    p = w.tables["person"]
    birth = p["birth_date"][person_pos]
    age = age_at(birth, np.where(lodged, a["lodged_date"], 0))
    adult = lodged & (age >= 18) & (age <= 40) & ~pl.used["person"][person_pos]
    idx = pl.pick(t, single & adult, 0.0005)
    a["unaccompanied_minor"][idx] = True
    pl.used["person"][person_pos[idx]] = True
    pl.count("unaccompanied_minor_aged_18_plus", len(idx))

    idx = pl.pick(t, single, 0.001)
    a["legal_type"][idx] = w.code(t, "legal_type", "SUBSEQUENT")
    pl.count("subsequent_without_final_decision", len(idx))

    room = np.minimum(ctx["close"], P.END + 1) - a["lodged_date"].astype(np.int64)
    idx = pl.pick(t, single & lodged & (room > 3), 0.001)
    _overlapping(pl, idx, room[idx])

    pl.messy(t, "channel", idx := pl.pick(t, np.ones(len(single), bool), 0.002))
    pl.count("code_needs_normalisation_application_channel", len(idx))
    pl.messy(t, "procedure", idx := pl.pick(t, a["procedure"] >= 0, 0.002))
    pl.count("code_needs_normalisation_application_procedure", len(idx))
    pl.set_codes(t, "channel", idx := pl.pick(t, np.ones(len(single), bool), 0.0005),
                 ["AIRPORT", "T", ""])
    pl.count("invalid_code_application_channel", len(idx))
    pl.set_codes(t, "procedure", idx := pl.pick(t, a["procedure"] >= 0, 0.0005),
                 ["FAST", "NORMAL", "PRIORITY"])
    pl.count("invalid_code_application_procedure", len(idx))


def _overlapping(pl: Planter, idx: np.ndarray, room: np.ndarray) -> None:
    """A second, INITIAL application lodged while the victim's application is open."""
    a = pl.world.tables["application"]
    k = len(idx)
    step = 1 + np.floor(pl.rng.random(k) * np.minimum(room - 2, 60)).astype(np.int64)
    day = (a["lodged_date"][idx].astype(np.int64) + step).astype(np.int32)
    new: Columns = {key: v[idx].copy() for key, v in a.items()}
    new.update(
        application_id=pl.orphan_ids("application", k) - P.ORPHAN_OFFSET // 2,
        presented_date=day, registered_date=day, lodged_date=day,
        procedure=np.zeros(k, np.int16), legal_type=np.zeros(k, np.int16),
        dublin_closed_date=np.full(k, NA_DATE, np.int32),
        _t0=load_time(pl.rng, day), _tprocedure=np.full(k, NO_TIME),
        _tdublin_closed_date=np.full(k, NO_TIME), _case=np.full(k, -1),
    )
    for key, v in a.items():
        a[key] = np.concatenate([v, new[key]])
    pl.used["application"] = np.concatenate([pl.used["application"], np.ones(k, bool)])
    pl.used["person"][new["_person_pos"]] = True
    pl.count("overlapping_open_applications", k)


def _decision_faults(pl: Planter, ctx: dict[str, np.ndarray]) -> None:
    t = "decision"
    d = pl.world.tables[t]
    a = pl.world.tables["application"]
    n_apps = int(ctx["n"])
    app = d["_app_pos"]
    app_free = ~pl.used["application"][:n_apps][app]
    clean = (d["instance"] == 0) & (d["_stage"] == 0) & ctx["single"][app] & app_free \
        & ~ctx["appealed"]
    idx = pl.pick(t, clean, 0.001)
    d["application_id"][idx] = pl.orphan_ids("application", len(idx))
    pl.count("orphan_decision_application", len(idx))
    lodged = a["lodged_date"][app].astype(np.int64)
    idx = pl.pick(t, clean, 0.001)
    shift = d["decision_date"][idx] - lodged[idx] + pl.rng.integers(1, 61, len(idx))
    d["decision_date"][idx] -= shift.astype(np.int32)
    fin = d["final_date"][idx] != NA_DATE
    d["final_date"][idx[fin]] -= shift[fin].astype(np.int32)
    pl.count("decision_before_lodging", len(idx))
    idx = pl.pick(t, clean, 0.0005)
    later = add_months(d["decision_date"][idx], 120)
    d["decision_date"][idx] = np.where(later > P.AS_OF, later,
                                       add_months(d["decision_date"][idx], 240))
    pl.count("date_after_as_of_decision", len(idx))
    everyone = np.ones(len(app), bool)
    pl.messy(t, "outcome", idx := pl.pick(t, everyone, 0.002))
    pl.count("code_needs_normalisation_decision_outcome", len(idx))
    pl.set_codes(t, "rejection_ground", idx := pl.pick(t, d["rejection_ground"] >= 0, 0.001),
                 ["OTHER", "NON_FONDE", "9"])
    pl.count("invalid_code_decision_rejection_ground", len(idx))
    _duplicates(pl, t, everyone, 0.001)


def _small_table_faults(pl: Planter) -> None:
    ap = pl.world.tables["appeal"]
    idx = pl.pick("appeal", np.ones(len(ap["appeal_id"]), bool), 0.002)
    ap["decision_id"][idx] = pl.orphan_ids("decision", len(idx))
    pl.count("orphan_appeal_decision", len(idx))

    t = "withdrawal"
    w = pl.world.tables[t]
    everyone = np.ones(len(w["withdrawal_id"]), bool)
    idx = pl.pick(t, everyone, 0.003)
    w["application_id"][idx] = pl.orphan_ids("application", len(idx))
    pl.count("orphan_withdrawal_application", len(idx))
    idx = pl.pick(t, everyone, 0.002)
    later = add_months(w["withdrawal_date"][idx], 120)
    w["withdrawal_date"][idx] = np.where(later > P.AS_OF, later,
                                         add_months(w["withdrawal_date"][idx], 240))
    pl.count("date_after_as_of_withdrawal", len(idx))
    pl.messy(t, "kind", idx := pl.pick(t, everyone, 0.005))
    pl.count("code_needs_normalisation_withdrawal_kind", len(idx))
    pl.set_codes(t, "kind", idx := pl.pick(t, everyone, 0.003), ["ABANDONED", "UNKNOWN", ""])
    pl.count("invalid_code_withdrawal_kind", len(idx))

    t = "dublin_transfer"
    tr = pl.world.tables[t]
    r = pl.world.tables["dublin_request"]
    everyone = np.ones(len(tr["transfer_id"]), bool)
    idx = pl.pick(t, everyone, 0.005)
    tr["request_id"][idx] = pl.orphan_ids("dublin_request", len(idx))
    pl.count("orphan_transfer_request", len(idx))
    req = tr["_req_pos"]
    accepted = ((r["reply"][req] == D.ACC) | (r["reply"][req] == D.IMPL)) & (
        r["reply_date"][req] != NA_DATE)
    idx = pl.pick(t, accepted, 0.005)
    tr["transfer_date"][idx] = r["reply_date"][req[idx]] - pl.rng.integers(1, 31, len(idx))
    pl.count("transfer_before_acceptance", len(idx))


def _request_faults(pl: Planter) -> None:
    t = "dublin_request"
    w = pl.world
    r = w.tables[t]
    tctb = (r["request_type"] != D.INFO) & ~r["_has_transfer"] & ~r["_reexamined"]
    replied = r["reply"] >= 0

    idx = pl.pick(t, tctb & (r["application_id"] != NA_ID), 0.002)
    r["application_id"][idx] = pl.orphan_ids("application", len(idx))
    pl.count("orphan_request_application", len(idx))
    idx = pl.pick(t, tctb, 0.001)
    r["person_id"][idx] = pl.orphan_ids("person", len(idx))
    pl.count("orphan_request_person", len(idx))

    old = tctb & (r["reply"] == D.REJD) & (r["request_date"] < OVERDUE_BEFORE)
    idx = pl.pick(t, old, 0.002)
    _drop_reply(r, idx, keep_reply=False, keep_date=False)
    pl.count("dublin_request_no_reply_overdue", len(idx))
    idx = pl.pick(t, tctb & replied, 0.001)
    _drop_reply(r, idx, keep_reply=True, keep_date=False)
    pl.count("dublin_reply_without_date", len(idx))
    idx = pl.pick(t, tctb & replied, 0.001)
    _drop_reply(r, idx, keep_reply=False, keep_date=True)
    pl.count("dublin_reply_date_without_reply", len(idx))

    pl.set_codes(t, "partner_country", idx := pl.pick(t, tctb, 0.001), ["BEL"])
    pl.count("partner_is_belgium", len(idx))
    pl.set_codes(t, "partner_country", idx := pl.pick(t, tctb, 0.002),
                 ["USA", "GBR", "TUR", "MAR", "SRB"])
    pl.count("partner_not_dublin_state", len(idx))
    pl.set_codes(t, "partner_country", idx := pl.pick(t, tctb, 0.001),
                 ["YUG", "", "XXK", "EUR", "germany"])
    pl.count("invalid_code_dublin_request_partner_country", len(idx))
    pl.messy(t, "partner_country", idx := pl.pick(t, tctb, 0.003))
    pl.count("code_needs_normalisation_dublin_request_partner_country", len(idx))
    pl.set_codes(t, "request_type", idx := pl.pick(t, tctb, 0.0005), ["TAKECHARGE", "TC"])
    pl.count("invalid_code_dublin_request_request_type", len(idx))
    pl.set_codes(t, "legal_basis", idx := pl.pick(t, tctb, 0.0005), ["ART99", "ART18", "17"])
    pl.count("invalid_code_dublin_request_legal_basis", len(idx))
    idx = pl.pick(t, tctb, 0.001)
    tc = r["request_type"][idx] == D.TC
    r["legal_basis"][idx] = np.where(tc, P.LEGAL_BASES.index("ART18_1_B"),
                                     P.LEGAL_BASES.index("ART13"))
    pl.count("legal_basis_mismatch", len(idx))
    pl.messy(t, "legal_basis", idx := pl.pick(t, tctb, 0.002))
    pl.count("code_needs_normalisation_dublin_request_legal_basis", len(idx))
    pl.messy(t, "reply", idx := pl.pick(t, tctb & replied, 0.002))
    pl.count("code_needs_normalisation_dublin_request_reply", len(idx))
    pl.set_codes(t, "reply", idx := pl.pick(t, tctb & replied, 0.0005), ["OK", "REFUSED"])
    pl.count("invalid_code_dublin_request_reply", len(idx))
    _duplicates(pl, t, tctb, 0.001)


def _drop_reply(r: Columns, idx: np.ndarray, *, keep_reply: bool, keep_date: bool) -> None:
    if not keep_reply:
        r["reply"][idx] = NA_CODE
    if not keep_date:
        r["reply_date"][idx] = NA_DATE
    r["transfer_deadline"][idx] = NA_DATE


def plant_faults(rng: np.random.Generator, world: World) -> dict[str, int]:
    """Plant every fault class into ``world``; returns exact counts per class (sorted)."""
    pl = Planter(rng, world)
    ctx = _application_context(world)
    _application_faults(pl, ctx)
    _decision_faults(pl, ctx)
    _person_faults(pl)
    t = "application"
    n = int(ctx["n"])
    _duplicates(pl, t, np.concatenate(
        [np.ones(n, bool), np.zeros(len(pl.used[t]) - n, bool)]), 0.001)
    _small_table_faults(pl)
    _request_faults(pl)
    return dict(sorted(pl.counts.items()))
