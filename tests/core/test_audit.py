"""The audit trail is append-only and admins can browse and filter it."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from incubator.core import audit
from incubator.core.audit import AuditEvent
from incubator.extensions import db


def rows(page) -> list[str]:
    """The actions listed on an audit page, top to bottom."""
    import re

    return re.findall(r"<tr data-action=\"([^\"]+)\">", page.text)


@pytest.fixture
def admin_client(make_client, admin):
    return make_client(admin)


def test_sign_ins_invitations_role_changes_and_deactivations_are_recorded(admin_client, make_client, org, staff, applicant):
    make_client().post("/login", data={"email": staff.email, "password": "not the password"})
    admin_client.post(f"/admin/organisations/{org.id}/invitations", data={"email": "new@example.org", "role": "reviewer"})
    admin_client.post(f"/admin/organisations/{org.id}/members/{staff.id}/roles", data={"roles": ["finance"]})
    admin_client.post(f"/admin/users/{applicant.id}/active", data={"active": "0", "confirm": "y"})
    recorded = {e.action: e for e in db.session.scalars(sa.select(AuditEvent))}
    assert {"user.signed_in", "user.sign_in_failed", "invitation.sent", "membership.granted", "membership.removed",
            "user.deactivated"} <= set(recorded)
    invitation = recorded["invitation.sent"]
    assert invitation.actor_email == "admin@example.org" and invitation.organisation_id == org.id
    assert invitation.object_type == "Invitation" and invitation.ip_address == "127.0.0.1"
    assert invitation.occurred_at.tzinfo is not None


def test_the_trail_cannot_be_changed_or_deleted(app, applicant):
    event = audit.record(applicant, "user.signed_in", applicant)
    db.session.commit()
    event.action = "user.something_else"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.action)) == "user.signed_in"


@pytest.fixture
def history(applicant, staff, org):
    def at(day, actor, action, obj):
        event = audit.record(actor, action, obj)
        event.occurred_at = datetime(2026, 3, day, 12, tzinfo=timezone.utc)

    at(1, applicant, "user.signed_in", applicant)
    at(2, staff, "user.signed_in", staff)
    at(3, staff, "organisation.updated", org)
    at(4, None, "user.sign_in_failed", applicant)
    db.session.commit()


def test_an_admin_browses_the_trail_newest_first(admin_client, history):
    page = admin_client.get("/admin/audit")
    assert rows(page)[1:] == ["user.sign_in_failed", "organisation.updated", "user.signed_in", "user.signed_in"]
    assert rows(page)[0] == "user.signed_in"  # the admin's own sign-in, today


@pytest.mark.parametrize("filters, expected", [
    ({"action": "user.signed_in", "until": "2026-03-31"}, ["user.signed_in", "user.signed_in"]),
    ({"action": "organisation"}, ["organisation.updated"]),
    ({"actor": "STAFF@"}, ["organisation.updated", "user.signed_in"]),
    ({"object_type": "Organisation"}, ["organisation.updated"]),
    ({"since": "2026-03-02", "until": "2026-03-03"}, ["organisation.updated", "user.signed_in"]),
    ({"since": "2026-03-04", "until": "2026-03-04"}, ["user.sign_in_failed"]),
])
def test_an_admin_filters_the_trail(admin_client, history, filters, expected):
    assert rows(admin_client.get("/admin/audit", query_string=filters)) == expected


def test_filtering_by_object_shows_one_accounts_events(admin_client, history, applicant):
    page = admin_client.get("/admin/audit", query_string={"object_type": "User", "object_id": applicant.id,
                                                        "until": "2026-03-31"})
    assert rows(page) == ["user.sign_in_failed", "user.signed_in"]


def test_a_filter_that_matches_nothing_says_so(admin_client, history):
    page = admin_client.get("/admin/audit", query_string={"actor": "nobody"})
    assert page.status_code == 200 and "No events match these filters." in page.text


@pytest.mark.parametrize("filters", [
    {"object_id": "99999999999999999999"}, {"object_id": "²"}, {"since": "9999-12-31", "until": "9999-12-31"},
    {"since": "0001-01-01"}, {"until": "yesterday"}, {"actor": "a\x00b"}, {"action": "%' OR 1=1 --"},
    {"object_type": "x" * 5000}, {"page": "-3"}, {"page": "lots"},
])
def test_odd_filter_values_never_break_the_page(admin_client, history, filters):
    assert admin_client.get("/admin/audit", query_string=filters).status_code == 200


def test_the_trail_is_for_admins_only(make_client, staff, client):
    assert make_client(staff).get("/admin/audit").status_code == 404
    assert client.get("/admin/audit").status_code == 404
