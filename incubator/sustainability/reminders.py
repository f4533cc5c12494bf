"""Report reminders (reports area): a daily sweep that tells a school's reporters when a year's
report is due soon (from DUE_SOON_DAYS before its due day) and when it is late (after the due
day, for up to LATE_WITHIN_DAYS: a school found years late, say one just imported, is not
flooded with old reminders).

A year is owed a reminder while it has no submitted or verified report (a draft or a returned
one is not in finance's hands). The due day is dates.due_on with the organisation's settings,
and "today" is the organisation's local day. Each notice goes once per (school, year, kind,
person): a core.notices row is claimed in the transaction that queues the mail (or keeps it for
the person's daily digest), so running the sweep twice sends one.

Set-based: the organisations, schools, reports that stop reminders, reporters, wording and
claimed notices are each read in one statement whatever the number of schools; claims are
written BATCH at a time.
"""
import logging
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from incubator.accounts.models import Organisation
from incubator.core import digests, mail_templates
from incubator.core.jobs import fixed_job_id, periodic
from incubator.core.notices import SentNotice
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import dates, report_mail
from incubator.sustainability.models import AnnualReport, SustainabilitySettings
from incubator.sustainability.states import ReportStatus

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(days=1)
DUE_SOON_DAYS = 14
LATE_WITHIN_DAYS = 90
BATCH = 500
KINDS = {"due_soon": report_mail.DUE_SOON, "late": report_mail.LATE}
IN_HAND = (ReportStatus.submitted, ReportStatus.verified)


def subject_of(school_id: int, year: int) -> str:
    return f"school:{school_id}:year:{year}"


def recipient_of(user_id: int) -> str:
    return f"user:{user_id}"


def kind_on(today: date, due: date) -> str | None:
    """The reminder owed on `today` for a report due on `due` (None: none)."""
    if due - timedelta(days=DUE_SOON_DAYS) <= today <= due:
        return "due_soon"
    if due < today <= due + timedelta(days=LATE_WITHIN_DAYS):
        return "late"
    return None


def owed(now: datetime) -> list[tuple[School, Organisation, int, str, date]]:
    """(school, organisation, year, kind, due day) of each year owed a reminder at `now`, in
    three statements: the organisations with their settings, their schools with an opening
    year that can have a year due, and the years already in finance's hands."""
    orgs = db.session.execute(
        sa.select(Organisation, SustainabilitySettings.report_due_month, SustainabilitySettings.report_due_day)
        .outerjoin(SustainabilitySettings, SustainabilitySettings.organisation_id == Organisation.id)
        .where(sa.select(School.id).where(School.organisation_id == Organisation.id,
                                          School.planned_opening_year.is_not(None)).exists())).all()
    if not orgs:
        return []
    today_of = {org.id: local(now, org.timezone).date() for org, *_ in orgs}
    due_of = {org.id: (month or 10, day or 31) for org, month, day in orgs}
    by_id = {org.id: org for org, *_ in orgs}
    # A school opening in Y has its year 4 due in Y+5 at the latest (a due month before July).
    earliest = min(today_of.values()).year - 6
    schools = db.session.scalars(sa.select(School).where(
        School.organisation_id.in_(list(by_id)), School.planned_opening_year.is_not(None),
        School.planned_opening_year >= earliest, School.planned_opening_year <= max(today_of.values()).year)
        .order_by(School.id)).all()
    candidates = []
    for school in schools:
        month, day = due_of[school.organisation_id]
        today = today_of[school.organisation_id]
        for year in range(1, 5):
            due = dates.due_on(school.opening_year, year, month, day)
            kind = kind_on(today, due)
            if kind:
                candidates.append((school, by_id[school.organisation_id], year, kind, due))
    if not candidates:
        return []
    in_hand = set(db.session.execute(
        sa.select(AnnualReport.school_id, AnnualReport.year).distinct()
        .where(AnnualReport.school_id.in_({school.id for school, *_ in candidates}),
               AnnualReport.status.in_(IN_HAND))).all())
    return [c for c in candidates if (c[0].id, c[2]) not in in_hand]


