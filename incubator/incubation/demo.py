"""Demo data of incubation (registered with core.demo; safe to run twice, sends no mail).

Runs last (incubation is the last of DOMAINS): three teams of the demo's new-school challenge
are selected in its written round (the lead's Bayou Learning Lab among them, through the
applications' lifecycle and the round's decisions), and form the "Spring 2027 cohort", started
75 days ago with Cam Coach and Sam Staff as coaches. Progress makes the grid worth looking at:
approved milestones with staff's comment, one awaiting review, one sent back for changes, some
overdue, text and link evidence, stakeholder entries (the lead's team has three of the four
required groups, so its page names the missing one) and coaching sessions with a reply.

Moves go through `lifecycle.move_milestone` (audited). The `milestone_approved` signal is not
sent: the demo has no listeners to feed, and one that mailed would need Redis.
"""
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from incubator.accounts.models import Organisation, User
from incubator.applications import lifecycle as application_lifecycle
from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.challenges.models import Challenge
from incubator.core.demo import seeder
from incubator.core.errors import DomainError
from incubator.core.timeutil import from_local, local, utcnow
from incubator.extensions import db
from incubator.incubation import cohorts, lifecycle
from incubator.incubation.models import (CoachingReply, CoachingSession, Cohort, CohortTeam, Evidence, Milestone,
                                         MilestoneComment, StakeholderEntry)
from incubator.incubation.states import InputMethod, MilestoneStatus, StakeholderGroup

COHORT_NAME = "Spring 2027 cohort"
CHALLENGE_SLUG = "nola-future-of-school"
ROUND_TITLE = "Written review"
STARTED_DAYS_AGO = 75
LEAD_TEAM = "Bayou Learning Lab"
TEAMS = (LEAD_TEAM, "Crescent Studio", "Treme Makers")
RATIONALE = "Selected for the Spring 2027 incubation cohort: a strong community case and a workable plan."


@seeder
def seed_incubation(org: Organisation) -> None:
    staff = _user("staff@example.org")
    coach = _user("coach@example.org")
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == CHALLENGE_SLUG,
                                                             Challenge.organisation_id == org.id))
    if staff is None or coach is None or challenge is None:
        return
    if db.session.scalar(sa.select(Cohort.id).where(Cohort.challenge_id == challenge.id).limit(1)):
        return  # seeded before (perhaps renamed since), or someone made a cohort of their own
    now = utcnow()
    applications = [a for a in (_application(challenge, name) for name in TEAMS) if a is not None]
    for application in applications:
        _select(application, challenge, staff, now)
    waiting = {a.id for a in cohorts.candidates(challenge)}
    chosen = [a.id for a in applications if a.id in waiting]
    if not chosen:
        return
    starts_on = local(now, org.timezone).date() - timedelta(days=STARTED_DAYS_AGO)
    cohort = cohorts.create_cohort(challenge, name=COHORT_NAME, starts_on=starts_on, length_months=6,
                                   application_ids=chosen, coach_ids=[coach.id, staff.id], actor=staff, now=now)
    by_team = {t.team.name: t for t in cohort.teams}
    story = Story(cohort, staff, coach, now)
    if LEAD_TEAM in by_team:
        story.bayou(by_team[LEAD_TEAM])
    if "Crescent Studio" in by_team:
        story.crescent(by_team["Crescent Studio"])
    if "Treme Makers" in by_team:
        story.treme(by_team["Treme Makers"])
    db.session.flush()


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _application(challenge: Challenge, team_name: str) -> Application | None:
    return db.session.scalar(sa.select(Application).join(Team, Team.id == Application.team_id).where(
        Application.challenge_id == challenge.id, Team.name == team_name))


