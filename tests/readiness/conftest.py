"""Fixtures of readiness: a challenge that uses the organization's default instrument, a team of
three with a submitted application, and helpers to rate through the pages."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.readiness.models import Assessment, ChallengeReadiness, Instrument
from incubator.readiness.states import Requirement


@pytest.fixture
def instrument(org):
    # Every new organization got the default instrument.
    return db.session.scalar(sa.select(Instrument).filter_by(organisation_id=org.id, is_current=True))


@pytest.fixture
def make_setup(make_user):
    counter = iter(range(1, 10**6))

    def make(org, *, requirement=Requirement.optional, submitted=True, members=2):
        n = next(counter)
        now = utcnow()
        challenge = Challenge(organisation=org, title=f"Future of School {n}", slug=f"future-r{n}",
                              track=Track.new_school, opens_at=now - timedelta(days=5),
                              closes_at=now + timedelta(days=5))
        lead = make_user(f"lead{n}@example.org", name=f"Lee Lead {n}")
        team = Team(name=f"Bayou Lab {n}")
        team.members.append(TeamMember(user=lead, is_lead=True))
        people = [make_user(f"member{n}-{k}@example.org", name=f"Mo Member {n}-{k}") for k in range(members)]
        for person in people:
            team.members.append(TeamMember(user=person))
        application = Application(team=team, challenge=challenge, school_name=f"Bayou School {n}",
                                  status=Status.submitted if submitted else Status.draft,
                                  submitted_at=now if submitted else None)
        db.session.add_all([challenge, application])
        db.session.flush()
        instrument = db.session.scalar(sa.select(Instrument).filter_by(organisation_id=org.id, is_current=True))
        db.session.add(ChallengeReadiness(challenge_id=challenge.id, instrument_id=instrument.id,
                                          requirement=requirement))
        db.session.commit()
        return Setup(challenge, application, team, lead, people, instrument)

    return make


class Setup:
    def __init__(self, challenge, application, team, lead, members, instrument):
        self.challenge, self.application, self.team = challenge, application, team
        self.lead, self.members, self.instrument = lead, members, instrument


@pytest.fixture
def setup(make_setup, org):
    return make_setup(org)


def grid(instrument, value_for, notes=None, action="save") -> dict:
    """Form data for the rating page: `value_for(index, item)` gives "1".."4", "not_sure" or ""."""
    data = {f"item-{item.id}": value_for(index, item) for index, item in enumerate(instrument.items)}
    for domain in instrument.domains:
        data[f"note-{domain.id}"] = (notes or {}).get(domain.id, "")
    data["action"] = action
    return data


def open_assessment(client, application, label="Intake") -> Assessment:
    response = client.post(f"/readiness/applications/{application.id}/assessments", data={"label": label})
    assert response.status_code == 302, response.text
    return db.session.scalar(sa.select(Assessment).where(Assessment.application_id == application.id,
                                                         Assessment.label == label))


def rate(client, assessment, value_for, action="complete", notes=None, url="rate"):
    db.session.expire_all()
    instrument = db.session.get(Instrument, assessment.instrument_id)
    return client.post(f"/readiness/assessments/{assessment.id}/{url}", data=grid(instrument, value_for, notes, action))
