"""The invitation lifecycle, shared by organisation and team invitations: a table, and
an audit event with from and to for every step."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Invitation
from incubator.core.audit import AuditEvent
from incubator.core.errors import InvalidTransition
from incubator.core.invitations import InvitationStatus, check
from incubator.extensions import db

ALLOWED = {(InvitationStatus.pending, InvitationStatus.accepted), (InvitationStatus.pending, InvitationStatus.revoked)}


@pytest.mark.parametrize("current", list(InvitationStatus))
@pytest.mark.parametrize("target", list(InvitationStatus))
def test_the_state_table(current, target):
    if (current, target) in ALLOWED:
        check(current, target)
    else:
        with pytest.raises(InvalidTransition):
            check(current, target)


def _steps(object_type):
    return [(e.action, e.from_state, e.to_state) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == object_type).order_by(AuditEvent.id))]


def test_an_organisation_invitation_records_each_step_with_from_and_to(make_client, admin, applicant, org):
    admin_client = make_client(admin)
    for email in (applicant.email, "other@example.org"):
        admin_client.post(f"/admin/organisations/{org.id}/invitations", data={"email": email, "role": "finance"})
    mine, other = db.session.scalars(sa.select(Invitation).order_by(Invitation.id))
    assert make_client(applicant).post(f"/invitations/pending/{mine.id}/accept").status_code == 302
    assert admin_client.post(f"/admin/invitations/{other.id}/revoke").status_code == 302
    assert _steps("Invitation") == [("invitation.sent", None, "pending"), ("invitation.sent", None, "pending"),
                                    ("invitation.accepted", "pending", "accepted"),
                                    ("invitation.revoked", "pending", "revoked")]


def test_an_expired_invitation_can_be_neither_accepted_nor_revoked(make_client, admin, applicant, org):
    admin_client = make_client(admin)
    admin_client.post(f"/admin/organisations/{org.id}/invitations", data={"email": applicant.email, "role": "finance"})
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at -= timedelta(days=30)
    db.session.commit()
    assert make_client(applicant).post(f"/invitations/pending/{invitation.id}/accept").status_code == 302
    page = admin_client.post(f"/admin/invitations/{invitation.id}/revoke", follow_redirects=True)
    assert "Only a pending invitation can be revoked." in page.text
    db.session.expire_all()
    assert (invitation.accepted_at, invitation.revoked_at) == (None, None)
    assert [step[0] for step in _steps("Invitation")] == ["invitation.sent"]


def test_the_dashboard_lists_invitations_from_many_organisations_without_a_query_each(
        make_client, make_org, applicant, count_statements):
    from incubator.accounts.models import Role
    from incubator.core import tokens
    from incubator.core.timeutil import utcnow

    def invited_by_another_organisation():
        db.session.add(Invitation(organisation=make_org(), role=Role.reviewer, email=applicant.email,
                                  token_hash=tokens.hash_token(tokens.random_token()),
                                  expires_at=utcnow() + timedelta(days=7)))
        db.session.commit()

    client = make_client(applicant)
    invited_by_another_organisation()
    few = count_statements(lambda: client.get("/dashboard"))
    for _ in range(4):
        invited_by_another_organisation()
    page = client.get("/dashboard")
    assert page.text.count("invites you as") == 5
    assert count_statements(lambda: client.get("/dashboard")) == few
