"""Readiness: 500 teams of 5 members, each member answering 40 items (100,000 ratings).

Pages: one assessment's team view (as the lead and as program staff), the team's assessments
with the growth chart, and the staff comparison of every team of the challenge (page and CSV).
The assessment PDF is rendered by a job, so its rendering (budget 300 ms) is timed here in
seed() and printed with the table's figures.

Run at two sizes to see that the SQL statements per page do not grow with the number of teams:
`python -m bench -s readiness --size 50` and `python -m bench -s readiness`.
"""
import statistics
import sys
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.scenarios._helpers import password_hash
from incubator.accounts.models import User
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.readiness import pdf, scoring
from incubator.readiness.instruments import new_key
from incubator.readiness.models import (AnswerSet, Assessment, ChallengeReadiness, Instrument, Rating,
                                        ReadinessDomain, ReadinessItem)
from incubator.readiness.states import AnswerSetStatus, AssessmentStatus, Requirement

NAME = "readiness"
SIZE = 500  # teams
MEMBERS = 5
DOMAINS, ITEMS_PER_DOMAIN = 10, 4  # 40 items
LEVELS = ["Nothing in place yet.", "Early ideas and a few conversations.", "A plan, partly tested.",
          "In place, tested and owned."]


def _instrument(org) -> Instrument:
    instrument = Instrument(organisation=org, name="Bench Readiness (40 items)", description="")
    for d in range(1, DOMAINS + 1):
        domain = ReadinessDomain(key=new_key(), position=d, title=f"Domain {d}: readiness area {d}")
        domain.items = [ReadinessItem(position=i, prompt=f"Item {d}.{i}: the team has this part of the design ready",
                                      descriptors=LEVELS, allows_not_sure=True) for i in range(1, ITEMS_PER_DOMAIN + 1)]
        instrument.domains.append(domain)
    db.session.add(instrument)
    db.session.flush()
    return instrument


def _value(team: int, member: int, item: int) -> int | None:
    value = (team * 7 + member * 3 + item * 5) % 5
    return None if value == 0 else value  # about one in five "not sure"


