"""Admins create organisations, invite people into roles, change roles and deactivate accounts."""
import re

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Invitation, Membership, Organisation, Role, User
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.conftest import PASSWORD


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def actions():
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def admin_client(make_client, admin):
    return make_client(admin)


def invite(admin_client, org, email, role="program_staff"):
    return admin_client.post(f"/admin/organisations/{org.id}/invitations", data={"email": email, "role": role})


# ---- organisations --------------------------------------------------------------------------


def test_an_admin_creates_an_organisation(admin_client):
    response = admin_client.post("/admin/organisations/new", data={
        "name": "CityBridge", "slug": "citybridge", "timezone": "America/New_York"})
    org = db.session.scalar(sa.select(Organisation).filter_by(slug="citybridge"))
    assert response.status_code == 302 and response.location == f"/admin/organisations/{org.id}"
    assert (org.name, org.timezone) == ("CityBridge", "America/New_York")
    page = admin_client.get(response.location)
    assert "CityBridge" in page.text and "Nobody holds a role here yet" in page.text
    assert "organisation.created" in actions()


def test_an_admin_edits_an_organisation_and_the_change_is_audited(admin_client, org):
    response = admin_client.post(f"/admin/organisations/{org.id}/edit", data={
        "name": "NSNO", "slug": "nsno", "timezone": "America/Chicago"})
    assert response.status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="organisation.updated"))
    assert event.details == {"changes": {"name": "NSNO"}}


@pytest.mark.parametrize("data, message", [
    ({"name": "X", "slug": "nsno", "timezone": "America/Chicago"}, "is taken by another organization"),
    ({"name": "X", "slug": "Not A Slug!", "timezone": "America/Chicago"}, "only lower-case letters"),
    ({"name": "X", "slug": "x", "timezone": "Mars/Olympus_Mons"}, "Choose a timezone"),
    ({"name": "", "slug": "x", "timezone": "America/Chicago"}, "This field is required."),
])
def test_an_organisation_with_bad_details_is_refused_clearly(admin_client, org, data, message):
    before = count(Organisation)
    response = admin_client.post("/admin/organisations/new", data=data)
    assert response.status_code == 422 and message in response.text
    assert count(Organisation) == before


def test_the_organisation_list_shows_an_empty_state_then_the_organisations(admin_client, make_org):
    assert "No organizations yet" in admin_client.get("/admin/organisations").text
    make_org("LEAP Innovations", slug="leap")
    assert "LEAP Innovations" in admin_client.get("/admin/organisations").text


# ---- invitations ----------------------------------------------------------------------------


