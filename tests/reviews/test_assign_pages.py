"""Staff assign reviewers: the automatic proposal, applying it (and noticing when the data
changed since the preview), assigning and unassigning by hand, and who may do any of it."""
import re

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import assignment as services
from incubator.reviews.models import Assignment, Conflict, ReviewerProfile, RoundReviewer
from incubator.reviews.states import ConflictSource, ReviewStatus


def pairs(world):
    db.session.expire_all()
    return set(db.session.execute(sa.select(Assignment.application_id, Assignment.reviewer_id).where(
        Assignment.round_id == world.round.id)).all())


def digest_of(page) -> str:
    return re.search(r'name="digest" value="([0-9a-f]+)"', page.text).group(1)


@pytest.fixture
def world(make_review_world, org, staff):
    return make_review_world(org, staff, applications=4, reviewers=3, k=2)


@pytest.fixture
def outbox():
    from incubator.core.mail import OutboxMessage

    return lambda: db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def browser(make_client, staff):
    return make_client(staff)


def test_staff_preview_then_apply_the_automatic_assignment(browser, world):
    preview = browser.get(f"/reviews/rounds/{world.round.id}/assignments/preview")
    assert preview.status_code == 200
    assert "8</strong> new assignments proposed" in preview.text
    assert "Every application reaches 2 reviewers" in preview.text
    assert pairs(world) == set()  # a preview assigns nothing
    applied = browser.post(f"/reviews/rounds/{world.round.id}/assignments/apply", data={"digest": digest_of(preview)})
    assert applied.status_code == 302
    made = pairs(world)
    assert len(made) == 8
    loads = sorted(sum(1 for _, r in made if r == person.id) for person in world.reviewers)
    assert loads == [2, 3, 3]
    rows = db.session.scalars(sa.select(Assignment).where(Assignment.round_id == world.round.id)).all()
    assert all(row.assigned_by_id is None for row in rows)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "review.auto_assigned")).all()
    assert len(events) == 1 and events[0].details["added"] == 8
    overview = browser.get(applied.headers["Location"])
    assert "Assigned 8 new reviews." in overview.text
    assert "2 of 2" in overview.text


def test_applying_a_stale_preview_shows_the_new_proposal_and_assigns_nothing(browser, world, make_user,
                                                                             grant_role, org):
    preview = browser.get(f"/reviews/rounds/{world.round.id}/assignments/preview")
    late = grant_role(make_user("late@reviewers9.org", name="Lee Late"), org, Role.reviewer)
    world.round.reviewers.append(RoundReviewer(user=late))
    db.session.commit()
    applied = browser.post(f"/reviews/rounds/{world.round.id}/assignments/apply", data={"digest": digest_of(preview)})
    assert applied.status_code == 409
    assert "the data changed since the preview" in applied.text
    assert "Lee Late" in applied.text
    assert pairs(world) == set()
    again = browser.post(f"/reviews/rounds/{world.round.id}/assignments/apply", data={"digest": digest_of(applied)})
    assert again.status_code == 302 and len(pairs(world)) == 8


def test_the_same_input_gives_the_same_pairs(world, staff):
    first = services.preview(world.round, now=utcnow())
    second = services.preview(world.round, now=utcnow())
    assert first.plan.pairs == second.plan.pairs and first.digest == second.digest
    applied = services.apply(world.round, actor=staff, now=utcnow(), expected=first.digest)
    db.session.commit()
    assert set(applied.plan.pairs) == pairs(world)


def test_a_second_run_keeps_what_exists_and_fills_a_gap(world, staff):
    services.apply(world.round, actor=staff, now=utcnow())
    db.session.commit()
    before = pairs(world)
    # A reviewer drops out of the pool: their unstarted reviews no longer count toward k.
    gone = world.reviewers[0]
    db.session.delete(db.session.scalar(sa.select(RoundReviewer).filter_by(round_id=world.round.id, user_id=gone.id)))
    db.session.commit()
    proposal = services.apply(world.round, actor=staff, now=utcnow())
    db.session.commit()
    after = pairs(world)
    assert before <= after  # nothing taken away
    assert all(r != gone.id for _, r in proposal.plan.pairs)
    for application in world.applications:
        assert sum(1 for a, r in after if a == application.id and r != gone.id) == 2
    assert services.preview(world.round, now=utcnow()).plan.pairs == []


