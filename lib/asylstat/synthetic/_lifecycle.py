"""The life of a case after lodging: CGRS decisions, CALL appeals, annulments, withdrawals.

Everything is vectorised over cases (a principal applicant and the family members included in
the application share one case and one history). Dates are integer days; ``NA_DATE`` = none.
Events after ``params.END`` have not happened yet and are left out.
"""

from __future__ import annotations

import numpy as np

from . import params as P
from ._util import NA_DATE

OUTCOMES = ("REFUGEE", "SUBSIDIARY", "HUMANITARIAN", "REJECTED", "ANNULLED")
GROUNDS = ("INADMISSIBLE", "UNFOUNDED", "MANIFESTLY_UNFOUNDED")
REF, SUB, HUM, REJ, ANN = range(5)
INADM, UNF, MUNF = range(3)
KINDS = ("EXPLICIT", "IMPLICIT")


def _na_unless(mask: np.ndarray, dates: np.ndarray) -> np.ndarray:
    return np.where(mask, dates, NA_DATE).astype(np.int32)


def first_instance_outcome(
    rng: np.random.Generator, factor: np.ndarray, is_sub: np.ndarray,
    accelerated: np.ndarray, resettled: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome and rejection ground (-1 = none) of CGRS decisions."""
    n = len(factor)
    shrink = np.where(is_sub, 0.5, 1.0) * np.where(accelerated, 0.3, 1.0)
    p_ref = np.clip(P.P_REFUGEE * factor * shrink, 0.0, 0.88)
    p_sub = np.clip(P.P_SUBSIDIARY * np.sqrt(factor) * shrink, 0.0, 0.1)
    p_hum = np.full(n, P.P_HUMANITARIAN)
    u = rng.random(n)
    outcome = np.full(n, REJ, dtype=np.int16)
    outcome[u < p_ref + p_sub + p_hum] = HUM
    outcome[u < p_ref + p_sub] = SUB
    outcome[u < p_ref] = REF
    inadmissible = is_sub & (rng.random(n) < 0.72)
    outcome[inadmissible] = REJ
    outcome[resettled] = REF
    g = rng.random(n)
    ground = np.where(accelerated, np.where(g < 0.8, MUNF, UNF), np.where(g < 0.15, INADM, UNF))
    ground = np.where(inadmissible, INADM, ground)
    ground = np.where(outcome == REJ, ground, -1).astype(np.int16)
    return outcome, ground


def appeal_outcome(
    rng: np.random.Generator, n: int, allow_annul: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome and ground of CALL rulings (ANNULLED only in a first round of appeal)."""
    u = rng.random(n)
    outcome = np.full(n, REJ, dtype=np.int16)
    p_ann = P.P_ANNULLED if allow_annul else 0.0
    outcome[u < p_ann + 0.07] = SUB
    outcome[u < p_ann + 0.05] = REF
    outcome[u < p_ann] = ANN
    ground = np.where(outcome == REJ, np.where(rng.random(n) < 0.9, UNF, MUNF), -1)
    return outcome, ground.astype(np.int16)


def lifecycle(rng: np.random.Generator, c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Decisions, appeals and withdrawal of each case.

    ``c`` holds per case: ``lodged``, ``is_sub``, ``accelerated``, ``resettled``, ``factor``
    (protection propensity), ``dublin_stop`` (closed by Dublin: no decision), ``dublin_last``
    (last Dublin reply, or NA). Returns per case the dates (NA when absent) and codes of the
    first decision (``d1``), its appeal (``a1`` lodged, ``ad1`` ruling), the decision after an
    annulment (``d2``) and its appeal (``a2``/``ad2``), the withdrawal ``w`` and ``final_neg``
    (final date of a closing rejection, after which a subsequent application is possible).
    """
    n = len(c["lodged"])
    lodged = c["lodged"].astype(np.int64)
    has_l = c["lodged"] != NA_DATE
    is_sub = c["is_sub"]
    resettled = c["resettled"]
    start = np.where(c["dublin_last"] != NA_DATE,
                     np.maximum(lodged, c["dublin_last"].astype(np.int64) + 20), lodged)
    delay = 90 + np.minimum(rng.gamma(2.0, 75.0, n), 450).astype(np.int64)
    delay = np.where(is_sub, 8 + rng.integers(0, 33, n), delay)
    delay = np.where(resettled, 30 + rng.integers(0, 91, n), delay)
    d1 = start + delay
    w = lodged + 20 + rng.exponential(180.0, n).astype(np.int64)
    wants_w = (rng.random(n) < P.P_WITHDRAW) & ~resettled
    withdrawn = has_l & ~c["dublin_stop"] & wants_w & (w < d1) & (w <= P.END)
    dec1 = has_l & ~c["dublin_stop"] & ~withdrawn & (d1 <= P.END)
    o1, g1 = first_instance_outcome(rng, c["factor"], is_sub, c["accelerated"], resettled)

    p_app = np.where(is_sub, 0.35, P.P_APPEAL)
    want1 = dec1 & (o1 == REJ) & (rng.random(n) < p_app)
    a1 = d1 + rng.integers(3, 31, n)
    app1 = want1 & (a1 <= P.END)
    f1 = dec1 & ~want1 & (d1 + 30 <= P.END)
    ad1 = a1 + np.where(is_sub, 30 + rng.integers(0, 121, n),
                        60 + np.minimum(rng.gamma(2.0, 80.0, n), 360).astype(np.int64))
    adec1 = app1 & (ad1 <= P.END)
    ao1, ag1 = appeal_outcome(rng, n, allow_annul=True)

    annulled = adec1 & (ao1 == ANN)
    d2 = ad1 + 60 + rng.integers(0, 181, n)
    dec2 = annulled & (d2 <= P.END)
    o2, g2 = first_instance_outcome(rng, c["factor"], is_sub, c["accelerated"], resettled)
    want2 = dec2 & (o2 == REJ) & (rng.random(n) < p_app)
    a2 = d2 + rng.integers(3, 31, n)
    app2 = want2 & (a2 <= P.END)
    f2 = dec2 & ~want2 & (d2 + 30 <= P.END)
    ad2 = a2 + 60 + np.minimum(rng.gamma(2.0, 80.0, n), 360).astype(np.int64)
    adec2 = app2 & (ad2 <= P.END)
    ao2, ag2 = appeal_outcome(rng, n, allow_annul=False)

    final_neg = np.full(n, NA_DATE, dtype=np.int32)
    cases = [
        (dec1 & f1 & (o1 == REJ), d1 + 30),
        (adec1 & (ao1 == REJ), ad1),
        (dec2 & f2 & (o2 == REJ), d2 + 30),
        (adec2 & (ao2 == REJ), ad2),
    ]
    for mask, date in cases:  # later stages override earlier ones
        final_neg = np.where(mask, date, final_neg).astype(np.int32)
    kind = (rng.random(n) < P.P_IMPLICIT).astype(np.int16)  # 1 = IMPLICIT
    return {
        "d1": _na_unless(dec1, d1), "o1": o1, "g1": g1, "f1": _na_unless(f1, d1 + 30),
        "a1": _na_unless(app1, a1), "ad1": _na_unless(adec1, ad1), "ao1": ao1, "ag1": ag1,
        "d2": _na_unless(dec2, d2), "o2": o2, "g2": g2, "f2": _na_unless(f2, d2 + 30),
        "a2": _na_unless(app2, a2), "ad2": _na_unless(adec2, ad2), "ao2": ao2, "ag2": ag2,
        "w": _na_unless(withdrawn, w), "wk": kind, "final_neg": final_neg,
    }