def _claim(rows: list[dict]) -> set[tuple[str, str, str]]:
    """Insert the notices not sent yet (as core.notices.claim does, for many people at once);
    answers the (kind, subject, recipient) this call inserted."""
    if not rows:
        return set()
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = SentNotice.__table__
    statement = (insert(table).values(rows).on_conflict_do_nothing(index_elements=["kind", "subject", "recipient"])
                 .returning(table.c.kind, table.c.subject, table.c.recipient))
    return {tuple(row) for row in db.session.execute(statement)}


def send_report_reminders(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Sweep: tell each reporter of each school whose year is owed a reminder (due soon, or
    late), once per school, year, kind and person. Commits each batch of notices. Returns how
    many notices went out (mailed or kept for a digest)."""
    now = now or utcnow()
    found = owed(now)
    if not found:
        return 0
    school_ids = {school.id for school, *_ in found}
    reporters = report_mail.reporters_by_school(school_ids)
    org_ids = {org.id for _, org, *_ in found}
    wording = {(row.organisation_id, row.key): row for row in db.session.scalars(
        sa.select(mail_templates.MailTemplate).where(mail_templates.MailTemplate.organisation_id.in_(org_ids),
                                                     mail_templates.MailTemplate.key.in_(list(KINDS.values()))))}
    claimed = set(db.session.execute(
        sa.select(SentNotice.kind, SentNotice.subject, SentNotice.recipient)
        .where(SentNotice.kind.in_(list(KINDS.values())),
               SentNotice.subject.in_({subject_of(s.id, y) for s, _, y, *_ in found}))).all())
    wanted = []  # (claim row, person, school, organisation, year, kind, due)
    for school, organisation, year, kind, due in found:
        for person in reporters.get(school.id, []):
            key = (KINDS[kind], subject_of(school.id, year), recipient_of(person.id))
            if key not in claimed:
                wanted.append((key, person, school, organisation, year, kind, due))
    sent = 0
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        won = _claim([{"kind": k, "subject": s, "recipient": r, "sent_at": now} for (k, s, r), *_ in chunk])
        outgoing = []
        for key, person, school, organisation, year, kind, due in chunk:
            if key not in won:
                continue  # another sweep sent it meanwhile
            template = wording.get((organisation.id, KINDS[kind])) or mail_templates.kind(KINDS[kind])
            link = digests.external_link("sustainability.report_form", school_id=school.id, year=year)
            subject, body = report_mail.render(template, report_mail.values_for(
                school, year, fiscal_year=None, link=link, due=due, person=person.display_name))
            outgoing.append(digests.Notice(person, subject, "organisation_message", KINDS[kind], organisation.reply_to,
                                           {"body": body}))
        digests.notify_many(outgoing, now=now)
        db.session.commit()
        sent += len(outgoing)
    return sent


# ---- the daily sweep ------------------------------------------------------------------------------

def _job_id() -> str:
    return fixed_job_id("sustainability-reminders")


@periodic("default")
def start_sweep() -> None:
    """A worker serving `default` starts the daily sweep (a minute after it starts)."""
    schedule_sweep(timedelta(minutes=1))


def schedule_sweep(delay: timedelta = SWEEP_EVERY) -> None:
    """Schedule the sweep; scheduling it again only moves the one sweep (a fixed job id)."""
    from incubator.core.jobs import queue

    queue("default").enqueue_in(delay, sweep, job_id=_job_id())


def sweep() -> int:
    """Job: send the reminders owed now, then schedule the next sweep (even when this one failed)."""
    try:
        count = send_report_reminders()
    finally:
        schedule_sweep()
    if count:
        log.info("Sustainability reminders: %d sent", count)
    return count
