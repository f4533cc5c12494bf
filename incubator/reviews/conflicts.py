"""Conflicts of interest found automatically, stored as rows (so a conflict staff lift stays
lifted, and every check is one indexed lookup):

- the reviewer is on the team;
- the reviewer shares an email domain with a team member (public mail providers excepted; a
  subdomain counts as the same organization: mail.tulane.edu and tulane.edu);
- a tie in the reviewer's profile matches the team: an email address (exactly), a domain (a team
  member's address at it or at a subdomain of it), or a name (a member's or the team's, compared
  without case and extra spaces).

Detection indexes the teams once (name, address, domain -> applications), so a round of 2,000
applications and 100 reviewers costs one pass over each reviewer's few keys, not 200,000 pair checks.
"""
import re
from collections import defaultdict
from dataclasses import dataclass
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

_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def normalise_name(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower().rstrip(".") if "@" in (email or "") else ""


def is_public_domain(domain: str) -> bool:
    return any(domain == public or domain.endswith("." + public) for public in PUBLIC_MAIL_DOMAINS)


def _domain_and_parents(domain: str) -> list[str]:
    """mail.tulane.edu -> [mail.tulane.edu, tulane.edu] (never a bare top-level domain)."""
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


def parse_tie(text: str) -> tuple[str, str] | None:
    """One tie in words -> (kind, key): ("email", "ann@bayou.org"), ("domain", "bayou.org") or
    ("name", "ann lee"). Web addresses and "@bayou.org" read as domains; None for an empty line."""
    tie = normalise_name(text)
    if not tie:
        return None
    tie = re.sub(r"^(?:mailto:|https?://)", "", tie)
    if " " not in tie and "@" in tie.lstrip("@"):
        return "email", tie
    bare = tie.lstrip("@")
    bare = re.sub(r"^www\.", "", bare.split("/", 1)[0]).rstrip(".")
    if " " not in tie and _DOMAIN.match(bare):
        return "domain", bare
    return "name", tie


def parse_ties(text: str) -> list[str]:
    """The profile's ties, one per line (or separated by semicolons), normalised. Commas stay:
    "Bayou Lab, Inc." is one organization."""
    ties = []
    for line in (text or "").replace(";", "\n").splitlines():
        tie = normalise_name(line)
        if tie and tie not in ties:
            ties.append(tie)
    return ties


class TeamIndex:
    """Which of some applications each person, address, domain and name belongs to."""

    def __init__(self):
        self.by_user: dict[int, set[int]] = defaultdict(set)
        self.by_email: dict[str, set[int]] = defaultdict(set)
        self.by_exact_domain: dict[str, set[int]] = defaultdict(set)
        self.by_domain_or_parent: dict[str, set[int]] = defaultdict(set)
        self.by_name: dict[str, set[int]] = defaultdict(set)

    @classmethod
    def load(cls, application_ids: list[int]) -> "TeamIndex":
        from incubator.accounts.models import User

        index = cls()
        for chunk in _chunks(application_ids):
            rows = db.session.execute(
                sa.select(Application.id, Team.name, User.id, User.name, User.email)
                .join(Team, Team.id == Application.team_id).join(TeamMember, TeamMember.team_id == Team.id)
                .join(User, User.id == TeamMember.user_id).where(Application.id.in_(chunk)))
            for row in rows:
                index.add(*row)
        return index

    def add(self, application_id: int, team_name: str, user_id: int, name: str, email: str) -> None:
        self.by_user[user_id].add(application_id)
        email = (email or "").strip().lower()
        self.by_email[email].add(application_id)
        domain = email_domain(email)
        if domain:
            self.by_exact_domain[domain].add(application_id)
            for suffix in _domain_and_parents(domain):
                self.by_domain_or_parent[suffix].add(application_id)
        for key in (normalise_name(name), normalise_name(team_name)):
            if key:
                self.by_name[key].add(application_id)

    def shared_domain(self, domain: str) -> set[int]:
        """Applications with a member at `domain`, a subdomain of it, or a domain it is a subdomain of."""
        found = set(self.by_domain_or_parent.get(domain, ()))
        for parent in _domain_and_parents(domain)[1:]:
            found |= self.by_exact_domain.get(parent, set())
        return found

    def tie(self, kind: str, key: str) -> set[int]:
        if kind == "email":
            return self.by_email.get(key, set())
        if kind == "domain":
            return set() if is_public_domain(key) else self.by_domain_or_parent.get(key, set())
        return self.by_name.get(key, set())


def _chunks(ids: list[int], size: int = 900):
    # SQLite refuses more than a few thousand bound parameters in one IN list.
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def conflicts_of(reviewer, ties: list[str], index: TeamIndex) -> dict[int, tuple[ConflictSource, str]]:
    """application id -> (source, note) for each application `reviewer` conflicts with."""
    found: dict[int, tuple[ConflictSource, str]] = {}
    for application_id in index.by_user.get(reviewer.id, ()):
        found[application_id] = (ConflictSource.team_member, "The reviewer is on the team.")
    own_domain = email_domain(reviewer.email)
    if own_domain and not is_public_domain(own_domain):
        for application_id in index.shared_domain(own_domain):
            found.setdefault(application_id, (ConflictSource.email_domain,
                                              f"Shares the email domain {own_domain} with the team."))
    for tie in ties:
        parsed = parse_tie(tie)
        if parsed is None:
            continue
        for application_id in index.tie(*parsed):
            found.setdefault(application_id, (ConflictSource.profile,
                                              f"Matches \u201c{tie}\u201d in the reviewer's profile."))
    return found


def find(reviewer, members: list[tuple[int, str, str]], ties: list[str],
         team_name: str = "") -> tuple[ConflictSource, str] | None:
    """Why `reviewer` conflicts with a team of `members` (user id, name, email); None if no tie.
    (One team, without the database: the same rules as `detect`.)"""
    index = TeamIndex()
    for user_id, name, email in members:
        index.add(0, team_name, user_id, name, email)
    return conflicts_of(reviewer, ties, index).get(0)


@dataclass(frozen=True)
class _Reviewer:
    id: int
    email: str


def _id_of(obj) -> int:
    """An object's id without loading it again when the session expired it (a plain id passes too)."""
    if isinstance(obj, int):
        return obj
    identity = sa.inspect(obj).identity
    return identity[0] if identity else obj.id


def detect(applications: list, reviewers: list, *, now: datetime) -> int:
    """Store the automatic conflicts between `applications` and `reviewers` (objects or ids) not stored
    yet (a pair with any row, lifted or not, is left alone: a lifted conflict stays lifted).
    Returns how many were added. Assignments are not touched: callers that must drop the
    assignments of new conflicts call `conflict_services.release_conflicted`."""
    if not applications or not reviewers:
        return 0
    application_ids = sorted({_id_of(a) for a in applications})
    reviewer_ids = sorted({_id_of(r) for r in reviewers})
    known: set[tuple[int, int]] = set()
    for chunk in _chunks(application_ids):
        known |= set(db.session.execute(sa.select(Conflict.application_id, Conflict.reviewer_id).where(
            Conflict.application_id.in_(chunk), Conflict.reviewer_id.in_(reviewer_ids))).all())
    index = TeamIndex.load(application_ids)
    from incubator.accounts.models import User

    # Read what matters of the reviewers in one query (the objects given may be expired).
    people = [_Reviewer(user_id, email or "") for user_id, email in db.session.execute(
        sa.select(User.id, User.email).where(User.id.in_(reviewer_ids)).order_by(User.id))]
    ties = {user_id: parse_ties(text) for user_id, text in db.session.execute(
        sa.select(ReviewerProfile.user_id, ReviewerProfile.ties).where(ReviewerProfile.user_id.in_(reviewer_ids)))}
    wanted = set(application_ids)
    added = 0
    for reviewer in people:
        found = conflicts_of(reviewer, ties.get(reviewer.id, []), index)
        for application_id in sorted(found):
            if application_id not in wanted or (application_id, reviewer.id) in known:
                continue
            source, note = found[application_id]
            db.session.add(Conflict(application_id=application_id, reviewer_id=reviewer.id, source=source,
                                    note=note, created_at=now))
            known.add((application_id, reviewer.id))
            added += 1
    db.session.flush()
    return added


def active_pairs(application_ids, reviewer_ids=None) -> set[tuple[int, int]]:
    """(application id, reviewer id) of every active (not lifted) conflict among these applications."""
    found: set[tuple[int, int]] = set()
    for chunk in _chunks(list(application_ids)):
        query = sa.select(Conflict.application_id, Conflict.reviewer_id).where(
            Conflict.application_id.in_(chunk), Conflict.lifted_at.is_(None))
        if reviewer_ids is not None:
            query = query.where(Conflict.reviewer_id.in_(list(reviewer_ids)))
        found |= set(db.session.execute(query).all())
    return found
