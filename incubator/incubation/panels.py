"""Dashboard panels and navigation links of incubation (registered with core.dashboard): the
"Incubation" link for program staff, coaches and members of a team in a cohort; "Your
incubation" for a team member; "Your cohorts" for a coach."""
from flask import url_for

from incubator.accounts.models import Role
from incubator.core.dashboard import NavItem, Panel, nav_provider, provider
from incubator.core.timeutil import utcnow
from incubator.incubation import cohort_listing as listing


@nav_provider
def nav(user):
    if user is None:
        return []
    if listing.runs_incubation(user) or user.organisations_with(Role.coach) or listing.is_in_a_cohort(user):
        return [NavItem("Incubation", url_for("incubation.cohorts"))]
    return []


@provider
def my_incubation(user):
    """"Your incubation: next milestone X due <date>, N overdue" for a member of a team in a cohort."""
    places = [p for p in listing.own_places(user) if p.is_active]
    if not places:
        return None
    return Panel("Your incubation", "incubation/cohorts_panel_team.html",
                 {"places": listing.places_summary(places, utcnow())}, order=5)


@provider
def my_cohorts(user):
    """"Your cohorts" for a coach named on a cohort: its teams, what awaits review, what is overdue."""
    if not user.organisations_with(Role.coach, Role.program_staff):
        return None
    coached = listing.coached_cohorts(user)
    if not coached:
        return None
    return Panel("Your cohorts", "incubation/cohorts_panel_coach.html",
                 {"rows": listing.cohort_rows(coached, utcnow())}, order=14)