def test_an_invited_newcomer_registers_confirms_signs_in_and_accepts(admin_client, make_client, org, mailbox, run_jobs):
    assert invite(admin_client, org, "Newcomer@Example.org", "reviewer").status_code == 302
    run_jobs()
    link = mailbox.link("newcomer@example.org")
    assert "invited" in mailbox.last("newcomer@example.org")["Subject"]

    visitor = make_client()
    page = visitor.get(link)
    assert "as <strong>reviewer</strong>" in page.text and "Create an account to accept" in page.text
    register_url = re.search(r'href="(/register\?[^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert visitor.get(register_url).status_code == 200
    response = visitor.post(register_url, data={"email": "newcomer@example.org", "password": PASSWORD,
                                                "confirm": PASSWORD})
    assert "Check your email" in response.text
    run_jobs()
    visitor.get(mailbox.link("newcomer@example.org"))  # the confirmation mail, the latest one

    newcomer = db.session.scalar(sa.select(User).filter_by(email="newcomer@example.org"))
    visitor.login(newcomer)
    dashboard = visitor.get("/dashboard")
    assert "Invitations for you" in dashboard.text and org.name in dashboard.text

    response = visitor.post(link)
    assert response.status_code == 302
    db.session.expire_all()
    assert newcomer.roles_in(org.id) == {Role.reviewer}
    assert "No reviews assigned to you yet" in visitor.get("/dashboard").text
    assert visitor.get(link).status_code == 410  # the link is spent
    assert {"invitation.sent", "membership.granted", "invitation.accepted"} <= set(actions())


def test_an_invited_person_with_an_account_signs_in_to_accept(admin_client, make_client, applicant, org, mailbox, run_jobs):
    invite(admin_client, org, applicant.email, "finance")
    run_jobs()
    link = mailbox.link(applicant.email)
    visitor = make_client()
    assert "Sign in to accept" in visitor.get(link).text
    response = visitor.post(link)
    assert response.status_code == 302 and "/login" in response.location
    visitor.login(applicant)
    assert visitor.post(link).status_code == 302
    db.session.expire_all()
    assert applicant.roles_in(org.id) == {Role.finance}


def test_a_pending_invitation_is_accepted_from_the_dashboard(admin_client, make_client, applicant, org):
    invite(admin_client, org, applicant.email, "finance")
    invitation = db.session.scalar(sa.select(Invitation))
    person = make_client(applicant)
    assert person.post(f"/invitations/pending/{invitation.id}/accept").status_code == 302
    db.session.expire_all()
    assert applicant.roles_in(org.id) == {Role.finance}


def test_nobody_else_can_accept_an_invitation_from_their_dashboard(admin_client, make_client, applicant, staff, org):
    invite(admin_client, org, applicant.email, "finance")
    invitation = db.session.scalar(sa.select(Invitation))
    assert make_client(staff).post(f"/invitations/pending/{invitation.id}/accept").status_code == 404
    assert count(Membership) == 1  # only staff's own


def test_a_revoked_invitation_can_no_longer_be_accepted(admin_client, make_client, applicant, org, mailbox, run_jobs):
    invite(admin_client, org, applicant.email, "finance")
    run_jobs()
    link = mailbox.link(applicant.email)
    invitation = db.session.scalar(sa.select(Invitation))
    page = admin_client.get(f"/admin/organisations/{org.id}")
    assert "Revoke the invitation to applicant@example.org?" in page.text  # asked before revoking
    assert admin_client.post(f"/admin/invitations/{invitation.id}/revoke").status_code == 302

    person = make_client(applicant)
    response = person.post(link)
    assert response.status_code == 410 and "This invitation is revoked" in response.text
    db.session.expire_all()
    assert applicant.roles_in(org.id) == set()


def test_an_unknown_invitation_link_is_not_found(client):
    assert client.get("/invitations/no-such-token").status_code == 404


def test_inviting_someone_who_already_holds_the_role_is_refused(admin_client, staff, org):
    before = count(Invitation)
    response = invite(admin_client, org, staff.email, "program_staff")
    assert response.status_code == 409 and "is already program staff" in response.text
    assert count(Invitation) == before


def test_a_second_pending_invitation_for_the_same_role_is_refused(admin_client, org):
    invite(admin_client, org, "someone@example.org")
    response = invite(admin_client, org, "someone@example.org")
    assert response.status_code == 409 and "already has a pending invitation" in response.text
    assert count(Invitation) == 1


def test_an_invitation_needs_a_known_role_and_an_address(admin_client, org):
    assert invite(admin_client, org, "someone@example.org", "superuser").status_code == 422
    response = invite(admin_client, org, "nobody")
    assert response.status_code == 422 and "Enter an email address" in response.text
    assert count(Invitation) == 0


# ---- roles ----------------------------------------------------------------------------------


def test_an_admin_changes_and_removes_roles_with_checkboxes(admin_client, staff, org):
    page = admin_client.get(f"/admin/organisations/{org.id}")
    assert 'type="checkbox" name="roles" value="program_staff" checked' in page.text
    url = f"/admin/organisations/{org.id}/members/{staff.id}/roles"

    admin_client.post(url, data={"roles": ["program_staff", "finance"]})
    db.session.expire_all()
    assert staff.roles_in(org.id) == {Role.program_staff, Role.finance}

    response = admin_client.post(url, data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert staff.roles_in(org.id) == set()
    assert actions().count("membership.granted") == 1 and actions().count("membership.removed") == 2
    removed = db.session.scalars(sa.select(AuditEvent).filter_by(action="membership.removed")).all()
    assert {e.from_state for e in removed} == {"program_staff", "finance"}
    assert all(e.actor_id == db.session.scalar(sa.select(User.id).filter_by(is_admin=True)) for e in removed)


def test_an_unknown_role_changes_nothing(admin_client, staff, org):
    response = admin_client.post(f"/admin/organisations/{org.id}/members/{staff.id}/roles", data={"roles": ["owner"]})
    assert response.status_code == 422 and "Choose roles from the list." in response.text
    db.session.expire_all()
    assert staff.roles_in(org.id) == {Role.program_staff}


# ---- deactivation -------------------------------------------------------------------------------


def test_a_deactivated_persons_open_sessions_stop_at_once(admin_client, make_client, staff):
    signed_in = make_client(staff)
    assert signed_in.get("/dashboard").status_code == 200
    page = admin_client.get(f"/admin/users/{staff.id}")
    assert "data-confirm=\"Deactivate staff@example.org?" in page.text

    response = admin_client.post(f"/admin/users/{staff.id}/active", data={"active": "0", "confirm": "y"})
    assert response.status_code == 302
    response = signed_in.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.location
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="user.deactivated"))
    assert (event.object_id, event.from_state, event.to_state) == (staff.id, "active", "deactivated")


