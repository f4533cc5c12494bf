"""Design teams: creating one, inviting members by email, accepting, revoking, handing over the lead.

Services take an explicit actor, flush and never commit; the caller commits.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from incubator.accounts.models import User
from incubator.accounts.services import external_url, normalise_email
from incubator.applications.models import Application, Team, TeamInvitation, TeamMember
from incubator.core import audit, tokens
from incubator.core.errors import DomainError, InvalidTransition
from incubator.core.invitations import InvitationStatus
from incubator.core.mail import queue_mail
from incubator.core.permissions import require
from incubator.core.timeutil import utcnow
from incubator.extensions import db


def create_team(name: str, *, actor: User) -> Team:
    """Create a team with `actor` as its lead."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the team a name.")
    team = Team(name=name[:200], created_by_id=actor.id)
    team.members.append(TeamMember(user=actor, is_lead=True))
    db.session.add(team)
    db.session.flush()
    audit.record(actor, "team.created", team, to_state="active", name=team.name)
    return team


def teams_of(user: User) -> list[Team]:
    """The person's teams with their members loaded (pages show each team's lead)."""
    return list(db.session.scalars(
        sa.select(Team).join(TeamMember).where(TeamMember.user_id == user.id).order_by(Team.name, Team.id)
        .options(selectinload(Team.members).selectinload(TeamMember.user))))


def applications_of(teams: list[Team]) -> dict[int, list[Application]]:
    found: dict[int, list[Application]] = {team.id: [] for team in teams}
    if not teams:
        return found
    for application in db.session.scalars(
            sa.select(Application).where(Application.team_id.in_(found)).order_by(Application.created_at)
            .options(selectinload(Application.challenge))):
        found[application.team_id].append(application)
    return found


def pending_invitations(team: Team) -> list[TeamInvitation]:
    return list(db.session.scalars(sa.select(TeamInvitation).where(
        TeamInvitation.team_id == team.id, TeamInvitation.pending_clause(utcnow())).order_by(TeamInvitation.created_at)))


def invitations_for(user: User) -> list[TeamInvitation]:
    """Pending invitations sent to this person's (confirmed) address."""
    query = TeamInvitation.pending_for(user)
    if query is None:
        return []
    return list(db.session.scalars(query.options(selectinload(TeamInvitation.team),
                                                 selectinload(TeamInvitation.invited_by))))


def invite(team: Team, *, email: str, actor: User) -> TeamInvitation:
    """Invite an address to the team; the link goes out by mail.

    :raises NotAllowed: the actor is not the team's lead
    :raises DomainError: the actor's own address is not confirmed yet (anyone can register, so an
        unconfirmed account could otherwise mail strangers), or the person is already a member or
        already has a pending invitation
    """
    require(actor, "manage", team)
    if not actor.is_confirmed:
        raise DomainError("Confirm your email address before inviting people: follow the link we sent you "
                          "(your dashboard can send it again).")
    email = normalise_email(email)
    if any(m.user.email == email for m in team.members):
        raise DomainError(f"{email} is already on the team.")
    if any(i.email == email for i in pending_invitations(team)):
        raise DomainError(f"{email} already has a pending invitation. Revoke it to send a new one.")
    token = tokens.random_token()
    invitation = TeamInvitation(
        team=team, email=email, token_hash=tokens.hash_token(token), invited_by=actor,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "team.invitation_sent", invitation, to_state=InvitationStatus.pending, team_id=team.id,
                 email=email)
    # The team's name is free text typed by anyone who registers: it stays out of the subject
    # (the mail's body quotes it), so the subject line cannot be made to say anything.
    queue_mail(email, "You are invited to join a design team on Incubator", "team_invitation",
               invitation=invitation, team=team, accept_url=external_url("applications.invitation", token=token))
    return invitation


def find_invitation(token: str) -> TeamInvitation | None:
    return TeamInvitation.find_by_token(token)


def accept_invitation(invitation: TeamInvitation, *, user: User) -> TeamMember:
    """Join the team through an emailed link.

    :raises DomainError: the invitation is not pending any more
    """
    now = utcnow()
    try:
        previous = invitation.accept(user, now)
    except InvalidTransition as error:
        raise DomainError(f"{error} Ask the team's lead for a new one.") from None
    member = db.session.scalar(sa.select(TeamMember).filter_by(team_id=invitation.team_id, user_id=user.id))
    if member is None:
        member = TeamMember(team_id=invitation.team_id, user=user)
        db.session.add(member)
    if user.email == invitation.email and user.email_confirmed_at is None:
        user.email_confirmed_at = now  # the link reached this mailbox
    db.session.flush()
    db.session.expire(invitation.team, ["members"])
    audit.record(user, "team.invitation_accepted", invitation, from_state=previous, to_state=InvitationStatus.accepted,
                 team_id=invitation.team_id)
    return member


def revoke_invitation(invitation: TeamInvitation, *, actor: User) -> None:
    """:raises DomainError: the invitation is not pending"""
    require(actor, "manage", invitation.team)
    previous = invitation.revoke(utcnow())
    audit.record(actor, "team.invitation_revoked", invitation, from_state=previous, to_state=InvitationStatus.revoked,
                 team_id=invitation.team_id, email=invitation.email)


def hand_over_lead(team: Team, *, to_user_id: int, actor: User) -> None:
    """Make another member the lead; the current lead stays a member.

    :raises DomainError: the person chosen is not a member of the team
    """
    require(actor, "manage", team)
    current = next(m for m in team.members if m.is_lead)
    chosen = next((m for m in team.members if m.user_id == to_user_id), None)
    if chosen is None:
        raise DomainError("Choose a member of the team.")
    if chosen is current:
        raise DomainError("You are already the lead.")
    # Two statements, so the one-lead-per-team index never sees two leads.
    current.is_lead = False
    db.session.flush()
    chosen.is_lead = True
    db.session.flush()
    audit.record(actor, "team.lead_handed_over", team, from_state=f"lead:{current.user_id}",
                 to_state=f"lead:{chosen.user_id}", new_lead=chosen.user.email)
