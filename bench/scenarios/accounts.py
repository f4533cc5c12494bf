"""The sign-in page and each role's dashboard: the full demo data, plus `size` other
people and audit events (a dashboard must not slow down as the portal grows)."""
import sqlalchemy as sa

from bench.scenarios._helpers import bulk_audit_events, bulk_users
from incubator.accounts.models import User
from incubator.core import demo
from incubator.extensions import db

NAME = "dashboards"
SIZE = 10_000  # other people, and as many audit events


def seed(size):
    org = demo.seed_accounts()
    for seeder in demo._seeders:  # every domain's demo data, as `flask demo seed` does
        seeder(org)
    bulk_users(size)
    admin = db.session.scalar(sa.select(User).filter_by(email="admin@example.org"))
    bulk_audit_events(size, actor=admin, organisation_id=org.id)
    db.session.commit()


REQUESTS = [
    ("sign-in page", None, "/login"),
    ("dashboard: applicant (team lead)", "lead@example.org", "/dashboard"),
    ("dashboard: program staff", "staff@example.org", "/dashboard"),
    ("dashboard: finance", "finance@example.org", "/dashboard"),
    ("dashboard: reviewer", "reviewer1@example.org", "/dashboard"),
    ("dashboard: admin", "admin@example.org", "/dashboard"),
]
