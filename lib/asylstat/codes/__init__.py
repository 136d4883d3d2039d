"""Code lists and mappings. The lists are data files beside this module; the rules that use
them are the small pure functions below, each the one home of its rule (statistics.md,
"Codes", "Sex", "Citizenship", Dublin ``partner``, the return ``destination``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import cache
from importlib.resources import files

import pycountry

UNK = "UNK"
Mapper = Callable[[str | None], str]


def _rows(name: str) -> list[dict[str, str]]:
    text = (files("asylstat.codes") / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def normalise(raw: str | None) -> str | None:
    """statistics.md, "Codes": strip leading/trailing white space (``str.strip()``) and
    upper-case. ``None`` stays ``None``."""
    return None if raw is None else raw.strip().upper()


@cache
def contract_codes(table: str, column: str) -> frozenset[str]:
    """The codes the contract lists for ``table.column``."""
    return frozenset(r["code"] for r in _rows("contract_codes.csv")
                     if r["table"] == table and r["column"] == column)


@cache
def contract_code(table: str, column: str) -> Mapper:
    """Mapper: the normalised code when the contract lists it, else ``UNK``."""
    valid = contract_codes(table, column)
    if not valid:
        raise KeyError(f"no code list for {table}.{column}")

    def mapper(raw: str | None) -> str:
        code = normalise(raw)
        return code if code in valid else UNK

    return mapper


def eurostat_sex(raw: str | None) -> str:
    """statistics.md, "Sex": ``M``→``M``, ``F``→``F``, anything else (``X``, NULL, invalid)
    → ``UNK``."""
    code = normalise(raw)
    return code if code in ("M", "F") else UNK


@cache
def _geo_exceptions() -> dict[str, str]:
    return {r["iso3"]: r["eurostat"] for r in _rows("eurostat_geo_exceptions.csv")}


@cache
def _iso3_to_iso2() -> dict[str, str]:
    return {c.alpha_3: c.alpha_2 for c in pycountry.countries}


def eurostat_citizen(raw: str | None) -> str:
    """statistics.md, "Citizenship": ISO alpha-3 → ISO alpha-2 (pycountry's current
    countries), except GRC→EL, GBR→UK, XKX→XK, XXA→STLS; XXX, NULL, anything else → UNK."""
    code = normalise(raw)
    if code is None:
        return UNK
    if code in _geo_exceptions():
        return _geo_exceptions()[code]
    return _iso3_to_iso2().get(code, UNK)


@cache
def eurostat_citizen_codes() -> frozenset[str]:
    """Every code :func:`eurostat_citizen` can give (``UNK`` included): the output code list
    of ``citizen`` (a question's filter is checked against it)."""
    mapped = {eurostat_citizen(alpha3) for alpha3 in _iso3_to_iso2()}
    return frozenset(mapped | set(_geo_exceptions().values()) | {UNK})


def dublin_partner_codes() -> frozenset[str]:
    """Every code :func:`dublin_partner` can give (``UNK`` included)."""
    return frozenset({dublin_partner(state) for state in dublin_states()} | {UNK})


def is_valid_citizenship(raw: str | None) -> bool:
    """A raw citizenship value is valid when it is NULL, ``XXX`` or maps to a code."""
    return raw is None or normalise(raw) == "XXX" or eurostat_citizen(raw) != UNK


@cache
def dublin_states() -> frozenset[str]:
    """ISO alpha-3 codes of the Dublin states (EU 27, CHE, ISL, LIE, NOR), Belgium included."""
    return frozenset(r["iso3"] for r in _rows("dublin_states.csv"))


def dublin_partner(raw: str | None) -> str:
    """statistics.md, Dublin ``partner``: the Eurostat code of a Dublin state other than
    Belgium; anything else (Belgium, a non-Dublin state, invalid, missing) → ``UNK``."""
    code = normalise(raw)
    if code is None or code == "BEL" or code not in dublin_states():
        return UNK
    return eurostat_citizen(code)


def eurostat_destination(raw: str | None) -> str:
    """statistics.md, "Returns": ``return_departure.destination_country`` is mapped as for
    citizenship (:func:`eurostat_citizen`): ISO alpha-3 → Eurostat code, NULL or invalid →
    ``UNK``."""
    return eurostat_citizen(raw)


def is_dublin_state(raw: str | None) -> bool:
    """The normalised code is a Dublin state, Belgium included (statistics.md, "Returns": a
    citizen of one is not a third-country national; a departure to one is not a return to a
    third country)."""
    code = normalise(raw)
    return code is not None and code in dublin_states()