def test_expertise_tags_steer_the_automatic_assignment(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=2, reviewers=2, k=1)
    world.applications[1].grades = "9-12"
    db.session.add(ReviewerProfile(user_id=world.reviewers[0].id, expertise=["grades:high"]))
    db.session.add(ReviewerProfile(user_id=world.reviewers[1].id, expertise=["grades:elementary"]))
    db.session.commit()
    plan = services.preview(world.round, now=utcnow()).plan
    assert set(plan.pairs) == {(world.applications[1].id, world.reviewers[0].id),
                               (world.applications[0].id, world.reviewers[1].id)}


def test_automatic_conflicts_are_detected_before_solving(make_review_world, org, staff, make_user, grant_role):
    world = make_review_world(org, staff, applications=2, reviewers=2, k=2)
    # This reviewer works where the first team does: a shared (non-public) domain.
    insider = grant_role(make_user(f"ins@{world.applications[0].team.members[0].user.email.split('@')[1]}",
                                   name="Ina Insider"), org, Role.reviewer)
    world.round.reviewers.append(RoundReviewer(user=insider))
    db.session.commit()
    proposal = services.preview(world.round, now=utcnow())
    assert proposal.detected == 1 and proposal.plan.conflicts_avoided == 1
    assert (world.applications[0].id, insider.id) not in proposal.plan.pairs
    assert (world.applications[1].id, insider.id) in proposal.plan.pairs


def test_short_capacity_is_said_on_the_preview(make_review_world, org, staff, make_client):
    world = make_review_world(org, staff, applications=3, reviewers=2, k=2, max_load=2)
    page = make_client(staff).get(f"/reviews/rounds/{world.round.id}/assignments/preview")
    assert "Not enough reviewer capacity" in page.text
    assert "would still miss 2 reviewers" in page.text


# ---- by hand ------------------------------------------------------------------------------------

def test_staff_assign_one_application_to_several_reviewers(browser, world, outbox):
    application = world.applications[0]
    url = f"/reviews/rounds/{world.round.id}/applications/{application.id}/assign"
    assert "Rae Reviewer" in browser.get(url).text
    response = browser.post(url, data={"reviewer": [str(world.reviewers[0].id), str(world.reviewers[1].id)]})
    assert response.status_code == 302
    assert pairs(world) == {(application.id, world.reviewers[0].id), (application.id, world.reviewers[1].id)}
    made = db.session.scalars(sa.select(Assignment)).all()
    assert {m.assigned_by_id for m in made} == {world.staff.id}
    assert len(outbox()) == 2


def test_staff_assign_several_applications_to_one_reviewer(browser, world):
    reviewer = world.reviewers[2]
    url = f"/reviews/rounds/{world.round.id}/reviewers/{reviewer.id}/assign"
    assert "Assign applications to Rae Reviewer" in browser.get(url).text
    chosen = [str(a.id) for a in world.applications[:3]]
    assert browser.post(url, data={"application": chosen}).status_code == 302
    assert pairs(world) == {(a.id, reviewer.id) for a in world.applications[:3]}


def test_a_conflicted_pair_is_refused_with_its_reason(browser, world):
    application, reviewer = world.applications[0], world.reviewers[0]
    db.session.add(Conflict(application=application, reviewer=reviewer, source=ConflictSource.staff, note="Sister"))
    db.session.commit()
    response = browser.post(f"/reviews/rounds/{world.round.id}/applications/{application.id}/assign",
                            data={"reviewer": [str(reviewer.id), str(world.reviewers[1].id)]})
    assert response.status_code == 422
    assert "has a conflict of interest with this application (added by staff)" in response.text
    assert pairs(world) == set()  # all or nothing: the other reviewer was not assigned either


