"""Who may do what to the objects of this domain (registered with core.permissions).

An application, its PDF and its attachments are visible to the team's members and
to program staff and admins of the challenge's organisation; only team members
change it, and only while it is a draft.
"""
from incubator.accounts.models import Role
from incubator.applications.models import Application, Attachment, Team, TeamInvitation
from incubator.applications.states import Status, can as can_become
from incubator.core.permissions import rule


def is_staff_of(user, organisation_id: int) -> bool:
    return bool(user.is_admin) or user.has_role(organisation_id, Role.program_staff)


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
        return member or is_staff_of(user, application.challenge.organisation_id)
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
