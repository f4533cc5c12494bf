"""Who needs two-factor sign-in and when: finance staff and admins must set it up before their
pages; money actions need a second factor proved by this session in the last 15 minutes."""
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from incubator.accounts import two_factor
from incubator.accounts.models import User
from incubator.extensions import db
from tests.accounts.two_factor_helpers import actions, code_now, forget_last_step, wrong_code


def unenrol(user):
    db.session.execute(sa.update(User).where(User.id == user.id).values(totp_secret=None, two_factor_enabled_at=None))
    db.session.commit()
    db.session.refresh(user)


def next_of(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]


def test_required_for_finance_and_admins_only(finance, admin, staff, applicant):
    assert two_factor.required_for(finance) and two_factor.required_for(admin)
    assert not two_factor.required_for(staff) and not two_factor.required_for(applicant)


def test_the_test_factories_enrol_finance_and_admins(finance, admin, staff):
    assert two_factor.is_enabled(finance) and two_factor.is_enabled(admin)
    assert not two_factor.is_enabled(staff)


def test_a_finance_page_sends_finance_without_two_factor_to_set_it_up_and_back(app, finance, staff):
    from flask_login import login_user

    page = two_factor.enrolled_required(lambda: "the finance page")
    unenrol(finance)
    with app.test_request_context("/grants/finance/1?status=due"):
        login_user(finance)
        response = page()
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account/two-factor/setup"
    assert next_of(response) == "/grants/finance/1?status=due"
    with app.test_request_context("/grants/finance/1"):
        login_user(staff)  # not required: the page's own rules decide
        assert page() == "the finance page"
    two_factor_on = two_factor.enrolled_required(lambda: "the finance page")
    from tests.conftest import enrol
    enrol(finance)
    with app.test_request_context("/grants/finance/1"):
        login_user(finance)
        assert two_factor_on() == "the finance page"


def test_admin_pages_need_two_factor_first_but_the_setup_page_does_not(client, admin):
    client.login(admin)
    assert client.get("/admin/users").status_code == 200
    unenrol(admin)
    for path in ("/admin/users", "/admin/audit", "/admin/organisations"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/account/two-factor/setup"
        assert next_of(response) == path
    assert client.get("/account/two-factor/setup").status_code == 200
    assert client.get("/account/two-factor").status_code == 200


def test_someone_else_gets_404_from_admin_pages_not_a_setup_page(make_client, staff):
    assert make_client(staff).get("/admin/users").status_code == 404


def test_a_stale_second_factor_is_asked_again_then_the_action_works(client, admin, applicant):
    from tests.conftest import enrol

    enrol(applicant)
    client.login(admin)
    client.make_second_factor_stale()
    referer = f"http://localhost/admin/users/{applicant.id}"
    asked = client.post(f"/admin/users/{applicant.id}/two-factor/reset", headers={"Referer": referer})
    assert asked.status_code == 302
    assert urlsplit(asked.headers["Location"]).path == "/account/two-factor/confirm"
    assert next_of(asked) == f"/admin/users/{applicant.id}"
    db.session.refresh(applicant)
    assert applicant.two_factor_enabled_at is not None  # nothing was done

    page = client.get(asked.headers["Location"])
    assert page.status_code == 200 and "Confirm it is you" in page.text
    wrong = client.post(asked.headers["Location"], data={"code": wrong_code(admin.totp_secret)})
    assert wrong.status_code == 401
    forget_last_step(admin)
    confirmed = client.post(asked.headers["Location"], data={"code": code_now(admin.totp_secret)})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == f"/admin/users/{applicant.id}"
    assert "Confirmed: you can approve for the next 15 minutes" in client.get(confirmed.headers["Location"]).text
    done = client.post(f"/admin/users/{applicant.id}/two-factor/reset", headers={"Referer": referer})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/admin/users/{applicant.id}")
    db.session.refresh(applicant)
    assert applicant.two_factor_enabled_at is None
    assert actions() == ["accounts.two_factor.failed", "accounts.two_factor.used", "accounts.two_factor.reset"]


def test_a_second_factor_within_fifteen_minutes_is_recent(client, admin, applicant):
    from tests.conftest import enrol

    enrol(applicant)
    client.login(admin)
    client.make_second_factor_stale(minutes=14)
    done = client.post(f"/admin/users/{applicant.id}/two-factor/reset")
    assert done.headers["Location"].endswith(f"/admin/users/{applicant.id}")


def test_a_form_from_another_site_returns_to_the_dashboard_after_confirming(client, admin, applicant):
    client.login(admin)
    client.make_second_factor_stale()
    asked = client.post(f"/admin/users/{applicant.id}/two-factor/reset", headers={"Referer": "https://evil.org/x"})
    assert next_of(asked) == "/dashboard"


def test_a_money_action_of_someone_without_two_factor_sends_to_setup(app, finance):
    from flask_login import login_user

    action = two_factor.recent_required(lambda: "paid")
    unenrol(finance)
    with app.test_request_context("/grants/tranches/1/approve", method="POST",
                                  headers={"Referer": "http://localhost/grants/3"}):
        login_user(finance)
        response = action()
    assert urlsplit(response.headers["Location"]).path == "/account/two-factor/setup"
    assert next_of(response) == "/grants/3"


def test_confirm_never_returns_to_another_site(client, admin):
    client.login(admin)
    for target in ("//evil.org", "https://evil.org/", "/\t/evil.org", "javascript:alert(1)"):
        forget_last_step(admin)
        done = client.post("/account/two-factor/confirm", query_string={"next": target},
                           data={"code": code_now(admin.totp_secret)})
        assert done.status_code == 302 and done.headers["Location"] == "/dashboard", target


def test_confirm_without_two_factor_goes_to_setup(client, applicant):
    client.login(applicant)
    response = client.get("/account/two-factor/confirm?next=/account")
    assert urlsplit(response.headers["Location"]).path == "/account/two-factor/setup"


def test_the_two_factor_pages_need_a_sign_in(client):
    for path in ("/account/two-factor", "/account/two-factor/setup", "/account/two-factor/confirm"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