def test_a_reviewer_outside_the_pool_is_refused(browser, world, make_user, grant_role, org):
    outsider = grant_role(make_user("notpool@reviewers8.org", name="Nat Notinpool"), org, Role.reviewer)
    response = browser.post(f"/reviews/rounds/{world.round.id}/applications/{world.applications[0].id}/assign",
                            data={"reviewer": str(outsider.id)})
    assert response.status_code == 422 and "is not in this round&#39;s pool" in response.text
    assert pairs(world) == set()


def test_a_duplicate_and_a_full_reviewer_are_refused(world, staff, browser):
    world.round.max_load = 1
    db.session.commit()
    first, second = world.applications[:2]
    reviewer = world.reviewers[0]
    services.assign(world.round, first, reviewer, actor=staff, now=utcnow())
    db.session.commit()
    with pytest.raises(services.AssignmentRefused, match="already assigned"):
        services.assign(world.round, first, reviewer, actor=staff, now=utcnow())
    db.session.rollback()
    response = browser.post(f"/reviews/rounds/{world.round.id}/reviewers/{reviewer.id}/assign",
                            data={"application": str(second.id)})
    assert response.status_code == 422 and "already has 1 of at most 1 applications" in response.text
    assert pairs(world) == {(first.id, reviewer.id)}


def test_an_application_of_another_challenge_is_refused(make_review_world, world, org, staff):
    other = make_review_world(org, staff, applications=1, reviewers=0)
    with pytest.raises(services.AssignmentRefused, match="not in this round"):
        services.assign(world.round, other.applications[0], world.reviewers[0], actor=staff, now=utcnow())


def test_unassign_a_not_started_review(browser, world):
    assignment = world.assign(world.applications[0], world.reviewers[0])
    page = browser.get(f"/reviews/assignments/{assignment.id}/unassign")
    assert "not started" in page.text
    assert browser.post(f"/reviews/assignments/{assignment.id}/unassign").status_code == 302
    assert pairs(world) == set()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.unassigned"))
    assert event.details["reviewer"] == world.reviewers[0].display_name


def test_unassigning_a_draft_needs_the_discard_confirmed(browser, world):
    assignment = world.assign(world.applications[0], world.reviewers[0], status=ReviewStatus.draft,
                              overall_comment="Half done")
    url = f"/reviews/assignments/{assignment.id}/unassign"
    assert "Discard the reviewer's draft review" in browser.get(url).text
    refused = browser.post(url)
    assert refused.status_code == 422 and "Confirm that the draft is to be discarded" in refused.text
    assert len(pairs(world)) == 1
    assert browser.post(url, data={"discard_draft": "y"}).status_code == 302
    assert pairs(world) == set()


def test_a_submitted_review_cannot_be_unassigned(browser, world):
    assignment = world.assign(world.applications[0], world.reviewers[0], status=ReviewStatus.submitted,
                              submitted_at=utcnow(), recommendation="yes", score=80.0)
    response = browser.post(f"/reviews/assignments/{assignment.id}/unassign", data={"discard_draft": "y"})
    assert response.status_code == 422 and "cannot be unassigned" in response.text
    assert len(pairs(world)) == 1


def test_the_overview_lists_loads_and_filters_applications_under_k(browser, world):
    world.assign(world.applications[0], world.reviewers[0])
    world.assign(world.applications[0], world.reviewers[1])
    page = browser.get(f"/reviews/rounds/{world.round.id}/assignments")
    assert page.status_code == 200 and "3 with fewer than 2" in page.text
    under = browser.get(f"/reviews/rounds/{world.round.id}/assignments?filter=under")
    assert world.applications[0].school_name not in under.text
    assert world.applications[1].school_name in under.text


