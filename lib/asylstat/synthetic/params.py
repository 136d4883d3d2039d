"""Magnitudes, mixes and fixed instants of the synthetic warehouse (one named place each).

Figures follow ``/work/shared/reference/background.md``; where the reference is silent the
value is a plausible choice for Belgium. Scale 1 reproduces Belgian magnitudes.
"""

from __future__ import annotations

import datetime as dt

import pycountry

EPOCH = dt.date(1970, 1, 1)


def day(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a calendar date (the integer date representation used here)."""
    return (dt.date(y, m, d) - EPOCH).days


FIRST_YEAR = 2015
LAST_YEAR = 2025
START = day(2015, 1, 1)
END = day(2025, 12, 31)  # last day with events; later events have not happened yet
LOAD_END_TS = (day(2026, 3, 31) + 1) * 86400 - 1  # nothing recorded after 2026-03-31
AS_OF = day(2026, 6, 30)  # instant on which fault counts are defined (after all loads)
AS_OF_TS = (AS_OF + 1) * 86400 - 1

#: applicants (applications presented) per year at scale 1
ANNUAL_APPLICATIONS: dict[int, int] = {
    2015: 44_000, 2016: 18_000, 2017: 19_000, 2018: 23_000, 2019: 27_000, 2020: 17_000,
    2021: 26_000, 2022: 36_871, 2023: 35_507, 2024: 39_615, 2025: 32_000,
}
#: share of subsequent applications (lower at first: the warehouse starts in 2015)
SUBSEQUENT_SHARE: dict[int, float] = {
    2015: 0.02, 2016: 0.08, 2017: 0.13, 2018: 0.15, 2019: 0.16, 2020: 0.16,
    2021: 0.15, 2022: 0.126, 2023: 0.167, 2024: 0.163, 2025: 0.16,
}
SEASON = (0.92, 0.85, 0.92, 0.90, 0.95, 0.95, 1.00, 1.05, 1.12, 1.22, 1.15, 0.97)
SEASON_BY_YEAR: dict[int, tuple[float, ...]] = {
    2015: (0.45, 0.40, 0.45, 0.45, 0.55, 0.75, 1.00, 1.60, 2.60, 3.00, 2.30, 1.40),
    2020: (1.35, 1.30, 0.80, 0.20, 0.40, 0.80, 1.00, 1.10, 1.20, 1.30, 1.20, 1.00),
}
#: incoming Dublin take-charge/take-back requests per year at scale 1
ANNUAL_INCOMING: dict[int, int] = {
    2015: 2000, 2016: 2500, 2017: 2800, 2018: 3000, 2019: 3200, 2020: 2200,
    2021: 2600, 2022: 2700, 2023: 3537, 2024: 3938, 2025: 3600,
}
INFO_OUT_PER_YEAR = 900
INFO_IN_PER_YEAR = 700

# --- cases and persons ---------------------------------------------------------------------
P_FAMILY = 0.145  # a case has family members
FAMILY_EXTRA_MEAN = 1.65  # members of a family case = 1 + Poisson(this)
P_SPOUSE = 0.45  # the first member of a family is a spouse
P_UAM = 0.09  # single cases that are unaccompanied minors
P_MINOR_PRINCIPAL = 0.07  # single non-UAM cases that are accompanied minors (own application)
P_SEX_X = 0.0003
P_MALE = {"single": 0.80, "uam": 0.88, "family": 0.62, "minor": 0.5}
CHANNEL = {"TERRITORY": 0.905, "BORDER": 0.042, "DETENTION": 0.028, "RESETTLEMENT": 0.025}
P_ACCELERATED = 0.08
P_PERSON_CORRECTED = 0.02

#: citizenship weights (percent) by era; the rest goes to a long tail of ISO codes
CITIZENSHIP_ERAS: dict[tuple[int, int], dict[str, float]] = {
    (2015, 2017): {
        "SYR": 20, "IRQ": 16, "AFG": 14, "SOM": 3, "ERI": 3, "PSE": 2, "GIN": 3, "COD": 2,
        "RUS": 2, "ALB": 2, "TUR": 1, "CMR": 1, "MAR": 1, "GEO": 1, "XKX": 0.6, "XXA": 1.2,
        "XXX": 0.3,
    },
    (2018, 2021): {
        "AFG": 11, "SYR": 9, "PSE": 7, "ERI": 5, "TUR": 4, "GIN": 4, "SLV": 3, "IRQ": 3,
        "GEO": 3, "VEN": 2, "COD": 2, "CMR": 2, "SOM": 2, "BDI": 1, "MAR": 1.5, "COL": 1,
        "XKX": 0.5, "XXA": 1.0, "XXX": 0.3,
    },
    (2022, 2025): {
        "PSE": 11, "SYR": 10, "AFG": 10, "ERI": 7, "TUR": 5, "BDI": 4, "GIN": 4, "SOM": 3.5,
        "IRQ": 3, "CMR": 3, "COD": 3, "MAR": 2.5, "COL": 2.5, "VEN": 2, "GEO": 2, "XKX": 0.4,
        "XXA": 1.0, "XXX": 0.3,
    },
}
#: further citizenships present in every era (percent), before the long tail
SECONDARY_CITIZENSHIPS: dict[str, float] = {
    "IRN": 1.5, "PAK": 1.2, "NGA": 1.0, "SEN": 0.8, "ALB": 0.8, "RUS": 0.8, "UKR": 0.6,
    "DZA": 0.8, "SDN": 1.0, "YEM": 0.8, "LBY": 0.4, "EGY": 0.6, "BGD": 0.5, "TUN": 0.5,
    "CIV": 0.8, "MRT": 0.5, "ETH": 0.6, "NER": 0.3, "MLI": 0.5, "ARM": 0.6, "AZE": 0.3,
    "PER": 0.4, "LBN": 0.5, "JOR": 0.2, "KWT": 0.2, "IND": 0.3, "CHN": 0.2, "MKD": 0.3,
    "SRB": 0.3, "BIH": 0.2, "MDA": 0.3, "BLR": 0.2, "UZB": 0.2, "TJK": 0.2, "NPL": 0.1,
    "LKA": 0.2, "CMR": 0.3, "RWA": 0.4, "UGA": 0.2, "GMB": 0.3, "SLE": 0.2, "LBR": 0.1,
    "TGO": 0.2, "BEN": 0.1, "BFA": 0.2, "TCD": 0.1, "CAF": 0.1, "COG": 0.4, "AGO": 0.3,
    "ZWE": 0.1, "HTI": 0.1, "CUB": 0.1, "NIC": 0.1, "HND": 0.1, "BRA": 0.2, "ECU": 0.1,
}
TAIL_SHARE = 3.0  # percent spread over every other ISO code

#: recognition propensity by citizenship (default 1)
PROTECTION_FACTOR: dict[str, float] = {
    "SYR": 2.0, "ERI": 2.0, "PSE": 1.9, "YEM": 1.8, "SOM": 1.4, "AFG": 1.2, "SDN": 1.6,
    "BDI": 1.3, "TUR": 1.0, "GEO": 0.1, "MAR": 0.1, "COL": 0.3, "VEN": 0.6, "ALB": 0.1,
    "XKX": 0.1, "MKD": 0.1, "SRB": 0.1, "DZA": 0.1, "TUN": 0.1, "IND": 0.2, "SLV": 0.8,
}
#: first-instance outcome mix (before the citizenship factor)
P_REFUGEE = 0.40
P_SUBSIDIARY = 0.045
P_HUMANITARIAN = 0.012
P_APPEAL = 0.5
P_ANNULLED = 0.08
P_WITHDRAW = 0.2
P_IMPLICIT = 0.65

# --- Dublin --------------------------------------------------------------------------------
EU27 = (
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
)
DUBLIN_STATES = tuple(sorted((*EU27, "CHE", "ISL", "LIE", "NOR")))
PARTNERS = tuple(c for c in DUBLIN_STATES if c != "BEL")
PARTNER_OUT: dict[str, float] = {
    "DEU": 20, "FRA": 14, "HRV": 9, "AUT": 8, "ITA": 9, "NLD": 7, "ESP": 7, "GRC": 5, "BGR": 3,
    "POL": 2.5, "CHE": 2.5, "SWE": 2, "DNK": 1.5, "ROU": 1.5, "HUN": 1, "CZE": 1, "SVN": 1,
    "LUX": 1, "PRT": 1, "NOR": 1, "FIN": 0.7, "IRL": 0.5, "MLT": 0.7, "CYP": 0.5, "LTU": 0.4,
    "LVA": 0.4, "EST": 0.3, "SVK": 0.5, "ISL": 0.2, "LIE": 0.1,
}
PARTNER_IN: dict[str, float] = {
    "DEU": 30, "FRA": 22, "NLD": 18, "CHE": 6, "AUT": 5, "LUX": 3, "SWE": 3, "DNK": 2,
    "NOR": 2, "ITA": 2, "ESP": 2, "FIN": 1, "IRL": 1, "POL": 0.5, "CZE": 0.5, "PRT": 0.5,
    "GRC": 0.3, "HRV": 0.3, "SVN": 0.2, "MLT": 0.2, "ISL": 0.1, "LIE": 0.1,
}
TC_BASES = ("ART8", "ART9", "ART10", "ART11", "ART12", "ART13", "ART14", "ART15", "ART16",
            "ART17_2")
TB_BASES = ("ART18_1_B", "ART18_1_C", "ART18_1_D", "ART20_5")
LEGAL_BASES = (*TC_BASES, *TB_BASES, "ART34")
TC_BASIS_WEIGHTS = (0.03, 0.04, 0.05, 0.03, 0.25, 0.45, 0.02, 0.02, 0.04, 0.07)
TB_BASIS_WEIGHTS = (0.60, 0.07, 0.25, 0.08)
P_DUBLIN = 0.65  # single adult territory initial cases with outgoing requests
P_TAKE_BACK = 0.67
EXTRA_STATES_MEAN = 0.45
REPLY_OUT = {"ACCEPTED": 0.55, "IMPLICIT_ACCEPTANCE": 0.13, "REJECTED": 0.32}
REPLY_IN = {"ACCEPTED": 0.62, "IMPLICIT_ACCEPTANCE": 0.04, "REJECTED": 0.34}
P_REEXAM = 0.2
P_DUBLIN_CLOSED = 0.8
P_TRANSFER_OUT = 0.2
P_TRANSFER_IN = 0.35
P_UNILATERAL = 0.35

# --- code lists (valid values after strip().upper()) --------------------------------------
ISO_ALPHA3 = frozenset(c.alpha_3 for c in pycountry.countries)
VALID_CITIZENSHIP = ISO_ALPHA3 | {"XXA", "XXX", "XKX"}
VALID_CODES: dict[tuple[str, str], frozenset[str]] = {
    ("person", "sex"): frozenset({"M", "F", "X"}),
    ("person", "citizenship"): VALID_CITIZENSHIP,
    ("application", "legal_type"): frozenset({"INITIAL", "SUBSEQUENT"}),
    ("application", "channel"): frozenset(CHANNEL),
    ("application", "procedure"): frozenset({"REGULAR", "ACCELERATED"}),
    ("decision", "instance"): frozenset({"FIRST", "APPEAL"}),
    ("decision", "outcome"): frozenset(
        {"REFUGEE", "SUBSIDIARY", "HUMANITARIAN", "REJECTED", "ANNULLED"}),
    ("decision", "rejection_ground"): frozenset(
        {"INADMISSIBLE", "UNFOUNDED", "MANIFESTLY_UNFOUNDED"}),
    ("withdrawal", "kind"): frozenset({"EXPLICIT", "IMPLICIT"}),
    ("dublin_request", "direction"): frozenset({"OUT", "IN"}),
    ("dublin_request", "partner_country"): VALID_CITIZENSHIP,
    ("dublin_request", "request_type"): frozenset({"TAKE_CHARGE", "TAKE_BACK", "INFO"}),
    ("dublin_request", "legal_basis"): frozenset(LEGAL_BASES),
    ("dublin_request", "reply"): frozenset(
        {"ACCEPTED", "IMPLICIT_ACCEPTANCE", "REJECTED", "ANSWERED"}),
    ("dublin_unilateral", "partner_country"): VALID_CITIZENSHIP,
    ("dublin_unilateral", "legal_basis"): frozenset({"ART17_1"}),
    ("return_decision", "ground"): frozenset(
        {"IRREGULAR_STAY", "IP_REJECTED", "END_OF_STAY", "PUBLIC_ORDER"}),
    ("return_departure", "return_type"): frozenset({"FORCED", "VOLUNTARY"}),
    ("return_departure", "destination_country"): VALID_CITIZENSHIP,
}

#: table → identifier base (keys of different tables never collide, which helps debugging)
ID_BASE = {
    "person": 100_000_000, "application": 200_000_000, "decision": 300_000_000,
    "appeal": 400_000_000, "withdrawal": 500_000_000, "dublin_request": 600_000_000,
    "dublin_transfer": 700_000_000, "dublin_unilateral": 800_000_000,
    "return_decision": 900_000_000, "return_departure": 950_000_000,
}
#: identifiers that never exist (orphan references point here)
ORPHAN_OFFSET = 90_000_000

# --- returns (contract v2: return_decision, return_departure) ------------------------------
# Immigration Office publications: about 25,000 persons ordered to leave in 2022, about 7,000 a
# quarter in 2024; about 7,400 persons left in 2022: about 2,700 voluntary and 3,000 forced
# departures (in return_departure) and 1,750 turned back at the border (not in it).
#: first orders to leave per year at scale 1 (orders after a final rejection included); with
#: the repeat orders (``P_REPEAT_ORDER``) the persons ordered to leave are about 4 % more:
#: about 25,000 in 2022 and 7,000 a quarter in 2024
RETURN_DECISION_PERSONS: dict[int, int] = {
    2015: 29_000, 2016: 30_000, 2017: 28_500, 2018: 26_500, 2019: 25_500, 2020: 18_500,
    2021: 20_500, 2022: 24_000, 2023: 26_000, 2024: 27_000, 2025: 26_500,
}
#: final negative decisions on international protection followed by an order to leave
P_ORDER_AFTER_REJECTION = 0.6
P_ORDER_AFTER_REJECTION_UAM = 0.1
#: orders after a final rejection: issued 3-45 days after the decision became final
IP_ORDER_DELAY = (3, 45)
#: at least this share of each year's orders concerns persons who never applied
MIN_NEW_PERSON_SHARE = 0.3
#: grounds of the orders to persons who never applied (or whose application is not in the
#: warehouse)
NEW_PERSON_GROUNDS: dict[str, float] = {"IRREGULAR_STAY": 0.78, "END_OF_STAY": 0.14,
                                        "PUBLIC_ORDER": 0.08}
#: citizenships of persons ordered to leave who never applied (percent); ORDER_TAIL_SHARE
#: percent more spread over the other SECONDARY_CITIZENSHIPS, by their weights
ORDER_CITIZENSHIPS: dict[str, float] = {
    "DZA": 12, "MAR": 11, "AFG": 7, "ERI": 7, "TUR": 5, "GEO": 4, "ALB": 3.5, "BRA": 3.5,
    "TUN": 4, "PSE": 3, "SYR": 2, "IRQ": 2.5, "GIN": 2.5, "SEN": 2, "EGY": 2, "COD": 2,
    "CMR": 2, "NGA": 2, "LBY": 1.5, "SDN": 2, "UKR": 1.5, "RUS": 1.2, "MDA": 1.2, "IND": 1.2,
    "PAK": 1.5, "SRB": 1, "MKD": 1, "XKX": 0.8, "ECU": 0.6, "COL": 1, "VEN": 0.6, "CHN": 0.6,
    "XXX": 1.0, "XXA": 0.3,
}
ORDER_TAIL_SHARE = 4.0
P_MALE_ORDERED = 0.85
P_MINOR_ORDERED = 0.05  # accompanied minors (each with an order of their own)
P_UAM_ORDERED = 0.005
#: voluntary departure period granted (days) and its shares; NULL when not recorded
VOLUNTARY_DEPARTURE_DAYS: dict[int, float] = {30: 0.62, 7: 0.12, 0: 0.22, 15: 0.04}
P_VDD_NULL = 0.02
P_RETURN_DECISION_WITHDRAWN = 0.02
P_RETURN_DECISION_CORRECTED = 0.01
#: persons who did not leave get another order later (60-720 days after the first)
P_REPEAT_ORDER = 0.12
#: share of (non-withdrawn) orders followed by a departure on average; a citizenship's
#: propensity (default 0.7) scales it
MEAN_DEPARTURE_RATE = 0.25
RETURN_PROPENSITY: dict[str, float] = {
    "GEO": 4.0, "ALB": 4.2, "BRA": 4.8, "MAR": 1.2, "TUR": 1.6, "UKR": 2.0, "MDA": 3.0,
    "SRB": 2.5, "MKD": 2.5, "XKX": 2.0, "ARM": 2.0, "DZA": 0.3, "AFG": 0.1, "ERI": 0.05,
    "SYR": 0.05, "PSE": 0.1, "SDN": 0.1, "SOM": 0.1, "YEM": 0.1, "TUN": 0.6, "IND": 1.5,
    "CHN": 1.0, "COL": 1.5, "ECU": 1.5, "VEN": 0.5, "NGA": 0.6, "SEN": 0.6, "GIN": 0.4,
    "IRQ": 0.8, "XXX": 0.2, "XXA": 0.1,
}
#: probability that a departure is forced, by ground of the order
P_FORCED: dict[str, float] = {"IRREGULAR_STAY": 0.6, "IP_REJECTED": 0.4, "END_OF_STAY": 0.25,
                              "PUBLIC_ORDER": 0.9}
#: assisted (True, False, NULL) by type of return
ASSISTED_VOLUNTARY = (0.80, 0.17, 0.03)
ASSISTED_FORCED = (0.08, 0.87, 0.05)
#: destination: the country of citizenship, another third country, another Dublin state,
#: unknown (NULL); a person without a valid citizenship goes to another third country
DESTINATION_MIX = (0.915, 0.055, 0.015, 0.015)
OTHER_THIRD_COUNTRIES = ("TUR", "MAR", "ALB", "SRB", "UKR", "BRA", "SEN", "TUN", "EGY", "GEO",
                         "ARM", "NGA", "IND", "CHN", "RUS", "CMR", "COD")
DUBLIN_DESTINATIONS = ("DEU", "FRA", "ESP", "ITA", "NLD", "PRT")
#: departures first recorded unconfirmed, confirmed by a later version
P_LATE_CONFIRMATION = 0.25
P_ASSISTED_CORRECTED = 0.02
#: citizenships of the (faulty) return decisions for citizens of a Dublin state
DUBLIN_CITIZEN_WEIGHTS: dict[str, float] = {"BEL": 3, "ROU": 3, "BGR": 2, "FRA": 1, "NLD": 1,
                                            "POL": 1, "ITA": 1, "ESP": 1, "NOR": 0.5,
                                            "CHE": 0.5}
