"""The mail a team gets when staff record its incubation outcome: one kind per outcome, worded
by the organisation (core.mail_templates), sent to every member through core.digests (now, or
in the member's daily digest)."""
from datetime import datetime

from flask import current_app, has_request_context

from incubator.accounts.services import external_url
from incubator.core import digests, mail_templates
from incubator.incubation.models import CohortTeam
from incubator.incubation.states import IncubationOutcome

PLACEHOLDERS = ("team", "school", "cohort", "outcome", "year", "rationale", "link")
DIGEST_KIND = "incubation.outcome"

_CLOSING = ("\n\nWhy:\n{rationale}\n\nYour team's incubation page: {link}\n\n"
            "If you have a question, reply to this email.\n\n\u2014 The program team")

DEFAULTS = {
    IncubationOutcome.launch: (
        "recommended to launch",
        "{team}: recommended to launch {school}",
        "Hello {team},\n\nAt the end of {cohort}, we are delighted to tell you that your team is recommended "
        "to launch {school}, planned to open in {year}. We will be in touch about the next steps." + _CLOSING),
    IncubationOutcome.continue_incubating: (
        "continue incubating",
        "{team}: your incubation continues",
        "Hello {team},\n\nAt the end of {cohort}, we recommend that your team continues incubating {school} "
        "before a launch recommendation. We will be in touch about what comes next." + _CLOSING),
    IncubationOutcome.not_recommended: (
        "not recommended",
        "{team}: the outcome of your incubation",
        "Hello {team},\n\nThank you for the work your team put into {cohort}. We are sorry to tell you that "
        "{school} is not recommended to launch." + _CLOSING),
}


def key_for(outcome: IncubationOutcome) -> str:
    return f"incubation.outcome.{IncubationOutcome(outcome).value}"


for _outcome, (_label, _subject, _body) in DEFAULTS.items():
    mail_templates.register(key_for(_outcome), f"Incubation outcome: {_label}", subject=_subject, body=_body,
                            placeholders=PLACEHOLDERS)

OUTCOME_KEYS = [key_for(outcome) for outcome in IncubationOutcome]


def _link(cohort_team: CohortTeam) -> str:
    if has_request_context():
        return external_url("incubation.team", cohort_team_id=cohort_team.id)
    with current_app.test_request_context():  # a job or the CLI: PUBLIC_URL is the base anyway
        return external_url("incubation.team", cohort_team_id=cohort_team.id)


def values_for(cohort_team: CohortTeam, outcome: IncubationOutcome, rationale: str, year: int | None) -> dict:
    return {"team": cohort_team.team.name, "school": cohort_team.school_name, "cohort": cohort_team.cohort.name,
            "outcome": IncubationOutcome(outcome).label, "year": str(year) if year else "",
            "rationale": rationale, "link": _link(cohort_team)}


def preview(cohort_team: CohortTeam, outcome: IncubationOutcome, rationale: str,
            year: int | None) -> tuple[str, str]:
    """(subject, body) the team would get, in the organisation's wording."""
    template = mail_templates.template_for(cohort_team.cohort.organisation_id, key_for(outcome))
    return mail_templates.render(template, values_for(cohort_team, outcome, rationale, year))


def tell_team(cohort_team: CohortTeam, *, now: datetime) -> int:
    """Tell every member of the team its recorded outcome (mailed after commit, or kept for
    their digest); how many members were told."""
    subject, body = preview(cohort_team, cohort_team.outcome, cohort_team.outcome_rationale or "",
                            cohort_team.planned_opening_year)
    reply_to = cohort_team.cohort.organisation.reply_to
    members = [m for m in cohort_team.team.members if m.user.is_active]
    for member in members:
        digests.notify(member.user, subject, "organisation_message", kind=DIGEST_KIND, reply_to=reply_to, now=now,
                       body=body)
    return len(members)
