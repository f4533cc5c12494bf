"""Helpers of the milestones tests (tests/incubation/test_milestones_*.py): files to upload,
stakeholder entries and coaching sessions to log, a milestone handed in through the services."""
import io
import os
from datetime import date

import sqlalchemy as sa

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import milestone_evidence, milestones
from incubator.incubation.models import CoachingSession, Milestone, StakeholderEntry
from incubator.incubation.states import REQUIRED_GROUPS

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def log_entries(cohort_team, groups=REQUIRED_GROUPS, by=None):
    for group in groups:
        db.session.add(StakeholderEntry(cohort_team=cohort_team, group=group, held_on=date(2026, 11, 2),
                                        method="focus_group", participants=8, takeaways="A longer day, please.",
                                        created_by_id=getattr(by, "id", None)))
    db.session.commit()


def log_sessions(cohort_team, coach, count):
    for n in range(count):
        db.session.add(CoachingSession(cohort_team=cohort_team, coach_id=coach.id, held_on=date(2026, 11, 2),
                                       duration_minutes=60, topics=f"Session {n + 1}: budget"))
    db.session.commit()


def hand_in_text(milestone, user, body="Our team attended all four training days."):
    evidence = milestone_evidence.add_text(milestone, body, label="Training", actor=user, now=utcnow())
    db.session.commit()
    return evidence


def submitted(milestone, user):
    """The milestone with a text handed in and submitted by `user` (a team member)."""
    hand_in_text(milestone, user)
    milestones.submit(milestone, actor=user, now=utcnow())
    db.session.commit()
    return milestone


def approved(milestone, user, staff):
    submitted(milestone, user)
    milestones.decide(milestone, "approve", "", actor=staff, now=utcnow())
    db.session.commit()
    return milestone


def fresh(milestone) -> Milestone:
    db.session.expire_all()
    return db.session.get(Milestone, milestone.id)


def status_of(milestone) -> str:
    return db.session.scalar(sa.select(Milestone.status).where(Milestone.id == milestone.id))


def upload(client, milestone, content: bytes, name: str, label: str = ""):
    return client.post(f"/incubation/milestones/{milestone.id}/evidence/file", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name), "file_label": label})


def stored_files(app):
    directory = os.path.join(app.config["UPLOAD_DIR"], "evidence")
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []
