"""Submitting (deadline on the server, checklist, freeze, receipt, PDF) and withdrawing."""
from datetime import datetime

from incubator.accounts.models import User
from incubator.accounts.services import external_url
from incubator.applications import lifecycle
from incubator.applications.editing import checklist, closing_text, revisions_since
from incubator.applications.models import Application, ApplicationRevision
from incubator.applications.states import Status
from incubator.core.errors import DomainError
from incubator.core.jobs import enqueue_after_commit
from incubator.core.mail import queue_mail
from incubator.core.permissions import require
from incubator.core.timeutil import format_local


class DeadlinePassed(DomainError):
    def __init__(self, application: Application):
        super().__init__(f"{application.challenge.title} closed at {closing_text(application.challenge)}. "
                         "Applications can no longer be submitted.")


class Incomplete(DomainError):
    def __init__(self, missing: list[str]):
        super().__init__("The application is not complete yet. Still missing: " + "; ".join(missing) + ".")
        self.missing = missing


def submit(application: Application, *, actor: User, now: datetime,
           seen_version: int | None = None) -> list[ApplicationRevision]:
    """Freeze a complete draft, email the team a receipt and queue the PDF copy.

    `now` is when the request reached the portal; `seen_version` is the version the submit
    page showed. Returns the saves after that version which the frozen content includes
    (a teammate saved while the submitter was on the page), which the receipt mentions.

    :raises NotAllowed: the actor is not on the team, or the application is not a draft
    :raises DeadlinePassed: `now` is at or after the challenge's closing time
    :raises Incomplete: something required is missing
    :raises ChangedMeanwhile: a teammate saved or submitted since the application was loaded
        (the caller rolls back and may submit again what is saved now)
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
    frozen_version = application.version
    lifecycle.move(application, Status.submitted, actor=actor, action="application.submitted", now=now,
                   submitted_at=now)
    included = [] if seen_version is None or seen_version >= frozen_version else \
        revisions_since(application, seen_version)
    note = included_changes(included, now)
    link = external_url("applications.detail", application_id=application.id)
    for member in application.team.members:
        queue_mail(member.user.email, f"Received: {application.school_name} for {challenge.title}",
                   "application_receipt", reply_to=challenge.organisation.reply_to,
                   application=application, member=member.user, submitted_by=actor,
                   link=link, included=note)
    enqueue_after_commit("incubator.applications.jobs.render_application_pdf", application.id, queue_name="pdf")
    return included


def included_changes(revisions: list[ApplicationRevision], submitted_at: datetime) -> str:
    """"It includes a change Mo Member saved 3 seconds earlier." (empty when there is none)"""
    if not revisions:
        return ""
    last = revisions[-1]
    who = last.saved_by.display_name if last.saved_by else "a former member"
    when = _ago(submitted_at - last.saved_at)
    if len(revisions) == 1:
        return f"It includes a change {who} saved {when} earlier."
    return (f"It includes {len(revisions)} changes saved after the submit page was opened, "
            f"the last by {who} {when} earlier.")


def _ago(delta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def already_submitted(application: Application, actor: User) -> str | None:
    """For a repeated submit (a double-click, a second tab) by the team: the answer to show, as a success."""
    if application.submitted_at is None or application.status in (Status.draft, Status.withdrawn):
        return None
    if not application.team.has_member(actor):
        return None
    return f"Already submitted at {format_local(application.submitted_at, application.challenge.timezone, SECONDS)}."


SECONDS = "%H:%M:%S %Z on %A %-d %B %Y"


def withdraw(application: Application, *, actor: User, now: datetime) -> None:
    """Withdraw the team's application; allowed until a decision is made.

    :raises DomainError: it was selected (a selection is final), with the reason for the team
    :raises NotAllowed: the actor is not on the team, or it can no longer be withdrawn
    :raises ChangedMeanwhile: someone (a teammate, staff screening) changed it since it was loaded
    """
    refusal = withdraw_refusal(application)
    if refusal and application.team.has_member(actor):
        raise DomainError(refusal)
    require(actor, "withdraw", application)
    lifecycle.move(application, Status.withdrawn, actor=actor, action="application.withdrawn", now=now,
                   withdrawn_at=now)


def withdraw_refusal(application: Application) -> str | None:
    """Why the team can no longer withdraw, where the reason is worth telling (None otherwise)."""
    if application.status == Status.selected:
        contact = application.challenge.organisation.contact_label
        return (f"{application.challenge.title} selected this application, and a selected application cannot be "
                f"withdrawn: the selection is final. If your team can no longer take part, write to {contact}.")
    return None
