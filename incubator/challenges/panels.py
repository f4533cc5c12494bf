"""Dashboard panels and navigation links of this domain (registered with core.dashboard)."""
import sqlalchemy as sa
from flask import url_for

from incubator.accounts.models import Role
from incubator.challenges.listing import open_challenges_query, status_counts
from incubator.challenges.models import Challenge
from incubator.core.dashboard import NavItem, Panel, nav_provider, provider, public_provider
from incubator.core.timeutil import utcnow
from incubator.extensions import db

PANEL_LIMIT = 20


@provider
def staff_challenges(user):
    """Program staff (and admins): their organisations' challenges with counts by status."""
    org_ids = user.organisations_with(Role.program_staff)
    if not org_ids and not user.is_admin:
        return None
    query = sa.select(Challenge).order_by(Challenge.closes_at.desc(), Challenge.id.desc()).limit(PANEL_LIMIT)
    if not user.is_admin:
        query = query.where(Challenge.organisation_id.in_(org_ids))
    challenges = list(db.session.scalars(query))
    counts = status_counts([c.id for c in challenges])
    return Panel("Your challenges", "challenges/_staff_panel.html",
                 {"challenges": challenges, "counts": counts, "now": utcnow(), "limit": PANEL_LIMIT}, order=10)


@public_provider
def open_challenges():
    now = utcnow()
    challenges = list(db.session.scalars(open_challenges_query(now).limit(5)))
    return Panel("Open challenges", "challenges/_public_panel.html", {"challenges": challenges, "now": now}, order=10)


@nav_provider
def challenges_link(user):
    items = [NavItem("Open challenges", url_for("challenges.public_list"))]
    if user is not None and (user.is_admin or user.organisations_with(Role.program_staff)):
        items.append(NavItem("Manage challenges", url_for("challenges.staff_index")))
    return items
