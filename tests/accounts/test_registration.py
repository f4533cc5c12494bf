"""A visitor registers, confirms the address through the mailed link, signs in and out."""
import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.conftest import PASSWORD


def register(client, email="new.person@example.org", password=PASSWORD, confirm=None, name="New Person"):
    return client.post("/register", data={"name": name, "email": email, "password": password,
                                          "confirm": password if confirm is None else confirm})


def users_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_a_visitor_registers_confirms_by_mail_and_signs_in(client, mailbox, run_jobs):
    response = register(client, email="  New.Person@Example.org ")
    assert response.status_code == 200
    assert "Check your email" in response.text
    user = db.session.scalar(sa.select(User).filter_by(email="new.person@example.org"))
    assert user is not None and not user.is_confirmed

    run_jobs()
    message = mailbox.last("new.person@example.org")
    assert "Confirm your email" in message["Subject"]
    link = mailbox.link("new.person@example.org")

    response = client.get(link)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).is_confirmed

    response = client.post("/login", data={"email": "new.person@example.org", "password": PASSWORD},
                           follow_redirects=True)
    assert "Welcome, New Person." in response.text
    assert "Please confirm your email" not in response.text


def test_an_unconfirmed_person_sees_a_banner_and_can_ask_for_the_link_again(client, make_user, mailbox, run_jobs):
    person = make_user("late@example.org", confirmed=False)
    client.login(person)
    page = client.get("/dashboard")
    assert "Please confirm your email address" in page.text

    client.post("/confirm/resend")
    run_jobs()
    client.get(mailbox.link("late@example.org"))
    assert "Please confirm your email address" not in client.get("/dashboard").text


def test_registering_a_taken_address_says_the_same_and_mails_the_owner(client, applicant, mailbox, run_jobs):
    before = users_count()
    response = register(client, email="APPLICANT@example.org")
    assert response.status_code == 200 and "Check your email" in response.text
    assert users_count() == before
    run_jobs()
    assert "already has an account" in mailbox.body(mailbox.last("applicant@example.org"))


def test_a_damaged_or_forged_confirmation_link_is_refused(client, make_user):
    person = make_user("late@example.org", confirmed=False)
    response = client.get("/confirm/not-a-real-token", follow_redirects=True)
    assert "not valid or has expired" in response.text
    db.session.expire_all()
    assert not db.session.get(User, person.id).is_confirmed


def test_a_confirmation_link_stops_working_after_it_expires(client, app, make_user, old_token):
    person = make_user("late@example.org", confirmed=False)
    token = old_token("confirm", {"uid": person.id, "email": person.email}, app.config["CONFIRM_TOKEN_MAX_AGE"] + 60)
    response = client.get(f"/confirm/{token}", follow_redirects=True)
    assert "not valid or has expired" in response.text
    db.session.expire_all()
    assert not db.session.get(User, person.id).is_confirmed


def test_a_confirmation_link_for_an_address_since_changed_is_refused(client, make_user):
    from incubator.core import tokens

    person = make_user("late@example.org", confirmed=False)
    with client.application.test_request_context():
        token = tokens.sign("confirm", {"uid": person.id, "email": "old@example.org"})
    assert "not valid" in client.get(f"/confirm/{token}", follow_redirects=True).text


def test_passwords_must_be_12_to_256_characters(client):
    short = register(client, password="elevenchars")
    assert short.status_code == 422 and "Use between 12 and 256 characters." in short.text
    long = register(client, password="x" * 257)
    assert long.status_code == 422 and "Use between 12 and 256 characters." in long.text
    assert users_count() == 0
    assert register(client, password="x" * 256).status_code == 200
    assert register(client, email="twelve@example.org", password="x" * 12).status_code == 200
    assert users_count() == 2


def test_the_repeated_password_must_match(client):
    response = register(client, confirm="something else entirely")
    assert response.status_code == 422 and "The passwords do not match." in response.text
    assert users_count() == 0


def test_a_malformed_address_is_refused_with_a_clear_message(client):
    response = register(client, email="not an address")
    assert response.status_code == 422 and "Enter an email address like name@example.org." in response.text
    assert users_count() == 0


def test_sign_in_with_a_wrong_password_fails_and_is_audited(client, applicant):
    response = client.post("/login", data={"email": applicant.email, "password": "wrong password here"})
    assert response.status_code == 401
    assert "do not match an account" in response.text
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="user.sign_in_failed"))
    assert event.actor_id is None and event.actor_email == applicant.email and event.object_id == applicant.id
    assert event.ip_address == "127.0.0.1"
    assert client.get("/dashboard").status_code == 302


def test_sign_in_for_an_unknown_address_gives_the_same_answer(client, applicant):
    wrong = client.post("/login", data={"email": applicant.email, "password": "wrong password here"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "wrong password here"})
    assert unknown.status_code == wrong.status_code == 401
    assert "do not match an account" in unknown.text
    assert db.session.scalar(sa.select(AuditEvent).filter_by(actor_email="nobody@example.org")).action == "user.sign_in_failed"


def test_a_person_signs_out(client, applicant):
    client.login(applicant)
    response = client.logout()
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get("/dashboard").status_code == 302


def test_sign_in_goes_back_to_a_local_page_only(client, applicant):
    response = client.post("/login?next=/admin/users", data={"email": applicant.email, "password": PASSWORD})
    assert response.location == "/admin/users"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\t/evil.example", "/\\evil.example"])
def test_sign_in_never_sends_a_person_to_another_site(client, applicant, target):
    response = client.post("/login", query_string={"next": target},
                           data={"email": applicant.email, "password": PASSWORD})
    assert response.location == "/dashboard"


def test_an_international_domain_is_stored_in_its_ascii_form_and_mail_reaches_it(client, mailbox, run_jobs):
    assert register(client, email="pat@exämple.org").status_code == 200
    assert db.session.scalar(sa.select(User.email)) == "pat@xn--exmple-cua.org"
    run_jobs()
    assert mailbox.last("pat@xn--exmple-cua.org")


def test_an_address_with_international_letters_before_the_at_is_refused_clearly(client):
    response = register(client, email="pät@example.org")
    assert response.status_code == 422 and "Enter an email address like name@example.org." in response.text
    assert users_count() == 0


def test_two_registrations_for_one_address_at_once_end_well(client, applicant, monkeypatch):
    from incubator.accounts import services

    monkeypatch.setattr(services, "find_user", lambda email: None)  # the other request has not committed yet
    response = register(client, email=applicant.email)
    assert response.status_code == 200 and "Check your email" in response.text
    assert users_count() == 1