def seed(size):
    org = seed_accounts()
    now = utcnow()
    lead = db.session.scalar(sa.select(User).filter_by(email="lead@example.org"))
    challenge = Challenge(organisation=org, title="Bench Readiness Challenge", slug="bench-readiness",
                          track=Track.new_school, opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=30))
    db.session.add(challenge)
    instrument = _instrument(org)
    db.session.add(ChallengeReadiness(challenge_id=challenge.id, instrument_id=instrument.id,
                                      requirement=Requirement.required))
    items = instrument.items
    domain_items = {d.key: [i.id for i in d.items] for d in instrument.domains}
    db.session.flush()
    member_ids = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"rmember{n:06d}@example.org", "name": f"Member {n}", "password_hash": password_hash(),
         "is_admin": False, "is_deactivated": False, "email_confirmed_at": now, "created_at": now,
         "password_changed_at": now} for n in range(size * (MEMBERS - 1))]).all()
    team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
                                  [{"name": f"Design Team {n:04d}", "created_at": now} for n in range(size)]).all()
    memberships, applications = [], []
    for t, team_id in enumerate(team_ids):
        people = member_ids[t * (MEMBERS - 1):(t + 1) * (MEMBERS - 1)]
        first = lead.id if t == 0 else people[0]
        memberships.append({"team_id": team_id, "user_id": first, "is_lead": True, "joined_at": now})
        memberships += [{"team_id": team_id, "user_id": p, "is_lead": False, "joined_at": now}
                        for p in (people if t == 0 else people[1:])]
        applications.append({"challenge_id": challenge.id, "team_id": team_id, "status": Status.submitted,
                             "version": 1, "school_name": f"School {t:04d}", "submitted_at": now,
                             "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(TeamMember), memberships)
    application_ids = db.session.scalars(sa.insert(Application).returning(Application.id, sort_by_parameter_order=True),
                                         applications).all()
    users_of = {}
    for row in memberships:
        users_of.setdefault(row["team_id"], []).append(row["user_id"])
    rounds = [("Intake", now - timedelta(days=20))]
    for label, opened in rounds + [("Month 3", now - timedelta(days=2))]:
        teams = range(size) if label == "Intake" else range(1)  # the first team retook it: growth
        assessments = []
        for t in teams:
            ratings = [{items[i].id: _value(t + len(label), m, i) for i in range(len(items))} for m in range(MEMBERS)]
            scores = [scoring.domain_scores(r, domain_items) for r in ratings]
            summary = scoring.summarise(scores, list(domain_items))
            assessments.append({
                "organisation_id": org.id, "team_id": team_ids[t], "application_id": application_ids[t],
                "instrument_id": instrument.id, "label": label, "status": AssessmentStatus.closed, "opened_at": opened,
                "closed_at": opened + timedelta(days=1), "revision": 1,
                "summary": {"raters": MEMBERS, "staff": {},
                            "domains": {k: [s.composite, s.spread, s.raters] for k, s in summary.items()}},
                "_ratings": ratings, "_team": t})
        ids = db.session.scalars(sa.insert(Assessment).returning(Assessment.id, sort_by_parameter_order=True),
                                 [{k: v for k, v in a.items() if not k.startswith("_")} for a in assessments]).all()
        sets = []
        for assessment_id, a in zip(ids, assessments):
            for m, user_id in enumerate(users_of[team_ids[a["_team"]]]):
                sets.append({"assessment_id": assessment_id, "user_id": user_id, "is_staff": False,
                             "status": AnswerSetStatus.completed, "notes": {}, "updated_at": now, "completed_at": now,
                             "_ratings": a["_ratings"][m]})
        set_ids = db.session.scalars(sa.insert(AnswerSet).returning(AnswerSet.id, sort_by_parameter_order=True),
                                     [{k: v for k, v in s.items() if k != "_ratings"} for s in sets]).all()
        rows = [{"answer_set_id": set_id, "item_id": item_id, "value": value, "is_not_sure": value is None}
                for set_id, s in zip(set_ids, sets) for item_id, value in s["_ratings"].items()]
        for start in range(0, len(rows), 10_000):
            db.session.execute(sa.insert(Rating), rows[start:start + 10_000])
    db.session.commit()
    _time_pdf_render()


def _first_assessment() -> Assessment:
    return db.session.scalar(sa.select(Assessment).join(Team).where(Team.name == "Design Team 0000")
                             .order_by(Assessment.opened_at.desc()))


def _time_pdf_render(repeat: int = 20) -> None:
    db.session.expire_all()
    assessment = _first_assessment()
    pdf.render_assessment(assessment)  # warm-up: fonts and styles
    times = []
    for _ in range(repeat):
        db.session.expire_all()
        assessment = _first_assessment()
        started = time.perf_counter()
        content = pdf.render_assessment(assessment)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"[readiness] assessment PDF render ({MEMBERS} members x {DOMAINS * ITEMS_PER_DOMAIN} items, growth chart), "
          f"{len(content) / 1024:.1f} KB: median {statistics.median(times):.1f} ms, "
          f"p95 {times[int(0.95 * len(times)) - 1]:.1f} ms over {repeat} renders (budget 300 ms)", file=sys.stderr)


def requests():
    challenge_id = db.session.scalar(sa.select(Challenge.id).filter_by(slug="bench-readiness"))
    assessment = _first_assessment()
    key = db.session.scalar(sa.select(ReadinessDomain.key).where(ReadinessDomain.instrument_id == assessment.instrument_id)
                            .order_by(ReadinessDomain.position))
    return [
        ("team view (5 members x 40 items)", "lead@example.org", f"/readiness/assessments/{assessment.id}"),
        ("team view as program staff", "staff@example.org", f"/readiness/assessments/{assessment.id}"),
        ("team's assessments + growth chart", "lead@example.org",
         f"/readiness/applications/{assessment.application_id}"),
        ("comparison of all teams", "staff@example.org", f"/readiness/challenges/{challenge_id}/compare"),
        ("comparison sorted by a domain", "staff@example.org",
         f"/readiness/challenges/{challenge_id}/compare?sort={key}&dir=desc"),
        ("comparison CSV", "staff@example.org", f"/readiness/challenges/{challenge_id}/compare.csv"),
    ]
