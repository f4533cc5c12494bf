"""The mail a team gets when a round decides its application: one kind per outcome, worded
by the organisation (core.mail_templates), with the portal's default where it wrote none."""
from datetime import datetime

from flask import current_app, has_request_context

from incubator.accounts.services import external_url
from incubator.applications.models import Application
from incubator.core import mail_templates
from incubator.core.mail import queue_mail
from incubator.reviews.models import Decision, ReviewRound
from incubator.reviews.states import Outcome

PLACEHOLDERS = ("team", "school", "challenge", "round", "decision", "rationale", "link")

_CLOSING = ("\n\nYou can read your application at any time: {link}\n\n"
            "If you have a question, reply to this email.\n\n— The program team")

DEFAULTS = {
    Outcome.advance: (
        "Advanced to the next round",
        "{team}: you are through to the next round of {challenge}",
        "Hello {team},\n\nThank you for applying to {challenge} with {school}.\n\n"
        "After {round}, we are glad to tell you that your application goes through to the next round. "
        "We will write again soon with what happens next and when." + _CLOSING),
    Outcome.select: (
        "Selected",
        "Congratulations, {team}: you are selected for {challenge}",
        "Hello {team},\n\nThank you for applying to {challenge} with {school}.\n\n"
        "After {round}, we are delighted to tell you that your application is selected. "
        "We will be in touch shortly about the next steps." + _CLOSING),
    Outcome.waitlist: (
        "Waitlisted",
        "{team}: your application to {challenge} is on the waitlist",
        "Hello {team},\n\nThank you for applying to {challenge} with {school}.\n\n"
        "After {round}, your application is on the waitlist: it is not selected yet, but it may be "
        "if a place opens. We will let you know either way." + _CLOSING),
    Outcome.decline: (
        "Declined",
        "Your application to {challenge}",
        "Hello {team},\n\nThank you for applying to {challenge} with {school}, and for the work you put into it.\n\n"
        "After {round}, we are sorry to tell you that your application was not selected this time. "
        "We hope to hear from you again." + _CLOSING),
}


def key_for(outcome: Outcome) -> str:
    return f"review.decision.{Outcome(outcome).value}"


for _outcome, (_label, _subject, _body) in DEFAULTS.items():
    mail_templates.register(key_for(_outcome), f"Decision: {_label.lower()}", subject=_subject, body=_body,
                            placeholders=PLACEHOLDERS)

DECISION_KEYS = [key_for(outcome) for outcome in Outcome]

# How the decision reads in {decision}.
DECISION_WORDS = {Outcome.advance: "Advanced to the next round", Outcome.select: "Selected",
                  Outcome.waitlist: "Waitlisted", Outcome.decline: "Declined"}


def values_for(review_round: ReviewRound, application: Application, outcome: Outcome, rationale: str) -> dict:
    return {"team": application.team.name, "school": application.school_name or "your school",
            "challenge": review_round.challenge.title, "round": review_round.title,
            "decision": DECISION_WORDS[Outcome(outcome)], "rationale": rationale,
            "link": _link(application)}


def _link(application: Application) -> str:
    if has_request_context():
        return external_url("applications.detail", application_id=application.id)
    with current_app.test_request_context():  # a job, the CLI or the demo seeder: PUBLIC_URL is the base anyway
        return external_url("applications.detail", application_id=application.id)


def preview(review_round: ReviewRound, application: Application, outcome: Outcome,
            rationale: str) -> tuple[str, str]:
    """(subject, body) the team would get for this decision, in the organisation's wording."""
    template = mail_templates.template_for(review_round.organisation_id, key_for(outcome))
    return mail_templates.render(template, values_for(review_round, application, outcome, rationale))


def send_decision(decision: Decision, *, now: datetime) -> int:
    """Queue the decision's mail to every member of the team (sent after commit); returns how many."""
    review_round, application = decision.round, decision.application
    subject, body = preview(review_round, application, decision.outcome, decision.rationale)
    reply_to = review_round.challenge.organisation.reply_to
    members = application.team.members
    for member in members:
        queue_mail(member.user.email, subject, "organisation_message", reply_to=reply_to, body=body)
    decision.notified_at = now
    return len(members)
