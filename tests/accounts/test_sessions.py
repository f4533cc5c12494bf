"""Sessions live on the server: sign-in starts a new one, sign-out and deactivation end it."""
import sqlalchemy as sa

from incubator.accounts.models import UserSession
from incubator.extensions import db
from tests.conftest import PASSWORD


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else ""


def replay(make_client, cookie_value):
    stranger = make_client()
    stranger.set_cookie("session", cookie_value)
    return stranger


def test_sign_in_starts_a_new_session(client, applicant):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = session_cookie(client)

    client.login(applicant)
    assert session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 1


def test_signing_in_again_ends_the_previous_server_side_session(client, make_client, applicant):
    client.login(applicant)
    first = session_cookie(client)
    client.login(applicant)
    assert session_cookie(client) != first
    assert client.get("/dashboard").status_code == 200
    assert replay(make_client, first).get("/dashboard").status_code == 302


def test_a_cookie_replayed_after_sign_out_does_not_get_in(client, make_client, applicant):
    client.login(applicant)
    cookie = session_cookie(client)
    assert replay(make_client, cookie).get("/dashboard").status_code == 200  # the cookie is the session

    client.logout()
    response = replay(make_client, cookie).get("/dashboard")
    assert response.status_code == 302 and "/login" in response.location


def test_two_devices_have_separate_sessions(make_client, applicant):
    phone, laptop = make_client(applicant), make_client(applicant)
    phone.logout()
    assert phone.get("/dashboard").status_code == 302
    assert laptop.get("/dashboard").status_code == 200


def test_the_session_cookie_is_http_only_and_same_site_lax(client, applicant):
    response = client.post("/login", data={"email": applicant.email, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_production_configuration_marks_cookies_secure():
    import config

    assert config.ProductionConfig.SESSION_COOKIE_SECURE is True
    assert config.ProductionConfig.REMEMBER_COOKIE_SECURE is True


def test_a_deactivated_account_cannot_sign_in(client, make_user):
    person = make_user("gone@example.org")
    person.is_deactivated = True
    db.session.commit()
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 401 and "deactivated" in response.text


# ---- rate limits ----------------------------------------------------------------------------


def attempt(client, email, password="wrong password here"):
    return client.post("/login", data={"email": email, "password": password})


def test_the_eleventh_attempt_for_one_account_is_refused_with_a_clear_page(client, applicant):
    for _ in range(10):
        assert attempt(client, applicant.email).status_code == 401
    response = attempt(client, applicant.email, PASSWORD)  # even the right password, from a new address
    assert response.status_code == 429
    assert "Too many attempts to sign in to this account" in response.text
    assert "Try again in 15 minutes." in response.text
    assert 'value="applicant@example.org"' in response.text and 'name="password"' in response.text  # the form
    assert client.get("/dashboard").status_code == 302


def test_the_account_limit_counts_the_address_however_it_is_written(client, applicant):
    for spelling in ["applicant@example.org", "APPLICANT@example.org", " Applicant@Example.org "] * 3 + ["applicant@example.org"]:
        attempt(client, spelling)
    assert attempt(client, "Applicant@EXAMPLE.org").status_code == 429


def test_another_account_from_the_same_address_works_until_the_address_limit(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    first, second = make_user("first@example.org"), make_user("second@example.org")
    for _ in range(10):
        attempt(client, first.email)
    assert attempt(client, first.email).status_code == 429

    client.login(second)  # signs in: 10 failures from this address so far (refusals and successes do not count)

    statuses = [attempt(client, f"someone{i}@example.org").status_code for i in range(12)]
    assert 429 in statuses, "the address limit never applied"
    assert set(statuses[:statuses.index(429)]) == {401}
    assert set(statuses[statuses.index(429):]) == {429}
    # Another address is not affected.
    other = client.post("/login", data={"email": "third@example.org", "password": "whatever at all"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 401


def test_viewing_the_sign_in_page_is_not_an_attempt(client, applicant):
    for _ in range(15):
        assert client.get("/login").status_code == 200
    assert attempt(client, applicant.email, PASSWORD).status_code == 302


def test_a_session_ends_by_itself_after_its_maximum_age(app, client, applicant, monkeypatch):
    from datetime import timedelta

    client.login(applicant)
    row = db.session.scalar(sa.select(UserSession))
    row.created_at -= timedelta(days=13)
    db.session.commit()
    assert client.get("/dashboard").status_code == 200
    row.created_at -= timedelta(days=2)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_sign_out_is_audited(client, applicant):
    from incubator.core.audit import AuditEvent

    client.login(applicant)
    client.logout()
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="user.signed_out")).actor_id == applicant.id


def test_asking_for_a_new_confirmation_link_needs_a_signed_in_person(client):
    response = client.post("/confirm/resend")
    assert response.status_code == 302 and "/login" in response.location


def test_reset_links_for_one_account_are_limited(client, applicant, mailbox, run_jobs):
    for _ in range(5):
        assert client.post("/password/forgot", data={"email": applicant.email}).status_code == 200
    assert client.post("/password/forgot", data={"email": applicant.email}).status_code == 429
    run_jobs()
    assert len(mailbox.to(applicant.email)) == 5


def test_the_sign_in_and_reset_pages_are_not_cached(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/password/reset/anything").headers["Cache-Control"] == "no-store"