def test_deactivation_needs_the_confirmation_box(admin_client, make_client, staff):
    signed_in = make_client(staff)
    response = admin_client.post(f"/admin/users/{staff.id}/active", data={"active": "0"})
    assert response.status_code == 422 and "Check the box" in response.text
    assert signed_in.get("/dashboard").status_code == 200


def test_a_reactivated_person_signs_in_again(admin_client, make_client, staff):
    admin_client.post(f"/admin/users/{staff.id}/active", data={"active": "0", "confirm": "y"})
    admin_client.post(f"/admin/users/{staff.id}/active", data={"active": "1"})
    make_client(staff)  # asserts the sign-in works
    assert "user.reactivated" in actions()


def test_an_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(f"/admin/users/{admin.id}/active", data={"active": "0", "confirm": "y"})
    assert response.status_code == 409 and "cannot deactivate your own account" in response.text
    db.session.expire_all()
    assert not admin.is_deactivated


def test_the_user_list_searches_by_name_and_email(admin_client, applicant, staff):
    page = admin_client.get("/admin/users", query_string={"q": "ari"})
    assert applicant.email in page.text and staff.email not in page.text
    assert "No users match" in admin_client.get("/admin/users", query_string={"q": "100%_"}).text


def test_a_slug_taken_at_the_same_moment_is_a_clear_error(admin_client, org, monkeypatch):
    from incubator.accounts import organisations

    real_scalar = db.session.scalar

    def slug_looks_free(statement, *args, **kwargs):
        if "organisations.slug" in str(statement):
            return None  # the other admin's insert is not visible yet
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(organisations.db.session, "scalar", slug_looks_free)
    response = admin_client.post("/admin/organisations/new", data={"name": "Copy", "slug": "nsno", "timezone": "UTC"})
    monkeypatch.undo()
    assert response.status_code == 422 and "was just taken" in response.text
    assert count(Organisation) == 1


def test_a_long_list_of_invitations_is_paginated(admin_client, org):
    for i in range(27):
        invite(admin_client, org, f"guest{i:02d}@example.org")
    admin_client.get("/dashboard")  # shows (and clears) the 27 "Invitation sent" messages
    first = admin_client.get(f"/admin/organisations/{org.id}")
    assert "guest26@example.org" in first.text and "guest01@example.org" not in first.text
    assert "Page 1 of 2" in first.text
    second = admin_client.get(f"/admin/organisations/{org.id}", query_string={"page": 2})
    assert "guest01@example.org" in second.text and "guest26@example.org" not in second.text


def test_the_timezone_is_chosen_from_a_list_with_us_zones_first(admin_client):
    page = admin_client.get("/admin/organisations/new").text
    options = re.findall(r'<option[^>]*value="([^"]+)"', page)
    assert options[:2] == ["America/New_York", "America/Chicago"] and "Europe/Paris" in options
    assert 'selected value="America/Chicago"' in page or 'value="America/Chicago" selected' in page


def test_an_expired_invitation_can_no_longer_be_accepted(admin_client, make_client, applicant, org, mailbox, run_jobs):
    from datetime import timedelta

    from incubator.core.timeutil import utcnow

    invite(admin_client, org, applicant.email, "finance")
    run_jobs()
    link = mailbox.link(applicant.email)
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    person = make_client(applicant)
    assert "Invitations for you" not in person.get("/dashboard").text
    response = person.post(link)
    assert response.status_code == 410 and "This invitation is expired" in response.text
    db.session.expire_all()
    assert applicant.roles_in(org.id) == set()
    assert "expired" in admin_client.get(f"/admin/organisations/{org.id}").text


def test_revoking_twice_says_the_invitation_is_no_longer_pending(admin_client, org):
    invite(admin_client, org, "guest@example.org")
    invitation = db.session.scalar(sa.select(Invitation))
    admin_client.post(f"/admin/invitations/{invitation.id}/revoke")
    page = admin_client.post(f"/admin/invitations/{invitation.id}/revoke", follow_redirects=True)
    assert "Only a pending invitation can be revoked." in page.text
    assert actions().count("invitation.revoked") == 1
