"""Hostile input on every account form: a clear 4xx answer or a faithful save, never a 500,
and nothing half-saved."""
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Invitation, Membership, Organisation, User, UserSession
from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.extensions import db
from tests.conftest import PASSWORD

PAYLOADS = {
    "empty": "",
    "malformed": "@@not@valid@@",
    "one megabyte": "x" * (1024 * 1024),
    "just over the field limits": "y" * 400,
    "right-to-left override": "admin\u202egro.elpmaxe@evil",
    "zero-width": "a\u200bd\u200dm\u2060in",
    "emoji": "🏫👩🏽‍🏫✨",
    "combining marks": "Z\u0351\u0352\u0353a\u0354\u0355\u0356l\u0357\u0358go" + "\u0300" * 200,
    "lone surrogate": "\ud800lone",
    "NUL byte": "nul\x00byte",
    "line break": "one\r\nBcc: victim@example.org",
    "markup": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "SQL": "'; DROP TABLE users; -- ' OR '1'='1",
}

TABLES = (User, UserSession, Organisation, Membership, Invitation, OutboxMessage)
# Valid values, so each case breaks one field and only that.
FORMS = {
    "register": ("/register", {"name": "Pat", "email": "pat@example.org", "password": PASSWORD, "confirm": PASSWORD}),
    "sign-in": ("/login", {"email": "applicant@example.org", "password": PASSWORD}),
    "forgot password": ("/password/forgot", {"email": "applicant@example.org"}),
    "reset password": ("RESET", {"password": "new long passphrase", "confirm": "new long passphrase"}),
    "change password": ("/password/change", {"current": PASSWORD, "password": "new long passphrase",
                                             "confirm": "new long passphrase"}),
    "invitation": ("INVITE", {"email": "guest@example.org", "role": "reviewer"}),
    "organisation": ("/admin/organisations/new", {"name": "CityBridge", "slug": "citybridge", "timezone": "America/New_York"}),
}
CASES = [(form, field, payload) for form, (_, data) in FORMS.items() for field in data for payload in PAYLOADS]


def counts() -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in TABLES}


def urlencoded(data: dict) -> str:
    # Percent-encode by hand so a lone surrogate travels as the raw bytes a broken client would send.
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in data.items())


@pytest.fixture
def browser(request, make_client, applicant, admin, org):
    form = request.node.callspec.params["form"]
    if form in ("change password",):
        return make_client(applicant), FORMS[form][0]
    if form in ("invitation", "organisation"):
        return make_client(admin), FORMS[form][0].replace("INVITE", f"/admin/organisations/{org.id}/invitations")
    if form == "reset password":
        from incubator.accounts.services import _password_fingerprint
        from incubator.core import tokens

        with request.getfixturevalue("app").test_request_context():
            token = tokens.sign("reset", {"uid": applicant.id, "pw": _password_fingerprint(applicant)})
        return make_client(), f"/password/reset/{token}"
    return make_client(), FORMS[form][0]


def has_a_clear_message(response) -> bool:
    text = response.text
    return 'class="error"' in text or 'role="alert"' in text or f"Error {response.status_code}." in text


@pytest.mark.parametrize("form, field, payload", CASES, ids=[f"{f}-{fl}-{p}" for f, fl, p in CASES])
def test_hostile_input_gets_a_clear_answer_and_saves_nothing_half_way(browser, form, field, payload):
    client, url = browser
    data = dict(FORMS[form][1], **{field: PAYLOADS[payload]})
    if field == "password" and "confirm" in data:
        data["confirm"] = data["password"]  # the repeat matches: test the password itself
    before = counts()
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = client.post(url, data=urlencoded(dict(data, csrf_token=client.csrf_token())),
                           content_type="application/x-www-form-urlencoded")

    assert response.status_code < 500, response.text[:500]
    if 400 <= response.status_code < 500:
        assert has_a_clear_message(response), f"{response.status_code} without a message"
        after = counts()
        if form == "sign-in" and response.status_code == 401:
            assert after == before  # only the failed sign-in is recorded, in the audit trail
        else:
            assert after == before, "something was saved although the form was refused"
            if response.status_code != 401:
                assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events_before
    else:
        assert response.status_code in (200, 302)
        accepted_faithfully(form, field, PAYLOADS[payload])


def accepted_faithfully(form, field, value):
    """A value that was accepted is stored exactly as typed (trimmed), not mangled.

    A lone surrogate cannot travel in UTF-8: the server keeps the bytes it got, percent-encoded.
    """
    stored = None
    if form == "register" and field == "name":
        stored = db.session.scalar(sa.select(User.name).filter_by(email="pat@example.org"))
    if form == "organisation" and field == "name":
        stored = db.session.scalar(sa.select(Organisation.name).filter_by(slug="citybridge"))
    if stored is not None:
        assert stored == (value.strip() if "\ud800" not in value else "%ED%A0%80lone")


@pytest.mark.parametrize("payload", ["right-to-left override", "NUL byte", "line break", "lone surrogate"])
def test_disguising_characters_are_refused_in_names(make_client, admin, payload):
    response = make_client(admin).post("/admin/organisations/new", data={
        "name": "City" + PAYLOADS[payload].replace("\ud800", "\ufffd\u202e"), "slug": "citybridge",
        "timezone": "UTC"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(Organisation).filter_by(slug="citybridge")) is None


def test_markup_in_a_name_is_shown_as_text(make_client, admin):
    admin_client = make_client(admin)
    admin_client.post("/admin/organisations/new", data={"name": PAYLOADS["markup"], "slug": "markup",
                                                       "timezone": "UTC"})
    page = admin_client.get("/admin/organisations")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
