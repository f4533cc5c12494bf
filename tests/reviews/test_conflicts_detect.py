"""Automatic conflicts: a reviewer on the team, a shared email domain (never a public mail
provider), a tie in the reviewer's profile (name, address, domain, subdomain, any case and
spacing); a lifted conflict stays lifted."""
import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.applications.models import TeamMember
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import conflicts
from incubator.reviews.models import Conflict, ReviewerProfile
from incubator.reviews.states import ConflictSource


def stored(world) -> dict[tuple[int, int], Conflict]:
    rows = db.session.scalars(sa.select(Conflict).where(
        Conflict.application_id.in_([a.id for a in world.applications])))
    return {(c.application_id, c.reviewer_id): c for c in rows}


def detect(world, reviewers=None) -> int:
    added = conflicts.detect(world.applications, reviewers or world.reviewers, now=utcnow())
    db.session.commit()
    return added


def tie(user, text):
    db.session.add(ReviewerProfile(user_id=user.id, ties=text))
    db.session.commit()


def test_a_world_without_ties_has_no_conflicts(make_review_world, org, staff):
    world = make_review_world(org, staff)
    assert detect(world) == 0 and stored(world) == {}


def test_a_reviewer_on_the_team_conflicts_with_its_application_only(make_review_world, org, staff):
    world = make_review_world(org, staff)
    reviewer, application = world.reviewers[0], world.applications[1]
    db.session.add(TeamMember(team=application.team, user=reviewer))
    db.session.commit()
    assert detect(world) == 1
    assert stored(world)[(application.id, reviewer.id)].source == ConflictSource.team_member


def test_a_shared_email_domain_conflicts_and_a_subdomain_counts_too(make_review_world, make_user, grant_role,
                                                                    org, staff):
    world = make_review_world(org, staff)
    domain = world.applications[0].team.members[0].user.email.split("@")[1]
    colleague = grant_role(make_user(f"Pat@{domain.upper()}", name="Pat Colleague"), org, Role.reviewer)
    campus = grant_role(make_user(f"kim@mail.{domain}", name="Kim Campus"), org, Role.reviewer)
    assert detect(world, [colleague, campus, *world.reviewers]) == 2
    found = stored(world)
    assert found[(world.applications[0].id, colleague.id)].source == ConflictSource.email_domain
    assert found[(world.applications[0].id, campus.id)].source == ConflictSource.email_domain
    assert len(found) == 2  # not the other teams


@pytest.mark.parametrize("provider", ["gmail.com", "Outlook.com", "mail.yahoo.com"])
def test_a_public_mail_provider_is_no_tie(make_review_world, make_user, grant_role, org, staff, provider):
    world = make_review_world(org, staff)
    member = world.applications[0].team.members[0].user
    member.email = f"leader@{provider.lower()}"
    reviewer = grant_role(make_user(f"stranger@{provider}", name="Sam Stranger"), org, Role.reviewer)
    db.session.commit()
    assert detect(world, [reviewer]) == 0


@pytest.mark.parametrize("text", [
    "Lee Lead {n}-0",           # a member's name
    "  lee   LEAD {n}-0 ",      # case and spacing do not matter
    "LEAD{n}-0@bayou{n}-0.org",  # an address, any case
    "bayou{n}-0.org",            # a domain
    "@Bayou{n}-0.org",           # a domain written as "@domain"
    "https://www.bayou{n}-0.org/about",  # a web address
    "Bayou Lab {n}-0",           # the team (an organization)
    "someone else\nbayou{n}-0.org\n",    # among other lines
])
def test_a_profile_tie_matches_the_team(make_review_world, org, staff, text):
    world = make_review_world(org, staff)
    n = world.applications[0].team.name.split()[-1].split("-")[0]
    tie(world.reviewers[0], text.format(n=n))
    assert detect(world) == 1
    conflict = stored(world)[(world.applications[0].id, world.reviewers[0].id)]
    assert conflict.source == ConflictSource.profile and conflict.lifted_at is None


def test_a_domain_tie_covers_subdomains_but_not_lookalikes(make_review_world, org, staff):
    world = make_review_world(org, staff)
    first, second, third = world.applications
    first.team.members[0].user.email = "ann@schools.bayou.org"
    second.team.members[0].user.email = "bo@notbayou.org"
    third.team.members[0].user.email = "cy@bayou.org.evil.com"
    db.session.commit()
    tie(world.reviewers[0], "bayou.org")
    assert detect(world) == 1
    assert set(stored(world)) == {(first.id, world.reviewers[0].id)}


def test_a_partial_name_or_another_address_is_no_tie(make_review_world, org, staff):
    world = make_review_world(org, staff)
    n = world.applications[0].team.name.split()[-1].split("-")[0]
    tie(world.reviewers[0], f"Lee Lead\nlead{n}-0@other.org\nBayou Lab\nbayou{n}-0")
    assert detect(world) == 0


def test_a_lifted_conflict_stays_lifted(make_review_world, org, staff):
    world = make_review_world(org, staff)
    db.session.add(TeamMember(team=world.applications[0].team, user=world.reviewers[0]))
    db.session.commit()
    detect(world)
    conflict = stored(world)[(world.applications[0].id, world.reviewers[0].id)]
    conflict.lifted_at, conflict.lifted_by_id = utcnow(), staff.id
    db.session.commit()
    assert detect(world) == 0
    assert stored(world)[(world.applications[0].id, world.reviewers[0].id)].lifted_at is not None
    assert conflicts.active_pairs([a.id for a in world.applications]) == set()


def test_detection_is_idempotent_and_active_pairs_reports_it(make_review_world, org, staff):
    world = make_review_world(org, staff)
    tie(world.reviewers[1], world.applications[2].team.members[1].user.name)
    assert detect(world) == 1 and detect(world) == 0
    assert conflicts.active_pairs([a.id for a in world.applications]) == {
        (world.applications[2].id, world.reviewers[1].id)}
    assert conflicts.active_pairs([a.id for a in world.applications], [world.reviewers[0].id]) == set()


def test_detection_costs_a_few_queries_whatever_the_size(make_review_world, org, staff, count_statements):
    small = make_review_world(org, staff, applications=2, reviewers=2)
    large = make_review_world(org, staff, applications=12, reviewers=6)
    few = count_statements(lambda: conflicts.detect(small.applications, small.reviewers, now=utcnow()))
    many = count_statements(lambda: conflicts.detect(large.applications, large.reviewers, now=utcnow()))
    assert many == few


def test_find_explains_one_team_without_the_database(reviewer):
    members = [(99, "Ann Lee", "ann@bayou.org")]
    assert conflicts.find(reviewer, members, ["ANN  lee"])[0] == ConflictSource.profile
    assert conflicts.find(reviewer, members, ["gmail.com"]) is None
    assert conflicts.find(reviewer, [(reviewer.id, "", "x@y.org")], [])[0] == ConflictSource.team_member
