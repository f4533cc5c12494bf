"""Dashboard panels and navigation links of this domain (registered with core.dashboard)."""
from flask import url_for

from incubator.core.dashboard import NavItem, Panel, nav_provider, provider


@provider
def my_teams_panel(user):
    from incubator.applications.teams import applications_of, invitations_for, teams_of

    mine, invited = teams_of(user), invitations_for(user)
    if not mine and not invited and user.memberships:
        return None  # staff, finance and reviewers who are on no team see their own panels
    return Panel("My teams", "applications/panel.html",
                 {"teams": mine, "applications": applications_of(mine), "invitations": invited}, order=10)


@nav_provider
def nav(user):
    if user is None:
        return []
    return [NavItem("My teams", url_for("applications.my_teams"))]
