"""How the accounts domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.accounts.models import Invitation, Membership, Organisation, Role, User
from incubator.core.audit_words import Named, names, phrases, state_words
from incubator.extensions import db

state_words.update({role.value: role.label.lower() for role in Role})

phrases({
    "user.registered": "{actor} registered",
    "user.email_confirmed": "{actor} confirmed their email address",
    "user.signed_in": "{actor} signed in",
    "user.signed_out": "{actor} signed out",
    "user.sign_in_failed": "Someone failed to sign in as {claimed} (wrong password)",
    "user.sign_in_refused": "{object} was refused sign-in: the account is deactivated",
    "user.password_reset_requested": "A password reset link was sent to {object}",
    "user.password_reset": "{actor} reset their password with an emailed link",
    "user.password_changed": "{actor} changed their password",
    "user.name_changed": "{actor} changed their name",
    "user.email_change_requested": "{actor} asked to change their email address (a link went to the new address)",
    "user.email_changed": "{actor} changed their email address",
    "user.deactivated": "{actor} deactivated {object}",
    "user.reactivated": "{actor} reactivated {object}",
    "organisation.created": "{actor} created the organization {object}",
    "organisation.updated": "{actor} updated the organization {object}",
    "invitation.sent": "{actor} invited {details[email]} to {organization} as {details[role]}",
    "invitation.accepted": "{actor} accepted the invitation to {organization}",
    "invitation.revoked": "{actor} revoked the invitation of {object} to {organization}",
    "membership.granted": "{actor} made {object} {to} in {organization}",
    "membership.removed": "{actor} removed {object} as {from} in {organization}",
})
state_words.update({"program_staff": "program staff"})

# ---- two-factor sign-in (2fa area) ----
phrases({
    "accounts.two_factor.enabled": "{actor} turned on two-factor sign-in",
    "accounts.two_factor.used": "{actor} confirmed it was them with a two-factor code",
    "accounts.two_factor.failed": "{actor} typed a wrong two-factor code",
    "accounts.two_factor.recovery_code_used": "{actor} used a recovery code ({details[left]} left)",
    "accounts.two_factor.recovery_codes_regenerated": "{actor} made new recovery codes",
    "accounts.two_factor.disabled": "{actor} turned off two-factor sign-in",
    "accounts.two_factor.reset": "{actor} reset the two-factor sign-in of {object}",
})


@names("User")
def _users(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(User.id, User.name, User.email).where(User.id.in_(ids)))
    return {i: Named(name or email, url_for("admin.user_detail", user_id=i)) for i, name, email in rows}


@names("Organisation")
def _organisations(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return {i: Named(name, url_for("admin.organisation_detail", org_id=i)) for i, name in rows}


@names("Membership")
def _memberships(ids: set[int]) -> dict[int, Named]:
    # A membership reads as its member.
    rows = db.session.execute(sa.select(Membership.id, User.id, User.name, User.email)
                              .join(User, User.id == Membership.user_id).where(Membership.id.in_(ids)))
    return {i: Named(name or email, url_for("admin.user_detail", user_id=user_id)) for i, user_id, name, email in rows}


@names("Invitation")
def _invitations(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Invitation.id, Invitation.email, Invitation.organisation_id)
                              .where(Invitation.id.in_(ids)))
    return {i: Named(email, url_for("admin.organisation_detail", org_id=org_id)) for i, email, org_id in rows}
