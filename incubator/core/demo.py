"""`flask demo seed`: demo organisation, people and sign-ins. Safe to run twice."""
import click
from flask.cli import AppGroup

from incubator.accounts.models import Membership, Organisation, Role, User
from incubator.core.timeutil import utcnow
from incubator.extensions import db

demo = AppGroup("demo", help="Demo data.")

DEMO_PASSWORD = "incubator-demo-2026"
# Finance and admins must sign in with a second factor: their demo accounts share this TOTP
# secret (add it to any authenticator app, or run `flask demo code`). Local demo only.
DEMO_TOTP_SECRET = "DEMOINCUBATORTWOFACTORSECRETCODE"
ORG = {"name": "New Schools for New Orleans", "slug": "nsno", "timezone": "America/Chicago"}
PEOPLE = [
    ("admin@example.org", "Avery Admin", None, True),
    ("staff@example.org", "Sam Staff", Role.program_staff, False),
    ("finance@example.org", "Frankie Finance", Role.finance, False),
    ("reviewer1@example.org", "Rae Reviewer", Role.reviewer, False),
    ("reviewer2@example.org", "Robin Reviewer", Role.reviewer, False),
    ("reviewer3@example.org", "Reese Reviewer", Role.reviewer, False),
    ("coach@example.org", "Cam Coach", Role.coach, False),
    ("lead@example.org", "Lee Lead", None, False),
    ("member@example.org", "Mo Member", None, False),
    ("applicant@example.org", "Ari Applicant", None, False),
]
_seeders = []


def seeder(func):
    """Later domains add their demo data by registering a seeder."""
    _seeders.append(func)
    return func


def get_or_create_user(email: str, name: str, *, is_admin: bool = False) -> User:
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        user = User(email=email, name=name, is_admin=is_admin, email_confirmed_at=utcnow())
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    return user


def seed_accounts() -> Organisation:
    org = db.session.scalar(db.select(Organisation).filter_by(slug=ORG["slug"]))
    if org is None:
        org = Organisation(**ORG)
        db.session.add(org)
        db.session.flush()
    for email, name, role, is_admin in PEOPLE:
        user = get_or_create_user(email, name, is_admin=is_admin)
        if role and role not in user.roles_in(org.id):
            db.session.add(Membership(user=user, organisation=org, role=role))
        if (is_admin or role is Role.finance) and user.two_factor_enabled_at is None:
            user.totp_secret, user.two_factor_enabled_at = DEMO_TOTP_SECRET, utcnow()
    db.session.flush()
    return org


@demo.command("seed")
def seed():
    """Create the demo organization, users and data (idempotent)."""
    org = seed_accounts()
    for func in _seeders:
        func(org)
    db.session.commit()
    click.echo("Demo sign-ins (password for all: %s):" % DEMO_PASSWORD)
    for email, name, role, is_admin in PEOPLE:
        what = "admin" if is_admin else (role.label if role else "applicant")
        two_factor = "  (two-factor: `flask demo code`)" if is_admin or role is Role.finance else ""
        click.echo(f"  {email:<24} {what}{two_factor}")


@demo.command("code")
def code():
    """Print the current two-factor code of the demo's finance and admin accounts."""
    import pyotp

    click.echo(f"Two-factor code now: {pyotp.TOTP(DEMO_TOTP_SECRET).now()} "
               f"(secret {DEMO_TOTP_SECRET}, for an authenticator app; demo accounts only)")
