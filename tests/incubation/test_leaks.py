"""Every incubation URL, walked by the people the issue names who have no business there: a
coach of another cohort, a member of another team (in the same cohort), staff of another
organisation, and a signed-out visitor. Each gets 404 (the visitor: 404 or the sign-in page)
for every method, and nothing changes."""
import re
import secrets
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from incubator.incubation import plans
from incubator.incubation.models import CoachingSession, Evidence, Milestone, School, StakeholderEntry

HOSTILE = {"name": "Hijacked", "title": "X", "reason": "no", "comment": "x", "body": "x", "outcome": "launch",
           "planned_opening_year": "2028", "rationale": "x", "days": "5", "group": "parents", "method": "survey",
           "participants": "3", "takeaways": "x", "text": "x", "url": "https://example.org", "confirm": "y",
           "action": "approve", "mode": "daily", "label": "Month 3", "duration_minutes": "30", "topics": "x"}


@pytest.fixture
def walk(incubation, make_incubation_world, make_org, make_user, grant_role, org):
    """The ids of one team's incubation (a file of evidence, a stakeholder entry, a coaching session,
    the template, a school), and the people who must not reach them."""
    first, second = incubation.teams
    milestone = incubation.milestone(0, "Community")
    evidence = Evidence(milestone_id=milestone.id, kind="file", original_filename="plan.pdf",
                        stored_name=secrets.token_hex(20), content_type="application/pdf", size_bytes=10,
                        sha256="0" * 64, added_by_id=incubation.lead(0).id)
    entry = StakeholderEntry(cohort_team_id=first.id, group="parents", held_on=date.today(), method="survey",
                             participants=12, takeaways="Longer day", created_by_id=incubation.lead(0).id)
    coaching = CoachingSession(cohort_team_id=first.id, coach_id=incubation.coach.id, held_on=date.today(),
                               duration_minutes=60, topics="Budget")
    school = School(organisation_id=org.id, team_id=first.team_id, name="Bayou School", grades="K-5")
    db.session.add_all([evidence, entry, coaching, school])
    db.session.commit()
    other_cohort = make_incubation_world(org, incubation.staff, teams=1)
    other_org = make_org("Elsewhere")
    ids = {"cohort_id": incubation.cohort.id, "cohort_team_id": first.id, "milestone_id": milestone.id,
           "evidence_id": evidence.id, "entry_id": entry.id, "coaching_id": coaching.id,
           "template_milestone_id": plans.template_of(org)[0].id, "school_id": school.id, "org_id": org.id,
           "challenge_id": incubation.challenge.id}
    people = {
        "a coach of another cohort": other_cohort.coach,
        "a member of another team": incubation.lead(1),
        "staff of another organisation": grant_role(make_user("elsewhere@example.org"), other_org,
                                                     Role.program_staff),
    }
    return ids, people


def _incubation_routes(app, ids):
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/incubation/") or "<" not in rule.rule:
            continue
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(ids[m.group(1)]) if m.group(1) in ids else "x",
                     rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


def test_the_walk_covers_every_kind_of_incubation_url(app, walk):
    ids, _ = walk
    urls = {url for _, url in _incubation_routes(app, ids)}
    for must in (f"/incubation/cohorts/{ids['cohort_id']}", f"/incubation/teams/{ids['cohort_team_id']}",
                 f"/incubation/milestones/{ids['milestone_id']}", f"/incubation/schools/{ids['school_id']}"):
        assert must in urls


@pytest.mark.parametrize("who", ["a coach of another cohort", "a member of another team",
                                 "staff of another organisation"])
def test_people_of_elsewhere_get_404_on_every_incubation_url(app, make_client, walk, who):
    ids, people = walk
    browser = make_client(people[who])
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    statuses = {m.id: m.status for m in db.session.scalars(sa.select(Milestone))}
    for method, url in _incubation_routes(app, ids):
        response = browser.open(url, method=method, data=HOSTILE if method == "POST" else None)
        assert response.status_code == 404, f"{who}: {method} {url} answered {response.status_code}"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
    assert {m.id: m.status for m in db.session.scalars(sa.select(Milestone))} == statuses


def test_a_signed_out_visitor_is_sent_to_sign_in_or_gets_404(app, make_client, walk):
    ids, _ = walk
    visitor = make_client()
    for method, url in _incubation_routes(app, ids):
        response = visitor.open(url, method=method, data=HOSTILE if method == "POST" else None)
        assert response.status_code in (302, 404), f"{method} {url} answered {response.status_code}"
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], url
