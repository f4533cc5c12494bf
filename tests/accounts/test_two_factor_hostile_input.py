"""Hostile input on every two-factor form: long codes, letters, control characters, HTML, huge
input, forged CSRF; nothing signs in, nothing changes, each answer is a page, never a 500."""
import pytest

from incubator.extensions import db
from tests.accounts.two_factor_helpers import actions, code_now, live_sessions
from tests.conftest import PASSWORD, enrol

BAD_CODES = {
    "123456789012": 401,  # twelve digits: not a code (and not a recovery code)
    "abcdef": 401,
    "12345": 401,
    "<script>alert(1)</script>": 422,  # longer than any code
    "12\x003456": 422,
    "123\u202e456": 422,
    "1" * 5000: 422,
    "": 422,
    "١٢٣٤٥٦": 401,  # Arabic-Indic digits are not ASCII digits
}


@pytest.fixture
def half_signed_in(client, applicant):
    enrol(applicant)
    client.post("/login", data={"email": applicant.email, "password": PASSWORD})
    client._csrf = None
    return client


@pytest.mark.parametrize("code,status", BAD_CODES.items(), ids=range(len(BAD_CODES)))
def test_the_sign_in_step_refuses_hostile_codes(half_signed_in, applicant, code, status):
    response = half_signed_in.post("/login/two-factor", data={"code": code})
    assert response.status_code == status
    assert "<script>alert" not in response.text
    assert live_sessions(applicant) == 0


def test_a_code_with_spaces_as_apps_show_it_is_accepted(half_signed_in, applicant):
    code = code_now(applicant.totp_secret)
    assert half_signed_in.post("/login/two-factor", data={"code": f" {code[:3]} {code[3:]} "}).status_code == 302


def test_a_forged_form_is_refused(half_signed_in, applicant):
    response = half_signed_in.post("/login/two-factor", data={"code": code_now(applicant.totp_secret),
                                                              "csrf_token": "forged"})
    assert response.status_code == 400 and live_sessions(applicant) == 0


def test_a_damaged_half_signed_in_marker_sends_to_sign_in(half_signed_in, applicant):
    for marker in ({"uid": "1", "at": 0}, {"uid": 10**12, "at": 1e18}, "text", None, {"uid": applicant.id}):
        with half_signed_in.session_transaction() as session:
            session["two_factor_pending"] = marker
        response = half_signed_in.get("/login/two-factor")
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("code", ["123456789012", "<b>x</b>", "\x07" * 6, "9" * 300])
def test_setup_refuses_hostile_codes(client, applicant, code):
    client.login(applicant)
    client.get("/account/two-factor/setup")
    response = client.post("/account/two-factor/setup", data={"code": code})
    assert response.status_code in (401, 422)
    db.session.refresh(applicant)
    assert applicant.two_factor_enabled_at is None


def test_a_damaged_setup_secret_starts_again(client, applicant):
    client.login(applicant)
    client.get("/account/two-factor/setup")
    with client.session_transaction() as session:
        session["two_factor_setup_secret"] = "not base32 at all!"
    response = client.post("/account/two-factor/setup", data={"code": "123456"})
    assert response.status_code == 302
    db.session.refresh(applicant)
    assert applicant.two_factor_enabled_at is None


@pytest.mark.parametrize("code", ["123456789012", "x" * 400, "1\r\n23456"])
def test_confirm_and_the_account_page_refuse_hostile_codes(client, finance, code):
    client.login(finance)
    assert client.post("/account/two-factor/confirm", data={"code": code}).status_code in (401, 422)
    assert client.post("/account/two-factor", data={"action": "regenerate", "regenerate-code": code}).status_code in (401, 422)
    assert "accounts.two_factor.recovery_codes_regenerated" not in actions()


HOSTILE = ["²", "١٢", "\x00", "x" * 20_000, "-1", "99999999999999999999", "<script>alert(1)</script>",
           "' OR 1=1 --", "\u202e\u200b", ""]


def test_no_hostile_value_on_any_two_factor_page_is_a_server_error(make_client, admin, applicant, finance):
    enrol(applicant)
    clients = [make_client(admin), make_client(finance)]
    half = make_client()
    half.post("/login", data={"email": applicant.email, "password": PASSWORD})
    half._csrf = None
    clients.append(half)
    paths = ["/account/two-factor", "/account/two-factor/setup", "/account/two-factor/confirm", "/login/two-factor",
             f"/admin/users/{applicant.id}/two-factor/reset"]
    for value in HOSTILE:
        for client in clients:
            for path in paths:
                data = {"code": value, "action": value, "next": value, "disable-code": value, "regenerate-code": value}
                for response in (client.get(path, query_string={"next": value}),
                                 client.post(path, query_string={"next": value}, data=data)):
                    assert response.status_code < 500, f"{path} with {value[:20]!r}: {response.status_code}"
