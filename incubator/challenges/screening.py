"""Screening: program staff mark a submitted application eligible or ineligible.

An ineligible team is told why by email. A decision can be corrected (eligible <->
ineligible) as the applications lifecycle allows.
"""
from datetime import datetime

from incubator.accounts.models import User
from incubator.applications import lifecycle, states
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core import permissions
from incubator.core.errors import ValidationFailed
from incubator.core.mail import queue_mail

MAX_REASON = 5000


# The application changed status since it was loaded.
ScreeningConflict = lifecycle.ChangedMeanwhile


def screen(application: Application, *, eligible: bool, reason: str | None, actor: User, now: datetime) -> None:
    """Move `application` to eligible or ineligible; mail the team when ineligible.

    :raises NotAllowed: the actor is not program staff of the challenge's organisation
    :raises InvalidTransition: the application is not submitted (or already has that status)
    :raises ValidationFailed: no reason was given for ineligible, or it is too long
    :raises ScreeningConflict: another request changed the status since `application` was loaded
    """
    permissions.require(actor, "manage", application.challenge)
    target = Status.eligible if eligible else Status.ineligible
    states.check(application.status, target)
    reason = (reason or "").strip()
    if target == Status.ineligible and not reason:
        raise ValidationFailed("Give the reason the application is ineligible: the team will read it.")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"The reason is at most {MAX_REASON:,} characters.")
    # Compare-and-set on the status: two staff screening at once cannot both win.
    lifecycle.move(application, target, actor=actor, action="application.screened", now=now,
                   details={"reason": reason} if reason else None,
                   screened_at=now, screened_by_id=actor.id, screening_reason=reason or None)
    if target == Status.ineligible:
        challenge = application.challenge
        for member in application.team.members:
            queue_mail(member.user.email, f"Your application to {challenge.title}", "screening_ineligible",
                       reply_to=challenge.organisation.reply_to,
                       application=application, challenge=challenge, team=application.team, reason=reason)
