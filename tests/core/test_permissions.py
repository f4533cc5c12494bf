"""One permissions module: admin pages and hidden objects answer 404."""
import re

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from incubator.accounts.models import Invitation, Membership, Organisation, Role
from incubator.core import permissions
from incubator.core.audit import AuditEvent
from incubator.core.errors import NotAllowed
from incubator.extensions import db


@pytest.fixture
def one_of_everything(admin, staff, org, make_client):
    """An organisation, a member, an invitation and an outbox message, so admin URLs point at real rows."""
    make_client(admin).post(f"/admin/organisations/{org.id}/invitations", data={"email": "x@example.org", "role": "reviewer"})
    assert db.session.scalar(sa.select(Invitation)) is not None


def admin_urls(app):
    ids = {}

    def url_for_rule(rule):
        def fill(match):
            name = match.group(1).split(":")[-1]
            return str(ids.get(name, 1))
        return re.sub(r"<([^>]+)>", fill, rule.rule)

    org_id = db.session.scalar(sa.select(Organisation.id))
    staff_id = db.session.scalar(sa.select(Membership.user_id))
    ids.update(org_id=org_id, user_id=staff_id, invitation_id=db.session.scalar(sa.select(Invitation.id)),
               message_id=1)
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, url_for_rule(rule)))
    return found


def test_there_are_admin_pages_to_protect(app, one_of_everything):
    assert len(admin_urls(app)) >= 12


@pytest.mark.parametrize("who", ["applicant", "staff", "finance", "reviewer", "visitor"])
def test_every_admin_page_is_not_found_for_anyone_but_an_admin(request, app, make_client, one_of_everything, who):
    person = None if who == "visitor" else request.getfixturevalue(who)
    browser = make_client(person)
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for method, url in admin_urls(app):
        response = browser.open(url, method=method, data={"roles": ["finance"], "active": "0", "confirm": "y",
                                                         "email": "y@example.org", "role": "finance",
                                                         "name": "X", "slug": "x", "timezone": "UTC"})
        assert response.status_code == 404, f"{who}: {method} {url} answered {response.status_code}"
        assert "Page not found" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events_before


def test_an_admin_reaches_every_admin_page(app, make_client, admin, one_of_everything):
    admin_client = make_client(admin)
    for method, url in admin_urls(app):
        if method == "GET" and "outbox/" not in url:
            assert admin_client.get(url).status_code == 200, url


def test_a_deactivated_admin_is_no_admin(make_client, admin):
    admin_client = make_client(admin)
    admin.is_deactivated = True
    db.session.commit()
    assert admin_client.get("/admin/users").status_code == 404


# ---- the rules registry -------------------------------------------------------------------------


@pytest.fixture
def only_members_see_organisations(monkeypatch):
    def rule(user, action, org):
        return action == "view" and bool(user.roles_in(org.id))

    monkeypatch.setitem(permissions._RULES, Organisation, rule)


def test_can_follows_the_registered_rule(only_members_see_organisations, staff, applicant, org):
    assert permissions.can(staff, "view", org)
    assert not permissions.can(staff, "delete", org)
    assert not permissions.can(applicant, "view", org)
    with pytest.raises(NotAllowed):
        permissions.require(applicant, "view", org)


def test_nobody_may_do_anything_to_an_object_without_a_rule(staff):
    assert not permissions.can(staff, "view", Role.finance)


def test_a_deactivated_person_may_do_nothing(only_members_see_organisations, staff, org):
    staff.is_deactivated = True
    assert not permissions.can(staff, "view", org)


def test_an_object_a_person_may_not_see_is_not_found(app, only_members_see_organisations, make_client, staff, applicant, org):
    from flask_login import login_user

    with app.test_request_context():
        login_user(applicant)
        with pytest.raises(NotFound):
            permissions.visible_or_404(Organisation, org.id)
        with pytest.raises(NotFound):
            permissions.visible_or_404(Organisation, org.id + 1000)
    with app.test_request_context():
        login_user(staff)
        assert permissions.visible_or_404(Organisation, org.id) == org
