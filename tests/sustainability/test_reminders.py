"""Report reminders: a school's reporters hear before a year's report is due and once it is late,
each notice once, never for a year already in finance's hands."""
from datetime import datetime, timezone

import sqlalchemy as sa

from incubator.core.mail import OutboxMessage
from incubator.extensions import db
from incubator.sustainability import reminders
from incubator.sustainability.models import SustainabilitySettings
from incubator.sustainability.states import ReportStatus

# The world's school opened in 2024: year 1 (fiscal 2024-25) is due on 31 October 2025 by default.
TWO_WEEKS_BEFORE = datetime(2025, 10, 17, 15, 0, tzinfo=timezone.utc)
THREE_WEEKS_BEFORE = datetime(2025, 10, 10, 15, 0, tzinfo=timezone.utc)
DAY_AFTER = datetime(2025, 11, 1, 15, 0, tzinfo=timezone.utc)


def mail_to(address):
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def reporters(world):
    return (world.lead, world.member, world.reporter)


def test_due_soon_goes_to_every_reporter_once(school_world, run_jobs, mailbox):
    assert reminders.send_report_reminders(TWO_WEEKS_BEFORE) == 3
    assert reminders.send_report_reminders(TWO_WEEKS_BEFORE) == 0  # the sweep ran twice: one each
    for person in reporters(school_world):
        [mail] = mail_to(person.email)
        assert mail.subject == "Bayou Learning Lab: the year 1 report is due on Friday 31 October 2025"
        assert "fiscal year 2024-25" in mail.body_text
        assert f"/sustainability/schools/{school_world.school.id}/years/1/report" in mail.body_text
    assert mail_to(school_world.finance.email) == [] and mail_to(school_world.staff.email) == []
    run_jobs()
    assert "due on" in mailbox.last(school_world.reporter.email)["Subject"]


def test_nothing_before_the_two_weeks(school_world):
    assert reminders.send_report_reminders(THREE_WEEKS_BEFORE) == 0
    assert mail_to(school_world.reporter.email) == []


def test_late_after_the_due_day_once(school_world):
    reminders.send_report_reminders(TWO_WEEKS_BEFORE)
    assert reminders.send_report_reminders(DAY_AFTER) == 3
    assert reminders.send_report_reminders(DAY_AFTER) == 0
    subjects = [m.subject for m in mail_to(school_world.reporter.email)]
    assert subjects == ["Bayou Learning Lab: the year 1 report is due on Friday 31 October 2025",
                        "Bayou Learning Lab: the year 1 report is late"]
    assert "was due on Friday 31 October 2025" in mail_to(school_world.lead.email)[-1].body_text


def test_none_for_a_submitted_or_verified_year(school_world):
    school_world.make_report(1, ReportStatus.submitted)
    assert reminders.send_report_reminders(DAY_AFTER) == 0
    assert mail_to(school_world.reporter.email) == []


def test_a_verified_year_stays_quiet_while_a_correction_is_open(school_world):
    school_world.make_report(1, ReportStatus.verified)
    school_world.make_report(1, ReportStatus.draft, revision=2)
    assert reminders.send_report_reminders(DAY_AFTER) == 0


def test_a_draft_or_a_returned_year_is_still_reminded(school_world):
    school_world.make_report(1, ReportStatus.returned)
    assert reminders.send_report_reminders(DAY_AFTER) == 3


def test_the_organisations_due_day_counts(school_world):
    db.session.add(SustainabilitySettings(organisation_id=school_world.org.id, report_due_month=9, report_due_day=30))
    db.session.commit()
    # due 30 September 2025: on 17 October it is late, not due soon
    assert reminders.send_report_reminders(TWO_WEEKS_BEFORE) == 3
    assert mail_to(school_world.reporter.email)[0].subject.endswith("is late")


def test_a_year_long_late_is_not_announced(school_world):
    # Year 1 was due on 31 October 2025; in May 2026 it is past the late window, year 2 is not due yet.
    assert reminders.send_report_reminders(datetime(2026, 5, 1, tzinfo=timezone.utc)) == 0


def test_the_organisations_wording_is_used(school_world):
    from incubator.core import mail_templates

    mail_templates.save(school_world.org, "sustainability.reminder.due_soon", subject="Reminder for {school}",
                        body="Year {year} is due {due}. {link}", actor=school_world.finance)
    db.session.commit()
    reminders.send_report_reminders(TWO_WEEKS_BEFORE)
    [mail] = mail_to(school_world.member.email)
    assert mail.subject == "Reminder for Bayou Learning Lab"
    assert mail.body_text.startswith("Year 1 is due Friday 31 October 2025.")


def reads_and_claims(func) -> int:
    """The statements `func` sends, but the outbox's rows (core.digests writes them in one
    statement on PostgreSQL; SQLite's driver sends a row at a time)."""
    from sqlalchemy import event

    seen = []

    def on_execute(conn, cursor, statement, *args):
        if not statement.startswith("INSERT INTO outbox_messages"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        func()
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    return len(seen)


def test_the_sweep_sends_in_a_fixed_number_of_statements(school_world, make_user):
    from incubator.sustainability.models import SchoolReporter

    count_statements = reads_and_claims

    one_school = count_statements(lambda: reminders.send_report_reminders(TWO_WEEKS_BEFORE))
    for n in range(4):
        school = school_world.make_school(f"School {n}")
        db.session.add(SchoolReporter(school_id=school.id, user_id=make_user(f"r{n}@example.org").id))
    db.session.commit()
    five_schools = count_statements(lambda: reminders.send_report_reminders(DAY_AFTER))  # all five late
    assert len(mail_to("r3@example.org")) == 1
    assert five_schools == one_school
    nothing_left = count_statements(lambda: reminders.send_report_reminders(DAY_AFTER))
    assert nothing_left < one_school


def test_a_worker_serving_default_starts_the_daily_sweep():
    from incubator.core.jobs import start_periodic

    assert "incubator.sustainability.reminders.start_sweep" in start_periodic(["default"])
    assert "incubator.sustainability.reminders.start_sweep" not in start_periodic(["mail"])
