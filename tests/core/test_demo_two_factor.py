"""The demo's finance and admin accounts can sign in: they must use a second factor, so the
demo enrols them with a known secret and `flask demo code` prints the current code."""
import pyotp
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.demo import DEMO_TOTP_SECRET
from incubator.extensions import db


def test_the_demo_enrols_finance_and_admin_in_two_factor_sign_in_and_prints_their_code(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    enrolled = set(db.session.scalars(sa.select(User.email).where(User.two_factor_enabled_at.is_not(None))))
    assert {"admin@example.org", "finance@example.org"} <= enrolled
    assert "lead@example.org" not in enrolled and "staff@example.org" not in enrolled
    result = runner.invoke(args=["demo", "code"])
    assert result.exit_code == 0
    assert pyotp.TOTP(DEMO_TOTP_SECRET).verify(result.output.split("code now: ")[1][:6], valid_window=1)
