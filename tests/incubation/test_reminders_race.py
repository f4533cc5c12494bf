"""Two sweeps at once (two workers): each in its own thread, app context and database session,
both reading the same owed reminders before either claims one. The unique row decides: every
reminder and every digest goes out once. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""
import threading
from datetime import date, timedelta

from incubator.core import digests
from incubator.core.digests import NoticeMode
from incubator.extensions import db
from incubator.incubation import jobs
from tests.incubation.reminders_kit import at_local, claims, kept, only_due, outbox

DUE = date(2026, 4, 15)


def _both_at_once(app, monkeypatch, module, name, run):
    """Run `run()` in two threads; both pass `module.name` (the read of what is owed) before
    either goes on to claim, so they race on the claims."""
    real = getattr(module, name)
    barrier = threading.Barrier(2, timeout=20)

    def read_then_wait(*args, **kwargs):
        found = real(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(module, name, read_then_wait)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                results.append(run())
            except Exception as error:  # reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(module, name, real)
    assert errors == []
    return results


def test_two_sweeps_at_once_send_each_reminder_once(app, make_incubation_world, org, staff, monkeypatch):
    world = make_incubation_world(org, staff, teams=4)
    only_due(world, *[(world.milestone(i, "Community"), DUE) for i in range(4)],
             *[(world.milestone(i, "Prototype"), DUE + timedelta(days=6)) for i in range(4)])
    now = at_local(DUE - timedelta(days=1), 9)
    db.session.commit()
    results = _both_at_once(app, monkeypatch, jobs, "owed_reminders",
                            lambda: jobs.send_milestone_reminders(now, batch=3))
    assert sorted(results)[1] > 0 and sum(results) == 8  # both worked, and together sent each once
    assert len(claims()) == 8
    for i in range(4):
        for person in (world.lead(i), world.member(i)):
            assert len(outbox(person.email)) == 2, person.email


def test_two_digest_sweeps_at_once_send_one_digest(app, incubation, monkeypatch):
    member = incubation.member(0)
    digests.set_mode(member, NoticeMode.daily, actor=member)
    db.session.commit()
    only_due(incubation, (incubation.milestone(0, "Community"), DUE), (incubation.milestone(0, "Prototype"), DUE))
    jobs.send_milestone_reminders(at_local(DUE - timedelta(days=1), 6))
    db.session.commit()
    results = _both_at_once(app, monkeypatch, digests, "zones_of",
                            lambda: digests.send_daily_digests(at_local(DUE - timedelta(days=1), 9)))
    assert sorted(results) == [0, 1]
    [digest] = outbox(member.email)
    assert digest.body_text.count("====") == 4  # two notices, each headed once
    assert all(item.sent_at is not None for item in kept(member))
