"""Dublin III (Regulation 604/2013; Regulation 862/2007 art. 4(4)): requests, replies,
information requests, transfers, unilateral decisions and what is pending at the end of the
period — every Dublin dataflow of statistics.md, "Dublin III", outgoing (``O``) and incoming
(``I``), each declared once with a direction parameter.

Dublin tables count **events** (requests, replies, transfers, decisions), not persons: every
spec has ``reference=None``, so one person with requests to three states counts three times.
Unit ``NR``; every Dublin table is published unrounded (``disclosure="exact"``, statistics.md,
"Dissemination"). Every table has ``sex`` (from the person) and ``minor`` (from the person's age on
the *request* date and the request's unaccompanied flag, in every table — replies, transfers and
stocks included).

Each methodological rule has one named home below:

- codes: :func:`request_type_code`, :data:`DECISION_OF_REPLY`, ``partner`` by
  :func:`asylstat.codes.dublin_partner`, ``leg_prov`` by the contract's list of legal bases;
- ``minor``: :func:`minor_status`;
- "has a reply on day E": :func:`has_reply_on`;
- "+ N months": :func:`on_or_before_plus_months`;
- durations: :func:`answer_duration` (information requests), :func:`transfer_duration`;
- the transfer time limit: :func:`within_transfer_time_limit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Literal

import ibis
import pandas as pd

from asylstat.codes import UNK, contract_code, dublin_partner, normalise
from asylstat.cube import PERIOD, UNIT, CountedTogether, CubeSpec, Dimension, Member, count_together
from asylstat.dataflows.dimensions import SEX
from asylstat.derive import age_years, period_ends, period_of, persons, union_all
from asylstat.domains import Domain
from asylstat.periods import Period
from asylstat.warehouse.snapshot import Snapshot, shared

Direction = Literal["OUT", "IN"]
DIRECTIONS: tuple[Direction, ...] = ("OUT", "IN")
#: the dataflow suffix of each direction (statistics.md: ``O`` outgoing, ``I`` incoming)
SUFFIX: dict[Direction, str] = {"OUT": "O", "IN": "I"}

TC, TB, INFO = "TC", "TB", "INFO"
#: statistics.md, ``req_type``: TAKE_CHARGE → TC, TAKE_BACK → TB; INFO requests have their
#: own tables; anything else belongs to no Dublin table
_REQUEST_TYPES = {"TAKE_CHARGE": TC, "TAKE_BACK": TB, "INFO": INFO}
#: replies that are acceptances (explicit and implicit, art. 22(7) and 25(2))
ACCEPTANCES = ("ACCEPTED", "IMPLICIT_ACCEPTANCE")
#: statistics.md, MIGR_DUBDO: the ``decision`` code of each reply counted there
DECISION_OF_REPLY = {"ACCEPTED": "ACC_EXPL", "IMPLICIT_ACCEPTANCE": "ACC_IMPL", "REJECTED": "REJ"}
ANSWERED = "ANSWERED"
#: art. 34(5): an information request is answered within five weeks
INFO_ANSWER_DAYS = 35
#: art. 29(1): the transfer time limit when ``transfer_deadline`` is NULL
TRANSFER_LIMIT_MONTHS = 6
#: statistics.md, MIGR_DUBTO ``duration``: (months after the reply, code), then M_GT18
TRANSFER_DURATIONS = ((6, "M0-6"), (12, "M6-12"), (18, "M12-18"))
ADULT_AGE = 18

# ---------------------------------------------------------------- breakdowns
PARTNER = Dimension("partner")
REQ_TYPE = Dimension("req_type")
LEG_PROV = Dimension("leg_prov")
#: ACC = ACC_EXPL + ACC_IMPL; TOTAL = ACC + REJ
DECISION = Dimension("decision", parents={"ACC_EXPL": ("ACC",), "ACC_IMPL": ("ACC",)})
DURATION = Dimension("duration")
MINOR = Dimension("minor")


# ---------------------------------------------------------------- rules
def request_type_code(raw: str | None) -> str:
    """statistics.md, ``req_type``: the normalised request type as ``TC``, ``TB`` or ``INFO``;
    anything else ``UNK`` (such a request belongs to no Dublin table)."""
    return _REQUEST_TYPES.get(normalise(raw) or "", UNK)


def minor_status(age: ibis.IntegerValue, unaccompanied: ibis.BooleanValue) -> ibis.StringValue:
    """statistics.md, ``minor``: ``UNK`` when the age is unknown (no birth date, or born after
    the reference date), ``ADU`` at 18 or over whatever the flag, else ``UAM`` when the request
    says unaccompanied, ``ACM`` otherwise."""
    return ibis.cases((age.isnull() | (age < 0), UNK), (age >= ADULT_AGE, "ADU"),
                      (unaccompanied, "UAM"), else_="ACM")


def month_day_key(day: ibis.DateValue) -> ibis.IntegerValue:
    """``(year * 12 + month) * 100 + day``: orders dates like the dates themselves, and adding
    ``100 * N`` to it moves the date N calendar months later with the same day number."""
    return (day.year().cast("int64") * 1200 + day.month().cast("int64") * 100
            + day.day().cast("int64"))


def on_or_before_plus_months(later: ibis.DateValue, earlier: ibis.DateValue,
                             months: int) -> ibis.BooleanValue:
    """``later <= earlier + N months`` with statistics.md's calendar arithmetic (the same day
    number N months later, or the last day of that month when it has fewer days — 31 August +
    6 months is 28/29 February), in portable integer arithmetic.

    Why this is exact: ``earlier + N months`` lies in month ``m = month(earlier) + N``. A
    ``later`` in an earlier month is before it, in a later month after it; in month ``m`` itself
    ``later.day <= min(earlier.day, last day of m)`` holds exactly when ``later.day <=
    earlier.day``, since ``later.day`` never exceeds the last day of its month. That is the
    comparison of :func:`month_day_key` values (the same rule as
    :func:`asylstat.periods.add_months`, checked against it by the tests)."""
    return month_day_key(later) <= month_day_key(earlier) + 100 * months


def has_reply_on(requests: ibis.Table, day: ibis.DateValue) -> ibis.BooleanValue:
    """statistics.md, "has a reply on day E": ``reply`` and ``reply_date`` both set and
    ``reply_date <= E``; a request with only one of the two is unanswered."""
    return requests.reply_set & (requests.reply_date <= day)


def answer_duration(requests: ibis.Table) -> ibis.StringValue:
    """MIGR_DUBRESO/I ``duration``: days from request to answer, ``D0-35`` (0–35 days, art.
    34(5)), ``D_GT35``, ``UNK`` when negative (answer dated before the request)."""
    days = requests.reply_date.delta(requests.request_date, unit="day")
    return ibis.cases((days < 0, UNK), (days <= INFO_ANSWER_DAYS, "D0-35"), else_="D_GT35")


def transfer_duration(transfers: ibis.Table) -> ibis.StringValue:
    """MIGR_DUBTO/I ``duration`` from the request's ``reply_date`` to the transfer: ``M0-6``
    (transfer_date <= reply_date + 6 months), ``M6-12``, ``M12-18``, ``M_GT18``; ``UNK`` when
    the request has no acceptance (reply not an acceptance, or no reply_date) or the transfer is
    dated before it."""
    accepted = transfers.reply.isin(ACCEPTANCES) & transfers.reply_date.notnull()
    cases = [(~accepted, UNK), (transfers.transfer_date < transfers.reply_date, UNK)]
    cases += [(on_or_before_plus_months(transfers.transfer_date, transfers.reply_date, n), code)
              for n, code in TRANSFER_DURATIONS]
    return ibis.cases(*cases, else_="M_GT18")


def within_transfer_time_limit(requests: ibis.Table, day: ibis.DateValue) -> ibis.BooleanValue:
    """MIGR_DUBTPENO/I: ``day <= transfer_deadline``, or ``day <= reply_date + 6 months`` when
    no extended deadline is recorded (art. 29(1)–(2))."""
    return ibis.ifelse(requests.transfer_deadline.notnull(),
                       day <= requests.transfer_deadline,
                       on_or_before_plus_months(day, requests.reply_date,
                                                TRANSFER_LIMIT_MONTHS))


# ---------------------------------------------------------------- record sets
def _person_facts(records: ibis.Table, snap: Snapshot, age_on: str,
                  unaccompanied: ibis.BooleanValue | bool) -> ibis.Table:
    """Attach ``sex`` and ``minor`` of each record's person (a person missing from the
    warehouse as of ``as_of``: ``UNK`` for both)."""
    people = persons(snap).select(_person_id="person_id", _sex="sex", _birth="birth_date")
    joined = records.left_join(people, records.person_id == people._person_id)
    flag = joined[unaccompanied] if isinstance(unaccompanied, str) else ibis.literal(unaccompanied)
    age = age_years(joined[age_on], joined._birth)
    return joined.mutate(sex=joined._sex.fill_null(UNK),
                         minor=minor_status(age, flag)).drop("_person_id", "_sex", "_birth")


@shared
def dublin_requests(snap: Snapshot) -> ibis.Table:
    """The as-of Dublin requests of both directions, codes normalised (statistics.md, "Codes"),
    one row each with ``direction``, ``req_type`` (TC/TB/INFO/UNK), ``partner``, ``leg_prov``,
    ``reply`` (a contract code or UNK; NULL stays UNK), ``reply_set`` (``reply`` not NULL and
    ``reply_date`` not NULL), ``reexamination``, ``sex`` and ``minor`` (age on the request
    date) and ``unit_id`` (the request)."""
    req = snap.view("dublin_request")
    table = "dublin_request"
    req = req.mutate(  # on the raw columns, before ``reply`` holds its code
        reply_set=req.reply.notnull() & req.reply_date.notnull(),
        reexamination=req.reexamination_of.notnull(),
        eurodac_hit=req.eurodac_hit.fill_null(False),
        **{UNIT: req.request_id},
    )
    req = snap.with_codes(
        req, table, direction=("direction", contract_code(table, "direction")),
        req_type=("request_type", request_type_code),
        partner=("partner_country", dublin_partner),
        leg_prov=("legal_basis", contract_code(table, "legal_basis")),
        reply=("reply", contract_code(table, "reply")))
    return _person_facts(req, snap, age_on="request_date", unaccompanied="unaccompanied_minor")


def _of(snap: Snapshot, direction: Direction | None, *types: str) -> ibis.Table:
    """The requests of ``direction`` (``None``: of both, told apart by ``direction``, for
    the outgoing and incoming tables counted together) and of the request ``types``."""
    req = dublin_requests(snap)
    going = req.direction.isin(DIRECTIONS) if direction is None else req.direction == direction
    return req.filter(going, req.req_type.isin(types))


def _dated_in(records: ibis.Table, day: ibis.DateValue,
              periods: Sequence[Period]) -> ibis.Table:
    dated = records.mutate(**{PERIOD: period_of(day, periods)})
    return dated.filter(dated[PERIOD].notnull())


def requests_sent(snap: Snapshot, periods: Sequence[Period], direction: Direction | None, *,
                  reexamination: bool | None, eurodac_only: bool = False) -> ibis.Table:
    """MIGR_DUBRO/I, MIGR_DUBREDACO/I, MIGR_DUBRRO/I: take-charge and take-back requests by
    ``request_date``, re-examinations or not (``None``: both, told apart by the column
    ``reexamination``, for a question), optionally Eurodac-based only."""
    req = _of(snap, direction, TC, TB)
    if reexamination is not None:
        req = req.filter(req.reexamination == reexamination)
    if eurodac_only:
        req = req.filter(req.eurodac_hit)
    return _dated_in(req, req.request_date, periods)


def replies(snap: Snapshot, periods: Sequence[Period], direction: Direction | None, *,
            reexamination: bool | None) -> ibis.Table:
    """MIGR_DUBDO/I, MIGR_DUBDRO/I: replies (explicit acceptance, implicit acceptance,
    rejection) to take-charge and take-back requests, by ``reply_date`` (re-examinations or
    not; ``None``: both, for a question)."""
    req = _of(snap, direction, TC, TB)
    if reexamination is not None:
        req = req.filter(req.reexamination == reexamination)
    req = req.filter(req.reply.isin(tuple(DECISION_OF_REPLY)), req.reply_date.notnull())
    req = req.mutate(decision=req.reply.substitute(DECISION_OF_REPLY))
    return _dated_in(req, req.reply_date, periods)


def information_requests(snap: Snapshot, periods: Sequence[Period],
                         direction: Direction | None) -> ibis.Table:
    """MIGR_DUBRINFO/I: requests for information (art. 34), by ``request_date``."""
    req = _of(snap, direction, INFO)
    return _dated_in(req, req.request_date, periods)


def information_answers(snap: Snapshot, periods: Sequence[Period],
                        direction: Direction | None) -> ibis.Table:
    """MIGR_DUBRESO/I: answers to requests for information, by ``reply_date``, with the
    answer's ``duration``."""
    req = _of(snap, direction, INFO)
    req = req.filter(req.reply == ANSWERED, req.reply_date.notnull())
    req = req.mutate(duration=answer_duration(req))
    return _dated_in(req, req.reply_date, periods)


