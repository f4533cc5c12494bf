"""Dashboard panel and navigation link of review for reviewers (registered with core.dashboard)."""
from flask import url_for

from incubator.accounts.models import Role
from incubator.core.dashboard import NavItem, Panel, nav_provider, provider
from incubator.core.timeutil import utcnow
from incubator.reviews import queue


@provider
def my_reviews(user):
    """"Your reviews: 3 to do, closes ..." for a reviewer with assignments."""
    if not user.organisations_with(Role.reviewer):
        return None
    groups = queue.queue(user)
    now = utcnow()
    open_groups = [g for g in groups if now < g.round.closes_at]
    to_do = sum(len(g.rows) - g.submitted for g in open_groups)
    soonest = min((g.round for g in open_groups if g.submitted < len(g.rows)), key=lambda r: r.closes_at, default=None)
    return Panel("Your reviews", "reviews/panel.html",
                 {"to_do": to_do, "soonest": soonest, "done": sum(g.submitted for g in groups),
                  "total": sum(len(g.rows) for g in groups), "now": now}, order=12)


@nav_provider
def nav(user):
    if user is not None and user.organisations_with(Role.reviewer):
        return [NavItem("Reviews", url_for("reviews.reviewer_queue"))]
    return []
