"""Dashboard panels and navigation links of grants (registered with core.dashboard).

- Nav "Grants" (grants.index) for program staff, finance, admins and members of a team that has
  a grant; "Finance" (grants.finance_home) for finance users.
- Finance: "Awaiting your approval: N tranches, $X" (releases others requested) and "N payouts
  failed" (failed, or flagged for attention by the reconciler).
- A grantee team's members: "Your grant offer from <org>: $X, accept by <date>", and for an
  accepted grant its next tranche.
- Program staff: "N tranches due: request their release".

Each is one query (the grantee's: two, the grants and their tranches); the nav's grantee check
is one small query, and none for people whose roles already answer.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload, selectinload

from incubator.accounts.models import Role
from incubator.applications.models import TeamMember
from incubator.core.dashboard import NavItem, Panel, nav_provider, provider
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import notify as _notify  # noqa: F401  (registers the grants' kinds of mail)
from incubator.grants.models import Grant, Tranche
from incubator.grants.states import GrantStatus, TrancheStatus
from incubator.incubation.models import School

# How many of a grantee's grants the panel lists (a team rarely has more than one or two).
GRANTEE_LIMIT = 5


def _own_grants_filter(user):
    """Grants to a team the user is on: a planning grant to the team, or a grant to its school."""
    teams = sa.select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    schools = sa.select(School.id).where(School.team_id.in_(teams))
    return sa.or_(Grant.team_id.in_(teams), Grant.school_id.in_(schools))


def has_own_grant(user) -> bool:
    return db.session.scalar(sa.select(Grant.id).where(_own_grants_filter(user)).limit(1)) is not None


@nav_provider
def nav(user):
    if user is None:
        return []
    items = []
    if user.is_admin or user.organisations_with(Role.program_staff, Role.finance) or has_own_grant(user):
        items.append(NavItem("Grants", url_for("grants.index")))
    if user.organisations_with(Role.finance):
        items.append(NavItem("Finance", url_for("grants.finance_home")))
    return items


@dataclass
class FinanceSummary:
    awaiting: int
    awaiting_cents: int
    failed: int


@provider
def finance_panel(user):
    """What awaits this finance user: releases others requested, payouts that failed or need a look."""
    orgs = user.organisations_with(Role.finance)
    if not orgs:
        return None
    awaiting = sa.and_(Tranche.status == TrancheStatus.requested,
                       sa.or_(Tranche.requested_by_id.is_(None), Tranche.requested_by_id != user.id))
    troubled = sa.or_(Tranche.status == TrancheStatus.failed,
                      sa.and_(Tranche.needs_attention != "", Tranche.status != TrancheStatus.paid))
    row = db.session.execute(
        sa.select(sa.func.count().filter(awaiting), sa.func.coalesce(sa.func.sum(Tranche.amount_cents).filter(awaiting), 0),
                  sa.func.count().filter(troubled))
        .join(Grant, Grant.id == Tranche.grant_id).where(Grant.organisation_id.in_(orgs))).one()
    summary = FinanceSummary(int(row[0]), int(row[1]), int(row[2]))
    return Panel("Grants awaiting finance", "grants/panel_finance.html", {"summary": summary}, order=6)


@dataclass
class GranteeRow:
    grant: Grant
    is_lead: bool
    next_tranche: Tranche | None = None
    paid_cents: int = 0


@provider
def grantee_panel(user):
    """"Your grant offer from <org>: $X, accept by <date>", or an accepted grant's next tranche."""
    now = utcnow()
    grants = list(db.session.scalars(
        sa.select(Grant).options(joinedload(Grant.organisation), joinedload(Grant.school), selectinload(Grant.tranches))
        .where(_own_grants_filter(user),
               sa.or_(sa.and_(Grant.status == GrantStatus.offered, Grant.expires_at > now),
                      Grant.status == GrantStatus.accepted))
        .order_by(Grant.offered_at.desc(), Grant.id.desc()).limit(GRANTEE_LIMIT)))
    if not grants:
        return None
    lead_of = set(db.session.scalars(sa.select(TeamMember.team_id).where(TeamMember.user_id == user.id,
                                                                         TeamMember.is_lead.is_(True))))
    rows = []
    for grant in grants:
        team_id = grant.team_id or (grant.school.team_id if grant.school else None)
        row = GranteeRow(grant, is_lead=team_id in lead_of)
        open_tranches = [t for t in grant.tranches
                         if TrancheStatus(t.status) not in (TrancheStatus.paid, TrancheStatus.cancelled)]
        row.next_tranche = open_tranches[0] if open_tranches else None
        row.paid_cents = sum(t.amount_cents for t in grant.tranches if TrancheStatus(t.status) is TrancheStatus.paid)
        rows.append(row)
    return Panel("Your grants", "grants/panel_grantee.html", {"rows": rows, "GrantStatus": GrantStatus}, order=4)


@provider
def staff_panel(user):
    """"N tranches due: request their release" for program staff."""
    orgs = user.organisations_with(Role.program_staff)
    if not orgs:
        return None
    count, cents = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Tranche.amount_cents), 0))
        .join(Grant, Grant.id == Tranche.grant_id)
        .where(Grant.organisation_id.in_(orgs), Tranche.status == TrancheStatus.due)).one()
    if not count:
        return None
    return Panel("Grant tranches due", "grants/panel_staff.html", {"count": int(count), "cents": int(cents)},
                 order=7)
