"""Immediate mail or one daily digest: the person's choice (audited), notices kept for the
digest, and the digest itself (once a day per person, from the morning hour in their timezone)."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from incubator.core import audit_words, digests
from incubator.core.audit import AuditEvent
from incubator.core.digests import DigestItem, NoticeMode, NotificationSetting
from incubator.core.notices import SentNotice
from incubator.extensions import db
from tests.incubation.reminders_kit import at_local, kept, outbox

DAY = date(2026, 4, 15)


def _notify(person, subject, now, reply_to="NSNO Program Team <apply@nsno.org>"):
    result = digests.notify(person, subject, "organisation_message", kind="test.notice", reply_to=reply_to, now=now,
                            body=f"Body of {subject}")
    db.session.commit()
    return result


@pytest.fixture
def daily(make_user, grant_role, org):
    """A program-staff member of the organisation (America/Chicago) who chose the daily digest."""
    person = grant_role(make_user("dana@example.org", name="Dana Daily"), org, "program_staff")
    digests.set_mode(person, NoticeMode.daily, actor=person)
    db.session.commit()
    return person


def test_set_mode_is_saved_and_audited_once(app, applicant):
    assert digests.mode_of(applicant.id) == NoticeMode.immediate
    assert digests.set_mode(applicant, "daily", actor=applicant) is True
    db.session.commit()
    assert digests.mode_of(applicant.id) == NoticeMode.daily
    assert digests.set_mode(applicant, NoticeMode.daily, actor=applicant) is False  # nothing changed: no event
    db.session.commit()
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "notifications.mode_changed")))
    assert [(e.from_state, e.to_state, e.object_id) for e in events] == [("immediate", "daily", applicant.id)]
    with app.test_request_context():
        assert audit_words.sentences(events)[0].striptags() == "Ari Applicant chose one daily digest for their notices"
    assert digests.set_mode(applicant, "immediate", actor=applicant)
    db.session.commit()
    assert db.session.get(NotificationSetting, applicant.id).mode == NoticeMode.immediate


@pytest.mark.parametrize("mode", ["weekly", "", "DAILY", None, "daily\x00", 3])
def test_an_unknown_mode_is_refused_and_nothing_is_saved(applicant, mode):
    with pytest.raises(digests.UnknownMode):
        digests.set_mode(applicant, mode, actor=applicant)
    db.session.rollback()
    assert db.session.get(NotificationSetting, applicant.id) is None


def test_immediate_mails_at_once_and_daily_keeps_the_notice(applicant, daily):
    now = at_local(DAY, 10)
    assert _notify(applicant, "Now", now) == "mailed"
    assert _notify(daily, "Later", now) == "kept"
    assert [m.subject for m in outbox()] == ["Now"]
    [item] = kept(daily)
    assert (item.subject, item.kind, item.sent_at) == ("Later", "test.notice", None)
    assert "Body of Later" in item.body_text


def test_one_digest_a_day_with_every_notice_and_none_twice(daily, mailbox, run_jobs):
    _notify(daily, "Milestone due tomorrow", at_local(DAY - timedelta(days=1), 15))
    _notify(daily, "Milestone approved", at_local(DAY - timedelta(days=1), 18))
    assert digests.send_daily_digests(at_local(DAY, 6, 59)) == 0  # before the morning hour, local time
    assert digests.send_daily_digests(at_local(DAY, 7, 5)) == 1
    assert digests.send_daily_digests(at_local(DAY, 8)) == 0
    _notify(daily, "Coaching note", at_local(DAY, 9))
    assert digests.send_daily_digests(at_local(DAY, 10)) == 0  # today's went out: this one waits for tomorrow
    assert digests.send_daily_digests(at_local(DAY + timedelta(days=1), 7)) == 1
    assert digests.send_daily_digests(at_local(DAY + timedelta(days=1), 23)) == 0
    run_jobs(["mail"])
    first, second = mailbox.to(daily.email)
    assert first["Subject"] == "Your notices of 15 April: 2 notices"
    body = mailbox.body(first)
    assert body.index("1. Milestone due tomorrow") < body.index("2. Milestone approved")
    assert "Body of Milestone approved" in body and "Coaching note" not in body
    assert first["Reply-To"] == "NSNO Program Team <apply@nsno.org>"  # every notice had the same
    assert second["Subject"] == "Your notices of 16 April: Coaching note"
    assert "Milestone approved" not in mailbox.body(second)
    assert all(item.sent_at is not None for item in kept(daily))


def test_a_day_with_nothing_kept_sends_nothing(daily):
    assert digests.send_daily_digests(at_local(DAY, 9)) == 0
    assert outbox() == [] and db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice)) == 0


def test_the_day_is_the_persons_own(make_user, grant_role, make_org):
    tokyo = make_org("Tokyo Schools", slug="tokyo", timezone="Asia/Tokyo")
    person = grant_role(make_user("tomo@example.org"), tokyo, "program_staff")
    nobody = make_user("no-org@example.org")  # no organisation: the portal's default (UTC)
    for who in (person, nobody):
        digests.set_mode(who, "daily", actor=who)
        _notify(who, "Hello", at_local(DAY, 0, tz="UTC"))
    assert digests.zones_of([person.id, nobody.id]) == {person.id: "Asia/Tokyo", nobody.id: "UTC"}
    assert digests.send_daily_digests(at_local(DAY, 6, tz="UTC")) == 1  # 15:00 in Tokyo, 06:00 UTC
    assert [m.recipient for m in outbox()] == [person.email]
    assert digests.send_daily_digests(at_local(DAY, 7, tz="UTC")) == 1
    assert [m.recipient for m in outbox()] == [person.email, nobody.email]


def test_notices_of_different_organisations_get_no_single_reply_to(daily):
    _notify(daily, "One", at_local(DAY, 1), reply_to="A <a@example.org>")
    _notify(daily, "Two", at_local(DAY, 2), reply_to="B <b@example.org>")
    digests.send_daily_digests(at_local(DAY, 8))
    [digest] = outbox(daily.email)
    assert digest.reply_to is None


def test_a_deactivated_person_gets_no_digest_and_their_notices_are_not_kept_waiting(daily):
    _notify(daily, "One", at_local(DAY, 1))
    daily.is_deactivated = True
    db.session.commit()
    assert digests.send_daily_digests(at_local(DAY, 8)) == 0
    assert outbox() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestItem).where(
        DigestItem.sent_at.is_(None))) == 0


def test_switching_back_to_immediate_still_sends_what_was_kept(daily):
    _notify(daily, "Kept", at_local(DAY, 1))
    digests.set_mode(daily, "immediate", actor=daily)
    db.session.commit()
    assert _notify(daily, "Now", at_local(DAY, 2)) == "mailed"
    assert digests.send_daily_digests(at_local(DAY, 8)) == 1
    assert [m.subject for m in outbox(daily.email)] == ["Now", "Your notices of 15 April: Kept"]


def test_notify_many_writes_what_notify_writes_and_the_mail_is_delivered(applicant, daily, mailbox, run_jobs):
    now = at_local(DAY, 10)
    one = digests.notify(applicant, "Line one\nline two", "organisation_message", kind="test.notice",
                         reply_to="NSNO <apply@nsno.org>", now=now, body="Same body")
    assert one == "mailed"
    counts = digests.notify_many([
        digests.Notice(applicant, "Line one\nline two", "organisation_message", "test.notice", "NSNO <apply@nsno.org>",
                       {"body": "Same body"}),
        digests.Notice(daily, "Kept one", "organisation_message", "test.notice", None, {"body": "Kept body"})],
        now=now)
    db.session.commit()
    assert counts == {"mailed": 1, "kept": 1}
    single, bulk = outbox(applicant.email)
    for column in ("recipient", "subject", "body_text", "reply_to", "status"):
        assert getattr(single, column) == getattr(bulk, column), column
    assert single.message_id != bulk.message_id
    [item] = kept(daily)
    assert (item.subject, item.body_text.strip(), item.created_at) == ("Kept one", "Kept body", now)
    run_jobs(["mail"])
    assert [m["Subject"] for m in mailbox.to(applicant.email)] == ["Line one line two"] * 2


def test_notify_many_of_nothing_writes_nothing():
    assert digests.notify_many([]) == {"mailed": 0, "kept": 0}
    assert outbox() == []