def test_the_overview_of_an_empty_round_says_what_to_do(make_review_world, org, staff, make_client):
    world = make_review_world(org, staff, applications=0, reviewers=0)
    page = make_client(staff).get(f"/reviews/rounds/{world.round.id}/assignments")
    assert "No application is in this round yet" in page.text and "No reviewer is in this round" in page.text


# ---- hostile input and permissions -----------------------------------------------------------

@pytest.mark.parametrize("digest", ["", "x" * 32, "0" * 5000, "<script>", "g" * 32])
def test_a_malformed_digest_assigns_nothing(browser, world, digest):
    response = browser.post(f"/reviews/rounds/{world.round.id}/assignments/apply", data={"digest": digest})
    assert response.status_code in (302, 409)
    assert pairs(world) == set()


def test_a_well_formed_but_wrong_digest_assigns_nothing(browser, world):
    response = browser.post(f"/reviews/rounds/{world.round.id}/assignments/apply", data={"digest": "0" * 32})
    assert response.status_code == 409 and pairs(world) == set()


@pytest.mark.parametrize("values", [["abc"], ["-1"], [str(2**40)], ["1 OR 1=1"], [str(n) for n in range(1, 600)],
                                    ["99999"], []])
def test_hostile_reviewer_choices_assign_nothing(browser, world, values):
    response = browser.post(f"/reviews/rounds/{world.round.id}/applications/{world.applications[0].id}/assign",
                            data={"reviewer": values})
    assert response.status_code == 422
    assert pairs(world) == set()


@pytest.mark.parametrize("values", [["x"], ["0"], ["99999"], []])
def test_hostile_application_choices_assign_nothing(browser, world, values):
    response = browser.post(f"/reviews/rounds/{world.round.id}/reviewers/{world.reviewers[0].id}/assign",
                            data={"application": values})
    assert response.status_code == 422
    assert pairs(world) == set()


def test_outsiders_get_404_and_change_nothing(make_client, world, make_user, make_org, grant_role, org):
    assignment = world.assign(world.applications[0], world.reviewers[0])
    other_staff = grant_role(make_user("other@elsewhere.org"), make_org("Elsewhere"), Role.program_staff)
    urls = [f"/reviews/rounds/{world.round.id}/assignments", f"/reviews/rounds/{world.round.id}/assignments/preview",
            f"/reviews/rounds/{world.round.id}/applications/{world.applications[1].id}/assign",
            f"/reviews/rounds/{world.round.id}/reviewers/{world.reviewers[1].id}/assign",
            f"/reviews/assignments/{assignment.id}/unassign"]
    posts = [f"/reviews/rounds/{world.round.id}/assignments/apply", *urls[2:]]
    for person in (world.reviewers[0], other_staff):
        client = make_client(person)
        for url in urls:
            assert client.get(url).status_code == 404, url
        for url in posts:
            assert client.post(url, data={"digest": "0" * 32, "reviewer": str(world.reviewers[1].id),
                                          "application": str(world.applications[1].id)}).status_code == 404, url
    visitor = make_client()
    for url in urls:
        assert visitor.get(url).status_code == 404
    for url in posts:
        assert visitor.post(url, data={"digest": "0" * 32}).status_code == 404
    assert pairs(world) == {(world.applications[0].id, world.reviewers[0].id)}


def test_an_application_or_reviewer_outside_the_round_is_404(browser, world, make_review_world, org, staff):
    other = make_review_world(org, staff, applications=1, reviewers=1)
    assert browser.get(f"/reviews/rounds/{world.round.id}/applications/{other.applications[0].id}/assign").status_code == 404
    assert browser.get(f"/reviews/rounds/{world.round.id}/reviewers/{other.reviewers[0].id}/assign").status_code == 404


