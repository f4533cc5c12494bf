"""The finance dashboard's queries (finance area): an organisation's pools, its tranches by
state, what awaits a finance user's approval, failures, what needs attention, upcoming due
dates and the filtered tranche list.

Every figure is a grouped aggregate or one joined query, so the number of SQL statements does
not grow with the number of grants or tranches (the bench `grants-dashboard` measures it).
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from incubator.accounts.models import User
from incubator.applications.models import Application, Team
from incubator.challenges.models import Challenge
from incubator.core.pagination import Page, paginate
from incubator.extensions import db
from incubator.grants.models import Grant, Tranche
from incubator.grants.states import DueCondition, GrantKind, GrantStatus, TrancheStatus
from incubator.incubation.models import School

UPCOMING_DAYS = 60
LIST_LIMIT = 20  # each attention list shows this many (with the total)

COMMITTING = [s.value for s in GrantStatus if s.commits_money]
Requester = aliased(User, name="requester")
Approver = aliased(User, name="approver")

# The grantee as one column: a school's name, else the application's school name, else the team's.
GRANTEE = sa.func.coalesce(School.name, sa.func.nullif(Application.school_name, ""), Team.name).label("grantee")


@dataclass(frozen=True)
class Filters:
    state: TrancheStatus | None = None
    challenge_id: int | None = None
    kind: GrantKind | None = None

    @classmethod
    def parse(cls, args) -> "Filters":
        """From the query string; a value that names nothing is ignored (filters are read-only)."""
        state = args.get("state", "")
        kind = args.get("kind", "")
        challenge = args.get("challenge", "")
        return cls(state=TrancheStatus(state) if state in TrancheStatus.__members__ else None,
                   challenge_id=int(challenge) if challenge.isascii() and challenge.isdigit()
                   and 0 < int(challenge) < 2**31 else None,
                   kind=GrantKind(kind) if kind in GrantKind.__members__ else None)

    @property
    def active(self) -> bool:
        return bool(self.state or self.challenge_id or self.kind)

    def args(self) -> dict:
        out = {}
        if self.state:
            out["state"] = self.state.value
        if self.challenge_id:
            out["challenge"] = self.challenge_id
        if self.kind:
            out["kind"] = self.kind.value
        return out


@dataclass(frozen=True)
class PoolFigures:
    challenge_id: int
    title: str
    budget_cents: int
    committed_cents: int
    paid_cents: int

    @property
    def available_cents(self) -> int:
        return self.budget_cents - self.committed_cents


@dataclass(frozen=True)
class StateFigures:
    status: TrancheStatus
    count: int
    amount_cents: int


@dataclass(frozen=True)
class TrancheRow:
    """A tranche with what a list shows of its grant, in one row of one query."""
    tranche: Tranche
    grant_id: int
    kind: GrantKind
    grant_status: GrantStatus
    grantee: str
    challenge_id: int
    challenge: str
    requested_by: str | None
    approved_by: str | None


@dataclass
class Dashboard:
    pools: list[PoolFigures]
    states: list[StateFigures]
    awaiting: list[TrancheRow]
    awaiting_total: int
    failures: list[TrancheRow]
    attention: list[TrancheRow]
    upcoming: list[TrancheRow]
    page: Page
    filters: Filters
    totals: dict = field(default_factory=dict)


def pools(organisation_id: int) -> list[PoolFigures]:
    """Per challenge with a pool or a grant: budget, committed (offered, accepted or closed
    grants, less cancelled tranches), paid. One grouped query."""
    committing = sa.and_(Grant.status.in_(COMMITTING), Tranche.status != TrancheStatus.cancelled)
    rows = db.session.execute(
        sa.select(Challenge.id, Challenge.title, Challenge.grant_pool_cents,
                  sa.func.coalesce(sa.func.sum(sa.case((committing, Tranche.amount_cents), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((Tranche.status == TrancheStatus.paid, Tranche.amount_cents),
                                                       else_=0)), 0))
        .outerjoin(Grant, Grant.challenge_id == Challenge.id)
        .outerjoin(Tranche, Tranche.grant_id == Grant.id)
        .where(Challenge.organisation_id == organisation_id)
        .group_by(Challenge.id, Challenge.title, Challenge.grant_pool_cents)
        .having(sa.or_(Challenge.grant_pool_cents > 0, sa.func.count(Grant.id) > 0))
        .order_by(Challenge.title, Challenge.id)).all()
    return [PoolFigures(cid, title, budget or 0, int(committed), int(paid)) for cid, title, budget, committed, paid in rows]


def _scoped(select: sa.Select, organisation_id: int, filters: Filters | None) -> sa.Select:
    select = select.where(Grant.organisation_id == organisation_id)
    if filters is None:
        return select
    if filters.state:
        select = select.where(Tranche.status == filters.state)
    if filters.challenge_id:
        select = select.where(Grant.challenge_id == filters.challenge_id)
    if filters.kind:
        select = select.where(Grant.kind == filters.kind)
    return select


def by_state(organisation_id: int, filters: Filters | None = None) -> list[StateFigures]:
    """Every tranche state in lifecycle order, with its count and amount (zero when none)."""
    rows = dict((status, (n, amount)) for status, n, amount in db.session.execute(_scoped(
        sa.select(Tranche.status, sa.func.count(), sa.func.coalesce(sa.func.sum(Tranche.amount_cents), 0))
        .join(Grant, Grant.id == Tranche.grant_id), organisation_id, filters).group_by(Tranche.status)))
    return [StateFigures(s, rows.get(s, (0, 0))[0], int(rows.get(s, (0, 0))[1])) for s in TrancheStatus]


def tranche_rows_select() -> sa.Select:
    """Tranches with their grant's kind, status, grantee and challenge, and who requested and
    approved: one query (outer joins), ordered by grant then position."""
    return (sa.select(Tranche, Grant.id, Grant.kind, Grant.status, GRANTEE, Challenge.id, Challenge.title,
                      Requester.name, Requester.email, Approver.name, Approver.email)
            .join(Grant, Grant.id == Tranche.grant_id)
            .join(Challenge, Challenge.id == Grant.challenge_id)
            .outerjoin(School, School.id == Grant.school_id)
            .outerjoin(Application, Application.id == Grant.application_id)
            .outerjoin(Team, Team.id == Grant.team_id)  # a school grant is named by its school
            .outerjoin(Requester, Requester.id == Tranche.requested_by_id)
            .outerjoin(Approver, Approver.id == Tranche.approved_by_id))


def _row(result) -> TrancheRow:
    tranche, grant_id, kind, grant_status, grantee, challenge_id, challenge, r_name, r_email, a_name, a_email = result
    return TrancheRow(tranche, grant_id, GrantKind(kind), GrantStatus(grant_status), grantee or f"Grant {grant_id}",
                      challenge_id, challenge, (r_name or r_email) if r_email else None,
                      (a_name or a_email) if a_email else None)


def _rows(select: sa.Select) -> list[TrancheRow]:
    return [_row(r) for r in db.session.execute(select)]


def awaiting_approval(organisation_id: int, user, *, limit: int = LIST_LIMIT) -> tuple[list[TrancheRow], int]:
    """Requested releases this user did not request (theirs need another finance user), oldest
    request first, with how many there are in all (a window count: one query)."""
    total = sa.func.count().over().label("total")
    select = (_scoped(tranche_rows_select(), organisation_id, None)
              .add_columns(total)
              .where(Tranche.status == TrancheStatus.requested,
                     sa.or_(Tranche.requested_by_id.is_(None), Tranche.requested_by_id != user.id))
              .order_by(Tranche.requested_at, Tranche.id).limit(limit))
    results = db.session.execute(select).all()
    return [_row(r[:-1]) for r in results], (results[0][-1] if results else 0)


def failures(organisation_id: int, *, limit: int = LIST_LIMIT) -> list[TrancheRow]:
    return _rows(_scoped(tranche_rows_select(), organisation_id, None)
                 .where(Tranche.status == TrancheStatus.failed)
                 .order_by(Tranche.failed_at.desc(), Tranche.id.desc()).limit(limit))


def needing_attention(organisation_id: int, *, limit: int = LIST_LIMIT) -> list[TrancheRow]:
    return _rows(_scoped(tranche_rows_select(), organisation_id, None)
                 .where(Tranche.needs_attention != "")
                 .order_by(Tranche.id).limit(limit))


def upcoming(organisation_id: int, today: date, *, days: int = UPCOMING_DAYS,
             limit: int = LIST_LIMIT) -> list[TrancheRow]:
    """Scheduled on-date tranches of accepted grants due in the next `days` days, soonest first."""
    return _rows(_scoped(tranche_rows_select(), organisation_id, None)
                 .where(Tranche.status == TrancheStatus.scheduled, Tranche.condition == DueCondition.on_date,
                        Grant.status == GrantStatus.accepted,
                        Tranche.due_on >= today, Tranche.due_on <= today + timedelta(days=days))
                 .order_by(Tranche.due_on, Tranche.id).limit(limit))


def tranche_page(organisation_id: int, filters: Filters, *, total: int) -> Page:
    page = paginate(_scoped(tranche_rows_select(), organisation_id, filters)
                    .order_by(Grant.id.desc(), Tranche.position), scalars=False, total=total)
    page.items = [_row(r) for r in page.items]
    return page


def build(organisation_id: int, user, *, filters: Filters, today: date) -> Dashboard:
    states = by_state(organisation_id, filters)
    awaiting, awaiting_total = awaiting_approval(organisation_id, user)
    return Dashboard(
        pools=pools(organisation_id), states=states, awaiting=awaiting, awaiting_total=awaiting_total,
        failures=failures(organisation_id), attention=needing_attention(organisation_id),
        upcoming=upcoming(organisation_id, today),
        page=tranche_page(organisation_id, filters, total=sum(s.count for s in states)), filters=filters,
        totals={"count": sum(s.count for s in states), "amount_cents": sum(s.amount_cents for s in states)})
