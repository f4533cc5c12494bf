"""A draft whose challenge has closed: every page of it says so first, and saving says it can no longer be submitted."""
from datetime import timedelta

import pytest

from incubator.applications.models import Application
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from tests.applications.test_editing import form_of

NOTICE = 'id="closed-notice"'


@pytest.fixture
def closed_draft(team, make_challenge):
    now = utcnow()
    challenge = make_challenge(title="Closed Challenge", opens_at=now - timedelta(days=20),
                               closes_at=now - timedelta(hours=1))
    application = Application(team=team, challenge=challenge)
    db.session.add(application)
    db.session.commit()
    return application


def test_the_edit_page_of_a_closed_draft_says_first_that_it_can_no_longer_be_submitted(make_client, member, closed_draft):
    page = make_client(member).get(f"/applications/{closed_draft.id}/edit").text
    assert NOTICE in page
    notice = page[page.index(NOTICE):]
    assert "Closed Challenge has closed" in notice and "can no longer be submitted" in notice
    assert page.index(NOTICE) < page.index('id="application-form"')
    # Nothing invites the team to finish any more.
    assert "Still missing before you can submit" not in page and "are needed to submit" not in page


def test_the_submit_page_of_a_closed_draft_offers_no_way_to_finish_or_submit(make_client, member, closed_draft):
    page = make_client(member).get(f"/applications/{closed_draft.id}/submit").text
    assert NOTICE in page and "can no longer be submitted" in page
    assert "Complete the application" not in page and "Still missing" not in page
    assert "Submit the application now?" not in page


def test_submitting_a_closed_draft_is_refused_and_the_page_shows_the_notice(make_client, member, closed_draft):
    response = make_client(member).post(f"/applications/{closed_draft.id}/submit", data={})
    assert response.status_code == 409
    assert NOTICE in response.text and "can no longer be submitted" in response.text
    db.session.expire_all()
    assert closed_draft.status == "draft"


def test_saving_a_closed_draft_keeps_the_change_and_says_it_can_no_longer_be_submitted(make_client, member, closed_draft):
    client = make_client(member)
    response = client.post(f"/applications/{closed_draft.id}/edit", data=form_of(closed_draft), follow_redirects=True)
    assert response.status_code == 200
    assert "Draft saved, but Closed Challenge closed at" in response.text
    assert "this application can no longer be submitted" in response.text
    assert 'flash-error" role="alert">Draft saved, but' in response.text and ">Draft saved.<" not in response.text
    db.session.expire_all()
    assert closed_draft.school_name == "Bayou Community School"


def test_the_application_page_of_a_closed_draft_says_so_and_offers_no_submit(make_client, member, closed_draft):
    page = make_client(member).get(f"/applications/{closed_draft.id}").text
    assert NOTICE in page and "Review and submit" not in page and "Still missing before you can submit" not in page


def test_an_open_draft_shows_no_closed_notice_and_saving_just_saves(make_client, member, application):
    client = make_client(member)
    for path in ("", "/edit", "/submit"):
        assert NOTICE not in client.get(f"/applications/{application.id}{path}").text
    response = client.post(f"/applications/{application.id}/edit", data=form_of(application), follow_redirects=True)
    assert "Draft saved." in response.text and "can no longer be submitted" not in response.text


def test_the_notice_appears_the_moment_the_deadline_passes(make_client, member, application, freeze):
    client = make_client(member)
    freeze(application.challenge.closes_at - timedelta(seconds=1))
    assert NOTICE not in client.get(f"/applications/{application.id}/edit").text
    freeze(application.challenge.closes_at)
    assert NOTICE in client.get(f"/applications/{application.id}/edit").text
