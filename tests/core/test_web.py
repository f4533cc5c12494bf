"""Pages look like the portal, carry security headers, refuse forged forms, and fit each role."""
import re

import pytest
import sqlalchemy as sa
from flask import abort

import config
from incubator import create_app
from incubator.accounts.models import Organisation, User
from incubator.core import dashboard
from incubator.extensions import db
from tests.conftest import PASSWORD


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def looks_like_the_portal(response):
    return 'class="brand"' in response.text and "Skip to content" in response.text


# ---- headers -----------------------------------------------------------------------------------


def test_every_page_sends_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_hold_no_inline_script(make_client, admin, org):
    admin_client = make_client(admin)
    for url in ["/dashboard", "/admin/organisations", f"/admin/organisations/{org.id}", "/admin/users",
                f"/admin/users/{admin.id}", "/admin/audit", "/admin/outbox", "/password/change"]:
        text = admin_client.get(url).text
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), url
        assert not re.search(r"\son[a-z]+=", text), url
        assert " style=" not in text, url


def test_private_pages_are_not_cached(make_client, applicant):
    response = make_client(applicant).get("/dashboard")
    assert response.headers["Cache-Control"] == "no-store"


# ---- error pages ------------------------------------------------------------------------------


def test_a_missing_page_is_a_404_in_the_portals_look(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text and looks_like_the_portal(response)


def test_a_forbidden_action_is_a_403_in_the_portals_look(make_client, applicant, monkeypatch):
    monkeypatch.setattr(dashboard, "panels_for", lambda user: abort(403))
    response = make_client(applicant).get("/dashboard")
    assert response.status_code == 403
    assert "You are not allowed to do that" in response.text and looks_like_the_portal(response)


def test_a_crash_is_a_500_in_the_portals_look_and_saves_nothing(make_client, applicant, monkeypatch, caplog):
    def crash(user):
        db.session.add(Organisation(name="Half saved", slug="half-saved"))
        db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "panels_for", crash)
    response = make_client(applicant).get("/dashboard")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text and looks_like_the_portal(response)
    assert "boom" not in response.text
    assert "Unhandled error on GET /dashboard" in caplog.text
    assert count(Organisation) == 0


def test_a_wrong_method_is_a_clear_405(client):
    response = client.get("/logout")
    assert response.status_code == 405 and "That action is not available here" in response.text


def test_an_oversized_form_field_is_a_clear_413(client):
    response = client.post("/login", data={"email": "x" * (600 * 1024), "password": "y"},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "form fields at most 512 KB" in response.text


# ---- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, data", [
    ("/login", {"email": "applicant@example.org", "password": PASSWORD}),
    ("/register", {"email": "new@example.org", "password": PASSWORD, "confirm": PASSWORD}),
    ("/password/forgot", {"email": "applicant@example.org"}),
])
def test_a_public_form_without_its_token_is_refused(client, applicant, url, data):
    before = count(User)
    response = client.post(url, data=data, csrf=False)
    assert response.status_code == 400 and "The form could not be accepted" in response.text
    assert count(User) == before
    assert client.get("/dashboard").status_code == 302


def test_an_admin_form_without_its_token_is_refused(make_client, admin):
    admin_client = make_client(admin)
    response = admin_client.post("/admin/organisations/new", data={"name": "X", "slug": "x", "timezone": "UTC"},
                                 csrf=False)
    assert response.status_code == 400
    assert count(Organisation) == 0


def test_sign_out_without_its_token_is_refused(make_client, applicant):
    person = make_client(applicant)
    assert person.post("/logout", csrf=False).status_code == 400
    assert person.get("/dashboard").status_code == 200


# ---- production configuration ------------------------------------------------------------------


@pytest.mark.parametrize("secret", [config.DEV_SECRET_KEY, "", "short"])
def test_production_refuses_to_start_with_a_weak_secret_key(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=secret, REDIS_URL="redis://127.0.0.1:1/0")


def test_production_refuses_to_start_with_the_default_configuration(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert config.ProductionConfig.SECRET_KEY == config.DEV_SECRET_KEY or len(config.ProductionConfig.SECRET_KEY) >= 32
    with pytest.raises(RuntimeError):
        create_app("production", SECRET_KEY=config.DEV_SECRET_KEY)


def test_production_accepts_a_long_random_key():
    from flask import Flask

    from incubator import _refuse_unsafe_production

    app = Flask("check")
    app.config.from_object(config.ProductionConfig)
    app.config.update(SECRET_KEY="k" * 48, REDIS_URL="redis://127.0.0.1:6379/0")
    _refuse_unsafe_production(app)  # does not raise


# ---- dashboard, navigation and flash messages ----------------------------------------------------


def test_a_newcomer_sees_an_honest_dashboard(make_client, applicant):
    page = make_client(applicant).get("/dashboard")
    assert page.status_code == 200
    assert "Administration" not in page.text and "Your roles" not in page.text
    if not dashboard.panels_for(applicant):
        assert "You are not on a design team yet" in page.text


@pytest.mark.parametrize("role_fixture, label, section", [
    ("staff", "Program staff", None),
    ("reviewer", "Reviewer", "No reviews assigned to you yet"),
    ("finance", "Finance", "No grants to follow yet"),
])
def test_each_role_sees_its_organisation_and_its_own_empty_sections(request, make_client, org, role_fixture, label, section):
    person = request.getfixturevalue(role_fixture)
    page = make_client(person).get("/dashboard")
    assert org.name in page.text and f"Your roles: {label}" in page.text
    if section:
        assert section in page.text
    others = {"No reviews assigned to you yet", "No grants to follow yet"} - {section}
    assert not any(other in page.text for other in others)
    assert "You are not on a design team yet" not in page.text


def test_the_navigation_fits_the_role(make_client, admin, staff):
    admin_nav = make_client(admin).get("/dashboard").text
    staff_nav = make_client(staff).get("/dashboard").text
    for link in ("/admin/organisations", "/admin/users", "/admin/audit", "/admin/outbox"):
        assert f'href="{link}"' in admin_nav and f'href="{link}"' not in staff_nav
    assert "Sign out" in staff_nav


def test_a_visitor_sees_sign_in_and_register_links(client):
    page = client.get("/")
    assert 'href="/login"' in page.text and 'href="/register"' in page.text and "Sign out" not in page.text


def test_flash_messages_tell_what_happened(client, applicant):
    client.login(applicant)
    page = client.get("/dashboard")
    assert '<p class="flash flash-success" role="status">Welcome, Ari Applicant.</p>' in page.text
    page = client.post("/logout", follow_redirects=True)
    assert "You are signed out." in page.text


def test_an_admin_lands_on_a_dashboard_with_the_administration_links(make_client, admin):
    page = make_client(admin).get("/dashboard")
    assert "Administration" in page.text and "Your roles" not in page.text


def test_an_id_too_large_for_the_database_is_not_found(client, admin):
    client.login(admin)
    for url in ("/admin/users/99999999999999999999", "/admin/organisations/2147483648"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.text
