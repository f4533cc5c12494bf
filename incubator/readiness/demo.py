"""Demo data of readiness, registered with core.demo.seeder (safe to run twice). Runs after the
applications seeder: the demo challenge takes the default instrument (optional), and the submitted
team has an intake assessment that two members completed and the lead closed."""
from datetime import timedelta

import sqlalchemy as sa

from incubator.accounts.models import Organisation
from incubator.applications.models import Application, Team
from incubator.challenges.models import Challenge
from incubator.core.demo import seeder
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.readiness import instruments, jobs, services
from incubator.readiness.models import Assessment, ChallengeReadiness, Instrument
from incubator.readiness.states import Requirement

CHALLENGE_TITLE = "New Orleans Future of School Challenge"
TEAM = "Second Line Designers"
# Two members who see the team differently: the lead rates higher, so disagreements show.
PATTERNS = [[3, 2, 4, 3], [2, 2, 1, 3]]


@seeder
def seed_readiness(org: Organisation) -> None:
    instrument = db.session.scalar(sa.select(Instrument).where(Instrument.organisation_id == org.id,
                                                               Instrument.is_current))
    if instrument is None:
        instrument = instruments.default_instrument(org)
        db.session.add(instrument)
        db.session.flush()
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.title == CHALLENGE_TITLE))
    if challenge is None:
        return
    if db.session.get(ChallengeReadiness, challenge.id) is None:
        db.session.add(ChallengeReadiness(challenge_id=challenge.id, instrument_id=instrument.id,
                                          requirement=Requirement.optional))
        db.session.flush()
    application = db.session.scalar(sa.select(Application).join(Team).where(
        Team.name == TEAM, Application.challenge_id == challenge.id))
    if application is None or application.submitted_at is None:
        return
    if db.session.scalar(sa.select(Assessment.id).where(Assessment.application_id == application.id)):
        return
    lead = application.team.lead
    now = utcnow() - timedelta(days=1)
    assessment = services.open_assessment(application, "Intake", actor=lead, now=now)
    items = instrument.items
    for member, pattern in zip(sorted(application.team.members, key=lambda m: not m.is_lead), PATTERNS):
        values = {item.id: pattern[n % len(pattern)] for n, item in enumerate(items)}
        services.save_answers(assessment, values, {}, complete=True, actor=member.user, now=now)
    services.close(assessment, actor=lead, now=now)
    # No worker runs during the seed: make the PDF here instead of queueing it.
    pending = db.session.info.get("pending_jobs", [])
    pending[:] = [job for job in pending if job[1] != "incubator.readiness.jobs.render_assessment_pdf"]
    jobs.store_pdf_now(assessment)
