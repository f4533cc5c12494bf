"""How the applications domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.applications.models import Application, Team, TeamInvitation
from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db

phrases({
    "team.created": "{actor} created the design team {object}",
    # A team invitation reads as the team it invites to.
    "team.invitation_sent": "{actor} invited {details[email]} to join {object}",
    "team.invitation_accepted": "{actor} accepted the invitation to join {object}",
    "team.invitation_revoked": "{actor} revoked the invitation of {details[email]} to join {object}",
    "team.lead_handed_over": "{actor} handed the lead of {object} to {details[new_lead]}",
    "application.started": "{actor} started the application {object}",
    "application.submitted": "{actor} submitted {object}",
    "application.withdrawn": "{actor} withdrew {object}",
    "application.screened": "{actor} marked {object} {to}",
    "application.attachment_added": "{actor} attached {details[filename]} to {object}",
    "application.attachment_removed": "{actor} removed {details[filename]} from {object}",
})


@names("Team")
def _teams(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(ids)))
    return {i: Named(name) for i, name in rows}


@names("TeamInvitation")
def _team_invitations(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(TeamInvitation.id, Team.name).join(Team, Team.id == TeamInvitation.team_id)
                              .where(TeamInvitation.id.in_(ids)))
    return {i: Named(f"the design team {name}") for i, name in rows}


@names("Application")
def _applications(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(Application.id, Application.school_name, Application.challenge_id, Application.submitted_at)
        .where(Application.id.in_(ids)))
    # Staff pages show an application once it was submitted; a draft is the team's own.
    return {i: Named(school or "an untitled application",
                     url_for("challenges.application_detail", challenge_id=challenge_id, application_id=i)
                     if submitted_at else None)
            for i, school, challenge_id, submitted_at in rows}