def _select(application: Application, challenge: Challenge, staff: User, now: datetime) -> None:
    """Bring a demo application to selected the way the portal does: submitted (the lead's draft is
    completed first), screened eligible, then selected in the written round without mail."""
    from incubator.applications.demo import _fill
    from incubator.applications.jobs import store_pdf
    from incubator.reviews import decisions
    from incubator.reviews.models import ReviewRound

    if application.status == Status.selected:
        return
    lead = application.team.lead
    try:
        if application.status == Status.draft:
            if not application.answers:
                _fill(application, application.school_name or application.team.name, complete=True)
                db.session.flush()
            application_lifecycle.move(application, Status.submitted, actor=lead, action="application.submitted",
                                       now=now, submitted_at=now - timedelta(days=STARTED_DAYS_AGO + 40))
            db.session.flush()
            store_pdf(application)
        if application.status == Status.submitted:
            application_lifecycle.move(application, Status.eligible, actor=None, action="application.screened",
                                       now=now, screened_at=now - timedelta(days=STARTED_DAYS_AGO + 30))
        written = db.session.scalar(sa.select(ReviewRound).where(ReviewRound.challenge_id == challenge.id,
                                                                 ReviewRound.title == ROUND_TITLE))
        if written is not None:
            decisions.decide(written, application, "select", RATIONALE, actor=staff, now=now, notify=False,
                             confirm_over_slots=True)
        db.session.flush()
    except DomainError:
        # A demo database someone has used: leave an application that moved elsewhere as it is.
        db.session.expire(application)


