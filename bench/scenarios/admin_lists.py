"""The admin's list pages with many rows: users and the audit trail (paginated)."""
import sqlalchemy as sa

from bench.scenarios._helpers import bulk_audit_events, bulk_users
from incubator.accounts.models import User
from incubator.core.demo import seed_accounts
from incubator.extensions import db

NAME = "admin-lists"
SIZE = 10_000  # users, and as many audit events


def seed(size):
    org = seed_accounts()
    bulk_users(size)
    admin = db.session.scalar(sa.select(User).filter_by(email="admin@example.org"))
    bulk_audit_events(size, actor=admin, organisation_id=org.id)
    db.session.commit()


def requests():
    pages = -(-(db.session.scalar(sa.select(sa.func.count(User.id))) or 1) // 50)
    return [
        ("users: first page", "admin@example.org", "/admin/users"),
        ("users: last page", "admin@example.org", f"/admin/users?page={pages}"),
        ("users: search", "admin@example.org", "/admin/users?q=person0042"),
        ("audit trail: first page", "admin@example.org", "/admin/audit"),
        ("audit trail: page 100", "admin@example.org", "/admin/audit?page=100"),
        ("audit trail: by action", "admin@example.org", "/admin/audit?action=grant."),
    ]
