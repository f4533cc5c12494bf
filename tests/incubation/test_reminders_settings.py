"""The notification settings page (/account/notifications) and the hourly sweep's scheduling."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from incubator.core import digests
from incubator.core.audit import AuditEvent
from incubator.core.digests import NoticeMode, NotificationSetting
from incubator.extensions import db
from incubator.incubation import jobs
from tests.incubation.reminders_kit import at_local, only_due, outbox

URL = "/account/notifications"


def _events():
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "notifications.mode_changed")))


def test_the_page_says_what_it_covers_and_saves_the_choice(make_client, applicant):
    browser = make_client(applicant)
    page = browser.get(URL)
    assert page.status_code == 200
    assert "reminders that a milestone is due soon or late" in page.text and "coaching notes" in page.text
    assert '<input checked id="mode-0" name="mode" required type="radio" value="immediate">' in page.text
    saved = browser.post(URL, data={"mode": "daily"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(URL)
    page = browser.get(URL)
    assert "Saved: you get one daily digest." in page.text
    assert "You get <strong>one email a day</strong>" in page.text
    assert digests.mode_of(applicant.id) == NoticeMode.daily
    assert [(e.actor_id, e.object_id, e.to_state) for e in _events()] == [(applicant.id, applicant.id, "daily")]
    # Saving the same choice again changes nothing and records nothing.
    browser.post(URL, data={"mode": "daily"})
    assert "No change: you already get one daily digest." in browser.get(URL).text
    assert len(_events()) == 1


def test_the_page_counts_the_notices_waiting_for_the_digest(make_client, applicant):
    digests.set_mode(applicant, "daily", actor=applicant)
    for n in range(2):
        digests.notify(applicant, f"Notice {n}", "organisation_message", kind="test", body="x")
    db.session.commit()
    assert "2 notices are waiting for your next daily digest" in make_client(applicant).get(URL).text


def test_the_profile_page_links_to_it(make_client, applicant):
    assert f'href="{URL}"' in make_client(applicant).get("/account").text


@pytest.mark.parametrize("data", [
    {"mode": "weekly"}, {"mode": ""}, {}, {"mode": "daily\x00"}, {"mode": "d" * 5000},
    {"mode": ["daily", "immediate", "weekly"]}, {"mode": "1"}, {"mode": "<script>"},
])
def test_hostile_values_are_refused_with_a_message_and_nothing_saved(make_client, applicant, data):
    response = make_client(applicant).post(URL, data=data)
    if isinstance(data.get("mode"), list):  # the first value counts: a known one is a plain save
        assert response.status_code == 302
        return
    assert response.status_code == 422
    assert "Please correct the highlighted fields." in response.text
    assert "<script>" not in response.text
    assert db.session.get(NotificationSetting, applicant.id) is None and _events() == []


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    for response in (client.get(URL), client.post(URL, data={"mode": "daily"})):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationSetting)) == 0


def test_a_post_without_the_csrf_token_is_refused(make_client, applicant):
    response = make_client(applicant).post(URL, data={"mode": "daily"}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(NotificationSetting, applicant.id) is None


def test_one_person_cannot_change_anothers_setting(make_client, applicant, staff):
    make_client(staff).post(URL, data={"mode": "daily", "user_id": str(applicant.id)})
    assert digests.mode_of(applicant.id) == NoticeMode.immediate
    assert digests.mode_of(staff.id) == NoticeMode.daily


# ---- the hourly sweep under the worker --------------------------------------------------------

def test_a_worker_serving_default_starts_the_hourly_sweep_which_reschedules_itself(app, run_jobs, incubation,
                                                                                  monkeypatch):
    from incubator.core.jobs import queue, start_periodic

    assert "incubator.incubation.jobs.start_sweep" not in start_periodic(["mail"])
    assert "incubator.incubation.jobs.start_sweep" in start_periodic(["default"])
    due = date(2026, 4, 15)
    only_due(incubation, (incubation.milestone(0, "Community"), due))
    monkeypatch.setattr(jobs, "utcnow", lambda: at_local(due - timedelta(days=1), 9))
    jobs.schedule_sweep(timedelta(0))
    jobs.schedule_sweep(timedelta(0))  # scheduling twice still means one sweep
    ids = queue("default").scheduled_job_registry.get_job_ids()
    assert len([i for i in ids if i.endswith("incubation-reminders")]) == 1
    run_jobs(["default"])
    assert sorted(m.recipient for m in outbox()) == sorted([incubation.lead(0).email, incubation.member(0).email])
    ids = queue("default").scheduled_job_registry.get_job_ids()
    assert len([i for i in ids if i.endswith("incubation-reminders")]) == 1  # the next sweep, an hour on


def test_a_failing_part_of_the_sweep_does_not_stop_the_others(incubation, monkeypatch):
    due = date(2026, 4, 15)
    only_due(incubation, (incubation.milestone(0, "Community"), due))

    def broken(now):
        raise RuntimeError("weekly digest broke")

    monkeypatch.setattr(jobs, "send_staff_weekly", broken)
    with pytest.raises(RuntimeError, match="weekly digest broke"):
        jobs.send_all(at_local(due - timedelta(days=1), 9))
    assert len(outbox()) == 2  # the reminders went out all the same