def test_the_pages_run_as_many_statements_for_a_larger_round(make_review_world, org, staff, make_client,
                                                             count_statements):
    client = make_client(staff)
    counts = []
    for size in (2, 6):
        world = make_review_world(org, staff, applications=size, reviewers=size, k=2)
        world.assign(world.applications[0], world.reviewers[0])
        urls = [f"/reviews/rounds/{world.round.id}/assignments/preview", f"/reviews/rounds/{world.round.id}/assignments",
                f"/reviews/rounds/{world.round.id}/reviewers/{world.reviewers[0].id}/assign",
                f"/reviews/rounds/{world.round.id}/applications/{world.applications[0].id}/assign"]
        for url in urls:
            client.get(url)  # warm
        counts.append([count_statements(lambda: client.get(url)) for url in urls])
    assert counts[0] == counts[1], counts


def test_a_withdrawn_applications_unstarted_review_is_no_load(make_review_world, org, staff):
    from incubator.applications.states import Status

    world = make_review_world(org, staff, applications=3, reviewers=2, k=1, max_load=1)
    gone = world.applications[0]
    world.assign(gone, world.reviewers[0])
    gone.status = Status.withdrawn
    gone.withdrawn_at = utcnow()
    db.session.commit()
    plan = services.preview(world.round, now=utcnow()).plan
    assert plan.loads_before == {world.reviewers[0].id: 0, world.reviewers[1].id: 0}
    assert not plan.unmet and len(plan.pairs) == 2
    assert services.round_loads(world.round) == {}


def test_staff_see_each_reviewers_bid_when_assigning_by_hand(browser, world):
    from incubator.reviews.models import ReviewBid
    from incubator.reviews.states import Bid

    world.round.has_bids = True
    db.session.add(ReviewBid(round_id=world.round.id, application_id=world.applications[0].id,
                             reviewer_id=world.reviewers[1].id, bid=Bid.not_interested))
    db.session.commit()
    page = browser.get(f"/reviews/rounds/{world.round.id}/applications/{world.applications[0].id}/assign")
    assert page.text.count("Bid: Not interested") == 1


@pytest.mark.parametrize("value", ["yes", "Y", "1", "y" * 5000, ""])
def test_a_draft_is_discarded_only_with_the_exact_confirmation(browser, world, value):
    assignment = world.assign(world.applications[0], world.reviewers[0], status=ReviewStatus.draft)
    response = browser.post(f"/reviews/assignments/{assignment.id}/unassign", data={"discard_draft": value})
    assert response.status_code == 422
    assert len(pairs(world)) == 1


def test_two_staff_applying_at_once_the_second_sees_why(browser, world, staff, monkeypatch):
    stale = services.preview(world.round, now=utcnow())
    db.session.rollback()
    services.apply(world.round, actor=staff, now=utcnow())  # the other staff member, a moment earlier
    db.session.commit()
    # This request computed its proposal before that commit (the race): same pairs, same digest.
    real_preview = services.preview

    def stale_once(*args, **kwargs):
        monkeypatch.setattr(services, "preview", real_preview)
        return stale

    monkeypatch.setattr(services, "preview", stale_once)
    response = browser.post(f"/reviews/rounds/{world.round.id}/assignments/apply", data={"digest": stale.digest})
    assert response.status_code == 409
    assert "the data changed since the preview" in response.text
    assert "Nothing to add" in response.text  # the new proposal: everything is assigned already
    assert len(pairs(world)) == 8


def test_a_conflict_found_after_assigning_frees_the_place_and_the_load(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=2, reviewers=3, k=1, max_load=1)
    first = world.applications[0]
    world.assign(first, world.reviewers[0])
    db.session.add(Conflict(application=first, reviewer=world.reviewers[0], source=ConflictSource.declared))
    db.session.commit()
    assert services.round_loads(world.round) == {}
    plan = services.preview(world.round, now=utcnow()).plan
    assert plan.loads_before[world.reviewers[0].id] == 0
    assert not plan.unmet and len(plan.pairs) == 2
    assert (first.id, world.reviewers[0].id) not in plan.pairs
