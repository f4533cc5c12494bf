"""Forgotten passwords are reset through a mailed link; a signed-in person changes theirs."""
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new long passphrase"


def ask_for_reset(client, run_jobs, mailbox, email):
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 200 and "Check your email" in response.text
    run_jobs()
    return mailbox.link(email)


def reset(client, link, password=NEW_PASSWORD, confirm=None):
    return client.post(link, data={"password": password, "confirm": confirm or password})


def can_sign_in(make_client, email, password) -> bool:
    return make_client().post("/login", data={"email": email, "password": password}).status_code == 302


def test_a_forgotten_password_is_reset_through_the_mailed_link(client, make_client, applicant, mailbox, run_jobs):
    link = ask_for_reset(client, run_jobs, mailbox, applicant.email)
    assert "Reset your Incubator password" in mailbox.last(applicant.email)["Subject"]
    assert client.get(link).status_code == 200

    response = reset(client, link)
    assert response.status_code == 302 and "/login" in response.location
    assert can_sign_in(make_client, applicant.email, NEW_PASSWORD)
    assert not can_sign_in(make_client, applicant.email, PASSWORD)
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="user.password_reset")).actor_id == applicant.id


def test_a_reset_link_works_only_once(client, make_client, applicant, mailbox, run_jobs):
    link = ask_for_reset(client, run_jobs, mailbox, applicant.email)
    assert reset(client, link).status_code == 302
    again = make_client().post(link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"},
                        follow_redirects=True)
    assert "expired or was already used" in again.text
    db.session.expire_all()
    assert db.session.get(User, applicant.id).check_password(NEW_PASSWORD)


def test_a_reset_link_expires(client, app, applicant, old_token):
    from incubator.accounts.services import _password_fingerprint

    token = old_token("reset", {"uid": applicant.id, "pw": _password_fingerprint(applicant)},
                      app.config["RESET_TOKEN_MAX_AGE"] + 60)
    response = client.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                           follow_redirects=True)
    assert "expired or was already used" in response.text
    db.session.expire_all()
    assert db.session.get(User, applicant.id).check_password(PASSWORD)


def test_a_reset_link_a_little_younger_than_the_limit_still_works(client, app, applicant, old_token):
    from incubator.accounts.services import _password_fingerprint

    token = old_token("reset", {"uid": applicant.id, "pw": _password_fingerprint(applicant)},
                      app.config["RESET_TOKEN_MAX_AGE"] - 60)
    assert client.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_a_reset_ends_every_open_session(client, make_client, applicant, mailbox, run_jobs):
    signed_in = make_client(applicant)
    link = ask_for_reset(client, run_jobs, mailbox, applicant.email)
    reset(client, link)
    assert signed_in.get("/dashboard").status_code == 302


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, applicant, mailbox, run_jobs):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 200 and "If <strong>nobody@example.org</strong> has an account" in response.text
    run_jobs()
    assert mailbox.messages == []


def test_a_new_password_from_a_reset_must_be_long_enough(client, applicant, mailbox, run_jobs):
    link = ask_for_reset(client, run_jobs, mailbox, applicant.email)
    response = reset(client, link, password="too short")
    assert response.status_code == 422 and "Use between 12 and 256 characters." in response.text
    db.session.expire_all()
    assert db.session.get(User, applicant.id).check_password(PASSWORD)


def test_a_person_changes_their_password_after_reentering_the_current_one(client, make_client, applicant):
    other_session = make_client(applicant)
    client.login(applicant)
    response = client.post("/password/change", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this session goes on
    assert other_session.get("/dashboard").status_code == 302  # the others end
    assert can_sign_in(make_client, applicant.email, NEW_PASSWORD)


def test_changing_the_password_needs_the_current_one(client, applicant):
    client.login(applicant)
    response = client.post("/password/change", data={"current": "not my password", "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD})
    assert response.status_code == 422 and "Your current password is not right." in response.text
    db.session.expire_all()
    assert db.session.get(User, applicant.id).check_password(PASSWORD)


def test_changing_the_password_needs_a_signed_in_person(client):
    response = client.get("/password/change")
    assert response.status_code == 302 and "/login" in response.location
