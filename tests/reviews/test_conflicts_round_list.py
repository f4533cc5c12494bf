"""A blind round's list of people and organizations: every team name, member name and non-public
domain, shuffled per reviewer, never linked to an application; ticks become the right conflicts."""
import re

import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.reviews import declarations
from incubator.reviews.models import Assignment, Conflict, RoundReviewer
from incubator.reviews.states import ConflictSource


@pytest.fixture
def blind(make_review_world, org, staff):
    return make_review_world(org, staff, blind=True, applications=5, members=2)


def url(world) -> str:
    return f"/reviews/rounds/{world.round.id}/declare"


def listed(page_text) -> list[tuple[str, str]]:
    """(checkbox value, label) in page order."""
    return [(value, re.sub(r"\s+", " ", label).strip()) for value, label in re.findall(
        r'<input type="checkbox" name="entry" value="([^"]+)" id="entry-\d+"> <label for="entry-\d+">([^<]+)<',
        page_text)]


def application_order(world) -> list[str]:
    order = []
    for application in world.applications:
        order.append(application.team.name)
        for member in application.team.members:
            order.append(member.user.name)
    return order


def test_the_list_names_everyone_shuffled_and_stable_per_reviewer(make_client, blind):
    first = listed(make_client(blind.reviewers[0]).get(url(blind)).text)
    labels = [label for _, label in first]
    expected = set(application_order(blind)) | {f"bayou{a.team.name.split()[-1]}.org" for a in blind.applications}
    assert {label.rsplit(" (", 1)[0] for label in labels} == expected
    assert len(labels) == len(expected)  # each once
    names_in_page_order = [label.rsplit(" (", 1)[0] for label in labels if not label.endswith(".org (organization)")]
    assert names_in_page_order != application_order(blind)
    assert names_in_page_order != sorted(names_in_page_order)
    again = listed(make_client(blind.reviewers[0]).get(url(blind)).text)
    assert again == first  # stable for the reviewer
    other = listed(make_client(blind.reviewers[1]).get(url(blind)).text)
    assert [label for _, label in other] != labels  # another order for another reviewer
    assert {label for _, label in other} == set(labels)


def test_the_list_cannot_be_mapped_to_an_application(make_client, blind):
    page = make_client(blind.reviewers[0]).get(url(blind)).text
    form = page[page.index("<form method=\"post\" novalidate>"):page.index("</form>", page.index("<fieldset>"))]
    for application in blind.applications:
        assert f'"{application.id}"' not in form and f"-{application.id}\"" not in form.replace("entry-", "")
        assert application.school_name not in page
    assert "data-" not in form
    values = [value for value, _ in listed(page)]
    assert all(re.fullmatch(r"[0-9a-f]{24}", value) for value in values)
    ids = [int(i) for i in re.findall(r'id="entry-(\d+)"', form)]
    assert ids == list(range(1, len(values) + 1))  # positions on the page, nothing else
    for member in blind.applications[0].team.members:
        assert member.user.email not in page  # domains, never addresses


def test_ticks_become_conflicts_with_the_right_applications_only(make_client, blind):
    reviewer = blind.reviewers[0]
    target, by_domain, untouched = blind.applications[1], blind.applications[3], blind.applications[0]
    assigned = blind.assign(target, reviewer)
    kept = blind.assign(untouched, reviewer)
    client = make_client(reviewer)
    entries = {label.rsplit(" (", 1)[0]: value for value, label in listed(client.get(url(blind)).text)}
    domain = by_domain.team.members[0].user.email.split("@")[1]
    response = client.post(url(blind), data={"entry": [entries[target.team.members[1].user.name], entries[domain]]})
    assert response.status_code == 302
    found = {(c.application_id, c.source) for c in db.session.scalars(
        sa.select(Conflict).where(Conflict.reviewer_id == reviewer.id))}
    assert found == {(target.id, ConflictSource.round_list), (by_domain.id, ConflictSource.round_list)}
    assert db.session.get(Assignment, assigned.id) is None and db.session.get(Assignment, kept.id) is not None
    row = db.session.scalar(sa.select(RoundReviewer).where(RoundReviewer.round_id == blind.round.id,
                                                           RoundReviewer.user_id == reviewer.id))
    assert row.list_declared_at is not None
    assert make_client(reviewer).get(f"/reviews/assignments/{assigned.id}/declare").status_code == 404
    assert make_client(reviewer).get(f"/reviews/assignments/{kept.id}/declare").status_code == 200
    # the flash says nothing of which application it was
    page = client.get(url(blind)).text
    assert target.school_name not in page and str(target.id) not in re.findall(r"#(\d+)", page)


def test_ticking_nothing_declares_the_list_without_conflicts(make_client, blind):
    assignment = blind.assign(blind.applications[0], blind.reviewers[0])
    client = make_client(blind.reviewers[0])
    response = client.post(url(blind), data={"next_assignment": str(assignment.id)})
    assert response.headers["Location"].endswith(f"/reviews/assignments/{assignment.id}/declare")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0
    assert declarations.needs_round_list(blind.round, blind.reviewers[0]) is False


@pytest.mark.parametrize("data", [
    {"entry": ["0" * 24, "<script>", "x" * 50_000, "\x00"]},
    {"entry": [str(i) for i in range(10_000)]},
    {"next_assignment": "99999999999999"},
    {"next_assignment": "²"},
], ids=range(4))
def test_hostile_lists_create_nothing(make_client, blind, data):
    response = make_client(blind.reviewers[0]).post(url(blind), data=data)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0


def test_another_reviewers_assignment_is_not_a_place_to_go(make_client, blind):
    theirs = blind.assign(blind.applications[0], blind.reviewers[1])
    response = make_client(blind.reviewers[0]).post(url(blind), data={"next_assignment": str(theirs.id)})
    assert f"/assignments/{theirs.id}" not in response.headers["Location"]


def test_a_lifted_conflict_is_left_lifted_by_the_list(make_client, blind, staff):
    from incubator.core.timeutil import utcnow

    reviewer, application = blind.reviewers[0], blind.applications[2]
    db.session.add(Conflict(application=application, reviewer=reviewer, source=ConflictSource.staff,
                            lifted_at=utcnow(), lifted_by_id=staff.id))
    db.session.commit()
    client = make_client(reviewer)
    entries = {label.rsplit(" (", 1)[0]: value for value, label in listed(client.get(url(blind)).text)}
    client.post(url(blind), data={"entry": [entries[application.team.name]]})
    conflict = db.session.scalar(sa.select(Conflict))
    assert conflict.lifted_at is not None and conflict.source == ConflictSource.staff


def test_who_may_reach_the_list(make_client, make_user, make_org, grant_role, blind, make_review_world, org, staff):
    outsider_reviewer = grant_role(make_user("solo@reviewers.org"), org, "reviewer")  # not in the pool
    assert make_client(outsider_reviewer).get(url(blind)).status_code == 404
    assert make_client(outsider_reviewer).post(url(blind), data={"entry": []}).status_code == 404
    assert make_client(staff).get(url(blind)).status_code == 404
    other = make_org("Elsewhere")
    assert make_client(grant_role(make_user("x@elsewhere.org"), other, "reviewer")).get(url(blind)).status_code == 404
    assert make_client().get(url(blind)).status_code == 404
    open_world = make_review_world(org, staff)  # an open round has no list
    assert make_client(open_world.reviewers[0]).get(url(open_world)).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0
