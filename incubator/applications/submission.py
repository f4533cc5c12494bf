"""Submitting (deadline on the server, checklist, freeze, receipt, PDF) and withdrawing."""
from datetime import datetime

from incubator.accounts.models import User
from incubator.accounts.services import external_url
from incubator.applications import lifecycle
from incubator.applications.editing import checklist, closing_text
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core.errors import DomainError
from incubator.core.jobs import enqueue_after_commit
from incubator.core.mail import queue_mail
from incubator.core.permissions import require


class DeadlinePassed(DomainError):
    def __init__(self, application: Application):
        super().__init__(f"{application.challenge.title} closed at {closing_text(application.challenge)}. "
                         "Applications can no longer be submitted.")


class Incomplete(DomainError):
    def __init__(self, missing: list[str]):
        super().__init__("The application is not complete yet. Still missing: " + "; ".join(missing) + ".")
        self.missing = missing


def submit(application: Application, *, actor: User, now: datetime) -> None:
    """Freeze a complete draft, email the team a receipt and queue the PDF copy.

    :raises NotAllowed: the actor is not on the team, or the application is not a draft
    :raises DeadlinePassed: `now` is at or after the challenge's closing time
    :raises Incomplete: something required is missing
    :raises ChangedMeanwhile: a teammate saved or submitted since the application was loaded
    """
    require(actor, "submit", application)
    challenge = application.challenge
    if now >= challenge.closes_at:
        raise DeadlinePassed(application)
    if not challenge.has_opened(now):
        raise DomainError(f"{challenge.title} has not opened yet.")
    missing = checklist(application)
    if missing:
        raise Incomplete(missing)
    # The version moves on too, so an edit form still open elsewhere is now stale.
    lifecycle.move(application, Status.submitted, actor=actor, action="application.submitted", now=now,
                   submitted_at=now)
    link = external_url("applications.detail", application_id=application.id)
    for member in application.team.members:
        queue_mail(member.user.email, f"Received: {application.school_name} for {challenge.title}",
                   "application_receipt", reply_to=challenge.organisation.reply_to,
                   application=application, member=member.user, submitted_by=actor,
                   link=link)
    enqueue_after_commit("incubator.applications.jobs.render_application_pdf", application.id, queue_name="pdf")


def withdraw(application: Application, *, actor: User, now: datetime) -> None:
    """Withdraw the team's application; allowed until a decision is made.

    :raises NotAllowed: the actor is not on the team, or it can no longer be withdrawn
    :raises ChangedMeanwhile: someone (a teammate, staff screening) changed it since it was loaded
    """
    require(actor, "withdraw", application)
    lifecycle.move(application, Status.withdrawn, actor=actor, action="application.withdrawn", now=now,
                   withdrawn_at=now)
