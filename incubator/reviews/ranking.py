"""The staff ranking of a round: every entrant with its figures (scoring.results), its
recommendation counts and current decision, sorted, filtered and paged in Python.

The whole round is read in a fixed number of statements (the submitted reviews in one, the
applications with their team and decision in one), because the normalised score of any one
application depends on every review of the round: sorting and filtering after the maths is
both correct and cheap (2,000 rows).
"""
from dataclasses import dataclass

import sqlalchemy as sa

from incubator.applications.models import Team
from incubator.extensions import db
from incubator.reviews import scoring
from incubator.reviews.entry import entrants_query
from incubator.reviews.models import Assignment, Decision, ReviewRound
from incubator.reviews.states import Outcome, Recommendation, ReviewStatus

# Flag an application whose review scores have a standard deviation above this many points (out
# of 100): e.g. 40 and 80 (sd 20) or 50, 50, 90 (sd 18.9). On a 1-5 scale one point is 25 points,
# so 15 means the reviewers are more than half a scale point apart on average.
HIGH_DISAGREEMENT = 15.0
PER_PAGE = 50

SORTS = {  # key: (label, default direction descending?)
    "normalised": ("Normalized score", True),
    "raw": ("Raw score", True),
    "median": ("Median", True),
    "disagreement": ("Disagreement", True),
    "reviews": ("Reviews", False),
    "school": ("School", False),
    "team": ("Team", False),
    "decision": ("Decision", False),
}
DEFAULT_SORT = "normalised"


@dataclass(slots=True)  # 2,000 of them per request: no __dict__ each
class Row:
    application_id: int
    school_name: str
    team_name: str
    status: str
    decision: Outcome | None
    reviews: int = 0           # submitted reviews (with or without a score)
    raw: float | None = None
    median: float | None = None
    normalised: float | None = None
    disagreement: float | None = None
    yes: int = 0
    maybe: int = 0
    no: int = 0

    @property
    def recommendations(self) -> dict:
        return {Recommendation.yes: self.yes, Recommendation.maybe: self.maybe, Recommendation.no: self.no}

    @property
    def is_flagged(self) -> bool:
        return self.disagreement is not None and self.disagreement > HIGH_DISAGREEMENT


@dataclass(frozen=True)
class Filters:
    decision: str = ""      # an Outcome value, "none" (undecided) or "" (any)
    flagged: bool = False
    short: bool = False     # fewer submitted reviews than the round's k
    q: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = True

    @classmethod
    def from_args(cls, get) -> "Filters":
        """From a query-string getter (`core.forms.query_arg`); anything unknown falls back to the default."""
        sort = get("sort", 20)
        if sort not in SORTS:
            sort = DEFAULT_SORT
        direction = get("dir", 4)
        descending = SORTS[sort][1] if direction not in ("asc", "desc") else direction == "desc"
        decision = get("decision", 20)
        if decision not in {o.value for o in Outcome} | {"none"}:
            decision = ""
        return cls(decision=decision, flagged=get("flagged", 2) == "1", short=get("short", 2) == "1",
                   q=get("q", 200), sort=sort, descending=descending)

    @property
    def is_filtered(self) -> bool:
        return bool(self.decision or self.flagged or self.short or self.q)


def submitted_reviews(review_round: ReviewRound) -> list[tuple]:
    """(application_id, reviewer_id, score, recommendation value) of every submitted review: one statement.

    Plain tuples of numbers and strings (the recommendation as its text, not the enum): the
    garbage collector stops tracking such tuples, where 6,000 result rows held through the
    request made it sweep the whole heap every few requests (measured: most of the page's time).
    """
    return [tuple(row) for row in db.session.execute(
        sa.select(Assignment.application_id, Assignment.reviewer_id, Assignment.score,
                  sa.type_coerce(Assignment.recommendation, sa.String))
        .where(Assignment.round_id == review_round.id, Assignment.status == ReviewStatus.submitted))]


