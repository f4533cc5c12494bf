"""Program staff create and edit challenges; bad input is refused with a clear message."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from incubator.challenges.models import Challenge, Track
from incubator.core.audit import AuditEvent
from incubator.extensions import db


def form(**overrides):
    data = {
        "title": "Future of School", "slug": "future-of-school", "track": "new_school",
        "summary_md": "Design a **new** school.", "opens_at": "2030-01-10T09:00", "closes_at": "2030-03-01T17:00",
        "slots": "3", "grant_pool": "300,000", "planning_grant": "100000.50",
    }
    data.update(overrides)
    return data


def challenges():
    return db.session.scalars(db.select(Challenge)).all()


def test_staff_create_a_challenge_with_times_in_the_organisations_zone(staff_client, org):
    page = staff_client.get("/challenges/new")
    assert page.status_code == 200
    assert "America/Chicago" in page.text  # the zone is shown next to the time fields

    response = staff_client.post("/challenges/new", data=form(organisation_id=org.id))

    assert response.status_code == 302
    challenge = db.session.scalar(db.select(Challenge))
    assert challenge.title == "Future of School" and challenge.track == Track.new_school
    # 9:00 in Chicago in January is 15:00 UTC (CST); 17:00 on 1 March is 23:00 UTC.
    assert challenge.opens_at == datetime(2030, 1, 10, 15, 0, tzinfo=timezone.utc)
    assert challenge.closes_at == datetime(2030, 3, 1, 23, 0, tzinfo=timezone.utc)
    assert challenge.grant_pool_cents == 30_000_000 and challenge.planning_grant_cents == 10_000_050
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="challenge.created")).object_id == challenge.id
    manage = staff_client.get(response.location)
    assert "Future of School" in manage.text and "$300,000" in manage.text and "$100,000.50" in manage.text


def test_staff_edit_a_challenge_and_see_their_local_times_again(staff_client, org):
    staff_client.post("/challenges/new", data=form(organisation_id=org.id))
    challenge = db.session.scalar(db.select(Challenge))

    page = staff_client.get(f"/challenges/{challenge.id}/edit")
    assert 'value="2030-01-10T09:00"' in page.text and 'value="300,000"' in page.text

    response = staff_client.post(f"/challenges/{challenge.id}/edit", data=form(title="Future of School 2030", slots="2"))
    assert response.status_code == 302
    db.session.refresh(challenge)
    assert (challenge.title, challenge.slots) == ("Future of School 2030", 2)
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="challenge.updated")).details == {"fields": ["slots", "title"]}


BAD_INPUT = [
    ({"closes_at": "2030-01-01T09:00"}, "closing time must be after the opening time"),
    ({"closes_at": "2030-01-10T09:00"}, "closing time must be after the opening time"),
    ({"opens_at": "next tuesday"}, "Not a valid datetime value"),
    ({"slug": "Future of School!"}, "lower-case letters, digits and single hyphens"),
    ({"slug": "new"}, "reserved"),
    ({"slug": "x" * 81}, "at most 80 characters"),
    ({"grant_pool": "-5"}, "zero or more"),
    ({"planning_grant": "100.005"}, "whole cents"),
    ({"planning_grant": "a lot"}, "Enter an amount in dollars"),
    ({"planning_grant": "sNaN"}, "zero or more"),
    ({"grant_pool": "Infinity"}, "zero or more"),
    ({"grant_pool": "1" * 41}, "too long"),
    ({"opens_at": "2030-02-30T09:00"}, "Not a valid datetime value"),
    ({"slots": "1e10"}, "Not a valid integer value"),
    ({"slug": "école"}, "lower-case letters, digits and single hyphens"),
    ({"slug": "a--b"}, "lower-case letters, digits and single hyphens"),
    ({"grant_pool": ""}, "Enter an amount in dollars"),
    ({"slots": "0"}, "Between 1 and 1,000 slots"),
    ({"title": ""}, "Give the challenge a title"),
    ({"title": "x" * 201}, "at most 200 characters"),
    ({"title": "Future\x00of School"}, "control characters"),
    ({"summary_md": "Hello\x00"}, "control characters"),
    ({"title": "<script>alert(1)</script>"}, "plain text"),
    ({"track": "charter"}, "Not a valid choice"),
    ({"summary_md": "x" * 20_001}, "at most 20,000 characters"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(staff_client, org, overrides, message):
    response = staff_client.post("/challenges/new", data=form(organisation_id=org.id, **overrides))
    assert response.status_code == 422
    assert message in response.text
    assert challenges() == []


def test_a_one_megabyte_title_is_refused(staff_client, org):
    response = staff_client.post("/challenges/new", data=form(organisation_id=org.id, title="x" * 1_000_000))
    assert response.status_code == 422
    assert "A title is at most 200 characters." in response.text
    assert challenges() == []


def test_a_slug_taken_by_another_challenge_is_refused(staff_client, org, make_challenge):
    make_challenge(slug="future-of-school")
    response = staff_client.post("/challenges/new", data=form(organisation_id=org.id))
    assert response.status_code == 422
    assert "taken by another challenge" in response.text
    assert len(challenges()) == 1


def test_staff_cannot_create_a_challenge_in_another_organisation(staff_client, make_org):
    other = make_org("Elsewhere")
    response = staff_client.post("/challenges/new", data=form(organisation_id=other.id))
    assert response.status_code == 422
    assert "Not a valid choice" in response.text
    assert challenges() == []


def test_a_failed_edit_changes_nothing(staff_client, make_challenge):
    challenge = make_challenge(title="Before", slug="before")
    response = staff_client.post(f"/challenges/{challenge.id}/edit", data=form(title="After", slug="before", grant_pool="-1"))
    assert response.status_code == 422
    db.session.refresh(challenge)
    assert challenge.title == "Before"


def test_the_opening_time_cannot_move_once_the_challenge_has_opened(staff_client, open_challenge):
    response = staff_client.post(f"/challenges/{open_challenge.id}/edit", data=form(
        slug=open_challenge.slug, opens_at="2031-01-01T09:00", closes_at="2031-03-01T17:00"))
    assert response.status_code == 422
    assert "opening time can no longer change" in response.text
    before = open_challenge.opens_at
    db.session.refresh(open_challenge)
    assert open_challenge.opens_at == before


def test_the_closing_time_can_be_extended_while_open(staff_client, open_challenge):
    page = staff_client.get(f"/challenges/{open_challenge.id}/edit")
    opens = re.search(r'id="opens_at"[^>]* value="([^"]+)"', page.text).group(1)
    response = staff_client.post(f"/challenges/{open_challenge.id}/edit", data=form(
        slug=open_challenge.slug, opens_at=opens, closes_at="2040-01-01T17:00"))
    assert response.status_code == 302
    db.session.refresh(open_challenge)
    assert open_challenge.closes_at == datetime(2040, 1, 1, 23, 0, tzinfo=timezone.utc)
    assert open_challenge.closes_at > open_challenge.opens_at + timedelta(days=1)


def test_times_are_read_in_the_zone_of_the_organisation_chosen(make_client, staff, make_org, grant_role, org):
    london = make_org("London Schools", timezone="Europe/London")
    grant_role(staff, london, "program_staff")
    client = make_client(staff)
    page = client.get("/challenges/new").text
    assert "London Schools: <strong>Europe/London</strong>" in page
    assert "New Schools for New Orleans: <strong>America/Chicago</strong>" in page

    client.post("/challenges/new", data=form(organisation_id=london.id, opens_at="2030-07-01T09:00",
                                                closes_at="2030-08-01T17:00"))

    challenge = db.session.scalar(db.select(Challenge))
    assert challenge.organisation_id == london.id
    assert challenge.opens_at == datetime(2030, 7, 1, 8, 0, tzinfo=timezone.utc)  # 09:00 BST
