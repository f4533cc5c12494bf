"""The mail a team gets when staff decide on one of its milestones (approved, changes asked
for, reopened): one kind each, worded by the organisation (core.mail_templates, edited on its
mail-template page), sent to every member through core.digests (now, or in their daily digest)."""
import re
from datetime import datetime

from flask import current_app, has_request_context

from incubator.accounts.services import external_url
from incubator.core import digests, mail_templates
from incubator.incubation.models import Milestone

APPROVED = "incubation.milestone.approved"
CHANGES_REQUESTED = "incubation.milestone.changes_requested"
REOPENED = "incubation.milestone.reopened"

PLACEHOLDERS = ("team", "school", "milestone", "cohort", "comment", "link")

_CLOSING = "\n\nYou can see the milestone at any time: {link}\n\nIf you have a question, reply to this email.\n\n— The program team"

DEFAULTS = {
    APPROVED: (
        "Milestone approved",
        "{team}: “{milestone}” is approved",
        "Hello {team},\n\nThe program team approved “{milestone}” for {school} in {cohort}. Well done.\n\n"
        "{comment}" + _CLOSING),
    CHANGES_REQUESTED: (
        "Milestone: changes requested",
        "{team}: changes requested on “{milestone}”",
        "Hello {team},\n\nThe program team read what you handed in for “{milestone}” ({school}, {cohort}) "
        "and asks for some changes before it can be approved:\n\n{comment}\n\n"
        "Add or replace your evidence on the milestone's page, then submit it again." + _CLOSING),
    REOPENED: (
        "Milestone reopened",
        "{team}: “{milestone}” was reopened",
        "Hello {team},\n\nThe program team reopened “{milestone}” ({school}, {cohort}), which was approved. "
        "It is back to awaiting review, and the team will hear again once it is decided. The reason:\n\n"
        "{comment}" + _CLOSING),
}

for _key, (_label, _subject, _body) in DEFAULTS.items():
    mail_templates.register(_key, f"Incubation: {_label.lower()}", subject=_subject, body=_body,
                            placeholders=PLACEHOLDERS)


def _link(milestone: Milestone) -> str:
    if has_request_context():
        return external_url("incubation.milestone", milestone_id=milestone.id)
    with current_app.test_request_context():  # a job or the CLI: PUBLIC_URL is the base anyway
        return external_url("incubation.milestone", milestone_id=milestone.id)


def values_for(milestone: Milestone, comment: str) -> dict:
    cohort_team = milestone.cohort_team
    return {"team": cohort_team.team.name, "school": cohort_team.school_name, "milestone": milestone.title,
            "cohort": cohort_team.cohort.name, "comment": comment.strip(), "link": _link(milestone)}


def preview(milestone: Milestone, key: str, comment: str) -> tuple[str, str]:
    """(subject, body) the team gets, in the organisation's wording."""
    template = mail_templates.template_for(milestone.cohort_team.cohort.organisation_id, key)
    subject, body = mail_templates.render(template, values_for(milestone, comment))
    return subject, re.sub(r"\n{3,}", "\n\n", body)  # an empty comment leaves no gap


def tell_team(milestone: Milestone, key: str, comment: str, *, now: datetime) -> int:
    """Tell every active member of the milestone's team (mailed after commit, or kept for their
    daily digest); returns how many were told."""
    subject, body = preview(milestone, key, comment)
    organisation = milestone.cohort_team.cohort.organisation
    told = 0
    for member in milestone.cohort_team.team.members:
        if not member.user.is_active:
            continue
        digests.notify(member.user, subject, "organisation_message", kind=key, reply_to=organisation.reply_to,
                       now=now, body=body)
        told += 1
    return told