def _applications(review_round: ReviewRound) -> list[tuple]:
    entrants = entrants_query(review_round).subquery()
    return db.session.execute(
        sa.select(entrants.c.id, entrants.c.school_name, Team.name, entrants.c.status, Decision.outcome)
        .join(Team, Team.id == entrants.c.team_id)
        .outerjoin(Decision, sa.and_(Decision.round_id == review_round.id, Decision.application_id == entrants.c.id))
        .order_by(entrants.c.id)).all()


def rows(review_round: ReviewRound, reviews: list[tuple] | None = None) -> list[Row]:
    """Every entrant of the round with its figures, by application id (`reviews`: the round's
    submitted_reviews when the caller has read them already)."""
    reviews = submitted_reviews(review_round) if reviews is None else reviews
    figures = scoring.results([scoring.Review(a, r, s) for a, r, s, _ in reviews])
    out = {}
    for application_id, school, team, status, outcome in _applications(review_round):
        out[application_id] = Row(application_id, school or "", team or "", str(status), outcome or None)
    for application_id, _, _, recommendation in reviews:
        row = out.get(application_id)
        if row is None:  # reviewed, then left the round (e.g. withdrawn): not ranked
            continue
        row.reviews += 1
        if recommendation == "yes":
            row.yes += 1
        elif recommendation == "maybe":
            row.maybe += 1
        elif recommendation == "no":
            row.no += 1
    for application_id, result in figures.items():
        row = out.get(application_id)
        if row is not None:
            row.raw, row.median, row.normalised = result.raw, result.median, result.normalised
            row.disagreement = result.disagreement
    return list(out.values())


def _matches(row: Row, filters: Filters, k: int) -> bool:
    if filters.decision == "none" and row.decision is not None:
        return False
    if filters.decision not in ("", "none") and (row.decision is None or row.decision.value != filters.decision):
        return False
    if filters.flagged and not row.is_flagged:
        return False
    if filters.short and row.reviews >= k:
        return False
    if filters.q:
        needle = filters.q.casefold()
        if needle not in row.school_name.casefold() and needle not in row.team_name.casefold():
            return False
    return True


_DECISION_ORDER = {o: i for i, o in enumerate(Outcome)}


def _key(sort: str):
    if sort in ("school", "team"):
        return lambda row: (getattr(row, f"{sort}_name").casefold(),)
    if sort == "decision":
        return lambda row: (_DECISION_ORDER[row.decision],) if row.decision else None
    # Rounded, so two scores equal but for floating-point noise tie, and the tie goes by id.
    return lambda row: (round(getattr(row, sort), 9),) if getattr(row, sort) is not None else None


def ordered(items: list[Row], sort: str = DEFAULT_SORT, descending: bool = True) -> list[Row]:
    """Sorted by `sort`; rows without a value (no score, no decision) last either way; ties by id."""
    key = _key(sort if sort in SORTS else DEFAULT_SORT)
    valued = [(key(row), row) for row in items]
    present = [(k, row) for k, row in valued if k is not None]
    missing = [row for k, row in valued if k is None]
    present.sort(key=lambda pair: pair[1].application_id)
    present.sort(key=lambda pair: pair[0], reverse=descending)  # stable: equal keys stay by id
    return [row for _, row in present] + sorted(missing, key=lambda row: row.application_id)


def ranking(review_round: ReviewRound, filters: Filters, reviews: list[tuple] | None = None
            ) -> tuple[list[Row], list[Row]]:
    """(every row of the round, the rows the filters keep in their order)."""
    every = rows(review_round, reviews)
    kept = [row for row in every if _matches(row, filters, review_round.reviewers_per_application)]
    return every, ordered(kept, filters.sort, filters.descending)


def ranked_application_ids(review_round: ReviewRound, by: str = "normalised") -> list[int]:
    """The round's applications best first by `by` (a SORTS key; scores high to low), ties by id;
    those without a score come last. For "top N by normalised score"."""
    return [row.application_id for row in ordered(rows(review_round), by, SORTS.get(by, SORTS[DEFAULT_SORT])[1])]


def counts(every: list[Row]) -> dict:
    return {
        "applications": len(every),
        "reviewed": sum(1 for row in every if row.reviews),
        "reviews": sum(row.reviews for row in every),
        "flagged": sum(1 for row in every if row.is_flagged),
        "decided": sum(1 for row in every if row.decision is not None),
    }
