"""The second step of sign-in: after the right password, a 6-digit code (once) or a recovery
code (once) completes it; until then the person is not signed in; wrong codes are limited."""
import sqlalchemy as sa

from incubator.accounts.models import UserSession
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.accounts.two_factor_helpers import actions, code_now, forget_last_step, live_sessions, set_up, wrong_code
from tests.conftest import PASSWORD, enrol


def password_step(client, user, **data):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, **data})
    assert response.status_code == 302
    client._csrf = None
    return response


def test_a_right_password_leads_to_the_code_step_and_is_not_yet_a_sign_in(client, applicant):
    enrol(applicant)
    response = password_step(client, applicant)
    assert response.headers["Location"].endswith("/login/two-factor")
    assert live_sessions(applicant) == 0  # no session row until the code is right
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 302 and "/login" in dashboard.headers["Location"]
    page = client.get("/login/two-factor")
    assert page.status_code == 200 and "Code from your authenticator app" in page.text


def test_the_right_code_signs_in_with_a_recent_second_factor(client, applicant):
    enrol(applicant)
    password_step(client, applicant)
    done = client.post("/login/two-factor", data={"code": code_now(applicant.totp_secret)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == applicant.id))
    assert row.second_factor_at is not None and row.ended_at is None
    with client.session_transaction() as session:
        assert "two_factor_pending" not in session
    signed_in = db.session.scalar(sa.select(AuditEvent).filter_by(action="user.signed_in"))
    assert signed_in.actor_id == applicant.id and signed_in.details["second_factor"] == "code"
    assert actions() == []  # the sign-in event says how; "used" is for confirming again


def test_the_password_alone_is_not_audited_as_a_sign_in(client, applicant):
    enrol(applicant)
    password_step(client, applicant)
    assert actions("user.signed_in") == []


def test_the_page_asked_for_is_where_sign_in_ends(client, applicant):
    enrol(applicant)
    password_step(client, applicant, next="/account")
    done = client.post("/login/two-factor", data={"code": code_now(applicant.totp_secret)})
    assert done.headers["Location"] == "/account"


def test_a_code_is_never_accepted_twice(client, make_client, applicant):
    enrol(applicant)
    code = code_now(applicant.totp_secret)
    password_step(client, applicant)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302
    other = make_client()
    password_step(other, applicant)
    replayed = other.post("/login/two-factor", data={"code": code})
    assert replayed.status_code == 401 and "That code is not right" in replayed.text
    assert other.get("/dashboard").status_code == 302


def test_a_recovery_code_works_once_and_says_how_many_remain(client, make_client, applicant):
    client.login(applicant)
    _, codes = set_up(client, applicant)
    client.logout()
    password_step(client, applicant)
    done = client.post("/login/two-factor", data={"code": codes[3].upper()}, follow_redirects=True)
    assert done.status_code == 200 and "You used a recovery code: 9 left" in done.text
    again = make_client()
    password_step(again, applicant)
    assert again.post("/login/two-factor", data={"code": codes[3]}).status_code == 401
    assert "accounts.two_factor.recovery_code_used" in actions()


def test_the_half_signed_in_marker_expires_after_five_minutes(client, applicant):
    import time

    enrol(applicant)
    password_step(client, applicant)
    with client.session_transaction() as session:
        session["two_factor_pending"] = {**session["two_factor_pending"], "at": time.time() - 301}
    late = client.post("/login/two-factor", data={"code": code_now(applicant.totp_secret)})
    assert late.status_code == 302 and late.headers["Location"].endswith("/login")
    assert live_sessions(applicant) == 0


def test_without_a_password_first_the_code_page_sends_to_sign_in(client):
    assert client.get("/login/two-factor").headers["Location"].endswith("/login")
    assert client.post("/login/two-factor", data={"code": "123456"}).headers["Location"].endswith("/login")


def test_signing_in_as_someone_with_two_factor_signs_out_whoever_was_signed_in(client, applicant, make_user):
    other = enrol(make_user("second@example.org"))
    client.login(applicant)
    password_step(client, other)
    assert live_sessions(applicant) == 0
    assert client.get("/dashboard").status_code == 302


def test_wrong_codes_are_limited_per_account_even_from_many_addresses(make_client, applicant, app):
    enrol(applicant)
    statuses = []
    for n in range(7):
        c = make_client()
        c.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
        password_step(c, applicant)
        statuses.append(c.post("/login/two-factor", data={"code": wrong_code(applicant.totp_secret)}).status_code)
    assert statuses == [401] * 5 + [429] * 2
    # Even the right code is refused until the limit passes (nothing is checked).
    c = make_client()
    password_step(c, applicant)
    refused = c.post("/login/two-factor", data={"code": code_now(applicant.totp_secret)})
    assert refused.status_code == 429 and "Too many wrong codes. Try again in" in refused.text
    assert live_sessions(applicant) == 0
    assert actions().count("accounts.two_factor.failed") == 5


def test_right_codes_do_not_use_up_the_limit(client, applicant):
    enrol(applicant)
    for _ in range(7):
        password_step(client, applicant)
        forget_last_step(applicant)
        assert client.post("/login/two-factor", data={"code": code_now(applicant.totp_secret)}).status_code == 302
        client.logout()


def test_an_admin_reset_removes_the_secret_and_codes_and_ends_their_sessions(client, make_client, admin, applicant):
    person = make_client()
    person.login(applicant)
    set_up(person, applicant)
    client.login(admin)
    detail = client.get(f"/admin/users/{applicant.id}")
    assert "Reset two-factor sign-in" in detail.text and "data-confirm" in detail.text
    done = client.post(f"/admin/users/{applicant.id}/two-factor/reset")
    assert done.status_code == 302
    db.session.refresh(applicant)
    assert applicant.totp_secret is None and applicant.two_factor_enabled_at is None
    assert live_sessions(applicant) == 0
    assert person.get("/dashboard").status_code == 302
    assert "accounts.two_factor.reset" in actions()
    # Signing in again needs only the password (and a finance user is sent to set it up again).
    assert password_step(make_client(), applicant).headers["Location"].endswith("/dashboard")


def test_an_admin_cannot_reset_their_own_and_others_cannot_reset_at_all(client, make_client, admin, staff, finance):
    client.login(admin)
    own = client.post(f"/admin/users/{admin.id}/two-factor/reset", follow_redirects=True)
    assert "You cannot reset your own" in own.text
    db.session.refresh(admin)
    assert admin.two_factor_enabled_at is not None
    outsider = make_client(staff)
    assert outsider.post(f"/admin/users/{finance.id}/two-factor/reset").status_code == 404
    assert client.post("/admin/users/999999/two-factor/reset").status_code == 404
    assert client.post("/admin/users/99999999999/two-factor/reset").status_code == 404
    db.session.refresh(finance)
    assert finance.two_factor_enabled_at is not None
