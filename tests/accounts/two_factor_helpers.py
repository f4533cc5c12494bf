"""Helpers of the two-factor tests."""
import time

import pyotp
import sqlalchemy as sa

from incubator.accounts.models import RecoveryCode, User, UserSession
from incubator.core.audit import AuditEvent
from incubator.extensions import db


def code_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def wrong_code(secret: str) -> str:
    """Six digits that are not the code of this step nor of the ones either side."""
    totp = pyotp.TOTP(secret)
    taken = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 7919)) if c not in taken)


def forget_last_step(user: User) -> None:
    """As if the next 30 seconds had come: the next code may be the same digits again."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()


def actions(prefix: str = "accounts.two_factor") -> list[str]:
    return [a for a in db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)) if a.startswith(prefix)]


def live_sessions(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


def recovery_rows(user: User) -> list[RecoveryCode]:
    return list(db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id)))


def set_up(client, user) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on through the pages; returns the secret and the recovery codes."""
    import re

    assert client.get("/account/two-factor/setup").status_code == 200
    with client.session_transaction() as session:
        secret = session["two_factor_setup_secret"]
    page = client.post("/account/two-factor/setup", data={"code": code_now(secret)})
    assert page.status_code == 200, page.text
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", page.text)
    db.session.refresh(user)
    return secret, codes
