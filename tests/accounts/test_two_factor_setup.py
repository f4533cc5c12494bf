"""Setting up two-factor sign-in: a QR code and the secret typed out, a code to check it, ten
recovery codes shown once and stored hashed; new codes; turning it off where it is optional."""
import hashlib

from tests.accounts.two_factor_helpers import actions, code_now, forget_last_step, recovery_rows, set_up, wrong_code


def test_the_setup_page_shows_a_qr_code_inline_and_the_secret_in_groups(client, applicant):
    client.login(applicant)
    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200
    assert "<svg" in page.text and 'aria-label="QR code' in page.text and "<img" not in page.text
    with client.session_transaction() as session:
        secret = session["two_factor_setup_secret"]
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page.text
    # A reload keeps the same secret, so the code of an app that scanned it still works.
    client.get("/account/two-factor/setup")
    with client.session_transaction() as session:
        assert session["two_factor_setup_secret"] == secret
    assert page.headers["Cache-Control"] == "no-store"


def test_a_wrong_code_keeps_it_off_then_the_right_one_turns_it_on_with_ten_codes_shown_once(client, applicant):
    client.login(applicant)
    client.get("/account/two-factor/setup")
    with client.session_transaction() as session:
        secret = session["two_factor_setup_secret"]
    wrong = client.post("/account/two-factor/setup", data={"code": wrong_code(secret)})
    assert wrong.status_code == 401 and "That code is not right" in wrong.text
    assert applicant.two_factor_enabled_at is None and applicant.totp_secret is None

    page = client.post("/account/two-factor/setup", data={"code": code_now(secret)})
    assert page.status_code == 200 and "I have saved them" in page.text
    db_user = applicant
    from incubator.extensions import db
    db.session.refresh(db_user)
    assert db_user.totp_secret == secret and db_user.two_factor_enabled_at is not None
    import re
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", page.text)
    assert len(set(codes)) == 10
    rows = recovery_rows(db_user)
    assert len(rows) == 10
    stored = {r.code_hash for r in rows}
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert not any(c in stored or c.replace("-", "") in stored for c in codes)  # only hashes
    with client.session_transaction() as session:
        assert "two_factor_setup_secret" not in session
    # Shown once: the setup page now says it is on, and no page shows the codes again.
    again = client.get("/account/two-factor/setup")
    assert again.status_code == 302 and again.headers["Location"].endswith("/account/two-factor")
    account = client.get("/account/two-factor")
    assert "is <strong>on</strong>" in account.text and "10 unused recovery codes" in account.text
    assert codes[0] not in account.text
    assert actions() == ["accounts.two_factor.failed", "accounts.two_factor.enabled"]


def test_setting_it_up_proves_the_second_factor_for_this_session(client, applicant):
    from incubator.accounts import two_factor
    from incubator.accounts.services import load_session

    client.login(applicant)
    set_up(client, applicant)
    assert two_factor.is_recent(load_session(client.session_key()))


def test_the_profile_page_says_whether_it_is_on(client, applicant):
    client.login(applicant)
    assert "Two-factor sign-in: off" in client.get("/account").text
    set_up(client, applicant)
    assert "Two-factor sign-in: on" in client.get("/account").text


def test_new_recovery_codes_need_the_current_code_and_replace_the_old_ones(client, make_client, applicant):
    client.login(applicant)
    secret, old = set_up(client, applicant)
    refused = client.post("/account/two-factor", data={"action": "regenerate", "regenerate-code": old[0]})
    assert refused.status_code == 401  # a recovery code will not do here
    forget_last_step(applicant)
    page = client.post("/account/two-factor", data={"action": "regenerate", "regenerate-code": code_now(secret)})
    assert page.status_code == 200 and "Your old recovery codes no longer work" in page.text
    assert len(recovery_rows(applicant)) == 10
    other = make_client()
    other.post("/login", data={"email": applicant.email, "password": "correct horse battery staple"})
    other._csrf = None  # sign-in starts a new session
    assert other.post("/login/two-factor", data={"code": old[1]}).status_code == 401
    assert "accounts.two_factor.recovery_codes_regenerated" in actions()


def test_someone_for_whom_it_is_optional_can_turn_it_off(client, applicant):
    client.login(applicant)
    secret, _ = set_up(client, applicant)
    forget_last_step(applicant)
    done = client.post("/account/two-factor", data={"action": "disable", "disable-code": code_now(secret)})
    assert done.status_code == 302
    from incubator.extensions import db
    db.session.refresh(applicant)
    assert applicant.totp_secret is None and applicant.two_factor_enabled_at is None
    assert recovery_rows(applicant) == []
    assert "accounts.two_factor.disabled" in actions()
    assert "is <strong>off</strong>" in client.get("/account/two-factor").text


def test_finance_staff_cannot_turn_it_off(client, finance):
    client.login(finance)
    page = client.get("/account/two-factor")
    assert "cannot be turned off" in page.text and "Turn off two-factor sign-in</button>" not in page.text
    forget_last_step(finance)
    refused = client.post("/account/two-factor", data={"action": "disable", "disable-code": code_now(finance.totp_secret)})
    assert refused.status_code == 409 and "cannot be turned off" in refused.text
    from incubator.extensions import db
    db.session.refresh(finance)
    assert finance.two_factor_enabled_at is not None


def test_an_unknown_action_is_refused(client, applicant):
    client.login(applicant)
    assert client.post("/account/two-factor", data={"action": "<script>"}).status_code == 400