def transfers(snap: Snapshot, periods: Sequence[Period], direction: Direction | None) -> ibis.Table:
    """MIGR_DUBTO/I: transfers carried out, by ``transfer_date``, with the executed request's
    breakdowns and the ``duration`` since its acceptance. A transfer whose request is missing
    (or is not a take-charge or take-back request) cannot be placed: not counted."""
    req = _of(snap, direction, TC, TB).drop(UNIT)
    done = snap.table("dublin_transfer").select(
        "transfer_id", "transfer_date", _request_id="request_id")
    moved = done.join(req, done._request_id == req.request_id).drop("_request_id")
    moved = moved.mutate(duration=transfer_duration(moved), **{UNIT: moved.transfer_id})
    return _dated_in(moved, moved.transfer_date, periods)


def unilateral_decisions(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """MIGR_DUBDUNI: unilateral decisions (art. 17(1)) by ``decision_date``; ``partner`` UNK
    when NULL or not a Dublin state other than Belgium; age on the decision date, and no
    unaccompanied flag is recorded, so under-18s are ``ACM``."""
    uni = snap.table("dublin_unilateral")
    uni = snap.with_codes(uni, "dublin_unilateral", partner=("partner_country", dublin_partner))
    uni = uni.mutate(**{UNIT: uni.unilateral_id})
    uni = _person_facts(uni, snap, age_on="decision_date", unaccompanied=False)
    return _dated_in(uni, uni.decision_date, periods)


def _at_period_ends(records: ibis.Table, periods: Sequence[Period]) -> ibis.Table:
    """Each record once per period, with ``period`` and its last day ``period_end``."""
    return records.cross_join(period_ends(periods))


def awaiting_reply(snap: Snapshot, periods: Sequence[Period],
                   direction: Direction | None) -> ibis.Table:
    """MIGR_DUBRPENO/I: take-charge and take-back requests (re-examinations included) with
    ``request_date <= E`` and no reply on day E (the last day of each period)."""
    stock = _at_period_ends(_of(snap, direction, TC, TB), periods)
    return stock.filter(stock.request_date <= stock.period_end,
                        ~has_reply_on(stock, stock.period_end))


def first_transfers(snap: Snapshot) -> ibis.Table:
    """``_request_id, first_transfer_date``: each request's earliest transfer."""
    done = snap.table("dublin_transfer")
    return done.group_by(_request_id=done.request_id).aggregate(
        first_transfer_date=done.transfer_date.min())


def awaiting_transfer(snap: Snapshot, periods: Sequence[Period],
                      direction: Direction | None) -> ibis.Table:
    """MIGR_DUBTPENO/I: take-charge and take-back requests (re-examinations included) accepted
    explicitly or implicitly with ``reply_date <= E``, no transfer on or before E, and E within
    the transfer time limit."""
    req = _of(snap, direction, TC, TB)
    req = req.filter(req.reply.isin(ACCEPTANCES))
    first = first_transfers(snap)
    req = req.left_join(first, req.request_id == first._request_id).drop("_request_id")
    stock = _at_period_ends(req, periods)
    end = stock.period_end
    return stock.filter(has_reply_on(stock, end),
                        stock.first_transfer_date.isnull() | (stock.first_transfer_date > end),
                        within_transfer_time_limit(stock, end))


# ---------------------------------------------------------------- declarations
RecordsByDirection = Callable[..., ibis.Table]
_WHO = {"OUT": "sent by Belgium to another Dublin state",
        "IN": "received by Belgium from another Dublin state"}
_COMMON = (" Events, not persons. sex from the person; minor from the person's age on the "
           "request date and the request's unaccompanied flag (UAM, ACM, ADU, UNK). partner is "
           "UNK for Belgium itself, a non-Dublin state or an invalid code.")


def _pair(base: str, title: str, definition: str, records: RecordsByDirection,
          dimensions: tuple[Dimension, ...], stock: bool = False) -> tuple[CubeSpec, CubeSpec]:
    """The outgoing and incoming dataflows ``MIGR_<base>O`` and ``MIGR_<base>I`` of one
    declaration; ``definition`` says ``{who}`` where the direction matters. The two are
    counted together, in one query over the records of both directions (and so are their
    monthly national variants)."""
    pair = tuple(
        CubeSpec(name=f"MIGR_{base}{SUFFIX[d]}",
                 title=f"{title} ({'outgoing' if d == 'OUT' else 'incoming'})",
                 definition=definition.format(who=_WHO[d]) + _COMMON, kind="eurostat",
                 freq="A", unit="NR", dimensions=dimensions,
                 records=partial(records, direction=d), disclosure="exact", stock=stock)
        for d in DIRECTIONS)
    count_together(CountedTogether(
        records=partial(records, direction=None), strata=("direction",),
        members=tuple(Member(spec, where={"direction": d})
                      for spec, d in zip(pair, DIRECTIONS, strict=True))))
    return pair  # type: ignore[return-value]


_REQUEST_DIMS = (PARTNER, REQ_TYPE, LEG_PROV, SEX, MINOR)
_STOCK_DIMS = (PARTNER, REQ_TYPE, SEX, MINOR)

DUBRO, DUBRI = _pair(
    "DUBR", "Dublin requests",
    "Take-charge and take-back requests {who}, by request date, re-examination requests "
    "excluded.", partial(requests_sent, reexamination=False), _REQUEST_DIMS)
DUBREDACO, DUBREDACI = _pair(
    "DUBREDAC", "Dublin requests based on a Eurodac hit",
    "Take-charge and take-back requests {who} based on a Eurodac hit, by request date, "
    "re-examination requests excluded.",
    partial(requests_sent, reexamination=False, eurodac_only=True), _REQUEST_DIMS)
DUBRRO, DUBRRI = _pair(
    "DUBRR", "Dublin re-examination requests",
    "Requests to re-examine a take-charge or take-back request, {who}, by request date.",
    partial(requests_sent, reexamination=True), _REQUEST_DIMS)
DUBDO, DUBDI = _pair(
    "DUBD", "Replies to Dublin requests",
    "Replies to take-charge and take-back requests {who} (re-examinations excluded), by reply "
    "date: explicit acceptance (ACC_EXPL), implicit acceptance when the time limit expired "
    "(ACC_IMPL), rejection (REJ); ACC = ACC_EXPL + ACC_IMPL, TOTAL = ACC + REJ.",
    partial(replies, reexamination=False),
    (PARTNER, REQ_TYPE, LEG_PROV, DECISION, SEX, MINOR))
DUBDRO, DUBDRI = _pair(
    "DUBDR", "Replies to Dublin re-examination requests",
    "Replies to re-examination requests {who}, by reply date, as MIGR_DUBDO.",
    partial(replies, reexamination=True), (PARTNER, REQ_TYPE, LEG_PROV, DECISION, SEX, MINOR))
DUBRINFO, DUBRINFI = _pair(
    "DUBRINF", "Dublin requests for information",
    "Requests for information (art. 34) {who}, by request date.", information_requests,
    (PARTNER, SEX, MINOR))
DUBRESO, DUBRESI = _pair(
    "DUBRES", "Answers to Dublin requests for information",
    "Answers to requests for information {who}, by answer date; duration from request to "
    "answer: D0-35 days (art. 34(5)), D_GT35, UNK when the answer is dated before the request.",
    information_answers, (PARTNER, DURATION, SEX, MINOR))
DUBTO, DUBTI = _pair(
    "DUBT", "Dublin transfers",
    "Transfers carried out on requests {who}, by transfer date, with the executed request's "
    "type and legal basis; duration from the reply (acceptance) to the transfer in calendar "
    "months: M0-6, M6-12, M12-18, M_GT18, UNK when the request has no dated acceptance or the "
    "transfer is dated before it.", transfers, (PARTNER, REQ_TYPE, LEG_PROV, DURATION, SEX, MINOR))
DUBRPENO, DUBRPENI = _pair(
    "DUBRPEN", "Dublin requests awaiting a reply at the end of the period",
    "Take-charge and take-back requests {who} (re-examinations included) made on or before the "
    "last day of the period and without a reply (reply and reply date) dated on or before it.",
    awaiting_reply, _STOCK_DIMS, stock=True)
DUBTPENO, DUBTPENI = _pair(
    "DUBTPEN", "Accepted Dublin requests awaiting transfer at the end of the period",
    "Take-charge and take-back requests {who} (re-examinations included) accepted explicitly or "
    "implicitly on or before the last day of the period, not transferred by then, and still "
    "within the transfer time limit (the recorded extended deadline, else the acceptance + 6 "
    "months).", awaiting_transfer, _STOCK_DIMS, stock=True)
DUBDUNI = CubeSpec(
    name="MIGR_DUBDUNI", title="Dublin unilateral decisions (art. 17(1))",
    definition=("Decisions to examine an application under the sovereignty clause (art. "
                "17(1)), by decision date; partner is the state that would otherwise be "
                "responsible, UNK when not recorded. sex from the person; minor from the age on "
                "the decision date (under-18s are ACM: no unaccompanied flag is recorded)."),
    kind="eurostat", freq="A", unit="NR", dimensions=(PARTNER, SEX, MINOR),
    records=unilateral_decisions, disclosure="exact")

#: the Eurostat (annual) Dublin dataflows, in the order of statistics.md
ANNUAL = (DUBRO, DUBRI, DUBREDACO, DUBREDACI, DUBRRO, DUBRRI, DUBDO, DUBDI, DUBDRO, DUBDRI,
          DUBRINFO, DUBRINFI, DUBRESO, DUBRESI, DUBTO, DUBTI, DUBDUNI, DUBRPENO, DUBRPENI,
          DUBTPENO, DUBTPENI)


def national_name(dataflow: str) -> str:
    """The name of a dataflow's monthly national variant: ``MIGR_DUBRO`` → ``NAT_DUBRO``.
    A distinct name, so that a run making both (an annual run makes the national tables of
    its twelve months too) never confuses them in the hand-over or the workbook."""
    return "NAT_" + dataflow.removeprefix("MIGR_")


def national_variant(spec: CubeSpec) -> CubeSpec:
    """The same dataflow with monthly periodicity, as a national table (statistics.md,
    "National statistics", Dublin), made for the months of monthly and quarterly runs (an
    annual run transmits the dataflow itself); published unrounded as the dataflow is."""
    return replace(spec, name=national_name(spec.name), kind="national", freq="M", due="months",
                   title=f"{spec.title}, monthly",
                   definition=f"{spec.name} with monthly periodicity. {spec.definition}")


NATIONAL_MONTHLY = tuple(national_variant(spec) for spec in ANNUAL)


#: national: transfers by whether they met the transfer time limit
TIME_LIMIT = Dimension("limit")
#: national: outgoing and incoming side by side (a stratum: no margin across directions)
DIRECTION = Dimension("direction", total=None)


def time_limit_status(moved: ibis.Table) -> ibis.StringValue:
    """``WITHIN`` when a transfer is dated on or before the end of its request's transfer time
    limit (:func:`within_transfer_time_limit` on the transfer date), ``AFTER`` when later,
    ``UNK`` when the limit has no start (as for :func:`transfer_duration`: the request has no
    dated acceptance) or the transfer is dated before the acceptance."""
    accepted = moved.reply.isin(ACCEPTANCES) & moved.reply_date.notnull()
    return ibis.cases((~accepted, UNK), (moved.transfer_date < moved.reply_date, UNK),
                      (within_transfer_time_limit(moved, moved.transfer_date), "WITHIN"),
                      else_="AFTER")


def transfers_by_time_limit(snap: Snapshot, periods: Sequence[Period]) -> ibis.Table:
    """The transfers of MIGR_DUBTO and MIGR_DUBTI (both directions), with ``limit``."""
    parts = []
    for direction in DIRECTIONS:
        moved = transfers(snap, periods, direction)
        parts.append(moved.select(PERIOD, UNIT, "direction", "partner",
                                  limit=time_limit_status(moved)))
    return union_all(*parts)


NAT_DUBT_TIME_LIMIT = CubeSpec(
    name="NAT_DUBT_TIME_LIMIT", title="Dublin transfers within and after the transfer time limit",
    definition=(
        "Transfers carried out in the period on take-charge and take-back requests, by "
        "transfer date, as counted in MIGR_DUBTO (direction OUT: sent by Belgium to another "
        "Dublin state) and MIGR_DUBTI (IN: received by Belgium), side by side; by partner "
        "state and by limit: WITHIN when the transfer is dated on or before the last day of "
        "the transfer time limit (the recorded extended deadline, else the acceptance + 6 "
        "months, art. 29(1)-(2)), AFTER when later (responsibility had passed to the "
        "requesting state, art. 29(2)), UNK when the request has no dated acceptance or the "
        "transfer is dated before it. Events, not persons: each transfer counts; published "
        "unrounded."),
    kind="national", freq="M", due="months_and_run", unit="NR", disclosure="exact",
    dimensions=(DIRECTION, PARTNER, TIME_LIMIT), records=transfers_by_time_limit)

DOMAIN = Domain("dublin", "50_dublin.ipynb",
                tables=(*ANNUAL, *NATIONAL_MONTHLY, NAT_DUBT_TIME_LIMIT))


# ---------------------------------------------------------------- records counted under UNK
def _is_belgium(raw: str | None) -> str:
    """``BEL`` when the normalised code is Belgium's, else ``OTHER``."""
    return "BEL" if normalise(raw) == "BEL" else "OTHER"


def unk_counts(snap: Snapshot) -> pd.DataFrame:
    """How many as-of records are counted under ``UNK`` (or not counted) because of a code or
    a date the warehouse should not hold: one row per ``(table, what, records)`` (aggregates
    only). The data-quality findings themselves are the job of the warehouse checks."""
    raw = snap.view("dublin_request")
    raw = snap.with_codes(raw, "dublin_request", _belgium=("partner_country", _is_belgium))
    raw = raw.select("_belgium", _id=raw.request_id, _reply=raw.reply)
    req = dublin_requests(snap)
    req = req.join(raw, req.request_id == raw._id)
    belgium = req._belgium == "BEL"

    def count(condition: ibis.BooleanValue) -> ibis.IntegerValue:
        return ibis.ifelse(condition, 1, 0).sum().cast("int64")

    request_checks = {
        "partner is Belgium itself (partner UNK)": belgium,
        "partner missing, invalid or not a Dublin state (partner UNK)":
            (req.partner == UNK) & ~belgium,
        "legal basis invalid (leg_prov UNK)": req.leg_prov == UNK,
        "request type invalid (in no Dublin table)": req.req_type == UNK,
        "direction invalid (in no Dublin table)": req.direction == UNK,
        "reply invalid (counted in no reply table)": req._reply.notnull() & (req.reply == UNK),
        "reply without reply date (unanswered)": req._reply.notnull() & req.reply_date.isnull(),
        "reply date without reply (unanswered)": req._reply.isnull() & req.reply_date.notnull(),
        "minor UNK (age unknown)": req.minor == UNK,
    }
    counted = req.aggregate(**{f"c{i}": count(c) for i, c in enumerate(request_checks.values())})
    row = counted.to_pyarrow().to_pylist()[0]
    rows = [("dublin_request", what, int(row[f"c{i}"] or 0))
            for i, what in enumerate(request_checks)]
    done = snap.table("dublin_transfer")
    known = dublin_requests(snap).filter(lambda t: t.req_type.isin((TC, TB)))
    orphan = done.anti_join(known, done.request_id == known.request_id).count()
    rows.append(("dublin_transfer",
                 "request missing or not a take-charge/take-back request (not counted)",
                 int(orphan.to_pyarrow().as_py())))
    uni = snap.table("dublin_unilateral")
    uni = snap.with_codes(uni, "dublin_unilateral", partner=("partner_country", dublin_partner))
    rows.append(("dublin_unilateral", "partner missing or invalid (partner UNK)",
                 int((uni.partner == UNK).sum().to_pyarrow().as_py() or 0)))
    return pd.DataFrame(rows, columns=["table", "what", "records"])