class Story:
    """Progress of each demo team, dated from the cohort's start."""

    def __init__(self, cohort: Cohort, staff: User, coach: User, now: datetime):
        self.cohort, self.staff, self.coach, self.now = cohort, staff, coach, now
        self.tz = cohort.timezone

    def day(self, n: int, hour: int = 10) -> datetime:
        """The moment `hour` o'clock local on the cohort's day `n` (never after now)."""
        moment = from_local(datetime.combine(self.cohort.starts_on + timedelta(days=n), time(hour)), self.tz)
        return min(moment, self.now)

    def milestone(self, cohort_team: CohortTeam, title_starts: str) -> Milestone:
        return next(m for m in cohort_team.milestones if m.title.startswith(title_starts))

    def evidence(self, milestone: Milestone, lead: User, *, text: str | None = None, url: str | None = None,
                 label: str = "") -> None:
        kind = "text" if text else "link"
        db.session.add(Evidence(milestone=milestone, kind=kind, body=text, url=url, label=label, added_by_id=lead.id,
                                added_at=self.day(self._day_of(milestone) - 3)))

    def _day_of(self, milestone: Milestone) -> int:
        return min((milestone.due_on - self.cohort.starts_on).days, STARTED_DAYS_AGO)

    def submit(self, milestone: Milestone, lead: User, on_day: int) -> None:
        at = self.day(on_day)
        lifecycle.move_milestone(milestone, MilestoneStatus.submitted, actor=lead, now=at,
                                 activity=f"Submitted by {lead.display_name}", details={"source": "demo"},
                                 submitted_at=at)

    def decide(self, milestone: Milestone, target: MilestoneStatus, comment: str, on_day: int) -> None:
        at = self.day(on_day, 15)
        values = {"decided_by_id": self.staff.id}
        if target == MilestoneStatus.approved:
            values["approved_at"] = at
        word = "Approved" if target == MilestoneStatus.approved else "Changes requested"
        lifecycle.move_milestone(milestone, target, actor=self.staff, now=at,
                                 activity=f"{word} by {self.staff.display_name}", details={"source": "demo"}, **values)
        db.session.add(MilestoneComment(milestone=milestone, author_id=self.staff.id, to_status=target, body=comment,
                                        created_at=at))

    def stakeholders(self, cohort_team: CohortTeam, lead: User, groups) -> None:
        notes = {
            StakeholderGroup.teachers: (InputMethod.focus_group, 9, "Teachers want planning time built into the day.",
                                        "Added a daily 45-minute team planning block."),
            StakeholderGroup.students: (InputMethod.workshop, 24, "Students asked for more projects outside school.",
                                        "Fridays became city-partner project days."),
            StakeholderGroup.parents: (InputMethod.survey, 61, "Parents need care until 5:30 pm.",
                                       "Extended the day with an optional studio hour."),
            StakeholderGroup.school_leaders: (InputMethod.interview, 3,
                                              "Leaders warned that mastery grading needs family explanation.",
                                              "Planned two family nights on how progress is reported."),
            StakeholderGroup.community_members: (InputMethod.interview, 5,
                                                 "The library offered space for the maker studio.",
                                                 "Moved the maker studio off site for year one."),
        }
        for n, group in enumerate(groups):
            method, people, takeaways, changes = notes[group]
            db.session.add(StakeholderEntry(
                cohort_team=cohort_team, group=group, held_on=self.cohort.starts_on + timedelta(days=25 + 6 * n),
                method=method, participants=people, takeaways=takeaways, design_changes=changes,
                created_by_id=lead.id, created_at=self.day(25 + 6 * n, 18)))

    def coaching(self, cohort_team: CohortTeam, lead: User, sessions: int, reply_to_first: str) -> None:
        topics = ["Goals for the incubation and the team's roles", "Reading the community input so far",
                  "Pilot plan: what to test first", "Budget assumptions for year one", "Charter narrative outline"]
        for n in range(sessions):
            session = CoachingSession(
                cohort_team=cohort_team, coach_id=self.coach.id, held_on=self.cohort.starts_on + timedelta(days=7 + 14 * n),
                duration_minutes=60 if n % 2 == 0 else 90, topics=topics[n % len(topics)],
                next_steps="Send the draft to the coach a week ahead of the next session.",
                created_at=self.day(7 + 14 * n, 17))
            db.session.add(session)
            if n == 0:
                session.replies.append(CoachingReply(author_id=lead.id, body=reply_to_first,
                                                     created_at=self.day(8, 9)))

    def bayou(self, team: CohortTeam) -> None:
        """The lead's team: training approved, community input overdue (no school leaders heard yet, so it
        cannot be submitted), the pilot awaiting review, three coaching sessions."""
        lead = team.team.lead
        training = self.milestone(team, "Design-thinking")
        self.evidence(training, lead, text="All four of us attended the three training days; we will use empathy "
                                           "interviews with families before every design decision.")
        self.submit(training, lead, 19)
        self.decide(training, MilestoneStatus.approved, "Thorough notes, and a clear plan to use the methods.", 20)
        self.stakeholders(team, lead, [StakeholderGroup.teachers, StakeholderGroup.students, StakeholderGroup.parents])
        pilot = self.milestone(team, "Prototype pilot")
        self.evidence(pilot, lead, url="https://example.org/bayou/pilot-plan", label="Pilot plan (shared document)")
        self.evidence(pilot, lead, text="Ran a two-week advisory pilot with 18 fourth graders at a partner school.")
        self.submit(pilot, lead, 72)
        self.coaching(team, lead, 3, "Thank you: we split the roles as you suggested and will report back.")

    def crescent(self, team: CohortTeam) -> None:
        """Training approved; community input sent back for changes (now overdue)."""
        lead = team.team.lead
        training = self.milestone(team, "Design-thinking")
        self.evidence(training, lead, text="We attended the training and wrote up our problem framing.")
        self.submit(training, lead, 20)
        self.decide(training, MilestoneStatus.approved, "Good. Keep the problem framing in view during the pilot.", 22)
        self.stakeholders(team, lead, [StakeholderGroup.teachers, StakeholderGroup.students, StakeholderGroup.parents,
                                       StakeholderGroup.school_leaders])
        community = self.milestone(team, "Community input")
        self.evidence(community, lead, text="Summary of our four sessions and what we heard.")
        self.submit(community, lead, 55)
        self.decide(community, MilestoneStatus.changes_requested,
                    "The sessions are logged, but the summary does not say what you changed in the design. "
                    "Add that and submit again.", 58)
        self.coaching(team, lead, 4, "We will bring the revised summary to the next session.")

    def treme(self, team: CohortTeam) -> None:
        """Ahead of plan: training and community input approved, the financial model awaiting review."""
        lead = team.team.lead
        training = self.milestone(team, "Design-thinking")
        self.evidence(training, lead, url="https://example.org/treme/training-notes", label="Training notes")
        self.submit(training, lead, 18)
        self.decide(training, MilestoneStatus.approved, "Approved: a model write-up for the cohort.", 19)
        self.stakeholders(team, lead, list(StakeholderGroup))
        community = self.milestone(team, "Community input")
        self.evidence(community, lead, text="Five groups heard; the design now has partner project days and a "
                                            "longer day, both asked for by families.")
        self.submit(community, lead, 50)
        self.decide(community, MilestoneStatus.approved, "Approved. The changes follow clearly from what you heard.",
                    52)
        finance = self.milestone(team, "Updated four-year")
        self.evidence(finance, lead, url="https://example.org/treme/four-year-model", label="Four-year model")
        self.submit(finance, lead, 70)
        self.coaching(team, lead, 5, "Thanks for the budget template.")
