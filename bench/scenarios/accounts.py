"""The sign-in page and each role's dashboard, with the demo organisation and people."""
from incubator.core.demo import seed_accounts
from incubator.extensions import db

NAME = "dashboards"
SIZE = 0  # the demo people only


def seed(size):
    seed_accounts()
    db.session.commit()


REQUESTS = [
    ("sign-in page", None, "/login"),
    ("dashboard: applicant", "applicant@example.org", "/dashboard"),
    ("dashboard: program staff", "staff@example.org", "/dashboard"),
    ("dashboard: finance", "finance@example.org", "/dashboard"),
    ("dashboard: reviewer", "reviewer1@example.org", "/dashboard"),
    ("dashboard: admin", "admin@example.org", "/dashboard"),
]
