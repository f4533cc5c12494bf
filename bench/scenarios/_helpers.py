"""Fast seeding helpers shared by scenarios (rows in bulk, one cheap password hash)."""
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from bench import PASSWORD
from incubator.accounts.models import User
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db

_HASH = {}


def password_hash() -> str:
    """One hash of the bench password, reused for every bulk user (hashing 10,000 is slow)."""
    if "h" not in _HASH:
        _HASH["h"] = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    return _HASH["h"]


def bulk_users(count: int, *, prefix: str = "person") -> None:
    now = utcnow()
    rows = [
        {"email": f"{prefix}{n:06d}@example.org", "name": f"Person {n}", "password_hash": password_hash(),
         "is_admin": False, "is_deactivated": n % 50 == 0, "email_confirmed_at": now,
         "created_at": now - timedelta(minutes=n), "password_changed_at": now}
        for n in range(1, count + 1)
    ]
    for start in range(0, len(rows), 2000):
        db.session.execute(sa.insert(User), rows[start:start + 2000])


def bulk_audit_events(count: int, *, actor: User | None = None, organisation_id: int | None = None) -> None:
    now = utcnow()
    actions = ("user.signed_in", "user.registered", "challenge.opened", "application.submitted", "grant.tranche_paid")
    rows = [
        {"occurred_at": now - timedelta(minutes=n), "actor_id": actor.id if actor else None,
         "actor_email": actor.email if actor else f"person{n:06d}@example.org", "action": actions[n % len(actions)],
         "object_type": "User", "object_id": n, "organisation_id": organisation_id, "ip_address": "127.0.0.1",
         "details": None}
        for n in range(1, count + 1)
    ]
    for start in range(0, len(rows), 2000):
        db.session.execute(sa.insert(AuditEvent), rows[start:start + 2000])
