"""The mail of annual reports, worded by the organisation (core.mail_templates, edited on its
mail-template page): a report submitted (to the organisation's finance people), returned with
finance's comment and verified (to the school's reporters), and the reminders of the sweep
(`reminders.py`: due soon, late). Sent through core.digests (now, or in the person's daily
digest), in the transaction of the change that caused them."""
import re
from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa

from incubator.accounts.models import Membership, Organisation, Role, User
from incubator.applications.models import TeamMember
from incubator.core import digests, mail_templates
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import dates
from incubator.sustainability.models import AnnualReport, SchoolReporter

SUBMITTED = "sustainability.report.submitted"
RETURNED = "sustainability.report.returned"
VERIFIED = "sustainability.report.verified"
DUE_SOON = "sustainability.reminder.due_soon"
LATE = "sustainability.reminder.late"

PLACEHOLDERS = ("school", "year", "fiscal_year", "due", "comment", "person", "link")

_CLOSING = "\n\n{link}\n\nIf you have a question, reply to this email.\n\n— Incubator"

DEFAULTS = {
    SUBMITTED: (
        "Sustainability: a report was submitted",
        "{school}: the year {year} report ({fiscal_year}) is ready to verify",
        "Hello,\n\n{person} submitted the year {year} report of {school} (fiscal year {fiscal_year}). "
        "Check its figures, then verify it or return it with a comment:" + _CLOSING),
    RETURNED: (
        "Sustainability: a report was returned for changes",
        "{school}: the year {year} report was returned for changes",
        "Hello,\n\nFinance read the year {year} report of {school} (fiscal year {fiscal_year}) and returned "
        "it for changes:\n\n{comment}\n\nFix the figures, then submit the report again:" + _CLOSING),
    VERIFIED: (
        "Sustainability: a report was verified",
        "{school}: the year {year} report is verified",
        "Hello,\n\nFinance verified the year {year} report of {school} (fiscal year {fiscal_year}). "
        "Its figures now count in the school's metrics. Thank you.\n\nThe report:" + _CLOSING),
    DUE_SOON: (
        "Sustainability: a report is due soon",
        "{school}: the year {year} report is due on {due}",
        "Hello,\n\nThe year {year} report of {school} (fiscal year {fiscal_year}) is due on {due}. "
        "Enter its figures and submit it here:" + _CLOSING),
    LATE: (
        "Sustainability: a report is late",
        "{school}: the year {year} report is late",
        "Hello,\n\nThe year {year} report of {school} (fiscal year {fiscal_year}) was due on {due} and has not "
        "been submitted yet. Please enter its figures and submit it as soon as you can:" + _CLOSING),
}

for _key, (_label, _subject, _body) in DEFAULTS.items():
    mail_templates.register(_key, _label, subject=_subject, body=_body, placeholders=PLACEHOLDERS)


def due_words(day: date) -> str:
    return f"{day:%A %-d %B %Y}"


def values_for(school: School, year: int, *, fiscal_year: int | None, link: str, comment: str = "",
               person: str = "", due: date | None = None) -> dict:
    fiscal = fiscal_year or (dates.fiscal_year(school.opening_year, year) if school.opening_year else None)
    return {"school": school.name, "year": year, "fiscal_year": dates.fiscal_year_label(fiscal) if fiscal else "",
            "due": due_words(due) if due else "", "comment": comment.strip(), "person": person, "link": link}


def render(template, values: dict) -> tuple[str, str]:
    subject, body = mail_templates.render(template, values)
    return subject, re.sub(r"\n{3,}", "\n\n", body)


def finance_people(organisation_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id)
                           .where(Membership.organisation_id == organisation_id, Membership.role == Role.finance,
                                  User.is_deactivated.is_(False)).distinct().order_by(User.id)))


def reporters_by_school(school_ids) -> dict[int, list[User]]:
    """school id -> the active people who report for it (its team's members and those named for
    it, each once), in one query."""
    members = (sa.select(School.id.label("school_id"), TeamMember.user_id.label("user_id"))
               .join(TeamMember, TeamMember.team_id == School.team_id).where(School.id.in_(school_ids)))
    named = sa.select(SchoolReporter.school_id, SchoolReporter.user_id).where(SchoolReporter.school_id.in_(school_ids))
    both = sa.union(members, named).subquery()
    found: dict[int, list[User]] = defaultdict(list)
    for school_id, user in db.session.execute(
            sa.select(both.c.school_id, User).join(User, User.id == both.c.user_id)
            .where(User.is_deactivated.is_(False)).order_by(both.c.school_id, User.id)):
        found[school_id].append(user)
    return found


def tell(report: AnnualReport, key: str, *, actor, now: datetime) -> int:
    """Tell the people concerned that `report` moved (`key`: SUBMITTED to the organisation's
    finance people; RETURNED, VERIFIED to the school's reporters). Flushes; the caller commits.
    Returns how many were told."""
    school = report.school
    organisation: Organisation = school.organisation
    link = digests.external_link("sustainability.report", report_id=report.id)
    values = values_for(school, report.year, fiscal_year=report.fiscal_year, link=link,
                        comment=report.comment if key == RETURNED else "",
                        person=getattr(actor, "display_name", "") or "")
    subject, body = render(mail_templates.template_for(organisation.id, key), values)
    people = finance_people(organisation.id) if key == SUBMITTED else reporters_by_school([school.id]).get(school.id, [])
    notices = [digests.Notice(person, subject, "organisation_message", key, organisation.reply_to, {"body": body})
               for person in people]
    digests.notify_many(notices, now=now)
    return len(notices)
