"""Conflicts of interest found automatically, stored as rows (so a conflict staff lift stays
lifted, and every check is one indexed lookup):

- the reviewer is on the team;
- the reviewer shares an email domain with a team member (public mail providers excepted);
- a tie in the reviewer's profile (a name, an email address or a domain) matches a team member.
"""
from datetime import datetime

import sqlalchemy as sa

from incubator.applications.models import Application, Team, TeamMember
from incubator.extensions import db
from incubator.reviews.models import Conflict, ReviewerProfile
from incubator.reviews.states import ConflictSource

# Domains shared by strangers: sharing one is no tie.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
    "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.com", "gmx.net",
    "mail.com", "zoho.com", "yandex.com", "fastmail.com", "hey.com", "comcast.net", "att.net", "verizon.net",
    "cox.net", "sbcglobal.net", "bellsouth.net", "charter.net", "example.com", "example.org",
})


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""


def parse_ties(text: str) -> list[str]:
    """The profile's ties, one per line (or separated by commas or semicolons), lower-cased."""
    ties = []
    for line in (text or "").replace(";", "\n").replace(",", "\n").splitlines():
        tie = " ".join(line.split()).lower()
        if tie and tie not in ties:
            ties.append(tie)
    return ties


def _tie_matches(tie: str, member_name: str, member_email: str) -> bool:
    email = member_email.lower()
    if "@" in tie:
        return tie == email
    if "." in tie and " " not in tie:  # a domain: the address's domain or a subdomain of it
        domain = email_domain(email)
        return domain == tie or domain.endswith("." + tie)
    return bool(member_name) and tie == " ".join(member_name.split()).lower()


def find(reviewer, members: list[tuple[int, str, str]], ties: list[str]) -> tuple[ConflictSource, str] | None:
    """Why `reviewer` conflicts with a team of `members` (user id, name, email); None if no tie."""
    for user_id, _, _ in members:
        if user_id == reviewer.id:
            return ConflictSource.team_member, "The reviewer is on the team."
    own_domain = email_domain(reviewer.email)
    if own_domain and own_domain not in PUBLIC_MAIL_DOMAINS:
        for _, _, email in members:
            if email_domain(email) == own_domain:
                return ConflictSource.email_domain, f"Shares the email domain {own_domain} with the team."
    for tie in ties:
        for _, name, email in members:
            if _tie_matches(tie, name, email):
                return ConflictSource.profile, f"Matches \u201c{tie}\u201d in the reviewer's profile."
    return None


def detect(applications: list[Application], reviewers: list, *, now: datetime) -> int:
    """Store the automatic conflicts between `applications` and `reviewers` that are not stored
    yet (a pair with any row, lifted or not, is left alone). Returns how many were added."""
    if not applications or not reviewers:
        return 0
    application_ids = [a.id for a in applications]
    reviewer_ids = [r.id for r in reviewers]
    known = set(db.session.execute(sa.select(Conflict.application_id, Conflict.reviewer_id).where(
        Conflict.application_id.in_(application_ids), Conflict.reviewer_id.in_(reviewer_ids))).all())
    members: dict[int, list[tuple[int, str, str]]] = {}
    from incubator.accounts.models import User

    rows = db.session.execute(
        sa.select(Application.id, User.id, User.name, User.email)
        .join(Team, Team.id == Application.team_id).join(TeamMember, TeamMember.team_id == Team.id)
        .join(User, User.id == TeamMember.user_id).where(Application.id.in_(application_ids)))
    for application_id, user_id, name, email in rows:
        members.setdefault(application_id, []).append((user_id, name or "", email))
    ties = {user_id: parse_ties(text) for user_id, text in db.session.execute(
        sa.select(ReviewerProfile.user_id, ReviewerProfile.ties).where(ReviewerProfile.user_id.in_(reviewer_ids)))}
    added = 0
    for application_id in application_ids:
        for reviewer in reviewers:
            if (application_id, reviewer.id) in known:
                continue
            found = find(reviewer, members.get(application_id, []), ties.get(reviewer.id, []))
            if found:
                source, note = found
                db.session.add(Conflict(application_id=application_id, reviewer_id=reviewer.id, source=source,
                                        note=note, created_at=now))
                added += 1
    db.session.flush()
    return added


def active_pairs(application_ids, reviewer_ids=None) -> set[tuple[int, int]]:
    """(application id, reviewer id) of every active (not lifted) conflict among these applications."""
    query = sa.select(Conflict.application_id, Conflict.reviewer_id).where(
        Conflict.application_id.in_(list(application_ids)), Conflict.lifted_at.is_(None))
    if reviewer_ids is not None:
        query = query.where(Conflict.reviewer_id.in_(list(reviewer_ids)))
    return set(db.session.execute(query).all())
