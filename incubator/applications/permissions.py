"""Who may do what to the objects of this domain (registered with core.permissions).

An application, its PDF and its attachments are visible to the team's members and,
once submitted, to program staff and admins of the challenge's organisation (a draft
is the team's own work, as on the staff's list); only team members change it, and
only while it is a draft.
"""
from incubator.applications.models import Application, Attachment, Team, TeamInvitation
from incubator.applications.states import Status, can as can_become
from incubator.challenges.permissions import challenge_rule
from incubator.core.permissions import rule


@rule(Team)
def team_rule(user, action: str, team: Team) -> bool:
    member = team.has_member(user)
    if action == "view":
        return member
    if action == "manage":  # invite, revoke, hand over the lead
        return team.lead is not None and team.lead.id == user.id
    if action == "start_application":
        return member
    return False


@rule(TeamInvitation)
def invitation_rule(user, action: str, invitation: TeamInvitation) -> bool:
    return team_rule(user, "manage" if action == "revoke" else action, invitation.team)


@rule(Application)
def application_rule(user, action: str, application: Application) -> bool:
    member = application.team.has_member(user)
    if action in ("view", "download"):
        # Staff of the challenge are the people who may manage it (one rule, in the challenges domain).
        return member or (application.submitted_at is not None
                          and challenge_rule(user, "manage", application.challenge))
    if action in ("edit", "upload", "submit"):
        return member and application.status == Status.draft
    if action == "withdraw":
        return member and can_become(application.status, Status.withdrawn)
    return False


@rule(Attachment)
def attachment_rule(user, action: str, attachment: Attachment) -> bool:
    if action == "delete":
        return application_rule(user, "edit", attachment.application)
    return application_rule(user, "download" if action == "view" else action, attachment.application)
