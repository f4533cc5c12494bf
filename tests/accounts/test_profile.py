"""A person changes their own name, and their email address through a link sent to the new one:
the address changes only when the link is followed, the old address is told, both are audited."""
import re

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.conftest import PASSWORD

LINK = r"https?://\S+/account/email/\S+"


def events(action):
    return list(db.session.scalars(sa.select(AuditEvent).filter_by(action=action)))


def ask(client, email, password=PASSWORD):
    return client.post("/account/email", data={"email": email, "password": password})


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_the_top_bar_links_to_the_profile_where_a_person_changes_their_name(make_client, applicant):
    client = make_client(applicant)
    assert '<a href="/account" title="Your profile">Ari Applicant</a>' in client.get("/dashboard").text
    page = client.get("/account")
    assert page.status_code == 200 and 'value="Ari Applicant"' in page.text and "Change your password" in page.text

    response = client.post("/account", data={"name": "  Ari Okafor  "}, follow_redirects=True)
    assert "Your name is saved." in response.text and "Ari Okafor" in response.text
    assert fresh(applicant).name == "Ari Okafor"
    [event] = events("user.name_changed")
    assert event.actor_id == applicant.id and event.details == {"changes": {"name": ["Ari Applicant", "Ari Okafor"]}}


@pytest.mark.parametrize("name, message", [("x" * 121, "at most 120 characters"), ("Ari\nAdmin", "one line"),
                                           ("Ari\x00", "control characters"), ("Ari \u202eredaeR", "one line")])
def test_a_hostile_name_is_refused_and_nothing_changes(make_client, applicant, name, message):
    response = make_client(applicant).post("/account", data={"name": name})
    assert response.status_code == 422 and message in response.text
    assert fresh(applicant).name == "Ari Applicant" and events("user.name_changed") == []


def test_the_profile_needs_a_signed_in_person(client):
    assert "/login" in client.get("/account").location
    assert "/login" in client.post("/account/email", data={"email": "x@example.org"}).location


def test_the_address_changes_only_when_the_link_sent_to_it_is_followed(make_client, applicant, mailbox, run_jobs):
    client = make_client(applicant)
    response = ask(client, "Ari.New@Example.org")
    assert response.status_code == 302
    page = client.get("/account").text
    assert "We sent a link to ari.new@example.org" in page
    assert fresh(applicant).email == "applicant@example.org"  # not yet
    run_jobs()
    assert "Confirm your new email address" in mailbox.last("ari.new@example.org")["Subject"]
    path = mailbox.link("ari.new@example.org", LINK).removeprefix("http://localhost")

    # Opening the link (a mail scanner does) only shows what will change.
    shown = make_client().get(path)
    assert shown.status_code == 200 and "ari.new@example.org" in shown.text and "applicant@example.org" in shown.text
    assert fresh(applicant).email == "applicant@example.org"

    done = client.post(path)
    assert done.status_code == 302
    person = fresh(applicant)
    assert person.email == "ari.new@example.org" and person.is_confirmed
    [event] = events("user.email_changed")
    assert event.actor_id == applicant.id
    assert event.details == {"changes": {"email": ["applicant@example.org", "ari.new@example.org"]}}
    assert events("user.email_change_requested")
    run_jobs()
    told = mailbox.last("applicant@example.org")
    assert told["Subject"] == "Your Incubator email address was changed"
    assert "from applicant@example.org to ari.new@example.org" in mailbox.body(told)

    # Signing in now takes the new address; the link works once.
    client.logout()
    assert make_client().post("/login", data={"email": "applicant@example.org", "password": PASSWORD}).status_code == 401
    assert make_client().post("/login", data={"email": "ari.new@example.org", "password": PASSWORD}).status_code == 302
    again = make_client().get(path, follow_redirects=True)
    assert "not valid, has expired or was already used" in again.text


def test_a_wrong_password_sends_nothing(make_client, applicant, mailbox, run_jobs):
    response = ask(make_client(applicant), "ari.new@example.org", "not my password at all")
    assert response.status_code == 422 and "Your password is not right." in response.text
    run_jobs()
    assert mailbox.to("ari.new@example.org") == []


def test_the_same_address_is_refused_clearly(make_client, applicant):
    response = ask(make_client(applicant), "APPLICANT@example.org")
    assert response.status_code == 422 and "That is already your email address." in response.text


def test_an_address_that_has_an_account_gets_a_notice_not_a_link(make_client, applicant, staff, mailbox, run_jobs):
    response = ask(make_client(applicant), staff.email)
    assert response.status_code == 302  # the same answer as for a free address
    run_jobs()
    notice = mailbox.last(staff.email)
    assert notice["Subject"] == "Someone tried to use your address on Incubator"
    assert not re.search(LINK, mailbox.body(notice))
    assert fresh(applicant).email == "applicant@example.org"


def test_an_address_taken_between_asking_and_confirming_is_not_moved(
        make_client, make_user, applicant, mailbox, run_jobs):
    client = make_client(applicant)
    ask(client, "ari.new@example.org")
    run_jobs()
    path = mailbox.link("ari.new@example.org", LINK).removeprefix("http://localhost")
    make_user("ari.new@example.org")  # someone registered it meanwhile
    response = client.post(path)
    assert response.status_code == 409 and "now belongs to another account" in response.text
    assert fresh(applicant).email == "applicant@example.org" and events("user.email_changed") == []


def test_an_expired_or_forged_link_changes_nothing(app, make_client, applicant, old_token):
    client = make_client(applicant)
    expired = old_token("email-change", {"uid": applicant.id, "old": applicant.email, "new": "late@example.org"},
                        app.config["CONFIRM_TOKEN_MAX_AGE"] + 60)
    for token in (expired, "forged-token", "x" * 5000):
        response = client.post(f"/account/email/{token}", follow_redirects=True)
        assert "not valid, has expired or was already used" in response.text
    assert fresh(applicant).email == "applicant@example.org"


def test_asking_for_address_changes_is_limited(make_client, applicant, mailbox, run_jobs):
    client = make_client(applicant)
    statuses = [ask(client, f"ari{n}@example.org").status_code for n in range(4)]
    statuses.append(ask(client, "ari.x@example.org", "a wrong password guess").status_code)
    refused = ask(client, "ari9@example.org")
    assert statuses == [302] * 4 + [422] and refused.status_code == 429
    assert "Too many address changes asked for in a short time. Try again in" in refused.text
    run_jobs()
    assert mailbox.to("ari9@example.org") == []
