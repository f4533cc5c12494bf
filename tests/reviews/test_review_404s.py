"""Every route of the reviews blueprint (every method), filled with a real application, its
assignments, its conflict and its round, walked by people who have no business there: a reviewer
with an active conflict on the application, a reviewer of another round of the organization,
program staff of another organization and a signed-out visitor. Each gets 404 (the visitor: the
login redirect or 404, the same for a missing id), and nothing changes. The round's staff pages
answer 404 to every reviewer, the assigned one too."""
import re

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import bids
from incubator.reviews.models import Conflict, Decision
from incubator.reviews.states import ConflictSource, Outcome
from tests.reviews.leak_kit import attach_files, fill
from tests.reviews.scoring_kit import declared, review_form

# A reviewer's own pages of a round they are in the pool of (the rest of the blueprint is staff's).
REVIEWER_ROUND_PAGES = {"reviews.assignment_bids", "reviews.round_declare"}
REVIEWER_PAGES = REVIEWER_ROUND_PAGES | {
    "reviews.score", "reviews.save", "reviews.autosave", "reviews.assignment_declare", "reviews.reviewer_attachment",
    "reviews.reviewer_application_pdf", "reviews.reviewer_queue", "reviews.reviewer_profile"}
# Tables a review URL could change (users and sessions change with every sign-in).
WATCHED = ("applications", "attachments", "audit_events", "mail_templates", "outbox_messages", "review_assignments",
           "review_bids", "review_conflicts", "review_criteria", "review_decisions", "review_round_reviewers",
           "review_rounds", "review_scores", "reviewer_profiles", "sent_notices", "memberships")


def _everything() -> dict:
    db.session.expire_all()
    return {name: sorted(map(tuple, db.session.execute(sa.select(db.metadata.tables[name])).all()), key=repr)
            for name in WATCHED}


@pytest.fixture(params=[False, True], ids=["open", "blind"])
def scene(request, make_review_world, org, staff, make_org, make_user, grant_role, make_client):
    world = make_review_world(org, staff, blind=request.param, applications=3, reviewers=3)
    world.round.has_bids = True
    application = world.applications[0]
    attach_files(application)
    db.session.commit()
    good, conflicted, _ = world.reviewers
    mine = declared(world, application, good)
    make_client(good).post(f"/reviews/assignments/{mine.id}", data=review_form(world, mine, action="submit"))
    db.session.refresh(mine)
    assert mine.status == "submitted"
    # Assigned, declared, scored a draft; then staff recorded a conflict: the assignment stays, hidden.
    theirs = declared(world, application, conflicted)
    make_client(conflicted).post(f"/reviews/assignments/{theirs.id}", data=review_form(world, theirs))
    conflict = Conflict(application=application, reviewer=conflicted, source=ConflictSource.staff, note="Cousin",
                        created_at=utcnow())
    db.session.add_all([conflict, Decision(round=world.round, application=application, outcome=Outcome.waitlist,
                                           rationale="Close")])
    db.session.commit()
    elsewhere = make_review_world(org, staff)  # another round of the same organization
    elsewhere.assign(elsewhere.applications[0], elsewhere.reviewers[0])
    other_org = make_org()
    people = {"conflicted": conflicted, "other round": elsewhere.reviewers[0],
              "other organization": grant_role(make_user("staff@other-org.org"), other_org, Role.program_staff)}
    base = {"round_id": world.round.id, "application_id": application.id, "criterion_id": world.round.criteria[0].id,
            "conflict_id": conflict.id, "reviewer_id": good.id, "challenge_id": world.challenge.id, "org_id": org.id,
            "attachment_id": application.attachments[0].id, "decision_id": 0, "key": "review.decision.select"}
    variants = [{**base, "assignment_id": mine.id}, {**base, "assignment_id": theirs.id, "reviewer_id": conflicted.id}]
    return world, people, variants, mine, theirs


def _form(world, assignment) -> dict:
    """A POST that would do something if it were let through: every field a review form reads."""
    data = review_form(world, assignment, action="submit", overall="Hijacked")
    data.update({"choice": "none", "note": "x", "reason": "Hijacked", "everyone": "1", "reviewer_ids": "1",
                 "identifying": "y", "outcome": "select", "rationale": "Hijacked", "confirm": "y",
                 "bid-1": "interested", "title": "Hijacked", "max_load": "1", "position": "1", "direction": "up", "top": "1",
                 "subject": "Hijacked", "body": "Hijacked"})
    return data


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("reviews."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _names_it(rule) -> bool:
    return "<" in rule.rule


def test_people_with_no_business_get_404_on_every_review_url_and_change_nothing(app, scene, make_client):
    world, people, variants, mine, theirs = scene
    clients = {who: make_client(person) for who, person in people.items()}  # signing in is audited
    before = _everything()
    tried = 0
    for who, client in clients.items():
        for rule, method in _routes(app):
            if not _names_it(rule):
                continue
            if who == "conflicted" and rule.endpoint in REVIEWER_ROUND_PAGES and "<int:assignment_id>" not in rule.rule:
                continue  # their own round pages (still in the pool): checked below
            for ids in variants:
                url = fill(rule.rule, ids)
                response = client.open(url, method=method, data=_form(world, mine) if method == "POST" else None)
                assert response.status_code == 404, f"{who}: {method} {url} answered {response.status_code}"
                tried += 1
    assert tried > 150
    assert _everything() == before

    # The conflicted reviewer's round pages do not offer the application they are conflicted with.
    conflicted = clients["conflicted"]
    numbers = bids.positions(world.round)
    page = conflicted.get(f"/reviews/rounds/{world.round.id}/bids")
    assert page.status_code == 200
    assert not re.search(rf"Application {numbers[world.applications[0].id]}\b", page.text)
    assert re.search(rf"Application {numbers[world.applications[1].id]}\b", page.text)
    queue = conflicted.get("/reviews/queue").text
    assert f"/reviews/assignments/{theirs.id}" not in queue


def test_the_round_staff_pages_answer_404_to_every_reviewer(app, scene, make_client):
    world, people, variants, mine, theirs = scene
    clients = {person.email: make_client(person) for person in (mine.reviewer, people["conflicted"],
                                                                people["other round"])}
    before = _everything()
    for email, client in clients.items():
        for rule, method in _routes(app):
            if rule.endpoint in REVIEWER_PAGES:
                continue
            url = fill(rule.rule, variants[0])
            response = client.open(url, method=method, data=_form(world, mine) if method == "POST" else None)
            assert response.status_code == 404, f"{email}: {method} {url} answered {response.status_code}"
    assert _everything() == before
    # The assigned reviewer still reaches their own review (the walk above is not 404 for everything).
    assert clients[mine.reviewer.email].get(f"/reviews/assignments/{mine.id}").status_code == 200


def test_a_visitor_is_sent_to_sign_in_or_gets_404_the_same_for_a_missing_id(app, scene, make_client):
    world, _, variants, mine, _ = scene
    before = _everything()
    visitor = make_client()
    missing = {name: (value if name == "key" else 2**31 - 7) for name, value in variants[0].items()}
    for rule, method in _routes(app):
        data = _form(world, mine) if method == "POST" else None
        answers = []
        for ids in (variants[0], variants[1], missing):
            response = visitor.open(fill(rule.rule, ids), method=method, data=data)
            assert response.status_code in (302, 404), f"{method} {rule.rule} answered {response.status_code}"
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], rule.rule
            answers.append(response.status_code)
        assert len(set(answers)) == 1, f"{method} {rule.rule}: a real id answers differently ({answers})"
    assert _everything() == before
