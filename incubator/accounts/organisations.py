"""Organisation operations for admins: organisations, invitations, roles, deactivation."""
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from incubator.accounts.models import Invitation, Membership, Organisation, Role, User
from incubator.accounts.services import end_all_sessions, external_url, normalise_email
from incubator.core import audit, tokens
from incubator.core.errors import DomainError, InvalidTransition, NotAllowed, ValidationFailed
from incubator.core.invitations import InvitationStatus
from incubator.core.mail import queue_mail
from incubator.core.timeutil import is_valid_timezone, utcnow
from incubator.extensions import db

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# One address, no spaces, names or angle brackets: it goes into a Reply-To header as it is.
EMAIL = re.compile(r"^[^@\s<>,;\"()]+@[^@\s<>,;\"()]+\.[^@\s<>,;\"()]+$")


def staff_organisations(user) -> list[Organisation]:
    """The organizations whose program `user` runs (every one, for an admin), by name."""
    if not user.is_authenticated:
        return []
    query = sa.select(Organisation).order_by(Organisation.name)
    if not user.is_admin:
        query = query.where(Organisation.id.in_(user.organisations_with(Role.program_staff) or [-1]))
    return list(db.session.scalars(query))


def _require_admin(actor: User) -> None:
    if not (actor and actor.is_admin and actor.is_active):
        raise NotAllowed("Only an admin can do that.")


def save_organisation(org: Organisation | None, *, name: str, slug: str, timezone: str, actor: User,
                      contact_name: str | None = None, contact_email: str | None = None) -> Organisation:
    """Create (org=None) or update an organisation; a contact left as None keeps its value.

    :raises ValidationFailed: bad slug, timezone or contact, or the slug is taken
    """
    _require_admin(actor)
    name, slug = name.strip(), slug.strip().lower()
    if not name:
        raise ValidationFailed("Give the organization a name.")
    if not SLUG.match(slug) or len(slug) > 80:
        raise ValidationFailed("The slug may hold only lower-case letters, digits and single hyphens.")
    if not is_valid_timezone(timezone):
        raise ValidationFailed("Choose a timezone from the list, like America/Chicago.")
    taken = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == slug))
    if taken is not None and (org is None or taken != org.id):
        raise ValidationFailed(f"The slug “{slug}” is taken by another organization.")
    values = {"name": name, "slug": slug, "timezone": timezone}
    if contact_name is not None:
        values["contact_name"] = " ".join(contact_name.split())[:120]
    if contact_email is not None:
        contact_email = contact_email.strip().lower()
        if contact_email and (len(contact_email) > 320 or not EMAIL.match(contact_email)):
            raise ValidationFailed("Enter the program team's contact email like apply@example.org.")
        values["contact_email"] = contact_email or None
    created = org is None
    if created:
        org = Organisation()
        db.session.add(org)
    changes = {k: v for k, v in values.items() if getattr(org, k) != v}
    for key, value in values.items():
        setattr(org, key, value)
    db.session.flush()
    audit.record(actor, "organisation.created" if created else "organisation.updated", org, **({"changes": changes} if not created else {}))
    return org


def invite(org: Organisation, *, email: str, role: Role, actor: User) -> Invitation:
    """Invite an address to hold `role` in `org`; the link goes out by mail.

    :raises DomainError: that person already holds the role, or has a pending invitation for it
    """
    _require_admin(actor)
    email = normalise_email(email)
    now = utcnow()
    existing_user = db.session.scalar(sa.select(User).where(User.email == email))
    if existing_user is not None and role in existing_user.roles_in(org.id):
        raise DomainError(f"{email} is already {role.label.lower()} in {org.name}.")
    pending = db.session.scalar(sa.select(Invitation).where(
        Invitation.organisation_id == org.id, Invitation.email == email, Invitation.role == role,
        Invitation.pending_clause(now)))
    if pending is not None:
        raise DomainError(f"{email} already has a pending invitation for that role. Revoke it to send a new one.")
    token = tokens.random_token()
    invitation = Invitation(
        organisation=org, email=email, role=role, token_hash=tokens.hash_token(token), invited_by=actor,
        expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "invitation.sent", invitation, to_state=InvitationStatus.pending, email=email, role=role.value)
    queue_mail(email, f"You are invited to {org.name} on Incubator", "invitation", reply_to=org.reply_to,
               invitation=invitation, accept_url=external_url("invitations.show", token=token))
    return invitation


def pending_invitations_for(user: User) -> list[Invitation]:
    """Invitations waiting for this person's confirmed address (shown on their dashboard)."""
    query = Invitation.pending_for(user)
    return [] if query is None else list(db.session.scalars(query.options(selectinload(Invitation.organisation))))


def find_invitation(token: str) -> Invitation | None:
    return Invitation.find_by_token(token)


def accept_invitation(invitation: Invitation, *, user: User) -> Membership:
    """:raises DomainError: the invitation is not pending any more"""
    now = utcnow()
    try:
        previous = invitation.accept(user, now)
    except InvalidTransition as error:
        raise DomainError(f"{error} Ask the person who invited you for a new one.") from None
    membership = db.session.scalar(sa.select(Membership).filter_by(
        user_id=user.id, organisation_id=invitation.organisation_id, role=invitation.role))
    if membership is None:
        membership = Membership(user=user, organisation_id=invitation.organisation_id, role=invitation.role)
        db.session.add(membership)
        db.session.flush()
        audit.record(user, "membership.granted", membership, to_state=invitation.role.value,
                     user_email=user.email, via="invitation")
    # Accepting an emailed link to this address proves the mailbox.
    if user.email == invitation.email and user.email_confirmed_at is None:
        user.email_confirmed_at = now
    audit.record(user, "invitation.accepted", invitation, from_state=previous, to_state=InvitationStatus.accepted)
    return membership


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    _require_admin(actor)
    previous = invitation.revoke(utcnow())
    audit.record(actor, "invitation.revoked", invitation, from_state=previous, to_state=InvitationStatus.revoked)


def set_roles(org: Organisation, user: User, roles: set[Role], *, actor: User) -> None:
    """Give `user` exactly `roles` in `org` (an empty set removes them from it)."""
    _require_admin(actor)
    current = {m.role: m for m in user.memberships if m.organisation_id == org.id}
    for role in set(current) - roles:
        membership = current[role]
        audit.record(actor, "membership.removed", membership, from_state=role.value, user_email=user.email)
        user.memberships.remove(membership)
    for role in roles - set(current):
        membership = Membership(user=user, organisation=org, role=role)
        db.session.add(membership)
        db.session.flush()
        audit.record(actor, "membership.granted", membership, to_state=role.value, user_email=user.email)
    db.session.flush()


def set_active(user: User, *, active: bool, actor: User) -> None:
    """Deactivate (ending every open session at once) or reactivate a user.

    :raises DomainError: an admin tried to deactivate themselves
    """
    _require_admin(actor)
    if user.id == actor.id and not active:
        raise DomainError("You cannot deactivate your own account.")
    if user.is_deactivated == (not active):
        return
    user.is_deactivated = not active
    if not active:
        end_all_sessions(user)
    audit.record(actor, "user.reactivated" if active else "user.deactivated", user,
                 from_state="deactivated" if active else "active", to_state="active" if active else "deactivated")
